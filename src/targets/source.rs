//! Reading target and exclusion specs from files (`-i/--input`,
//! `--exclude-file`) or standard input (`-`): one spec per line, `#` starts a
//! comment that runs to the end of the line, blank lines are skipped.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use super::error::{Origin, TargetsError};
use super::spec::{parse_spec_in, TargetSpec};

/// Reads specs from the file at `path`, or from standard input when `path`
/// is `-`. Parse errors name the file and line (`targets.txt:3: ...`); a file
/// that cannot be opened or read is [`TargetsError::Unreadable`] with the
/// operating system's reason.
pub fn read_specs(path: &Path) -> Result<Vec<TargetSpec>, TargetsError> {
    if path == Path::new("-") {
        return read_specs_from(io::stdin().lock(), path);
    }
    let file = File::open(path).map_err(|source| TargetsError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    read_specs_from(BufReader::new(file), path)
}

/// Reads specs from `reader`, naming it `path` in errors.
pub fn read_specs_from(reader: impl BufRead, path: &Path) -> Result<Vec<TargetSpec>, TargetsError> {
    let mut specs = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| TargetsError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let content = strip_comment(&line).trim();
        if !content.is_empty() {
            specs.push(parse_spec_in(content, &Origin::file_line(path, index + 1))?);
        }
    }
    Ok(specs)
}

/// `line` without its `#` comment, if any.
fn strip_comment(line: &str) -> &str {
    line.split_once('#').map_or(line, |(before, _)| before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::IpAddr;

    fn file_with(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file
    }

    #[test]
    fn reads_specs_skipping_comments_and_blank_lines() {
        let file = file_with("# scan list\n\n10.0.0.1  # gateway\n   \nExample.com:8443\n[::1]\n");
        let specs = read_specs(file.path()).unwrap();
        let gateway: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(
            specs,
            vec![
                TargetSpec::Addresses {
                    first: gateway,
                    last: gateway,
                    port: None
                },
                TargetSpec::Host {
                    name: "example.com".into(),
                    port: Some(8443)
                },
                TargetSpec::Addresses {
                    first: "::1".parse().unwrap(),
                    last: "::1".parse().unwrap(),
                    port: None
                },
            ]
        );
    }

    #[test]
    fn bad_line_error_names_file_and_line() {
        let file = file_with("10.0.0.1\n# comment\n10.0.0.0/33\nok.example\n");
        let message = read_specs(file.path()).unwrap_err().to_string();
        let expected = format!(
            "{}:3: '10.0.0.0/33' is not a valid target: prefix length 33 is over 32",
            file.path().display()
        );
        assert_eq!(message, expected);
    }

    #[test]
    fn unreadable_file_names_file_and_reason() {
        let directory = tempfile::tempdir().unwrap();
        let missing = directory.path().join("missing.txt");
        let error = read_specs(&missing).unwrap_err();
        assert!(matches!(error, TargetsError::Unreadable { .. }));
        let message = error.to_string();
        assert!(message.contains("missing.txt"), "{message}");
        assert!(message.contains("(os error 2)"), "{message}");
    }

    #[test]
    fn invalid_utf8_is_reported_as_unreadable() {
        let reader = io::Cursor::new(b"10.0.0.1\n\xff\xfe\n".to_vec());
        let message = read_specs_from(reader, Path::new("bytes.txt"))
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("cannot read 'bytes.txt': "),
            "{message}"
        );
    }

    #[test]
    fn stdin_errors_are_labelled_stdin() {
        let reader = io::Cursor::new("bad host!\n");
        let message = read_specs_from(reader, Path::new("-"))
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("<stdin>:1: 'bad host!'"), "{message}");
    }
}
