//! What [`super::Finding`]s are built from: the [`Subject`] trait, how each
//! subject model (leaf, CA, chain, endpoint, inventory) names and dates
//! itself, shared by evaluation, findings and the observed-subject check.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use super::model::{CaModel, ChainModel, EndpointModel, InventoryModel, LeafModel};
use super::SubjectKind;

/// What [`super::Finding`]s are built from: a model and how to describe it.
pub trait Subject: Serialize + Sync {
    /// The kind of subject.
    const KIND: SubjectKind;
    /// The key findings are tracked by across scans.
    fn key(&self) -> String;
    /// The certificate concerned, if any.
    fn certificate(&self) -> Option<String>;
    /// Where it is served.
    fn served_at(&self) -> Vec<String>;
    /// A short human label (common name or endpoint).
    fn label(&self) -> String;
    /// The date `effective` compares with (notBefore, or the scan time).
    fn dated(&self, scan_time: OffsetDateTime) -> Date;
}

/// The date of an RFC 3339 text (the scan time's when it does not parse).
fn date_of(text: &str, fallback: OffsetDateTime) -> Date {
    crate::time_text::parse_rfc3339(text)
        .unwrap_or(fallback)
        .date()
}

impl Subject for LeafModel {
    const KIND: SubjectKind = SubjectKind::Leaf;
    fn key(&self) -> String {
        self.certificate.sha256.clone()
    }
    fn certificate(&self) -> Option<String> {
        Some(self.certificate.sha256.clone())
    }
    fn served_at(&self) -> Vec<String> {
        self.served_at.clone()
    }
    fn label(&self) -> String {
        self.certificate.subject.cn.clone()
    }
    fn dated(&self, scan_time: OffsetDateTime) -> Date {
        date_of(&self.certificate.not_before, scan_time)
    }
}

impl Subject for CaModel {
    const KIND: SubjectKind = SubjectKind::Ca;
    fn key(&self) -> String {
        self.certificate.sha256.clone()
    }
    fn certificate(&self) -> Option<String> {
        Some(self.certificate.sha256.clone())
    }
    fn served_at(&self) -> Vec<String> {
        Vec::new()
    }
    fn label(&self) -> String {
        self.certificate.subject.cn.clone()
    }
    fn dated(&self, scan_time: OffsetDateTime) -> Date {
        date_of(&self.certificate.not_before, scan_time)
    }
}

impl Subject for ChainModel {
    const KIND: SubjectKind = SubjectKind::Chain;
    fn key(&self) -> String {
        crate::certs::sha256_hex(self.certificates.concat().as_bytes())
    }
    fn certificate(&self) -> Option<String> {
        Some(self.leaf.sha256.clone())
    }
    fn served_at(&self) -> Vec<String> {
        self.served_at.clone()
    }
    fn label(&self) -> String {
        self.leaf.cn.clone()
    }
    fn dated(&self, scan_time: OffsetDateTime) -> Date {
        scan_time.date()
    }
}

impl Subject for EndpointModel {
    const KIND: SubjectKind = SubjectKind::Endpoint;
    fn key(&self) -> String {
        self.served_at.clone()
    }
    fn certificate(&self) -> Option<String> {
        None
    }
    fn served_at(&self) -> Vec<String> {
        vec![self.served_at.clone()]
    }
    fn label(&self) -> String {
        self.served_at.clone()
    }
    fn dated(&self, scan_time: OffsetDateTime) -> Date {
        scan_time.date()
    }
}

impl Subject for InventoryModel {
    const KIND: SubjectKind = SubjectKind::Inventory;
    fn key(&self) -> String {
        "inventory".into()
    }
    fn certificate(&self) -> Option<String> {
        None
    }
    fn served_at(&self) -> Vec<String> {
        Vec::new()
    }
    fn label(&self) -> String {
        format!("scan {}", self.scan_id)
    }
    fn dated(&self, scan_time: OffsetDateTime) -> Date {
        scan_time.date()
    }
}
