//! Where findings were present (or unobserved) on the timeline before the
//! scan being tracked, for the findings tracking asks about only: the
//! current scan's and those the previous scan left open. The stored
//! presence rows of every earlier scan are streamed through
//! [`Presence::add`] and folded into one bit per timeline scan for the
//! keys asked about, so memory follows the findings of two scans, not the
//! rows of the whole history.

use std::collections::{BTreeMap, HashMap};

use time::OffsetDateTime;

use crate::store::ScanId;

/// The scans on the timeline with their times (see
/// [`lifecycle::Timeline`](super::lifecycle::Timeline)).
type Timeline = BTreeMap<ScanId, OffsetDateTime>;

/// One bit per timeline scan before the tracked one.
type Bits = Vec<u64>;

/// The presence of the keys asked about, on the timeline before `scan`.
#[derive(Debug, Clone)]
pub struct Presence {
    /// Position of each timeline scan before the tracked one, oldest 0.
    positions: HashMap<ScanId, usize>,
    /// Rule → subject key → the positions it was present at.
    keys: HashMap<String, HashMap<String, Bits>>,
}

impl Presence {
    /// Presence before `scan` on `timeline` of the findings keyed
    /// `(rule, subject key)` in `wanted`; rows of other keys are ignored.
    pub fn new<'k>(
        scan: ScanId,
        timeline: &Timeline,
        wanted: impl IntoIterator<Item = (&'k str, &'k str)>,
    ) -> Presence {
        let positions: HashMap<ScanId, usize> = timeline
            .range(..scan)
            .enumerate()
            .map(|(n, (id, _))| (*id, n))
            .collect();
        let words = positions.len().div_ceil(64);
        let mut keys: HashMap<String, HashMap<String, Bits>> = HashMap::new();
        for (rule, key) in wanted {
            let subjects = match keys.get_mut(rule) {
                Some(subjects) => subjects,
                None => keys.entry(rule.to_string()).or_default(),
            };
            if !subjects.contains_key(key) {
                subjects.insert(key.to_string(), vec![0; words]);
            }
        }
        Presence { positions, keys }
    }

    /// Notes that `(rule, key)` was present (or unobserved) at scan `at`;
    /// nothing for a key not asked about or a scan not on the timeline
    /// before the tracked one.
    pub fn add(&mut self, at: ScanId, rule: &str, key: &str) {
        let Some(&position) = self.positions.get(&at) else {
            return;
        };
        let Some(bits) = self.keys.get_mut(rule).and_then(|s| s.get_mut(key)) else {
            return;
        };
        bits[position / 64] |= 1 << (position % 64);
    }

    /// The timeline scans before the tracked one (of `earlier`, newest
    /// first) at which `(rule, key)` was present, newest first.
    pub fn scans<'e>(
        &'e self,
        rule: &str,
        key: &str,
        earlier: &'e [ScanId],
    ) -> impl Iterator<Item = ScanId> + 'e {
        let bits = self.keys.get(rule).and_then(|s| s.get(key));
        earlier.iter().copied().filter(move |id| {
            let at = self.positions.get(id);
            match (bits, at) {
                (Some(bits), Some(&p)) => bits[p / 64] & (1 << (p % 64)) != 0,
                _ => false,
            }
        })
    }

    /// Whether `(rule, key)` was present at the earlier scan `at`.
    pub fn at(&self, rule: &str, key: &str, at: ScanId) -> bool {
        let bits = self.keys.get(rule).and_then(|s| s.get(key));
        match (bits, self.positions.get(&at)) {
            (Some(bits), Some(&p)) => bits[p / 64] & (1 << (p % 64)) != 0,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_asked_about_and_scans_before_the_tracked_one_count() {
        let timeline: Timeline = (1..=70)
            .map(|n| (ScanId(n), OffsetDateTime::UNIX_EPOCH))
            .collect();
        let mut presence = Presence::new(ScanId(70), &timeline, [("r", "a"), ("r", "b")]);
        for at in [1, 2, 65, 69, 70] {
            presence.add(ScanId(at), "r", "a");
        }
        presence.add(ScanId(3), "r", "other");
        presence.add(ScanId(99), "r", "b");
        let earlier: Vec<ScanId> = (1..70).rev().map(ScanId).collect();
        let a: Vec<ScanId> = presence.scans("r", "a", &earlier).collect();
        assert_eq!(a, vec![ScanId(69), ScanId(65), ScanId(2), ScanId(1)]);
        assert!(presence.at("r", "a", ScanId(65)));
        assert!(!presence.at("r", "a", ScanId(64)));
        assert_eq!(presence.scans("r", "b", &earlier).count(), 0);
        assert_eq!(presence.scans("r", "other", &earlier).count(), 0);
    }
}
