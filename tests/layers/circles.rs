//! The circle check: inside one folder, the files and sub-folders (the
//! folder's child modules) must not import each other in a loop. It reads
//! the paths each non-test file names (`use` trees, `crate::`, `super::`
//! and `self::` paths inline, `use child::…` of a module declared there),
//! resolves each to the file that defines it (following `pub use`
//! re-exports, so a loop through a `mod.rs` re-export counts), and finds
//! the strongly connected components of the child modules of every folder.
//! Loops between top-level modules are the stage check's business.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root, e.g. `["app", "scan"]`.
type ModulePath = Vec<String>;

/// One parsed source file: what it names and what it re-exports.
struct SourceFile {
    /// Absolute module paths the file's non-test code names.
    named: Vec<ModulePath>,
    /// `pub use` names: the name another module may use, and its path.
    reexports: BTreeMap<String, ModulePath>,
}

/// The files of a source tree by module path, test code left out.
pub struct Tree {
    files: BTreeMap<ModulePath, SourceFile>,
}

impl Tree {
    /// Reads every non-test `.rs` file under `src` (not `lib.rs`/`main.rs`).
    pub fn read(src: &Path) -> Tree {
        let mut sources: BTreeMap<ModulePath, String> = BTreeMap::new();
        let mut stack = vec![src.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let module = module_path(src, &path);
                    if !module.is_empty() {
                        sources.insert(module, std::fs::read_to_string(&path).expect("read"));
                    }
                }
            }
        }
        Tree::from_sources(sources)
    }

    /// Builds the tree from module paths and their text.
    fn from_sources(sources: BTreeMap<ModulePath, String>) -> Tree {
        let test_modules: BTreeSet<ModulePath> = sources
            .iter()
            .flat_map(|(module, text)| {
                test_children(text).into_iter().map(|child| {
                    let mut path = module.clone();
                    path.push(child);
                    path
                })
            })
            .collect();
        let is_test = |module: &ModulePath| {
            let last = module.last().map(String::as_str).unwrap_or_default();
            last == "tests"
                || last.ends_with("_tests")
                || module.iter().any(|m| m == "tests")
                || test_modules.iter().any(|t| module.starts_with(t))
        };
        let known: BTreeSet<ModulePath> = sources.keys().cloned().collect();
        let files = sources
            .iter()
            .filter(|(module, _)| !is_test(module))
            .map(|(module, text)| (module.clone(), parse(module, &code_of(text), &known)))
            .collect();
        Tree { files }
    }

    /// The file (module path) that defines `path`, following re-exports.
    fn resolve(&self, path: &[String], depth: usize) -> Option<ModulePath> {
        let file = (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|prefix| self.files.contains_key(prefix))?;
        let rest = &path[file.len()..];
        if let (Some(first), true) = (rest.first(), depth < 8) {
            if let Some(target) = self.files[&file].reexports.get(first) {
                let mut next = target.clone();
                next.extend(rest[1..].iter().cloned());
                if next != path {
                    return self.resolve(&next, depth + 1).or(Some(file));
                }
            }
        }
        Some(file)
    }

    /// The arrows between child modules of each folder: for folder `f`,
    /// `a → b` when a file inside `f::a` names something defined in `f::b`.
    fn sibling_arrows(&self) -> BTreeMap<ModulePath, BTreeSet<(String, String)>> {
        let mut arrows: BTreeMap<ModulePath, BTreeSet<(String, String)>> = BTreeMap::new();
        for (from, file) in &self.files {
            for named in &file.named {
                let Some(to) = self.resolve(named, 0) else {
                    continue;
                };
                let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
                if common == 0 || common >= from.len() || common >= to.len() {
                    continue;
                }
                arrows
                    .entry(from[..common].to_vec())
                    .or_default()
                    .insert((from[common].clone(), to[common].clone()));
            }
        }
        arrows
    }

    /// The names behind the arrows of `circle` (as [`Tree::circles`] gives
    /// it): `file names path`, one a line, to say where to cut.
    pub fn evidence(&self, circle: &[String]) -> Vec<String> {
        let inside = |module: &ModulePath| {
            let joined = module.join("/");
            circle
                .iter()
                .find(|member| joined == **member || joined.starts_with(&format!("{member}/")))
                .cloned()
        };
        let mut lines = BTreeSet::new();
        for (from, file) in &self.files {
            let Some(source) = inside(from) else { continue };
            for named in &file.named {
                let target = self.resolve(named, 0).as_ref().and_then(inside);
                if target.is_some_and(|target| target != source) {
                    lines.insert(format!("{} names {}", from.join("/"), named.join("::")));
                }
            }
        }
        lines.into_iter().collect()
    }

    /// Every loop of child modules inside one folder, as
    /// `folder/child` paths, each loop sorted.
    pub fn circles(&self) -> BTreeSet<Vec<String>> {
        let mut found = BTreeSet::new();
        for (folder, arrows) in self.sibling_arrows() {
            for component in strongly_connected(&arrows) {
                let prefix = folder.join("/");
                found.insert(
                    component
                        .into_iter()
                        .map(|child| format!("{prefix}/{child}"))
                        .collect(),
                );
            }
        }
        found
    }
}

