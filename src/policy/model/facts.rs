//! The per-certificate facts building holds for a whole scan while its
//! models are made a chunk at a time ([`Seen`], [`LeafSummaries`]), in
//! compact form: each certificate is named by its SHA-256 as 32 bytes
//! ([`Sha`]) rather than by its 64-character hex text, the facts sit in
//! vectors sorted by it and searched by binary search rather than in hash
//! maps of strings, and the leaves' names and common names share one text
//! column rather than a `BTreeSet<String>` each: together under two
//! hundred bytes a leaf, where the hash maps of strings took about a
//! kilobyte.

use time::OffsetDateTime;

use crate::certs::CertificateView;
use crate::columns::{OddShas, Sha, TextColumn};

/// What tells the key whose SubjectPublicKeyInfo has the SHA-256 `spki`
/// (hex) apart from other keys: the first half of that SHA-256.
pub(super) fn key_digest(spki: &str) -> u128 {
    Sha::of(spki).half()
}

/// First and last time the inventory saw each parsed certificate of a
/// scan: what building needs of the stored certificates besides their DER
/// and views. Filled with [`Seen::insert`], then [`Seen::seal`]ed before
/// it is read.
#[derive(Debug, Default)]
pub struct Seen {
    /// By SHA-256, sorted once sealed.
    rows: Vec<(Sha, OffsetDateTime, OffsetDateTime)>,
    /// The text of the SHA-256s that were not lowercase hex.
    odd: OddShas,
}

impl Seen {
    /// Notes when the certificate `sha` was first and last seen (a later
    /// note of the same certificate wins).
    pub fn insert(&mut self, sha: &str, (first, last): (OffsetDateTime, OffsetDateTime)) {
        let key = self.odd.note(sha);
        self.rows.push((key, first, last));
    }

    /// Sorts the notes for reading, the last note of each certificate
    /// kept.
    pub fn seal(&mut self) {
        sort_by_sha(&mut self.rows, |row| row.0);
        self.rows.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                *kept = *later;
            }
            same
        });
        self.rows.shrink_to_fit();
    }

    /// When `sha` was first and last seen, if it is a parsed certificate
    /// of the scan.
    pub fn get(&self, sha: &str) -> Option<(OffsetDateTime, OffsetDateTime)> {
        self.get_by(Sha::of(sha))
    }

    /// [`Seen::get`] by the SHA-256 as bytes.
    pub fn get_by(&self, key: Sha) -> Option<(OffsetDateTime, OffsetDateTime)> {
        let at = self.rows.binary_search_by_key(&key, |row| row.0).ok()?;
        let (_, first, last) = self.rows[at];
        Some((first, last))
    }

    /// `sha` is a parsed certificate of the scan.
    pub fn contains(&self, sha: &str) -> bool {
        self.get(sha).is_some()
    }

    /// The SHA-256 of every parsed certificate of the scan, as text, in
    /// no particular order.
    pub fn shas(&self) -> impl Iterator<Item = String> + '_ {
        self.rows.iter().map(|row| self.text_of(row.0))
    }

    /// The text of `sha`, noted here.
    pub fn text_of(&self, sha: Sha) -> String {
        self.odd.text_of(sha)
    }
}

/// Sorts `rows` by SHA-256, equal ones kept in order, unless they are
/// sorted already (as the store reads a scan's certificates): a stable
/// sort takes scratch room of half the rows or more.
fn sort_by_sha<T>(rows: &mut [T], sha: impl Fn(&T) -> Sha) {
    if !rows.is_sorted_by_key(&sha) {
        rows.sort_by_key(sha);
    }
}

/// No piece of text (an absent common name).
const NO_TEXT: u32 = u32::MAX;

/// What building needs of each leaf (served, or found at rest) before its
/// chunk is read, by SHA-256: see [`LeafSummary`]. Filled with
/// [`LeafSummaries::insert`], then [`LeafSummaries::seal`]ed before it is
/// read.
#[derive(Debug, Default)]
pub struct LeafSummaries {
    /// By SHA-256, sorted once sealed.
    rows: Vec<(Sha, SummaryRow)>,
    /// The names and common names, one piece after another.
    text: TextColumn,
}

/// One leaf's facts, its texts as pieces of [`LeafSummaries::text`].
#[derive(Debug, Clone, Copy)]
struct SummaryRow {
    /// The first half of the SHA-256 of its SubjectPublicKeyInfo.
    spki: u128,
    /// Its names: pieces `names.0..names.1`, sorted, distinct.
    names: (u32, u32),
    /// Its first common name: a piece, or [`NO_TEXT`].
    cn: u32,
    is_ca: bool,
    post_quantum: bool,
}

