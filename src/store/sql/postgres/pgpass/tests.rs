//! The password file as libpq reads it: wildcards, escapes, first match,
//! comments, and files others may read are ignored.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{find, password_for, PassTarget};

/// The target `db.example:5432/inventory` as `scanner`.
fn target() -> PassTarget {
    PassTarget {
        host: "db.example".into(),
        port: 5432,
        database: "inventory".into(),
        user: "scanner".into(),
    }
}

#[test]
fn the_first_matching_line_wins_and_stars_match_anything() {
    let file = "\
# comment:*:*:*:not-this
other.example:5432:inventory:scanner:wrong-host
db.example:5433:inventory:scanner:wrong-port
db.example:5432:*:scanner:first
*:*:*:*:second
";
    assert_eq!(find(file, &target()).as_deref(), Some("first"));
    assert_eq!(find("*:*:*:*:any\n", &target()).as_deref(), Some("any"));
    assert_eq!(
        find("db.example:5432:inventory:someone:x\n", &target()),
        None
    );
    // A star only matches as a whole field.
    assert_eq!(find("db.*:5432:inventory:scanner:x\n", &target()), None);
    // Too few fields never match.
    assert_eq!(find("db.example:5432:inventory\n", &target()), None);
}

#[test]
fn escapes_stand_for_colons_and_backslashes_in_fields_and_password() {
    let mut target = target();
    target.user = "dom\\user:1".into();
    let file = "db.example:5432:inventory:dom\\\\user\\:1:p\\:w\\\\d:ignored\r\n";
    assert_eq!(find(file, &target).as_deref(), Some("p:w\\d"));
    assert_eq!(
        find("db.example:5432:inventory:dom\\user:1:x\n", &target),
        None
    );
}

/// Writes `contents` with `mode` and returns the environment naming it.
fn write_file(dir: &Path, contents: &str, mode: u32) -> OsString {
    let path = dir.join("pgpass");
    std::fs::write(&path, contents).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    path.into_os_string()
}

#[test]
fn a_file_others_may_read_is_ignored_and_pgpassword_comes_first() {
    let dir = tempfile::tempdir().expect("dir");
    let private = write_file(dir.path(), "*:*:*:*:from-file\n", 0o600);
    let env = |name: &str| (name == "PGPASSFILE").then(|| private.clone());
    assert_eq!(password_for(&target(), &env).as_deref(), Some("from-file"));

    let env = |name: &str| match name {
        "PGPASSFILE" => Some(private.clone()),
        "PGPASSWORD" => Some(OsString::from("from-env")),
        _ => None,
    };
    assert_eq!(password_for(&target(), &env).as_deref(), Some("from-env"));

    for mode in [0o640, 0o604, 0o660] {
        let shared = write_file(dir.path(), "*:*:*:*:from-file\n", mode);
        let env = |name: &str| (name == "PGPASSFILE").then(|| shared.clone());
        assert_eq!(password_for(&target(), &env), None, "mode {mode:o}");
    }
}

#[test]
fn the_default_file_is_dot_pgpass_in_home() {
    let home = tempfile::tempdir().expect("dir");
    let path = home.path().join(".pgpass");
    std::fs::write(&path, "db.example:*:*:scanner:home-file\n").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let env = |name: &str| (name == "HOME").then(|| home.path().as_os_str().to_owned());
    assert_eq!(password_for(&target(), &env).as_deref(), Some("home-file"));
    let nobody = |_: &str| None;
    assert_eq!(password_for(&target(), &nobody), None);
}
