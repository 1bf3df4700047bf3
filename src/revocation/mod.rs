//! The revocation stage (`--check-revocation`): after a scan's
//! observations are stored and before it is judged, asks the CAs whether
//! the scan's end-entity certificates are revoked, and appends what they
//! said to the store (`revocation_checks`); the judge only reads those
//! rows.
//!
//! ```text
//! store (certificates of the scan, earlier checks) ─→ subjects not checked
//!   within the freshness window ─→ OCSP (AIA) else CRL (CDP), bounded
//!   ─→ signed answers checked against the issuer ─→ store
//! ```
//!
//! - `check`: one certificate, OCSP then CRL, and the record made of it;
//! - `crl_cache`: one download per CRL URL and issuer until `nextUpdate`;
//! - `fetch`: OCSP and CRL requests through [`crate::http::client`],
//!   honouring `--resolve` pairings, counted by kind.
//!
//! Only the URLs written in the certificates are fetched (`http://`), at
//! the address a pairing names when there is one. Parsing and signature
//! checks live in [`crate::certs::revocation`].

mod check;
mod crl_cache;
mod fetch;

pub use check::get_encoding;
pub use fetch::FetchError;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::certs::{signature_check, SignatureCheck};
use crate::clock::Clock;
use crate::store::{NewRevocationCheck, ScanId, Store, StoreError, StoredCertificate};
use crate::targets::Pairings;
use check::{Checker, Subject};
use crl_cache::CrlCache;
use fetch::Fetcher;

/// Bounds and freshness of a revocation run (README, "Revocation status").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevocationSettings {
    /// A result younger than this (and before its answer's `nextUpdate`)
    /// is not asked again.
    pub freshness: Duration,
    /// Deadline of each HTTP request, connection and body included.
    pub timeout: Duration,
    /// Largest OCSP response read.
    pub ocsp_max_bytes: usize,
    /// Largest CRL read.
    pub crl_max_bytes: usize,
    /// Requests at once to one `host:port`.
    pub per_host: usize,
    /// Certificates checked at once.
    pub concurrency: usize,
}

impl Default for RevocationSettings {
    fn default() -> Self {
        RevocationSettings {
            freshness: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(10),
            ocsp_max_bytes: 64 * 1024,
            crl_max_bytes: 20 * 1024 * 1024,
            per_host: 4,
            concurrency: 32,
        }
    }
}

/// Why the stage could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stage's runtime could not be started.
    #[error("cannot start the revocation checks: {0}")]
    Runtime(#[source] std::io::Error),
}

