//! `pathwarden.toml`: server, connections, users and tokens.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listening addresses and data directory.
    #[serde(default)]
    pub server: ServerConfig,
    /// Connections, one schema each.
    #[serde(default, rename = "connection")]
    pub connections: Vec<ConnectionConfig>,
    /// pgwire users (SCRAM-SHA-256 verifiers).
    #[serde(default, rename = "user")]
    pub users: Vec<UserConfig>,
    /// Neo4j / FalkorDB graph mirror.
    #[serde(default)]
    pub neo4j: Option<toml::Value>,
    /// LLM reviewer.
    #[serde(default)]
    pub llm: Option<toml::Value>,
    /// State store.
    #[serde(default)]
    pub state: StateConfig,
    /// Scheduled jobs.
    #[serde(default, rename = "job")]
    pub jobs: Vec<JobConfig>,
    /// HTTP API tokens.
    #[serde(default, rename = "token")]
    pub tokens: Vec<TokenConfig>,
    /// Desired state and remediation.
    #[serde(default)]
    pub desired_state: Option<DesiredStateConfig>,
}

/// `[state]`: where runs, results, findings and the audit log are kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StateConfig {
    /// `postgres://...` or `sqlite:...`; default: SQLite `state.db` under `server.data_dir`.
    pub url: Option<String>,
    /// PostgreSQL only: schema holding the tables (created if missing).
    pub schema: Option<String>,
    /// Days audit-log rows are kept; older rows are deleted at start-up and every hour.
    /// 0 keeps them forever.
    pub audit_retention_days: u32,
    /// Audit events waiting to be stored, at most (0 counts as 1); events beyond are
    /// dropped (still logged) and counted in `pathwarden_audit_dropped_total`.
    pub audit_queue_capacity: usize,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            url: None,
            schema: None,
            audit_retention_days: 90,
            audit_queue_capacity: 10_000,
        }
    }
}

/// `[[job]]`: a scheduled benchmark or query.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobConfig {
    /// Unique job name.
    pub name: String,
    /// Cron schedule (5 fields, or 6 with seconds first); without it the job runs only when triggered.
    pub schedule: Option<String>,
    /// Benchmark to run, e.g. `cis_aws_v3`.
    pub benchmark: Option<String>,
    /// Benchmark control filter (SQL over id, title, section, severity, tags).
    #[serde(rename = "where")]
    pub where_clause: Option<String>,
    /// Benchmark tag filter (`nist:AC-2`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// A query whose rows are the results (`resource`, `status`, `reason`... when present).
    pub sql: Option<String>,
    /// A file holding the query.
    pub sql_file: Option<PathBuf>,
    /// Compare the desired state with the actual grants (and remediate if enabled).
    #[serde(default)]
    pub drift: bool,
    /// Reports written after each run.
    pub report: Option<ReportConfig>,
    /// URL receiving a POST with the JSON summary of each run.
    pub webhook: Option<String>,
}

/// `report = { formats = [...], dir = "..." }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Any of json, csv, md, html.
    pub formats: Vec<String>,
    /// Output directory.
    pub dir: PathBuf,
}

/// `[[token]]`: an HTTP API bearer token, stored as its SHA-256.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Name recorded in the audit log.
    pub name: String,
    /// Hex SHA-256 of the token (`printf %s TOKEN | sha256sum`).
    pub sha256: String,
    /// `reader`, `operator` or `admin`.
    #[serde(default = "default_role")]
    pub role: String,
}

/// `[desired_state]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesiredStateConfig {
    /// TOML file of `[[grant]]` entries (principal, kind, value, account_id).
    pub path: Option<PathBuf>,
    /// `off` (default), `dry_run` (record the calls) or `auto_fix` (make them).
    #[serde(default = "default_remediation")]
    pub remediation: String,
    /// The `aws` connection whose endpoint and static credentials auto_fix uses.
    pub connection: Option<String>,
    /// A high-risk access request needs the approvals of two different admins, neither
    /// of them the requester (default true); false: one admin other than the requester.
    #[serde(default = "default_two_person_rule")]
    pub two_person_rule: bool,
}

fn default_remediation() -> String {
    "off".into()
}

fn default_two_person_rule() -> bool {
    true
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// pgwire address.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// HTTP address (health, metrics, API).
    #[serde(default = "default_http_listen")]
    pub http_listen: String,
    /// Where state is kept.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// TLS certificate (PEM).
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// Order in which unqualified table names are resolved (default: connection order).
    #[serde(default)]
    pub search_path: Vec<String>,
    /// Largest number of concurrent pgwire connections (counted after login).
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Loopback clients without `[[user]]` entries log in without a password, as admin
    /// (the zero-config default); `false` refuses them.
    #[serde(default = "default_true")]
    pub trust_loopback: bool,
    /// Default statement timeout (`5min`; `0` = none). Sessions may lower it with `SET`;
    /// operators and admins may also raise it.
    #[serde(default = "default_statement_timeout")]
    pub statement_timeout: String,
    /// Memory all running queries may hold together (`2GiB`).
    #[serde(default = "default_memory_limit")]
    pub memory_limit: String,
    /// Memory one query may hold (`1GiB`); a query over it fails with SQLSTATE 53200.
    #[serde(default = "default_query_memory_limit")]
    pub query_memory_limit: String,
    /// Threads that execute queries (default: the number of cores); protocol handling,
    /// health checks and the scheduler run on their own threads.
    pub query_threads: Option<usize>,
    /// Time a client has to finish TLS negotiation and authentication (`10s`).
    #[serde(default = "default_startup_timeout")]
    pub startup_timeout: String,
    /// Connections that have not logged in yet, at most (`256`).
    #[serde(default = "default_max_startup_connections")]
    pub max_startup_connections: usize,
    /// A logged-in session idle this long is closed (`1h`; `0` = never).
    #[serde(default = "default_idle_session_timeout")]
    pub idle_session_timeout: String,
    /// Largest frontend message after login (`16MiB`); before login it is 10 kB.
    #[serde(default = "default_max_message_size")]
    pub max_message_size: String,
    /// HTTP: time to read request headers and to answer a request (`30s`).
    #[serde(default = "default_http_request_timeout")]
    pub http_request_timeout: String,
    /// HTTP: concurrent connections at most (`256`).
    #[serde(default = "default_http_max_connections")]
    pub http_max_connections: usize,
    /// HTTP: accepted `Host` header names besides the listen address, `localhost` and
    /// `127.0.0.1` (DNS-rebinding protection).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

fn default_true() -> bool {
    true
}
fn default_statement_timeout() -> String {
    "5min".into()
}
fn default_memory_limit() -> String {
    "2GiB".into()
}
fn default_query_memory_limit() -> String {
    "1GiB".into()
}
fn default_startup_timeout() -> String {
    "10s".into()
}
fn default_max_startup_connections() -> usize {
    256
}
fn default_idle_session_timeout() -> String {
    "1h".into()
}
fn default_max_message_size() -> String {
    "16MiB".into()
}
fn default_http_request_timeout() -> String {
    "30s".into()
}
fn default_http_max_connections() -> usize {
    256
}

/// The `[server]` limits, parsed.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Default statement timeout.
    pub statement_timeout: Option<std::time::Duration>,
    /// Memory of all queries together, bytes.
    pub memory_limit: usize,
    /// Memory of one query, bytes.
    pub query_memory_limit: usize,
    /// Query execution threads.
    pub query_threads: usize,
    /// Startup and authentication deadline.
    pub startup_timeout: std::time::Duration,
    /// Connections not yet logged in.
    pub max_startup_connections: usize,
    /// Idle session timeout.
    pub idle_session_timeout: Option<std::time::Duration>,
    /// Largest message after login, bytes.
    pub max_message_size: usize,
    /// HTTP header-read and request deadline.
    pub http_request_timeout: std::time::Duration,
}

