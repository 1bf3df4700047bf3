-- Revocation status (issue 18): one row per revocation check of a
-- certificate made by `--check-revocation` after a scan was stored. Rows are
-- appended, never updated, so every judged scan reads the newest check made
-- by it or an earlier scan (scan_id <= the judged scan), whenever it is
-- judged again. `source` is `ocsp`, `crl` or `none` (no pointer, or no
-- issuer to ask about); `status` is `good`, `revoked` (with `reason`, an RFC
-- 5280 CRLReason name when given, and `revoked_at`) or `unknown` (with the
-- why in `detail`). `this_update`/`next_update` are the signed answer's;
-- `fresh_until` is when the check stops counting (checked_at plus the
-- freshness window, or nextUpdate when earlier).
-- Portable SQL: plain types, no SQLite-only functions.
CREATE TABLE revocation_checks (
    id           INTEGER PRIMARY KEY,
    scan_id      INTEGER NOT NULL REFERENCES scans (id),
    certificate  TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('ocsp', 'crl', 'none')),
    url          TEXT NOT NULL,
    checked_at   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('good', 'revoked', 'unknown')),
    reason       TEXT,
    revoked_at   TEXT,
    detail       TEXT,
    this_update  TEXT,
    next_update  TEXT,
    fresh_until  TEXT NOT NULL
);
CREATE INDEX revocation_checks_by_certificate ON revocation_checks (certificate, scan_id);
