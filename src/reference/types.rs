//! Reading Rust type expressions for the pages: the JSON or TOML type a
//! field has, the documented types it refers to, and serde's renaming.

use super::source::{Item, ItemKind, Member, SourceIndex};

/// Wrappers that do not change what a value looks like in JSON or TOML.
const TRANSPARENT: &[&str] = &["Spanned", "Box", "Arc", "Rc", "Cow"];

/// The identifiers in a type expression, in order (`Option<Vec<Foo>>` ->
/// `Option`, `Vec`, `Foo`).
pub fn identifiers(ty: &str) -> Vec<&str> {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|s| s.starts_with(|c: char| c.is_ascii_uppercase()))
        .collect()
}

/// The type without references, lifetimes, paths and transparent
/// wrappers: `Option<Spanned<super::scope::RawScope>>` ->
/// `Option<RawScope>`.
pub fn simplify(ty: &str) -> String {
    let mut text = ty
        .replace("&'static ", "")
        .replace("&'a ", "")
        .replace('&', "");
    text = text.replace("'a, ", "").replace("<'a>", "");
    // drop module paths: keep the last segment of every a::b::C
    let mut out = String::new();
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once('\0')) {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
            continue;
        }
        out.push_str(word.rsplit("::").next().unwrap_or(&word));
        word.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    for wrapper in TRANSPARENT {
        while let Some(start) = out.find(&format!("{wrapper}<")) {
            let inner_start = start + wrapper.len() + 1;
            let Some(end) = matching_close(&out, inner_start) else {
                break;
            };
            out = format!(
                "{}{}{}",
                &out[..start],
                &out[inner_start..end],
                &out[end + 1..]
            );
        }
    }
    out
}

fn matching_close(text: &str, from: usize) -> Option<usize> {
    let mut depth = 1;
    for (i, c) in text[from..].char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return Some(from + i);
        }
    }
    None
}

/// The documented types `ty` names, looked up near `file`; a name written
/// with an outside crate's path (`serde_json::Value`) is not ours.
pub fn referenced<'a>(index: &'a SourceIndex, ty: &str, file: &str) -> Vec<&'a Item> {
    let foreign = foreign_names(ty, &index.crates);
    identifiers(&simplify(ty))
        .into_iter()
        .filter(|name| !foreign.contains(name))
        .filter_map(|name| index.find(name, file))
        .collect()
}

/// The last segments of the paths in `ty` that start with one of the
/// outside `crates`.
fn foreign_names<'t>(ty: &'t str, crates: &[String]) -> Vec<&'t str> {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|path| path.contains("::"))
        .filter(|path| {
            let first = path.split("::").next().unwrap_or_default();
            crates.iter().any(|c| c == first)
        })
        .filter_map(|path| path.rsplit("::").next())
        .collect()
}

/// Every documented type reachable from `roots` through field and variant
/// types, roots first, then in the order first met.
pub fn reachable<'a>(index: &'a SourceIndex, roots: &[&'a Item]) -> Vec<&'a Item> {
    let mut out: Vec<&Item> = Vec::new();
    let mut queue: std::collections::VecDeque<&Item> = roots.iter().copied().collect();
    while let Some(item) = queue.pop_front() {
        if out.iter().any(|seen| std::ptr::eq(*seen, item)) {
            continue;
        }
        out.push(item);
        let shown = item
            .members
            .iter()
            .filter(|m| !m.has("skip") && !m.has("skip_serializing"));
        for member in shown {
            let types = std::iter::once(member.ty.as_str())
                .chain(member.fields.iter().map(|f| f.ty.as_str()));
            for ty in types {
                queue.extend(referenced(index, ty, &item.file));
            }
        }
    }
    out
}

/// The name serde gives `member` of `item` (its `rename`, else the
/// item's `rename_all` applied to variants, else the name itself).
pub fn serde_name(item: &Item, member: &Member) -> String {
    if let Some(name) = member.renamed() {
        return name;
    }
    match (item.kind, item.attribute("rename_all").as_deref()) {
        (ItemKind::Enum, Some("snake_case")) => snake_case(&member.name),
        (ItemKind::Enum, Some("lowercase")) => member.name.to_lowercase(),
        (ItemKind::Enum, Some("kebab-case")) => snake_case(&member.name).replace('_', "-"),
        _ => member.name.clone(),
    }
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The value type a JSON reader sees for a simplified Rust type.
pub fn json_type(ty: &str) -> String {
    let ty = simplify(ty);
    if let Some(inner) = unwrap(&ty, "Option") {
        return format!("{} or null", json_type(inner));
    }
    if let Some(inner) = unwrap(&ty, "Vec").or_else(|| unwrap(&ty, "BTreeSet")) {
        return format!("list of {}", json_type(inner));
    }
    // a shared slice (`Arc<[T]>`, whose `Arc` `simplify` drops)
    if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return format!("list of {}", json_type(inner));
    }
    if let Some(inner) = unwrap(&ty, "BTreeMap").or_else(|| unwrap(&ty, "HashMap")) {
        let value = inner.split_once(',').map_or(inner, |(_, v)| v.trim());
        return format!("map of {}", json_type(value));
    }
    match ty.as_str() {
        "String" | "str" | "PathBuf" | "IpAddr" | "OffsetDateTime" | "Date" => "string".into(),
        "bool" => "bool".into(),
        "i64" | "i32" | "i16" | "i8" | "u64" | "u32" | "u16" | "u8" | "usize" => "int".into(),
        "f64" | "f32" => "number".into(),
        "Value" | "Json" => "any JSON".into(),
        other => other.to_string(),
    }
}

/// `inner` when `ty` is `wrapper<inner>`.
pub fn unwrap<'t>(ty: &'t str, wrapper: &str) -> Option<&'t str> {
    ty.strip_prefix(wrapper)?
        .strip_prefix('<')?
        .strip_suffix('>')
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_as_their_values() {
        assert_eq!(
            simplify("Option<Spanned<super::scope::RawScope>>"),
            "Option<RawScope>"
        );
        assert_eq!(simplify("&'a Observation"), "Observation");
        assert_eq!(json_type("Vec<Spanned<String>>"), "list of string");
        assert_eq!(json_type("Arc<[String]>"), "list of string");
        assert_eq!(json_type("Arc<str>"), "string");
        assert_eq!(
            json_type("Option<BTreeMap<String, f64>>"),
            "map of number or null"
        );
        assert_eq!(identifiers("Option<Vec<Foo>>"), ["Option", "Vec", "Foo"]);
        assert_eq!(
            foreign_names(
                "Option<serde_json::Value>, super::x::Mine, model::Leaf",
                &["serde_json".to_string()]
            ),
            ["Value"]
        );
    }
}
