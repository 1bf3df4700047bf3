//! The starter config `certatlas init` writes: a commented `certatlas.toml`
//! drawn from one stored scan. Presentation only: the app gathers the facts
//! ([`Starter`]), this renders them.
//!
//! What is written loads with the config loader as it stands and changes
//! nothing by itself: the `[scope]` is the scan's own (so `scan --config`
//! repeats it), while every `[[anchors]]` and `[[owners]]` entry is a
//! comment for the user to uncomment. Certificate fields are hostile: every
//! value taken from a certificate is written as an escaped TOML string, and
//! in comments with control characters escaped, so no subject can end a
//! comment line or inject a key.

use std::fmt::Write as _;

use crate::scan::options::ProbeOptions;

/// The facts a starter config is written from.
#[derive(Debug, Clone, Default)]
pub struct Starter {
    /// The scan it starts from.
    pub scan_id: i64,
    /// The scan's targets as written (files as `@FILE`), each one a valid
    /// target spec.
    pub targets: Vec<String>,
    /// Recorded targets that are no target spec (the demo's `demo lab`
    /// label): shown as a comment, never as a value the loader would refuse.
    pub unusable_targets: Vec<String>,
    /// The scan's recorded probe options, when it recorded them.
    pub options: Option<ProbeOptions>,
    /// The private roots found (undeclared top CAs), most leaves first.
    pub anchors: Vec<StarterAnchor>,
    /// Subject organisations (O) seen on the scan's leaves, for owner examples.
    pub organisations: Vec<String>,
    /// Subjects of the private CAs that issued the scan's leaves, for owner examples.
    pub issuers: Vec<String>,
}

/// One private root, offered as a commented `[[anchors]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StarterAnchor {
    /// Subject DN.
    pub subject: String,
    /// A short display name (the subject's CN, else the DN).
    pub name: String,
    /// SHA-256 of the certificate.
    pub sha256: String,
    /// Served leaves of the scan that chain to it.
    pub leaves: u64,
    /// Endpoints serving those leaves.
    pub endpoints: u64,
    /// Leaves of the scan found at rest (files, keystores) that chain to
    /// it; a leaf both served and at rest counts in both.
    pub leaves_at_rest: u64,
    /// The PEM file written beside the config (a bare file name).
    pub file: String,
}

impl StarterAnchor {
    /// The PEM file name for a certificate: `anchor-<first 16 hex digits>.pem`.
    pub fn file_name(sha256: &str) -> String {
        format!("anchor-{}.pem", &sha256[..sha256.len().min(16)])
    }
}

/// The config text.
pub fn render(starter: &Starter) -> String {
    let mut out = String::new();
    header(&mut out, starter);
    scope(&mut out, starter);
    anchors(&mut out, starter);
    owners(&mut out, starter);
    pointers(&mut out);
    out
}

fn header(out: &mut String, s: &Starter) {
    let _ = writeln!(
        out,
        "# certatlas.toml: a starter config written by `certatlas init` from scan {}.\n\
         # It loads as written and changes nothing until you edit it: the [scope] is\n\
         # that scan's, and every [[anchors]] and [[owners]] entry is commented out.\n\
         # Use it with `certatlas scan --config certatlas.toml` (or findings, score,\n\
         # watch ...). The README's \"Configuration file\" section documents each key.\n",
        s.scan_id
    );
}

fn scope(out: &mut String, s: &Starter) {
    out.push_str("[scope]\n");
    let (files, targets): (Vec<&String>, Vec<&String>) =
        s.targets.iter().partition(|t| t.starts_with('@'));
    array(out, "targets", targets.iter().map(|t| t.as_str()));
    for target in &s.unusable_targets {
        let _ = writeln!(
            out,
            "# recorded target \"{}\" is no target spec: left out",
            comment_text(target)
        );
    }
    if !files.is_empty() {
        out.push_str(
            "# target files, as the scan named them (relative to this file's directory)\n",
        );
        array(out, "input", files.iter().map(|t| &t[1..]));
    }
    let Some(o) = &s.options else {
        out.push_str("# scan recorded no probe options: the defaults apply\n\n");
        return;
    };
    let ports: Vec<String> = o.ports.iter().map(u16::to_string).collect();
    let _ = writeln!(out, "ports = {}", toml_string(&ports.join(",")));
    let (exclude_files, exclude): (Vec<&String>, Vec<&String>) =
        o.exclude.iter().partition(|t| t.starts_with('@'));
    array(out, "exclude", exclude.iter().map(|t| t.as_str()));
    array(out, "exclude_file", exclude_files.iter().map(|t| &t[1..]));
    array(out, "sni", o.sni.iter().map(String::as_str));
    array(out, "resolve", o.resolve.iter().map(String::as_str));
    for (key, on) in [
        ("sni_discover", o.sni_discover),
        ("versions", o.versions),
        ("groups", o.groups),
        ("all_certs", o.all_certs),
        ("check_revocation", o.check_revocation),
    ] {
        let _ = writeln!(out, "{key} = {on}");
    }
    let _ = writeln!(out, "starttls = {}", toml_string(&o.starttls));
    let _ = writeln!(out, "legacy_fallback = {}", o.legacy_fallback);
    let _ = writeln!(
        out,
        "connect_timeout = \"{}\"",
        duration(o.connect_timeout_ms)
    );
    let _ = writeln!(out, "timeout = \"{}\"", duration(o.timeout_ms));
    if let Some(rate) = o.rate {
        let _ = writeln!(out, "rate = {rate}");
    }
    if o.per_host > 0 {
        let _ = writeln!(out, "per_host = {}", o.per_host);
    }
    if o.concurrency > 0 {
        let _ = writeln!(
            out,
            "# concurrency = {}   # as the scan ran (bounded by its open-file limit)",
            o.concurrency
        );
    }
    if let Some(shard) = &o.shard {
        let _ = writeln!(
            out,
            "# shard = {}   # the scan was this shard",
            toml_string(shard)
        );
    }
    out.push('\n');
}

