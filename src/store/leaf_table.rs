//! A scan's folded endpoint leaves without their views, held compactly
//! ([`EndpointLeafTable`]): judging a million-leaf scan keeps every one
//! of them while its models are built, and as [`EndpointLeaf`]s (an owned
//! `String` for the address, the host, the name sent, each folded name,
//! the leaf's SHA-256 and every SHA-256 of its chain) they took about 450
//! bytes each. Here a leaf is a 28-byte row, its texts pieces of one
//! column, its chain a run of certificate numbers and each distinct
//! certificate of the scan's chains one 32-byte [`Sha`]: about 120 bytes
//! a leaf. A leaf is made whole again ([`EndpointLeaf`], `leaf: None`)
//! only when a chunk of models needs it ([`EndpointLeafTable::get`]).
//!
//! [`EndpointLeaves`] is what the model building reads, so that the same
//! code serves this table and a slice of leaves read with their views.

use std::borrow::Cow;
use std::collections::HashMap;

use time::OffsetDateTime;

use super::records::{EndpointKey, EndpointLeaf, EndpointName, NameStatus};
use crate::columns::{OddShas, Sha, TextColumn};
use crate::observation::SniSource;

/// Folded endpoint leaves, in order, read back by position.
pub trait EndpointLeaves {
    /// How many leaves there are.
    fn count(&self) -> usize;

    /// The address (as the store files it) and port of leaf `k`'s
    /// endpoint.
    fn place(&self, k: usize) -> (&str, u16);

    /// Leaf `k`, whole.
    fn leaf(&self, k: usize) -> Cow<'_, EndpointLeaf>;
}

impl EndpointLeaves for [EndpointLeaf] {
    fn count(&self) -> usize {
        self.len()
    }

    fn place(&self, k: usize) -> (&str, u16) {
        (self[k].endpoint.address.as_str(), self[k].endpoint.port)
    }

    fn leaf(&self, k: usize) -> Cow<'_, EndpointLeaf> {
        Cow::Borrowed(&self[k])
    }
}

/// One leaf's fixed-size facts; its texts are pieces `3k` (address),
/// `3k + 1` (host) and `3k + 2` (the name sent) of
/// [`EndpointLeafTable::texts`], its names and chain the runs up to its
/// ends.
#[derive(Debug, Clone, Copy)]
struct Row {
    observed_at: OffsetDateTime,
    /// Where its names end in [`EndpointLeafTable::names`].
    names_end: u32,
    /// Where its chain ends in [`EndpointLeafTable::links`].
    links_end: u32,
    port: u16,
    sni_source: SniSource,
    /// [`SNI_SENT`] and [`LEAF_ONLY_CHAIN`].
    marks: u8,
}

/// A name was sent (the third piece is it, else `None`).
const SNI_SENT: u8 = 1;
/// [`EndpointLeaf::leaf_only_chain`].
const LEAF_ONLY_CHAIN: u8 = 2;

/// A scan's folded endpoint leaves without views, compactly; see the
/// module documentation. Filled with [`EndpointLeafTable::push`] in order,
/// then [`EndpointLeafTable::seal`]ed.
#[derive(Debug, Default)]
pub struct EndpointLeafTable {
    rows: Vec<Row>,
    /// Three pieces a row: address, host, the name sent ("" when none).
    texts: TextColumn,
    /// The folded names, a piece each, with their source and status.
    names: Vec<(SniSource, NameStatus)>,
    name_texts: TextColumn,
    /// The chains as sent, leaf first: numbers in `certificates`.
    links: Vec<u32>,
    /// Each distinct certificate of the chains, by number.
    certificates: Vec<Sha>,
    /// Their texts that were not lowercase hex.
    odd: OddShas,
    /// The number of each certificate, while pushing (dropped by `seal`).
    numbers: HashMap<Sha, u32>,
}

impl EndpointLeafTable {
    /// Appends `leaf` (its view, if any, is not kept). The leaf's SHA-256
    /// is the first of its chain, as the store reads them; a leaf whose
    /// SHA-256 is not is refused with a panic, being a bug of the caller.
    pub fn push(&mut self, leaf: &EndpointLeaf) {
        let chain_leaf = leaf.chain.first().map_or("", String::as_str);
        assert_eq!(
            leaf.leaf_sha256, chain_leaf,
            "an endpoint leaf's SHA-256 is the first of its chain"
        );
        self.texts.push(&leaf.endpoint.address);
        self.texts.push(&leaf.host);
        self.texts
            .push(leaf.endpoint.sni.as_deref().unwrap_or_default());
        for name in &leaf.names {
            self.name_texts.push(&name.name);
            self.names.push((name.source, name.status));
        }
        for sha in &leaf.chain {
            let sha = self.odd.note(sha);
            let next = u32::try_from(self.certificates.len())
                .expect("fewer than 2^32 certificates in one scan's chains");
            let number = *self.numbers.entry(sha).or_insert(next);
            if number == next {
                self.certificates.push(sha);
            }
            self.links.push(number);
        }
        let end = |n: usize| u32::try_from(n).expect("fewer than 2^32 names and links a scan");
        let mut marks = 0;
        if leaf.endpoint.sni.is_some() {
            marks |= SNI_SENT;
        }
        if leaf.leaf_only_chain {
            marks |= LEAF_ONLY_CHAIN;
        }
        self.rows.push(Row {
            observed_at: leaf.observed_at,
            names_end: end(self.names.len()),
            links_end: end(self.links.len()),
            port: leaf.endpoint.port,
            sni_source: leaf.sni_source,
            marks,
        });
    }

