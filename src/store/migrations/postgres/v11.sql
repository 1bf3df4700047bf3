-- PostgreSQL form of schema version 11 (migrations/sqlite/v11.sql): the
-- same statement, an index only. Change it with its SQLite twin; never
-- edit a released one.

-- Schema version 11: the finding lifecycle looks up where given findings
-- were present a slice at a time (`Store::each_presence_of`) instead of
-- reading every scan's presence rows. `findings` has `findings_by_key`
-- (rule_id, subject_key, scan_id) since version 2; the `unobserved`
-- outcomes, which count as presence too, get the same index. An index
-- only: nothing to convert.
-- Portable SQL: plain types, no SQLite-only functions.
CREATE INDEX finding_outcomes_by_key ON finding_outcomes (rule_id, subject_key, scan_id);
