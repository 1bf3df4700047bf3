//! What changed with a stored scan: the diff of its endpoints' leaves
//! against the previous complete scan of the same source
//! ([`Store::previous_comparable_scan`]: an import of certificates at rest
//! or of another tool's output is never what a scan is compared with), and
//! the change events recorded from it.
//!
//! Streamed, so that a scan of a million certificates is diffed in
//! bounded memory: both scans' endpoint leaves are read as compact tables
//! ([`EndpointLeafTable`], no views), the certificates new and gone are
//! found by merging their sorted SHA-256s, the endpoints by merging the
//! tables in endpoint order, and a certificate's subject, expiry or view
//! is read only for the leaves an event or a change needs, a batch at a
//! time; the events are written a batch at a time. The diff's items are
//! kept only when asked (`keep`: the demo prints them); the counts always.
//! The inventory summary is folded from the judged leaf models
//! ([`super::summary`]).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Range;

use super::summary::DiffCounts;
use super::{JudgeError, Persist};
use crate::columns::Sha;
use crate::inventory::history::{self, CertificateRef, ScanDiff};
use crate::policy::model::LEAF_CHUNK;
use crate::store::{
    EndpointKey, EndpointLeaf, EndpointLeafTable, EndpointLeaves, EventKind, NewEvent, ScanId,
    ScanSource, Store, StoreError,
};

/// How many certificates are read at a time.
const BATCH: usize = 500;

/// How many events are written at a time.
const EVENTS: usize = 2_000;

/// What changed with a scan: the counts, and the items when kept.
#[derive(Debug, Default)]
pub struct Changes {
    /// The diff's items (empty unless kept).
    pub diff: ScanDiff,
    /// The diff counted.
    pub counts: DiffCounts,
}

/// Diffs `scan` against the previous complete one and records the events
/// (with [`Persist::Record`]), keeping the diff's items when `keep`.
pub fn analyse(
    store: &Store,
    scan: ScanId,
    persist: Persist,
    keep: bool,
) -> Result<Changes, JudgeError> {
    let after = store.endpoint_leaf_table(scan, LEAF_CHUNK)?;
    // an import of certificates at rest has no endpoint: nothing to diff;
    // a peer's import is compared with nothing (its scope is unknown: its
    // endpoints are not "new"), and no scan with it
    let peer = match store.scan(scan)? {
        Some(record) => store.scan_source(&record)? == ScanSource::Peer,
        None => false,
    };
    let mut out = Differ::new(store, scan, persist == Persist::Record, keep);
    if store.at_rest(scan)?.is_empty() && !peer {
        let before = match store.previous_comparable_scan(scan)? {
            Some(previous) => store.endpoint_leaf_table(previous.id, LEAF_CHUNK)?,
            None => EndpointLeafTable::default(),
        };
        out.certificates(&before, &after)?;
        out.endpoints(&before, &after)?;
    }
    out.expired_in_service(&after)?;
    out.events.flush()?;
    Ok(out.changes)
}

/// The diff of scan `to` against scan `from`, with its items (what the
/// `diff` command lists), streamed as [`analyse`] diffs a scan; nothing
/// is written.
pub fn between(store: &Store, from: ScanId, to: ScanId) -> Result<ScanDiff, JudgeError> {
    let (before, after) = (
        store.endpoint_leaf_table(from, LEAF_CHUNK)?,
        store.endpoint_leaf_table(to, LEAF_CHUNK)?,
    );
    let mut out = Differ::new(store, to, false, true);
    out.certificates(&before, &after)?;
    out.endpoints(&before, &after)?;
    Ok(out.changes.diff)
}

/// Events written a batch at a time.
struct Events<'s> {
    store: &'s Store,
    scan: ScanId,
    record: bool,
    pending: Vec<NewEvent>,
}