    /// Done pushing: the interning map is dropped and spare room given
    /// back.
    pub fn seal(&mut self) {
        self.numbers = HashMap::new();
        self.rows.shrink_to_fit();
        self.texts.shrink_to_fit();
        self.names.shrink_to_fit();
        self.name_texts.shrink_to_fit();
        self.links.shrink_to_fit();
        self.certificates.shrink_to_fit();
    }

    /// How many leaves there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No leaf.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The start and end of row `k`'s run in a column whose ends the rows
    /// hold (`end` of a row).
    fn run(&self, k: usize, end: impl Fn(&Row) -> u32) -> std::ops::Range<usize> {
        let start = if k == 0 { 0 } else { end(&self.rows[k - 1]) };
        start as usize..end(&self.rows[k]) as usize
    }

    /// Piece `n` of row `k`'s three texts.
    fn text(&self, k: usize, n: usize) -> &str {
        let piece = u32::try_from(3 * k + n).expect("fewer than 2^32 pieces of text");
        self.texts.get(piece)
    }

    /// The name leaf `k` was probed with, if any.
    pub fn sni(&self, k: usize) -> Option<&str> {
        (self.rows[k].marks & SNI_SENT != 0).then(|| self.text(k, 2))
    }

    /// Leaf `k`'s chain as sent, leaf first: certificate numbers, equal
    /// for equal certificates (see [`EndpointLeafTable::certificate`]).
    pub fn chain(&self, k: usize) -> &[u32] {
        &self.links[self.run(k, |r| r.links_end)]
    }

    /// The SHA-256 of leaf `k`'s certificate, if it has a chain.
    pub fn leaf_sha(&self, k: usize) -> Option<Sha> {
        let first = self.chain(k).first()?;
        Some(self.certificates[*first as usize])
    }

    /// Certificate number `n` of the chains.
    pub fn certificate(&self, n: u32) -> Sha {
        self.certificates[n as usize]
    }

    /// The text of `sha`, a certificate of the chains.
    pub fn text_of(&self, sha: Sha) -> String {
        self.odd.text_of(sha)
    }

    /// The chain of leaf `k` as the SHA-256s' texts.
    pub fn chain_texts(&self, k: usize) -> Vec<String> {
        let texts = self.chain(k).iter();
        texts.map(|n| self.text_of(self.certificate(*n))).collect()
    }

    /// Every observation of leaf `k`'s chain in the scan was of the leaf
    /// alone ([`EndpointLeaf::leaf_only_chain`]).
    pub fn leaf_only_chain(&self, k: usize) -> bool {
        self.rows[k].marks & LEAF_ONLY_CHAIN != 0
    }

    /// When leaf `k` was observed.
    pub fn observed_at(&self, k: usize) -> OffsetDateTime {
        self.rows[k].observed_at
    }

    /// Leaf `k`, whole (without its view).
    pub fn get(&self, k: usize) -> EndpointLeaf {
        let row = &self.rows[k];
        let chain = self.chain_texts(k);
        let names = self.run(k, |r| r.names_end).map(|n| {
            let (source, status) = self.names[n];
            let text = u32::try_from(n).expect("fewer than 2^32 names");
            EndpointName {
                name: self.name_texts.get(text).to_string(),
                source,
                status,
            }
        });
        EndpointLeaf {
            endpoint: EndpointKey {
                address: self.text(k, 0).to_string(),
                port: row.port,
                sni: self.sni(k).map(str::to_string),
            },
            host: self.text(k, 1).to_string(),
            sni_source: row.sni_source,
            names: names.collect(),
            leaf_sha256: chain.first().cloned().unwrap_or_default(),
            leaf: None,
            chain,
            leaf_only_chain: self.leaf_only_chain(k),
            observed_at: row.observed_at,
        }
    }

    /// The same leaves ordered by endpoint (address, port), one endpoint's
    /// leaves kept in their order: as they come when the store returns
    /// endpoints in byte order of their addresses (SQLite), else made so
    /// with a second table for a moment (PostgreSQL orders text by its
    /// collation).
    pub fn by_place(self) -> EndpointLeafTable {
        let place = |k: usize| EndpointLeaves::place(&self, k);
        if (1..self.len()).all(|k| place(k - 1) <= place(k)) {
            return self;
        }
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| place(a).cmp(&place(b)));
        let mut sorted = EndpointLeafTable::default();
        for k in order {
            sorted.push(&self.get(k));
        }
        sorted.seal();
        sorted
    }

    /// Where the leaves at `place` (address, port) are: a range of
    /// positions of a table in endpoint order ([`EndpointLeafTable::by_place`]),
    /// empty when none is there.
    pub fn at_place(&self, place: (&str, u16)) -> std::ops::Range<usize> {
        let first_not = |before: &dyn Fn((&str, u16)) -> bool| {
            let (mut low, mut high) = (0, self.len());
            while low < high {
                let mid = low + (high - low) / 2;
                match before(EndpointLeaves::place(self, mid)) {
                    true => low = mid + 1,
                    false => high = mid,
                }
            }
            low
        };
        first_not(&|p| p < place)..first_not(&|p| p <= place)
    }

    /// Every leaf, whole, in order.
    pub fn iter(&self) -> impl Iterator<Item = EndpointLeaf> + '_ {
        (0..self.len()).map(|k| self.get(k))
    }
}

