//! The live `gcp` provider: one [`GcpSource`] per configured connection.
//!
//! Connecting obtains a token once (and the impersonated token, when configured), so a
//! wrong key file, token endpoint or impersonation target fails at start-up with the
//! connection's name rather than at the first query. Each table's list/get/hydrate
//! functions live beside its definition; this file dispatches to them and holds what they
//! share (REST client, projects, standard columns, the multi-project page cursor).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::Value;

use super::auth::{Auth, AuthError};
use super::hierarchy::{self, Hierarchy};
use super::iam_role;
use super::rest::{self, RestClient};
use crate::framework::registry::{self, HydrateRef};
use crate::framework::{FetchError, ListRequest, Page, Row, Source, TableDef};

/// Settings of one GCP connection.
#[derive(Debug, Clone, Default)]
pub struct GcpConnectionConfig {
    /// Connection (schema) name.
    pub name: String,
    /// Projects listed by every table; empty (and no organization) means the project of
    /// the credentials.
    pub projects: Vec<String>,
    /// Organization whose every project (recursing folders) the tables list, with the
    /// configured `projects`: `123` or `organizations/123`.
    pub organization: Option<String>,
    /// Service-account JSON key file; `None` uses application default credentials.
    pub credentials_file: Option<PathBuf>,
    /// Service account whose token is used (IAM Credentials `generateAccessToken`).
    pub impersonate_service_account: Option<String>,
    /// Base URL per API (`cloudresourcemanager`, `iam`, `iamcredentials`, `storage`), for
    /// local servers.
    pub endpoints: BTreeMap<String, String>,
    /// Timeout of one HTTP request.
    pub request_timeout: Option<Duration>,
}

/// Why a connection could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum GcpError {
    /// The configuration is inconsistent.
    #[error("gcp connection {connection}: {message}")]
    Config {
        /// Connection name.
        connection: String,
        /// What is wrong.
        message: String,
    },
    /// Credentials could not be loaded.
    #[error("gcp connection {connection}: {source}")]
    Credentials {
        /// Connection name.
        connection: String,
        /// The cause.
        #[source]
        source: AuthError,
    },
    /// No token could be obtained with the credentials.
    #[error("gcp connection {connection}: {source}")]
    Token {
        /// Connection name.
        connection: String,
        /// The failed call.
        #[source]
        source: FetchError,
    },
}

/// The live GCP provider of one connection.
pub struct GcpSource {
    pub(crate) connection: String,
    pub(crate) projects: Vec<String>,
    pub(crate) rest: RestClient,
    /// `organizations/<id>` when the connection discovers an organization.
    pub(crate) organization: Option<String>,
    /// The discovered hierarchy and when it was read.
    hierarchy: tokio::sync::Mutex<Option<(Instant, Arc<Hierarchy>)>>,
}

/// How long a discovered hierarchy is used before it is walked again.
const HIERARCHY_TTL: Duration = Duration::from_secs(300);

/// Page token of the page after a listing's last one when organization discovery was
/// refused somewhere: that page reports the refusal.
const DENIED_TAIL: &str = "!discovery-refused";

impl fmt::Debug for GcpSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcpSource")
            .field("connection", &self.connection)
            .field("projects", &self.projects)
            .finish()
    }
}

