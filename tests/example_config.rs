//! `examples/certatlas.toml` is a config the real loader accepts, whose
//! rules, maturity profile, owner rules and anchors all load, and which
//! shows every key the loader knows (as listed by the generated reference).

use std::path::Path;

use certatlas::cli::policy::{profile, rule_set};
use certatlas::config;

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/certatlas.toml")
}

/// A self-signed CA certificate as PEM (what `pki/corp-root.pem` stands for).
fn ca_pem() -> (String, Vec<u8>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Corp Root G2");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("root");
    (cert.pem(), cert.der().to_vec())
}

#[test]
fn the_example_config_loads_with_its_rules_profile_owners_and_anchors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certatlas.toml");
    std::fs::copy(example(), &path).unwrap();
    std::fs::create_dir_all(dir.path().join("rules.d")).unwrap();
    std::fs::create_dir_all(dir.path().join("pki")).unwrap();
    let (pem, der) = ca_pem();
    std::fs::write(dir.path().join("pki/corp-root.pem"), pem).unwrap();

    let cfg = config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let scope = cfg.scope.as_ref().expect("[scope]");
    assert_eq!(scope.targets.len(), 2);
    assert_eq!(cfg.anchors.len(), 2);
    assert_eq!(cfg.owners.len(), 3);
    assert_eq!(cfg.exceptions.len(), 1);
    assert_eq!(cfg.alerts.webhooks.len(), 1);
    assert!(cfg.watch.schedule.is_some(), "[watch] every is set");

    let rules = rule_set(&[], Some(&cfg)).unwrap_or_else(|e| panic!("{e}"));
    assert!(rules.get("ietf.wildcard-certificate").is_none(), "disabled");
    assert!(rules.get("nist.rsa-key-below-2048").is_some());
    let profile = profile(Some(&cfg)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profile.window_days, 60);
    cfg.owner_rules().unwrap_or_else(|e| panic!("{e}"));
    let anchors = cfg.approved_anchor_ders().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        anchors,
        vec![der],
        "the file anchor is read; the SPKI one is a hash"
    );
    assert_eq!(cfg.approved_spki().len(), 1);
}

/// Every key of every table of the loader (from the generated reference,
/// itself read from the loader's types) appears in the example.
#[test]
fn the_example_config_shows_every_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pages = certatlas::reference::generate(root).unwrap();
    let keys = pages
        .iter()
        .find(|p| p.name == "config.md")
        .expect("config.md")
        .text
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next().map(String::from))
        .collect::<Vec<_>>();
    assert!(keys.len() > 40, "{keys:?}");
    let example = std::fs::read_to_string(example()).unwrap();
    let shown = |key: &str| {
        example.lines().any(|line| {
            let line = line.trim_start_matches("# ").trim_start();
            line.starts_with(&format!("{key} ="))
                || line.starts_with(&format!("[{key}]"))
                || line.starts_with(&format!("[[{key}]]"))
                || line.starts_with(&format!("[{key}."))
                || line.starts_with(&format!("[[{key}."))
                || (line.starts_with('[') && line.contains(&format!(".{key}]")))
        })
    };
    let missing: Vec<&String> = keys.iter().filter(|k| !shown(k)).collect();
    assert!(
        missing.is_empty(),
        "examples/certatlas.toml lacks {missing:?}"
    );
}
