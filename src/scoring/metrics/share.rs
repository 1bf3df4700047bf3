//! The subjects of a metric as an accumulator: [`Listed`] keeps the first
//! [`SUBJECT_LIMIT`] subjects and counts them all, [`Share`] counts hits
//! out of the subjects looked at (what the leaf and endpoint tallies fold
//! their subjects into).

use super::{Metric, SUBJECT_LIMIT};

/// Subjects of a metric: the first [`SUBJECT_LIMIT`] and how many in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Listed {
    /// The first ones, in subject order.
    pub first: Vec<String>,
    /// How many there are.
    pub total: u64,
}

impl Listed {
    /// Counts one more subject, keeping its name while there is room.
    pub(super) fn push(&mut self, name: &str) {
        if self.first.len() < SUBJECT_LIMIT {
            self.first.push(name.to_string());
        }
        self.total += 1;
    }
}

/// Hits out of a number of subjects (leaves, endpoints), with the ones
/// listed.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Share {
    /// Subjects for which the property holds.
    pub hits: u64,
    /// Subjects it was looked at on (the denominator).
    pub of: u64,
    /// The subjects that need attention.
    pub subjects: Listed,
}

impl Share {
    /// Counts a subject: a hit or not, and listed or not.
    pub(super) fn count(&mut self, hit: bool, listed: bool, name: &str) {
        self.of += 1;
        self.hits += u64::from(hit);
        if listed {
            self.subjects.push(name);
        }
    }

    /// The share as a percentage metric (`why` when there is no subject).
    pub fn metric(&self, id: &str, why: &str) -> Metric {
        Metric::percent(id, self.hits, self.of, why).with_listed(&self.subjects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_keep_the_first_ones_and_count_all() {
        let mut listed = Listed::default();
        for i in 0..(SUBJECT_LIMIT + 7) {
            listed.push(&i.to_string());
        }
        assert_eq!(listed.total, SUBJECT_LIMIT as u64 + 7);
        assert_eq!(listed.first.len(), SUBJECT_LIMIT);
        assert_eq!(listed.first[0], "0");
    }
}