impl Events<'_> {
    fn push(&mut self, event: NewEvent) -> Result<(), StoreError> {
        if self.record {
            self.pending.push(event);
            if self.pending.len() >= EVENTS {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if !self.pending.is_empty() {
            self.store.record_events(self.scan, &self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }
}

/// The diff in the making.
struct Differ<'s> {
    store: &'s Store,
    keep: bool,
    changes: Changes,
    events: Events<'s>,
}

impl<'s> Differ<'s> {
    /// Nothing diffed yet for `scan`; its events written when `record`,
    /// the diff's items kept when `keep`.
    fn new(store: &'s Store, scan: ScanId, record: bool, keep: bool) -> Differ<'s> {
        let events = Events {
            store,
            scan,
            record,
            pending: Vec::new(),
        };
        Differ {
            store,
            keep,
            changes: Changes::default(),
            events,
        }
    }

    /// The leaves served in only one of the scans, new then gone, each
    /// once, in the order of the scan that has them.
    fn certificates(
        &mut self,
        before: &EndpointLeafTable,
        after: &EndpointLeafTable,
    ) -> Result<(), StoreError> {
        let (old, new) = (distinct_leaves(before), distinct_leaves(after));
        let sides = [
            (after, &old, EventKind::NewCertificate),
            (before, &new, EventKind::CertificateGone),
        ];
        for (these, those, kind) in sides {
            for part in first_only_in(these, those).chunks(BATCH) {
                let texts: Vec<String> = part.iter().map(|sha| these.text_of(*sha)).collect();
                for cert in self.certificate_refs(&texts)? {
                    self.events.push(history::certificate_event(kind, &cert))?;
                    let (count, items) = match kind {
                        EventKind::NewCertificate => (
                            &mut self.changes.counts.new,
                            &mut self.changes.diff.new_certificates,
                        ),
                        _ => (
                            &mut self.changes.counts.gone,
                            &mut self.changes.diff.gone_certificates,
                        ),
                    };
                    *count += 1;
                    if self.keep {
                        items.push(cert);
                    }
                }
            }
        }
        Ok(())
    }

    /// The certificates `texts`, in that order, as the diff shows them.
    fn certificate_refs(&self, texts: &[String]) -> Result<Vec<CertificateRef>, StoreError> {
        let shas: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut found: HashMap<String, _> = (self.store.certificate_headlines(&shas)?)
            .into_iter()
            .map(|h| (h.sha256, (h.subject_dn, h.not_after)))
            .collect();
        let refs = texts.iter().map(|sha| {
            let (subject, not_after) = found.remove(sha).unwrap_or_default();
            CertificateRef {
                sha256: sha.clone(),
                subject,
                not_after,
            }
        });
        Ok(refs.collect())
    }

    /// The endpoints new, gone and changed, in endpoint order: the two
    /// tables merged a run of one (address, port) at a time.
    fn endpoints(
        &mut self,
        before: &EndpointLeafTable,
        after: &EndpointLeafTable,
    ) -> Result<(), StoreError> {
        let mut old = runs(before).peekable();
        let mut new = runs(after).peekable();
        let mut pending = Pending::default();
        loop {
            let order = match (old.peek(), new.peek()) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(o), Some(n)) => before.place(o.start).cmp(&after.place(n.start)),
            };
            match order {
                Ordering::Less => {
                    let run = old.next().expect("peeked");
                    if self.keep {
                        self.changes.diff.gone_endpoints.extend(keys(before, run));
                    }
                }
                Ordering::Greater => {
                    let run = new.next().expect("peeked");
                    if self.keep {
                        self.changes.diff.new_endpoints.extend(keys(after, run));
                    }
                }
                Ordering::Equal => {
                    let (was, is) = (old.next().expect("peeked"), new.next().expect("peeked"));
                    pending.add_place((before, was), (after, is));
                    if pending.leaves >= BATCH {
                        self.resolve(&mut pending, before, after)?;
                    }
                }
            }
        }
        self.resolve(&mut pending, before, after)
    }

    /// Reads the views of the pending endpoints' leaves and records their
    /// changes.
    fn resolve(
        &mut self,
        pending: &mut Pending,
        before: &EndpointLeafTable,
        after: &EndpointLeafTable,
    ) -> Result<(), StoreError> {
        let groups = std::mem::take(&mut pending.groups);
        pending.leaves = 0;
        if groups.is_empty() {
            return Ok(());
        }
        let mut texts: Vec<String> = Vec::new();
        for (old, new) in &groups {
            texts.extend(old.iter().filter_map(|&k| leaf_text(before, k)));
            texts.extend(new.iter().filter_map(|&k| leaf_text(after, k)));
        }
        texts.sort_unstable();
        texts.dedup();
        let shas: Vec<&str> = texts.iter().map(String::as_str).collect();
        let views: HashMap<String, _> = (self.store.certificates_by_sha256(&shas)?)
            .into_iter()
            .map(|c| (c.sha256, c.view))
            .collect();
        let whole = |table: &EndpointLeafTable, k: usize| {
            let mut leaf = table.get(k);
            leaf.leaf = views
                .get(&leaf.leaf_sha256)
                .cloned()
                .flatten()
                .map(Box::new);
            leaf
        };
        for (old, new) in groups {
            let old: Vec<EndpointLeaf> = old.iter().map(|&k| whole(before, k)).collect();
            let new: Vec<EndpointLeaf> = new.iter().map(|&k| whole(after, k)).collect();
            let (old, new): (Vec<&EndpointLeaf>, Vec<&EndpointLeaf>) =
                (old.iter().collect(), new.iter().collect());
            for change in history::changes(&old, &new) {
                for event in history::change_events(&change) {
                    self.events.push(event)?;
                }
                self.changes.counts.changed += 1;
                if self.keep {
                    self.changes.diff.changed.push(change);
                }
            }
        }
        Ok(())
    }

    /// The endpoints of `after` serving a leaf already expired when
    /// observed, the leaves' expiry read a batch at a time.
    fn expired_in_service(&mut self, after: &EndpointLeafTable) -> Result<(), StoreError> {
        let mut start = 0;
        while start < after.len() {
            let batch = start..(start + BATCH).min(after.len());
            start = batch.end;
            let texts: Vec<Option<String>> = batch.clone().map(|k| leaf_text(after, k)).collect();
            let mut shas: Vec<&str> = texts.iter().flatten().map(String::as_str).collect();
            shas.sort_unstable();
            shas.dedup();
            let expiry: HashMap<String, _> = (self.store.certificate_headlines(&shas)?)
                .into_iter()
                .filter_map(|h| Some((h.sha256, h.not_after?)))
                .collect();
            for (k, sha) in batch.zip(&texts) {
                let not_after = sha.as_ref().and_then(|sha| expiry.get(sha).copied());
                if not_after.is_some_and(|at| at < after.observed_at(k)) {
                    let leaf = after.get(k);
                    if let Some(event) = history::expired_at(&leaf, not_after) {
                        self.events.push(event)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Endpoints with changed leaves waiting for their views: the positions
/// of the leaves one name reached at one endpoint, before and after.
#[derive(Default)]
struct Pending {
    groups: Vec<(Vec<usize>, Vec<usize>)>,
    /// How many leaves the groups hold.
    leaves: usize,
}

impl Pending {
    /// Adds the names of one (address, port) present in both scans whose
    /// leaves differ: for each name (or none) reached in both, when a
    /// leaf went and another came.
    fn add_place(
        &mut self,
        (before, was): (&EndpointLeafTable, Range<usize>),
        (after, is): (&EndpointLeafTable, Range<usize>),
    ) {
        for first in first_of_each_name(after, is.clone()) {
            let name = after.sni(first);
            let new: Vec<usize> = is.clone().filter(|&k| after.sni(k) == name).collect();
            let old: Vec<usize> = was.clone().filter(|&k| before.sni(k) == name).collect();
            if old.is_empty() {
                // a deployment (a name) new at a known endpoint
                continue;
            }
            let sha_old = |k: &usize| before.leaf_sha(*k);
            let sha_new = |k: &usize| after.leaf_sha(*k);
            let removed = old
                .iter()
                .any(|o| new.iter().all(|n| sha_new(n) != sha_old(o)));
            let added = new
                .iter()
                .any(|n| old.iter().all(|o| sha_old(o) != sha_new(n)));
            if removed && added {
                self.leaves += old.len() + new.len();
                self.groups.push((old, new));
            }
        }
    }
}

/// The text of the SHA-256 of leaf `k` of `table`, if it has a chain.
fn leaf_text(table: &EndpointLeafTable, k: usize) -> Option<String> {
    table.leaf_sha(k).map(|sha| table.text_of(sha))
}

/// The distinct SHA-256s of `table`'s leaves, sorted.
fn distinct_leaves(table: &EndpointLeafTable) -> Vec<Sha> {
    let mut shas: Vec<Sha> = (0..table.len()).filter_map(|k| table.leaf_sha(k)).collect();
    shas.sort_unstable();
    shas.dedup();
    shas
}

/// The leaves of `these` absent from `those` (sorted), each once, in the
/// order `these` first has them.
fn first_only_in(these: &EndpointLeafTable, those: &[Sha]) -> Vec<Sha> {
    let mut found: Vec<(Sha, usize)> = (0..these.len())
        .filter_map(|k| Some((these.leaf_sha(k)?, k)))
        .filter(|(sha, _)| those.binary_search(sha).is_err())
        .collect();
    // sorted by (SHA-256, position): the first of each is its first place
    found.sort_unstable();
    found.dedup_by_key(|(sha, _)| *sha);
    found.sort_unstable_by_key(|(_, k)| *k);
    found.into_iter().map(|(sha, _)| sha).collect()
}

/// The runs of leaves of one (address, port) in `table`, in order.
fn runs(table: &EndpointLeafTable) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= table.len() {
            return None;
        }
        let place = table.place(start);
        let mut end = start + 1;
        while end < table.len() && table.place(end) == place {
            end += 1;
        }
        let run = start..end;
        start = end;
        Some(run)
    })
}

/// The endpoint keys of `run`, each name once, in key order.
fn keys(table: &EndpointLeafTable, run: Range<usize>) -> impl Iterator<Item = EndpointKey> + '_ {
    let firsts = first_of_each_name(table, run).into_iter();
    firsts.map(|k| table.get(k).endpoint)
}

/// The first leaf of each name sent (or none) in `run`, ordered by name
/// as endpoint keys are (no name first).
fn first_of_each_name(table: &EndpointLeafTable, run: Range<usize>) -> Vec<usize> {
    let mut firsts: Vec<usize> = Vec::new();
    for k in run {
        if firsts.iter().all(|&f| table.sni(f) != table.sni(k)) {
            firsts.push(k);
        }
    }
    firsts.sort_by(|&a, &b| table.sni(a).cmp(&table.sni(b)));
    firsts
}
