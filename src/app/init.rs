//! `certatlas init`: a commented starter config from a stored scan (its
//! scope, its private roots as `[[anchors]]` to uncomment with their PEM
//! written beside the config, owner examples), and `cas --export`: one CA
//! certificate as PEM. Both read the store read-only; the facts come from
//! `inventory`, the text from `report::starter` and `pem`.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::listings::{open, pick_record};
use super::{output_error, stdout_error, AppError, RunStatus};
use crate::cli::{CasArgs, InitArgs};
use crate::inventory::ca::{CaClass, CaSummary};
use crate::inventory::private_roots::{private_roots, PrivateRoot};
use crate::inventory::view;
use crate::report::starter::{self, Starter, StarterAnchor};
use crate::scan::options::ProbeOptions;
use crate::store::{EndpointLeaf, StoredCertificate};

/// `certatlas init`.
pub fn init(args: InitArgs) -> Result<RunStatus, AppError> {
    let dir = match args.output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    refuse_existing(&args.output, args.force)?;
    let (store, context, _) = open(&args.store)?;
    let record = pick_record(&store, args.from_scan)?;
    let leaves = store.endpoint_leaves(record.id)?;
    let certificates = store.certificates_in_scan(record.id)?;
    let graph = view::graph(&certificates, &context.trust);
    let at_rest = store.at_rest(record.id)?;
    let roots = private_roots(&leaves, &at_rest, &graph);
    let files: Vec<PathBuf> = roots
        .iter()
        .map(|root| dir.join(StarterAnchor::file_name(&root.ca.sha256)))
        .collect();
    for file in &files {
        refuse_existing(file, args.force)?;
    }
    let (targets, unusable_targets) = record
        .targets
        .iter()
        .cloned()
        .partition(|t| t.starts_with('@') || crate::targets::parse_spec(t).is_ok());
    let starter = Starter {
        scan_id: record.id.0,
        targets,
        unusable_targets,
        options: ProbeOptions::from_stored(&record.options),
        anchors: roots.iter().map(starter_anchor).collect(),
        organisations: organisations(&leaves),
        issuers: issuers(&graph.cas(), &leaves, &graph),
    };
    for (root, file) in roots.iter().zip(&files) {
        let der = der_of(&certificates, &root.ca.sha256);
        write_file(
            file,
            starter::anchor_pem(record.id.0, &root.ca.sha256, der).as_bytes(),
        )?;
    }
    write_file(&args.output, starter::render(&starter).as_bytes())?;
    say_written(&args.output, &files, record.id.0);
    Ok(RunStatus::Complete)
}

/// `certatlas cas --export SHA256|PREFIX [-o FILE]`.
pub fn export_ca(args: &CasArgs, text: &str) -> Result<RunStatus, AppError> {
    let (store, _, _) = open(&args.listing.store)?;
    let sha256 = store.resolve_fingerprint(text)?;
    let certificate = store
        .certificate(&sha256)?
        .ok_or_else(|| AppError::CertificateVanished {
            sha256: sha256.clone(),
        })?;
    let is_ca = certificate
        .view
        .as_ref()
        .is_some_and(|v| v.is_ca() || v.self_signed);
    if !is_ca {
        return Err(AppError::NotACa {
            text: text.to_string(),
            sha256,
        });
    }
    let pem = crate::pem::certificate(&certificate.der);
    match &args.output {
        Some(path) => write_file(path, pem.as_bytes())?,
        None => io::stdout()
            .lock()
            .write_all(pem.as_bytes())
            .map_err(stdout_error)?,
    }
    Ok(RunStatus::Complete)
}

/// Exit 2 before anything is written when `path` exists and `--force`
/// was not given.
fn refuse_existing(path: &Path, force: bool) -> Result<(), AppError> {
    if !force && path.exists() {
        return Err(AppError::WouldOverwrite {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    std::fs::write(path, bytes).map_err(|e| output_error(&path.display().to_string(), e))
}

fn starter_anchor(root: &PrivateRoot) -> StarterAnchor {
    let ca = &root.ca;
    StarterAnchor {
        subject: ca.subject.clone(),
        name: common_name(&ca.subject),
        sha256: ca.sha256.clone(),
        leaves: ca.leaves,
        endpoints: ca.endpoints,
        leaves_at_rest: root.leaves_at_rest,
        file: StarterAnchor::file_name(&ca.sha256),
    }
}

/// The CN of an RFC 4514 DN, else the DN.
fn common_name(dn: &str) -> String {
    dn.split(',')
        .find_map(|part| part.trim().strip_prefix("CN="))
        .map_or_else(|| dn.to_string(), str::to_string)
}

fn der_of<'a>(certificates: &'a [StoredCertificate], sha256: &str) -> &'a [u8] {
    certificates
        .iter()
        .find(|c| c.sha256 == sha256)
        .map_or(&[], |c| c.der.as_slice())
}

/// Distinct subject organisations of the scan's leaves, sorted.
fn organisations(leaves: &[EndpointLeaf]) -> Vec<String> {
    let found: BTreeSet<&String> = leaves
        .iter()
        .filter_map(|l| l.leaf.as_ref())
        .flat_map(|v| &v.subject.organizations)
        .collect();
    found.into_iter().cloned().collect()
}

/// The CNs of the shadow CAs that directly issued the scan's leaves, sorted.
fn issuers(
    cas: &[CaSummary],
    leaves: &[EndpointLeaf],
    graph: &crate::inventory::ca::CaGraph,
) -> Vec<String> {
    let shadow: BTreeSet<&str> = cas
        .iter()
        .filter(|ca| ca.class == CaClass::Shadow)
        .map(|ca| ca.sha256.as_str())
        .collect();
    let mut found = BTreeSet::new();
    for leaf in leaves {
        for issuer in graph.issuers_of(&leaf.leaf_sha256) {
            if let Some(view) = graph
                .certificate(&issuer)
                .filter(|_| shadow.contains(issuer.as_str()))
            {
                found.insert(common_name(&view.subject.dn));
            }
        }
    }
    found.into_iter().collect()
}

/// Tells the user (on stderr) what was written and where.
fn say_written(config: &Path, pems: &[PathBuf], scan: i64) {
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "wrote {} from scan {scan}: {} private root{} listed as [[anchors]], commented out",
        config.display(),
        pems.len(),
        if pems.len() == 1 { "" } else { "s" }
    );
    for pem in pems {
        let _ = writeln!(err, "  certificate: {}", pem.display());
    }
    let _ = writeln!(
        err,
        "uncomment the anchors of the roots you run, then: certatlas scan --config {}",
        config.display()
    );
}
