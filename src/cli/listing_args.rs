//! The argument group the reading commands repeat: where the store is
//! (`--db`, `--config`: [`StoreArgs`]) and how to write what they read
//! (`--format`), flattened into each command. The format set is the
//! command's own (a [`super::formats`] value enum), so `--help` lists
//! exactly the formats that command writes.

use std::marker::PhantomData;

use clap::builder::{EnumValueParser, TypedValueParser};
use clap::{Args, ValueEnum};

use super::formats::ListFormat;
use super::StoreArgs;
use crate::report::ListingFormat;

/// `--db`, `--config` and `--format` of a command that reads the store and
/// writes a listing or a summary; `F` is the command's set of formats
/// (default: table, json, csv).
#[derive(Debug, Args)]
pub struct ListingArgs<F = ListFormat>
where
    F: ValueEnum + Into<ListingFormat> + Clone + Send + Sync + 'static,
{
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    /// Output format.
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "table",
        value_parser = EnumValueParser::<F>::new().map(Into::<ListingFormat>::into)
    )]
    pub format: ListingFormat,
    /// The format set, only for the parser.
    #[arg(skip)]
    pub formats: PhantomData<F>,
}
