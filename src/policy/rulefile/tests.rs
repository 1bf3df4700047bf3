use super::*;

const GOOD: &str = r#"id = "acme.short-keys"
title = "Short RSA key"
severity = "high"
subject = "leaf"
condition = "leaf.key.algorithm == 'rsa' && leaf.key.bits < 3072"
message = "RSA key of {leaf.key.bits} bits at {leaf.served_at}"
rationale = "Our policy asks for 3072 bits."
remediation = "Re-key with RSA-3072 or ECDSA P-256."
references = ["ACME PKI policy §4.2"]
categories = ["M.key-management"]

[[examples]]
fixture = "leaf-rsa-1024"
expect = "finding"

[[examples]]
fixture = "leaf-good-ecdsa"
expect = "pass"
"#;

fn parse_text(text: &str) -> Result<Rule, RuleError> {
    parse(text, Path::new("rules/acme/short-keys.toml"), false)
}

fn error_text(text: &str) -> String {
    parse_text(text).expect_err("must be refused").to_string()
}

#[test]
fn a_complete_rule_loads() {
    let rule = parse_text(GOOD).expect("loads");
    assert_eq!(rule.id, "acme.short-keys");
    assert_eq!(rule.severity, Severity::High);
    assert_eq!(rule.subject, SubjectKind::Leaf);
    assert_eq!(rule.examples.len(), 2);
    assert_eq!(rule.examples[1].position, "16:1");
}

#[test]
fn a_cel_typo_is_reported_at_its_line_and_column_in_the_file() {
    let text = GOOD.replace("leaf.key.bits < 3072", "leaf.key.bitz < 3072");
    let err = error_text(&text);
    assert!(
        err.starts_with("rules/acme/short-keys.toml:5:54: condition: no field `bitz`"),
        "{err}"
    );
    let text = GOOD.replace("leaf.key.bits < 3072", "leaf.key.bits <");
    assert!(
        error_text(&text).starts_with("rules/acme/short-keys.toml:5:"),
        "syntax error"
    );
}

#[test]
fn multi_line_conditions_map_to_the_right_line() {
    let text = GOOD.replace(
        "condition = \"leaf.key.algorithm == 'rsa' && leaf.key.bits < 3072\"",
        "condition = '''\nleaf.key.algorithm == 'rsa'\n  && leaf.key.bitz < 3072\n'''",
    );
    let err = error_text(&text);
    assert!(err.starts_with("rules/acme/short-keys.toml:7:15:"), "{err}");
}

#[test]
fn unknown_keys_values_and_categories_are_refused() {
    let err = error_text(&GOOD.replace("severity = \"high\"", "severity = \"severe\""));
    assert!(
        err.starts_with("rules/acme/short-keys.toml:3:12: severity \"severe\""),
        "{err}"
    );
    let err = error_text(&GOOD.replace("title =", "titel ="));
    assert!(err.contains(":2:1: unknown field `titel`"), "{err}");
    let err = error_text(&GOOD.replace("M.key-management", "M.keys"));
    assert!(
        err.contains(":10:") && err.contains("unknown PKIMM category \"M.keys\""),
        "{err}"
    );
    let err = error_text(&GOOD.replace("[\"ACME PKI policy §4.2\"]", "[]"));
    assert!(err.contains("references"), "{err}");
    let err = error_text(&GOOD.replace("{leaf.key.bits}", "{leaf.key.bytes}"));
    assert!(err.contains(":6:") && err.contains("bytes"), "{err}");
}

#[test]
fn both_sides_of_examples_are_required() {
    let text = GOOD.replace("expect = \"pass\"", "expect = \"finding\"");
    assert!(error_text(&text).contains("expect = \"pass\""));
    let text = GOOD.replace("expect = \"pass\"", "expect = \"passes\"");
    assert!(error_text(&text).contains(":18:10: expect \"passes\""));
}
