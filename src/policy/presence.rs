//! Where findings were present (or unobserved) on the timeline before the
//! scan being tracked, for the findings tracking asks about only: the
//! current scan's and those the previous scan left open. The stored
//! presence rows of every earlier scan are streamed through
//! [`Presence::add`] and folded into one bit per timeline scan for the
//! keys asked about, so memory follows the findings of two scans, not the
//! rows of the whole history. A key is held as its [`KeyDigest`] (16
//! bytes) and its bits in one shared array, not as the rule's and the
//! subject's strings: at 700,000 findings the index takes tens of MB.

use std::collections::{BTreeMap, HashMap};

use time::OffsetDateTime;

use crate::certs::digest::{digest, DigestAlgorithm};
use crate::store::ScanId;

/// The scans on the timeline with their times (see
/// [`lifecycle::Timeline`](super::lifecycle::Timeline)).
type Timeline = BTreeMap<ScanId, OffsetDateTime>;

/// A finding's identity `(rule, subject key)` in 16 bytes: the first half
/// of the SHA-256 of the rule, a NUL and the subject key (neither holds a
/// NUL in a way that could make two pairs one: a rule id is a dotted name).
/// Two distinct keys share a digest with a chance of about 2⁻¹²⁸ per pair,
/// and no one can aim for it without breaking SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyDigest(u128);

impl KeyDigest {
    /// The digest of `(rule, key)`.
    pub fn of(rule: &str, key: &str) -> KeyDigest {
        let mut input = Vec::with_capacity(rule.len() + 1 + key.len());
        input.extend_from_slice(rule.as_bytes());
        input.push(0);
        input.extend_from_slice(key.as_bytes());
        let sha = digest(DigestAlgorithm::Sha256, &input);
        let mut half = [0u8; 16];
        half.copy_from_slice(&sha[..16]);
        KeyDigest(u128::from_be_bytes(half))
    }

    /// The digest as two words, high first (ordered as the digest is):
    /// 16 bytes aligned to 8, where a `u128` is aligned to 16.
    pub fn words(self) -> [u64; 2] {
        [(self.0 >> 64) as u64, self.0 as u64]
    }
}

/// The presence of the keys asked about, on the timeline before `scan`.
#[derive(Debug, Clone)]
pub struct Presence {
    /// Position of each timeline scan before the tracked one, oldest 0.
    positions: HashMap<ScanId, usize>,
    /// 64-bit words per key: one bit per position.
    words: usize,
    /// Each key asked about → its slot in `bits`.
    slots: HashMap<KeyDigest, u32>,
    /// `words` words per slot, slot after slot.
    bits: Vec<u64>,
}

impl Presence {
    /// Presence before `scan` on `timeline` of the findings keyed
    /// `(rule, subject key)` in `wanted`; rows of other keys are ignored.
    pub fn new<'k>(
        scan: ScanId,
        timeline: &Timeline,
        wanted: impl IntoIterator<Item = (&'k str, &'k str)>,
    ) -> Presence {
        let wanted = wanted
            .into_iter()
            .map(|(rule, key)| KeyDigest::of(rule, key));
        Presence::of_digests(scan, timeline, wanted)
    }

    /// [`Presence::new`] of keys whose digests the caller holds already.
    pub fn of_digests(
        scan: ScanId,
        timeline: &Timeline,
        wanted: impl IntoIterator<Item = KeyDigest>,
    ) -> Presence {
        let positions: HashMap<ScanId, usize> = timeline
            .range(..scan)
            .enumerate()
            .map(|(n, (id, _))| (*id, n))
            .collect();
        let words = positions.len().div_ceil(64);
        let mut slots = HashMap::new();
        for key in wanted {
            let next = slots.len() as u32;
            slots.entry(key).or_insert(next);
        }
        slots.shrink_to_fit();
        let bits = vec![0; slots.len() * words];
        Presence {
            positions,
            words,
            slots,
            bits,
        }
    }

    /// Where `(rule, key)` was present: its digest is taken once, then
    /// each scan asked about is one bit test.
    pub fn row(&self, rule: &str, key: &str) -> Row<'_> {
        self.row_of(KeyDigest::of(rule, key))
    }

    /// [`Presence::row`] of a key whose digest the caller holds already.
    pub fn row_of(&self, key: KeyDigest) -> Row<'_> {
        let words = self.slots.get(&key).map(|&slot| {
            let slot = slot as usize;
            &self.bits[slot * self.words..(slot + 1) * self.words]
        });
        Row {
            positions: &self.positions,
            words,
        }
    }

    /// Notes that `(rule, key)` was present (or unobserved) at scan `at`;
    /// nothing for a key not asked about or a scan not on the timeline
    /// before the tracked one.
    pub fn add(&mut self, at: ScanId, rule: &str, key: &str) {
        self.add_digest(at, KeyDigest::of(rule, key));
    }

    /// [`Presence::add`] of a key whose digest the caller holds already.
    pub fn add_digest(&mut self, at: ScanId, key: KeyDigest) {
        let Some(&position) = self.positions.get(&at) else {
            return;
        };
        let Some(&slot) = self.slots.get(&key) else {
            return;
        };
        let word = slot as usize * self.words + position / 64;
        self.bits[word] |= 1 << (position % 64);
    }

    /// The timeline scans before the tracked one (of `earlier`, newest
    /// first) at which `(rule, key)` was present, newest first.
    pub fn scans<'e>(
        &'e self,
        rule: &str,
        key: &str,
        earlier: &'e [ScanId],
    ) -> impl Iterator<Item = ScanId> + 'e {
        self.row(rule, key).scans(earlier)
    }

    /// Whether `(rule, key)` was present at the earlier scan `at`.
    pub fn at(&self, rule: &str, key: &str, at: ScanId) -> bool {
        self.row(rule, key).at(at)
    }
}

/// The presence of one key ([`Presence::row`]).
#[derive(Debug, Clone, Copy)]
pub struct Row<'p> {
    positions: &'p HashMap<ScanId, usize>,
    /// `None` for a key not asked about (present nowhere).
    words: Option<&'p [u64]>,
}

impl<'p> Row<'p> {
    /// Whether the key was present at the earlier scan `at`.
    pub fn at(&self, at: ScanId) -> bool {
        match (self.words, self.positions.get(&at)) {
            (Some(bits), Some(&p)) => bits[p / 64] & (1 << (p % 64)) != 0,
            _ => false,
        }
    }

    /// The scans of `earlier` (newest first) at which the key was
    /// present, newest first.
    pub fn scans<'e>(self, earlier: &'e [ScanId]) -> impl Iterator<Item = ScanId> + 'e
    where
        'p: 'e,
    {
        earlier.iter().copied().filter(move |id| self.at(*id))
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
