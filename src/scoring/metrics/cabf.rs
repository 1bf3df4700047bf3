//! The CA/Browser Forum's dated limits the metrics apply by a
//! certificate's issuance date (notBefore): the longest validity the
//! Baseline Requirements allow (ballot SC-081: 398 days, then 200 from 15
//! March 2026, 100 from 15 March 2027, 47 from 15 March 2029; 825 before
//! 1 September 2020) and the short-lived certificate of BR 1.2.1 (validity
//! of at most 10 days when issued from 15 March 2024, at most 7 days from
//! 15 March 2026), which may omit revocation pointers. Validity counts as
//! the Forum counts it, notBefore to notAfter inclusive in whole days
//! (`lifetime_days` of the leaf model).

use time::macros::date;
use time::Date;

use crate::policy::model::LeafModel;
use crate::time_text::parse_rfc3339;

/// `(from, max days)`: from that issuance date on, at most that validity.
const MAX_VALIDITY: [(Date, i64); 5] = [
    (date!(2018 - 03 - 01), 825),
    (date!(2020 - 09 - 01), 398),
    (date!(2026 - 03 - 15), 200),
    (date!(2027 - 03 - 15), 100),
    (date!(2029 - 03 - 15), 47),
];

/// `(from, max days)`: a certificate issued from that date with at most
/// that validity is short-lived.
const SHORT_LIVED: [(Date, i64); 2] = [(date!(2024 - 03 - 15), 10), (date!(2026 - 03 - 15), 7)];

/// The issuance date of a leaf, when its notBefore parses.
fn issued(leaf: &LeafModel) -> Option<Date> {
    parse_rfc3339(&leaf.certificate.not_before).map(|t| t.date())
}

/// The limit in force on `day` from a dated table, if any.
fn in_force(table: &[(Date, i64)], day: Date) -> Option<i64> {
    table
        .iter()
        .take_while(|(from, _)| *from <= day)
        .last()
        .map(|(_, days)| *days)
}

/// The longest validity the Baseline Requirements allowed when the leaf
/// was issued (398 days when its notBefore is unknown).
pub fn max_validity_days(leaf: &LeafModel) -> i64 {
    issued(leaf)
        .and_then(|day| in_force(&MAX_VALIDITY, day))
        .unwrap_or(398)
}

/// Whether the leaf is a short-lived certificate as the Baseline
/// Requirements define it for its issuance date.
pub fn short_lived(leaf: &LeafModel) -> bool {
    issued(leaf)
        .and_then(|day| in_force(&SHORT_LIVED, day))
        .is_some_and(|max| leaf.certificate.lifetime_days <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(not_before: &str, lifetime: i64) -> LeafModel {
        let mut l = LeafModel::default();
        l.certificate.not_before = not_before.into();
        l.certificate.lifetime_days = lifetime;
        l
    }

    #[test]
    fn maximum_validity_follows_the_issuance_date() {
        assert_eq!(max_validity_days(&leaf("2019-06-01T00:00:00Z", 800)), 825);
        assert_eq!(max_validity_days(&leaf("2026-03-14T23:59:59Z", 398)), 398);
        assert_eq!(max_validity_days(&leaf("2026-03-15T00:00:00Z", 398)), 200);
        assert_eq!(max_validity_days(&leaf("2027-06-01T00:00:00Z", 90)), 100);
        assert_eq!(max_validity_days(&leaf("2029-03-15T00:00:00Z", 47)), 47);
        assert_eq!(max_validity_days(&leaf("garbage", 47)), 398);
    }

    #[test]
    fn short_lived_as_the_baseline_requirements_define_it() {
        assert!(short_lived(&leaf("2025-01-01T00:00:00Z", 10)));
        assert!(!short_lived(&leaf("2025-01-01T00:00:00Z", 11)));
        assert!(short_lived(&leaf("2026-06-01T00:00:00Z", 7)));
        assert!(!short_lived(&leaf("2026-06-01T00:00:00Z", 10)));
        // Before 15 March 2024 there was no short-lived exemption.
        assert!(!short_lived(&leaf("2023-06-01T00:00:00Z", 7)));
    }
}