impl LeafSummaries {
    /// Notes the summary of `view`, the certificate `sha` (a later note of
    /// the same certificate wins).
    pub fn insert(&mut self, sha: &str, view: &CertificateView) {
        let names = super::relations::names_of(&view.san.dns, &view.subject.common_names);
        let first = self.text.len();
        for name in &names {
            self.text.push(name);
        }
        let names = (first, self.text.len());
        let cn = match view.subject.common_names.first() {
            Some(cn) => self.text.push(cn),
            None => NO_TEXT,
        };
        let row = SummaryRow {
            spki: key_digest(&view.spki_sha256),
            names,
            cn,
            is_ca: view.is_ca(),
            post_quantum: post_quantum_ready(view),
        };
        self.rows.push((Sha::of(sha), row));
    }

    /// Sorts the summaries for reading, the last note of each certificate
    /// kept (the text of an earlier one stays, unread).
    pub fn seal(&mut self) {
        sort_by_sha(&mut self.rows, |row| row.0);
        self.rows.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                *kept = *later;
            }
            same
        });
        self.rows.shrink_to_fit();
        self.text.shrink_to_fit();
    }

    /// The summary of the leaf `sha`, if it is one.
    pub fn get(&self, sha: &str) -> Option<LeafSummary<'_>> {
        self.get_by(Sha::of(sha))
    }

    /// [`LeafSummaries::get`] by the SHA-256 as bytes.
    pub fn get_by(&self, key: Sha) -> Option<LeafSummary<'_>> {
        let at = self.rows.binary_search_by_key(&key, |row| row.0).ok()?;
        Some(LeafSummary {
            summaries: self,
            row: &self.rows[at].1,
        })
    }

    /// `sha` is a leaf summarised here.
    pub fn contains(&self, sha: &str) -> bool {
        self.get(sha).is_some()
    }
}

/// What building needs of a leaf before its chunk is read: its key, names
/// and first common name (to relate it to the other leaves, and name it in
/// the chain and endpoint models), whether it is a CA, and whether it is
/// post-quantum.
#[derive(Debug, Clone, Copy)]
pub struct LeafSummary<'a> {
    summaries: &'a LeafSummaries,
    row: &'a SummaryRow,
}

impl<'a> LeafSummary<'a> {
    /// Its SubjectPublicKeyInfo, as far as telling keys apart needs (the
    /// first half of its SHA-256).
    pub fn key(&self) -> u128 {
        self.row.spki
    }

    /// The names it speaks for (lowercase SAN DNS names, else CNs),
    /// sorted, each once.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &'a str> + Clone + 'a {
        let summaries = self.summaries;
        (self.row.names.0..self.row.names.1).map(move |n| summaries.text.get(n))
    }

    /// Its first common name.
    pub fn cn(&self) -> Option<&'a str> {
        (self.row.cn != NO_TEXT).then(|| self.summaries.text.get(self.row.cn))
    }

    /// Basic constraints say CA.
    pub fn is_ca(&self) -> bool {
        self.row.is_ca
    }

    /// Its key and signature are both post-quantum (the leaf model's
    /// `post_quantum`), known before its chunk is built: what an endpoint
    /// model's metrics read of its leaf.
    pub fn post_quantum(&self) -> bool {
        self.row.post_quantum
    }
}

/// The key and the signature of `view` are both post-quantum: the
/// certificate model's `post_quantum`, and the leaf summary's (one
/// function, so that the endpoint metrics, which read the summary's, and
/// the leaf metrics, which read the model's, cannot disagree).
pub(super) fn post_quantum_ready(view: &CertificateView) -> bool {
    view.key.algorithm.post_quantum().is_some() && view.signature_algorithm.post_quantum().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "00aa000000000000000000000000000000000000000000000000000000000001";

    #[test]
    fn seen_answers_by_text_and_gives_the_text_back() {
        let t = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
        let mut seen = Seen::default();
        seen.insert("odd sha", (t(1), t(2)));
        seen.insert(A, (t(3), t(4)));
        seen.insert(&A[..63], (t(5), t(6)));
        seen.insert(A, (t(7), t(8)));
        seen.seal();
        assert_eq!(seen.get(A), Some((t(7), t(8))), "the later note wins");
        assert_eq!(seen.get(&A[..63]), Some((t(5), t(6))));
        assert_eq!(seen.get("odd sha"), Some((t(1), t(2))));
        assert!(!seen.contains(&A[..62]));
        let mut shas: Vec<String> = seen.shas().collect();
        shas.sort();
        assert_eq!(shas, [&A[..63], A, "odd sha"]);
    }
}
