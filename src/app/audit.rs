//! `certatlas report` and `certatlas verify`: the audit evidence bundle of
//! a scored scan (report files from `report::audit`, then the manifest and
//! optional signature from `evidence`), and checking one.

use std::cell::RefCell;
use std::io::{self, Write};
use std::path::Path;

use super::judged::Opened;
use super::listings::pick_record;
use super::score::trend_of;
use super::{output_error, stdout_error, AppError, RunStatus};
use crate::cli::{PolicyRequest, ReportArgs, VerifyArgs};
use crate::clock::Clock;
use crate::evidence::{self, Digests, ManifestHeader, ManifestScan, Signer, Verification};
use crate::judge::{scored_history, Judge, Judged, ModelRetention, LEAF_CHUNK};
use crate::policy::lifecycle::TrackedFinding;
use crate::policy::model::ModelChunk;
use crate::report::audit::{self, write_certificate, AuditReport, ListFiles, PreviousScore};
use crate::report::audit::{ReportDigests, ReportTables, REPORT_SCHEMA};
use crate::report::cbom::{SpecVersion, CBOM_FILE};
use crate::report::ListingFormat;
use crate::store::{ScanRecord, Store};

/// How many certificates the bundle reads from the store at a time.
const CERTIFICATE_PAGE: usize = 4096;

