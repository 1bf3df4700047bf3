//! `certatlas score`: a scan judged in memory, its card (or the trend of
//! scored scans with `--history`, or the ladders with `--ladders`).

use std::io;

use super::judged::Opened;
use super::{stdout_error, AppError, RunStatus};
use crate::cli::settings::store_request;
use crate::cli::ScoreArgs;
use crate::clock::Clock;
use crate::judge::{scored_history, ScoredScan};
use crate::report::audit::TrendPoint;
use crate::report::score as present;

/// `certatlas score`.
pub fn score(args: ScoreArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let mut out = io::stdout().lock();
    if args.ladders {
        let config = store_request(&args.listing.store)?.config;
        let profile = crate::cli::policy::profile(config.as_ref())?;
        present::write_ladders(&mut out, args.listing.format, &profile).map_err(stdout_error)?;
        return Ok(RunStatus::Complete);
    }
    let opened = Opened::new(&args.listing.store, &args.policy)?;
    let judged = opened.judge(args.scan, clock)?;
    if args.history {
        let mut extra = judged.backfilled;
        extra.push((judged.record.id, judged.record.started_at, judged.card));
        let history = scored_history(&opened.store, judged.record.id, extra)?;
        present::write_history(&mut out, args.listing.format, &trend_of(&history))
            .map_err(stdout_error)?;
    } else {
        present::write_score(&mut out, args.listing.format, &judged.card).map_err(stdout_error)?;
    }
    Ok(RunStatus::Complete)
}

/// The trend points of a scored history.
pub(super) fn trend_of(history: &[ScoredScan]) -> Vec<TrendPoint> {
    history
        .iter()
        .map(|(scan, at, card)| TrendPoint::of(*scan, *at, card))
        .collect()
}
