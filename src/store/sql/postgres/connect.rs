//! Opening a PostgreSQL connection as libpq would: the URL's TLS settings
//! ([`conninfo`](super::conninfo)), the password from the environment or
//! the password file when the URL has none, the attempts each `sslmode`
//! makes (plaintext and TLS, in libpq's order), and which failures were
//! TLS ([`SqlError::Tls`]).

use std::error::Error;
use std::str::FromStr;

use postgres::config::{Host, SslMode as DriverSslMode};
use postgres::{Client, Config};

use super::conninfo::{self, Env, SslMode};
use super::pgpass::{self, PassTarget};
use super::tls::{RustlsConnect, TlsFailure};
use super::{backend, SqlError};

/// Everything a connection needs, checked before anything is sent.
pub(super) struct ConnectPlan {
    config: Config,
    mode: SslMode,
    tls: RustlsConnect,
}

impl ConnectPlan {
    /// Reads `url` (its TLS settings, the driver's options) and finds the
    /// password when the URL has none; `env` is the environment.
    pub(super) fn new(url: &str, env: Env<'_>) -> Result<ConnectPlan, SqlError> {
        let info = conninfo::parse(url, env)?;
        let mut config = Config::from_str(&info.driver_url).map_err(|e| backend(&e))?;
        if config.get_password().is_none() {
            if let Some(password) = pgpass::password_for(&pass_target(&config, env), env) {
                config.password(password);
            }
        }
        let tls = RustlsConnect::new(&info.tls.verify)?;
        let mode = match only_unix_sockets(&config) {
            true => SslMode::Disable,
            false => info.tls.mode,
        };
        Ok(ConnectPlan { config, mode, tls })
    }

    /// Connects (blocking; not on an async runtime's thread).
    pub(super) fn open(mut self) -> Result<Client, SqlError> {
        open(&mut self.config, self.mode, self.tls)
    }
}

/// Opens the connection as libpq would for `mode`: `allow` tries
/// plaintext first and TLS when the server refuses it; `prefer` tries TLS
/// when the server offers it and plaintext when the handshake fails;
/// `require` and stronger insist on TLS.
fn open(config: &mut Config, mode: SslMode, tls: RustlsConnect) -> Result<Client, SqlError> {
    let mut attempt = |driver: DriverSslMode| {
        config
            .ssl_mode(driver)
            .connect(tls.clone())
            .map_err(|e| connect_error(&e))
    };
    match mode {
        SslMode::Disable => attempt(DriverSslMode::Disable),
        SslMode::Allow => match attempt(DriverSslMode::Disable) {
            Err(SqlError::Backend {
                sqlstate: Some(_), ..
            }) => attempt(DriverSslMode::Require),
            other => other,
        },
        SslMode::Prefer => match attempt(DriverSslMode::Prefer) {
            Err(SqlError::Tls(_)) => attempt(DriverSslMode::Disable),
            other => other,
        },
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            attempt(DriverSslMode::Require)
        }
    }
}

/// A failed connection: [`SqlError::Tls`] when TLS was the problem.
fn connect_error(error: &postgres::Error) -> SqlError {
    let source = Error::source(error);
    if let Some(failure) = source.and_then(|e| e.downcast_ref::<TlsFailure>()) {
        return SqlError::Tls(failure.clone());
    }
    // The driver's own words when the server answers the SSL request `N`.
    if source.is_some_and(|e| e.to_string() == "server does not support TLS") {
        return SqlError::Tls(TlsFailure::NotSupported);
    }
    backend(error)
}

/// Whether every host of `config` is a Unix socket directory (libpq never
/// uses TLS there).
fn only_unix_sockets(config: &Config) -> bool {
    let hosts = config.get_hosts();
    !hosts.is_empty() && hosts.iter().all(|host| matches!(host, Host::Unix(_)))
}

/// What a password file line is matched against, as libpq forms it: the
/// first host as written (`localhost` for none or a socket in the default
/// directory), the first port (default 5432), the database (default: the
/// user) and the user (default: the operating system's user).
fn pass_target(config: &Config, env: Env<'_>) -> PassTarget {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(dir)) if !is_default_socket_dir(dir) => dir.display().to_string(),
        _ => match config.get_hostaddrs().first() {
            Some(address) => address.to_string(),
            None => "localhost".to_string(),
        },
    };
    let var = |name: &str| env(name).and_then(|v| v.into_string().ok());
    let user = config
        .get_user()
        .map(str::to_string)
        .or_else(|| var("USER"))
        .or_else(|| var("LOGNAME"))
        .unwrap_or_default();
    PassTarget {
        host,
        port: config
            .get_ports()
            .first()
            .copied()
            .unwrap_or(pgpass::DEFAULT_PORT),
        database: config
            .get_dbname()
            .map_or_else(|| user.clone(), str::to_string),
        user,
    }
}

/// The socket directories a PostgreSQL build uses by default.
fn is_default_socket_dir(dir: &std::path::Path) -> bool {
    dir == std::path::Path::new("/var/run/postgresql")
        || dir == std::path::Path::new("/run/postgresql")
        || dir == std::path::Path::new("/tmp")
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;
    use std::str::FromStr;

    use postgres::Config;

    use super::{only_unix_sockets, pass_target};

    /// The password file target of `url` with `USER=osuser`.
    fn target(url: &str) -> (String, u16, String, String) {
        let config = Config::from_str(url).expect("URL");
        let env = |name: &str| (name == "USER").then(|| OsString::from("osuser"));
        let t = pass_target(&config, &env);
        (t.host, t.port, t.database, t.user)
    }

    #[test]
    fn the_password_file_is_matched_as_libpq_forms_the_target() {
        let own = |h: &str, p, d: &str, u: &str| (h.into(), p, d.into(), u.into());
        assert_eq!(
            target("postgres://scanner@DB.example:6543/inv?hostaddr=127.0.0.1"),
            own("DB.example", 6543, "inv", "scanner"),
            "the host as written, not the address"
        );
        assert_eq!(
            target("postgres://db.example"),
            own("db.example", 5432, "osuser", "osuser"),
            "default port, user and database"
        );
        assert_eq!(
            target("postgres:///inv?host=/var/run/postgresql&user=u"),
            own("localhost", 5432, "inv", "u"),
            "a socket in the default directory is localhost"
        );
        assert_eq!(
            target("postgres:///inv?host=/srv/pg&user=u"),
            own("/srv/pg", 5432, "inv", "u")
        );
    }

    #[test]
    fn unix_sockets_alone_never_use_tls() {
        let config = |url: &str| Config::from_str(url).expect("URL");
        assert!(only_unix_sockets(&config("postgres:///inv?host=/srv/pg")));
        assert!(!only_unix_sockets(&config("postgres://db.example/inv")));
    }
}
