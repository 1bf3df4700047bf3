//! certatlas: TLS certificate discovery, inventory and PKI maturity evidence.
//!
//! Data flows one way through the modules, each depending only on those to
//! its left:
//!
//! ```text
//! cli → targets → probe → observation → certs → report
//!         │         │                              ▲
//!         └──── scan (engine: concurrency, limits) ┘   app wires them; demo is the lab
//! ```
//!
//! - [`targets`]: target specs, port lists, exclusions, the lazy stream.
//! - [`probe`]: one endpoint → one [`observation::Observation`] (rustls).
//! - [`scan`]: the bounded-concurrency engine and the run summary.
//! - [`certs`]: DER → [`certs::CertificateView`] (x509-parser).
//! - [`report`]: output formats; presentation only.
//! - [`cli`]: clap definitions and validated requests.
//! - [`demo`]: the built-in lab of TLS servers on loopback.
//! - [`app`]: wires the stages for each subcommand.

pub mod app;
pub mod certs;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod inventory;
pub mod observation;
pub mod probe;
pub mod report;
pub mod scan;
pub mod targets;
