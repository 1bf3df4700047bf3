//! The read-only commands' way to a judged scan: open the inventory, load
//! the policy, pick the scan, and judge it in memory (nothing written).
//! Used by `findings`, `score`, `report` and `metrics`.

use super::listings::{open, pick_record};
use super::AppError;
use crate::cli::policy::policy_request;
use crate::cli::{PolicyArgs, PolicyRequest, StoreArgs};
use crate::clock::Clock;
use crate::config::Config;
use crate::judge::{InventoryContext, Judge, Judged, ModelRetention, Persist, LEAF_CHUNK};
use crate::store::Store;

/// A scan judged in memory, with what went into it.
pub(super) struct Opened {
    /// The store.
    pub store: Store,
    /// The trust and owner context.
    pub context: InventoryContext,
    /// The config, when one was used.
    pub config: Option<Config>,
    /// The rules, profile and claims used.
    pub policy: PolicyRequest,
}

impl Opened {
    /// Opens the inventory and loads the policy of `store_args` and
    /// `policy_args`.
    pub fn new(store_args: &StoreArgs, policy_args: &PolicyArgs) -> Result<Opened, AppError> {
        let (store, context, config) = open(store_args)?;
        let policy = policy_request(policy_args, config.as_ref())?;
        Ok(Opened {
            store,
            context,
            config,
            policy,
        })
    }

    /// Judges the scan asked for (default: the latest complete one) in
    /// memory, without keeping its leaf models.
    pub fn judge(&self, scan: Option<i64>, clock: Clock) -> Result<Judged, AppError> {
        self.judge_keeping(scan, clock, ModelRetention::Fold)
    }

    /// Judges the scan as [`Opened::judge`] does, handing each tracked
    /// finding to `sink` as it is tracked instead of collecting them
    /// (`findings` then empty): what `findings --format json|csv` writes
    /// out one by one.
    pub fn judge_streaming(
        &self,
        scan: Option<i64>,
        clock: Clock,
        sink: &mut dyn FnMut(crate::policy::lifecycle::TrackedFinding),
    ) -> Result<Judged, AppError> {
        let record = pick_record(&self.store, scan)?;
        let keep = ModelRetention::Fold;
        Ok(self
            .judge_with(clock)
            .judge_streaming(record, LEAF_CHUNK, keep, sink)?)
    }

    /// The in-memory judge of this inventory and policy.
    pub fn judge_with(&self, clock: Clock) -> Judge<'_> {
        Judge {
            store: &self.store,
            context: &self.context,
            policy: &self.policy,
            clock,
            persist: Persist::InMemory,
        }
    }

    /// [`Opened::judge`], keeping the leaf models as `keep` says.
    pub fn judge_keeping(
        &self,
        scan: Option<i64>,
        clock: Clock,
        keep: ModelRetention,
    ) -> Result<Judged, AppError> {
        let record = pick_record(&self.store, scan)?;
        Ok(self
            .judge_with(clock)
            .judge_in_chunks(record, LEAF_CHUNK, keep)?)
    }
}
