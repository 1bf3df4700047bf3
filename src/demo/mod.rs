//! The built-in lab: a set of deliberately good and deliberately flawed TLS servers on loopback.
//!
//! `certatlas demo` starts a [`Lab`], scans every [`LabCase`] with the real scanner, prints the
//! results and shuts the lab down; integration tests reuse the same lab as their fixture servers.
//!
//! This file owns the public API (the lab handle, its case descriptions and errors) and the
//! start/shutdown lifecycle. The case table (names, descriptions, order) lives in `cases`,
//! a case before it listens in `blueprint`, how each case is built in `case_factory`, CA
//! and leaf generation in `pki`, the RSA-1024 and SHA-1 tricks in `legacy_sign` and
//! `crate::tls` (the RSA-1024 signing key, rustls server settings, the acceptor), and the
//! accept loops in `server`.

mod blueprint;
mod case_factory;
pub use case_factory::HOSTILE_COMMON_NAME;

/// The owner the demo gives what the lab's issuing CA issued.
pub const LAB_OWNER: &str = "platform-team";

/// The demo's one owner rule: leaves issued by the lab's approved issuing
/// CA belong to [`LAB_OWNER`]; the shadow and self-signed leaves stay
/// unassigned (deliberate defects).
pub fn lab_owner_rule() -> crate::inventory::owners::OwnerRuleSpec {
    crate::inventory::owners::OwnerRuleSpec {
        owner: LAB_OWNER.into(),
        issuer: vec![pki::ISSUING_CA_NAME.into()],
        ..Default::default()
    }
}
mod cases;
pub mod legacy_server;
pub(crate) mod legacy_sign;
mod pki;
mod server;
pub mod starttls_server;

#[cfg(test)]
mod certificate_tests;
#[cfg(test)]
mod groups_tests;
#[cfg(test)]
pub(crate) mod test_probe;
#[cfg(test)]
mod tests;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// DNS suffix shared by every lab server name: case `x` is probed as `x.lab.certatlas.test`.
pub const LAB_DOMAIN: &str = "lab.certatlas.test";

/// A running lab of TLS (and one non-TLS) servers, one per [`LabCase`], each on its own
/// loopback address `127.0.0.N` (N from 2 upward) with an ephemeral port.
///
/// Every certificate is generated at start with validity dates relative to the `now` given to
/// [`Lab::start`], so tests can pin the clock. The lab has two private hierarchies: the
/// *approved* one (declare [`Lab::approved_root_der`] as a trusted anchor when scanning) and
/// an undeclared *shadow* one ([`Lab::shadow_root_der`]) that a scanner should flag.
///
/// ```no_run
/// # async fn demo() -> Result<(), certatlas::demo::LabError> {
/// let lab = certatlas::demo::Lab::start(time::OffsetDateTime::now_utc()).await?;
/// for case in lab.cases() {
///     println!("{:<22} {} {}", case.name, case.address, case.description);
/// }
/// lab.shutdown().await;
/// # Ok(()) }
/// ```
///
/// Always finish with [`Lab::shutdown`] to wait for the servers; dropping the lab only
/// cancels and aborts them.
pub struct Lab {
    cases: Vec<LabCase>,
    approved_root_der: Vec<u8>,
    shadow_root_der: Vec<u8>,
    cancel: CancellationToken,
    servers: JoinSet<()>,
    factory: case_factory::CaseFactory,
    renewables: Vec<Option<Arc<crate::tls::server::Renewable>>>,
}

/// One lab server: what it demonstrates, where it listens and exactly what it sends.
#[derive(Debug, Clone)]
pub struct LabCase {
    /// Short identifier, e.g. `"rsa-1024"`.
    pub name: &'static str,
    /// One line for the demo output.
    pub description: &'static str,
    /// Where the server listens.
    pub address: SocketAddr,
    /// The probes to run against this case: `None` = no SNI, `Some(name)` = that SNI.
    /// Most cases have a single `Some("<case>.lab.certatlas.test")`.
    pub server_names: Vec<Option<String>>,
    /// For each entry of `server_names` (same index): the exact chain (DER, in order) the
    /// server sends, or an empty chain if the case is not TLS.
    pub expected_chains: Vec<Vec<Vec<u8>>>,
    /// The STARTTLS dialect the server speaks before TLS, if any (lab ports
    /// are ephemeral, so the scanner is told instead of guessing by port).
    pub starttls: Option<crate::probe::Dialect>,
    /// A second chain the server holds for the same name and sends to
    /// clients offering only the other key type (revealed by `--all-certs`).
    pub alternate_chain: Option<Vec<Vec<u8>>>,
    /// How the server behaves at the protocol level.
    pub kind: CaseKind,
}

/// How a lab server behaves at the protocol level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    /// A TLS server that completes the handshake with any client.
    Tls,
    /// A TLS server that sends its chain but then requires a client certificate.
    ClientCertRequired,
    /// A plain TCP service (an SMTP-like banner), not TLS at all.
    NotTls,
    /// An old server only the legacy ClientHello can talk to (SSLv3 to TLS 1.2).
    Legacy,
    /// A TLS server reached through a STARTTLS dialect ([`LabCase::starttls`]).
    StartTls,
}

