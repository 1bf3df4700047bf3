//! `certatlas report` and `certatlas verify`: the audit evidence bundle of
//! a scored scan (report files from `report::audit`, then the manifest and
//! optional signature from `evidence`), and checking one.

use std::io::{self, Write};
use std::path::Path;

use super::score::{scored_history, scored_scan, trend_of, Scored};
use super::{output_error, stdout_error, AppError, RunStatus};
use crate::cli::{ReportArgs, VerifyArgs};
use crate::clock::Clock;
use crate::evidence::{self, Digests, ManifestHeader, ManifestScan, Signer, Verification};
use crate::report::audit::{self, AuditReport, PreviousScore, ReportDigests, REPORT_SCHEMA};
use crate::report::ListingFormat;

/// `certatlas report`.
pub fn report(args: ReportArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let signer = args
        .sign
        .as_deref()
        .map(Signer::from_pkcs8_pem_file)
        .transpose()?;
    prepare_dir(&args.out)?;
    let scored = scored_scan(&args.store, &args.policy, args.scan, clock)?;
    let written = write_report(scored, &args.out, signer.as_ref(), clock)?;
    let mut out = io::stdout().lock();
    writeln!(out, "{written}").map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// Refuses a non-empty directory that is not an earlier bundle; clears an
/// earlier bundle's files, so nothing stale is listed in the new manifest.
pub(super) fn prepare_dir(dir: &Path) -> Result<(), AppError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(()); // created when written
    };
    let names: Vec<String> = entries
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    if !names.iter().any(|n| n == evidence::MANIFEST_FILE) {
        let dir = dir.display();
        return Err(AppError::Inventory(format!(
            "{dir} is not empty and holds no {}: refusing to write a bundle into it",
            evidence::MANIFEST_FILE
        )));
    }
    let remove = |path: &Path| {
        let result = if path.is_dir() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        };
        result.map_err(|e| output_error(&path.display().to_string(), e))
    };
    for name in names {
        remove(&dir.join(name))?;
    }
    Ok(())
}

/// Writes the bundle of a scored scan into `dir`; returns the line to print.
/// The scan's models move into the report rather than being copied.
pub(super) fn write_report(
    scored: Scored,
    dir: &Path,
    signer: Option<&Signer>,
    clock: Clock,
) -> Result<String, AppError> {
    let certificates: Vec<(String, Vec<u8>)> = scored
        .store
        .certificates_in_scan(scored.record.id)?
        .into_iter()
        .map(|c| (c.sha256, c.der))
        .collect();
    let report = audit_report(scored, clock)?;
    audit::write_bundle(dir, &report, &certificates)
        .map_err(|e| output_error(&dir.display().to_string(), e))?;
    let r = &report.scan;
    let header = ManifestHeader {
        tool_version: report.tool_version.clone(),
        created_at: report.generated_at,
        scans: vec![ManifestScan {
            id: r.id.0,
            started_at: r.started_at,
            finished_at: r.finished_at,
            status: r.status.as_str().to_string(),
        }],
        digests: Digests {
            rules: report.digests.rules.clone(),
            ladders: report.digests.ladders.clone(),
            config: report.digests.config.clone(),
        },
    };
    let manifest = evidence::write_manifest(dir, header, signer)?;
    let signed = signer.map_or_else(String::new, |s| {
        format!(", signed by key {}", s.fingerprint())
    });
    Ok(format!(
        "report: {} ({} files, {} certificates{signed}); check it with: certatlas verify {}",
        dir.join("report.html").display(),
        manifest.files.len(),
        certificates.len(),
        dir.display()
    ))
}

/// Everything the report shows, from a freshly scored scan (consumed).
fn audit_report(scored: Scored, clock: Clock) -> Result<AuditReport, AppError> {
    let id = scored.record.id;
    let history = scored_history(&scored.store, id)?;
    let trend = trend_of(&history);
    let previous = history
        .into_iter()
        .rev()
        .find(|(scan, _, _)| *scan < id)
        .map(|(scan, at, card)| PreviousScore { scan, at, card });
    let policy = &scored.policy;
    let digests = ReportDigests {
        rules: policy.rules.digest().to_string(),
        ladders: policy.profile.digest.clone(),
        config: policy.config_digest.clone(),
    };
    Ok(AuditReport {
        schema: REPORT_SCHEMA,
        generated_at: clock.now(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        scan: scored.record,
        score: scored.card,
        previous,
        trend,
        leaves: scored.models.leaves,
        cas: scored.models.cas,
        endpoints: scored.models.endpoints,
        findings: scored.findings,
        digests,
    })
}

/// `certatlas verify`.
pub fn verify(args: VerifyArgs) -> Result<RunStatus, AppError> {
    let verification = evidence::verify(&args.dir, args.key.as_deref())?;
    let mut out = io::stdout().lock();
    write_verification(&mut out, args.format, &args.dir, &verification).map_err(stdout_error)?;
    Ok(if verification.ok() {
        RunStatus::Complete
    } else {
        RunStatus::Failed
    })
}

fn write_verification(
    out: &mut dyn Write,
    format: ListingFormat,
    dir: &Path,
    v: &Verification,
) -> io::Result<()> {
    if format == ListingFormat::Json {
        let problems: Vec<String> = v.problems.iter().map(|p| p.to_string()).collect();
        let document = serde_json::json!({
            "ok": v.ok(), "files_checked": v.files_checked, "signed_by": v.signed_by,
            "problems": problems, "manifest": v.manifest,
        });
        serde_json::to_writer_pretty(&mut *out, &document)?;
        return writeln!(out);
    }
    for problem in &v.problems {
        // A problem's text escapes what the manifest supplied.
        writeln!(out, "FAIL {problem}")?;
    }
    let signed = v
        .signed_by
        .as_ref()
        .map_or_else(|| "unsigned".to_string(), |k| format!("signed by key {k}"));
    let verdict = if v.ok() { "OK" } else { "FAILED" };
    writeln!(
        out,
        "{verdict}: {} ({} files checked, {signed})",
        dir.display(),
        v.files_checked
    )
}
