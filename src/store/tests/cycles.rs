//! Tests of shard cycles: when a cycle is made (every shard complete and
//! newer than the last cycle), which shard scan of a part counts, that a
//! cycle is made once, that the cycle scan holds the union of its members'
//! observations, and that the judged-scan reads skip shard scans.

use time::Duration;

use super::{backends, complete_scan, failed_observation, meta, pki, t0, tls_observation};
use crate::observation::{Observation, Outcome};
use crate::store::{Cycle, CycleProgress, ScanId, ScanRole, ScanStatus, ShardPart, Store};

const SCOPE: &str = "scope-a";

fn part(shard: u32) -> ShardPart {
    ShardPart {
        scope_key: SCOPE.into(),
        shard,
        count: 4,
    }
}

/// The observations shard `shard` of four sees: one TLS endpoint on its
/// own address and one closed port.
fn shard_observations(shard: u32, at: time::OffsetDateTime) -> Vec<Observation> {
    let address = format!("127.9.0.{shard}");
    vec![
        tls_observation(&address, 443, None, at, pki().chain(shard as usize - 1)),
        failed_observation(&address, 8443, at, Outcome::Closed),
    ]
}

/// Stores a complete shard scan of `shard`/4 and tries to complete its cycle.
fn run_shard(store: &Store, shard: u32, minutes: i64) -> (ScanId, CycleProgress) {
    let at = t0() + Duration::minutes(minutes);
    let scan = complete_scan(store, at, shard_observations(shard, at));
    store.record_shard(scan, &part(shard)).unwrap();
    (
        scan,
        store.complete_cycle(scan, &part(shard), "test").unwrap(),
    )
}

fn made(progress: CycleProgress) -> Cycle {
    match progress {
        CycleProgress::Made(cycle) => cycle,
        other => panic!("expected a made cycle, got {other:?}"),
    }
}

fn waiting_count(progress: &CycleProgress) -> usize {
    match progress {
        CycleProgress::Waiting { present, count } => {
            assert_eq!(*count, 4);
            present.len()
        }
        other => panic!("expected waiting, got {other:?}"),
    }
}

#[test]
fn a_cycle_with_a_missing_shard_waits() {
    for db in backends() {
        let store = db.open();
        let (_, first) = run_shard(&store, 1, 0);
        assert_eq!(waiting_count(&first), 1);
        run_shard(&store, 2, 1);
        let (_, last) = run_shard(&store, 4, 2);
        assert_eq!(waiting_count(&last), 3);
        assert!(store
            .scan_roles()
            .unwrap()
            .values()
            .all(|r| matches!(r, ScanRole::Shard { cycle: None, .. })));
        assert_eq!(store.latest_scan(true).unwrap(), None);
    }
}

#[test]
fn all_shards_in_make_a_complete_cycle_scan_that_the_judged_reads_see() {
    for db in backends() {
        let store = db.open();
        let before = complete_scan(&store, t0() - Duration::days(1), Vec::new());
        let members: Vec<ScanId> = [3, 1, 4]
            .iter()
            .map(|&k| run_shard(&store, k, k.into()).0)
            .collect();
        let (second, progress) = run_shard(&store, 2, 9);
        let cycle = made(progress);
        assert_eq!(
            cycle.members,
            vec![members[1], second, members[0], members[2]]
        );
        let record = store.scan(cycle.scan).unwrap().unwrap();
        assert_eq!(record.status, ScanStatus::Complete);
        assert_eq!(record.started_at, t0() + Duration::minutes(1));
        assert_eq!(
            record.options["cycle"]["members"].as_array().unwrap().len(),
            4
        );
        assert!(record.options.get("shard").is_none());
        let judged: Vec<ScanId> = store.judged_scans().unwrap().iter().map(|s| s.id).collect();
        assert_eq!(judged, vec![before, cycle.scan]);
        assert_eq!(store.latest_scan(true).unwrap().unwrap().id, cycle.scan);
        assert_eq!(store.previous_scan(cycle.scan).unwrap().unwrap().id, before);
        assert_eq!(store.latest_scan(false).unwrap().unwrap().id, cycle.scan);
        let roles = store.scan_roles().unwrap();
        assert_eq!(
            roles[&second],
            ScanRole::Shard {
                part: part(2),
                cycle: Some(cycle.scan)
            }
        );
        assert_eq!(
            roles[&cycle.scan],
            ScanRole::Cycle {
                cycle: cycle.clone()
            }
        );
    }
}

#[test]
fn a_rerun_shard_replaces_the_older_one_and_an_interrupted_one_never_counts() {
    for db in backends() {
        let store = db.open();
        let (one, _) = run_shard(&store, 1, 0);
        run_shard(&store, 2, 1);
        let (two_again, _) = run_shard(&store, 2, 2);
        let (four, _) = run_shard(&store, 4, 3);
        let cut = store.begin_scan(&meta(t0())).unwrap();
        store.record_shard(cut, &part(3)).unwrap();
        store
            .finish_scan(cut, false, &serde_json::json!({}))
            .unwrap();
        let progress = store.complete_cycle(four, &part(4), "test").unwrap();
        assert_eq!(
            waiting_count(&progress),
            3,
            "the interrupted shard 3 is missing"
        );
        let (three, progress) = run_shard(&store, 3, 5);
        assert_eq!(made(progress).members, vec![one, two_again, three, four]);
    }
}

