//! certatlas: TLS certificate discovery and a certificate inventory kept
//! across scans.
//!
//! The top-level modules are the stages of one pipeline, and data flows
//! one way through them. A module names only itself, the leaf vocabulary
//! and the stages before it in this order (`tests/layers.rs` fails the
//! tests otherwise; `docs/ARCHITECTURE.md` has the picture and what each
//! stage owns):
//!
//! ```text
//! targets → certs → tls → probe → scan → store → inventory → revocation
//!   → config → policy → scoring → judge → report → evidence → alerts
//!   → import → demo → cli → app
//! ```
//!
//! Leaf vocabulary, which every stage may use: [`clock`] (the one source
//! of "now"), [`at_rest`] (certificates found in files), [`platform`] (what
//! certatlas asks of the OS), [`parallel`] (work split over cores),
//! [`schedule`] (when `watch` runs: intervals, cron, skipped slots,
//! jitter), [`pem`] (DER as base64 and PEM text), [`observation`] (the
//! record of one probe), [`located`] (the `FILE:LINE:COL: problem`
//! error), [`time_text`] (instants as text), [`sanitize`] (hostile text for
//! terminals and CSV), [`document`] (strict TOML files), [`rule_vocabulary`]
//! (severity and subject kind), [`exception`] (an accepted exception to
//! the rules), [`http`] (HTTP/1.1 over hyper: the bounded
//! client revocation fetches with, the server behind `watch
//! --metrics-listen`).
//!
//! The stages:
//!
//! - [`targets`]: target specs, port lists, exclusions, the lazy stream.
//! - [`certs`]: DER → [`certs::CertificateView`] (x509-parser), signature
//!   links between certificates, digests, RSA keys of any size (the lab's
//!   legacy ones) and the secure random generator.
//! - [`tls`]: our TLS stack over rustls: providers, the Mozilla roots, the
//!   scanner's capturing client, the verifying client (webhooks,
//!   PostgreSQL), the lab's servers.
//! - [`probe`]: one endpoint → its [`observation::Observation`]s: connect,
//!   STARTTLS, the handshake through [`tls`], the legacy ClientHello, the
//!   strict verdict.
//! - [`scan`]: the bounded-concurrency engine and the run summary.
//! - [`store`]: the database of every stage (SQLite or PostgreSQL, one
//!   migration file per version and database): scans, observations,
//!   certificates, events, findings, scores, the alert outbox, shard
//!   cycles, scope locks.
//! - [`inventory`]: CA classes, owners, diffs between scans, the
//!   inventory view.
//! - [`revocation`]: `--check-revocation`: OCSP and CRL answers for the
//!   scan's certificates, fetched after it is stored, before it is judged.
//! - [`config`]: the config file, one file per section.
//! - [`policy`]: rule files, CEL expressions, subject models, evaluation,
//!   the finding lifecycle.
//! - [`scoring`]: metrics, PKIMM ladders, the score card, claims.
//! - [`judge`]: what a stored scan means: diff and change events, rule
//!   findings and their lifecycle, metrics and the maturity score; one
//!   stage run after every scan and by every command that shows them.
//! - [`report`]: every output format; presentation only.
//! - [`evidence`]: the report bundle's manifest of SHA-256 digests, its
//!   Ed25519 signature, and verification of a bundle.
//! - [`alerts`]: webhook alerts from a stored scan's findings, shadow CAs
//!   and expiring certificates, through the store's outbox.
//! - [`import`]: certatlas's own JSON Lines read back into observations
//!   (`certatlas import`): checked whole first, then streamed; other
//!   scanners' files; certificates at rest (PEM, DER, PKCS#12, Java
//!   keystores).
//! - [`demo`]: the built-in lab of TLS servers on loopback.
//! - [`cli`]: clap definitions and validated requests.
//! - [`app`]: wires the stages for each subcommand.
//! - [`reference`](mod@reference): the generated reference pages (`docs/reference/`),
//!   written from the code; a leaf nothing else reads.

#![warn(missing_docs)]

/// mimalloc as the global allocator: building and evaluating the models of
/// a large scan makes millions of small allocations, and the system
/// allocator spent a third of that time in malloc and free. Its version 2
/// line (the crate's `v2` feature): it gives freed memory back to the
/// system after 10 ms where version 3 waits a second, and judging frees a
/// chunk of models every few milliseconds, so with version 3 the peak RSS
/// of judging 100,000 certificates was 376 MB against 231 MB (and the
/// system allocator's 213 MB), for no gain in time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod alerts;
pub mod app;
pub mod at_rest;
pub mod certs;
pub mod cli;
pub mod clock;
pub mod columns;
pub mod config;
pub mod demo;
pub mod document;
pub mod evidence;
pub mod exception;
pub mod http;
pub mod import;
pub mod inventory;
pub mod judge;
pub mod located;
pub mod observation;
pub mod parallel;
pub mod pem;
pub mod platform;
pub mod policy;
pub mod probe;
pub mod reference;
pub mod report;
pub mod revocation;
pub mod rule_vocabulary;
pub mod sanitize;
pub mod scan;
pub mod schedule;
pub mod scoring;
pub mod store;
pub mod targets;
pub mod time_text;
pub mod tls;
