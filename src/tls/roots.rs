//! The Mozilla root store as webpki-roots ships it: the trust of the
//! strict verdict, the webhook client and PostgreSQL's `sslrootcert=system`.

use rustls::pki_types::TrustAnchor;

/// The Mozilla root store as webpki-roots ships it (this module is its one
/// user): the anchors of the strict verdict, of the inventory's `public`
/// class, and of certatlas's own TLS clients (webhooks, PostgreSQL).
pub fn mozilla_roots() -> &'static [TrustAnchor<'static>] {
    webpki_roots::TLS_SERVER_ROOTS
}
