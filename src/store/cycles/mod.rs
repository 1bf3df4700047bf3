//! Shard cycles (version 4): which part of which scope each shard scan
//! covers, and the cycle scans made of them once every part is in. This
//! file holds the types; `make` records shards and makes cycles, `read`
//! reads the cycle tables (a shard's part, cycles with their members,
//! every scan's role).

mod make;
mod read;

#[cfg(test)]
pub(super) use make::make_cycle;

use std::collections::BTreeMap;

use serde::Serialize;

use super::records::ScanId;

/// Which part of which scope a shard scan covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShardPart {
    /// Digest of the scan's scope without the shard (same for every part).
    pub scope_key: String,
    /// The part, 1-based (K of `--shard K/N`).
    pub shard: u32,
    /// How many parts the scope is split into (N).
    pub count: u32,
}

/// A made cycle: the cycle scan and the shard scans it unites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cycle {
    /// The cycle scan.
    pub scan: ScanId,
    /// The scope's digest.
    pub scope_key: String,
    /// How many parts.
    pub count: u32,
    /// The member shard scans, in shard order (shard 1 first).
    pub members: Vec<ScanId>,
}

/// What completing a shard scan led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CycleProgress {
    /// Parts are missing; `present` maps each shard that is in (1-based)
    /// to its latest complete scan.
    Waiting {
        /// How many parts the cycle needs.
        count: u32,
        /// The parts in so far.
        present: BTreeMap<u32, ScanId>,
    },
    /// This call made the cycle.
    Made(Cycle),
    /// The cycle was already made (by another scanner) with this scan in it.
    AlreadyMade(Cycle),
}

/// A scan's place in the shard cycles (for `scans` listings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum ScanRole {
    /// A shard scan, and the latest cycle scan it is a member of, if any.
    Shard {
        /// Its part.
        #[serde(flatten)]
        part: ShardPart,
        /// The cycle scan it went into.
        cycle: Option<ScanId>,
    },
    /// A cycle scan.
    Cycle {
        /// The cycle.
        #[serde(flatten)]
        cycle: Cycle,
    },
}
