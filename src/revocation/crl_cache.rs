//! CRLs fetched once per URL and issuer, kept until their `nextUpdate`:
//! a thousand certificates naming one CRL cost one download, even when
//! they are checked at the same time (the first asks, the others wait for
//! its answer). A failed download is remembered for the run too, so an
//! unreachable CRL host is asked once, not once per certificate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use time::OffsetDateTime;
use tokio::sync::OnceCell;

use super::fetch::{Bounds, FetchKind, Fetcher};
use super::AnswerError;
use crate::certs::revocation::{parse_crl, RevocationList};

/// A CRL as fetched and checked, or why not.
pub type CrlResult = Result<Arc<RevocationList>, AnswerError>;

/// A cache key: the CRL's URL and the SHA-256 of the issuer it is checked against.
type Key = (String, String);

/// One cache entry: filled once by the first task that asks.
type Entry = Arc<OnceCell<CrlResult>>;

/// The cache of one revocation run.
#[derive(Default)]
pub struct CrlCache {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl CrlCache {
    /// The CRL at `url` checked against `issuer_der` (by its SHA-256
    /// `issuer`): from the cache while its `nextUpdate` is after `now`,
    /// else fetched (once, however many ask at once).
    pub async fn get(
        &self,
        fetcher: &Fetcher,
        url: &str,
        issuer: (&str, &[u8]),
        bounds: Bounds,
        now: OffsetDateTime,
    ) -> CrlResult {
        let key = (url.to_string(), issuer.0.to_string());
        let cell = self.cell(&key, now);
        cell.get_or_init(|| async {
            let bytes = fetcher.get(FetchKind::Crl, url, bounds).await?;
            Ok(Arc::new(parse_crl(&bytes, issuer.1)?))
        })
        .await
        .clone()
    }

    /// The cell for `key`, replaced when its CRL has passed `nextUpdate`.
    fn cell(&self, key: &Key, now: OffsetDateTime) -> Entry {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let stale = entries.get(key).and_then(|cell| cell.get()).is_some_and(
            |r| matches!(r, Ok(list) if list.next_update.is_some_and(|next| next < now)),
        );
        if stale {
            entries.remove(key);
        }
        entries.entry(key.clone()).or_default().clone()
    }
}