fn anchors(out: &mut String, s: &Starter) {
    out.push_str(
        "# Private roots: the scan found these self-signed (or top) CAs that no\n\
         # [[anchors]] entry declares, so their certificates are classed \"shadow\".\n\
         # Each one's certificate is written beside this file. Uncomment the entries\n\
         # of the roots your organisation runs: their certificates become \"approved\",\n\
         # the strict verdict trusts them, and the shadow-CA findings they caused are\n\
         # withdrawn. Leave a CA you do not recognise commented: it is a real shadow CA.\n",
    );
    if s.anchors.is_empty() {
        out.push_str("# (none found in this scan)\n\n");
        return;
    }
    for a in &s.anchors {
        let _ = writeln!(out, "\n# subject: {}", comment_text(&a.subject));
        let _ = writeln!(out, "# sha256: {}", a.sha256);
        let all = a.leaves + a.leaves_at_rest;
        let _ = writeln!(
            out,
            "# {all} leaf certificate{} chain to it: {} served (on {} endpoint{}), {} at rest",
            plural(all),
            a.leaves,
            a.endpoints,
            plural(a.endpoints),
            a.leaves_at_rest
        );
        out.push_str("# [[anchors]]\n");
        let _ = writeln!(out, "# name = {}", toml_string(&a.name));
        let _ = writeln!(out, "# file = {}", toml_string(&a.file));
    }
    out.push('\n');
}

fn owners(out: &mut String, s: &Starter) {
    out.push_str(
        "# Owners: who answers for which certificates. Rules are tried in file order,\n\
         # the first that matches wins; matchers: cidr, hostname, san, issuer,\n\
         # subject_o, subject_ou. Examples drawn from the subjects this scan saw:\n",
    );
    let mut any = false;
    for organisation in s.organisations.iter().take(5) {
        any = true;
        out.push_str("\n# [[owners]]\n");
        let _ = writeln!(out, "# name = {}", toml_string(&owner_name(organisation)));
        let _ = writeln!(out, "# subject_o = {}", toml_string(organisation));
    }
    for issuer in s.issuers.iter().take(5) {
        any = true;
        out.push_str("\n# [[owners]]\n");
        out.push_str("# name = \"pki-team\"\n");
        let _ = writeln!(out, "# issuer = {}", toml_string(issuer));
    }
    if !any {
        out.push_str("\n# [[owners]]\n# name = \"web-team\"\n# cidr = [\"192.0.2.0/24\"]\n");
    }
    out.push('\n');
}

fn pointers(out: &mut String) {
    out.push_str(
        "# Policy: extra rule directories and rules to disable (README, \"Policy rules\n\
         # and findings\"; `certatlas rules list` shows the rules in force).\n\
         # [rules]\n\
         # dirs = [\"rules\"]\n\
         # disable = []\n\
         \n\
         # Maturity: your own ladders and profile, window and thresholds (README,\n\
         # \"Ladders and the profile\").\n\
         # [maturity]\n\
         # dir = \"maturity\"\n\
         # window_days = 90\n",
    );
}

/// The PEM file of a private root: a note saying what wrote it and what it
/// is for (only the fingerprint, never a certificate field: a subject could
/// hold a PEM boundary line), then the certificate.
pub fn anchor_pem(scan_id: i64, sha256: &str, der: &[u8]) -> String {
    format!(
        "# Written by `certatlas init` from scan {scan_id}: a private root CA seen on\n\
         # the network, SHA-256 {sha256}.\n\
         # The starter config's commented [[anchors]] entry points here; uncomment\n\
         # it to approve this CA.\n{}",
        crate::pem::certificate(der)
    )
}

/// `key = ["a", "b"]`, or nothing for an empty list.
fn array<'a>(out: &mut String, key: &str, values: impl Iterator<Item = &'a str>) {
    let values: Vec<String> = values.map(toml_string).collect();
    if !values.is_empty() {
        let _ = writeln!(out, "{key} = [{}]", values.join(", "));
    }
}

/// A TOML basic string: quotes, backslashes and every control character
/// escaped, so the value stays one line and one value.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a comment line: control characters (line breaks included)
/// shown escaped, so the comment cannot end early.
fn comment_text(text: &str) -> String {
    let quoted = toml_string(text);
    quoted[1..quoted.len() - 1].to_string()
}

/// A lowercase owner name from an organisation: letters and digits kept,
/// runs of anything else as one `-`.
fn owner_name(organisation: &str) -> String {
    let mut name = String::new();
    for c in organisation.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-');
    if name.is_empty() {
        "owner".to_string()
    } else {
        name.to_string()
    }
}

/// Milliseconds as the config's duration text (`3s`, `500ms`).
fn duration(ms: u64) -> String {
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests;
