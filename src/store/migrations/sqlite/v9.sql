-- Schema version 9: imported JSON Lines files (`certatlas import`). One
-- row per imported file, unique on the SHA-256 of its bytes: importing the
-- same file twice is refused, naming the scan it became. `lines` counts
-- the file's lines, `header` is 1 when it began with a `"record": "scan"`
-- line (targets and options known) and 0 for an older file (options
-- unknown). `finished_at` stays NULL until every observation is stored
-- and the scan closed: a row whose import died half way (its scan then
-- found interrupted) does not block importing the file again.
-- Portable SQL: plain types, no SQLite-only functions.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    scan_id     INTEGER NOT NULL REFERENCES scans (id),
    sha256      TEXT NOT NULL UNIQUE,
    file_name   TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    header      INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX imports_by_scan ON imports (scan_id);
