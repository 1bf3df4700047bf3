//! HTTP/1.1 over hyper for certatlas, the only user of hyper, hyper-util
//! and http-body-util:
//!
//! - [`client`]: a small bounded client (GET or POST to an `http://` URL,
//!   at addresses the caller may pin, under one deadline, a body limit and
//!   a per-host limit, with typed errors), what revocation needs for OCSP
//!   and CRL;
//! - [`server`]: a small server (a request line → [`server::Reply`]
//!   handler served on a bound listener until shut down, with bounded
//!   heads and connections), what `watch --metrics-listen` needs.
//!
//! Leaf vocabulary: it names no other certatlas module, so every stage may
//! use it. What the requests and pages *mean* (OCSP, CRL, the Prometheus
//! exposition) stays with the stage that asks.

pub mod client;
pub mod server;
