//! The Prometheus text exposition format (version 0.0.4) of an inventory
//! snapshot: `certatlas metrics` prints it once (for node_exporter's
//! textfile collector). Label values are escaped as the format requires
//! (`\\`, `\"`, `\n`; other control characters become visible
//! `\u{..}` text); certificate fields are hostile input and reach
//! labels only through [`label`]. The number of per-certificate series is
//! bounded by the caller ([`Exposition::certificates`] is already cut), and
//! what was left out is itself a metric.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::scoring::ScoreCard;

/// One certificate served at one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateSeries {
    /// SHA-256 of the certificate.
    pub fingerprint: String,
    /// Subject common name (or `""`).
    pub subject_cn: String,
    /// Issuer common name (or the issuer DN when it has none).
    pub issuer: String,
    /// `address:port (sni)`.
    pub endpoint: String,
    /// Owner, or `""`.
    pub owner: String,
    /// CA class name.
    pub ca_class: String,
    /// notAfter as Unix seconds.
    pub not_after: i64,
}

/// The alert outbox of one webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertSeries {
    /// The webhook's name.
    pub webhook: String,
    /// Events waiting for delivery.
    pub pending: u64,
    /// Events delivered.
    pub delivered: u64,
    /// Events given up.
    pub failed: u64,
    /// Delivery attempts that failed, over all its events.
    pub delivery_failures: u64,
}

/// Active findings by (severity, rule).
pub type FindingCounts = BTreeMap<(String, String), u64>;

/// Everything one exposition shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition {
    /// The scan's id.
    pub scan: i64,
    /// Its start, Unix seconds.
    pub started_at: i64,
    /// Its duration in seconds, when it finished.
    pub duration_seconds: Option<f64>,
    /// It completed.
    pub complete: bool,
    /// Probe outcomes by reason (`tls`, `timeout(connect)`, ...).
    pub outcomes: BTreeMap<String, u64>,
    /// Per certificate and endpoint, soonest expiry first, already bounded.
    pub certificates: Vec<CertificateSeries>,
    /// Certificate series left out by the bound.
    pub certificates_dropped: u64,
    /// Distinct leaves by CA class.
    pub classes: BTreeMap<String, u64>,
    /// Active findings by (severity, rule); `None` when the scan has no
    /// stored findings.
    pub findings: Option<FindingCounts>,
    /// The scan's stored score.
    pub score: Option<ScoreCard>,
    /// The alert outbox per webhook (configured or with rows), by name.
    pub alerts: Vec<AlertSeries>,
}

/// A label value escaped for the text format.
pub fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            // Other control characters (an ANSI escape in a subject, say)
            // become visible text, so a terminal showing the scrape is safe.
            c if c.is_control() => {
                let _ = write!(out, "\\\\u{{{:x}}}", c as u32);
            }
            other => out.push(other),
        }
    }
    out
}

/// Writes `e` in the text exposition format.
pub fn write(out: &mut dyn Write, e: &Exposition) -> io::Result<()> {
    let mut text = String::new();
    scan_families(&mut text, e);
    certificate_families(&mut text, e);
    finding_families(&mut text, e);
    score_families(&mut text, e);
    alert_families(&mut text, e);
    out.write_all(text.as_bytes())
}

/// `# HELP` and `# TYPE` lines of a gauge.
fn family(text: &mut String, name: &str, help: &str) {
    let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge");
}

fn alert_families(text: &mut String, e: &Exposition) {
    if e.alerts.is_empty() {
        return;
    }
    family(
        text,
        "certatlas_alerts",
        "Alert events in the outbox by webhook and delivery status.",
    );
    for a in &e.alerts {
        for (status, count) in [
            ("pending", a.pending),
            ("delivered", a.delivered),
            ("failed", a.failed),
        ] {
            let labels = [("webhook", a.webhook.as_str()), ("status", status)];
            sample(text, "certatlas_alerts", &labels, count);
        }
    }
    let name = "certatlas_alert_delivery_failures_total";
    let _ = writeln!(
        text,
        "# HELP {name} Failed webhook delivery attempts (transport errors and non-2xx answers).\n# TYPE {name} counter"
    );
    for a in &e.alerts {
        sample(text, name, &[("webhook", &a.webhook)], a.delivery_failures);
    }
}

/// One sample line: `name{labels} value`, label values escaped.
pub(crate) fn sample(
    text: &mut String,
    name: &str,
    labels: &[(&str, &str)],
    value: impl std::fmt::Display,
) {
    let labels: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", label(v)))
        .collect();
    let braces = if labels.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", labels.join(","))
    };
    let _ = writeln!(text, "{name}{braces} {value}");
}

