-- certatlas inventory schema, migration 1 (initial inventory).
-- Documented in schema.rs and the README (section "The inventory database").

CREATE TABLE scans (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    status       TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted')),
    targets      TEXT NOT NULL,
    options      TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    host         TEXT NOT NULL,
    summary      TEXT
);
CREATE INDEX scans_by_status ON scans (status);

CREATE TABLE endpoints (
    id         INTEGER PRIMARY KEY,
    address    TEXT NOT NULL,
    port       INTEGER NOT NULL,
    sni        TEXT NOT NULL DEFAULT '',
    host       TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    UNIQUE (address, port, sni)
);

CREATE TABLE certificates (
    id                  INTEGER PRIMARY KEY,
    sha256              TEXT NOT NULL UNIQUE,
    der                 BLOB NOT NULL,
    spki_sha256         TEXT,
    subject_dn          TEXT,
    issuer_dn           TEXT,
    subject_cn          TEXT,
    not_before          TEXT,
    not_after           TEXT,
    key_algorithm       TEXT,
    key_bits            INTEGER,
    signature_algorithm TEXT,
    is_ca               INTEGER,
    self_signed         INTEGER,
    view                TEXT,
    parse_error         TEXT,
    first_seen          TEXT NOT NULL,
    last_seen           TEXT NOT NULL
);
CREATE INDEX certificates_by_not_after ON certificates (not_after);
CREATE INDEX certificates_by_issuer ON certificates (issuer_dn);
CREATE INDEX certificates_by_spki ON certificates (spki_sha256);

CREATE TABLE chains (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    length      INTEGER NOT NULL
);

CREATE TABLE chain_links (
    chain_id       INTEGER NOT NULL REFERENCES chains (id),
    position       INTEGER NOT NULL,
    certificate_id INTEGER NOT NULL REFERENCES certificates (id),
    PRIMARY KEY (chain_id, position)
) WITHOUT ROWID;
CREATE INDEX chain_links_by_certificate ON chain_links (certificate_id);

CREATE TABLE observations (
    id                  INTEGER PRIMARY KEY,
    scan_id             INTEGER NOT NULL REFERENCES scans (id),
    endpoint_id         INTEGER NOT NULL REFERENCES endpoints (id),
    host                TEXT NOT NULL,
    observed_at         TEXT NOT NULL,
    duration_ms         REAL NOT NULL,
    status              TEXT NOT NULL,
    reason              TEXT NOT NULL,
    detail              TEXT NOT NULL,
    tls                 TEXT,
    tls_version         TEXT,
    chain_id            INTEGER REFERENCES chains (id),
    leaf_certificate_id INTEGER REFERENCES certificates (id),
    verdict             TEXT,
    extra               TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX observations_by_scan ON observations (scan_id, chain_id);
CREATE INDEX observations_by_endpoint ON observations (endpoint_id, observed_at);
CREATE INDEX observations_by_chain ON observations (chain_id);
CREATE INDEX observations_by_leaf ON observations (leaf_certificate_id);

CREATE TABLE events (
    id                 INTEGER PRIMARY KEY,
    scan_id            INTEGER NOT NULL REFERENCES scans (id),
    kind               TEXT NOT NULL,
    endpoint_id        INTEGER REFERENCES endpoints (id),
    old_certificate_id INTEGER REFERENCES certificates (id),
    new_certificate_id INTEGER REFERENCES certificates (id),
    lead_days          REAL,
    detail             TEXT NOT NULL,
    at                 TEXT NOT NULL
);
CREATE INDEX events_by_scan ON events (scan_id);
CREATE INDEX events_by_endpoint ON events (endpoint_id);
