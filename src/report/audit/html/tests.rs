//! Tests of `report.html`: escaping of hostile text, self-containment,
//! the Content-Security-Policy's stylesheet hash, the radar, header,
//! badges, categories, tables, caps and trend, rendered from the audit
//! module's `fixture`.

use base64::Engine as _;

use super::super::fixture::{findings, leaf, lists, report, report_with};
use super::super::AuditReport;
use super::render;
use crate::policy::model::LeafModel;

const HOSTILE: &str = "<script>alert(1)</script>";
const HOSTILE_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";

/// The fixture with hostile text in a subject, a finding and a target.
fn hostile() -> AuditReport {
    let mut lists = lists();
    lists.leaves[0].certificate.subject.cn = HOSTILE.into();
    lists.leaves[0].certificate.subject.dn = format!("CN={HOSTILE}");
    lists.leaves[0].owner = HOSTILE.into();
    lists.findings[2].finding.message = HOSTILE.into();
    lists.findings[2].finding.label = HOSTILE.into();
    lists.endpoints[0].host = HOSTILE.into();
    let mut report = report_with(&lists);
    report.scan.targets.push(HOSTILE.into());
    report.score.metrics.excluded_endpoints.push(HOSTILE.into());
    report
}

#[test]
fn hostile_text_is_shown_escaped_never_as_markup() {
    let html = render(&hostile());
    assert!(!html.contains("<script"), "raw script tag in the page");
    assert!(!html.contains("alert(1)</"));
    // Target, subject CN, DN, owner, finding label and message, endpoint
    // host, excluded endpoint.
    assert!(
        html.matches(HOSTILE_ESCAPED).count() >= 8,
        "{}",
        html.matches(HOSTILE_ESCAPED).count()
    );
}

#[test]
fn a_normal_report_is_self_contained() {
    let html = render(&report());
    let lower = html.to_ascii_lowercase();
    for banned in [
        "http://",
        "https://",
        "<script",
        "url(",
        "@import",
        "<link",
        "<img",
        " src=",
        "<iframe",
        "javascript:",
    ] {
        assert!(!lower.contains(banned), "{banned} in the page");
    }
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.ends_with("</html>\n"));
    assert!(html.contains("<style>"));
}

#[test]
fn radar_has_one_axis_per_assessed_category_and_both_outlines() {
    let report = report();
    let html = render(&report);
    let assessed: Vec<&str> = report
        .score
        .categories
        .iter()
        .filter(|c| c.level.is_some())
        .map(|c| c.category.as_str())
        .collect();
    assert!(assessed.len() >= 3, "{assessed:?}");
    let radar = &html[html.find("<svg id=\"radar\"").expect("radar")..];
    let radar = &radar[..radar.find("</svg>").unwrap()];
    assert!(
        radar.contains("role=\"img\"")
            && radar.contains("aria-label=")
            && radar.contains("<title>")
    );
    assert!(radar.contains("width=\"800\" height=\"560\""));
    assert_eq!(
        radar.matches("class=\"radar-axis\"").count(),
        assessed.len()
    );
    for id in assessed {
        assert!(radar.contains(&format!(">{id}<tspan")), "{id}");
    }
    assert_eq!(radar.matches("class=\"radar-current\"").count(), 1);
    assert_eq!(radar.matches("class=\"radar-previous\"").count(), 1);
    let mut alone = report.clone();
    alone.previous = None;
    assert!(!render(&alone).contains("class=\"radar-previous\""));
}

#[test]
fn header_carries_the_label_profile_and_scan() {
    let report = report();
    let html = render(&report);
    assert!(html.contains("<h1>certatlas audit report</h1>"));
    assert!(html.contains("automated estimate from network observations; not a PKIMM assessment"));
    let profile = &report.score.profile;
    assert!(html.contains(&format!("{} {}", profile.name, profile.version)));
    assert!(html.contains(&profile.digest));
    assert!(html.contains("#3 (complete)"));
    assert!(html.contains("127.0.0.0/29:443, host1.example.test"));
}

#[test]
fn badges_show_overall_modules_and_minimum() {
    let report = report();
    let html = render(&report);
    let card = &report.score;
    let overall = card.overall_value.expect("assessed");
    assert!(html.contains(&format!("value {overall:.2}")));
    assert_eq!(html.matches("<div class=\"badge module").count(), 4);
    assert!(html.contains("Lowest category level"));
    // Resources has neither evidence nor a claim.
    assert!(html.contains(
        "Resources (0 of 3 categories assessed, 0 % of its weight evidenced)</span>\
         <span class=\"badge-level\">not assessed"
    ));
    assert!(html.contains("of the model&#39;s weight") || html.contains("of the model's weight"));
}

#[test]
fn categories_show_criteria_lift_claims_and_units() {
    let report = report();
    let html = render(&report);
    assert_eq!(html.matches("<details class=\"category\"").count(), 16);
    assert!(html.contains("What would lift it to level"));
    // The weak key holds key management's lifecycle at 1: on the roadmap.
    assert!(html.contains("Replace RSA keys under 2048 bits"));
    assert!(html.contains("<section id=\"roadmap-section\">"));
    assert!(html.contains("<tr class=\"group\"><th colspan=\"5\">Level 2</th></tr>"));
    // Weak keys: 1 of 4 leaves, shown with its counts.
    assert!(html.contains("25% (1/4)"));
    assert!(html.contains("≤ 2%"));
    assert!(html.contains("Self-assessed claim: level 5."));
    assert!(html.contains("Contradiction: claimed level 5"));
    assert!(html.contains("outcome unknown"));
}

