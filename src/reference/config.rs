//! `config.md`: every key of the config file, read from the types serde
//! loads it with (`RawConfig` in `src/config/raw.rs` and the tables it
//! refers to), with each field's doc comment. Unknown keys are errors, so
//! this is the whole language of the file.

use super::markdown::{cell, code, table};
use super::source::{Item, ItemKind, Member, SourceIndex};
use super::types::{referenced, simplify, unwrap};
use super::ReferenceError;

const ROOT_FILE: &str = "src/config/raw.rs";

/// The page.
pub fn page(index: &SourceIndex) -> Result<String, ReferenceError> {
    let root = index.get("RawConfig", ROOT_FILE)?;
    let mut text = String::from(
        "Read from the serde types of the config loader (`src/config/`: `RawConfig` and \
         the tables it refers to) and their doc comments. Every table is optional; an \
         unknown key or a value of the wrong type stops the run with exit code 2 and \
         `file:line:column`. A commented example: `examples/certatlas.toml`.\n",
    );
    section(index, root, None, &mut text);
    Ok(text)
}

/// One table's keys, then its sub-tables. `path` is `None` at the top.
fn section(index: &SourceIndex, item: &Item, path: Option<(&str, bool)>, text: &mut String) {
    let heading = match path {
        None => "Top level".to_string(),
        Some((name, true)) => format!("`[[{name}]]`"),
        Some((name, false)) => format!("`[{name}]`"),
    };
    text.push_str(&format!("\n## {heading}\n\n"));
    let mut rows = Vec::new();
    let mut tables = Vec::new();
    for member in &item.members {
        match table_of(index, item, member) {
            Some(inner) => {
                let array = simplify(&member.ty).contains("Vec<");
                tables.push((member, inner, array));
                let shown = match array {
                    true => "array of tables",
                    false => "table",
                };
                rows.push(row(member, shown, false));
            }
            None => rows.push(row(member, &toml_type(&member.ty), required(member))),
        }
    }
    text.push_str(&table(&["key", "type", "meaning"], &rows));
    for (member, inner, array) in tables {
        let name = match path {
            Some((parent, _)) => format!("{parent}.{}", member.name),
            None => member.name.clone(),
        };
        section(index, inner, Some((&name, array)), text);
    }
}

fn row(member: &Member, ty: &str, required: bool) -> Vec<String> {
    let ty = match required {
        true => format!("{ty}, required"),
        false => ty.to_string(),
    };
    vec![code(&member.name), cell(&ty), cell(&member.docs)]
}

/// The struct a member's value is a table of, when it is one.
fn table_of<'a>(index: &'a SourceIndex, item: &Item, member: &Member) -> Option<&'a Item> {
    referenced(index, &member.ty, &item.file)
        .into_iter()
        .find(|i| i.kind == ItemKind::Struct && !i.members.is_empty())
}

fn required(member: &Member) -> bool {
    !simplify(&member.ty).starts_with("Option<") && !member.has("default")
}

/// The TOML type of a value.
fn toml_type(ty: &str) -> String {
    let ty = simplify(ty);
    if let Some(inner) = unwrap(&ty, "Option") {
        return toml_type(inner);
    }
    if let Some(inner) = unwrap(&ty, "Vec") {
        return format!("array of {}s", toml_type(inner));
    }
    if let Some(inner) = unwrap(&ty, "BTreeMap") {
        let value = inner.split_once(',').map_or(inner, |(_, v)| v.trim());
        return format!("table of {}s", toml_type(value));
    }
    match ty.as_str() {
        "String" => "string".into(),
        "bool" => "boolean".into(),
        "i64" | "u32" | "u64" => "integer".into(),
        "f64" => "float".into(),
        "Value" | "TomlValue" => "date or string".into(),
        "OneOrMany" => "string or array of strings".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn every_table_and_key_of_the_loader_is_listed() {
        let index = SourceIndex::load(Path::new(env!("CARGO_MANIFEST_DIR")), &["src"]).unwrap();
        let text = page(&index).unwrap();
        for heading in [
            "## `[scope]`",
            "## `[[anchors]]`",
            "## `[[owners]]`",
            "## `[[alerts.webhook]]`",
            "## `[watch]`",
            "## `[maturity]`",
        ] {
            assert!(text.contains(heading), "{heading} missing:\n{text}");
        }
        assert!(text.contains("| `per_host` | integer |"), "{text}");
        assert!(text.contains("| `reason` | string, required |"), "{text}");
        assert!(
            !text.contains("|  |\n"),
            "every key has a description:\n{text}"
        );
    }
}
