//! The live `azure` and `azuread` providers: one [`AzureSource`] per configured connection.
//!
//! Connecting builds the `azure_identity` credential and obtains a first token for the
//! plugin's API, so a wrong secret, tenant or authority host fails at start-up with the
//! connection's name rather than at the first query. An `azure` connection without
//! `subscriptions` lists every subscription the credential can see, once, at start-up.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use super::auth::{Auth, AzureCredential};
use super::rest::{self, ARM, AzureRest, GRAPH};
use crate::framework::registry::{self, HydrateRef};
use crate::framework::{FetchError, ListRequest, Page, Row, Source, TableDef};

/// ARM API version of the subscriptions and tenants calls.
pub(crate) const SUBSCRIPTIONS_API: &str = "2022-12-01";

/// Which plugin a connection serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AzurePlugin {
    /// Azure Resource Manager tables (`azure_*`).
    Azure,
    /// Microsoft Entra ID tables through Microsoft Graph (`azuread_*`).
    AzureAd,
}

impl AzurePlugin {
    /// The plugin's name in config.
    pub fn name(self) -> &'static str {
        match self {
            AzurePlugin::Azure => "azure",
            AzurePlugin::AzureAd => "azuread",
        }
    }
}

/// Settings of one Azure connection.
#[derive(Debug, Clone)]
pub struct AzureConnectionConfig {
    /// Connection (schema) name.
    pub name: String,
    /// `azure` or `azuread`.
    pub plugin: AzurePlugin,
    /// Directory (tenant) id; required by the client secret credential.
    pub tenant_id: Option<String>,
    /// Subscriptions listed by the `azure` tables; empty: all the credential can see.
    pub subscriptions: Vec<String>,
    /// How to authenticate.
    pub credential: AzureCredential,
    /// Base URL per API (`management`, `graph`), for local servers and sovereign clouds.
    pub endpoints: BTreeMap<String, String>,
    /// Microsoft Entra authority host (token endpoint), `https://` only.
    pub authority_host: Option<String>,
    /// Extra PEM root certificates trusted for the token endpoint and the APIs.
    pub ca_file: Option<PathBuf>,
    /// Timeout of one HTTP request.
    pub request_timeout: Option<Duration>,
}

/// Why a connection could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    /// The configuration is inconsistent.
    #[error("{plugin} connection {connection}: {message}")]
    Config {
        /// Plugin name.
        plugin: &'static str,
        /// Connection name.
        connection: String,
        /// What is wrong.
        message: String,
    },
    /// No token could be obtained, or the first call failed.
    #[error("{plugin} connection {connection}: {message}")]
    Connect {
        /// Plugin name.
        plugin: &'static str,
        /// Connection name.
        connection: String,
        /// The cause (never a secret or a token).
        message: String,
    },
}

/// The live Azure provider of one connection.
pub struct AzureSource {
    pub(crate) connection: String,
    pub(crate) plugin: AzurePlugin,
    pub(crate) tenant_id: Option<String>,
    pub(crate) subscriptions: Vec<String>,
    pub(crate) rest: AzureRest,
}

impl fmt::Debug for AzureSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureSource")
            .field("connection", &self.connection)
            .field("plugin", &self.plugin)
            .field("subscriptions", &self.subscriptions)
            .finish()
    }
}

/// Whether `s` is a GUID (tenant and subscription ids are; anything else is refused before
/// it is put in a URL path).
pub(crate) fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