impl ServerConfig {
    /// The limits, parsed; errors name the key.
    pub fn limits(&self) -> Result<Limits, String> {
        use crate::limits::{parse_duration, parse_size};
        let dur = |key: &str, v: &str| parse_duration(v).map_err(|e| format!("server.{key}: {e}"));
        let size = |key: &str, v: &str| {
            parse_size(v)
                .map_err(|e| format!("server.{key}: {e}"))
                .and_then(|n| {
                    if n == 0 {
                        Err(format!("server.{key}: must be more than 0"))
                    } else {
                        Ok(n as usize)
                    }
                })
        };
        let required = |key: &str, v: &str| {
            dur(key, v)?.ok_or_else(|| format!("server.{key}: must be more than 0"))
        };
        let memory_limit = size("memory_limit", &self.memory_limit)?;
        let query_memory_limit = size("query_memory_limit", &self.query_memory_limit)?;
        if query_memory_limit > memory_limit {
            return Err(format!(
                "server.query_memory_limit: {} is more than server.memory_limit {}",
                self.query_memory_limit, self.memory_limit
            ));
        }
        if self.max_connections == 0 {
            return Err("server.max_connections: must be more than 0".into());
        }
        if self.max_startup_connections == 0 {
            return Err("server.max_startup_connections: must be more than 0".into());
        }
        if self.http_max_connections == 0 {
            return Err("server.http_max_connections: must be more than 0".into());
        }
        let query_threads = match self.query_threads {
            Some(0) => return Err("server.query_threads: must be more than 0".into()),
            Some(n) => n,
            None => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        };
        Ok(Limits {
            statement_timeout: dur("statement_timeout", &self.statement_timeout)?,
            memory_limit,
            query_memory_limit,
            query_threads,
            startup_timeout: required("startup_timeout", &self.startup_timeout)?,
            max_startup_connections: self.max_startup_connections,
            idle_session_timeout: dur("idle_session_timeout", &self.idle_session_timeout)?,
            max_message_size: size("max_message_size", &self.max_message_size)?,
            http_request_timeout: required("http_request_timeout", &self.http_request_timeout)?,
        })
    }
}

fn default_listen() -> String {
    "127.0.0.1:9193".into()
}
fn default_http_listen() -> String {
    "127.0.0.1:9194".into()
}
fn default_data_dir() -> PathBuf {
    PathBuf::from(".pathwarden")
}
fn default_max_connections() -> usize {
    256
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            http_listen: default_http_listen(),
            data_dir: default_data_dir(),
            tls_cert: None,
            tls_key: None,
            search_path: Vec::new(),
            max_connections: default_max_connections(),
            trust_loopback: true,
            statement_timeout: default_statement_timeout(),
            memory_limit: default_memory_limit(),
            query_memory_limit: default_query_memory_limit(),
            query_threads: None,
            startup_timeout: default_startup_timeout(),
            max_startup_connections: default_max_startup_connections(),
            idle_session_timeout: default_idle_session_timeout(),
            max_message_size: default_max_message_size(),
            http_request_timeout: default_http_request_timeout(),
            http_max_connections: default_http_max_connections(),
            allowed_hosts: Vec::new(),
        }
    }
}

/// The provider plugin of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plugin {
    /// Live AWS APIs.
    Aws,
    /// Built-in synthetic organisation.
    Demo,
    /// Offline `get-account-authorization-details` JSON.
    Gaad,
    /// Live Google Cloud APIs.
    Gcp,
    /// Live Azure Resource Manager APIs.
    Azure,
    /// Live Microsoft Graph (Entra ID) APIs.
    AzureAd,
    /// Union of other connections.
    Aggregator,
}

/// `[[connection]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    /// Schema name.
    pub name: String,
    /// Provider.
    pub plugin: Plugin,
    /// aws: regions for regional tables.
    #[serde(default)]
    pub regions: Vec<String>,
    /// aws: shared-config profile.
    pub profile: Option<String>,
    /// aws: role to assume.
    pub role_arn: Option<String>,
    /// aws: ExternalId for the role assumption.
    pub external_id: Option<String>,
    /// aws: endpoint override (local AWS endpoints).
    pub endpoint_url: Option<String>,
    /// aws: name of the env var holding the access key id (static credentials).
    pub access_key_id_env: Option<String>,
    /// aws: name of the env var holding the secret access key.
    pub secret_access_key_env: Option<String>,
    /// aws: path-style S3 addressing (local endpoints).
    #[serde(default)]
    pub s3_force_path_style: bool,
    /// gaad: JSON file.
    pub path: Option<PathBuf>,
    /// gaad: account id (default: from the ARNs).
    pub account_id: Option<String>,
    /// demo: number of principals.
    pub scale: Option<usize>,
    /// gcp: the project to list.
    pub project: Option<String>,
    /// gcp: projects to list (with `project`, all of them).
    #[serde(default)]
    pub projects: Vec<String>,
    /// gcp: organization whose every project is listed (folders recursed).
    pub organization: Option<String>,
    /// gcp: service-account JSON key file (default: application default credentials).
    pub credentials_file: Option<PathBuf>,
    /// gcp: service account to impersonate (IAM Credentials generateAccessToken).
    pub impersonate_service_account: Option<String>,
    /// gcp: base URL per API (`cloudresourcemanager`, `iam`, `iamcredentials`); azure,
    /// azuread: `management`, `graph`. For local servers and sovereign clouds.
    #[serde(default)]
    pub endpoints: std::collections::BTreeMap<String, String>,
    /// azure, azuread: directory (tenant) id.
    pub tenant_id: Option<String>,
    /// azure: subscriptions to list (default: every subscription the credential can see).
    #[serde(default)]
    pub subscriptions: Vec<String>,
    /// azure, azuread: `client_secret`, `workload_identity`, `managed_identity` or `azure_cli`.
    pub credential: Option<String>,
    /// azure, azuread: application (client) id (client secret, workload identity, or a
    /// user-assigned managed identity).
    pub client_id: Option<String>,
    /// azure, azuread: name of the environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    /// azure, azuread: workload identity's federated token file (default
    /// `AZURE_FEDERATED_TOKEN_FILE`).
    pub federated_token_file: Option<PathBuf>,
    /// azure, azuread: Microsoft Entra authority host (`https://` only).
    pub authority_host: Option<String>,
    /// azure, azuread: extra PEM root certificates for the token endpoint and the APIs.
    pub ca_file: Option<PathBuf>,
    /// aggregator: member connections (`*` wildcards allowed).
    #[serde(default)]
    pub connections: Vec<String>,
    /// Cache TTL in seconds (default 300; 0 disables).
    pub cache_ttl: Option<u64>,
    /// Concurrent API calls per service (default 8).
    pub max_concurrency: Option<usize>,
    /// `error` (default) or `record`: how AccessDenied is reported.
    pub on_access_denied: Option<String>,
    /// aws: scan every member account of the organization by assuming a role in each.
    pub organization_accounts: Option<OrgAccountsConfig>,
}