/// `certatlas report`.
pub fn report(args: ReportArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let signer = args
        .sign
        .as_deref()
        .map(Signer::from_pkcs8_pem_file)
        .transpose()?;
    prepare_dir(&args.out)?;
    let opened = Opened::new(&args.store, &args.policy)?;
    let record = pick_record(&opened.store, args.scan)?;
    let bundle = Bundle {
        store: &opened.store,
        policy: &opened.policy,
        dir: &args.out,
        signer: signer.as_ref(),
        clock,
    };
    let written = bundle
        .judge_and_write(&opened.judge_with(clock), record)
        .inspect_err(|_| {
            // the directory held nothing of value (prepare_dir): leave no
            // part of a bundle
            let _ = prepare_dir(&args.out);
        })?;
    let mut out = io::stdout().lock();
    writeln!(out, "{written}").map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// The file that marks a bundle being written (removed just before its
/// manifest is): a directory holding it is a bundle cut short (a failed
/// judgement, a kill), which the next `report` into it clears as it clears
/// an earlier bundle.
const PARTIAL_MARKER: &str = ".certatlas-bundle-partial";

/// Refuses a non-empty directory that is not an earlier bundle (or one cut
/// short); clears an earlier bundle's files, so nothing stale is listed in
/// the new manifest.
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
    if !names
        .iter()
        .any(|n| n == evidence::MANIFEST_FILE || n == PARTIAL_MARKER)
    {
        return Err(AppError::NotABundleDir {
            dir: dir.to_path_buf(),
        });
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

/// Where and how a judged scan's bundle is written.
pub(super) struct Bundle<'a> {
    /// The inventory the scan is in.
    pub store: &'a Store,
    /// The rules, profile and config digest it was judged with.
    pub policy: &'a PolicyRequest,
    /// The bundle directory.
    pub dir: &'a Path,
    /// Signs the manifest, when given.
    pub signer: Option<&'a Signer>,
    /// The one source of "now".
    pub clock: Clock,
}

impl Bundle<'_> {
    /// Judges the scan `record` with `judge` and writes its bundle as the
    /// judgement goes: each leaf and endpoint model and each finding is
    /// written to the bundle's lists as it comes and dropped
    /// ([`ModelRetention::Fold`]), so the bundle of a million leaves is
    /// written in bounded memory. Returns the line to print.
    pub fn judge_and_write(
        &self,
        judge: &Judge<'_>,
        record: ScanRecord,
    ) -> Result<String, AppError> {
        let files = self.start()?;
        // the findings and the model chunks come to two closures
        let state = RefCell::new((files, None::<io::Error>));
        let write = |add: &mut dyn FnMut(&mut ListFiles) -> io::Result<()>| {
            let (files, failed) = &mut *state.borrow_mut();
            if failed.is_none() {
                *failed = add(files).err();
            }
        };
        let mut sink = |t: TrackedFinding| write(&mut |files| files.finding(&t));
        let mut on_chunk = |chunk: &ModelChunk| match chunk {
            ModelChunk::Leaves(leaves) => {
                write(&mut |files| leaves.iter().try_for_each(|l| files.leaf(l)))
            }
            ModelChunk::Endpoints(part) => {
                write(&mut |files| part.models.iter().try_for_each(|e| files.endpoint(e)))
            }
            ModelChunk::Chains(_) => {}
        };
        let keep = (LEAF_CHUNK, ModelRetention::Fold);
        let judged = judge.judge_watching(record, keep, &mut sink, &mut on_chunk)?;
        let (files, failed) = state.into_inner();
        if let Some(error) = failed {
            return Err(self.dir_error(error));
        }
        self.finish(judged, files)
    }

    /// Writes the bundle of a scan judged with its models and findings
    /// kept (the demo's); returns the line to print.
    pub fn write(&self, judged: Judged) -> Result<String, AppError> {
        let mut files = self.start()?;
        let models = &judged.models;
        (models.leaves.iter().try_for_each(|l| files.leaf(l)))
            .and_then(|()| models.endpoints.iter().try_for_each(|e| files.endpoint(e)))
            .and_then(|()| judged.findings.iter().try_for_each(|t| files.finding(t)))
            .map_err(|e| self.dir_error(e))?;
        self.finish(judged, files)
    }

    /// Creates the bundle directory, marks it as being written, and starts
    /// its lists.
    fn start(&self) -> Result<ListFiles, AppError> {
        let marker = b"a certatlas report is being written here; certatlas report clears it\n";
        std::fs::create_dir_all(self.dir)
            .and_then(|()| std::fs::write(self.dir.join(PARTIAL_MARKER), marker))
            .and_then(|()| ListFiles::create(self.dir))
            .map_err(|e| self.dir_error(e))
    }

    /// Writes the rest of the bundle once the lists are: the scan's
    /// certificates (a page at a time), the report, the CBOM and the
    /// manifest.
    fn finish(&self, judged: Judged, files: ListFiles) -> Result<String, AppError> {
        let dir = self.dir;
        let (tables, lists) = files.finish().map_err(|e| self.dir_error(e))?;
        let mut certificates = 0;
        let mut failed = None;
        let scan = judged.record.id;
        self.store
            .certificates_in_scan_paged(scan, CERTIFICATE_PAGE, |certificate, _| {
                if failed.is_none() {
                    certificates += 1;
                    failed = write_certificate(dir, &certificate.sha256, &certificate.der).err();
                }
            })?;
        if let Some(error) = failed {
            return Err(self.dir_error(error));
        }
        self.write_cbom(&judged.record)?;
        let report = self.audit_report(judged, tables)?;
        audit::write_report(dir, &report, lists).map_err(|e| self.dir_error(e))?;
        let marker = dir.join(PARTIAL_MARKER);
        std::fs::remove_file(&marker).map_err(|e| self.dir_error(e))?;
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
        let manifest = evidence::write_manifest(dir, header, self.signer)?;
        let signed = self.signer.map_or_else(String::new, |s| {
            format!(", signed by key {}", s.fingerprint())
        });
        Ok(format!(
            "report: {} ({} files, {} certificates{signed}); check it with: certatlas verify {}",
            dir.join("report.html").display(),
            manifest.files.len(),
            certificates,
            dir.display()
        ))
    }

    /// Writes the bundle's CBOM file, read from the store as it is written.
    fn write_cbom(&self, record: &ScanRecord) -> Result<(), AppError> {
        let path = self.dir.join(CBOM_FILE);
        let target = path.display().to_string();
        let file = std::fs::File::create(&path).map_err(|e| output_error(&target, e))?;
        let mut out = io::BufWriter::new(file);
        super::cbom::write_scan_cbom(self.store, record, SpecVersion::V1_6, (&mut out, &target))?;
        out.flush().map_err(|e| output_error(&target, e))
    }

    /// The bundle directory's write error.
    fn dir_error(&self, error: io::Error) -> AppError {
        output_error(&self.dir.display().to_string(), error)
    }

    /// Everything the report shows, from a judged scan (consumed) and the
    /// tables folded from its lists.
    fn audit_report(&self, judged: Judged, tables: ReportTables) -> Result<AuditReport, AppError> {
        let id = judged.record.id;
        let mut extra = judged.backfilled;
        extra.push((id, judged.record.started_at, judged.card.clone()));
        let history = scored_history(self.store, id, extra)?;
        let trend = trend_of(&history);
        let previous = history
            .into_iter()
            .rev()
            .find(|(scan, _, _)| *scan < id)
            .map(|(scan, at, card)| PreviousScore { scan, at, card });
        let policy = self.policy;
        let digests = ReportDigests {
            rules: policy.rules.digest().to_string(),
            ladders: policy.profile.digest.clone(),
            config: policy.config_digest.clone(),
        };
        Ok(AuditReport {
            schema: REPORT_SCHEMA,
            generated_at: self.clock.now(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            scan: judged.record,
            score: judged.card,
            previous,
            trend,
            cas: judged.models.cas,
            digests,
            tables,
        })
    }
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

#[cfg(test)]
mod tests {
    use super::{prepare_dir, PARTIAL_MARKER};
    use crate::app::AppError;

    #[test]
    fn a_bundle_cut_short_is_cleared_and_other_files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bundle = dir.path().join("evidence");
        std::fs::create_dir_all(bundle.join("certificates")).expect("dir");
        std::fs::write(bundle.join("inventory.csv"), "sha256\n").expect("file");
        // neither the marker nor a manifest: someone else's files
        let refused = prepare_dir(&bundle);
        assert!(
            matches!(refused, Err(AppError::NotABundleDir { .. })),
            "{refused:?}"
        );
        assert!(bundle.join("inventory.csv").exists(), "nothing removed");
        // with the marker: a bundle cut short, cleared
        std::fs::write(bundle.join(PARTIAL_MARKER), "").expect("marker");
        prepare_dir(&bundle).expect("cleared");
        let left: Vec<_> = std::fs::read_dir(&bundle).expect("read").collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