fn scan_families(text: &mut String, e: &Exposition) {
    family(
        text,
        "certatlas_scan_id",
        "Id of the scan these metrics describe.",
    );
    sample(text, "certatlas_scan_id", &[], e.scan);
    family(
        text,
        "certatlas_scan_start_timestamp_seconds",
        "When the scan started (Unix time).",
    );
    sample(
        text,
        "certatlas_scan_start_timestamp_seconds",
        &[],
        e.started_at,
    );
    family(
        text,
        "certatlas_scan_complete",
        "1 when the scan completed, 0 when it was interrupted.",
    );
    sample(text, "certatlas_scan_complete", &[], u8::from(e.complete));
    if let Some(seconds) = e.duration_seconds {
        family(
            text,
            "certatlas_scan_duration_seconds",
            "How long the scan took.",
        );
        sample(text, "certatlas_scan_duration_seconds", &[], seconds);
    }
    family(
        text,
        "certatlas_scan_probes",
        "Probes of the scan by outcome reason.",
    );
    for (reason, count) in &e.outcomes {
        sample(text, "certatlas_scan_probes", &[("reason", reason)], count);
    }
}

fn certificate_families(text: &mut String, e: &Exposition) {
    let name = "certatlas_certificate_not_after_timestamp_seconds";
    family(
        text,
        name,
        "notAfter of each leaf certificate at each endpoint serving it (Unix time).",
    );
    for c in &e.certificates {
        let labels = [
            ("fingerprint", c.fingerprint.as_str()),
            ("subject_cn", &c.subject_cn),
            ("issuer", &c.issuer),
            ("endpoint", &c.endpoint),
            ("owner", &c.owner),
            ("ca_class", &c.ca_class),
        ];
        sample(text, name, &labels, c.not_after);
    }
    let dropped = "certatlas_certificate_series_dropped";
    family(
        text,
        dropped,
        "Certificate series left out by --max-series (the latest-expiring ones).",
    );
    sample(text, dropped, &[], e.certificates_dropped);
    family(
        text,
        "certatlas_certificates",
        "Distinct leaf certificates by CA class.",
    );
    for (class, count) in &e.classes {
        sample(
            text,
            "certatlas_certificates",
            &[("ca_class", class)],
            count,
        );
    }
}

fn finding_families(text: &mut String, e: &Exposition) {
    let Some(findings) = &e.findings else {
        return;
    };
    family(
        text,
        "certatlas_findings_open",
        "Active findings (open, not excepted) by severity and rule.",
    );
    for ((severity, rule), count) in findings {
        sample(
            text,
            "certatlas_findings_open",
            &[("severity", severity), ("rule", rule)],
            count,
        );
    }
}

fn score_families(text: &mut String, e: &Exposition) {
    let Some(card) = &e.score else {
        return;
    };
    let name = "certatlas_pkimm_level";
    family(text, name, "Evidence-supported PKIMM level per assessed category (automated estimate, not a PKIMM assessment).");
    for c in &card.categories {
        if let Some(level) = c.level {
            sample(
                text,
                name,
                &[("category", &c.category), ("module", &c.module)],
                level,
            );
        }
    }
    if let Some(value) = card.overall_value {
        family(
            text,
            "certatlas_pkimm_overall",
            "Weighted mean of the assessed categories' levels.",
        );
        sample(text, "certatlas_pkimm_overall", &[], value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_hostile_subjects_stay_on_one_line() {
        assert_eq!(label(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(label("red\u{1b}[31m"), r"red\\u{1b}[31m");
        let mut e = Exposition {
            scan: 3,
            complete: true,
            ..Exposition::default()
        };
        e.certificates.push(CertificateSeries {
            fingerprint: "ab".into(),
            subject_cn: "evil\"}\nfake_metric 1".into(),
            issuer: "CA".into(),
            endpoint: "127.0.0.1:443".into(),
            owner: String::new(),
            ca_class: "shadow".into(),
            not_after: 1_900_000_000,
        });
        let mut out = Vec::new();
        write(&mut out, &e).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.lines().any(|l| l.starts_with("fake_metric")),
            "{text}"
        );
        assert!(
            text.contains(r#"subject_cn="evil\"}\nfake_metric 1""#),
            "{text}"
        );
        assert!(text.contains("certatlas_scan_complete 1\n"));
        assert!(
            !text.contains("certatlas_alerts"),
            "no webhook, no alert series"
        );
    }

    #[test]
    fn alert_series_have_every_status_and_a_failure_counter() {
        let e = Exposition {
            alerts: vec![AlertSeries {
                webhook: "pki\"team".into(),
                pending: 2,
                delivered: 5,
                failed: 1,
                delivery_failures: 7,
            }],
            ..Exposition::default()
        };
        let mut out = Vec::new();
        write(&mut out, &e).unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in [
            "certatlas_alerts{webhook=\"pki\\\"team\",status=\"pending\"} 2\n",
            "certatlas_alerts{webhook=\"pki\\\"team\",status=\"delivered\"} 5\n",
            "certatlas_alerts{webhook=\"pki\\\"team\",status=\"failed\"} 1\n",
            "# TYPE certatlas_alert_delivery_failures_total counter\n",
            "certatlas_alert_delivery_failures_total{webhook=\"pki\\\"team\"} 7\n",
        ] {
            assert!(text.contains(line), "{line:?} missing from\n{text}");
        }
    }
}
