//! A small reader of the crate's own source: the structs and enums of a
//! tree of `.rs` files with their doc comments, serde attributes, fields
//! and variants. The reference pages that document types (rule models,
//! config keys, JSON outputs) are rendered from it, so a field added,
//! renamed or re-documented in the code changes the generated text.
//!
//! It reads rustfmt-formatted code line by line; it is not a Rust parser.
//! Test modules (`tests.rs`, `*_tests.rs`, and everything after a
//! `#[cfg(test)]` line) are skipped.

use std::path::{Path, PathBuf};

use super::ReferenceError;

/// A struct or an enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// `struct`.
    Struct,
    /// `enum`.
    Enum,
}

/// A type definition found in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The type's name.
    pub name: String,
    /// Struct or enum.
    pub kind: ItemKind,
    /// Its doc comment, lines joined with spaces.
    pub docs: String,
    /// The insides of its `#[serde(...)]` attributes.
    pub serde: Vec<String>,
    /// The file, relative to the source root, with `/` separators.
    pub file: String,
    /// Fields (struct) or variants (enum), in source order.
    pub members: Vec<Member>,
}

/// A field of a struct, or a variant of an enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The field or variant name.
    pub name: String,
    /// A field's type; a tuple variant's `(...)`; `""` for a unit or
    /// struct variant.
    pub ty: String,
    /// Its doc comment, lines joined with spaces.
    pub docs: String,
    /// The insides of its `#[serde(...)]` attributes.
    pub serde: Vec<String>,
    /// The fields of a struct variant.
    pub fields: Vec<Member>,
}

impl Member {
    /// The value of `rename = "..."` in its serde attributes, if any.
    pub fn renamed(&self) -> Option<String> {
        attribute_value(&self.serde, "rename")
    }

    /// Its serde attributes contain the bare word `word` (`flatten`,
    /// `default`, `skip`).
    pub fn has(&self, word: &str) -> bool {
        has_word(&self.serde, word)
    }

    /// The value of `with = "..."` in its serde attributes, if any.
    pub fn with(&self) -> Option<String> {
        attribute_value(&self.serde, "with")
    }
}

impl Item {
    /// The value of `name = "..."` in the item's serde attributes.
    pub fn attribute(&self, name: &str) -> Option<String> {
        attribute_value(&self.serde, name)
    }
}

/// Every struct and enum of a source tree.
#[derive(Debug, Clone, Default)]
pub struct SourceIndex {
    /// In file order, files sorted by path.
    pub items: Vec<Item>,
    /// Per file, the type names it imports from outside crates
    /// (`use serde_json::Value;`): never resolved to a type of ours.
    pub external: std::collections::HashMap<String, Vec<String>>,
    /// Per file, the names it imports from this crate and the module
    /// path each comes from, as a directory (`crate::observation` ->
    /// `src/observation`).
    pub imports: std::collections::HashMap<String, Vec<(String, String)>>,
    /// The outside crates a path may start with: the dependencies of
    /// `Cargo.toml` (as Rust names) and the standard library's.
    pub crates: Vec<String>,
}