impl GcpSource {
    /// Load credentials, obtain a first token and settle the projects.
    pub async fn connect(cfg: GcpConnectionConfig) -> Result<GcpSource, GcpError> {
        let connection = cfg.name.clone();
        for key in cfg.endpoints.keys() {
            if !rest::API_NAMES.contains(&key.as_str()) {
                return Err(GcpError::Config {
                    connection,
                    message: format!(
                        "endpoints: unknown API {key:?} (expected one of {})",
                        rest::API_NAMES.join(", ")
                    ),
                });
            }
        }
        let auth = Auth::new(
            cfg.credentials_file.as_deref(),
            cfg.impersonate_service_account.as_deref(),
            &rest::base_url(&cfg.endpoints, rest::IAM_CREDENTIALS),
        )
        .await
        .map_err(|source| GcpError::Credentials {
            connection: connection.clone(),
            source,
        })?;
        let http = reqwest::Client::builder()
            .timeout(cfg.request_timeout.unwrap_or(Duration::from_secs(60)))
            .build()
            .map_err(|e| GcpError::Config {
                connection: connection.clone(),
                message: format!("HTTP client: {e}"),
            })?;
        auth.token(&http).await.map_err(|source| GcpError::Token {
            connection: connection.clone(),
            source,
        })?;
        let mut projects = cfg.projects.clone();
        let organization = cfg
            .organization
            .as_deref()
            .filter(|o| !o.trim().is_empty())
            .map(hierarchy::organization_name);
        if projects.is_empty() && organization.is_none() {
            match auth.project_id().await {
                Some(p) => projects.push(p),
                None => {
                    return Err(GcpError::Config {
                        connection,
                        message:
                            "no project: set `project` or `projects` (the credentials name none)"
                                .into(),
                    });
                }
            }
        }
        projects.dedup();
        tracing::info!(connection = %connection, projects = ?projects, organization = ?organization, impersonating = cfg.impersonate_service_account.is_some(), "gcp connection ready");
        Ok(GcpSource {
            connection,
            projects,
            rest: RestClient::new(http, Arc::new(auth), cfg.endpoints),
            organization,
            hierarchy: tokio::sync::Mutex::new(None),
        })
    }

    /// The organization's hierarchy (discovered on first use, walked again after
    /// [`HIERARCHY_TTL`]); `None` when the connection names no organization.
    pub(crate) async fn hierarchy(&self) -> Result<Option<Arc<Hierarchy>>, FetchError> {
        let Some(org) = &self.organization else {
            return Ok(None);
        };
        // Held across the walk: concurrent scans wait for one discovery.
        let mut slot = self.hierarchy.lock().await;
        if let Some((at, h)) = slot.as_ref()
            && at.elapsed() < HIERARCHY_TTL
        {
            return Ok(Some(Arc::clone(h)));
        }
        let h = Arc::new(hierarchy::discover(&self.rest, org).await?);
        *slot = Some((Instant::now(), Arc::clone(&h)));
        Ok(Some(h))
    }

    /// Every project of the connection: the configured ones, then the organization's.
    pub(crate) async fn all_projects(&self) -> Result<Vec<String>, FetchError> {
        let mut out = self.projects.clone();
        if let Some(h) = self.hierarchy().await? {
            for p in h.project_ids() {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    /// The configured projects (an organization's are discovered on first use).
    pub fn projects(&self) -> &[String] {
        &self.projects
    }

    /// The organization the connection discovers, as `organizations/<id>`.
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }

    /// The projects a list call covers: the connection's, narrowed by `project = ...`.
    pub(crate) async fn projects_for(&self, req: &ListRequest) -> Result<Vec<String>, FetchError> {
        let all = self.all_projects().await?;
        Ok(match req.quals.values("project") {
            Some(wanted) => all
                .into_iter()
                .filter(|p| wanted.iter().any(|w| w.as_str() == Some(p.as_str())))
                .collect(),
            None => all,
        })
    }

    /// Whether `project` belongs to this connection.
    pub(crate) async fn has_project(&self, project: &str) -> Result<bool, FetchError> {
        Ok(self.all_projects().await?.iter().any(|p| p == project))
    }

    /// The standard columns of a resource row.
    pub(crate) fn common(
        &self,
        row: &mut Row,
        project: &str,
        location: &str,
        title: Value,
        akas: Vec<String>,
    ) {
        row.insert("title".into(), title);
        row.insert(
            "akas".into(),
            Value::Array(akas.into_iter().map(Value::String).collect()),
        );
        row.insert("location".into(), Value::String(location.to_string()));
        row.insert("project".into(), Value::String(project.to_string()));
        self.ctx(row);
    }

    /// The `_ctx` column.
    pub(crate) fn ctx(&self, row: &mut Row) {
        row.insert(
            "_ctx".into(),
            serde_json::json!({ "connection_name": self.connection }),
        );
    }
}

/// Where a multi-project listing stands: the project's index, the table's own phase
/// within the project (e.g. custom then predefined roles), and the API's page token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub project: usize,
    pub phase: u8,
    pub page: Option<String>,
}

impl Cursor {
    /// The cursor a framework page token stands for (`None`: the start).
    pub(crate) fn parse(token: Option<&str>) -> Cursor {
        let Some(t) = token else {
            return Cursor::default();
        };
        let mut parts = t.splitn(3, ':');
        let project = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let phase = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let page = parts.next().filter(|p| !p.is_empty()).map(str::to_string);
        Cursor {
            project,
            phase,
            page,
        }
    }