/// Why the lab could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    /// A server could not listen on its loopback address.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address that was requested.
        address: SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Generating a key or certificate failed.
    #[error("cannot generate lab PKI: {0}")]
    Generate(String),
    /// Generating, loading or signing with a legacy RSA key failed.
    #[error("cannot generate lab PKI: {0}")]
    RsaKey(#[from] crate::certs::rsa_key::RsaKeyError),
    /// The secure random generator failed (a certificate serial).
    #[error("cannot generate lab PKI: {0}")]
    Random(#[from] crate::certs::random::RandomFailed),
    /// Building a TLS server configuration failed.
    #[error("cannot configure lab TLS server: {0}")]
    Tls(#[from] crate::tls::server::ServerError),
}

impl Lab {
    /// Generates every PKI with validity dates relative to `now` (a fixed clock in tests) and
    /// starts one server per case on its own loopback address 127.0.0.N (N from 2 upward),
    /// port 0.
    pub async fn start(now: OffsetDateTime) -> Result<Lab, LabError> {
        let blueprint = tokio::task::spawn_blocking(move || cases::build_lab(now))
            .await
            .map_err(|error| LabError::Generate(format!("generation task failed: {error}")))??;
        let mut lab = Lab {
            cases: Vec::with_capacity(blueprint.cases.len()),
            approved_root_der: blueprint.approved_root_der,
            shadow_root_der: blueprint.shadow_root_der,
            cancel: CancellationToken::new(),
            servers: JoinSet::new(),
            factory: blueprint.factory,
            renewables: Vec::new(),
        };
        for (index, case) in blueprint.cases.into_iter().enumerate() {
            let (listener, address) = bind_case_listener(index).await?;
            lab.renewables.push(case.renewable.clone());
            let service = case.service.clone();
            let cancel = lab.cancel.child_token();
            lab.servers.spawn(server::serve(listener, service, cancel));
            lab.cases.push(case.into_lab_case(address));
        }
        tracing::debug!(cases = lab.cases.len(), "lab started");
        Ok(lab)
    }

    /// Every case, in start order (the first listens on 127.0.0.2).
    pub fn cases(&self) -> &[LabCase] {
        &self.cases
    }

    /// Every case as the demo's table shows it (plain data for `report`).
    pub fn views(&self) -> Vec<crate::report::lab::LabCaseView<'_>> {
        self.cases
            .iter()
            .map(|case| crate::report::lab::LabCaseView {
                name: case.name,
                description: case.description,
                address: case.address,
                server_names: &case.server_names,
            })
            .collect()
    }

    /// The case called `name`, if the lab has one.
    pub fn case(&self, name: &str) -> Option<&LabCase> {
        self.cases.iter().find(|case| case.name == name)
    }

    /// DER of the lab's approved root (users would declare it as an approved anchor).
    pub fn approved_root_der(&self) -> &[u8] {
        &self.approved_root_der
    }

    /// DER of the separate, undeclared private root (a "shadow" CA).
    pub fn shadow_root_der(&self) -> &[u8] {
        &self.shadow_root_der
    }

    /// Renews case `name`'s certificate as of `now`: the server presents a
    /// new leaf (new key, same name, valid 90 days from `now`) from the next
    /// handshake on, and the case's expected chain follows. Only cases with
    /// one plain certificate can be renewed.
    pub fn renew(&mut self, name: &str, now: OffsetDateTime) -> Result<&LabCase, LabError> {
        let index = self.cases.iter().position(|case| case.name == name);
        let renewable = index.and_then(|i| self.renewables[i].clone());
        let (Some(index), Some(renewable)) = (index, renewable) else {
            return Err(LabError::Generate(format!("case {name} cannot be renewed")));
        };
        let (chain, certified) = self.factory.renewal(name, now)?;
        renewable.replace(certified);
        let case = &mut self.cases[index];
        case.expected_chains[0] = chain.iter().map(|der| der.to_vec()).collect();
        Ok(case)
    }

    /// Stops every server and waits for their tasks to finish (graceful; no leaked tasks).
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        while let Some(finished) = self.servers.join_next().await {
            if let Err(error) = finished {
                tracing::warn!(%error, "lab server task failed");
            }
        }
        tracing::debug!("lab stopped");
    }
}

impl Drop for Lab {
    /// Cancels any server still running; the task set aborts whatever has not stopped yet.
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl std::fmt::Debug for Lab {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Lab")
            .field("cases", &self.cases)
            .field("running_servers", &self.servers.len())
            .finish_non_exhaustive()
    }
}

/// Loopback address of the case at `index`: 127.0.0.2 for the first one, then upward.
fn case_ip(index: usize) -> Result<IpAddr, LabError> {
    let last_octet = u8::try_from(index + 2)
        .ok()
        .filter(|octet| *octet < 255)
        .ok_or_else(|| LabError::Generate(format!("too many lab cases ({})", index + 1)))?;
    Ok(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last_octet)))
}

/// Listens on the case's own loopback address with an ephemeral port; returns the listener
/// and the address it actually got.
async fn bind_case_listener(index: usize) -> Result<(TcpListener, SocketAddr), LabError> {
    let requested = SocketAddr::new(case_ip(index)?, 0);
    let bind_error = |source| LabError::Bind {
        address: requested,
        source,
    };
    let listener = TcpListener::bind(requested).await.map_err(bind_error)?;
    let address = listener.local_addr().map_err(bind_error)?;
    Ok((listener, address))
}