#[test]
fn metrics_inventory_findings_and_trend_are_listed() {
    let report = report();
    let html = render(&report);
    assert!(html.contains("<code>owner_coverage</code>"));
    assert!(html.contains("leaves with an owner assigned"));
    assert!(html.contains("Excluded by declared exceptions"));
    assert!(html.contains("Certificates (5)") && html.contains("Endpoints (4)"));
    assert!(html.contains("<h4>approved (1)</h4>"));
    assert!(html.contains("TLS13_AES_128_GCM_SHA256"));
    assert!(html.contains("<td class=\"num soon\">9</td>"));
    assert!(html.contains("legacy appliance") && html.contains("fixed after 30 days"));
    assert!(html.contains("<svg id=\"trend\""));
    assert_eq!(html.matches("<tr><td>#").count(), 3);
}

#[test]
fn findings_list_active_first_then_by_severity() {
    let tables = super::super::ReportTables::of(&[], &[], &findings());
    let ordered = tables.findings.shown();
    let rules: Vec<&str> = ordered.iter().map(|t| &*t.finding.rule).collect();
    assert_eq!(
        rules,
        ["nist.rsa-key-below-2048", "ietf.san-missing", "info.rule"]
    );
}

#[test]
fn large_tables_are_capped_with_a_pointer_to_the_files() {
    let mut lists = lists();
    let extra: Vec<LeafModel> = (10..1015).map(leaf).collect();
    lists.leaves.extend(extra);
    let many = lists.findings[2].clone();
    lists.findings = vec![many; 1003];
    let html = render(&report_with(&lists));
    assert!(html.contains("<p class=\"more\">10 more in inventory.csv / report.json</p>"));
    assert!(html.contains("<p class=\"more\">3 more in findings.csv / report.json</p>"));
}

#[test]
fn trend_chart_needs_two_points() {
    let mut report = report();
    report.trend.truncate(1);
    let html = render(&report);
    assert!(!html.contains("<svg id=\"trend\""));
    assert!(html.contains("needs two scored scans"));
}

#[test]
fn markup_quotes_and_hidden_characters_in_data_are_escaped() {
    let mut lists = lists();
    lists.leaves[0].certificate.subject.cn = "a&b<c>\"d'".into();
    lists.leaves[1].certificate.subject.cn = "x\u{202e}y\u{1b}z".into();
    lists.findings[2].finding.message = "\" style=\"color:red\" x=\"".into();
    let html = render(&report_with(&lists));
    assert!(html.contains("a&amp;b&lt;c&gt;&quot;d"), "markup escaped");
    assert!(
        html.contains("x\\u{202e}y\\u{1b}z"),
        "hidden characters made visible"
    );
    assert!(!html.contains('\u{202e}') && !html.contains('\u{1b}'));
    // The quote cannot close an attribute or open one.
    assert!(html.contains("&quot; style=&quot;color:red&quot; x=&quot;"));
    assert!(!html.contains("style=\""), "a style attribute in the page");
}

/// The `'sha256-…'` source of the page's CSP and the `<style>` text.
fn csp_hash_and_style(html: &str) -> (String, String) {
    let csp = html
        .split("<meta http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .expect("a CSP");
    let csp = &csp[..csp.find('"').unwrap()];
    assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
    let hash = csp.split("'sha256-").nth(1).unwrap();
    let hash = hash[..hash.find('\'').unwrap()].to_string();
    assert_eq!(
        csp,
        format!("default-src 'none'; style-src 'sha256-{hash}'"),
        "nothing else is allowed"
    );
    assert_eq!(html.matches("<style>").count(), 1, "one stylesheet");
    let style = html.split("<style>").nth(1).unwrap();
    let style = style[..style.find("</style>").unwrap()].to_string();
    (hash, style)
}

#[test]
fn the_csp_allows_the_emitted_stylesheet_by_its_hash_and_no_inline_style() {
    for report in [report(), hostile()] {
        let html = render(&report);
        let (hash, style) = csp_hash_and_style(&html);
        let digest = base64::engine::general_purpose::STANDARD
            .decode(&hash)
            .expect("base64");
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, crate::certs::sha256_hex(style.as_bytes()));
        assert!(style.contains(".radar-current {"), "the real stylesheet");
        assert!(
            !html.to_ascii_lowercase().contains("style="),
            "a style attribute"
        );
    }
}

#[test]
fn pre_escaped_text_is_static() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report/audit/html");
    let mut uses = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("PreEscaped(") {
            // Up to the parenthesis closing this one.
            let rest = &text[at..];
            let mut depth = 0;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    c == ')' && depth == 0
                })
                .map(|(i, _)| i)
                .unwrap();
            uses.push(rest[..=end].to_string());
        }
    }
    uses.sort();
    assert_eq!(
        uses,
        [
            "PreEscaped(\"<!doctype html>\\n\")",
            "PreEscaped(style.as_str())",
        ],
        "PreEscaped may wrap the doctype and the stylesheet only"
    );
}

/// Writes the fixture's page to `$CERTATLAS_SAMPLE_HTML` for a look in a
/// browser: `CERTATLAS_SAMPLE_HTML=sample.html cargo test --lib
/// write_sample_page -- --ignored`.
#[test]
#[ignore]
fn write_sample_page() {
    let path = std::env::var("CERTATLAS_SAMPLE_HTML").unwrap_or_else(|_| "sample.html".into());
    std::fs::write(path, render(&report())).unwrap();
}
