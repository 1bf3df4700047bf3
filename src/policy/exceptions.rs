//! Declared exceptions (config `[[exceptions]]`): a finding they cover is
//! listed as excepted, not as open. A certificate exception covers findings
//! about that certificate; an endpoint exception covers findings whose
//! every endpoint it names. `rules` narrows an exception to some rules. Once
//! its review date has passed, an exception lapses: the finding counts
//! again and says so.

use serde::Serialize;
use time::Date;

use super::Finding;
use crate::exception::{Exception, ExceptionTarget};

/// The exception that applies to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedException {
    /// What it covers (`certificate:<sha256>` or `endpoint:<host>:<port>`).
    pub what: String,
    /// Who accepted it.
    pub owner: Option<String>,
    /// Why.
    pub reason: String,
    /// When it must be reviewed.
    pub review: Option<Date>,
    /// The review date has passed: it no longer suppresses the finding.
    pub lapsed: bool,
}

/// The first exception of `exceptions` covering `finding`, judged on `today`.
pub fn exception_for(
    finding: &Finding,
    exceptions: &[Exception],
    today: Date,
) -> Option<AppliedException> {
    exceptions
        .iter()
        .find(|e| covers(e, finding))
        .map(|e| AppliedException {
            what: e.what.to_string(),
            owner: e.owner.clone(),
            reason: e.reason.clone(),
            review: e.review,
            lapsed: e.review.is_some_and(|review| review < today),
        })
}

fn covers(exception: &Exception, finding: &Finding) -> bool {
    if !exception.rules.is_empty() && !exception.rules.iter().any(|r| **r == *finding.rule) {
        return false;
    }
    match &exception.what {
        ExceptionTarget::Certificate { sha256 } => {
            finding.certificate.as_deref() == Some(sha256.as_str())
        }
        ExceptionTarget::Endpoint { host, port } => {
            !finding.endpoints.is_empty()
                && finding
                    .endpoints
                    .iter()
                    .all(|e| names_endpoint(e, host, *port))
        }
    }
}

/// Whether `served` (`address:port` or `address:port (sni)`, IPv6 in
/// brackets) is `host:port`, by address or by SNI name.
fn names_endpoint(served: &str, host: &str, port: u16) -> bool {
    let (place, sni) = match served.split_once(" (") {
        Some((place, rest)) => (place, rest.strip_suffix(')')),
        None => (served, None),
    };
    let Some((address, served_port)) = place.rsplit_once(':') else {
        return false;
    };
    let address = address.trim_start_matches('[').trim_end_matches(']');
    served_port.parse() == Ok(port)
        && (address.eq_ignore_ascii_case(host) || sni.is_some_and(|s| s.eq_ignore_ascii_case(host)))
}

#[cfg(test)]
mod tests {
    use super::super::{Severity, SubjectKind};
    use super::*;

    fn finding(certificate: Option<&str>, endpoints: &[&str]) -> Finding {
        Finding {
            rule: "rfc5280.expired".into(),
            title: "".into(),
            severity: Severity::Critical,
            subject: SubjectKind::Leaf,
            subject_key: "k".into(),
            label: "".into(),
            certificate: certificate.map(Into::into),
            endpoints: endpoints
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .into(),
            message: String::new(),
            categories: Vec::new().into(),
        }
    }

    fn exception(what: &str, rules: &[&str], review: Option<Date>) -> Exception {
        Exception {
            what: ExceptionTarget::parse(what).expect("target"),
            owner: Some("pki".into()),
            reason: "accepted".into(),
            review,
            rules: rules.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn certificate_and_endpoint_exceptions_cover_their_findings() {
        let sha = "ab".repeat(32);
        let today = time::macros::date!(2026 - 06 - 01);
        let by_cert = [exception(&format!("certificate:{sha}"), &[], None)];
        assert!(exception_for(&finding(Some(&sha), &[]), &by_cert, today).is_some());
        assert!(exception_for(&finding(Some(&"cd".repeat(32)), &[]), &by_cert, today).is_none());
        let by_endpoint = [exception("endpoint:app.example.com:443", &[], None)];
        let served = ["10.0.0.1:443 (app.example.com)"];
        assert!(exception_for(&finding(None, &served), &by_endpoint, today).is_some());
        let twice = ["10.0.0.1:443 (app.example.com)", "10.0.0.2:443"];
        assert!(
            exception_for(&finding(None, &twice), &by_endpoint, today).is_none(),
            "one endpoint not covered"
        );
        let v6 = [exception("endpoint:[2001:db8::1]:8443", &[], None)];
        assert!(exception_for(&finding(None, &["[2001:db8::1]:8443"]), &v6, today).is_some());
    }

    #[test]
    fn rules_narrow_and_review_dates_lapse() {
        let sha = "ab".repeat(32);
        let today = time::macros::date!(2026 - 06 - 01);
        let other_rule = [exception(
            &format!("certificate:{sha}"),
            &["nist.rsa-key-too-small"],
            None,
        )];
        assert!(exception_for(&finding(Some(&sha), &[]), &other_rule, today).is_none());
        let past = [exception(
            &format!("certificate:{sha}"),
            &[],
            Some(time::macros::date!(2026 - 05 - 31)),
        )];
        let applied = exception_for(&finding(Some(&sha), &[]), &past, today).expect("applies");
        assert!(applied.lapsed);
        let on_the_day = [exception(&format!("certificate:{sha}"), &[], Some(today))];
        assert!(
            !exception_for(&finding(Some(&sha), &[]), &on_the_day, today)
                .expect("applies")
                .lapsed
        );
    }
}