impl AzureSource {
    /// Build the credential, obtain a first token and settle the subscriptions.
    pub async fn connect(cfg: AzureConnectionConfig) -> Result<AzureSource, AzureError> {
        let connection = cfg.name.clone();
        let plugin = cfg.plugin.name();
        let config_err = |message: String| AzureError::Config {
            plugin,
            connection: connection.clone(),
            message,
        };
        for (key, url) in &cfg.endpoints {
            if !rest::API_NAMES.contains(&key.as_str()) {
                return Err(config_err(format!(
                    "endpoints: unknown API {key:?} (expected one of {})",
                    rest::API_NAMES.join(", ")
                )));
            }
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(config_err(format!(
                    "endpoints.{key}: expected an http(s) URL"
                )));
            }
        }
        if let Some(t) = &cfg.tenant_id
            && !is_guid(t)
        {
            return Err(config_err("tenant_id: expected a GUID".into()));
        }
        for s in &cfg.subscriptions {
            if !is_guid(s) {
                return Err(config_err(format!("subscriptions: {s:?} is not a GUID")));
            }
        }
        if let Some(h) = &cfg.authority_host
            && !h.starts_with("https://")
        {
            return Err(config_err(
                "authority_host: expected an https:// URL (azure_identity refuses others)".into(),
            ));
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(cfg.request_timeout.unwrap_or(Duration::from_secs(60)))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &cfg.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| config_err(format!("ca_file {}: {e}", path.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| config_err(format!("ca_file {}: {e}", path.display())))?;
            if certs.is_empty() {
                return Err(config_err(format!(
                    "ca_file {}: no PEM certificate in it",
                    path.display()
                )));
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder
            .build()
            .map_err(|e| config_err(format!("HTTP client: {e}")))?;
        let auth = Auth::new(
            &cfg.credential,
            cfg.tenant_id.as_deref(),
            cfg.authority_host.as_deref(),
            &http,
        )
        .map_err(|m| config_err(format!("{} credential: {m}", cfg.credential.kind())))?;
        let rest = AzureRest::new(http, Arc::new(auth), cfg.endpoints.clone());
        let connect_err = |message: String| AzureError::Connect {
            plugin,
            connection: connection.clone(),
            message,
        };
        let api = match cfg.plugin {
            AzurePlugin::Azure => ARM,
            AzurePlugin::AzureAd => GRAPH,
        };
        rest.token(api).await.map_err(connect_err)?;
        let mut source = AzureSource {
            connection: connection.clone(),
            plugin: cfg.plugin,
            tenant_id: cfg.tenant_id.clone(),
            subscriptions: cfg.subscriptions.clone(),
            rest,
        };
        match cfg.plugin {
            AzurePlugin::Azure if source.subscriptions.is_empty() => {
                let subs = source
                    .rest
                    .all(
                        ARM,
                        "/subscriptions",
                        &[("api-version", SUBSCRIPTIONS_API)],
                        "Microsoft.Resources/subscriptions/read",
                    )
                    .await
                    .map_err(|e| connect_err(format!("listing subscriptions: {e}")))?;
                source.subscriptions = subs
                    .iter()
                    .filter_map(|s| s.get("subscriptionId").and_then(Value::as_str))
                    .filter(|s| is_guid(s))
                    .map(str::to_string)
                    .collect();
                if source.tenant_id.is_none() {
                    source.tenant_id = subs
                        .iter()
                        .find_map(|s| s.get("tenantId").and_then(Value::as_str))
                        .filter(|t| is_guid(t))
                        .map(str::to_string);
                }
            }
            AzurePlugin::AzureAd if source.tenant_id.is_none() => {
                let orgs = source
                    .rest
                    .all(
                        GRAPH,
                        "/v1.0/organization",
                        &[("$select", "id")],
                        "graph:organization.list",
                    )
                    .await
                    .map_err(|e| connect_err(format!("reading the tenant id: {e}")))?;
                source.tenant_id = orgs
                    .first()
                    .and_then(|o| o.get("id"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
            _ => {}
        }
        source.subscriptions.dedup();
        tracing::info!(connection = %connection, plugin, subscriptions = source.subscriptions.len(), credential = cfg.credential.kind(), "azure connection ready");
        Ok(source)
    }

    /// The subscriptions this connection lists.
    pub fn subscriptions(&self) -> &[String] {
        &self.subscriptions
    }

    /// The tenant the connection reads.
    pub fn tenant_id(&self) -> Option<&str> {
        self.tenant_id.as_deref()
    }

    /// The subscriptions a list call covers: the connection's, narrowed by
    /// `subscription_id = ...`.
    pub(crate) fn subscriptions_for(&self, req: &ListRequest) -> Vec<String> {
        match req.quals.values("subscription_id") {
            Some(wanted) => self
                .subscriptions
                .iter()
                .filter(|s| {
                    wanted
                        .iter()
                        .any(|w| w.as_str().is_some_and(|w| w.eq_ignore_ascii_case(s)))
                })
                .cloned()
                .collect(),
            None => self.subscriptions.clone(),
        }
    }

    /// The `_ctx` column.
    pub(crate) fn ctx(&self, row: &mut Row) {
        row.insert(
            "_ctx".into(),
            serde_json::json!({ "connection_name": self.connection }),
        );
    }

    /// The standard columns of the `azure` tables: `cloud_environment`, `subscription_id`
    /// (`None` for tenant-level rows) and `_ctx`.
    pub(crate) fn azure_common(&self, row: &mut Row, subscription: Option<&str>) {
        row.insert(
            "cloud_environment".into(),
            Value::String(self.cloud_environment()),
        );
        row.insert(
            "subscription_id".into(),
            subscription.map_or(Value::Null, |s| Value::String(s.to_string())),
        );
        self.ctx(row);
    }

    /// The standard columns of the `azuread` tables: `tenant_id` and `_ctx`.
    pub(crate) fn azuread_common(&self, row: &mut Row) {
        row.insert(
            "tenant_id".into(),
            self.tenant_id
                .as_deref()
                .map_or(Value::Null, |t| Value::String(t.to_string())),
        );
        self.ctx(row);
    }

    /// Steampipe's name of the cloud: `AzurePublicCloud` unless ARM is elsewhere.
    pub(crate) fn cloud_environment(&self) -> String {
        let base = self.rest.base(ARM);
        match base.as_str() {
            "https://management.azure.com" => "AzurePublicCloud",
            "https://management.usgovcloudapi.net" => "AzureUSGovernmentCloud",
            "https://management.chinacloudapi.cn" => "AzureChinaCloud",
            _ => "AzureCustomCloud",
        }
        .to_string()
    }
}

/// Where a multi-subscription listing stands: the subscription's index and the API's next
/// link within it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub sub: usize,
    pub link: Option<String>,
}

impl Cursor {
    /// The cursor a framework page token stands for (`None`: the start).
    pub(crate) fn parse(token: Option<&str>) -> Cursor {
        let Some(t) = token else {
            return Cursor::default();
        };
        let (sub, link) = t.split_once(' ').unwrap_or((t, ""));
        Cursor {
            sub: sub.parse().unwrap_or(0),
            link: Some(link).filter(|l| !l.is_empty()).map(str::to_string),
        }
    }

    /// The token of the page after one that returned `next`.
    pub(crate) fn after(&self, next: Option<String>, subscriptions: usize) -> Option<String> {
        match next {
            Some(l) => Some(format!("{} {l}", self.sub)),
            None => (self.sub + 1 < subscriptions).then(|| (self.sub + 1).to_string()),
        }
    }
}

/// Text of a row column.
pub(crate) fn row_str<'a>(row: &'a Row, column: &str) -> Option<&'a str> {
    row.get(column).and_then(Value::as_str)
}

/// A required row column, as the error a hydrate call returns when it is missing.
pub(crate) fn need<'a>(row: &'a Row, column: &str, api_call: &str) -> Result<&'a str, FetchError> {
    row_str(row, column).ok_or_else(|| FetchError::Api {
        api_call: api_call.to_string(),
        message: format!("row has no {column}"),
    })
}

