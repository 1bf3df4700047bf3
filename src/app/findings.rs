//! `certatlas findings`: a scan judged in memory, its findings printed.

use std::io;

use super::judged::Opened;
use super::{stdout_error, AppError, RunStatus};
use crate::cli::FindingsArgs;
use crate::clock::Clock;
use crate::report::findings as present;

/// `certatlas findings`.
pub fn findings(args: FindingsArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let opened = Opened::new(&args.listing.store, &args.policy)?;
    let mut tracked = opened.judge(args.scan, clock)?.findings;
    let status = gate(&tracked, &opened.policy);
    if let Some(minimum) = args.severity {
        tracked.retain(|t| t.finding.severity >= minimum);
    }
    present::write_findings(&mut io::stdout().lock(), args.listing.format, &tracked)
        .map_err(stdout_error)?;
    Ok(status)
}

/// Exit status for `--fail-on`: failed when an active finding reaches it.
pub(super) fn gate(
    tracked: &[crate::policy::lifecycle::TrackedFinding],
    policy: &crate::cli::PolicyRequest,
) -> RunStatus {
    match crate::judge::fails(tracked, policy.fail_on) {
        true => RunStatus::Failed,
        false => RunStatus::Complete,
    }
}
