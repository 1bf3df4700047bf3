//! The starter config loads with the config loader as written (nothing
//! declared), loads with its anchors once they are uncommented, and no
//! certificate field can break out of its string or comment.

use std::path::Path;

use super::*;
use crate::config;

fn starter(subject: &str, organisation: &str) -> Starter {
    let options = ProbeOptions::from_stored(&serde_json::json!({
        "options_version": 2, "ports": [443, 8443], "exclude": ["127.0.0.9", "@skip.txt"],
        "sni": ["www.example.test"], "resolve": [], "sni_discover": false, "versions": true,
        "groups": false, "all_certs": false, "check_revocation": false, "starttls": "auto",
        "legacy_fallback": true, "connect_timeout_ms": 500, "timeout_ms": 10000,
        "rate": null, "concurrency": 1000, "per_host": 4, "shard": null
    }));
    assert!(options.is_some(), "fixture options parse");
    Starter {
        scan_id: 3,
        targets: vec!["127.0.0.0/30".into(), "@targets.txt".into()],
        unusable_targets: vec!["demo lab\n[scope]".into()],
        options,
        anchors: vec![StarterAnchor {
            subject: subject.into(),
            name: subject.into(),
            sha256: "ab".repeat(32),
            leaves: 2,
            endpoints: 3,
            leaves_at_rest: 1,
            file: StarterAnchor::file_name(&"ab".repeat(32)),
        }],
        organisations: vec![organisation.into()],
        issuers: vec![subject.into()],
    }
}

/// Every commented `[[anchors]]` / `[[owners]]` block made live.
fn uncomment(text: &str) -> String {
    let mut out = String::new();
    let mut live = false;
    for line in text.lines() {
        if line == "# [[anchors]]" || line == "# [[owners]]" {
            live = true;
        } else if !(line.starts_with("# name = ")
            || line.starts_with("# file = ")
            || line.starts_with("# subject_o = ")
            || line.starts_with("# issuer = "))
        {
            live = false;
        }
        out.push_str(if live { &line[2..] } else { line });
        out.push('\n');
    }
    out
}

#[test]
fn the_starter_loads_as_written_and_declares_nothing() {
    let text = render(&starter("CN=Corp Root", "Corp Ltd."));
    let loaded = config::parse(&text, Path::new("certatlas.toml")).expect(&text);
    assert!(
        loaded.anchors.is_empty() && loaded.owners.is_empty(),
        "{text}"
    );
    let scope = loaded.scope.expect("a scope");
    assert_eq!(scope.targets, vec!["127.0.0.0/30".to_string()]);
    assert_eq!(scope.input, vec![Path::new("targets.txt").to_path_buf()]);
    assert_eq!(scope.ports.as_deref(), Some("443,8443"));
    assert_eq!(scope.exclude, vec!["127.0.0.9".to_string()]);
    assert_eq!(scope.sni, vec!["www.example.test".to_string()]);
    assert_eq!(scope.versions, Some(true));
    assert_eq!(
        scope.connect_timeout,
        Some(std::time::Duration::from_millis(500))
    );
    assert!(text.contains(&"ab".repeat(32)), "the fingerprint is shown");
    assert!(
        text.contains("# recorded target \"demo lab\\n[scope]\" is no target spec"),
        "{text}"
    );
    assert!(
        text.contains("3 leaf certificates chain to it: 2 served (on 3 endpoints), 1 at rest"),
        "served and at rest, said apart: {text}"
    );
}

#[test]
fn uncommented_anchors_and_owners_load() {
    let text = uncomment(&render(&starter("CN=Corp Root", "Corp Ltd.")));
    let loaded = config::parse(&text, Path::new("certatlas.toml")).expect(&text);
    assert_eq!(loaded.anchors.len(), 1, "{text}");
    assert_eq!(loaded.anchors[0].name, "CN=Corp Root");
    let file = loaded.anchors[0].file.as_deref().expect("a file anchor");
    assert!(file.ends_with("anchor-abababababababab.pem"), "{file:?}");
    assert_eq!(loaded.owners.len(), 2, "{text}");
    assert_eq!(loaded.owners[0].rule.owner, "corp-ltd");
}

#[test]
fn a_hostile_subject_cannot_leave_its_string_or_comment() {
    let evil = "CN=x\"\n[[anchors]]\nname = \"injected\"\nfile = \"/etc/passwd\"\n#\u{1b}[31m";
    let text = render(&starter(evil, evil));
    assert!(!text.contains('\u{1b}'), "no raw escape character");
    let loaded = config::parse(&text, Path::new("certatlas.toml")).expect(&text);
    assert!(loaded.anchors.is_empty(), "{text}");
    let live = uncomment(&text);
    let loaded = config::parse(&live, Path::new("certatlas.toml")).expect(&live);
    assert_eq!(loaded.anchors.len(), 1, "{live}");
    assert_eq!(loaded.anchors[0].name, evil, "the value round-trips");
}

#[test]
fn owner_names_are_lowercase_words() {
    assert_eq!(owner_name("ACME Corp, Inc."), "acme-corp-inc");
    assert_eq!(owner_name("***"), "owner");
    assert_eq!(duration(3000), "3s");
    assert_eq!(duration(1500), "1500ms");
}
