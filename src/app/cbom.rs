//! `certatlas cbom`: the CycloneDX CBOM of a stored scan, read from the
//! store (opened read-only) and written by `report::cbom`. The evidence
//! bundle writes the same BOM as `cbom.json` through [`scan_cbom`].

use std::fs::File;
use std::io::{self, BufWriter, Write};

use super::listings::{open, pick_record};
use super::{output_error, stdout_error, AppError, RunStatus};
use crate::cli::CbomArgs;
use crate::report::cbom::{self, types::Bom, CbomInput, SpecVersion};
use crate::store::{ScanRecord, Store};

/// `certatlas cbom`.
pub fn cbom(args: CbomArgs) -> Result<RunStatus, AppError> {
    let (store, _, _) = open(&args.store)?;
    let record = pick_record(&store, args.scan)?;
    let bom = scan_cbom(&store, &record, args.spec.into())?;
    match &args.output {
        Some(path) => {
            let target = path.display().to_string();
            let file = File::create(path).map_err(|e| output_error(&target, e))?;
            let mut out = BufWriter::new(file);
            cbom::write_cbom(&mut out, &bom)
                .and_then(|()| out.flush())
                .map_err(|e| output_error(&target, e))?;
        }
        None => cbom::write_cbom(&mut io::stdout().lock(), &bom).map_err(stdout_error)?,
    }
    Ok(RunStatus::Complete)
}

/// The CBOM of the stored scan `record`.
pub(super) fn scan_cbom(
    store: &Store,
    record: &ScanRecord,
    spec: SpecVersion,
) -> Result<Bom, AppError> {
    let certificates = store.certificates_in_scan(record.id)?;
    let leaves = store.endpoint_leaves(record.id)?;
    let observations = store.observations(record.id)?;
    let input = CbomInput {
        scan: record,
        certificates: &certificates,
        leaves: &leaves,
        observations: &observations,
    };
    Ok(cbom::build(input, spec))
}
