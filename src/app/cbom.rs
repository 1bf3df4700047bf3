//! `certatlas cbom`: the CycloneDX CBOM of a stored scan, read from the
//! store (opened read-only) a page at a time and written by
//! `report::cbom` as it is read. The evidence bundle writes the same BOM as
//! `cbom.json` through [`write_scan_cbom`].

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};

use super::listings::{open, pick_record};
use super::{output_error, stdout_error, AppError, RunStatus};
use crate::cli::CbomArgs;
use crate::report::cbom::{CbomWriter, SpecVersion};
use crate::store::{EndpointKey, EndpointLeaf, ScanRecord, Store};

/// `certatlas cbom`.
pub fn cbom(args: CbomArgs) -> Result<RunStatus, AppError> {
    let (store, _, _) = open(&args.store)?;
    let record = pick_record(&store, args.scan)?;
    let spec = args.spec.into();
    match &args.output {
        Some(path) => {
            let target = path.display().to_string();
            let file = File::create(path).map_err(|e| output_error(&target, e))?;
            let mut out = BufWriter::new(file);
            write_scan_cbom(&store, &record, spec, (&mut out, &target))?;
            out.flush().map_err(|e| output_error(&target, e))?;
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            write_scan_cbom(&store, &record, spec, (&mut out, "stdout"))?;
            out.flush().map_err(stdout_error)?;
        }
    }
    Ok(RunStatus::Complete)
}

/// How many certificates or observations are read at a time.
const PAGE: usize = 4096;

/// Writes the CBOM of the stored scan `record` to `out` (called `target`
/// in errors), its facts read a page at a time: the certificates, then
/// the observations a page of endpoints at a time with the deployments at
/// those endpoints, then any deployment no observation was read for.
pub(super) fn write_scan_cbom(
    store: &Store,
    record: &ScanRecord,
    spec: SpecVersion,
    (out, target): (&mut dyn Write, &str),
) -> Result<(), AppError> {
    let mut cbom = CbomWriter::new(record, spec);
    store.certificates_in_scan_paged(record.id, PAGE, |certificate, _| {
        cbom.certificate(&certificate);
    })?;
    let leaves = store.endpoint_leaf_table(record.id, PAGE)?.by_place();
    let mut added = vec![false; leaves.len()];
    store.observations_by_endpoint_with_chains(record.id, PAGE, |page| {
        let places: BTreeSet<(String, u16)> = page
            .iter()
            .map(|o| {
                let key = EndpointKey::of(o);
                (key.address, key.port)
            })
            .collect();
        let mut deployed = Vec::new();
        for (address, port) in &places {
            for k in leaves.at_place((address, *port)) {
                if !std::mem::replace(&mut added[k], true) {
                    deployed.push(leaves.get(k));
                }
            }
        }
        cbom.deployments(&deployed, &page);
    })?;
    let rest: Vec<usize> = (0..leaves.len()).filter(|&k| !added[k]).collect();
    for part in rest.chunks(PAGE) {
        let deployed: Vec<EndpointLeaf> = part.iter().map(|&k| leaves.get(k)).collect();
        cbom.deployments(&deployed, &[]);
    }
    cbom.finish(out).map_err(|e| output_error(target, e))
}