    /// As a framework page token.
    pub(crate) fn encode(&self) -> String {
        format!(
            "{}:{}:{}",
            self.project,
            self.phase,
            self.page.as_deref().unwrap_or("")
        )
    }

    /// The same project and phase, at the API's next page.
    pub(crate) fn next_page(&self, page: String) -> Option<String> {
        Some(
            Cursor {
                page: Some(page),
                ..self.clone()
            }
            .encode(),
        )
    }

    /// The next phase of the same project.
    pub(crate) fn next_phase(&self) -> Option<String> {
        Some(
            Cursor {
                project: self.project,
                phase: self.phase + 1,
                page: None,
            }
            .encode(),
        )
    }

    /// The first phase of the next project, if there is one.
    pub(crate) fn next_project(&self, projects: usize) -> Option<String> {
        (self.project + 1 < projects).then(|| {
            Cursor {
                project: self.project + 1,
                phase: 0,
                page: None,
            }
            .encode()
        })
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

/// The error for a hydrate name a table does not declare (a programming error).
pub(crate) fn unknown_hydrate(table: &TableDef, hydrate: &str) -> FetchError {
    FetchError::Api {
        api_call: format!("{}:{hydrate}", table.name),
        message: "unknown hydrate call".into(),
    }
}

/// The last `/`-separated element of a resource name.
pub(crate) fn last_segment(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// Copy `from[key]` into `row[column]` (null when absent).
pub(crate) fn put(row: &mut Row, column: &str, from: &Value, key: &str) {
    row.insert(
        column.to_string(),
        from.get(key).cloned().unwrap_or(Value::Null),
    );
}

#[async_trait]
impl Source for GcpSource {
    fn connection(&self) -> &str {
        &self.connection
    }

    fn plugin(&self) -> &str {
        "gcp"
    }

    fn tables(&self) -> Vec<&'static TableDef> {
        super::tables()
    }

    fn regions(&self) -> Vec<String> {
        Vec::new()
    }

    fn supports_get(&self, table: &'static TableDef) -> bool {
        registry::supports_get(super::TABLES, table)
    }

    async fn list_page(
        &self,
        table: &'static TableDef,
        req: &ListRequest,
        token: Option<String>,
    ) -> Result<Page, FetchError> {
        if token.as_deref() == Some(DENIED_TAIL) {
            return Err(self
                .hierarchy()
                .await?
                .and_then(|h| h.denial())
                .unwrap_or_else(|| FetchError::Api {
                    api_call: "cloudresourcemanager.folders.list".into(),
                    message: "organization discovery was refused".into(),
                }));
        }
        let mut page = registry::list_page(super::TABLES, self, table, req, token).await?;
        // Rows of a partly discovered organization are served, then the refusal is
        // reported: an error, or a `pathwarden_error` row, never a silent gap.
        if page.next.is_none()
            && let Some(h) = self.hierarchy().await?
            && !h.denied.is_empty()
        {
            page.next = Some(DENIED_TAIL.to_string());
        }
        Ok(page)
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
        registry::get(super::TABLES, self, table, region, key_column, key).await
    }

    async fn get_all(
        &self,
        table: &'static TableDef,
        region: Option<&str>,
        key_column: &str,
        key: &Value,
    ) -> Result<Vec<Row>, FetchError> {
        // A predefined role's name is listed once per project of the connection.
        if std::ptr::eq(table, &iam_role::TABLE.def) {
            let Some(key) = key.as_str() else {
                return Ok(Vec::new());
            };
            return iam_role::get(self, key).await;
        }
        Ok(self
            .get(table, region, key_column, key)
            .await?
            .into_iter()
            .collect())
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