impl SourceIndex {
    /// Reads every `.rs` file under `root/dir` for each of `dirs`.
    pub fn load(root: &Path, dirs: &[&str]) -> Result<SourceIndex, ReferenceError> {
        let mut files = Vec::new();
        for dir in dirs {
            collect_files(&root.join(dir), &mut files)?;
        }
        files.sort();
        let manifest = root.join("Cargo.toml");
        let manifest =
            std::fs::read_to_string(&manifest).map_err(|source| ReferenceError::Read {
                path: manifest.clone(),
                source,
            })?;
        let mut index = SourceIndex {
            crates: dependencies(&manifest),
            ..SourceIndex::default()
        };
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| ReferenceError::Read {
                path: path.clone(),
                source,
            })?;
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let relative = relative.to_string_lossy().replace('\\', "/");
            index.items.extend(parse_file(&relative, &text));
            let external = external_names(&text, &index.crates);
            index.external.insert(relative.clone(), external);
            index
                .imports
                .insert(relative.clone(), internal_imports(&text, &relative));
        }
        Ok(index)
    }

    /// The item `name`, preferring one defined in `near` (a file), then
    /// in its directory, then the one whose path shares most with it.
    pub fn find(&self, name: &str, near: &str) -> Option<&Item> {
        if self
            .external
            .get(near)
            .is_some_and(|names| names.iter().any(|n| n == name))
        {
            return None;
        }
        let hint = self
            .imports
            .get(near)
            .and_then(|names| names.iter().find(|(n, _)| n == name))
            .map(|(_, dir)| dir.as_str());
        let imported = |file: &str| {
            hint.is_some_and(|dir| {
                file.strip_prefix(dir)
                    .is_some_and(|rest| rest == ".rs" || rest.starts_with('/'))
            })
        };
        self.items
            .iter()
            .filter(|item| item.name == name)
            .max_by_key(|item| {
                let same_file = item.file == near;
                (
                    same_file,
                    imported(&item.file),
                    common_prefix(&item.file, near),
                )
            })
    }

    /// The item `name` defined in `file`.
    pub fn get(&self, name: &str, file: &str) -> Result<&Item, ReferenceError> {
        self.items
            .iter()
            .find(|item| item.name == name && item.file == file)
            .ok_or_else(|| ReferenceError::Missing {
                what: format!("type {name} in {file}"),
            })
    }
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ReferenceError> {
    let read = |source| ReferenceError::Read {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().to_string());
        let name = name.unwrap_or_default();
        if path.is_dir() {
            if name != "tests" {
                collect_files(&path, out)?;
            }
        } else if name.ends_with(".rs") && name != "tests.rs" && !name.ends_with("_tests.rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The crate names a manifest depends on (`serde_json` for `serde-json`),
/// with `std`, `core` and `alloc`.
pub fn dependencies(manifest: &str) -> Vec<String> {
    let mut out: Vec<String> = ["std", "core", "alloc"].map(String::from).to_vec();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line.ends_with("dependencies]");
            continue;
        }
        if let Some((name, _)) = line.split_once('=').filter(|_| in_dependencies) {
            out.push(name.trim().replace('-', "_"));
        }
    }
    out
}

/// The type names a file's `use` statements bring in from outside crates
/// (every capitalised name of such a statement; for `X as Y`, `Y`).
pub fn external_names(text: &str, crates: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut statement = String::new();
    for line in text.lines().map(str::trim) {
        let rest = line.strip_prefix("pub ").unwrap_or(line);
        if statement.is_empty() && !rest.starts_with("use ") {
            continue;
        }
        statement.push_str(line);
        statement.push(' ');
        if !line.ends_with(';') {
            continue;
        }
        let path = statement
            .trim_start_matches("pub ")
            .trim_start_matches("use ");
        let first = path.split("::").next().unwrap_or_default().trim();
        if crates.iter().any(|c| c == first) {
            let words: Vec<&str> = path
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            for (i, word) in words.iter().enumerate() {
                let aliased = words.get(i + 1) == Some(&"as");
                if word.starts_with(|c: char| c.is_ascii_uppercase()) && !aliased {
                    out.push(word.to_string());
                }
            }
        }
        statement.clear();
    }
    out
}

/// The names `file` imports from this crate (`use crate::`, `super::`,
/// `self::` or a child module), each with the directory of the module it
/// names.
pub fn internal_imports(text: &str, file: &str) -> Vec<(String, String)> {
    let module = file.strip_suffix("/mod.rs").map_or_else(
        || file.strip_suffix(".rs").unwrap_or(file).to_string(),
        str::to_string,
    );
    let parent = |dir: &str| {
        dir.rsplit_once('/')
            .map_or(String::new(), |(p, _)| p.to_string())
    };
    let mut out = Vec::new();
    for statement in use_statements(text) {
        let Some((prefix, names)) = statement
            .split_once('{')
            .or_else(|| statement.rsplit_once("::"))
        else {
            continue;
        };
        let mut dir = String::new();
        for segment in prefix.trim_end_matches("::").split("::").map(str::trim) {
            dir = match segment {
                "crate" => "src".to_string(),
                "super" if dir.is_empty() => parent(&module),
                "super" => parent(&dir),
                "self" => module.clone(),
                other if dir.is_empty() => format!("{module}/{other}"),
                other => format!("{dir}/{other}"),
            };
        }
        for name in names.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                out.push((name.to_string(), dir.clone()));
            }
        }
    }
    out
}

/// The `use` statements of a file, each on one line, without `pub`,
/// `use` and the final `;`.
fn use_statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut statement = String::new();
    for line in text.lines().map(str::trim) {
        let rest = line.strip_prefix("pub ").unwrap_or(line);
        if statement.is_empty() && !rest.starts_with("use ") {
            continue;
        }
        statement.push_str(rest.strip_prefix("use ").unwrap_or(rest));
        if line.ends_with(';') {
            out.push(statement.trim_end_matches(';').to_string());
            statement.clear();
        }
    }
    out
}

/// What the lines before an item or member said about it.
#[derive(Default)]
struct Pending {
    docs: Vec<String>,
    serde: Vec<String>,
    attribute: Option<String>,
}