/// Copy `from[key]` into `row[column]` (null when absent).
pub(crate) fn put(row: &mut Row, column: &str, from: &Value, key: &str) {
    row.insert(
        column.to_string(),
        from.get(key).cloned().unwrap_or(Value::Null),
    );
}

#[async_trait]
impl Source for AzureSource {
    fn connection(&self) -> &str {
        &self.connection
    }

    fn plugin(&self) -> &str {
        self.plugin.name()
    }

    fn tables(&self) -> Vec<&'static TableDef> {
        registry::defs(self.registry())
    }

    fn regions(&self) -> Vec<String> {
        Vec::new()
    }

    fn supports_get(&self, table: &'static TableDef) -> bool {
        registry::supports_get(self.registry(), table)
    }

    async fn list_page(
        &self,
        table: &'static TableDef,
        req: &ListRequest,
        token: Option<String>,
    ) -> Result<Page, FetchError> {
        registry::list_page(self.registry(), self, table, req, token).await
    }

    async fn get(
        &self,
        table: &'static TableDef,
        region: Option<&str>,
        key_column: &str,
        key: &Value,
    ) -> Result<Option<Row>, FetchError> {
        let Some(key) = key.as_str() else {
            return Ok(None);
        };
        registry::get(self.registry(), self, table, region, key_column, key).await
    }

    async fn hydrate(
        &self,
        table: &'static TableDef,
        hydrate: HydrateRef,
        region: Option<&str>,
        row: &Row,
    ) -> Result<Row, FetchError> {
        registry::run_hydrate(self, table, hydrate, region, row).await
    }
}

