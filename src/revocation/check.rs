//! Checking one certificate: its OCSP responders first (GET per RFC 6960
//! A.1 when the encoded request is short, else POST; a GET refused with an
//! HTTP error, or answered with no HTTP response, is retried once as POST), then its CRLs, until one signed,
//! current answer says `good` or `revoked`. Every URL tried comes from the
//! certificate itself; every failure is kept as the `unknown` reason.

use std::sync::Arc;

use time::OffsetDateTime;

use super::crl_cache::CrlCache;
use super::fetch::{Bounds, FetchError, Fetcher};
use super::{AnswerError, RevocationSettings};
use crate::certs::revocation::{
    ocsp_request, read_ocsp_response, AnsweredStatus, RevocationAnswer,
};
use crate::clock::Clock;
use crate::store::NewRevocationCheck;

/// A certificate to check, with its issuer when one is known.
#[derive(Debug, Clone)]
pub struct Subject {
    /// SHA-256 of the certificate.
    pub sha256: String,
    /// Its DER.
    pub der: Vec<u8>,
    /// Its OCSP responder URLs.
    pub ocsp_urls: Vec<String>,
    /// Its CRL distribution point URLs.
    pub crl_urls: Vec<String>,
    /// The issuer's SHA-256 and DER, when found in a chain or the inventory.
    pub issuer: Option<(String, Vec<u8>)>,
}

/// Where an answer came from.
struct Asked<'a> {
    source: &'static str,
    url: &'a str,
}

/// Checks certificates; shared by the run's tasks.
pub struct Checker {
    /// The HTTP client.
    pub fetcher: Fetcher,
    /// CRLs fetched in this run.
    pub crls: CrlCache,
    /// Bounds and freshness.
    pub settings: RevocationSettings,
    /// The clock results are dated with.
    pub clock: Clock,
}

impl Checker {
    /// The check of `subject`: a signed answer, or `unknown` with why.
    pub async fn check(self: Arc<Self>, subject: Subject) -> NewRevocationCheck {
        let Some((issuer_sha, issuer_der)) = subject.issuer.as_ref() else {
            let why = match subject.ocsp_urls.is_empty() && subject.crl_urls.is_empty() {
                true => "no OCSP or CRL URL in the certificate",
                false => "issuer not known (neither in a chain of the scan nor in the inventory)",
            };
            return self.unknown(&subject, None, why.to_string());
        };
        let mut failures = Vec::new();
        let mut last = None;
        for url in &subject.ocsp_urls {
            let asked = Asked {
                source: "ocsp",
                url,
            };
            match self.ocsp(&subject, issuer_der, url).await {
                Ok(answer) if answer.status != AnsweredStatus::Unknown => {
                    return self.answered(&subject, &asked, &answer)
                }
                Ok(_) => failures.push(format!("ocsp {url}: the responder does not know it")),
                Err(why) => failures.push(format!("ocsp {url}: {why}")),
            }
            last = Some(asked);
        }
        for url in &subject.crl_urls {
            let asked = Asked { source: "crl", url };
            match self.crl(&subject, (issuer_sha, issuer_der), url).await {
                Ok(answer) => return self.answered(&subject, &asked, &answer),
                Err(why) => failures.push(format!("crl {url}: {why}")),
            }
            last = Some(asked);
        }
        if failures.is_empty() {
            failures.push("no OCSP or CRL URL in the certificate".to_string());
        }
        self.unknown(&subject, last.as_ref(), failures.join("; "))
    }

