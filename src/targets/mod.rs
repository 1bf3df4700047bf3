//! Targets: what to scan. Owns parsing of target specs (addresses, CIDR
//! blocks, dash ranges, host names, `name@address` pairings, each with an
//! optional port), port lists and the default TLS port set, exclusions,
//! target files (one spec a line, or CSV `address,name[,port]` lines), the
//! pairing table of names and addresses (`--resolve`, [`Pairings`]), and
//! the lazy, deduplicated stream of [`Target`]s the scan engine consumes,
//! each carrying where its SNI name came from.
//!
//! Typical use by the CLI:
//! ```ignore
//! let scope = ScopeBuilder::new()
//!     .targets(parse_specs_in(&args.targets, &Origin::argument("target argument"))?)
//!     .targets(read_specs(&args.input)?)
//!     .ports(parse_ports(&args.ports)?)
//!     .exclude(parse_specs_in(&args.exclude, &Origin::argument("--exclude"))?)
//!     .extra_sni(args.sni)
//!     .build();
//! for target in scope.iter() { /* probe */ }
//! ```
//!
//! Errors ([`TargetsError`]) name where a bad value came from through an
//! [`Origin`]: parsers ending in `_in` take one, the others use a default
//! (`--ports` for [`parse_ports`], none for [`parse_spec`]), and
//! [`TargetsError::with_origin`] re-labels an error afterwards.

mod address_walk;
mod block;
mod csv;
mod error;
mod exclusions;
mod forms;
mod plan;
mod ports;
mod ranges;
mod resolve;
mod scope;
mod server_name;
mod shard;
mod source;
mod spec;
mod target;
#[cfg(test)]
mod test_support;
mod walk;

pub use block::{AddressBlock, AddressBlockError};
pub use error::{Origin, SpecProblem, TargetsError};
pub use ports::{parse_ports, parse_ports_in, DEFAULT_PORTS};
pub use resolve::{parse_resolve_in, Pairing, Pairings};
pub use scope::{Scope, ScopeBuilder};
pub use server_name::{dns_name, NameError};
pub use shard::{NotAShard, Shard};
pub use source::{read_specs, read_specs_from};
pub use spec::{parse_host_name_in, parse_spec, parse_spec_in, parse_specs_in, TargetSpec};
pub use target::{Host, Target};
pub use walk::TargetIter;
