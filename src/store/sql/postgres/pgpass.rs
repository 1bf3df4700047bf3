//! Where a PostgreSQL password comes from when the URL has none, as libpq
//! reads it: `PGPASSWORD`, else the password file (`PGPASSFILE`, else
//! `~/.pgpass`). Each line of the file is
//! `host:port:database:user:password`; a field may be `*` (anything);
//! `\:` and `\\` stand for `:` and `\`; lines starting with `#` are
//! comments; the first line that matches wins. A file that the group or
//! others may read or write (mode & 0o077) is ignored with a warning, as
//! is a path that is not a regular file.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::conninfo::Env;

/// libpq's default port, used for matching when the URL names none.
pub const DEFAULT_PORT: u16 = 5432;

/// What a password file line is matched against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassTarget {
    /// The host as written in the URL (`localhost` for a socket in the
    /// default directory, or when no host is given).
    pub host: String,
    /// The port.
    pub port: u16,
    /// The database name.
    pub database: String,
    /// The user name.
    pub user: String,
}

/// The password for `target`: `PGPASSWORD` when set and not empty, else
/// the first matching line of the password file (an empty password there
/// counts as none), else none.
pub fn password_for(target: &PassTarget, env: Env<'_>) -> Option<String> {
    if let Some(password) = env("PGPASSWORD").and_then(|p| p.into_string().ok()) {
        if !password.is_empty() {
            return Some(password);
        }
    }
    let path = password_file(env)?;
    let contents = read_private(&path)?;
    find(&contents, target).filter(|password| !password.is_empty())
}

/// `PGPASSFILE`, else `$HOME/.pgpass`.
fn password_file(env: Env<'_>) -> Option<PathBuf> {
    let set = |name: &str| env(name).filter(|value: &OsString| !value.is_empty());
    match set("PGPASSFILE") {
        Some(path) => Some(PathBuf::from(path)),
        None => set("HOME").map(|home| PathBuf::from(home).join(".pgpass")),
    }
}

/// The file's text when it is a regular file only its owner may access;
/// a missing or unreadable file is silently none (as in libpq).
fn read_private(path: &Path) -> Option<String> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() {
        tracing::warn!(
            "password file {} is not a plain file; not using it",
            path.display()
        );
        return None;
    }
    if metadata.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            "password file {} has group or world access; not using it \
             (permissions should be u=rw (0600) or less)",
            path.display()
        );
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// The password of the first line of `contents` that matches `target`.
pub fn find(contents: &str, target: &PassTarget) -> Option<String> {
    let port = target.port.to_string();
    let wanted = [
        target.host.as_str(),
        port.as_str(),
        target.database.as_str(),
        target.user.as_str(),
    ];
    contents
        .lines()
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let rest = wanted
                .iter()
                .try_fold(line, |rest, want| field_matches(rest, want))?;
            Some(unescape(rest))
        })
}

/// When the line's next field is `*` or equals `value` (after its escapes),
/// the rest of the line after that field's `:`.
fn field_matches<'a>(line: &'a str, value: &str) -> Option<&'a str> {
    if let Some(rest) = line.strip_prefix("*:") {
        return Some(rest);
    }
    let mut wanted = value.chars();
    let mut chars = line.char_indices();
    while let Some((at, c)) = chars.next() {
        let literal = match c {
            '\\' => chars.next()?.1,
            ':' => return wanted.next().is_none().then(|| &line[at + 1..]),
            c => c,
        };
        if wanted.next() != Some(literal) {
            return None;
        }
    }
    None
}

/// The password field: up to the first unescaped `:`, escapes removed.
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match c {
            ':' => break,
            '\\' => match chars.next() {
                Some(next) => out.push(next),
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
