//! `certatlas findings`: a scan judged in memory, its findings printed.

use std::io;

use super::judged::Opened;
use super::{spill_error, stdout_error, AppError, RunStatus};
use crate::cli::FindingsArgs;
use crate::clock::Clock;
use crate::policy::lifecycle::TrackedFinding;
use crate::report::findings as present;
use crate::report::listing::ListingFormat;

/// `certatlas findings`.
pub fn findings(args: FindingsArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let opened = Opened::new(&args.listing.store, &args.policy)?;
    let format = args.listing.format;
    let wanted = |t: &TrackedFinding| args.severity.is_none_or(|min| t.finding.severity >= min);
    let mut out = io::stdout().lock();
    let mut failed = None;
    let judged = if format == ListingFormat::Table {
        // sorted by severity over every finding: spilled, then written
        let mut table = present::FindingsTable::new().map_err(spill_error)?;
        let mut sink = |t: TrackedFinding| {
            if failed.is_none() && wanted(&t) {
                failed = table.push(&t).err().map(spill_error);
            }
        };
        let judged = opened.judge_streaming(args.scan, clock, &mut sink)?;
        if let Some(error) = failed {
            return Err(error);
        }
        table.finish(&mut out).map_err(stdout_error)?;
        judged
    } else {
        // JSON and CSV are written as the findings are tracked
        let mut stream = present::findings_stream(&mut out, format).map_err(stdout_error)?;
        let mut sink = |t: TrackedFinding| {
            if failed.is_none() && wanted(&t) {
                failed = stream.item(&t).err().map(stdout_error);
            }
        };
        let judged = opened.judge_streaming(args.scan, clock, &mut sink)?;
        if let Some(error) = failed {
            return Err(error);
        }
        stream.finish().map_err(stdout_error)?;
        judged
    };
    Ok(gate(&judged.counts, &opened.policy))
}

/// Exit status for `--fail-on`: failed when an active finding reaches it.
pub(super) fn gate(
    counts: &crate::policy::lifecycle::FindingCounts,
    policy: &crate::cli::PolicyRequest,
) -> RunStatus {
    match counts.fails(policy.fail_on) {
        true => RunStatus::Failed,
        false => RunStatus::Complete,
    }
}
