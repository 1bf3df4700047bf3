//! certatlas: TLS certificate discovery and a certificate inventory kept
//! across scans.
//!
//! Data flows one way through the modules, each depending only on those
//! before it:
//!
//! ```text
//! cli ─→ targets ─→ scan (engine) ─→ probe ─→ observation ─→ certs ─→ store ─→ inventory ─→ report
//!  └─ config
//! ```
//!
//! - [`targets`]: target specs, port lists, exclusions, the lazy stream.
//! - [`scan`]: the bounded-concurrency engine and the run summary.
//! - [`import`]: certatlas's own JSON Lines read back into observations
//!   (`certatlas import`): checked whole first, then streamed; and
//!   certificates at rest ([`at_rest`]: PEM, DER, PKCS#12, Java keystores).
//! - [`probe`]: one endpoint → its [`observation::Observation`]s: connect,
//!   STARTTLS, the handshake through [`tls`], the legacy ClientHello, the
//!   strict verdict.
//! - [`certs`]: DER → [`certs::CertificateView`] (x509-parser), signature
//!   links between certificates, digests, RSA keys of any size (the lab's
//!   legacy ones) and the secure random generator.
//! - [`tls`]: our TLS stack over rustls: providers, the Mozilla roots, the
//!   scanner's capturing client, the verifying client (webhooks,
//!   PostgreSQL), the lab's servers.
//! - [`store`]: the database of every stage (SQLite or PostgreSQL, one
//!   migration file per version and database): scans, observations,
//!   certificates, events, findings, scores, the alert outbox, shard
//!   cycles, scope locks.
//! - [`inventory`]: CA classes, owners, diffs between scans, the
//!   inventory view.
//! - [`revocation`]: `--check-revocation`: OCSP and CRL answers for the
//!   scan's certificates, fetched after it is stored, before it is judged.
//! - [`judge`]: what a stored scan means: diff and change events, rule
//!   findings and their lifecycle, metrics and the maturity score; one
//!   stage run after every scan and by every command that shows them.
//! - [`report`]: every output format; presentation only.
//! - [`alerts`]: webhook alerts from a stored scan's findings, shadow CAs
//!   and expiring certificates, through the store's outbox.
//! - [`evidence`]: the report bundle's manifest of SHA-256 digests, its
//!   Ed25519 signature, and verification of a bundle.
//! - [`cli`] and [`config`]: clap definitions, the config file, validated
//!   requests.
//! - [`clock`]: the one source of "now".
//! - Leaf vocabulary every stage may use: [`located`] (the
//!   `FILE:LINE:COL: problem` error), [`document`] (strict TOML files),
//!   [`time_text`] (instants as text), [`rule_vocabulary`] (severity and
//!   subject kind), [`sanitize`] (hostile text for terminals and CSV),
//!   [`pem`] (DER as base64 and PEM text).
//! - [`schedule`]: when `watch` runs: intervals, cron, skipped slots, jitter.
//! - [`demo`]: the built-in lab of TLS servers on loopback.
//! - [`app`]: wires the stages for each subcommand.
//! - [`reference`]: the generated reference pages (`docs/reference/`),
//!   written from the code; a leaf nothing else reads.

#![warn(missing_docs)]

/// mimalloc as the global allocator: building and evaluating the models of
/// a large scan makes millions of small allocations, and the system
/// allocator spent a third of that time in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod alerts;
pub mod app;
pub mod at_rest;
pub mod certs;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod document;
pub mod evidence;
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