impl AzureSource {
    fn registry(&self) -> &'static [&'static super::AzureTable] {
        match self.plugin {
            AzurePlugin::Azure => super::AZURE_TABLES,
            AzurePlugin::AzureAd => super::AZUREAD_TABLES,
        }
    }
}

/// One page of an ARM list made in every subscription of the request in turn:
/// `path_of(subscription)` with `api-version`, each item turned into a row by `row_of`.
pub(crate) async fn list_per_subscription(
    src: &AzureSource,
    req: &ListRequest,
    token: Option<String>,
    path_of: impl Fn(&str) -> String,
    api_version: &str,
    api_call: &str,
    row_of: impl Fn(&AzureSource, &str, &Value) -> Row,
) -> Result<Page, FetchError> {
    let cursor = Cursor::parse(token.as_deref());
    let subs = src.subscriptions_for(req);
    let Some(sub) = subs.get(cursor.sub) else {
        return Ok(Page::default());
    };
    let (items, next) = src
        .rest
        .page(
            ARM,
            &path_of(sub),
            &[("api-version", api_version)],
            cursor.link.as_deref(),
            api_call,
        )
        .await?;
    Ok(Page {
        rows: items.iter().map(|i| row_of(src, sub, i)).collect(),
        next: cursor.after(next, subs.len()),
    })
}

/// Copy the value at JSON pointer `pointer` of `from` into `row[column]` (null when absent).
pub(crate) fn put_at(row: &mut Row, column: &str, from: &Value, pointer: &str) {
    row.insert(
        column.to_string(),
        from.pointer(pointer).cloned().unwrap_or(Value::Null),
    );
}

/// The standard columns of an ARM resource row: `title` (its name), `tags`, `akas` (its
/// id as given and lower-cased, as Steampipe does), `region`, `resource_group` (from the
/// id, lower-cased) and the common Azure columns.
pub(crate) fn resource_common(src: &AzureSource, row: &mut Row, sub: &str, r: &Value) {
    put(row, "title", r, "name");
    put(row, "tags", r, "tags");
    let id = r.get("id").and_then(Value::as_str).unwrap_or_default();
    row.insert(
        "akas".into(),
        serde_json::json!([
            format!("azure://{id}"),
            format!("azure://{}", id.to_lowercase())
        ]),
    );
    put(row, "region", r, "location");
    row.insert(
        "resource_group".into(),
        resource_group_of(id).map_or(Value::Null, Value::String),
    );
    src.azure_common(row, Some(sub));
}

/// The resource group named in an ARM resource id (`/subscriptions/s/resourceGroups/rg/...`),
/// lower-cased as Steampipe reports it.
pub(crate) fn resource_group_of(id: &str) -> Option<String> {
    let mut parts = id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("resourcegroups") {
            return parts.next().map(str::to_lowercase);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_walk_subscriptions_then_links() {
        let c = Cursor::parse(None);
        assert_eq!(c, Cursor::default());
        let t = c.after(Some("https://m/x?$skiptoken=a b".into()), 2);
        let c2 = Cursor::parse(t.as_deref());
        assert_eq!(c2.sub, 0);
        assert_eq!(c2.link.as_deref(), Some("https://m/x?$skiptoken=a b"));
        let t = c2.after(None, 2);
        assert_eq!(Cursor::parse(t.as_deref()).sub, 1);
        assert_eq!(Cursor::parse(t.as_deref()).link, None);
        assert_eq!(Cursor { sub: 1, link: None }.after(None, 2), None);
    }

    #[test]
    fn ids_are_checked_before_they_reach_a_path() {
        assert!(is_guid("00000000-1111-2222-3333-444444444444"));
        assert!(!is_guid("00000000-1111-2222-3333-44444444444"));
        assert!(!is_guid("../../providers/x"));
        assert!(!is_guid("00000000-1111-2222-3333-44444444444/"));
        assert_eq!(
            resource_group_of("/subscriptions/s/resourceGroups/Prod-RG/providers/x").as_deref(),
            Some("prod-rg")
        );
        assert_eq!(resource_group_of("/subscriptions/s"), None);
    }
}
