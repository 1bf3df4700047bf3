//! `sslmode`/`sslrootcert` resolution with libpq's meaning, over an
//! injected environment.

use std::ffi::OsString;
use std::path::Path;

use super::{parse, ConnInfo, ConnInfoError, Roots, SslMode, Verify};

/// A CA certificate's PEM file written in `dir`.
fn ca_file(dir: &Path) -> std::path::PathBuf {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().expect("key");
    let certificate = params.self_signed(&key).expect("certificate");
    let path = dir.join("ca file.pem");
    std::fs::write(&path, certificate.pem()).expect("write");
    path
}

/// Parses `url` with only the given variables set.
fn parse_with(url: &str, vars: &[(&str, &str)]) -> Result<ConnInfo, ConnInfoError> {
    let env = |name: &str| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| OsString::from(value))
    };
    parse(url, &env)
}

#[test]
fn default_is_prefer_without_verification_and_the_driver_url_keeps_the_rest() {
    let home = tempfile::tempdir().expect("dir");
    let home = home.path().to_str().expect("utf-8");
    let info = parse_with("postgres://u@h/db?connect_timeout=5", &[("HOME", home)]).unwrap();
    assert_eq!(info.tls.mode, SslMode::Prefer);
    assert_eq!(info.tls.verify, Verify::Nothing);
    assert_eq!(info.driver_url, "postgres://u@h/db?connect_timeout=5");
}

#[test]
fn modes_and_root_files_verify_as_libpq_does() {
    let dir = tempfile::tempdir().expect("dir");
    let ca = ca_file(dir.path());
    let encoded = ca.display().to_string().replace(' ', "%20");
    let url = |mode: &str| {
        format!("postgres://u@h/db?sslmode={mode}&sslrootcert={encoded}&application_name=x")
    };
    let verify = |mode: &str| parse_with(&url(mode), &[]).unwrap().tls.verify;
    assert!(
        matches!(verify("verify-full"), Verify::ChainAndName(Roots::File(ref p, _)) if *p == ca)
    );
    assert!(matches!(verify("verify-ca"), Verify::Chain(_)));
    assert!(
        matches!(verify("require"), Verify::Chain(_)),
        "require + root file = verify-ca"
    );
    assert!(matches!(verify("prefer"), Verify::Chain(_)));
    assert_eq!(verify("disable"), Verify::Nothing);
    let info = parse_with(&url("require"), &[]).unwrap();
    assert_eq!(info.driver_url, "postgres://u@h/db?application_name=x");
}

#[test]
fn verifying_modes_need_a_root_file_and_find_the_default_one() {
    let home = tempfile::tempdir().expect("dir");
    let vars = [("HOME", home.path().to_str().expect("utf-8"))];
    let error = parse_with("postgres://u@h/db?sslmode=verify-ca", &vars).unwrap_err();
    assert!(
        matches!(
            error,
            ConnInfoError::NoRoots {
                mode: SslMode::VerifyCa,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains(".postgresql/root.crt"),
        "{error}"
    );
    // Without a root file, require does not verify.
    let info = parse_with("postgres://u@h/db?sslmode=require", &vars).unwrap();
    assert_eq!(info.tls.verify, Verify::Nothing);

    std::fs::create_dir(home.path().join(".postgresql")).expect("mkdir");
    let ca = ca_file(home.path());
    std::fs::rename(ca, home.path().join(".postgresql/root.crt")).expect("rename");
    let info = parse_with("postgres://u@h/db?sslmode=verify-full", &vars).unwrap();
    assert!(matches!(
        info.tls.verify,
        Verify::ChainAndName(Roots::File(..))
    ));
    let info = parse_with("postgres://u@h/db?sslmode=require", &vars).unwrap();
    assert!(
        matches!(info.tls.verify, Verify::Chain(_)),
        "the default root file counts"
    );
}

#[test]
fn bad_values_and_unreadable_or_empty_root_files_are_errors() {
    let error = parse_with("postgres://u@h/db?sslmode=strict", &[]).unwrap_err();
    assert!(
        matches!(&error, ConnInfoError::SslMode { value } if value == "strict"),
        "{error}"
    );
    let error = parse_with(
        "postgres://u@h/db?sslmode=require&sslrootcert=/no/such.pem",
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(error, ConnInfoError::RootUnreadable { .. }),
        "{error}"
    );
    let dir = tempfile::tempdir().expect("dir");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").expect("write");
    let url = format!(
        "postgres://u@h/db?sslmode=verify-ca&sslrootcert={}",
        empty.display()
    );
    let error = parse_with(&url, &[]).unwrap_err();
    assert!(
        matches!(error, ConnInfoError::RootInvalid { .. }),
        "{error}"
    );
    let error = parse_with("postgres://u@h/db?sslrootcert=%zz", &[]).unwrap_err();
    assert!(
        matches!(
            error,
            ConnInfoError::Encoding {
                key: "sslrootcert",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn system_roots_default_to_verify_full_and_refuse_weaker_modes() {
    let info = parse_with("postgres://u@h/db?sslrootcert=system", &[]).unwrap();
    assert_eq!(info.tls.mode, SslMode::VerifyFull);
    assert_eq!(info.tls.verify, Verify::ChainAndName(Roots::System));
    let error = parse_with(
        "postgres://u@h/db?sslrootcert=system&sslmode=verify-ca",
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            ConnInfoError::WeakWithSystem {
                mode: SslMode::VerifyCa
            }
        ),
        "{error}"
    );
}

#[test]
fn the_environment_gives_defaults_that_the_url_overrides() {
    let vars = [("PGSSLMODE", "disable"), ("PGSSLROOTCERT", "system")];
    let error = parse_with("postgres://u@h/db", &vars).unwrap_err();
    assert!(
        matches!(
            error,
            ConnInfoError::WeakWithSystem {
                mode: SslMode::Disable
            }
        ),
        "{error}"
    );
    let info = parse_with("postgres://u@h/db?sslmode=verify-full", &vars).unwrap();
    assert_eq!(info.tls.verify, Verify::ChainAndName(Roots::System));
    let info = parse_with("postgres://u@h/db", &[("PGSSLMODE", "require")]).unwrap();
    assert_eq!(info.tls.mode, SslMode::Require);
}

#[test]
fn disable_never_reads_the_default_root_file() {
    let home = tempfile::tempdir().expect("dir");
    std::fs::create_dir(home.path().join(".postgresql")).expect("mkdir");
    std::fs::write(home.path().join(".postgresql/root.crt"), "garbage\n").expect("write");
    let vars = [("HOME", home.path().to_str().expect("utf-8"))];
    let info = parse_with("postgres://u@h/db?sslmode=disable", &vars).unwrap();
    assert_eq!(info.tls.verify, Verify::Nothing);
    let error = parse_with("postgres://u@h/db?sslmode=require", &vars).unwrap_err();
    assert!(
        matches!(error, ConnInfoError::RootInvalid { .. }),
        "{error}"
    );
}
