//! Arguments of `certatlas cbom`: the CycloneDX CBOM of a stored scan.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::StoreArgs;

/// The CycloneDX specification version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CbomSpec {
    /// CycloneDX 1.6 (the first with cryptographic assets).
    #[default]
    #[value(name = "1.6")]
    V1_6,
    /// CycloneDX 1.7 (adds certificate serial numbers and fingerprints,
    /// and the TLS groups of each cipher suite).
    #[value(name = "1.7")]
    V1_7,
}

impl From<CbomSpec> for crate::report::cbom::SpecVersion {
    fn from(spec: CbomSpec) -> Self {
        match spec {
            CbomSpec::V1_6 => crate::report::cbom::SpecVersion::V1_6,
            CbomSpec::V1_7 => crate::report::cbom::SpecVersion::V1_7,
        }
    }
}

/// `certatlas cbom`.
#[derive(Debug, Args)]
pub struct CbomArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    /// The scan to describe (default: the latest complete scan).
    #[arg(long, value_name = "ID")]
    pub scan: Option<i64>,
    /// Write the BOM to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The CycloneDX specification version.
    #[arg(long, value_name = "VERSION", value_enum, default_value_t = CbomSpec::V1_6)]
    pub spec: CbomSpec,
}
