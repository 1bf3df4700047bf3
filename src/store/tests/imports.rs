//! Tests of the `imports` table: a file's digest refuses a second import
//! once the first finished or while it runs; an import whose process died
//! (its scan found interrupted) does not block a retry; the imported scan
//! takes the file's finish time.

use super::{backends, meta, t0};
use crate::store::sql::params;
use crate::store::{ImportStart, NewImport, ScanStatus};

fn file(sha256: &str) -> NewImport {
    NewImport {
        sha256: sha256.into(),
        file_name: "scan.jsonl".into(),
        lines: 3,
        header: true,
    }
}

#[test]
fn a_file_is_imported_once_and_a_dead_import_does_not_block_a_retry() {
    for db in backends() {
        let store = db.open();
        let begun = store.begin_import(&meta(t0()), &file("aa")).unwrap();
        let ImportStart::Begun { scan, import } = begun else {
            panic!("first import refused: {begun:?}");
        };
        // While it runs, the same file is refused.
        let again = store.begin_import(&meta(t0()), &file("aa")).unwrap();
        assert!(matches!(again, ImportStart::AlreadyImported(ref e) if e.scan == scan));
        let finished_at = t0() + time::Duration::minutes(5);
        let summary = serde_json::json!({"complete": true});
        store
            .finish_import(import, scan, true, &summary, Some(finished_at))
            .unwrap();
        let record = store.scan(scan).unwrap().unwrap();
        assert_eq!(
            (record.status, record.finished_at),
            (ScanStatus::Complete, Some(finished_at))
        );
        let done = store.import_of("aa").unwrap().unwrap();
        assert!(done.finished_at.is_some());
        match store.begin_import(&meta(t0()), &file("aa")).unwrap() {
            ImportStart::AlreadyImported(e) => {
                assert_eq!((e.scan, e.scan_status), (scan, ScanStatus::Complete))
            }
            other => panic!("second import began: {other:?}"),
        }
        // An import that died half way: its scan found interrupted.
        let ImportStart::Begun { scan: dead, .. } =
            store.begin_import(&meta(t0()), &file("bb")).unwrap()
        else {
            panic!("refused");
        };
        store
            .conn()
            .execute(
                "UPDATE scans SET status = 'interrupted' WHERE id = ?1",
                params![dead.0],
            )
            .unwrap();
        let ImportStart::Begun { scan: retry, .. } =
            store.begin_import(&meta(t0()), &file("bb")).unwrap()
        else {
            panic!("a dead import blocked its retry");
        };
        assert_ne!(retry, dead);
        assert_eq!(store.import_of("bb").unwrap().unwrap().scan, retry);
    }
}
