//! The inventory commands: `inventory`, `cas`, `diff`, `history`, `scans`.
//! Each opens the store read-only, asks it for one scan's facts, computes
//! with `inventory`, and prints with `report`.

use std::io;

use super::{spill_error, stdout_error, AppError, RunStatus};
use crate::cli::settings::store_request;
use crate::cli::{CasArgs, DiffArgs, HistoryArgs, InventoryArgs, ScansArgs, StoreArgs};
use crate::clock::Clock;
use crate::inventory::ca::CaUsage;
use crate::inventory::view::InventoryFilter;
use crate::judge::{InventoryContext, LEAF_CHUNK};
use crate::policy::model::inventory_rows_in_chunks;
use crate::report::inventory as present;
use crate::store::FingerprintPrefix;
use crate::store::{ScanId, ScanRecord, Store};

/// Opens an existing inventory read-only (never creates, migrates or
/// writes it), with the config it is judged against.
pub(super) fn open(
    args: &StoreArgs,
) -> Result<(Store, InventoryContext, Option<crate::config::Config>), AppError> {
    let request = store_request(args)?;
    if let Some(path) = request.db.sqlite_path().filter(|path| !path.exists()) {
        let db = path.display().to_string();
        return Err(AppError::NoInventory { db });
    }
    let context = InventoryContext::new(request.config.as_ref(), Vec::new())?;
    Ok((Store::open_read_only(&request.db)?, context, request.config))
}

/// The scan asked for, or the latest complete one.
pub(super) fn pick_scan(store: &Store, id: Option<i64>) -> Result<ScanId, AppError> {
    pick_record(store, id).map(|scan| scan.id)
}

/// The record of the scan asked for, or of the latest complete one.
pub(super) fn pick_record(store: &Store, id: Option<i64>) -> Result<ScanRecord, AppError> {
    let db = store.path().display().to_string();
    match id {
        Some(id) => store
            .scan(ScanId(id))?
            .ok_or(AppError::NoSuchScan { db, id }),
        None => store
            .latest_scan(true)?
            .ok_or(AppError::NoCompleteScan { db }),
    }
}

/// `certatlas inventory`: the rows come from the store a chunk of leaves
/// at a time and spill, sorted by notAfter, to a temporary file, so a
/// million leaves never live in memory at once.
pub fn inventory(args: InventoryArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let (store, context, _) = open(&args.listing.store)?;
    let record = pick_record(&store, args.scan)?;
    let now = clock.now();
    let filter = InventoryFilter {
        expiring_within: args.expiring.and_then(|d| time::Duration::try_from(d).ok()),
        owner: args.owner,
        issuer: args.issuer,
        ca_class: args.ca_class,
        key_type: args.key_type,
    };
    let mut listing = present::inventory_listing(args.listing.format).map_err(spill_error)?;
    let mut failed = None;
    let judged_against = (&context.trust, &context.owners);
    inventory_rows_in_chunks(
        &store,
        &record,
        judged_against,
        (LEAF_CHUNK, now),
        |_, rows| {
            for row in rows.iter().filter(|row| filter.keeps(row, now)) {
                if failed.is_none() {
                    failed = listing.push(row.certificate.not_after, row).err();
                }
            }
        },
    )?;
    if let Some(error) = failed {
        return Err(spill_error(error));
    }
    listing
        .finish(&mut io::stdout().lock())
        .map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// `certatlas cas`: what each CA issued is counted a chunk of leaves at a
/// time, as the inventory's rows are read.
pub fn cas(args: CasArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let (store, context, _) = open(&args.listing.store)?;
    let record = pick_record(&store, args.scan)?;
    let mut usage = CaUsage::default();
    let judged_against = (&context.trust, &context.owners);
    let chunk = (LEAF_CHUNK, clock.now());
    let graph = inventory_rows_in_chunks(&store, &record, judged_against, chunk, |graph, rows| {
        for row in rows {
            graph.count_usage(&mut usage, &row.sha256, row.endpoints.len() as u64);
        }
    })?;
    let mut cas = graph.cas();
    usage.fill(&mut cas);
    cas.sort_by(|a, b| a.class.cmp(&b.class).then(b.leaves.cmp(&a.leaves)));
    present::write_cas(&mut io::stdout().lock(), args.listing.format, &cas)
        .map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// `certatlas diff [FROM] [TO]`.
pub fn diff(args: DiffArgs) -> Result<RunStatus, AppError> {
    let (store, _, _) = open(&args.listing.store)?;
    let to = pick_scan(&store, args.to)?;
    let from = match args.from {
        Some(id) => pick_scan(&store, Some(id))?,
        None => match store.previous_comparable_scan(to)? {
            Some(previous) => previous.id,
            None => {
                let db = store.path().display().to_string();
                return Err(AppError::NoEarlierScan { db, scan: to });
            }
        },
    };
    let changes = crate::judge::changes::between(&store, from, to)?;
    present::write_diff(
        &mut io::stdout().lock(),
        args.listing.format,
        from.0,
        to.0,
        &changes,
    )
    .map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// `certatlas history ENDPOINT|SHA-256|PREFIX`.
pub fn history(args: HistoryArgs) -> Result<RunStatus, AppError> {
    let (store, _, _) = open(&args.listing.store)?;
    let target = args.target.trim();
    let entries = if FingerprintPrefix::looks_like(target) {
        let sha256 = store.resolve_fingerprint(target)?;
        store.certificate_history(&sha256)?
    } else {
        let (address, port, sni) = parse_endpoint(target)?;
        store.endpoint_history(&address, port, sni.as_deref())?
    };
    present::write_history(&mut io::stdout().lock(), args.listing.format, &entries)
        .map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// `certatlas scans`.
pub fn scans(args: ScansArgs) -> Result<RunStatus, AppError> {
    let (store, _, _) = open(&args.listing.store)?;
    let scans = store.scans()?;
    let roles = store.scan_roles()?;
    let listed: Vec<present::ListedScan<'_>> = scans
        .iter()
        .map(|record| present::ListedScan {
            record,
            cycle_role: roles.get(&record.id),
        })
        .collect();
    present::write_scans(&mut io::stdout().lock(), args.listing.format, &listed)
        .map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// `ADDRESS:PORT[/SNI]` or `[V6]:PORT[/SNI]`.
fn parse_endpoint(text: &str) -> Result<(String, u16, Option<String>), AppError> {
    let bad = || AppError::BadHistoryTarget {
        text: text.to_string(),
    };
    let (endpoint, sni) = match text.split_once('/') {
        Some((endpoint, sni)) => (endpoint, Some(sni.to_ascii_lowercase())),
        None => (text, None),
    };
    let (address, port) = endpoint.rsplit_once(':').ok_or_else(bad)?;
    let address = address.trim_start_matches('[').trim_end_matches(']');
    let address: std::net::IpAddr = address.parse().map_err(|_| bad())?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    Ok((address.to_string(), port, sni))
}