#[test]
fn a_cycle_is_made_once_and_the_next_needs_every_shard_again() {
    for db in backends() {
        let store = db.open();
        for k in 1..=3 {
            run_shard(&store, k, k.into());
        }
        let (last, progress) = run_shard(&store, 4, 4);
        let cycle = made(progress);
        let scans = store.scans().unwrap().len();
        let again = store.complete_cycle(last, &part(4), "test").unwrap();
        assert_eq!(again, CycleProgress::AlreadyMade(cycle.clone()));
        assert_eq!(store.scans().unwrap().len(), scans, "no second cycle scan");
        // A new round: one re-run shard does not make a cycle with old members.
        let (_, progress) = run_shard(&store, 1, 10);
        assert_eq!(waiting_count(&progress), 1);
    }
}

#[test]
fn a_second_insert_of_the_same_cycle_inserts_nothing() {
    for db in backends() {
        let store = db.open();
        let members: Vec<ScanId> = (1..=4)
            .map(|k| {
                let at = t0() + Duration::minutes(k.into());
                complete_scan(&store, at, shard_observations(k, at))
            })
            .collect();
        let conn = store.conn();
        conn.begin(true).unwrap();
        let made =
            super::super::cycles::make_cycle(conn.as_ref(), &part(1), &members, "test").unwrap();
        assert!(made.is_some());
        conn.commit().unwrap();
        conn.begin(true).unwrap();
        let again =
            super::super::cycles::make_cycle(conn.as_ref(), &part(1), &members, "test").unwrap();
        assert_eq!(
            again, None,
            "the unique key on scope and members refuses it"
        );
        conn.rollback().unwrap(); // the loser rolls back its cycle scan row
        let cycles: i64 = conn
            .one("SELECT count(*) FROM scan_cycles", &[], |r| r.get(0))
            .unwrap();
        assert_eq!(cycles, 1);
    }
}

#[test]
fn two_stores_completing_the_same_cycle_at_once_make_one() {
    for db in backends() {
        let store = db.open();
        for k in 1..=3 {
            run_shard(&store, k, k.into());
        }
        let at = t0() + Duration::minutes(4);
        let last = complete_scan(&store, at, shard_observations(4, at));
        store.record_shard(last, &part(4)).unwrap();
        let barrier = std::sync::Barrier::new(2);
        let outcomes: Vec<CycleProgress> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        let own = db.open();
                        barrier.wait();
                        own.complete_cycle(last, &part(4), "test").unwrap()
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let made: Vec<_> = outcomes
            .iter()
            .filter(|o| matches!(o, CycleProgress::Made(_)))
            .collect();
        assert_eq!(made.len(), 1, "{outcomes:?}");
        assert!(outcomes
            .iter()
            .any(|o| matches!(o, CycleProgress::AlreadyMade(_))));
        assert_eq!(store.judged_scans().unwrap().len(), 1);
    }
}

#[test]
fn the_cycle_scan_holds_the_union_of_its_members_observations() {
    for db in backends() {
        let store = db.open();
        let mut members = Vec::new();
        let mut progress = None;
        for k in 1..=4 {
            let (scan, p) = run_shard(&store, k, k.into());
            members.push(scan);
            progress = Some(p);
        }
        let cycle = made(progress.unwrap());
        let text = |o: &Observation| serde_json::to_string(o).unwrap();
        let mut union: Vec<String> = Vec::new();
        for member in &members {
            union.extend(store.observations(*member).unwrap().iter().map(text));
        }
        let mut copied: Vec<String> = store
            .observations(cycle.scan)
            .unwrap()
            .iter()
            .map(text)
            .collect();
        union.sort();
        copied.sort();
        assert_eq!(
            union.len(),
            4,
            "one TLS endpoint per shard; the closed ports are counted"
        );
        assert_eq!(copied, union);
        let observed = |scan: ScanId| store.scan(scan).unwrap().unwrap().observations;
        let members_total: u64 = members.iter().map(|m| observed(*m)).sum();
        assert_eq!(members_total, 8);
        assert_eq!(
            observed(cycle.scan),
            members_total,
            "the counts are summed too"
        );
        let leaves = store.endpoint_leaves(cycle.scan).unwrap();
        assert_eq!(leaves.len(), 4);
        let history = store.endpoint_history("127.9.0.2", 443, None).unwrap();
        assert_eq!(history.len(), 1, "the cycle's copy is not listed twice");
        assert_eq!(history[0].scan, members[1]);
    }
}
