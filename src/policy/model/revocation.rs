//! `leaf.revocation`: what the newest revocation check made by the scan or
//! an earlier one (`--check-revocation`) says about a leaf, counted only
//! while fresh at the scan's time, so judging a scan again later reads the
//! same check and a scan without checks never shows an old answer.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::LeafModel;
use crate::store::StoredRevocationCheck;
use crate::time_text::rfc3339;

/// A leaf's revocation status as rules see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RevocationModel {
    /// `good`, `revoked`, `unknown`, or `not_checked` (no check fresh at
    /// the scan's time: the scan ran without `--check-revocation`, or the
    /// certificate is self-signed).
    pub status: String,
    /// A fresh check exists (`status != "not_checked"`): what rules on
    /// revocation name as `observed_when`.
    pub checked: bool,
    /// For `revoked`: the RFC 5280 reason (`keyCompromise`, ...) or `""`.
    pub reason: String,
    /// For `revoked`: the revocation date, RFC 3339, or `""`.
    pub revoked_at: String,
    /// `ocsp`, `crl`, `none` (nothing to ask), or `""` when not checked.
    pub source: String,
    /// The URL asked, or `""`.
    pub url: String,
    /// When it was checked, RFC 3339, or `""`.
    pub checked_at: String,
    /// For `unknown`: why no answer counted; else `""`.
    pub detail: String,
}

impl Default for RevocationModel {
    fn default() -> Self {
        RevocationModel {
            status: "not_checked".to_string(),
            checked: false,
            reason: String::new(),
            revoked_at: String::new(),
            source: String::new(),
            url: String::new(),
            checked_at: String::new(),
            detail: String::new(),
        }
    }
}

/// Sets `leaf.revocation` of every leaf from `checks` (by SHA-256), the
/// checks fresh at `at` only.
pub fn fill(
    leaves: &mut [LeafModel],
    checks: &HashMap<String, StoredRevocationCheck>,
    at: OffsetDateTime,
) {
    for leaf in leaves {
        let found = checks
            .get(&leaf.certificate.sha256)
            .map(|stored| &stored.check)
            .filter(|check| check.fresh_until > at);
        leaf.revocation = match found {
            None => RevocationModel::default(),
            Some(check) => RevocationModel {
                status: check.status.clone(),
                checked: true,
                reason: check.reason.clone().unwrap_or_default(),
                revoked_at: check.revoked_at.map(rfc3339).unwrap_or_default(),
                source: check.source.clone(),
                url: check.url.clone(),
                checked_at: rfc3339(check.checked_at),
                detail: check.detail.clone().unwrap_or_default(),
            },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{NewRevocationCheck, ScanId};
    use time::macros::datetime;

    fn stored(sha: &str, fresh_until: OffsetDateTime) -> StoredRevocationCheck {
        StoredRevocationCheck {
            scan: ScanId(1),
            check: NewRevocationCheck {
                certificate: sha.into(),
                source: "crl".into(),
                url: "http://crl.test/ca.crl".into(),
                checked_at: datetime!(2026-06-01 12:00 UTC),
                status: "revoked".into(),
                reason: Some("keyCompromise".into()),
                revoked_at: Some(datetime!(2026-05-20 10:00 UTC)),
                detail: None,
                this_update: None,
                next_update: None,
                fresh_until,
            },
        }
    }

    #[test]
    fn a_check_counts_only_while_fresh_at_the_scan_time() {
        let mut leaves = vec![LeafModel::default(), LeafModel::default()];
        leaves[0].certificate.sha256 = "aa".into();
        leaves[1].certificate.sha256 = "bb".into();
        let checks = HashMap::from([
            (
                "aa".to_string(),
                stored("aa", datetime!(2026-06-02 12:00 UTC)),
            ),
            (
                "bb".to_string(),
                stored("bb", datetime!(2026-06-01 13:00 UTC)),
            ),
        ]);
        fill(&mut leaves, &checks, datetime!(2026-06-02 00:00 UTC));
        assert_eq!(leaves[0].revocation.status, "revoked");
        assert_eq!(leaves[0].revocation.reason, "keyCompromise");
        assert_eq!(leaves[0].revocation.revoked_at, "2026-05-20T10:00:00Z");
        assert!(leaves[0].revocation.checked);
        assert_eq!(
            leaves[1].revocation,
            RevocationModel::default(),
            "stale at the scan time"
        );
    }
}
