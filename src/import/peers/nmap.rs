//! nmap XML (`nmap -oX FILE --script ssl-cert`): per `host`, its
//! `address` and user-given `hostname`, and per `port` its `state`, the
//! `service` nmap took it for and the `ssl-cert` script's `pem` element,
//! the leaf certificate. nmap reports no intermediates: every chain
//! imported from it is the leaf alone, counted as such. Read as a stream
//! (quick-xml); one host's ports are held until the host ends.

use std::net::IpAddr;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use time::OffsetDateTime;

use super::digest::{self, Hashed};
use super::record::{self, Seen};
use super::{pem, Failure, PeerProblem, Visit};
use crate::observation::{Outcome, Phase};

const FORMAT: &str = "nmap";

/// One port of the current host.
#[derive(Default)]
struct Port {
    number: u16,
    tcp: bool,
    state: String,
    service: Option<String>,
    tunnel_ssl: bool,
    pem: Option<String>,
    /// Byte offset of its element, for messages.
    offset: u64,
}

/// The host being read.
#[derive(Default)]
struct Host {
    started: Option<OffsetDateTime>,
    address: Option<IpAddr>,
    hostname: Option<String>,
    ports: Vec<Port>,
    offset: u64,
}

/// Where the reader is.
#[derive(Default)]
struct Place {
    run_start: Option<OffsetDateTime>,
    nmaprun: bool,
    host: Option<Host>,
    port: Option<Port>,
    in_ssl_cert: bool,
    /// The `key` of the `elem` being read inside `ssl-cert`, and its depth
    /// of `table`s.
    elem_key: Option<String>,
    tables: u32,
}