impl Pending {
    /// Takes one line; true when it was a doc comment or attribute line.
    fn take(&mut self, line: &str) -> bool {
        if let Some(open) = &mut self.attribute {
            open.push(' ');
            open.push_str(line);
            self.close_attribute();
            return true;
        }
        if let Some(doc) = line.strip_prefix("///") {
            self.docs.push(doc.trim().to_string());
            return true;
        }
        if line.starts_with("#[") {
            self.attribute = Some(line.to_string());
            self.close_attribute();
            return true;
        }
        line.starts_with("//")
    }

    fn close_attribute(&mut self) {
        let Some(text) = &self.attribute else { return };
        if balance(text, '[', ']') > 0 {
            return;
        }
        let text = self.attribute.take().unwrap_or_default();
        if let Some(inner) = text.strip_prefix("#[serde(") {
            let inner = inner.trim_end().trim_end_matches(']').trim_end();
            let inner = inner.strip_suffix(')').unwrap_or(inner);
            self.serde
                .push(inner.trim().trim_end_matches(',').to_string());
        }
    }

    fn docs(&mut self) -> String {
        let docs = std::mem::take(&mut self.docs);
        self.serde.clear();
        docs.iter()
            .map(|d| d.as_str())
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn clear(&mut self) {
        self.docs.clear();
        self.serde.clear();
        self.attribute = None;
    }
}

fn balance(text: &str, open: char, close: char) -> i64 {
    text.chars()
        .map(|c| match c {
            c if c == open => 1,
            c if c == close => -1,
            _ => 0,
        })
        .sum()
}

/// The structs and enums of one file.
pub fn parse_file(file: &str, text: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut pending = Pending::default();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line == "#[cfg(test)]" {
            skip_test_item(&mut lines);
            pending.clear();
            continue;
        }
        if pending.take(line) {
            continue;
        }
        match item_header(line) {
            Some((kind, name)) => {
                let serde = pending.serde.clone();
                let docs = pending.docs();
                let members = match line.ends_with('{') {
                    true => members(&mut lines, kind),
                    false => Vec::new(),
                };
                items.push(Item {
                    name,
                    kind,
                    docs,
                    serde,
                    file: file.to_string(),
                    members,
                });
            }
            None => pending.clear(),
        }
    }
    items
}

/// Skips the item after a `#[cfg(test)]` line: a `mod tests;` line, or a
/// whole `mod tests { ... }` (or test-only function) body.
fn skip_test_item<'a>(lines: &mut impl Iterator<Item = &'a str>) {
    let mut depth = 0i64;
    for line in lines.by_ref() {
        if line.starts_with("//") {
            continue;
        }
        depth += balance(line, '{', '}');
        if depth <= 0 && (line.ends_with(';') || line.ends_with('}')) {
            return;
        }
    }
}

/// `pub(crate) struct Name<T> {` -> (Struct, "Name").
fn item_header(line: &str) -> Option<(ItemKind, String)> {
    let rest = strip_visibility(line);
    let (kind, rest) = if let Some(rest) = rest.strip_prefix("struct ") {
        (ItemKind::Struct, rest)
    } else {
        (ItemKind::Enum, rest.strip_prefix("enum ")?)
    };
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some((kind, name))
}

fn strip_visibility(line: &str) -> &str {
    let Some(rest) = line.strip_prefix("pub") else {
        return line;
    };
    match rest.strip_prefix('(') {
        Some(inner) => inner.split_once(')').map_or(line, |(_, r)| r.trim_start()),
        None => rest.trim_start(),
    }
}

/// The members of a body whose `{` was the end of the previous line, up
/// to its closing `}`.
fn members<'a>(lines: &mut impl Iterator<Item = &'a str>, kind: ItemKind) -> Vec<Member> {
    let mut out = Vec::new();
    let mut pending = Pending::default();
    while let Some(line) = lines.next() {
        if line.starts_with('}') {
            break;
        }
        if pending.take(line) || line.is_empty() {
            continue;
        }
        let mut text = line.to_string();
        while unbalanced(&text) {
            match lines.next() {
                Some(more) => text.push_str(more),
                None => break,
            }
        }
        let serde = pending.serde.clone();
        let docs = pending.docs();
        let member = match kind {
            ItemKind::Struct => field(&text, docs, serde),
            ItemKind::Enum => variant(&text, docs, serde, lines),
        };
        out.extend(member);
    }
    out
}

/// A field or tuple-variant line still open (`Option<\n  Vec<..>>`).
fn unbalanced(text: &str) -> bool {
    balance(text, '<', '>') > 0 || balance(text, '(', ')') > 0
}

