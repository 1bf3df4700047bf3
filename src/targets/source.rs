//! Reading target and exclusion specs from files (`-i/--input`,
//! `--exclude-file`) or standard input (`-`): one spec per line, `#` starts a
//! comment that runs to the end of the line, blank lines are skipped. A line
//! with a comma is a CSV line `address,name[,port]` (see the `csv` module);
//! a header `address,name[,port]` as the first line with content is skipped.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use super::csv;
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
    let mut first_content = true;
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| TargetsError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let content = strip_comment(&line).trim();
        if content.is_empty() {
            continue;
        }
        let skip_header = first_content && csv::is_header(content);
        first_content = false;
        if !skip_header {
            specs.push(parse_line(content, &Origin::file_line(path, index + 1))?);
        }
    }
    Ok(specs)
}

/// One line with content: a CSV line when it has a comma, else one spec.
fn parse_line(content: &str, origin: &Origin) -> Result<TargetSpec, TargetsError> {
    if !content.contains(',') {
        return parse_spec_in(content, origin);
    }
    csv::parse_line(content).map_err(|reason| TargetsError::InvalidTarget {
        origin: origin.clone(),
        input: content.to_string(),
        reason,
    })
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
    fn reads_csv_lines_beside_plain_ones_and_skips_the_header() {
        let file = file_with(
            "# from the CMDB\naddress,name,port\n127.0.0.2,a.test,8443 # web\n10.0.0.9\n,b.test\n",
        );
        let specs = read_specs(file.path()).unwrap();
        let texts: Vec<String> = specs.iter().map(|spec| spec.to_string()).collect();
        assert_eq!(texts, ["a.test@127.0.0.2:8443", "10.0.0.9", "b.test"]);
    }

    #[test]
    fn a_header_after_the_first_line_is_an_error_naming_file_and_line() {
        let file = file_with("127.0.0.2,a.test\naddress,name\n");
        let message = read_specs(file.path()).unwrap_err().to_string();
        let expected = format!(
            "{}:2: 'address,name' is not a valid target: 'address' is not an IP address",
            file.path().display()
        );
        assert_eq!(message, expected);
    }

    #[test]
    fn bad_csv_line_names_file_and_line() {
        let file = file_with("address,name\n127.0.0.2,a.test\n\n10.0.0.0/24,b.test\n");
        let message = read_specs(file.path()).unwrap_err().to_string();
        let prefix = format!(
            "{}:4: '10.0.0.0/24,b.test' is not a valid target: ",
            file.path().display()
        );
        assert!(message.starts_with(&prefix), "{message}");
        assert!(message.contains("is a range"), "{message}");
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
