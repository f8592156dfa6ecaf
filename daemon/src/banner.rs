//! What `serve` prints when it is ready, and the build `--version` reports.

use std::fmt::Write as _;
use std::net::SocketAddr;

use crate::config::{Config, Plugin};
use crate::engine::{CATALOG, Engine};

/// `pathwarden --version`: the version, the git commit it was built from, the Cargo
/// profile and the compiler (set by `build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PATHWARDEN_BUILD_COMMIT"),
    ", ",
    env!("PATHWARDEN_BUILD_PROFILE"),
    " build, ",
    env!("PATHWARDEN_BUILD_RUSTC"),
    ")"
);

/// The version and build named in the banner (without the compiler).
pub const SHORT_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PATHWARDEN_BUILD_COMMIT"),
    ", ",
    env!("PATHWARDEN_BUILD_PROFILE"),
    " build)"
);

/// Where the listeners ended up and how clients get in.
pub struct Served {
    /// pgwire address as bound.
    pub pgwire: SocketAddr,
    /// HTTP address as bound.
    pub http: SocketAddr,
    /// Whether pgwire offers TLS.
    pub tls: bool,
}

fn plugin_name(p: Plugin) -> &'static str {
    match p {
        Plugin::Aws => "aws",
        Plugin::Demo => "demo",
        Plugin::Gaad => "gaad",
        Plugin::Aggregator => "aggregator",
        Plugin::Gcp => "gcp",
        Plugin::Azure => "azure",
        Plugin::AzureAd => "azuread",
    }
}

/// A state-store URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_string(),
    };
    // `?password=...` in the query string is a password too.
    let path = match path.split_once('?') {
        Some((p, query)) => {
            let q: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{p}?{}", q.join("&"))
        }
        None => path.to_string(),
    };
    format!("{scheme}://{authority}{path}")
}

/// The host a local client should use for a listener (an unspecified address means any
/// interface, so loopback works).
fn connect_host(addr: &SocketAddr) -> String {
    let ip = addr.ip();
    if ip.is_unspecified() {
        if ip.is_ipv4() { "127.0.0.1" } else { "::1" }.to_string()
    } else {
        ip.to_string()
    }
}

/// The start-up banner: connections with plugin and table count, addresses, the psql
/// command, the state store, authentication and TLS.
pub fn render(cfg: &Config, engine: &Engine, served: &Served) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "pathwarden {SHORT_VERSION} is ready");
    let catalog = engine.session().catalog(CATALOG);
    let _ = writeln!(out, "  connections:");
    for c in &cfg.connections {
        let tables = catalog
            .as_ref()
            .and_then(|cat| cat.schema(&c.name))
            .map(|s| s.table_names().len());
        let mut detail = match tables {
            Some(n) => format!("{n} tables"),
            None => "no schema".to_string(),
        };
        match c.plugin {
            Plugin::Aws if !c.regions.is_empty() => {
                let _ = write!(detail, ", regions {}", c.regions.join(","));
            }
            Plugin::Demo => {
                if let Some(scale) = c.scale {
                    let _ = write!(detail, ", scale {scale}");
                }
            }
            Plugin::Gaad => {
                if let Some(p) = &c.path {
                    let _ = write!(detail, ", {}", p.display());
                }
            }
            Plugin::Aggregator => {
                let _ = write!(detail, ", members {}", c.connections.join(","));
            }
            Plugin::Gcp => {
                let projects: Vec<&str> = c
                    .project
                    .iter()
                    .chain(c.projects.iter())
                    .map(String::as_str)
                    .collect();
                if !projects.is_empty() {
                    let _ = write!(detail, ", projects {}", projects.join(","));
                }
            }
            Plugin::Azure | Plugin::AzureAd => {
                if let Some(t) = &c.tenant_id {
                    let _ = write!(detail, ", tenant {t}");
                }
                if !c.subscriptions.is_empty() {
                    let _ = write!(detail, ", subscriptions {}", c.subscriptions.join(","));
                }
            }
            Plugin::Aws => {}
        }
        let _ = writeln!(
            out,
            "    {:<16} {:<10} {detail}",
            c.name,
            plugin_name(c.plugin)
        );
    }
    let host = connect_host(&served.pgwire);
    let port = served.pgwire.port();
    let user = cfg
        .users
        .first()
        .map(|u| u.name.as_str())
        .unwrap_or("analyst");
    let psql = if served.tls {
        format!("psql \"host={host} port={port} user={user} dbname={CATALOG} sslmode=require\"")
    } else {
        format!("psql -h {host} -p {port} -U {user} -d {CATALOG}")
    };
    let _ = writeln!(out, "  pgwire:      {}", served.pgwire);
    let _ = writeln!(out, "  connect:     {psql}");
    let _ = writeln!(
        out,
        "  http:        http://{}:{} (/healthz, /metrics, /api/v1)",
        if served.http.ip().is_ipv6() {
            format!("[{}]", connect_host(&served.http))
        } else {
            connect_host(&served.http)
        },
        served.http.port()
    );
    let state = match &cfg.state.url {
        Some(url) if url.starts_with("postgres") => format!("postgresql {}", redact_url(url)),
        Some(url) => format!("sqlite {}", url.trim_start_matches("sqlite:")),
        None => {
            let path = cfg.server.data_dir.join("state.db");
            let shown = std::path::absolute(&path).unwrap_or(path);
            format!("sqlite {}", shown.display())
        }
    };
    let _ = writeln!(out, "  state:       {state}");
    let auth = if !cfg.users.is_empty() {
        format!("scram-sha-256 ({} users)", cfg.users.len())
    } else if cfg.server.trust_loopback {
        "off: trusted loopback logins (no [[user]] configured)".to_string()
    } else {
        "no [[user]] configured and trust_loopback = false: every login is refused".to_string()
    };
    let _ = writeln!(out, "  auth:        {auth}");
    let _ = writeln!(
        out,
        "  tls:         {}",
        if served.tls {
            "on (server.tls_cert)"
        } else {
            "off"
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_state_urls() {
        assert_eq!(
            redact_url("postgres://pw:s3cret@db:5432/pathwarden"),
            "postgres://pw:***@db:5432/pathwarden"
        );
        assert_eq!(
            redact_url("postgresql://u@db/x?sslmode=require&password=s3cret"),
            "postgresql://u@db/x?sslmode=require&password=***"
        );
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
        assert!(!redact_url("postgres://a:b:c@h/d").contains("b:c"));
    }

    #[test]
    fn version_names_the_build() {
        assert!(VERSION.starts_with(env!("CARGO_PKG_VERSION")));
        assert!(VERSION.contains("commit "));
        assert!(VERSION.contains(" build, rustc"));
    }
}