fn field(text: &str, docs: String, serde: Vec<String>) -> Option<Member> {
    let text = strip_visibility(text);
    let (name, ty) = text.split_once(':')?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    Some(Member {
        name: name.trim_start_matches("r#").to_string(),
        ty: ty.trim().trim_end_matches(',').trim().replace(",>", ">"),
        docs,
        serde,
        fields: Vec::new(),
    })
}

fn variant<'a>(
    text: &str,
    docs: String,
    serde: Vec<String>,
    lines: &mut impl Iterator<Item = &'a str>,
) -> Option<Member> {
    let name: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if name.is_empty() {
        return None;
    }
    let rest = text[name.len()..].trim();
    let (ty, fields) = if rest.starts_with('{') {
        (String::new(), members(lines, ItemKind::Struct))
    } else if rest.starts_with('(') {
        (rest.trim_end_matches(',').to_string(), Vec::new())
    } else {
        (String::new(), Vec::new())
    };
    Some(Member {
        name,
        ty,
        docs,
        serde,
        fields,
    })
}

fn attribute_value(serde: &[String], name: &str) -> Option<String> {
    serde.iter().find_map(|attr| {
        attr.split(',').find_map(|part| {
            let (key, value) = part.split_once('=')?;
            (key.trim() == name).then(|| value.trim().trim_matches('"').to_string())
        })
    })
}

fn has_word(serde: &[String], word: &str) -> bool {
    serde
        .iter()
        .any(|attr| attr.split(',').any(|part| part.trim() == word))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
//! A module.

#[cfg(test)]
mod sample_tests;

/// A thing
/// on two lines.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct Thing {
    /// Its name.
    pub name: String,
    /// A map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) map: Option<
        BTreeMap<String, u32>,
    >,
    #[serde(flatten)]
    inner: Inner,
}

/// What happened.
#[serde(
    tag = "status",
    rename_all = "snake_case"
)]
pub enum Outcome {
    /// Fine.
    Ok,
    /// Broken.
    Broken {
        /// Why.
        reason: String,
    },
    /// Wrapped.
    Wrapped(Thing),
}

#[cfg(test)]
mod tests {
    struct Hidden {
        x: u8,
    }
}

/// After the tests.
pub struct Last {
    /// One.
    pub one: u8,
}
"#;

    #[test]
    fn names_imported_from_this_crate_know_their_module() {
        let text = "use crate::observation::Observation;\nuse super::model::{\n    CaModel,\n};\nuse rule::Rule;\n";
        assert_eq!(
            internal_imports(text, "src/policy/rules.rs"),
            [
                ("Observation".to_string(), "src/observation".to_string()),
                ("CaModel".to_string(), "src/policy/model".to_string()),
                ("Rule".to_string(), "src/policy/rules/rule".to_string()),
            ]
        );
    }

    #[test]
    fn names_imported_from_outside_crates_are_known() {
        let text = "use serde_json::Value as Json;\nuse crate::x::Mine;\npub use model::Leaf;\npub use toml::{\n    Spanned,\n    Table,\n};\n";
        let crates = dependencies("[dependencies]\nserde-json = \"1\"\ntoml = { version = \"1\" }\n[profile.release]\ndebug = 1\n");
        assert_eq!(crates, ["std", "core", "alloc", "serde_json", "toml"]);
        assert_eq!(external_names(text, &crates), ["Json", "Spanned", "Table"]);
    }

    #[test]
    fn structs_enums_docs_and_serde_attributes_are_read() {
        let items = parse_file("src/x.rs", SAMPLE);
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            ["Thing", "Outcome", "Last"],
            "test modules are skipped"
        );
        let thing = &items[0];
        assert_eq!(thing.docs, "A thing on two lines.");
        assert_eq!(thing.attribute("rename_all").as_deref(), Some("snake_case"));
        let fields: Vec<(&str, &str)> = thing
            .members
            .iter()
            .map(|m| (m.name.as_str(), m.ty.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("name", "String"),
                ("map", "Option<BTreeMap<String, u32>>"),
                ("inner", "Inner")
            ]
        );
        assert!(thing.members[1].has("default"));
        assert!(thing.members[2].has("flatten"));
        assert_eq!(thing.members[2].docs, "");
        let outcome = &items[1];
        assert_eq!(outcome.attribute("tag").as_deref(), Some("status"));
        assert_eq!(outcome.members.len(), 3);
        assert_eq!(outcome.members[1].fields[0].name, "reason");
        assert_eq!(outcome.members[1].fields[0].docs, "Why.");
        assert_eq!(outcome.members[2].ty, "(Thing)");
    }
}