/// `organization_accounts = { role_name = "...", ... }` of an `aws` connection: the
/// connection's account lists the organization's accounts (management or delegated
/// administrator account), and each member is scanned by assuming `role_name` in it with
/// the connection's credentials. The connection's name becomes an aggregator of every
/// account; each account is also a schema `<name>_<account id>`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgAccountsConfig {
    /// Role to assume in each member account (path allowed: `path/name`).
    pub role_name: String,
    /// Name of the environment variable holding the ExternalId for those assumptions.
    pub external_id_env: Option<String>,
    /// Only these accounts, units (every account below) or roots; default all.
    #[serde(default)]
    pub include: Vec<String>,
    /// Not these accounts or units (wins over `include`).
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl OrgAccountsConfig {
    /// Whether an account with these ancestors (nearest first) is scanned.
    pub fn selects(&self, account: &str, ancestors: &[String]) -> bool {
        let hit = |list: &[String]| {
            list.iter()
                .any(|x| x == account || ancestors.iter().any(|a| a == x))
        };
        (self.include.is_empty() || hit(&self.include)) && !hit(&self.exclude)
    }

    fn check(&self, at: &str) -> Result<(), String> {
        let name_ok = !self.role_name.is_empty()
            && self.role_name.len() <= 512
            && !self.role_name.starts_with('/')
            && !self.role_name.ends_with('/')
            && self
                .role_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
        if !name_ok {
            return Err(format!(
                "{at}.organization_accounts.role_name: expected an IAM role name (letters, digits, +=,.@_- and / for a path), got {:?}",
                self.role_name
            ));
        }
        for (key, list) in [("include", &self.include), ("exclude", &self.exclude)] {
            for x in list {
                let account = x.len() == 12 && x.chars().all(|c| c.is_ascii_digit());
                let unit = (x.starts_with("ou-") || x.starts_with("r-"))
                    && x.len() <= 68
                    && x.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !account && !unit {
                    return Err(format!(
                        "{at}.organization_accounts.{key}: expected 12-digit account ids, ou-... or r-... ids, got {x:?}"
                    ));
                }
            }
        }
        if self.external_id_env.as_deref() == Some("") {
            return Err(format!(
                "{at}.organization_accounts.external_id_env: expected an environment variable name"
            ));
        }
        Ok(())
    }
}

/// The Azure credential kinds a connection may name.
pub const AZURE_CREDENTIALS: &[&str] = &[
    "client_secret",
    "workload_identity",
    "managed_identity",
    "azure_cli",
];

fn azure_settings_used(c: &ConnectionConfig) -> bool {
    c.tenant_id.is_some()
        || !c.subscriptions.is_empty()
        || c.credential.is_some()
        || c.client_id.is_some()
        || c.client_secret_env.is_some()
        || c.federated_token_file.is_some()
        || c.authority_host.is_some()
        || c.ca_file.is_some()
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The settings of an `azure` or `azuread` connection.
fn check_azure(c: &ConnectionConfig, at: &str) -> Result<(), String> {
    let plugin = if c.plugin == Plugin::Azure {
        "azure"
    } else {
        "azuread"
    };
    if c.project.is_some()
        || !c.projects.is_empty()
        || c.credentials_file.is_some()
        || c.impersonate_service_account.is_some()
    {
        return Err(format!(
            "{at}: project, projects, credentials_file and impersonate_service_account are gcp settings"
        ));
    }
    for (key, url) in &c.endpoints {
        if !pathwarden_tables::azure::API_NAMES.contains(&key.as_str()) {
            return Err(format!(
                "{at}.endpoints.{key}: unknown API (expected one of {})",
                pathwarden_tables::azure::API_NAMES.join(", ")
            ));
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{at}.endpoints.{key}: expected an http(s) URL"));
        }
    }
    if let Some(t) = &c.tenant_id
        && !is_guid(t)
    {
        return Err(format!("{at}.tenant_id: expected a GUID"));
    }
    if !c.subscriptions.is_empty() && c.plugin == Plugin::AzureAd {
        return Err(format!(
            "{at}.subscriptions: an azure setting (azuread reads the directory)"
        ));
    }
    if let Some(s) = c.subscriptions.iter().find(|s| !is_guid(s)) {
        return Err(format!("{at}.subscriptions: {s:?} is not a GUID"));
    }
    if let Some(h) = &c.authority_host
        && !h.starts_with("https://")
    {
        return Err(format!("{at}.authority_host: expected an https:// URL"));
    }
    let Some(kind) = c.credential.as_deref() else {
        return Err(format!(
            "{at}.credential: expected one of {} for plugin \"{plugin}\"",
            AZURE_CREDENTIALS.join(", ")
        ));
    };
    match kind {
        "client_secret" => {
            if c.tenant_id.is_none() || c.client_id.is_none() || c.client_secret_env.is_none() {
                return Err(format!(
                    "{at}: credential \"client_secret\" needs tenant_id, client_id and client_secret_env"
                ));
            }
        }
        "workload_identity" | "managed_identity" | "azure_cli" => {
            if c.client_secret_env.is_some() {
                return Err(format!(
                    "{at}.client_secret_env: only for credential \"client_secret\""
                ));
            }
            if kind != "workload_identity" && c.federated_token_file.is_some() {
                return Err(format!(
                    "{at}.federated_token_file: only for credential \"workload_identity\""
                ));
            }
            if kind == "azure_cli" && c.client_id.is_some() {
                return Err(format!(
                    "{at}.client_id: the Azure CLI uses its logged-in account"
                ));
            }
        }
        other => {
            return Err(format!(
                "{at}.credential: expected one of {}, got {other:?}",
                AZURE_CREDENTIALS.join(", ")
            ));
        }
    }
    Ok(())
}

/// `[[user]]`: a pgwire login.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Login name.
    pub name: String,
    /// SCRAM-SHA-256 verifier, as produced by `pathwarden hash-password`
    /// (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, PostgreSQL's format).
    pub password_hash: String,
    /// `reader`, `operator` or `admin`.
    #[serde(default = "default_role")]
    pub role: String,
}

fn default_role() -> String {
    "reader".into()
}