/// `src/a/b.rs` → `[a, b]`, `src/a/mod.rs` → `[a]`, `src/lib.rs` → `[]`.
fn module_path(src: &Path, file: &Path) -> ModulePath {
    let relative: PathBuf = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: ModulePath = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod"))
        || (parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main"))
    {
        parts.pop();
    }
    parts
}

/// The names of the child modules a file declares under `#[cfg(test)]`.
fn test_children(text: &str) -> Vec<String> {
    let mut children = Vec::new();
    let mut under_test = false;
    for line in text.lines().map(str::trim) {
        if line == "#[cfg(test)]" {
            under_test = true;
        } else if line.starts_with("#[") {
            continue;
        } else {
            if under_test {
                let declared = line
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ")
                    .strip_prefix("mod ");
                if let Some(name) = declared {
                    let name: String = name.chars().take_while(|c| is_ident(*c)).collect();
                    children.push(name);
                }
            }
            under_test = false;
        }
    }
    children
}

/// The file's code without comments and without an inline test module.
fn code_of(text: &str) -> String {
    let code = text
        .split("#[cfg(test)]\nmod tests {")
        .next()
        .unwrap_or_default();
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .map(|line| line.split(" // ").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths named in `code` (of module `module`), made absolute.
fn parse(module: &ModulePath, code: &str, known: &BTreeSet<ModulePath>) -> SourceFile {
    let mut file = SourceFile {
        named: Vec::new(),
        reexports: BTreeMap::new(),
    };
    let chars: Vec<char> = code.chars().collect();
    let child = |name: &str| {
        let mut path = module.clone();
        path.push(name.to_string());
        known.contains(&path)
    };
    // `use` statements: every leaf, re-exports remembered by name
    for (at, _) in code.match_indices("use ") {
        let before = code[..at].trim_end_matches(' ');
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        let head = before[line_start..].trim();
        let public = head.starts_with("pub");
        if !(head.is_empty() || (public && !head.contains(' ')) || head.starts_with("pub(in")) {
            continue;
        }
        let mut i = code[..at + 4].chars().count();
        let mut leaves = Vec::new();
        use_tree(&chars, &mut i, Vec::new(), &mut leaves);
        for (path, alias) in leaves {
            let Some(absolute) = absolute(module, &path, &child) else {
                continue;
            };
            if public {
                if let Some(name) = alias.or_else(|| path.last().cloned()) {
                    if name != "self" && name != "*" {
                        file.reexports.insert(name, absolute.clone());
                    }
                }
            }
            file.named.push(absolute);
        }
    }
    // inline `crate::`, `super::` and `self::` paths
    for start in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(start) {
            let previous = code[..at].chars().last();
            if previous.is_some_and(|c| is_ident(c) || c == ':') {
                continue;
            }
            let mut i = code[..at].chars().count();
            let mut leaves = Vec::new();
            use_tree(&chars, &mut i, Vec::new(), &mut leaves);
            file.named.extend(
                leaves
                    .into_iter()
                    .filter_map(|(path, _)| absolute(module, &path, &child)),
            );
        }
    }
    file
}

/// Parses a use tree at `i`: `a::b::{c, d::e as f, self}`; each leaf with
/// its alias.
fn use_tree(
    chars: &[char],
    i: &mut usize,
    mut prefix: Vec<String>,
    leaves: &mut Vec<(Vec<String>, Option<String>)>,
) {
    loop {
        skip_space(chars, i);
        let start = *i;
        while *i < chars.len() && is_ident(chars[*i]) {
            *i += 1;
        }
        if *i == start {
            if chars.get(*i) == Some(&'{') {
                *i += 1;
                loop {
                    skip_space(chars, i);
                    match chars.get(*i) {
                        None => return,
                        Some('}') => {
                            *i += 1;
                            return;
                        }
                        Some(',') => *i += 1,
                        Some(_) => {
                            let before = *i;
                            use_tree(chars, i, prefix.clone(), leaves);
                            if *i == before {
                                *i += 1;
                            }
                        }
                    }
                }
            }
            if chars.get(*i) == Some(&'*') {
                *i += 1;
            }
            break;
        }
        prefix.push(chars[start..*i].iter().collect());
        if chars.get(*i) == Some(&':') && chars.get(*i + 1) == Some(&':') {
            *i += 2;
            continue;
        }
        break;
    }
    skip_space(chars, i);
    let mut alias = None;
    if chars[*i..].starts_with(&['a', 's', ' ']) {
        *i += 3;
        skip_space(chars, i);
        let start = *i;
        while *i < chars.len() && is_ident(chars[*i]) {
            *i += 1;
        }
        alias = Some(chars[start..*i].iter().collect());
    }
    if !prefix.is_empty() {
        leaves.push((prefix, alias));
    }
}

fn skip_space(chars: &[char], i: &mut usize) {
    while *i < chars.len() && chars[*i].is_whitespace() {
        *i += 1;
    }
}

/// `path` as named in `module`, from the crate root; `None` for another
/// crate.
fn absolute(
    module: &ModulePath,
    path: &[String],
    child: &dyn Fn(&str) -> bool,
) -> Option<ModulePath> {
    let first = path.first()?;
    let mut absolute = match first.as_str() {
        "crate" => Vec::new(),
        "self" | "super" => module.clone(),
        name if child(name) => module.clone(),
        _ => return None,
    };
    let skip = usize::from(first == "crate" || first == "self");
    for segment in &path[skip..] {
        match segment.as_str() {
            "super" => {
                absolute.pop()?;
            }
            "self" => {}
            name => absolute.push(name.to_string()),
        }
    }
    Some(absolute)
}

/// The components of more than one node of a directed graph (Tarjan).
fn strongly_connected(arrows: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in arrows {
        next.entry(from).or_default().push(to);
        next.entry(to).or_default();
    }
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(node: &'a str, next: &BTreeMap<&'a str, Vec<&'a str>>, s: &mut State<'a>) {
        let n = s.index.len();
        s.index.insert(node, n);
        s.low.insert(node, n);
        s.stack.push(node);
        s.on_stack.insert(node);
        for &to in &next[node] {
            if !s.index.contains_key(to) {
                visit(to, next, s);
                let low = s.low[node].min(s.low[to]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(to) {
                let low = s.low[node].min(s.index[to]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut component = Vec::new();
            while let Some(top) = s.stack.pop() {
                s.on_stack.remove(top);
                component.push(top.to_string());
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for &node in next.keys() {
        if !state.index.contains_key(node) {
            visit(node, &next, &mut state);
        }
    }
    state.found
}

/// A tree from `(file under src, text)` pairs, for the checker's own test.
pub fn tree_of(files: &[(&str, &str)]) -> Tree {
    let sources = files
        .iter()
        .map(|(path, text)| {
            (
                module_path(Path::new("src"), &Path::new("src").join(path)),
                text.to_string(),
            )
        })
        .collect();
    Tree::from_sources(sources)
}
