//! A demo database: `certatlas demo` run once into a directory of the
//! test's own, on a fixed clock, with the report it writes kept beside it
//! (the default report directory is shared by every demo on the machine,
//! and tests run the demo at once).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// What [`demo_database`] made.
pub struct Demo {
    /// The database (`DIR/demo.db`): the demo's two scans, judged and scored.
    pub db: PathBuf,
    /// The report directory (`DIR/report`).
    pub report: PathBuf,
}

/// Runs `certatlas --clock CLOCK -q demo` into `dir`; the run must succeed.
pub fn demo_database(dir: &Path, clock: &str) -> Demo {
    let demo = Demo {
        db: dir.join("demo.db"),
        report: dir.join("report"),
    };
    let out = super::certatlas(&[
        "--clock",
        clock,
        "-q",
        "demo",
        "--db",
        demo.db.to_str().unwrap(),
        "--report",
        demo.report.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    demo
}