/// A configuration error, rendered as one line naming the file, the key and what was expected.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl Config {
    /// Read and validate a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            message: format!("cannot read: {e}"),
        })?;
        let cfg = Self::parse(&text, &file, path.parent())?;
        cfg.check_files().map_err(|message| ConfigError {
            file: file.clone(),
            message,
        })?;
        Ok(cfg)
    }

    /// Parse and validate configuration text; `base` resolves relative paths.
    pub fn parse(text: &str, file: &str, base: Option<&Path>) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            file: file.to_string(),
            message,
        };
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            // toml's messages carry the line, the key and what was expected; keep them on one line.
            let msg = e.message().replace('\n', " ");
            let loc = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}: ")
                })
                .unwrap_or_default();
            err(format!("{loc}{msg}"))
        })?;
        cfg.validate().map_err(err)?;
        if let Some(base) = base {
            for j in &mut cfg.jobs {
                if let Some(p) = &j.sql_file {
                    if p.is_relative() {
                        j.sql_file = Some(base.join(p));
                    }
                }
            }
            if let Some(d) = &mut cfg.desired_state {
                if let Some(p) = &d.path {
                    if p.is_relative() {
                        d.path = Some(base.join(p));
                    }
                }
            }
            for c in &mut cfg.connections {
                if let Some(p) = &c.path {
                    if p.is_relative() {
                        c.path = Some(base.join(p));
                    }
                }
                for p in [
                    &mut c.credentials_file,
                    &mut c.federated_token_file,
                    &mut c.ca_file,
                ] {
                    if let Some(rel) = p.as_ref().filter(|p| p.is_relative()) {
                        *p = Some(base.join(rel));
                    }
                }
            }
        }
        Ok(cfg)
    }

    /// The built-in configuration: the demo organisation only.
    pub fn demo(scale: usize) -> Config {
        Config {
            connections: vec![ConnectionConfig {
                name: "demo".into(),
                plugin: Plugin::Demo,
                regions: vec![],
                profile: None,
                role_arn: None,
                external_id: None,
                endpoint_url: None,
                access_key_id_env: None,
                secret_access_key_env: None,
                s3_force_path_style: false,
                path: None,
                account_id: None,
                scale: Some(scale),
                project: None,
                projects: vec![],
                organization: None,
                credentials_file: None,
                impersonate_service_account: None,
                endpoints: Default::default(),
                tenant_id: None,
                subscriptions: vec![],
                credential: None,
                client_id: None,
                client_secret_env: None,
                federated_token_file: None,
                authority_host: None,
                ca_file: None,
                connections: vec![],
                cache_ttl: None,
                max_concurrency: None,
                on_access_denied: None,
                organization_accounts: None,
            }],
            ..Config::default()
        }
    }

    fn validate(&self) -> Result<(), String> {
        self.server.listen.parse::<SocketAddr>().map_err(|_| {
            format!(
                "server.listen: expected host:port, got {:?}",
                self.server.listen
            )
        })?;
        self.server.http_listen.parse::<SocketAddr>().map_err(|_| {
            format!(
                "server.http_listen: expected host:port, got {:?}",
                self.server.http_listen
            )
        })?;
        self.server.limits()?;
        if self.server.tls_cert.is_some() != self.server.tls_key.is_some() {
            return Err("server.tls_cert and server.tls_key: expected both or neither".into());
        }
        let mut names = std::collections::HashSet::new();
        for (i, c) in self.connections.iter().enumerate() {
            let at = format!("connection[{i}] ({})", c.name);
            if c.name.is_empty()
                || !c
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
                || c.name.starts_with(|ch: char| ch.is_ascii_digit())
            {
                return Err(format!(
                    "{at}.name: expected a lower-case identifier ([a-z_][a-z0-9_]*)"
                ));
            }
            if ["pathwarden", "public", "pg_catalog", "information_schema"]
                .contains(&c.name.as_str())
            {
                return Err(format!("{at}.name: {:?} is reserved", c.name));
            }
            if !names.insert(c.name.clone()) {
                return Err(format!("{at}.name: duplicate connection name"));
            }
            match c.plugin {
                Plugin::Gaad if c.path.is_none() => {
                    return Err(format!(
                        "{at}.path: expected the GAAD JSON file for plugin \"gaad\""
                    ));
                }
                Plugin::Aggregator if c.connections.is_empty() => {
                    return Err(format!(
                        "{at}.connections: expected member connection names for plugin \"aggregator\""
                    ));
                }
                Plugin::Gcp => {
                    if azure_settings_used(c) {
                        return Err(format!(
                            "{at}: tenant_id, subscriptions, credential, client_id, client_secret_env, federated_token_file, authority_host and ca_file are azure/azuread settings"
                        ));
                    }
                    for (key, url) in &c.endpoints {
                        if !pathwarden_tables::gcp::API_NAMES.contains(&key.as_str()) {
                            return Err(format!(
                                "{at}.endpoints.{key}: unknown API (expected one of {})",
                                pathwarden_tables::gcp::API_NAMES.join(", ")
                            ));
                        }
                        if !(url.starts_with("http://") || url.starts_with("https://")) {
                            return Err(format!("{at}.endpoints.{key}: expected an http(s) URL"));
                        }
                    }
                    if let Some(org) = &c.organization {
                        let id = org.trim().trim_start_matches("organizations/");
                        if id.is_empty() || !id.chars().all(|ch| ch.is_ascii_digit()) {
                            return Err(format!(
                                "{at}.organization: expected the organization's numeric id (`123` or `organizations/123`)"
                            ));
                        }
                    }
                    if c.project.is_none()
                        && c.projects.is_empty()
                        && c.organization.is_none()
                        && c.credentials_file.is_none()
                    {
                        return Err(format!(
                            "{at}.project: expected `project`, `projects` or `organization` for plugin \"gcp\" (or a credentials_file naming its project)"
                        ));
                    }
                }
                Plugin::Azure | Plugin::AzureAd => check_azure(c, &at)?,
                _ if azure_settings_used(c) => {
                    return Err(format!(
                        "{at}: tenant_id, subscriptions, credential, client_id, client_secret_env, federated_token_file, authority_host and ca_file are azure/azuread settings"
                    ));
                }
                _ if !c.endpoints.is_empty()
                    || c.project.is_some()
                    || c.organization.is_some()
                    || !c.projects.is_empty()
                    || c.credentials_file.is_some()
                    || c.impersonate_service_account.is_some() =>
                {
                    return Err(format!(
                        "{at}: project, projects, organization, credentials_file, impersonate_service_account and endpoints are gcp settings"
                    ));
                }
                Plugin::Demo if c.scale == Some(0) => {
                    return Err(format!(
                        "{at}.scale: expected a positive number of principals"
                    ));
                }
                _ => {}
            }
            if let Some(o) = &c.organization_accounts {
                if c.plugin != Plugin::Aws {
                    return Err(format!(
                        "{at}.organization_accounts: only for plugin \"aws\""
                    ));
                }
                o.check(&at)?;
            }
            if let Some(mode) = &c.on_access_denied {
                if mode != "error" && mode != "record" {
                    return Err(format!(
                        "{at}.on_access_denied: expected \"error\" or \"record\", got {mode:?}"
                    ));
                }
            }
        }
        for (i, u) in self.users.iter().enumerate() {
            match crate::pg::auth::ScramVerifier::parse(&u.password_hash) {
                None => {
                    return Err(format!(
                        "user[{i}] ({}).password_hash: expected a SCRAM-SHA-256 verifier from `pathwarden hash-password`",
                        u.name
                    ));
                }
                Some(v) if v.iterations < crate::pg::auth::DEFAULT_ITERATIONS => {
                    return Err(format!(
                        "user[{i}] ({}).password_hash: {} PBKDF2 iterations is too few (at least {}); make a new one with `pathwarden hash-password`",
                        u.name,
                        v.iterations,
                        crate::pg::auth::DEFAULT_ITERATIONS
                    ));
                }
                Some(_) => {}
            }
            if !["reader", "operator", "admin"].contains(&u.role.as_str()) {
                return Err(format!(
                    "user[{i}] ({}).role: expected reader, operator or admin",
                    u.name
                ));
            }
        }
        let mut jobs = std::collections::HashSet::new();
        for (i, j) in self.jobs.iter().enumerate() {
            let at = format!("job[{i}] ({})", j.name);
            if j.name.is_empty()
                || !j
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
            {
                return Err(format!("{at}.name: expected letters, digits, '_' or '-'"));
            }
            if !jobs.insert(j.name.clone()) {
                return Err(format!("{at}.name: duplicate job name"));
            }
            let kinds = [
                j.benchmark.is_some(),
                j.sql.is_some(),
                j.sql_file.is_some(),
                j.drift,
            ]
            .iter()
            .filter(|b| **b)
            .count();
            if kinds != 1 {
                return Err(format!(
                    "{at}: expected exactly one of benchmark, sql, sql_file, drift = true"
                ));
            }
            if let Some(s) = &j.schedule {
                check_cron(s).map_err(|e| format!("{at}.schedule: {e}"))?;
            }
            if let Some(r) = &j.report {
                for f in &r.formats {
                    if !["json", "csv", "md", "html"].contains(&f.as_str()) {
                        return Err(format!(
                            "{at}.report.formats: expected json, csv, md or html, got {f:?}"
                        ));
                    }
                }
            }
            if let Some(w) = &j.webhook {
                if !(w.starts_with("http://") || w.starts_with("https://")) {
                    return Err(format!("{at}.webhook: expected an http(s) URL"));
                }
            }
        }
        if let Some(d) = &self.desired_state {
            if !["off", "dry_run", "auto_fix"].contains(&d.remediation.as_str()) {
                return Err(format!(
                    "desired_state.remediation: expected off, dry_run or auto_fix, got {:?}",
                    d.remediation
                ));
            }
            if let Some(c) = &d.connection {
                if !self
                    .connections
                    .iter()
                    .any(|x| &x.name == c && x.plugin == Plugin::Aws)
                {
                    return Err(format!(
                        "desired_state.connection: {c:?} is not an aws connection"
                    ));
                }
            }
            if d.remediation == "auto_fix" && d.connection.is_none() {
                return Err(
                    "desired_state.connection: auto_fix needs the aws connection to act on".into(),
                );
            }
        }
        for (i, t) in self.tokens.iter().enumerate() {
            if t.sha256.len() != 64 || !t.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!(
                    "token[{i}] ({}).sha256: expected 64 hex digits (sha256 of the token)",
                    t.name
                ));
            }
            if !["reader", "operator", "admin"].contains(&t.role.as_str()) {
                return Err(format!(
                    "token[{i}] ({}).role: expected reader, operator or admin",
                    t.name
                ));
            }
        }
        for s in &self.server.search_path {
            if !self.connections.iter().any(|c| &c.name == s) {
                return Err(format!("server.search_path: unknown connection {s:?}"));
            }
        }
        // Parsed by the function the reviewer uses; when it refuses the section, parsing it
        // again here locates the key (its own message does not name it).
        let llm = crate::policy::llm_config(&self.llm).map_err(|e| {
            section::<pathwarden_analyzers::llm::LlmConfig>("llm", &self.llm)
                .err()
                .unwrap_or_else(|| one_line(&e))
        })?;
        if let Some(llm) = llm {
            check_llm(&llm)?;
        }
        crate::graph_cmd::Neo4jConfig::from_raw(&self.neo4j).map_err(|e| one_line(&e))?;
        Ok(())
    }

    /// The checks that need the filesystem, made at load time so that a bad path is
    /// reported with the file and the key before anything starts (not at first use).
    fn check_files(&self) -> Result<(), String> {
        if let (Some(cert), Some(key)) = (&self.server.tls_cert, &self.server.tls_key) {
            crate::pg::tls_acceptor(cert, key).map_err(|e| one_line(&e))?;
        }
        for (i, c) in self.connections.iter().enumerate() {
            if let (Plugin::Gaad, Some(p)) = (c.plugin, &c.path) {
                readable_file(p).map_err(|e| format!("connection[{i}] ({}).path: {e}", c.name))?;
            }
            if let (Plugin::Gcp, Some(p)) = (c.plugin, &c.credentials_file) {
                readable_file(p)
                    .map_err(|e| format!("connection[{i}] ({}).credentials_file: {e}", c.name))?;
            }
            for (key, p) in [
                ("ca_file", &c.ca_file),
                ("federated_token_file", &c.federated_token_file),
            ] {
                if let Some(p) = p {
                    readable_file(p)
                        .map_err(|e| format!("connection[{i}] ({}).{key}: {e}", c.name))?;
                }
            }
        }
        if let Some(neo) =
            crate::graph_cmd::Neo4jConfig::from_raw(&self.neo4j).map_err(|e| one_line(&e))?
        {
            if let Some(p) = &neo.password_file {
                readable_file(p).map_err(|e| format!("neo4j.password_file: {e}"))?;
            }
        }
        if self.state.url.is_none() {
            // The SQLite state store lives there (`[state] url` unset).
            writable_dir(&self.server.data_dir).map_err(|e| format!("server.data_dir: {e}"))?;
        }
        Ok(())
    }
}