    /// Asks the OCSP responder at `url`.
    async fn ocsp(
        &self,
        subject: &Subject,
        issuer_der: &[u8],
        url: &str,
    ) -> Result<RevocationAnswer, AnswerError> {
        let query = ocsp_request(&subject.der, issuer_der)?;
        let bounds = Bounds {
            timeout: self.settings.timeout,
            max_bytes: self.settings.ocsp_max_bytes,
        };
        let encoded = get_encoding(&query.request_der);
        let fetcher = &self.fetcher;
        let bytes = match encoded.len() < 255 {
            true => {
                let get_url = format!("{}/{encoded}", url.trim_end_matches('/'));
                match fetcher
                    .get(super::fetch::FetchKind::Ocsp, &get_url, bounds)
                    .await
                {
                    Err(FetchError::Status(_) | FetchError::Exchange(_)) => {
                        fetcher
                            .post_ocsp(url, query.request_der.clone(), bounds)
                            .await
                    }
                    other => other,
                }
            }
            false => {
                fetcher
                    .post_ocsp(url, query.request_der.clone(), bounds)
                    .await
            }
        };
        let bytes = bytes?;
        let now = self.clock.now();
        let answer = read_ocsp_response(&query, &bytes, now)?;
        current(answer, now)
    }

    /// Looks the certificate up in the CRL at `url`.
    async fn crl(
        &self,
        subject: &Subject,
        issuer: (&str, &[u8]),
        url: &str,
    ) -> Result<RevocationAnswer, AnswerError> {
        let bounds = Bounds {
            timeout: self.settings.timeout,
            max_bytes: self.settings.crl_max_bytes,
        };
        let now = self.clock.now();
        let list = self
            .crls
            .get(&self.fetcher, url, issuer, bounds, now)
            .await?;
        let answer = list.answer_for(&subject.der)?;
        current(answer, now)
    }

    /// The record of a signed answer.
    fn answered(
        &self,
        subject: &Subject,
        asked: &Asked<'_>,
        answer: &RevocationAnswer,
    ) -> NewRevocationCheck {
        let now = self.clock.now();
        let (status, reason, revoked_at) = match &answer.status {
            AnsweredStatus::Good => ("good", None, None),
            AnsweredStatus::Revoked { reason, at } => ("revoked", reason.clone(), Some(*at)),
            AnsweredStatus::Unknown => ("unknown", None, None),
        };
        let window = now + self.settings.freshness;
        let fresh_until = answer.next_update.map_or(window, |next| next.min(window));
        NewRevocationCheck {
            certificate: subject.sha256.clone(),
            source: asked.source.to_string(),
            url: asked.url.to_string(),
            checked_at: now,
            status: status.to_string(),
            reason,
            revoked_at,
            detail: None,
            this_update: Some(answer.this_update),
            next_update: answer.next_update,
            fresh_until,
        }
    }

    /// The record of a check that got no usable answer.
    fn unknown(
        &self,
        subject: &Subject,
        asked: Option<&Asked<'_>>,
        why: String,
    ) -> NewRevocationCheck {
        let now = self.clock.now();
        NewRevocationCheck {
            certificate: subject.sha256.clone(),
            source: asked.map_or("none", |a| a.source).to_string(),
            url: asked.map_or("", |a| a.url).to_string(),
            checked_at: now,
            status: "unknown".to_string(),
            reason: None,
            revoked_at: None,
            detail: Some(why),
            this_update: None,
            next_update: None,
            fresh_until: now + self.settings.freshness,
        }
    }
}

/// Refuses an answer whose `nextUpdate` has passed.
fn current(answer: RevocationAnswer, now: OffsetDateTime) -> Result<RevocationAnswer, AnswerError> {
    match answer.next_update {
        Some(next) if next < now => {
            let next_update = crate::time_text::rfc3339(next);
            Err(AnswerError::Stale { next_update })
        }
        _ => Ok(answer),
    }
}

/// The URL-encoded base64 of a DER OCSP request, for a GET (RFC 6960 A.1).
pub fn get_encoding(request_der: &[u8]) -> String {
    let text = crate::pem::base64(request_der);
    text.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_encoding_escapes_the_base64_characters_a_path_cannot_hold() {
        let encoded = get_encoding(&[0xfb, 0xff, 0xbf, 0x01]);
        assert_eq!(encoded, "%2B%2F%2B%2FAQ%3D%3D");
    }
}