impl EndpointLeaves for EndpointLeafTable {
    fn count(&self) -> usize {
        self.len()
    }

    fn place(&self, k: usize) -> (&str, u16) {
        (self.text(k, 0), self.rows[k].port)
    }

    fn leaf(&self, k: usize) -> Cow<'_, EndpointLeaf> {
        Cow::Owned(self.get(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    fn leaf(address: &str, sni: Option<&str>, chain: &[String]) -> EndpointLeaf {
        EndpointLeaf {
            endpoint: EndpointKey {
                address: address.into(),
                port: 8443,
                sni: sni.map(str::to_string),
            },
            host: format!("host of {address}"),
            sni_source: SniSource::Discovered,
            names: Vec::new(),
            leaf_sha256: chain.first().cloned().unwrap_or_default(),
            leaf: None,
            chain: chain.to_vec(),
            leaf_only_chain: false,
            observed_at: OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time"),
        }
    }

    #[test]
    fn every_leaf_comes_back_as_it_was_pushed() {
        let mut named = leaf("10.0.0.1", None, &[sha(1), sha(9)]);
        named.names = vec![
            EndpointName {
                name: "a.test".into(),
                source: SniSource::Target,
                status: NameStatus::Served,
            },
            EndpointName {
                name: "b.test".into(),
                source: SniSource::Broadcast,
                status: NameStatus::NotServed,
            },
        ];
        let mut leaf_only = leaf("10.0.0.1", Some(""), &[sha(2)]);
        leaf_only.leaf_only_chain = true;
        leaf_only.sni_source = SniSource::Target;
        let leaves = vec![
            named,
            leaf_only,
            leaf("host.test", Some("deploy.test"), &[sha(3), sha(9), sha(8)]),
            leaf("", None, &[]),
            leaf("10.0.0.2", None, &["odd text".into(), sha(9)]),
            leaf("10.0.0.3", None, &[sha(1), sha(9)]),
        ];
        let mut table = EndpointLeafTable::default();
        for l in &leaves {
            table.push(l);
        }
        table.seal();
        assert_eq!(table.iter().collect::<Vec<_>>(), leaves);
        assert_eq!(table.len(), leaves.len());
        // an empty name sent is a name sent
        assert_eq!(table.sni(1), Some(""));
        assert_eq!(table.sni(0), None);
        // the same certificate is the same number wherever it is
        assert_eq!(table.chain(0), table.chain(5));
        assert_eq!(table.chain(0)[1], table.chain(2)[1]);
        assert_eq!(table.leaf_sha(3), None);
        assert_eq!(table.leaf_sha(2).map(|s| s.hex()), Some(sha(3)));
        let place = |k| EndpointLeaves::place(&table, k);
        assert_eq!(place(2), ("host.test", 8443));
        assert_eq!(leaves[..].place(2), place(2));
        // ordered by endpoint, one endpoint's leaves in their order
        let table = table.by_place();
        let sorted: Vec<EndpointLeaf> = table.iter().collect();
        let mut expected = leaves.clone();
        expected.sort_by(|a, b| {
            let place = |l: &EndpointLeaf| (l.endpoint.address.clone(), l.endpoint.port);
            place(a).cmp(&place(b))
        });
        assert_eq!(sorted, expected);
        assert_ne!(sorted, leaves, "the test's leaves were out of order");
        // the leaves at each place, and none where there are none
        for l in &leaves {
            let place = (l.endpoint.address.as_str(), l.endpoint.port);
            let at = table.at_place(place);
            let want: Vec<&EndpointLeaf> = (expected.iter())
                .filter(|e| (e.endpoint.address.as_str(), e.endpoint.port) == place)
                .collect();
            let got: Vec<EndpointLeaf> = at.map(|k| table.get(k)).collect();
            assert_eq!(got.iter().collect::<Vec<_>>(), want, "{place:?}");
        }
        assert!(table.at_place(("0.0.0.0", 1)).is_empty());
        assert!(table.at_place(("zzz", 1)).is_empty());
    }

    #[test]
    #[should_panic(expected = "first of its chain")]
    fn a_leaf_that_is_not_its_chains_first_is_refused() {
        let mut other = leaf("10.0.0.1", None, &[sha(1)]);
        other.leaf_sha256 = sha(2);
        EndpointLeafTable::default().push(&other);
    }
}
