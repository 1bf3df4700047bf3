//! `rule-models.md`: every field a rule condition can read, per subject
//! kind, as the dotted path used in CEL (`leaf.subject.cn`), with its
//! type and the doc comment of the field in `src/policy/model/`.

use super::markdown::{cell, code, table};
use super::source::{Item, ItemKind, SourceIndex};
use super::types::{json_type, referenced, serde_name, simplify, unwrap};
use super::ReferenceError;
use crate::policy::SubjectKind;

/// The model type of each subject kind and the file it is defined in.
const ROOTS: [(SubjectKind, &str); 5] = [
    (SubjectKind::Leaf, "LeafModel"),
    (SubjectKind::Ca, "CaModel"),
    (SubjectKind::Chain, "ChainModel"),
    (SubjectKind::Endpoint, "EndpointModel"),
    (SubjectKind::Inventory, "InventoryModel"),
];

const MODEL_FILE: &str = "src/policy/model/mod.rs";

/// One readable path of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPath {
    /// `leaf.subject.cn`; `[]` marks each element of a list.
    pub path: String,
    /// Its JSON (CEL) type.
    pub ty: String,
    /// The field's doc comment.
    pub docs: String,
    /// The path holds an object whose fields follow.
    pub object: bool,
}

/// The paths of the model of `kind`, in field order.
pub fn paths(index: &SourceIndex, kind: SubjectKind) -> Result<Vec<ModelPath>, ReferenceError> {
    let name = ROOTS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, n)| *n)
        .unwrap_or_default();
    let root = index.get(name, MODEL_FILE)?;
    let mut out = Vec::new();
    walk(index, root, kind.name(), &mut out, 0);
    Ok(out)
}

fn walk(index: &SourceIndex, item: &Item, prefix: &str, out: &mut Vec<ModelPath>, depth: usize) {
    if depth > 8 {
        return;
    }
    for member in &item.members {
        let nested = referenced(index, &member.ty, &item.file)
            .into_iter()
            .find(|i| i.kind == ItemKind::Struct && !i.members.is_empty());
        if member.has("flatten") {
            if let Some(inner) = nested {
                walk(index, inner, prefix, out, depth + 1);
            }
            continue;
        }
        let path = format!("{prefix}.{}", serde_name(item, member));
        let ty = simplify(&member.ty);
        match nested {
            Some(inner) => {
                let list = unwrap(&ty, "Vec").is_some();
                let ty = match list {
                    true => "list of objects",
                    false => "object",
                };
                out.push(ModelPath {
                    path: path.clone(),
                    ty: ty.into(),
                    docs: member.docs.clone(),
                    object: true,
                });
                let child = if list { format!("{path}[]") } else { path };
                walk(index, inner, &child, out, depth + 1);
            }
            None => out.push(ModelPath {
                path,
                ty: json_type(&ty),
                docs: member.docs.clone(),
                object: false,
            }),
        }
    }
}

/// The page.
pub fn page(index: &SourceIndex) -> Result<String, ReferenceError> {
    let mut text = String::from(
        "Read from the model types in `src/policy/model/` (their fields and doc comments). \
         A rule's `condition` reads its subject through these paths (and `now`, the \
         evaluation time, RFC 3339). Every field is always present: absent text is `\"\"`, \
         absent numbers `-1` or `0` as described; every number is a CEL `int`. \
         `[]` stands for each element of a list (`leaf.endpoints.exists(e, e.port == 443)`).\n",
    );
    for (kind, name) in ROOTS {
        let root = index.get(name, MODEL_FILE)?;
        text.push_str(&format!(
            "\n## `{}` ({name})\n\n{}\n\n",
            kind.name(),
            cell(&root.docs)
        ));
        let rows: Vec<Vec<String>> = paths(index, kind)?
            .iter()
            .map(|p| vec![code(&p.path), cell(&p.ty), cell(&p.docs)])
            .collect();
        text.push_str(&table(&["path", "type", "meaning"], &rows));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::model_sample as sample;
    use serde_json::Value;
    use std::path::Path;
    use strum::VariantArray;

    fn sample_paths(value: &Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    sample_paths(v, &format!("{prefix}.{key}"), out);
                }
            }
            Value::Array(list) if list.first().is_some_and(Value::is_object) => {
                sample_paths(&list[0], &format!("{prefix}[]"), out);
            }
            _ => out.push(prefix.to_string()),
        }
    }

    /// The documented paths are the ones serde gives rules: the source
    /// reader neither misses a field nor invents one.
    #[test]
    fn the_documented_paths_are_the_serialised_model() {
        let index = SourceIndex::load(Path::new(env!("CARGO_MANIFEST_DIR")), &["src"]).unwrap();
        for &kind in SubjectKind::VARIANTS {
            let documented = paths(&index, kind).unwrap();
            let mut served = Vec::new();
            let name = kind.name();
            let sample = sample(kind);
            let Value::Object(root) = &sample else {
                panic!("{name}: not an object")
            };
            for (key, v) in root {
                sample_paths(v, &format!("{name}.{key}"), &mut served);
            }
            for path in &served {
                assert!(
                    documented.iter().any(|d| &d.path == path),
                    "{path} is served to rules but not documented"
                );
            }
            for d in documented.iter().filter(|d| !d.object) {
                let under_empty_list = served.iter().any(|s| d.path.starts_with(&format!("{s}[]")));
                assert!(
                    served.contains(&d.path) || under_empty_list,
                    "{} is documented but rules never see it",
                    d.path
                );
            }
            assert!(
                documented.iter().all(|d| !d.docs.is_empty()),
                "{name}: a field without a doc comment"
            );
        }
    }
}
