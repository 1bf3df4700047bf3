//! `certatlas demo`: start the lab, scan it into an inventory, renew one
//! certificate, scan again, and show every case, what changed and the
//! inventory — all through the same engine and store as `scan`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::audit::Bundle;
use super::recording::{Recording, StoredScan};
use super::scan::{collect, status_of};
use super::{
    anchor_error, cancel_on_signal, note, output_error, stdout_error, AppError, RunStatus,
};
use crate::certs;
use crate::cli::DemoRequest;
use crate::clock::Clock;
use crate::demo::Lab;
use crate::judge::{InventoryContext, Judged};
use crate::observation::{Observation, SniSource};
use crate::probe::{Dialect, ProbeSettings, Prober, TrustStore};
use crate::report::progress::Progress;
use crate::report::{self, ListingFormat, ObservationRecord, OutputFormat};
use crate::scan::summary::ScanSummary;
use crate::scan::{ScanLimits, Work};
use crate::store::{ScanMeta, Store, WriterOptions};
use crate::targets::{Host, Target};

/// The case whose certificate the demo renews between its two scans.
const RENEWED_CASE: &str = "expiring-soon";

/// Runs `certatlas demo`.
pub async fn demo(request: DemoRequest, clock: Clock, quiet: bool) -> Result<RunStatus, AppError> {
    let mut lab = Lab::start(clock.now()).await?;
    let prober = Arc::new(Prober::new(lab_trust(&lab)?, lab_settings(clock)));
    let db = request.db.clone().unwrap_or_else(temporary_db);
    note(
        quiet,
        &format!(
            "demo: {} lab cases on loopback; inventory in {}",
            lab.cases().len(),
            db.display()
        ),
    );
    note(quiet, "scan 1: the lab as it starts");
    let first = scan_lab(&lab, &prober, &db, clock, None).await?;
    lab.renew(RENEWED_CASE, clock.now())?;
    note(
        quiet,
        &format!("renewed the certificate of {RENEWED_CASE}; scan 2:\n"),
    );
    let second = scan_lab(&lab, &prober, &db, clock, Some(request.format)).await?;
    if request.format == OutputFormat::Table {
        let mut out = io::stdout().lock();
        let (observations, summary) = (&second.observations, &second.summary);
        report::lab::write_lab(&mut out, &lab.views(), observations, summary)
            .map_err(stdout_error)?;
        if first.summary.complete {
            show_changes(&mut out, &second.stored).map_err(stdout_error)?;
        }
        writeln!(out).map_err(stdout_error)?;
        let findings = &second.stored.findings;
        report::findings::write_findings(&mut out, ListingFormat::Table, findings)
            .map_err(stdout_error)?;
        if let Some(card) = &second.stored.score {
            writeln!(out).map_err(stdout_error)?;
            report::score::write_score(&mut out, ListingFormat::Table, card)
                .map_err(stdout_error)?;
        }
    }
    let written = write_lab_report(&db, second.stored, &request.report, clock)?;
    note(quiet, &written);
    if request.serve {
        serve_until_signal(&lab, quiet).await;
    }
    let root = lab.approved_root_der().to_vec();
    lab.shutdown().await;
    match &request.db {
        None => remove_database(&db),
        Some(kept) => {
            let config =
                write_lab_config(kept, &root).map_err(|e| output_error("demo config", e))?;
            let (db, config) = (kept.display(), config.display());
            note(
                quiet,
                &format!(
                    "explore the kept inventory: certatlas findings --db {db} --config {config}"
                ),
            );
        }
    }
    Ok(status_of(&second.summary))
}

/// Writes the audit bundle of the demo's last scan into `dir`.
fn write_lab_report(
    db: &std::path::Path,
    stored: StoredScan,
    dir: &std::path::Path,
    clock: Clock,
) -> Result<String, AppError> {
    let Some(((record, models), card)) = stored.models.zip(stored.score) else {
        return Ok("no report: the last scan did not complete".into());
    };
    super::audit::prepare_dir(dir)?;
    let judged = Judged {
        record,
        findings: stored.findings,
        models,
        card,
        counts: stored.counts,
        backfilled: Vec::new(),
        inventory: Default::default(),
    };
    let bundle = Bundle {
        store: &Store::open(db)?,
        policy: &crate::cli::policy::builtin()?,
        dir,
        signer: None,
        clock,
    };
    bundle.write(judged)
}

/// Next to a kept demo database `<db>`: `<db>.lab-root.der` (the lab's
/// approved root) and `<db>.toml`, a config that judges the inventory as
/// the demo did (that root approved, the demo's owner rule).
fn write_lab_config(db: &std::path::Path, root_der: &[u8]) -> io::Result<PathBuf> {
    let with_suffix = |suffix: &str| {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        PathBuf::from(path)
    };
    let (root, config) = (with_suffix(".lab-root.der"), with_suffix(".toml"));
    std::fs::write(&root, root_der)?;
    let root_name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rule = crate::demo::lab_owner_rule();
    let text = format!(
        "# Judges the certatlas demo inventory {} as the demo did.\n\n\
         [[anchors]]\nname = \"certatlas Lab Approved Root\"\nfile = {root_name:?}\n\n\
         [[owners]]\nname = {:?}\nissuer = {:?}\n",
        db.display(),
        rule.owner,
        rule.issuer.first().cloned().unwrap_or_default(),
    );
    std::fs::write(&config, text)?;
    Ok(config)
}

