//! `certatlas import` benchmark (run with `cargo bench --bench jsonl_import`).
//!
//! Writes a JSON Lines file of 100,000 observations exactly as `scan
//! --format jsonl` writes them (a scan line, one observation per line with
//! its parsed certificates, a summary line), from the benchmark estate of
//! `benches/support/estate.rs` (20,000 leaves under one intermediate, each
//! served by five endpoints), then runs the real binary `certatlas import`
//! on it into a fresh SQLite inventory, and prints the time, lines/s and
//! the importer's peak RSS (from `wait4`). `CERTATLAS_BENCH_IMPORT_MILLION=1`
//! adds a 1,000,000-line file (several GB on disk; minutes);
//! `CERTATLAS_BENCH_IMPORT_LINES=N` sets the first size instead of 100,000.
//! With `CERTATLAS_BENCH_BASELINE=<path to another certatlas binary>` (an
//! earlier build) each import is also run by that binary, right after this
//! build's, into a database of its own, and the times and peak RSS are
//! printed as ratios this build / baseline. `CERTATLAS_BENCH_IMPORT_KEEP=1`
//! keeps the files and databases and prints where. Nothing touches the
//! network.

use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use certatlas::report::{ObservationRecord, OutputFormat};
use certatlas::scan::header::ScanHeader;
use certatlas::scan::options::ProbeOptions;
use certatlas::scan::summary::Tally;
use time::OffsetDateTime;

#[path = "support/child.rs"]
mod child;
#[path = "support/estate.rs"]
#[allow(dead_code)]
mod estate;
use estate::{generate_certificates, observation};

const CERTIFICATES: usize = 20_000;

fn main() {
    let started = Instant::now();
    let (intermediate, leaves) = generate_certificates(CERTIFICATES);
    println!(
        "generated {} certificates in {:.2} s",
        leaves.len() + 1,
        started.elapsed().as_secs_f64()
    );
    let first = std::env::var("CERTATLAS_BENCH_IMPORT_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut sizes = vec![first];
    let this = std::path::PathBuf::from(env!("CARGO_BIN_EXE_certatlas"));
    let keep = std::env::var_os("CERTATLAS_BENCH_IMPORT_KEEP").is_some_and(|v| v != "0");
    let baseline = std::env::var_os("CERTATLAS_BENCH_BASELINE")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from);
    if std::env::var_os("CERTATLAS_BENCH_IMPORT_MILLION").is_some_and(|v| v != "0") {
        sizes.push(1_000_000);
    }
    for lines in sizes {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("scan.jsonl");
        write_file(&file, lines, &intermediate, &leaves);
        if keep {
            println!("kept: {} (and its databases)", file.display());
        }
        let cut = dir.path().join("cut.jsonl");
        without_last_line(&file, &cut);
        let judged = "checked, stored and judged";
        // The same file without its summary line imports as an
        // interrupted scan, which is not judged: reading and storing alone.
        let stored = "checked and stored, not judged (no summary line)";
        for (input, count, what) in [(&file, lines + 2, judged), (&cut, lines + 1, stored)] {
            let db = |name: &str| dir.path().join(format!("{name}-{}.db", count));
            let ours = import(&this, input, &db("this"), count, what);
            if let Some(baseline) = &baseline {
                let theirs = import(baseline, input, &db("baseline"), count, what);
                println!(
                    "this build / baseline ({what}): {:.2}× time, {:.2}× peak RSS",
                    ours.0 / theirs.0,
                    ours.1 as f64 / theirs.1 as f64
                );
            }
        }
        if keep {
            let _ = dir.keep();
        }
    }
}

/// Writes `count` observations as `scan --format jsonl` would.
fn write_file(path: &Path, count: usize, intermediate: &[u8], leaves: &[Vec<u8>]) {
    let started = Instant::now();
    let at = OffsetDateTime::now_utc();
    let file = std::fs::File::create(path).expect("create file");
    let mut writer = OutputFormat::Jsonl.writer(Box::new(BufWriter::new(file)));
    let options: ProbeOptions = serde_json::from_value(serde_json::json!({
        "options_version": 2, "ports": [443], "exclude": [], "sni": [], "resolve": [],
        "sni_discover": false, "versions": false, "all_certs": false, "starttls": "auto",
        "legacy_fallback": true, "connect_timeout_ms": 3000, "timeout_ms": 10000,
        "rate": null, "concurrency": 1000, "per_host": 4, "shard": null,
    }))
    .expect("options");
    let header = ScanHeader::new(vec!["127.0.0.0/8".into()], options, at);
    writer.begin(&header).expect("header");
    let mut tally = Tally::new(at);
    for i in 0..count {
        let observation = observation(i, at, intermediate, leaves);
        let record = ObservationRecord::new(&observation);
        tally.add(&observation, record.leaf_sha256());
        writer.observation(&record).expect("write line");
    }
    let finished = at + time::Duration::seconds(60);
    writer
        .finish(&tally.finish(true, count as u64, finished))
        .expect("summary");
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} lines ({:.0} MiB) in {:.1} s",
        count + 2,
        size as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64()
    );
}

/// Copies `from` to `to` without its last line (streaming).
fn without_last_line(from: &Path, to: &Path) {
    use std::io::{BufRead, BufReader, Write};
    let mut reader = BufReader::new(std::fs::File::open(from).expect("open"));
    let mut out = BufWriter::new(std::fs::File::create(to).expect("create"));
    let (mut line, mut held) = (Vec::new(), Vec::new());
    while reader.read_until(b'\n', &mut line).expect("read") > 0 {
        out.write_all(&held).expect("write");
        std::mem::swap(&mut held, &mut line);
        line.clear();
    }
    out.flush().expect("flush");
}

/// Runs `binary import` on `file` (`lines` lines) into `db`; prints
/// time, lines/s and peak RSS, and returns the seconds and KiB.
fn import(binary: &Path, file: &Path, db: &Path, lines: usize, what: &str) -> (f64, i64) {
    let started = Instant::now();
    // Reaped by wait4 below (which also yields the peak RSS), not by Child.
    #[allow(clippy::zombie_processes)]
    let child = std::process::Command::new(binary)
        .args(["-q", "import"])
        .arg(file)
        .arg("--db")
        .arg(db)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn certatlas");
    let rss_kib = child::wait_rss(child.id() as libc::pid_t, "import");
    let elapsed = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(db).map(|m| m.len()).unwrap_or(0);
    println!(
        "{}: import of {lines} lines: {elapsed:.1} s = {:.0} lines/s ({what}), \
         peak RSS {:.1} MB, inventory {:.0} MiB",
        binary.display(),
        lines as f64 / elapsed,
        rss_kib as f64 / 1024.0,
        size as f64 / (1024.0 * 1024.0)
    );
    (elapsed, rss_kib)
}
