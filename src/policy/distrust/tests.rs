//! Tests of the distrust data file and of matching leaves against it.

use std::path::Path;

use time::macros::datetime;

use super::*;

const ONE: &str = r#"format = 1
revision = "test"

[[event]]
program = "chrome"
ca = "Example Root"
spki_sha256 = "AA:aa:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
after = "2024-11-11T23:59:59Z"
by = "sct"
source = "https://example.test/announcement"
"#;

fn key(sha: &str, spki: &str, aki: Option<&str>) -> CaKey {
    CaKey {
        sha256: Some(sha.repeat(64)),
        spki_sha256: Some(spki.repeat(64)),
        authority_key_id: aki.map(str::to_string),
    }
}

fn error_of(text: &str) -> String {
    parse(text, Path::new("data/distrust.toml"))
        .expect_err("invalid")
        .to_string()
}

#[test]
fn the_builtin_file_names_the_real_events_and_the_test_ca() {
    let list = DistrustList::builtin().expect("built-in distrust data parses");
    let count = |program: &str, after: OffsetDateTime| {
        list.events
            .iter()
            .filter(|e| e.program == program && e.after == after)
            .count()
    };
    assert_eq!(count("chrome", datetime!(2024-11-11 23:59:59 UTC)), 9);
    assert_eq!(count("mozilla", datetime!(2024-11-30 23:59:59 UTC)), 9);
    assert_eq!(count("chrome", datetime!(2025-07-31 23:59:59 UTC)), 3);
    let g2 = list
        .events
        .iter()
        .find(|e| e.ca.ends_with("- G2"))
        .expect("G2");
    assert_eq!(
        g2.sha256.as_deref(),
        Some("43df5774b03e7fef5fe40d931a7bedf1bb2e6b42738c4e6d3841103d3aa7f339")
    );
    let netlock = list
        .events
        .iter()
        .find(|e| e.ca.contains("NetLock"))
        .expect("NetLock");
    assert_eq!(netlock.by, AppliesBy::EarliestSct);
    let test = list
        .events
        .iter()
        .find(|e| e.program == "test")
        .expect("test entry");
    assert_eq!(test.ca, "CertAtlas Test Entrust Root");
    assert!(list.events.iter().all(|e| !e.source.is_empty()));
}

#[test]
fn fingerprints_are_normalised() {
    let list = parse(ONE, Path::new("x.toml")).expect("parses");
    assert_eq!(list.events[0].spki_sha256, Some("a".repeat(64)));
    assert_eq!(list.events[0].by, AppliesBy::EarliestSct);
    assert_eq!(list.revision, "test");
}

#[test]
fn a_malformed_entry_names_the_file_and_line() {
    let bad_date = ONE.replace("2024-11-11T23:59:59Z", "11/11/2024");
    let message = error_of(&bad_date);
    assert!(message.starts_with("data/distrust.toml:8:"), "{message}");
    assert!(message.contains("RFC 3339"), "{message}");
    let bad_by = error_of(&ONE.replace("by = \"sct\"", "by = \"ocsp\""));
    assert!(bad_by.starts_with("data/distrust.toml:9:"), "{bad_by}");
    let bad_hex = error_of(&ONE.replace("AA:aa", "ZZ:aa"));
    assert!(bad_hex.starts_with("data/distrust.toml:7:"), "{bad_hex}");
    let bad_program = error_of(&ONE.replace("chrome", "opera"));
    assert!(
        bad_program.starts_with("data/distrust.toml:5:"),
        "{bad_program}"
    );
    let unknown_key = error_of(&ONE.replace("source =", "sources ="));
    assert!(
        unknown_key.starts_with("data/distrust.toml:"),
        "{unknown_key}"
    );
    let no_key = ONE.replace(
        "spki_sha256 = \"AA:aa:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n",
        "",
    );
    let nameless = error_of(&no_key);
    assert!(nameless.starts_with("data/distrust.toml:4:"), "{nameless}");
    assert!(error_of(&ONE.replace("format = 1", "format = 2")).contains("format 2"));
}

#[test]
fn an_sct_after_the_instant_is_a_hit_and_one_before_is_not() {
    let list = parse(ONE, Path::new("x.toml")).expect("parses");
    let path = [key("1", "1", Some("77")), key("2", "a", None)];
    let issued = datetime!(2024-10-01 00:00 UTC);
    let after = hits(&list, issued, Some(datetime!(2024-11-12 00:00 UTC)), &path);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].date_from, "earliest_sct");
    assert_eq!(after[0].date, "2024-11-12T00:00:00Z");
    assert!(
        after[0].summary.contains("chrome distrusts Example Root"),
        "{}",
        after[0].summary
    );
    let at = hits(
        &list,
        issued,
        Some(datetime!(2024-11-11 23:59:59 UTC)),
        &path,
    );
    assert!(at.is_empty(), "at the instant is not after it");
    // Without an embedded SCT, the notBefore decides.
    assert!(hits(&list, issued, None, &path).is_empty());
    let late = hits(&list, datetime!(2025-01-01 00:00 UTC), None, &path);
    assert_eq!(late[0].date_from, "not_before");
}

#[test]
fn the_ca_is_found_by_certificate_key_or_key_identifier_but_never_as_the_leaf() {
    let text = ONE.replace(
        "spki_sha256 = \"AA:aa:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        &format!("sha256 = \"{}\"\nski = \"0a0b\"", "c".repeat(64)),
    );
    let list = parse(&text, Path::new("x.toml")).expect("parses");
    let sct = Some(datetime!(2025-01-01 00:00 UTC));
    let nb = datetime!(2024-12-01 00:00 UTC);
    let by_cert = [key("1", "1", None), key("c", "2", None)];
    assert_eq!(hits(&list, nb, sct, &by_cert).len(), 1);
    let by_aki = [key("1", "1", None), key("3", "3", Some("0a0b"))];
    assert_eq!(hits(&list, nb, sct, &by_aki).len(), 1, "issued by the CA");
    let leaf_only = [key("c", "1", None)];
    assert!(
        hits(&list, nb, sct, &leaf_only).is_empty(),
        "the leaf is no CA"
    );
    let unrelated = [key("1", "1", Some("0a0c")), key("4", "4", None)];
    assert!(hits(&list, nb, sct, &unrelated).is_empty());
}

#[test]
fn a_new_entry_changes_the_verdict_without_code() {
    let path = [key("1", "1", None), key("5", "5", None)];
    let sct = Some(datetime!(2025-08-02 00:00 UTC));
    let before = parse(ONE, Path::new("x.toml")).expect("parses");
    assert!(hits(&before, datetime!(2025-08-01 00:00 UTC), sct, &path).is_empty());
    let added = format!(
        "{ONE}\n[[event]]\nprogram = \"apple\"\nca = \"Five\"\nspki_sha256 = \"{}\"\nafter = \"2025-07-31T23:59:59Z\"\nby = \"issuance\"\nsource = \"s\"\n",
        "5".repeat(64)
    );
    let after = parse(&added, Path::new("x.toml")).expect("parses");
    let found = hits(&after, datetime!(2025-08-01 00:00 UTC), sct, &path);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].program.as_str(), found[0].by.as_str()),
        ("apple", "issuance")
    );
    assert_ne!(before.digest, after.digest);
}