/// Walks the document; returns the file's SHA-256.
pub(super) fn read(path: &Path, visit: &mut Visit<'_>) -> Result<String, Failure> {
    let source = Hashed::open(path).map_err(Failure::Read)?;
    let mut reader = Reader::from_reader(source);
    let mut buffer = Vec::new();
    let mut place = Place::default();
    loop {
        let offset = reader.buffer_position();
        let at = |problem: PeerProblem| Failure::At {
            line: digest::line_at(path, offset),
            problem,
        };
        let event = match reader.read_event_into(&mut buffer) {
            Ok(event) => event,
            Err(quick_xml::Error::Io(e)) => return Err(Failure::Read(std::io::Error::other(e))),
            Err(e) => {
                let line = digest::line_at(path, reader.error_position());
                let problem = PeerProblem::Xml(e.to_string());
                return Err(Failure::At { line, problem });
            }
        };
        match event {
            Event::Start(element) => start(&element, offset, &mut place, visit).map_err(at)?,
            Event::Empty(element) => {
                start(&element, offset, &mut place, visit).map_err(at)?;
                end(element.name().as_ref(), &mut place, visit, path)?;
            }
            Event::Text(text) if place.elem_key.as_deref() == Some("pem") => {
                let text = text
                    .unescape()
                    .map_err(|e| at(PeerProblem::Xml(e.to_string())))?;
                if let Some(port) = place.port.as_mut() {
                    port.pem.get_or_insert_with(String::new).push_str(&text);
                }
            }
            Event::End(element) => end(element.name().as_ref(), &mut place, visit, path)?,
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    if !place.nmaprun {
        let problem = PeerProblem::Shape("nmap XML without an nmaprun element");
        return Err(Failure::At { line: 1, problem });
    }
    Hashed::finish(reader.into_inner()).map_err(Failure::Read)
}

/// The value of attribute `name` of `element`, unescaped.
fn attribute(element: &BytesStart<'_>, name: &str) -> Result<Option<String>, PeerProblem> {
    match element.try_get_attribute(name) {
        Ok(Some(attribute)) => match attribute.unescape_value() {
            Ok(value) => Ok(Some(value.into_owned())),
            Err(e) => Err(PeerProblem::Xml(e.to_string())),
        },
        Ok(None) => Ok(None),
        Err(e) => Err(PeerProblem::Xml(e.to_string())),
    }
}

/// An epoch-seconds attribute (`start`, `starttime`, `time`).
fn epoch(
    element: &BytesStart<'_>,
    name: &'static str,
) -> Result<Option<OffsetDateTime>, PeerProblem> {
    let Some(text) = attribute(element, name)? else {
        return Ok(None);
    };
    let seconds: i64 = text
        .trim()
        .parse()
        .map_err(|_| PeerProblem::bad(FORMAT, name, &text, "not seconds since 1970"))?;
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(Some)
        .map_err(|e| PeerProblem::bad(FORMAT, name, &text, e.to_string()))
}

fn start(
    element: &BytesStart<'_>,
    offset: u64,
    place: &mut Place,
    visit: &mut Visit<'_>,
) -> Result<(), PeerProblem> {
    match element.name().as_ref() {
        b"nmaprun" => {
            place.nmaprun = true;
            place.run_start = epoch(element, "start")?;
            visit.facts.started_at = place.run_start;
            visit.facts.tool_version = attribute(element, "version")?;
        }
        b"host" => {
            place.host = Some(Host {
                started: epoch(element, "starttime")?,
                offset,
                ..Host::default()
            });
        }
        b"address" => {
            let kind = attribute(element, "addrtype")?.unwrap_or_default();
            if let (Some(host), "ipv4" | "ipv6") = (place.host.as_mut(), kind.as_str()) {
                let text = attribute(element, "addr")?.unwrap_or_default();
                host.address = Some(record::address(FORMAT, "address addr", &text)?);
            }
        }
        b"hostname" => {
            let user = attribute(element, "type")?.as_deref() == Some("user");
            if let (Some(host), true) = (place.host.as_mut(), user) {
                host.hostname = attribute(element, "name")?;
            }
        }
        b"port" if place.host.is_some() => {
            let text = attribute(element, "portid")?.unwrap_or_default();
            let number = text
                .parse()
                .map_err(|_| PeerProblem::bad(FORMAT, "portid", &text, "not a TCP port"))?;
            place.port = Some(Port {
                number,
                tcp: attribute(element, "protocol")?.as_deref() == Some("tcp"),
                offset,
                ..Port::default()
            });
        }
        b"state" => {
            if let Some(port) = place.port.as_mut() {
                port.state = attribute(element, "state")?.unwrap_or_default();
            }
        }
        b"service" => {
            if let Some(port) = place.port.as_mut() {
                port.service = attribute(element, "name")?;
                port.tunnel_ssl = attribute(element, "tunnel")?.as_deref() == Some("ssl");
            }
        }
        b"script" if place.port.is_some() => {
            place.in_ssl_cert = attribute(element, "id")?.as_deref() == Some("ssl-cert");
            place.tables = 0;
        }
        b"table" if place.in_ssl_cert => place.tables += 1,
        b"elem" if place.in_ssl_cert && place.tables == 0 => {
            place.elem_key = attribute(element, "key")?;
        }
        b"finished" => visit.facts.finished_at = epoch(element, "time")?,
        _ => {}
    }
    Ok(())
}

fn end(name: &[u8], place: &mut Place, visit: &mut Visit<'_>, path: &Path) -> Result<(), Failure> {
    match name {
        b"elem" => place.elem_key = None,
        b"table" if place.in_ssl_cert => place.tables = place.tables.saturating_sub(1),
        b"script" => place.in_ssl_cert = false,
        b"port" => {
            if let (Some(port), Some(host)) = (place.port.take(), place.host.as_mut()) {
                host.ports.push(port);
            }
        }
        b"host" => {
            if let Some(host) = place.host.take() {
                host_done(host, place.run_start, visit, path)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The observations of one host's TCP ports.
fn host_done(
    host: Host,
    run_start: Option<OffsetDateTime>,
    visit: &mut Visit<'_>,
    path: &Path,
) -> Result<(), Failure> {
    let Some(address) = host.address else {
        let problem = PeerProblem::Missing {
            format: FORMAT,
            field: "address",
            why: "an endpoint is an address and a port",
        };
        let line = digest::line_at(path, host.offset);
        return Err(Failure::At { line, problem });
    };
    let Some(at) = host.started.or(run_start) else {
        let problem = PeerProblem::Missing {
            format: FORMAT,
            field: "starttime",
            why: "certatlas records when a chain was seen",
        };
        let line = digest::line_at(path, host.offset);
        return Err(Failure::At { line, problem });
    };
    for port in host.ports.into_iter().filter(|p| p.tcp) {
        visit.facts.records += 1;
        let outcome = match (port.state.as_str(), &port.pem) {
            ("open", Some(_)) => Outcome::Tls,
            ("open", None) => {
                visit.skipped("nmap open ports without ssl-cert output (not TLS, or not probed)");
                continue;
            }
            ("closed", _) => Outcome::Closed,
            ("filtered" | "open|filtered", _) => Outcome::Timeout {
                phase: Phase::Connect,
            },
            (other, _) => Outcome::Error {
                reason: format!("nmap port state {other}"),
            },
        };
        let mut chain = Vec::new();
        // nmap's ssl-cert reports the leaf alone, whatever the server sent
        let leaf_only = port.pem.is_some();
        if let Some(text) = &port.pem {
            chain = match pem::certificates(text) {
                Ok(ders) if ders.len() == 1 => ders,
                Ok(_) => return Err(bad_pem(path, &port, text, "not one CERTIFICATE block")),
                Err(why) => return Err(bad_pem(path, &port, text, &why.to_string())),
            };
        }
        let starttls = match (port.tunnel_ssl, port.service.as_deref()) {
            (true, _) | (_, None) => None,
            (false, Some(service)) => dialect(service),
        };
        let seen = Seen {
            host: host.hostname.clone().unwrap_or_else(|| address.to_string()),
            address,
            port: port.number,
            sni: record::sni(host.hostname.as_deref()),
            starttls,
            at,
            tls: matches!(outcome, Outcome::Tls).then(|| record::session(None, None, true)),
            outcome,
            chain,
            leaf_only,
        };
        visit.observation(seen.observation())?;
    }
    Ok(())
}

/// The STARTTLS dialect nmap's ssl-cert speaks first on a service it
/// recognised (sslcert.lua), in certatlas's names.
fn dialect(service: &str) -> Option<String> {
    let name = match service {
        "smtp" | "submission" => "smtp",
        "imap" => "imap",
        "pop3" => "pop3",
        "ftp" => "ftp",
        "ldap" => "ldap",
        "postgresql" => "postgres",
        "mysql" => "mysql",
        "xmpp" | "xmpp-client" => "xmpp",
        _ => return None,
    };
    Some(name.to_string())
}

fn bad_pem(path: &Path, port: &Port, text: &str, why: &str) -> Failure {
    Failure::At {
        line: digest::line_at(path, port.offset),
        problem: PeerProblem::bad(FORMAT, "ssl-cert pem", text, why),
    }
}