/// Why one OCSP or CRL question got no usable answer (stored as the
/// `unknown` check's detail).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// The request could not be sent or its answer not fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The request could not be built, or the answer does not parse or
    /// verify.
    #[error(transparent)]
    Data(#[from] crate::certs::revocation::RevocationDataError),
    /// The signed answer's `nextUpdate` has passed.
    #[error("stale answer (nextUpdate {next_update} has passed)")]
    Stale {
        /// Its `nextUpdate`, RFC 3339.
        next_update: String,
    },
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationRun {
    /// Certificates asked about.
    pub checked: u64,
    /// Certificates skipped: checked within the freshness window.
    pub fresh: u64,
    /// Answers `good`.
    pub good: u64,
    /// Answers `revoked`.
    pub revoked: u64,
    /// No usable answer.
    pub unknown: u64,
    /// OCSP requests sent.
    pub ocsp_requests: u64,
    /// CRL downloads.
    pub crl_fetches: u64,
}

impl RevocationRun {
    /// `revocation: 3 checked (1 good, 1 revoked, 1 unknown), 2 still fresh;
    /// 2 OCSP requests, 1 CRL downloads`.
    pub fn line(&self) -> String {
        format!(
            "revocation: {} checked ({} good, {} revoked, {} unknown), {} still fresh; \
             {} OCSP requests, {} CRL downloads",
            self.checked,
            self.good,
            self.revoked,
            self.unknown,
            self.fresh,
            self.ocsp_requests,
            self.crl_fetches
        )
    }
}

/// Checks the end-entity certificates of `scan` not checked within the
/// freshness window and stores the results. Blocking: the fetches run on
/// a runtime of their own on a scoped thread, so callers on a blocking
/// thread (or none) can call it alike.
pub fn check_scan(
    store: &Store,
    scan: ScanId,
    settings: &RevocationSettings,
    pairings: Arc<Pairings>,
    clock: Clock,
) -> Result<RevocationRun, RevocationError> {
    let now = clock.now();
    let (subjects, fresh) = subjects(store, scan, now)?;
    let checker = Arc::new(Checker {
        fetcher: Fetcher::new(pairings, settings.per_host),
        crls: CrlCache::default(),
        settings: *settings,
        clock,
    });
    let concurrency = settings.concurrency.max(1);
    let task_checker = checker.clone();
    let checks = std::thread::scope(|scope| {
        scope
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(RevocationError::Runtime)?;
                Ok::<_, RevocationError>(runtime.block_on(run_all(
                    task_checker,
                    subjects,
                    concurrency,
                )))
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    store.record_revocation_checks(scan, &checks)?;
    let count = |status: &str| checks.iter().filter(|c| c.status == status).count() as u64;
    let counts = checker.fetcher.counts();
    Ok(RevocationRun {
        checked: checks.len() as u64,
        fresh,
        good: count("good"),
        revoked: count("revoked"),
        unknown: count("unknown"),
        ocsp_requests: counts.ocsp(),
        crl_fetches: counts.crl(),
    })
}

/// Checks every subject, `concurrency` at once; results in subject order.
async fn run_all(
    checker: Arc<Checker>,
    subjects: Vec<Subject>,
    concurrency: usize,
) -> Vec<NewRevocationCheck> {
    let gate = Arc::new(Semaphore::new(concurrency));
    let mut tasks = JoinSet::new();
    let total = subjects.len();
    for (index, subject) in subjects.into_iter().enumerate() {
        let Ok(permit) = gate.clone().acquire_owned().await else {
            break;
        };
        let checker = checker.clone();
        tasks.spawn(async move {
            let check = checker.check(subject).await;
            drop(permit);
            (index, check)
        });
    }
    let mut done: Vec<Option<NewRevocationCheck>> = vec![None; total];
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, check)) => done[index] = Some(check),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {}
        }
    }
    done.into_iter().flatten().collect()
}

/// The end-entity certificates of `scan` to check (with their issuers),
/// and how many were skipped as still fresh at `now`.
fn subjects(
    store: &Store,
    scan: ScanId,
    now: time::OffsetDateTime,
) -> Result<(Vec<Subject>, u64), StoreError> {
    let certificates = store.certificates_in_scan(scan)?;
    let earlier = store.revocation_checks_as_of(scan)?;
    let mut by_subject: HashMap<&str, Vec<&StoredCertificate>> = HashMap::new();
    for certificate in &certificates {
        if let Some(view) = &certificate.view {
            by_subject
                .entry(view.subject.dn.as_str())
                .or_default()
                .push(certificate);
        }
    }
    let mut out = Vec::new();
    let mut fresh = 0;
    let mut from_store: HashMap<String, Vec<StoredCertificate>> = HashMap::new();
    for certificate in &certificates {
        let Some(view) = certificate
            .view
            .as_ref()
            .filter(|v| !v.is_ca() && !v.self_signed)
        else {
            continue;
        };
        let still_fresh = earlier
            .get(&certificate.sha256)
            .is_some_and(|e| e.check.status != "unknown" && e.check.fresh_until > now);
        if still_fresh {
            fresh += 1;
            continue;
        }
        let in_scan = by_subject
            .get(view.issuer.dn.as_str())
            .into_iter()
            .flatten()
            .copied();
        let mut issuer = signer_of(certificate, in_scan);
        if issuer.is_none() {
            let known = match from_store.get(&view.issuer.dn) {
                Some(known) => known,
                None => from_store
                    .entry(view.issuer.dn.clone())
                    .or_insert(store.certificates_with_subject(&view.issuer.dn)?),
            };
            issuer = signer_of(certificate, known.iter());
        }
        out.push(Subject {
            sha256: certificate.sha256.clone(),
            der: certificate.der.clone(),
            ocsp_urls: view.ocsp_urls.clone(),
            crl_urls: view.crl_urls.clone(),
            issuer,
        });
    }
    Ok((out, fresh))
}

/// The first of `candidates` whose key verifies `certificate`'s signature.
fn signer_of<'a>(
    certificate: &StoredCertificate,
    candidates: impl IntoIterator<Item = &'a StoredCertificate>,
) -> Option<(String, Vec<u8>)> {
    candidates
        .into_iter()
        .find(|c| signature_check(&certificate.der, &c.der) == SignatureCheck::Valid)
        .map(|c| (c.sha256.clone(), c.der.clone()))
}
