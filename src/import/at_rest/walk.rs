//! The files under a directory, recursively, in name order (so two walks
//! of the same tree list the same files in the same order): symbolic
//! links to files are followed, links to directories are not (no loops,
//! no leaving the tree); a directory that cannot be listed is skipped and
//! reported, never silently lost.

use std::path::{Path, PathBuf};

/// One file found: its path and its path relative to the root
/// (`/`-separated, what `--glob` matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The file.
    pub path: PathBuf,
    /// Relative to the directory walked.
    pub relative: String,
}

/// What the walk found: files, and what it could not enter.
#[derive(Debug, Default)]
pub struct Walk {
    /// The files, in name order (depth first).
    pub files: Vec<Found>,
    /// Directories that could not be listed.
    pub unreadable: Vec<String>,
    /// Links to directories, not followed.
    pub linked_directories: Vec<String>,
}

/// Walks `root` (a directory).
pub fn walk(root: &Path) -> std::io::Result<Walk> {
    let mut walk = Walk::default();
    let mut entries = listing(root)?;
    entries.reverse();
    let mut stack: Vec<(PathBuf, String)> = entries;
    while let Some((path, relative)) = stack.pop() {
        let Ok(kind) = std::fs::symlink_metadata(&path).map(|m| m.file_type()) else {
            walk.unreadable.push(path.display().to_string());
            continue;
        };
        if kind.is_dir() {
            match listing(&path) {
                Ok(children) => stack.extend(children.into_iter().rev().map(|(p, r)| {
                    let relative = format!("{relative}/{r}");
                    (p, relative)
                })),
                Err(_) => walk.unreadable.push(path.display().to_string()),
            }
        } else if kind.is_symlink() && path.is_dir() {
            walk.linked_directories.push(path.display().to_string());
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            walk.files.push(Found { path, relative });
        }
    }
    Ok(walk)
}

/// The entries of `directory`, sorted by name, with their names.
fn listing(directory: &Path) -> std::io::Result<Vec<(PathBuf, String)>> {
    let mut entries: Vec<(PathBuf, String)> = std::fs::read_dir(directory)?
        .filter_map(Result::ok)
        .map(|e| (e.path(), e.file_name().to_string_lossy().into_owned()))
        .collect();
    entries.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_come_in_name_order_and_directory_links_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/c")).unwrap();
        std::fs::write(root.join("z.pem"), "").unwrap();
        std::fs::write(root.join("a.pem"), "").unwrap();
        std::fs::write(root.join("b/c/d.der"), "").unwrap();
        std::os::unix::fs::symlink(root.join("b"), root.join("loop")).unwrap();
        std::os::unix::fs::symlink(root.join("a.pem"), root.join("link.pem")).unwrap();
        let walk = walk(root).unwrap();
        let relative: Vec<&str> = walk.files.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(relative, ["a.pem", "b/c/d.der", "link.pem", "z.pem"]);
        assert_eq!(walk.linked_directories.len(), 1);
        assert!(walk.unreadable.is_empty());
    }
}