/// Deserialize a free-form section (`[llm]`, `[neo4j]`) so that an error names the key:
/// `llm.timeout: invalid type: string "soon", expected u64`.
pub(crate) fn section<T: serde::de::DeserializeOwned>(
    name: &str,
    raw: &Option<toml::Value>,
) -> Result<Option<T>, String> {
    let Some(value) = raw else { return Ok(None) };
    // `Value::try_into` reports no position; parsing the section's text does, and the
    // position's line starts with the key.
    let text = toml::to_string(value).map_err(|e| format!("{name}: {e}"))?;
    toml::from_str::<T>(&text).map(Some).map_err(|e| {
        let message = e.message().replace('\n', " ");
        let key = e.span().and_then(|span| {
            let start = text[..span.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let line = text[start..].lines().next().unwrap_or_default();
            let (key, _) = line.split_once('=')?;
            let key = key.trim().trim_matches('"');
            (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
        });
        match key {
            Some(k) => format!("{name}.{k}: {message}"),
            None => format!("{name}: {message}"),
        }
    })
}

/// An error chain on one line.
fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}

/// A `[[job]] schedule` read exactly as the scheduler reads it: `scheduler::with_seconds`,
/// then croner with the settings tokio-cron-scheduler uses (seconds required, day of month
/// and day of week both applying). An expression that never fires is an error too.
fn check_cron(schedule: &str) -> Result<(), String> {
    let cron = croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(&crate::posture::scheduler::with_seconds(schedule))
        .map_err(|e| {
            format!(
                "{schedule:?} is not a cron expression (5 fields, or 6 with seconds first): {e}"
            )
        })?;
    cron.find_next_occurrence(&chrono::Utc::now(), false)
        .map_err(|_| format!("{schedule:?} never fires"))?;
    Ok(())
}

/// What `[llm]` must hold for a review to be possible; serde has checked the types and names.
fn check_llm(llm: &pathwarden_analyzers::llm::LlmConfig) -> Result<(), String> {
    let url = reqwest::Url::parse(&llm.base_url)
        .map_err(|e| format!("llm.base_url: {:?} is not a URL: {e}", llm.base_url))?;
    if !["http", "https"].contains(&url.scheme()) || url.host_str().is_none() {
        return Err(format!(
            "llm.base_url: expected an http(s) URL such as https://api.openai.com/v1, got {:?}",
            llm.base_url
        ));
    }
    if llm.model.trim().is_empty() {
        return Err("llm.model: expected a model name".into());
    }
    if llm.max_concurrency == 0 {
        return Err("llm.max_concurrency: must be more than 0".into());
    }
    if llm.timeout.is_zero() {
        return Err("llm.timeout: must be more than 0 seconds".into());
    }
    if llm.max_tokens == 0 {
        return Err("llm.max_tokens: must be more than 0".into());
    }
    if let Some(t) = llm.temperature {
        if !(0.0..=2.0).contains(&t) {
            return Err(format!("llm.temperature: expected 0 to 2, got {t}"));
        }
    }
    if let Some(r) = &llm.redis_url {
        let ok = reqwest::Url::parse(r)
            .map(|u| ["redis", "rediss", "unix", "redis+unix"].contains(&u.scheme()))
            .unwrap_or(false);
        if !ok {
            return Err(format!(
                "llm.redis_url: expected redis://host:port, got {r:?}"
            ));
        }
    }
    Ok(())
}

/// A file that can be opened for reading.
fn readable_file(path: &Path) -> Result<(), String> {
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    match f.metadata() {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(format!("cannot read {}: not a file", path.display())),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// A directory that exists and takes new files, or that can be created: its nearest
/// existing ancestor is a directory that takes new files. Nothing is left behind.
fn writable_dir(dir: &Path) -> Result<(), String> {
    let mut existing = dir;
    loop {
        match std::fs::metadata(existing) {
            Ok(m) if m.is_dir() => break,
            Ok(_) if existing == dir => {
                return Err(format!("{} is not a directory", dir.display()));
            }
            Ok(_) => {
                return Err(format!(
                    "cannot create {}: {} is not a directory",
                    dir.display(),
                    existing.display()
                ));
            }
            // ENOTDIR: an ancestor is a file; the walk up finds it and says so.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                existing = match existing.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
            }
            Err(e) => return Err(format!("cannot use {}: {e}", dir.display())),
        }
    }
    // Permission bits do not tell (root, ACLs, read-only mounts): try.
    let probe = existing.join(format!(".pathwarden-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) if existing == dir => Err(format!("cannot write in {}: {e}", dir.display())),
        Err(e) => Err(format!(
            "cannot create {}: cannot write in {}: {e}",
            dir.display(),
            existing.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses() {
        let text = include_str!("../../pathwarden.example.toml");
        let cfg = Config::parse(text, "pathwarden.example.toml", None).expect("example parses");
        assert!(cfg.connections.len() >= 3);
    }

    #[test]
    fn bad_key_names_file_line_and_key() {
        let e = Config::parse("[server]\nlisten = 5\n", "x.toml", None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.toml: line 2"), "{e}");
        assert!(e.contains("string"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn unknown_plugin_is_rejected() {
        let e = Config::parse(
            "[[connection]]\nname='a'\nplugin='azure2'\n",
            "x.toml",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("plugin") || e.contains("azure2"), "{e}");
    }

    #[test]
    fn gaad_needs_path() {
        let e = Config::parse("[[connection]]\nname='a'\nplugin='gaad'\n", "x.toml", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("connection[0] (a).path"), "{e}");
    }

    #[test]
    fn limits_name_their_key() {
        let e = Config::parse("[server]\nstatement_timeout='soon'\n", "x.toml", None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.toml: server.statement_timeout"), "{e}");
        let e = Config::parse(
            "[server]\nmemory_limit='1GiB'\nquery_memory_limit='2GiB'\n",
            "x.toml",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("server.query_memory_limit"), "{e}");
        let l = Config::default().server.limits().unwrap();
        assert_eq!(
            l.statement_timeout,
            Some(std::time::Duration::from_secs(300))
        );
        assert_eq!(l.query_memory_limit, 1 << 30);
    }

    /// A scratch directory for one test, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(tag: &str) -> Scratch {
            let d = std::env::temp_dir()
                .join(format!("pathwarden-config-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&d);
            std::fs::create_dir_all(&d).expect("scratch dir");
            Scratch(d)
        }

        /// Write `text` as `c.toml` and load it; the error as text.
        fn load_err(&self, text: &str) -> String {
            let p = self.0.join("c.toml");
            std::fs::write(&p, text).expect("write config");
            Config::load(&p)
                .expect_err("config must be refused")
                .to_string()
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn parse_err(text: &str) -> String {
        Config::parse(text, "x.toml", None)
            .expect_err("config must be refused")
            .to_string()
    }

    #[test]
    fn cron_schedules_are_read_as_the_scheduler_reads_them() {
        let job = |schedule: &str| {
            format!("[[job]]\nname = 'nightly'\nsql = 'select 1'\nschedule = '{schedule}'\n")
        };
        for bad in [
            "61 * * * *",
            "* * * *",
            "0 2 * * * * * *",
            "0 25 * * *",
            "every day",
            "0 0 31 2 *",
        ] {
            let e = parse_err(&job(bad));
            assert!(
                e.starts_with("x.toml: job[0] (nightly).schedule: "),
                "{bad}: {e}"
            );
            assert!(e.contains(bad), "{bad}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
        for good in [
            "0 2 * * *",
            "*/30 * * * *",
            "15 0 2 * * *",
            "0 0 9 * * MON-FRI",
            "@daily",
        ] {
            Config::parse(&job(good), "x.toml", None).expect(good);
        }
        // Whatever the check accepts the scheduler accepts, and the other way round (an
        // expression that parses but never fires aside).
        for s in [
            "61 * * * *",
            "* * * *",
            "0 25 * * *",
            "every day",
            "0 2 * * *",
            "*/30 * * * *",
            "15 0 2 * * *",
            "0 0 9 * * MON-FRI",
            "@daily",
        ] {
            let scheduler = tokio_cron_scheduler::Job::new(
                crate::posture::scheduler::with_seconds(s),
                |_, _| {},
            );
            assert_eq!(scheduler.is_ok(), check_cron(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn llm_section_is_checked_at_load() {
        let e = parse_err("[llm]\nbase_url = 'ftp://models.example'\nmodel = 'm'\n");
        assert!(e.starts_with("x.toml: llm.base_url: "), "{e}");
        let e = parse_err("[llm]\nbase_url = 'not a url'\n");
        assert!(e.starts_with("x.toml: llm.base_url: "), "{e}");
        let e = parse_err("[llm]\nmodel = ''\n");
        assert!(e.starts_with("x.toml: llm.model: "), "{e}");
        let e = parse_err("[llm]\nmax_concurrency = 0\n");
        assert!(e.starts_with("x.toml: llm.max_concurrency: "), "{e}");
        let e = parse_err("[llm]\nmodle = 'gpt'\n");
        assert!(e.starts_with("x.toml: llm.modle: unknown field"), "{e}");
        let e = parse_err("[llm]\ntimeout = 'soon'\n");
        assert!(e.starts_with("x.toml: llm.timeout: "), "{e}");
        Config::parse(
            "[llm]\nbase_url = 'http://127.0.0.1:8080/v1'\nmodel = 'local'\n",
            "x.toml",
            None,
        )
        .expect("a local model endpoint is fine");
    }

    #[test]
    fn neo4j_section_is_checked_at_load() {
        let e = parse_err("[neo4j]\nuri = 'http://127.0.0.1:7474'\n");
        assert!(e.starts_with("x.toml: neo4j.uri: "), "{e}");
        let e = parse_err("[neo4j]\nuri = '127.0.0.1:7687'\n");
        assert!(e.starts_with("x.toml: neo4j.uri: "), "{e}");
        let e = parse_err("[neo4j]\nuri = 'bolt://127.0.0.1:7687'\nsink = 'mongo'\n");
        assert!(e.starts_with("x.toml: neo4j.sink: "), "{e}");
        let e = parse_err("[neo4j]\nuri = 'bolt://127.0.0.1:7687'\nsink = 'falkordb'\n");
        assert!(e.starts_with("x.toml: neo4j.uri: "), "{e}");
        let e = parse_err("[neo4j]\nuri = 'bolt://127.0.0.1:7687'\nbatch_size = 0\n");
        assert!(e.starts_with("x.toml: neo4j.batch_size: "), "{e}");
        let e = parse_err("[neo4j]\nurl = 'bolt://127.0.0.1:7687'\n");
        assert!(e.starts_with("x.toml: neo4j.url: unknown field"), "{e}");
        for ok in [
            "bolt://127.0.0.1:7687",
            "neo4j+s://db.example:7687",
            "redis://127.0.0.1:6379",
        ] {
            Config::parse(&format!("[neo4j]\nuri = '{ok}'\n"), "x.toml", None).expect(ok);
        }
    }

    #[test]
    fn tls_files_are_checked_at_load() {
        let d = Scratch::new("tls");
        let missing = d.0.join("missing.crt");
        let key = d.0.join("server.key");
        std::fs::write(&key, "not a key").expect("write");
        let e = d.load_err(&format!(
            "[server]\ntls_cert = '{}'\ntls_key = '{}'\n",
            missing.display(),
            key.display()
        ));
        let file = d.0.join("c.toml");
        assert!(
            e.starts_with(&format!("{}: server.tls_cert: ", file.display())),
            "{e}"
        );
        assert!(e.contains(&missing.display().to_string()), "{e}");
        assert!(!e.contains('\n'), "{e}");
        // A certificate file without a certificate in it.
        let cert = d.0.join("server.crt");
        std::fs::write(&cert, "hello").expect("write");
        let e = d.load_err(&format!(
            "[server]\ntls_cert = '{}'\ntls_key = '{}'\n",
            cert.display(),
            key.display()
        ));
        assert!(e.contains("server.tls_cert: no certificate"), "{e}");
    }

    #[test]
    fn unreadable_gaad_file_names_the_key_once() {
        let d = Scratch::new("gaad");
        let e = d.load_err(
            "[[connection]]\nname = 'prod'\nplugin = 'gaad'\npath = '/nonexistent/gaad.json'\n",
        );
        let file = d.0.join("c.toml");
        assert_eq!(
            e,
            format!(
                "{}: connection[0] (prod).path: cannot read /nonexistent/gaad.json: No such file or directory (os error 2)",
                file.display()
            )
        );
        // A directory is not a GAAD file; relative paths are resolved against the config.
        std::fs::create_dir_all(d.0.join("exports")).expect("mkdir");
        let e = d.load_err("[[connection]]\nname = 'prod'\nplugin = 'gaad'\npath = 'exports'\n");
        assert!(e.contains("connection[0] (prod).path: cannot read "), "{e}");
        assert!(e.contains("not a file"), "{e}");
    }

    /// A GAAD file that goes away after the config was loaded: the engine's error names
    /// the connection and the file, and the OS error once (not once per error layer).
    #[tokio::test]
    async fn gaad_file_gone_at_build_names_the_os_error_once() {
        let cfg = Config::parse(
            "[[connection]]\nname = 'prod'\nplugin = 'gaad'\npath = '/nonexistent/gaad.json'\n",
            "x.toml",
            None,
        )
        .expect("parses (files are checked by load)");
        let e = match crate::engine::Engine::build(&cfg, 10).await {
            Ok(_) => panic!("an engine over a missing file"),
            Err(e) => format!("{e:#}"),
        };
        assert!(
            e.contains("prod") && e.contains("/nonexistent/gaad.json"),
            "{e}"
        );
        assert_eq!(e.matches("No such file or directory").count(), 1, "{e}");
    }

    #[test]
    fn data_dir_must_be_writable_or_creatable() {
        let d = Scratch::new("datadir");
        let plain = d.0.join("plain");
        std::fs::write(&plain, "x").expect("write");
        let e = d.load_err(&format!(
            "[server]\ndata_dir = '{}'\n",
            plain.join("state").display()
        ));
        assert!(e.contains(": server.data_dir: cannot create "), "{e}");
        assert!(e.contains("is not a directory"), "{e}");
        let e = d.load_err(&format!("[server]\ndata_dir = '{}'\n", plain.display()));
        assert!(e.contains(": server.data_dir: "), "{e}");
        // A directory that does not exist yet but can be made is fine, and is not made by
        // loading the config.
        let fresh = d.0.join("fresh/state");
        let p = d.0.join("ok.toml");
        std::fs::write(&p, format!("[server]\ndata_dir = '{}'\n", fresh.display())).expect("write");
        Config::load(&p).expect("creatable data_dir");
        assert!(!fresh.exists() && !d.0.join("fresh").exists());
        // With a state URL the data directory is not used for state.
        std::fs::write(
            &p,
            format!(
                "[server]\ndata_dir = '{}'\n[state]\nurl = 'sqlite::memory:'\n",
                plain.join("state").display()
            ),
        )
        .expect("write");
        Config::load(&p).expect("data_dir unused");
        // Nothing left behind by the write check.
        let left: Vec<_> = std::fs::read_dir(&d.0)
            .expect("read dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("write-check"))
            .collect();
        assert!(left.is_empty());
    }

    #[test]
    fn organization_accounts_are_checked_and_select_by_account_and_unit() {
        let cfg = Config::parse(
            "[[connection]]\nname='org'\nplugin='aws'\n\
             organization_accounts = { role_name = 'audit/OrgRead', include = ['ou-ab12-prod0001', '111111111111'], exclude = ['ou-ab12-pay00001'] }\n",
            "x.toml",
            None,
        )
        .expect("organization connection parses");
        let o = cfg.connections[0]
            .organization_accounts
            .as_ref()
            .expect("organization_accounts");
        let chain = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Below an included unit; directly included; below an excluded unit inside an
        // included one (exclude wins); outside everything included.
        assert!(o.selects("222222222222", &chain(&["ou-ab12-prod0001", "r-ab12"])));
        assert!(o.selects("111111111111", &chain(&["r-ab12"])));
        assert!(!o.selects(
            "333333333333",
            &chain(&["ou-ab12-pay00001", "ou-ab12-prod0001", "r-ab12"])
        ));
        assert!(!o.selects("444444444444", &chain(&["ou-ab12-dev00001", "r-ab12"])));
        for (bad, key) in [
            ("{ role_name = '' }", "organization_accounts.role_name"),
            ("{ role_name = 'a b' }", "organization_accounts.role_name"),
            ("{ role_name = '/x' }", "organization_accounts.role_name"),
            (
                "{ role_name = 'r', include = ['prod'] }",
                "organization_accounts.include",
            ),
            (
                "{ role_name = 'r', exclude = ['12345'] }",
                "organization_accounts.exclude",
            ),
            (
                "{ role = 'r' }",
                "unknown field `role`, expected one of `role_name`",
            ),
        ] {
            let e = parse_err(&format!(
                "[[connection]]\nname='org'\nplugin='aws'\norganization_accounts = {bad}\n"
            ));
            assert!(e.contains(key), "{bad}: {e}");
        }
        let e = parse_err(
            "[[connection]]\nname='g'\nplugin='demo'\norganization_accounts = { role_name = 'r' }\n",
        );
        assert!(
            e.contains("connection[0] (g).organization_accounts: only for plugin"),
            "{e}"
        );
    }

    #[test]
    fn bad_listen_address() {
        let e = Config::parse("[server]\nlisten='nowhere'\n", "x.toml", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("server.listen"), "{e}");
    }

    #[test]
    fn gcp_connections() {
        let cfg = Config::parse(
            "[[connection]]\nname='g'\nplugin='gcp'\nproject='a-proj'\nprojects=['b-proj']\n\
             credentials_file='keys/sa.json'\nimpersonate_service_account='x@a-proj.iam.gserviceaccount.com'\n\
             endpoints={ iam = 'http://127.0.0.1:1/iam' }\n",
            "x.toml",
            Some(Path::new("/etc/pathwarden")),
        )
        .expect("gcp connection parses");
        let c = &cfg.connections[0];
        assert_eq!(c.plugin, Plugin::Gcp);
        assert_eq!(
            c.credentials_file.as_deref(),
            Some(Path::new("/etc/pathwarden/keys/sa.json"))
        );
        let g = crate::engine::gcp_connection_config(c);
        assert_eq!(g.projects, ["a-proj", "b-proj"]);
        assert_eq!(g.endpoints["iam"], "http://127.0.0.1:1/iam");
        let e = parse_err("[[connection]]\nname='g'\nplugin='gcp'\n");
        assert!(e.contains("connection[0] (g).project"), "{e}");
        let e = parse_err(
            "[[connection]]\nname='g'\nplugin='gcp'\nproject='p'\nendpoints={ bigquery = 'http://x' }\n",
        );
        assert!(e.contains("endpoints.bigquery: unknown API"), "{e}");
        let e = parse_err("[[connection]]\nname='d'\nplugin='demo'\nproject='p'\n");
        assert!(e.contains("are gcp settings"), "{e}");
        let e = parse_err("[[connection]]\nname='g'\nplugin='gcp'\norganization='folders/1'\n");
        assert!(
            e.contains("organization: expected the organization's numeric id"),
            "{e}"
        );
        let c = Config::parse(
            "[[connection]]\nname='g'\nplugin='gcp'\norganization='organizations/900'\n",
            "x.toml",
            None,
        )
        .expect("an organization alone is enough");
        let g = crate::engine::gcp_connection_config(&c.connections[0]);
        assert_eq!(g.organization.as_deref(), Some("organizations/900"));
        assert!(g.projects.is_empty());
    }

    #[test]
    fn azure_connections() {
        let cfg = Config::parse(
            "[[connection]]\nname='az'\nplugin='azure'\ntenant_id='11111111-2222-3333-4444-555555555555'\n\
             subscriptions=['aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee']\ncredential='client_secret'\n\
             client_id='app'\nclient_secret_env='AZ_SECRET'\nca_file='ca.pem'\n\
             endpoints={ management = 'http://127.0.0.1:1/arm' }\n\
             [[connection]]\nname='ad'\nplugin='azuread'\ncredential='azure_cli'\n",
            "x.toml",
            Some(Path::new("/etc/pathwarden")),
        )
        .expect("azure connections parse");
        assert_eq!(cfg.connections[0].plugin, Plugin::Azure);
        assert_eq!(cfg.connections[1].plugin, Plugin::AzureAd);
        assert_eq!(
            cfg.connections[0].ca_file.as_deref(),
            Some(Path::new("/etc/pathwarden/ca.pem"))
        );
        let base = "[[connection]]\nname='az'\nplugin='azure'\n";
        for (extra, expected) in [
            ("", "(az).credential: expected one of"),
            ("credential='password'\n", "got \"password\""),
            (
                "credential='client_secret'\nclient_id='x'\n",
                "needs tenant_id, client_id and client_secret_env",
            ),
            (
                "credential='azure_cli'\ntenant_id='not-a-guid'\n",
                "tenant_id: expected a GUID",
            ),
            (
                "credential='azure_cli'\nsubscriptions=['../x']\n",
                "is not a GUID",
            ),
            (
                "credential='azure_cli'\nauthority_host='http://login'\n",
                "authority_host: expected an https",
            ),
            (
                "credential='azure_cli'\nendpoints={ iam = 'http://x' }\n",
                "endpoints.iam: unknown API",
            ),
            ("credential='azure_cli'\nproject='p'\n", "are gcp settings"),
            (
                "credential='azure_cli'\nclient_secret_env='X'\n",
                "only for credential \"client_secret\"",
            ),
        ] {
            let e = parse_err(&format!("{base}{extra}"));
            assert!(e.contains(expected), "{extra}: {e}");
        }
        let e = parse_err(
            "[[connection]]\nname='ad'\nplugin='azuread'\ncredential='azure_cli'\nsubscriptions=['aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee']\n",
        );
        assert!(e.contains("subscriptions: an azure setting"), "{e}");
        let e = parse_err("[[connection]]\nname='d'\nplugin='demo'\ntenant_id='x'\n");
        assert!(e.contains("are azure/azuread settings"), "{e}");
        let e = parse_err(
            "[[connection]]\nname='g'\nplugin='gcp'\nproject='p'\ncredential='azure_cli'\n",
        );
        assert!(e.contains("are azure/azuread settings"), "{e}");
    }
}
