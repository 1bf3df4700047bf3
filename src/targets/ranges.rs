//! [`IntervalSet`]: a set of `u128` values (IPv4 or IPv6 addresses as
//! numbers) kept as sorted, disjoint, non-adjacent inclusive intervals, so a
//! `/8` or `::/0` costs one entry. One set holds one address family.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An inclusive interval `(first, last)` of address numbers.
pub(crate) type Interval = (u128, u128);

/// Intervals per explicit port.
pub(crate) type IntervalsByPort = BTreeMap<u16, Vec<Interval>>;

/// Index of the IPv4 family in per-family arrays.
pub(crate) const V4: usize = 0;
/// Index of the IPv6 family in per-family arrays.
pub(crate) const V6: usize = 1;

/// An address as (family index, number).
pub(crate) fn address_number(address: IpAddr) -> (usize, u128) {
    match address {
        IpAddr::V4(v4) => (V4, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (V6, u128::from(v6)),
    }
}

/// The address numbered `number` in `family` (inverse of [`address_number`]).
pub(crate) fn number_address(family: usize, number: u128) -> IpAddr {
    if family == V4 {
        IpAddr::V4(Ipv4Addr::from(number as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(number))
    }
}

/// The family and numeric interval of `first..=last`; `None` when the two
/// are of different families (a spec not made by `parse_spec`).
pub(crate) fn address_interval(first: IpAddr, last: IpAddr) -> Option<(usize, Interval)> {
    let (family, first) = address_number(first);
    let (last_family, last) = address_number(last);
    (family == last_family).then_some((family, (first, last)))
}

/// Sorted, disjoint, non-adjacent inclusive intervals of `u128`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IntervalSet {
    intervals: Vec<(u128, u128)>,
}

impl IntervalSet {
    /// The set covering every `(first, last)` interval given, in any order;
    /// an interval with `first > last` is taken as `(last, first)`.
    pub(crate) fn from_intervals(intervals: impl IntoIterator<Item = (u128, u128)>) -> Self {
        let mut sorted: Vec<(u128, u128)> = intervals
            .into_iter()
            .map(|(a, b)| (a.min(b), a.max(b)))
            .collect();
        sorted.sort_unstable();
        let mut merged: Vec<(u128, u128)> = Vec::with_capacity(sorted.len());
        for (first, last) in sorted {
            match merged.last_mut() {
                Some(previous) if previous.1 == u128::MAX || first <= previous.1 + 1 => {
                    previous.1 = previous.1.max(last);
                }
                _ => merged.push((first, last)),
            }
        }
        IntervalSet { intervals: merged }
    }

    /// The intervals, sorted ascending.
    pub(crate) fn intervals(&self) -> &[(u128, u128)] {
        &self.intervals
    }

    /// Whether the set holds nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// How many values the set holds, saturating at `u128::MAX` (only the
    /// full IPv6 space, 2^128 addresses, does not fit).
    pub(crate) fn count(&self) -> u128 {
        self.intervals.iter().fold(0u128, |total, &(first, last)| {
            total.saturating_add(last - first).saturating_add(1)
        })
    }

    /// Whether `value` is in the set (binary search).
    pub(crate) fn contains(&self, value: u128) -> bool {
        let after = self.intervals.partition_point(|&(first, _)| first <= value);
        after > 0 && self.intervals[after - 1].1 >= value
    }

    /// Whether `value` is in the set, for callers asking about ascending
    /// values: `cursor` (start at 0) only moves forward, so a whole walk costs
    /// one pass over the intervals.
    pub(crate) fn contains_ascending(&self, cursor: &mut usize, value: u128) -> bool {
        while *cursor < self.intervals.len() && self.intervals[*cursor].1 < value {
            *cursor += 1;
        }
        self.intervals
            .get(*cursor)
            .is_some_and(|&(first, _)| first <= value)
    }

    /// Values in `self` or `other`.
    pub(crate) fn union(&self, other: &IntervalSet) -> IntervalSet {
        let both = self.intervals.iter().chain(other.intervals.iter()).copied();
        IntervalSet::from_intervals(both)
    }

    /// Values in `self` but not in `removed`.
    pub(crate) fn subtract(&self, removed: &IntervalSet) -> IntervalSet {
        let mut kept = Vec::with_capacity(self.intervals.len());
        let mut cursor = 0;
        for &(first, last) in &self.intervals {
            // Skip removed intervals wholly below this one; they cannot matter later.
            while cursor < removed.intervals.len() && removed.intervals[cursor].1 < first {
                cursor += 1;
            }
            let mut remaining = Some(first);
            let mut index = cursor;
            while let (Some(start), Some(&(cut_first, cut_last))) =
                (remaining, removed.intervals.get(index))
            {
                if cut_first > last {
                    break;
                }
                if cut_first > start {
                    kept.push((start, cut_first - 1));
                }
                // The `+ 1` runs only when cut_last < last, so it cannot overflow.
                remaining = if cut_last < last {
                    Some(cut_last + 1)
                } else {
                    None
                };
                index += 1;
            }
            if let Some(start) = remaining {
                kept.push((start, last));
            }
        }
        IntervalSet { intervals: kept }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(intervals: &[(u128, u128)]) -> IntervalSet {
        IntervalSet::from_intervals(intervals.iter().copied())
    }

    #[test]
    fn merges_overlapping_adjacent_and_unsorted_intervals() {
        let merged = set(&[(20, 30), (1, 5), (6, 10), (25, 40), (50, 50), (9, 3)]);
        assert_eq!(merged.intervals(), &[(1, 10), (20, 40), (50, 50)]);
        assert_eq!(merged.count(), 10 + 21 + 1);
        assert!(IntervalSet::default().is_empty());
    }

    #[test]
    fn handles_the_full_u128_space() {
        let everything = set(&[(0, u128::MAX), (5, 7)]);
        assert_eq!(everything.intervals(), &[(0, u128::MAX)]);
        assert_eq!(everything.count(), u128::MAX);
        assert!(everything.contains(u128::MAX));
        let top = set(&[(u128::MAX - 1, u128::MAX), (u128::MAX, u128::MAX)]);
        assert_eq!(top.count(), 2);
    }

    #[test]
    fn contains_checks_edges() {
        let values = set(&[(10, 20), (30, 30)]);
        for (value, expected) in [
            (9, false),
            (10, true),
            (20, true),
            (21, false),
            (30, true),
            (31, false),
        ] {
            assert_eq!(values.contains(value), expected, "{value}");
        }
        let mut cursor = 0;
        let ascending: Vec<bool> = [5, 10, 25, 30, 40]
            .iter()
            .map(|&value| values.contains_ascending(&mut cursor, value))
            .collect();
        assert_eq!(ascending, vec![false, true, false, true, false]);
    }

    #[test]
    fn subtract_cuts_holes_edges_and_whole_intervals() {
        let base = set(&[(0, 100), (200, 300), (400, 410)]);
        let removed = set(&[(0, 9), (50, 60), (100, 250), (400, 410)]);
        assert_eq!(
            base.subtract(&removed).intervals(),
            &[(10, 49), (61, 99), (251, 300)]
        );
        assert_eq!(base.subtract(&IntervalSet::default()), base);
        assert!(base.subtract(&set(&[(0, u128::MAX)])).is_empty());
        let everything = set(&[(0, u128::MAX)]);
        let holes = everything.subtract(&set(&[(0, 0), (u128::MAX, u128::MAX)]));
        assert_eq!(holes.intervals(), &[(1, u128::MAX - 1)]);
    }

    #[test]
    fn union_combines_sets() {
        let joined = set(&[(1, 2)]).union(&set(&[(3, 4), (10, 11)]));
        assert_eq!(joined.intervals(), &[(1, 4), (10, 11)]);
    }

    #[test]
    fn address_numbers_round_trip() {
        for text in [
            "0.0.0.0",
            "10.1.2.3",
            "255.255.255.255",
            "::",
            "2001:db8::1",
            "::ffff:1.2.3.4",
        ] {
            let (family, number) = address_number(text.parse::<IpAddr>().unwrap());
            assert_eq!(
                number_address(family, number),
                text.parse::<IpAddr>().unwrap()
            );
        }
        assert_eq!(address_number("0.0.1.0".parse().unwrap()), (V4, 256));
    }
}