/// What one scan of the lab produced.
struct LabScan {
    summary: ScanSummary,
    stored: StoredScan,
    observations: Vec<Observation>,
}

/// The diff the renewal produced and the inventory summary.
fn show_changes(out: &mut dyn Write, stored: &StoredScan) -> io::Result<()> {
    let Some((diff, _)) = &stored.outcome else {
        return Ok(());
    };
    writeln!(out)?;
    report::inventory::write_diff(
        out,
        ListingFormat::Table,
        stored.scan.0 - 1,
        stored.scan.0,
        diff,
    )?;
    stored.print(out)
}

/// One scan of the lab into the inventory; with a format, the records are
/// also written to stdout (JSON formats) or kept for the lab table.
async fn scan_lab(
    lab: &Lab,
    prober: &Arc<Prober>,
    db: &std::path::Path,
    clock: Clock,
    shown: Option<OutputFormat>,
) -> Result<LabScan, AppError> {
    let context = lab_context(lab)?;
    let meta = ScanMeta {
        started_at: clock.now(),
        targets: vec!["demo lab".into()],
        options: serde_json::json!({ "demo": true }),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let recording =
        Recording::begin_with(Store::open(db)?, meta, context, WriterOptions::default())?;
    let mut kept = Vec::new();
    let mut writer = shown
        .filter(|f| *f != OutputFormat::Table)
        .map(|f| f.writer(Box::new(io::stdout())));
    let mut write = |record: &ObservationRecord<'_>| {
        recording.write(record.observation)?;
        kept.push(record.observation.clone());
        writer.as_mut().map_or(Ok(()), |w| w.observation(record))
    };
    let work = Work::list(lab_targets(lab));
    let summary = collect(
        work,
        prober.clone(),
        lab_limits(),
        &mut write,
        &Progress::new(0, true),
        &cancel_on_signal(),
    )
    .await
    .map_err(stdout_error)?;
    if let Some(writer) = writer.as_mut() {
        writer.finish(&summary).map_err(stdout_error)?;
    }
    let policy = crate::cli::policy::builtin()?;
    let owned_summary = summary.clone();
    let stored =
        super::scan::off_runtime(move || recording.finish(&owned_summary, clock, &policy)).await?;
    Ok(LabScan {
        summary,
        stored,
        observations: kept,
    })
}

/// The lab's approved root as an anchor, and one owner rule: what the
/// lab's issuing CA issued belongs to `platform-team`.
fn lab_context(lab: &Lab) -> Result<InventoryContext, AppError> {
    let mut context = InventoryContext::new(None, vec![lab.approved_root_der().to_vec()])?;
    context
        .owners
        .push(crate::demo::lab_owner_rule())
        .map_err(AppError::DemoOwnerRule)?;
    Ok(context)
}

/// Mozilla roots plus the lab's approved root.
fn lab_trust(lab: &Lab) -> Result<TrustStore, AppError> {
    let mut trust = TrustStore::mozilla(&certs::name_value_text);
    trust
        .add_certificate(lab.approved_root_der(), &certs::name_value_text)
        .map_err(|e| anchor_error(std::path::Path::new("<lab approved root>"), e))?;
    Ok(trust)
}

/// Loopback answers fast: short deadlines, every extra probe on.
fn lab_settings(clock: Clock) -> ProbeSettings {
    ProbeSettings {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        clock,
        all_certs: true,
        versions: true,
        ..ProbeSettings::default()
    }
}

fn lab_limits() -> ScanLimits {
    ScanLimits {
        concurrency: 64,
        rate: None,
        per_host: 4,
    }
}

/// One target per lab case and server name, with the case's dialect.
fn lab_targets(lab: &Lab) -> Vec<(Target, Option<Dialect>)> {
    let mut targets = Vec::new();
    for case in lab.cases() {
        for sni in &case.server_names {
            let target = Target {
                host: Host::Ip(case.address.ip()),
                port: case.address.port(),
                sni: sni.clone(),
                sni_source: match sni {
                    Some(_) => SniSource::Target,
                    None => SniSource::None,
                },
            };
            targets.push((target, case.starttls));
        }
    }
    targets
}

/// A database file for this demo run only.
fn temporary_db() -> PathBuf {
    std::env::temp_dir().join(format!("certatlas-demo-{}.db", std::process::id()))
}

/// Removes a temporary database with its WAL files.
fn remove_database(db: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}

/// Keeps the lab up until Ctrl-C or SIGTERM, listing where each case is.
async fn serve_until_signal(lab: &Lab, quiet: bool) {
    if !quiet {
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "\nThe lab stays up until Ctrl-C. Try for example:");
        for case in lab.cases() {
            let sni = case.server_names.iter().flatten().next();
            let sni = sni.map(|s| format!(" --sni {s}")).unwrap_or_default();
            let starttls = case
                .starttls
                .map(|d| format!(" --starttls {}", d.name()))
                .unwrap_or_default();
            let (ip, port) = (case.address.ip(), case.address.port());
            let _ = writeln!(
                err,
                "  certatlas scan {ip} -p {port}{sni}{starttls}   # {}",
                case.name
            );
        }
    }
    cancel_on_signal().cancelled().await;
}
