//! The config file as serde reads it (strict: unknown keys are errors), with
//! spans kept on every value a later check may reject, and the checks that
//! turn it into the public [`Config`] types.

use crate::inventory::owners::OwnerRuleSpec;

use crate::document::{Spanned, TomlValue};
use serde::Deserialize;

use super::error::ConfigError;
use super::source::Source;
use super::{AnchorConfig, Config, MaturityConfig, OwnerPositions, OwnerRuleConfig, RulesConfig};
use crate::exception::{normalise_sha256, Exception, ExceptionTarget};
use crate::located::Position;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    /// The inventory, as `--db` takes it: a SQLite path (relative to the config file) or a `postgres://` URL. `--db` wins over it, it wins over `$CERTATLAS_DB`.
    db: Option<Spanned<String>>,
    /// `[scope]`: what `scan --config` and `watch --config` scan, and how.
    scope: Option<super::scope::RawScope>,
    /// `[[anchors]]`: approved private trust anchors.
    #[serde(default)]
    anchors: Vec<Spanned<RawAnchor>>,
    /// `[[owners]]`: owner rules, tried in file order; the first match assigns the owner.
    #[serde(default)]
    owners: Vec<Spanned<RawOwner>>,
    /// `[[exceptions]]`: accepted deviations.
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
    /// `[rules]`: extra rule directories and disabled rules.
    rules: Option<RawRules>,
    /// `[maturity]`: ladders, history window and thresholds.
    maturity: Option<RawMaturity>,
    /// `[alerts]`: webhook alerts.
    alerts: Option<super::alerts::RawAlerts>,
    /// `[watch]`: the schedule of `certatlas watch`.
    watch: Option<super::watch::RawWatch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaturity {
    /// Directory of ladder files replacing built-in ones by category (and an optional `profile.toml`), relative to the config file.
    dir: Option<String>,
    /// History window of window metrics, in days (default: the profile's, 90).
    window_days: Option<Spanned<i64>>,
    /// Single thresholds by `<category>/<criterion id>` (see `certatlas score --ladders`).
    #[serde(default)]
    thresholds: std::collections::BTreeMap<String, Spanned<f64>>,
    /// Requirements (`M.key-management.device-inventory`) or categories (`R.sourcing`) that do not apply to this organisation, each with its reason (shown in the report); they leave the computation.
    #[serde(default)]
    not_applicable: std::collections::BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    /// Rule directories loaded after the built-in rules (before `--rules`), relative to the config file.
    #[serde(default)]
    dirs: Vec<String>,
    /// Rule ids turned off; an id no rule has is an error.
    #[serde(default)]
    disable: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnchor {
    /// Display name.
    name: String,
    /// PEM or DER certificate file (relative to the config file); a PEM bundle approves every certificate in it. Set exactly one of `file` and `spki_sha256`.
    file: Option<Spanned<String>>,
    /// SHA-256 of the anchor's SubjectPublicKeyInfo, 64 hex digits (case, `:` and spaces ignored).
    spki_sha256: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOwner {
    /// The owner to assign, e.g. a team name.
    name: Spanned<String>,
    /// The endpoint address is inside the block (a bare address means just that address). One string or an array.
    cidr: Option<Spanned<OneOrMany>>,
    /// A host name used to reach the endpoint (SNI or target name) matches the glob (`*` one label, `**` one or more). One string or an array.
    hostname: Option<Spanned<OneOrMany>>,
    /// A DNS name of the certificate's subject alternative names matches the glob. One string or an array.
    san: Option<Spanned<OneOrMany>>,
    /// The text occurs in the issuer DN or an issuer CN (case-insensitive). One string or an array.
    issuer: Option<Spanned<OneOrMany>>,
    /// A subject organisation (O) equals the text (case-insensitive). One string or an array.
    subject_o: Option<Spanned<OneOrMany>>,
    /// A subject organisational unit (OU) equals the text (case-insensitive). One string or an array.
    subject_ou: Option<Spanned<OneOrMany>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    /// `certificate:<sha256>` or `endpoint:<host>:<port>` (IPv6 in brackets).
    what: Spanned<String>,
    /// Who accepted the exception.
    owner: Option<String>,
    /// Why it is accepted (not empty).
    reason: Spanned<String>,
    /// When to look at it again (`"2027-01-31"` or a TOML date); after it the exception lapses.
    review: Option<Spanned<TomlValue>>,
    /// Rule ids it covers; absent or empty: every rule.
    #[serde(default)]
    rules: Vec<String>,
}

/// A matcher value: one string or an array of strings.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "invalid type: expected a string or an array of strings"
)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

impl RawConfig {
    /// Checks every value and builds the public config.
    pub fn check(self, src: &Source<'_>) -> Result<Config, ConfigError> {
        let scope = self
            .scope
            .map(|s| super::scope::check_scope(s, src))
            .transpose()?;
        let anchors = self.anchors.into_iter().enumerate();
        let anchors = anchors
            .map(|(i, a)| check_anchor(i, a, src))
            .collect::<Result<_, _>>()?;
        let owners = self
            .owners
            .into_iter()
            .map(|o| owner_config(o, src))
            .collect();
        let exceptions = self.exceptions.into_iter().enumerate();
        let exceptions = exceptions
            .map(|(i, e)| check_exception(i, e, src))
            .collect::<Result<_, _>>()?;
        let rules = self.rules.map(|r| RulesConfig {
            dirs: r.dirs.iter().map(|d| src.resolve(d)).collect(),
            disable: r
                .disable
                .iter()
                .map(|d| {
                    (
                        d.get_ref().trim().to_string(),
                        Some(src.position(&d.span())),
                    )
                })
                .collect(),
        });
        let maturity = self.maturity.map(|m| check_maturity(m, src)).transpose()?;
        let alerts = self.alerts.map(|a| a.check(src)).transpose()?;
        let watch = self.watch.map(|w| super::watch::check_watch(w, src));
        let db = self.db.map(|db| check_db(db, src)).transpose()?;
        Ok(Config {
            db,
            scope,
            anchors,
            owners,
            exceptions,
            rules: rules.unwrap_or_default(),
            maturity: maturity.unwrap_or_default(),
            alerts: alerts.unwrap_or_default(),
            watch: watch.transpose()?.unwrap_or_default(),
            path: src.path.to_path_buf(),
            digest: crate::certs::sha256_hex(src.text.as_bytes()),
        })
    }
}

/// `db`: a PostgreSQL URL or a SQLite path, not blank.
fn check_db(raw: Spanned<String>, src: &Source<'_>) -> Result<String, ConfigError> {
    match raw.get_ref().trim().is_empty() {
        true => Err(src.error(
            &raw.span(),
            "db: empty (a SQLite path or a postgres:// URL)",
        )),
        false => Ok(raw.into_inner()),
    }
}

fn check_anchor(
    index: usize,
    raw: Spanned<RawAnchor>,
    src: &Source<'_>,
) -> Result<AnchorConfig, ConfigError> {
    let table_span = raw.span();
    let raw = raw.into_inner();
    let label = format!("anchors[{index}] ({:?})", raw.name);
    if raw.name.trim().is_empty() {
        return Err(src.error(&table_span, format!("anchors[{index}]: name is empty")));
    }
    let (file, spki) = match (raw.file, raw.spki_sha256) {
        (Some(_), Some(spki)) => {
            let problem = format!("{label}: set either file or spki_sha256, not both");
            return Err(src.error(&spki.span(), problem));
        }
        (None, None) => {
            let problem = format!("{label}: needs file (a PEM or DER certificate) or spki_sha256");
            return Err(src.error(&table_span, problem));
        }
        (file, spki) => (file, spki),
    };
    let spki_sha256 = match spki {
        Some(spki) => Some(normalise_sha256(spki.get_ref()).ok_or_else(|| {
            src.error(&spki.span(), format!("{label}: spki_sha256 {SHA256_FORM}"))
        })?),
        None => None,
    };
    let position = file.as_ref().map(|f| src.position(&f.span()));
    if file.as_ref().is_some_and(|f| f.get_ref().trim().is_empty()) {
        return Err(src.error(&table_span, format!("{label}: file is empty")));
    }
    Ok(AnchorConfig {
        name: raw.name,
        file: file.map(|f| src.resolve(f.get_ref())),
        spki_sha256,
        position: position.or(Some(src.position(&table_span))),
    })
}

fn owner_config(raw: Spanned<RawOwner>, src: &Source<'_>) -> OwnerRuleConfig {
    let table = src.position(&raw.span());
    let raw = raw.into_inner();
    let mut positions = OwnerPositions {
        table: Some(table),
        ..OwnerPositions::default()
    };
    let take = |value: Option<Spanned<OneOrMany>>, slot: &mut Option<Position>| {
        value.map_or_else(Vec::new, |v| {
            *slot = Some(src.position(&v.span()));
            v.into_inner().into_vec()
        })
    };
    let cidr = take(raw.cidr, &mut positions.cidr);
    let hostname = take(raw.hostname, &mut positions.hostname);
    let san = take(raw.san, &mut positions.san);
    let issuer = take(raw.issuer, &mut positions.issuer);
    let subject_o = take(raw.subject_o, &mut positions.subject_o);
    let subject_ou = take(raw.subject_ou, &mut positions.subject_ou);
    positions.name = Some(src.position(&raw.name.span()));
    let rule = OwnerRuleSpec {
        owner: raw.name.into_inner(),
        cidr,
        hostname,
        san,
        issuer,
        subject_o,
        subject_ou,
    };
    OwnerRuleConfig { rule, positions }
}

fn check_exception(
    index: usize,
    raw: Spanned<RawException>,
    src: &Source<'_>,
) -> Result<Exception, ConfigError> {
    let raw = raw.into_inner();
    let label = format!("exceptions[{index}]");
    let what = ExceptionTarget::parse(raw.what.get_ref())
        .map_err(|problem| src.error(&raw.what.span(), format!("{label}: what: {problem}")))?;
    if raw.reason.get_ref().trim().is_empty() {
        let problem = format!("{label}: reason is empty (say why the exception is accepted)");
        return Err(src.error(&raw.reason.span(), problem));
    }
    let review = match raw.review {
        Some(review) => Some(review_date(review.get_ref()).ok_or_else(|| {
            src.error(
                &review.span(),
                format!("{label}: review must be a date like 2027-01-31"),
            )
        })?),
        None => None,
    };
    Ok(Exception {
        what,
        owner: raw.owner,
        reason: raw.reason.into_inner(),
        review,
        rules: raw.rules,
    })
}

fn check_maturity(raw: RawMaturity, src: &Source<'_>) -> Result<MaturityConfig, ConfigError> {
    if let Some(days) = &raw.window_days {
        if *days.get_ref() < 1 {
            return Err(src.error(&days.span(), "maturity.window_days must be at least 1"));
        }
    }
    let thresholds = raw
        .thresholds
        .into_iter()
        .map(|(key, value)| (key, *value.get_ref(), Some(src.position(&value.span()))))
        .collect();
    let not_applicable = raw
        .not_applicable
        .into_iter()
        .map(|(id, reason)| {
            let position = Some(src.position(&reason.span()));
            (id, reason.into_inner(), position)
        })
        .collect();
    Ok(MaturityConfig {
        dir: raw.dir.map(|d| src.resolve(&d)),
        window_days: raw.window_days.map(|d| *d.get_ref()),
        thresholds,
        not_applicable,
    })
}

/// A review date written as a TOML local date (`2027-01-31`) or a string.
fn review_date(value: &TomlValue) -> Option<time::Date> {
    crate::document::date_of(value)
}

/// How a SHA-256 must be written (for messages).
pub(super) const SHA256_FORM: &str = "must be 64 hex digits (colons and spaces allowed)";
