//! The query engine: one DataFusion catalog with a schema per connection, the
//! search-path schema `public`, the `pathwarden` schema, pg_catalog, and the
//! PostgreSQL compatibility functions. Each pgwire connection gets its own
//! session (its own settings) over the shared catalog.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider};
use datafusion::common::ScalarValue;
use datafusion::execution::SessionState;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::setup_pg_catalog;
use futures::StreamExt;
use pathwarden_tables::catalog::TablesSchema;
use pathwarden_tables::framework::provider::options::PathwardenOptions;
use pathwarden_tables::framework::{
    AccessDeniedMode, ConnectionRuntime, ErrorLog, RuntimeOptions, Source,
};

use crate::config::{Config, ConnectionConfig, Plugin};
use crate::internal::{Cell, FnTable, Kind, schema};

/// Catalog (database) name clients see.
pub const CATALOG: &str = "pathwarden";

/// The built engine.
pub struct Engine {
    state: SessionState,
    /// Limits from `[server]`.
    pub limits: crate::config::Limits,
    /// Connection runtimes by name (aggregators excluded).
    pub runtimes: BTreeMap<String, Arc<ConnectionRuntime>>,
    /// The privilege graph over the search path (built on first use).
    pub graph: Arc<pathwarden_graph::GraphHandle>,
    /// Recorded errors (`pathwarden.pathwarden_error`), e.g. organization members whose
    /// role could not be assumed.
    pub errors: Arc<ErrorLog>,
}

/// The `version()` string: parseable by clients that expect PostgreSQL's format.
pub fn version_string() -> String {
    format!(
        "PostgreSQL 16.0 (pathwarden {}) on {}-linux, compiled by rustc, 64-bit",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    )
}

fn member_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, post)) => {
            name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post)
        }
    }
}

/// The live provider's settings of an `aws` connection, with static keys read from the
/// environment variables the connection names.
pub fn aws_connection_config(
    c: &ConnectionConfig,
) -> Result<pathwarden_tables::aws::AwsConnectionConfig> {
    let env = |name: &Option<String>| -> Result<Option<String>> {
        match name {
            None => Ok(None),
            Some(v) => std::env::var(v).map(Some).with_context(|| {
                format!("connection {}: environment variable {v} is not set", c.name)
            }),
        }
    };
    Ok(pathwarden_tables::aws::AwsConnectionConfig {
        name: c.name.clone(),
        regions: if c.regions.is_empty() {
            vec!["us-east-1".into()]
        } else {
            c.regions.clone()
        },
        profile: c.profile.clone(),
        role_arn: c.role_arn.clone(),
        external_id: c.external_id.clone(),
        endpoint_url: c.endpoint_url.clone(),
        access_key_id: env(&c.access_key_id_env)?,
        secret_access_key: env(&c.secret_access_key_env)?,
        s3_force_path_style: c.s3_force_path_style,
    })
}

/// The live provider's settings of a `gcp` connection.
pub fn gcp_connection_config(c: &ConnectionConfig) -> pathwarden_tables::gcp::GcpConnectionConfig {
    let mut projects: Vec<String> = c.project.iter().cloned().collect();
    for p in &c.projects {
        if !projects.contains(p) {
            projects.push(p.clone());
        }
    }
    pathwarden_tables::gcp::GcpConnectionConfig {
        name: c.name.clone(),
        projects,
        organization: c.organization.clone(),
        credentials_file: c.credentials_file.clone(),
        impersonate_service_account: c.impersonate_service_account.clone(),
        endpoints: c.endpoints.clone(),
        request_timeout: None,
    }
}

/// The live provider's settings of an `azure` or `azuread` connection, with the client
/// secret read from the environment variable the connection names.
pub fn azure_connection_config(
    c: &ConnectionConfig,
) -> Result<pathwarden_tables::azure::AzureConnectionConfig> {
    use pathwarden_tables::azure::{AzureConnectionConfig, AzureCredential, AzurePlugin};
    let credential = match c.credential.as_deref() {
        Some("client_secret") => {
            let var = c
                .client_secret_env
                .as_deref()
                .context("client_secret_env is not set")?;
            AzureCredential::ClientSecret {
                client_id: c.client_id.clone().unwrap_or_default(),
                secret: std::env::var(var).with_context(|| {
                    format!(
                        "connection {}: environment variable {var} is not set",
                        c.name
                    )
                })?,
            }
        }
        Some("workload_identity") => AzureCredential::WorkloadIdentity {
            client_id: c.client_id.clone(),
            token_file: c.federated_token_file.clone(),
        },
        Some("managed_identity") => AzureCredential::ManagedIdentity {
            client_id: c.client_id.clone(),
        },
        Some("azure_cli") => AzureCredential::AzureCli,
        other => bail!("connection {}: unknown Azure credential {other:?}", c.name),
    };
    Ok(AzureConnectionConfig {
        name: c.name.clone(),
        plugin: if c.plugin == Plugin::AzureAd {
            AzurePlugin::AzureAd
        } else {
            AzurePlugin::Azure
        },
        tenant_id: c.tenant_id.clone(),
        subscriptions: c.subscriptions.clone(),
        credential,
        endpoints: c.endpoints.clone(),
        authority_host: c.authority_host.clone(),
        ca_file: c.ca_file.clone(),
        request_timeout: None,
    })
}

async fn build_source(c: &ConnectionConfig, default_demo_scale: usize) -> Result<Arc<dyn Source>> {
    Ok(match c.plugin {
        Plugin::Demo => Arc::new(pathwarden_tables::demo::source(
            &c.name,
            c.scale.unwrap_or(default_demo_scale),
        )),
        Plugin::Gaad => {
            let path = c.path.as_deref().context("gaad connection without path")?;
            Arc::new(
                pathwarden_tables::gaad::load(&c.name, path, c.account_id.as_deref())
                    // The error's message already carries its cause; as context it would be
                    // printed twice by `{:#}`.
                    .map_err(|e| anyhow::anyhow!("connection ({}).path: {e}", c.name))?,
            )
        }
        Plugin::Aws => Arc::new(
            pathwarden_tables::aws::AwsSource::connect(aws_connection_config(c)?)
                .await
                .with_context(|| format!("connection {}: cannot reach AWS", c.name))?,
        ),
        Plugin::Gcp => Arc::new(
            pathwarden_tables::gcp::GcpSource::connect(gcp_connection_config(c))
                .await
                // The error names the connection and carries its cause in its message.
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        Plugin::Azure | Plugin::AzureAd => Arc::new(
            pathwarden_tables::azure::AzureSource::connect(azure_connection_config(c)?)
                .await
                // The error names the plugin and connection and carries its cause.
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        Plugin::Aggregator => bail!("aggregator has no source"),
    })
}

/// Member accounts connected at once when an organization connection starts.
const MEMBER_CONNECT_CONCURRENCY: usize = 8;

/// The accounts of an organization connection as `(schema name, source)`: the
/// connection's own account, then every selected ACTIVE member reached by assuming
/// `org.role_name` in it. A member whose role cannot be assumed is logged in
/// `pathwarden_error` (table `*`, call `sts:AssumeRole`) and left out; the others are
/// served. Failing to reach the connection's own account, or to list the organization,
/// is an error.
async fn organization_sources(
    c: &ConnectionConfig,
    org: &crate::config::OrgAccountsConfig,
    errors: &Arc<ErrorLog>,
) -> Result<Vec<(String, Arc<dyn Source>)>> {
    let management = pathwarden_tables::aws::AwsSource::connect(aws_connection_config(c)?)
        .await
        .with_context(|| format!("connection {}: cannot reach AWS", c.name))?;
    let members = management.organization_members().await.map_err(|e| {
        anyhow::anyhow!(
            "connection {}: cannot list the organization's accounts: {e}",
            c.name
        )
    })?;
    let external_id = match &org.external_id_env {
        Some(var) => Some(std::env::var(var).map_err(|_| {
            anyhow::anyhow!(
                "connection {}: organization_accounts.external_id_env names {var}, which is not set",
                c.name
            )
        })?),
        None => None,
    };
    let own = management.account_id().to_string();
    let partition = management.partition().to_string();
    let management = Arc::new(management);
    let mut out: Vec<(String, Arc<dyn Source>)> = Vec::new();
    let own_ancestors = members
        .iter()
        .find(|m| m.id == own)
        .map(|m| m.ancestors.clone())
        .unwrap_or_default();
    if org.selects(&own, &own_ancestors) {
        out.push((format!("{}_{own}", c.name), management.clone()));
    }
    // Members are reached a few at a time (each is an AssumeRole and a
    // GetCallerIdentity), in account order.
    let wanted: Vec<&pathwarden_tables::aws::OrgMember> = members
        .iter()
        .filter(|m| m.id != own && org.selects(&m.id, &m.ancestors))
        .filter(|m| {
            let active = m.status == "ACTIVE";
            if !active {
                tracing::info!(account = %m.id, status = %m.status, "organization member skipped: not active");
            }
            active
        })
        .collect();
    let reached: Vec<(String, String, Result<pathwarden_tables::aws::AwsSource, _>)> =
        futures::stream::iter(wanted.into_iter().map(|m| {
            let name = format!("{}_{}", c.name, m.id);
            let role_arn = format!("arn:{partition}:iam::{}:role/{}", m.id, org.role_name);
            let management = management.clone();
            let external_id = external_id.clone();
            async move {
                let r = management
                    .assume_into(&name, &m.id, &role_arn, external_id.as_deref())
                    .await;
                (name, role_arn, r)
            }
        }))
        .buffered(MEMBER_CONNECT_CONCURRENCY)
        .collect()
        .await;
    for (name, role_arn, r) in reached {
        match r {
            Ok(src) => out.push((name, Arc::new(src))),
            Err(e) => {
                tracing::warn!(connection = %name, error = %e, "organization member not reachable; served without it");
                errors.push(pathwarden_tables::framework::ErrorRecord {
                    time: chrono::Utc::now().to_rfc3339(),
                    connection: name,
                    table: "*".into(),
                    region: None,
                    api_call: "sts:AssumeRole".into(),
                    message: format!("{role_arn}: {e}"),
                });
            }
        }
    }
    if out.is_empty() {
        bail!(
            "connection {}: organization_accounts selects no reachable account",
            c.name
        );
    }
    Ok(out)
}

/// A size in bytes as PostgreSQL's `pg_size_pretty` prints it: bytes below 10 kB, then
/// kB, MB, GB, TB, PB, each rounded half up.
fn size_pretty(bytes: i64) -> String {
    let mut size = bytes;
    if size.abs() < 10 * 1024 {
        return format!("{size} bytes");
    }
    for unit in ["kB", "MB", "GB", "TB"] {
        let next = (size + size.signum() * 512) / 1024;
        if next.abs() < 10 * 1024 || unit == "TB" && next.abs() < 10 * 1024 * 1024 {
            return format!("{next} {unit}");
        }
        size /= 1024;
    }
    format!("{} PB", (size + size.signum() * 512) / 1024)
}

fn pg_udfs() -> Vec<ScalarUDF> {
    let version = version_string();
    let version_udf = create_udf(
        "version",
        vec![],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(move |_args: &[ColumnarValue]| {
            Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(
                version.clone(),
            ))))
        }),
    );
    // Clients probe for optional types (hstore, citext...); none exist here, and the
    // built-in ones resolve through pg_type.
    let to_regtype = create_udf(
        "to_regtype",
        vec![DataType::Utf8],
        DataType::Int32,
        Volatility::Stable,
        Arc::new(|args: &[ColumnarValue]| {
            let lookup = |s: Option<&str>| -> Option<i32> {
                let t = s?.trim().to_ascii_lowercase();
                Some(match t.as_str() {
                    "bool" | "boolean" => 16,
                    "bytea" => 17,
                    "int8" | "bigint" => 20,
                    "int2" | "smallint" => 21,
                    "int4" | "integer" | "int" => 23,
                    "text" => 25,
                    "oid" => 26,
                    "json" => 114,
                    "float4" | "real" => 700,
                    "float8" | "double precision" => 701,
                    "varchar" | "character varying" => 1043,
                    "date" => 1082,
                    "timestamp" => 1114,
                    "timestamptz" | "timestamp with time zone" => 1184,
                    "numeric" => 1700,
                    "uuid" => 2950,
                    "jsonb" => 3802,
                    _ => return None,
                })
            };
            match &args[0] {
                ColumnarValue::Scalar(s) => {
                    let v = match s {
                        ScalarValue::Utf8(v)
                        | ScalarValue::Utf8View(v)
                        | ScalarValue::LargeUtf8(v) => lookup(v.as_deref()),
                        _ => None,
                    };
                    Ok(ColumnarValue::Scalar(ScalarValue::Int32(v)))
                }
                ColumnarValue::Array(a) => {
                    let a = datafusion::arrow::compute::cast(a, &DataType::Utf8)?;
                    let s = datafusion::common::cast::as_string_array(&a)?;
                    let out: datafusion::arrow::array::Int32Array = s.iter().map(lookup).collect();
                    Ok(ColumnarValue::Array(Arc::new(out)))
                }
            }
        }),
    );
    let serial_seq = create_udf(
        "pg_get_serial_sequence",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Utf8,
        Volatility::Stable,
        // No table here has sequences.
        Arc::new(|_args: &[ColumnarValue]| Ok(ColumnarValue::Scalar(ScalarValue::Utf8(None)))),
    );
    // Every object here is visible through the search path.
    let visible: Vec<ScalarUDF> = [
        "pg_collation_is_visible",
        "pg_type_is_visible",
        "pg_function_is_visible",
        "pg_opclass_is_visible",
    ]
    .into_iter()
    .map(|name| {
        create_udf(
            name,
            vec![DataType::Int64],
            DataType::Boolean,
            Volatility::Stable,
            Arc::new(|_args: &[ColumnarValue]| {
                Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))))
            }),
        )
    })
    .collect();
    // Relations here have no storage of their own (psql `\\dt+`, harlequin's object list).
    let sizes: Vec<ScalarUDF> = ["pg_table_size", "pg_indexes_size"]
        .into_iter()
        .map(|name| {
            create_udf(
                name,
                vec![DataType::Int64],
                DataType::Int64,
                Volatility::Stable,
                Arc::new(|_args: &[ColumnarValue]| {
                    Ok(ColumnarValue::Scalar(ScalarValue::Int64(Some(0))))
                }),
            )
        })
        .collect();
    let size_pretty = create_udf(
        "pg_size_pretty",
        vec![DataType::Int64],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            use datafusion::arrow::array::AsArray;
            let a = args[0].to_array(1)?;
            let a = datafusion::arrow::compute::cast(&a, &DataType::Int64)?;
            let a = a.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            let out: datafusion::arrow::array::StringArray =
                a.iter().map(|v| v.map(size_pretty)).collect();
            let out: datafusion::arrow::array::ArrayRef = Arc::new(out);
            Ok(match &args[0] {
                ColumnarValue::Scalar(_) => {
                    ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
                }
                ColumnarValue::Array(_) => ColumnarValue::Array(out),
            })
        }),
    );
    let mut all = vec![version_udf, to_regtype, serial_seq, size_pretty];
    all.extend(sizes);
    all.extend(visible);
    all
}

impl Engine {
    /// Build connections, schemas and functions from the configuration.
    pub async fn build(cfg: &Config, demo_scale: usize) -> Result<Engine> {
        let errors = Arc::new(ErrorLog::default());
        let mut runtimes: BTreeMap<String, Arc<ConnectionRuntime>> = BTreeMap::new();
        let mut schemas: BTreeMap<String, Arc<TablesSchema>> = BTreeMap::new();
        let runtime = |c: &ConnectionConfig, source: Arc<dyn Source>| {
            let mut opts = RuntimeOptions::default();
            if let Some(ttl) = c.cache_ttl {
                opts.cache_ttl = Duration::from_secs(ttl);
            } else {
                opts.cache_ttl = source.cache_ttl();
            }
            if let Some(n) = c.max_concurrency {
                opts.max_concurrency_per_service = n.max(1);
            }
            if c.on_access_denied.as_deref() == Some("record") {
                opts.access_denied = AccessDeniedMode::Record;
            }
            ConnectionRuntime::new(source, opts, errors.clone())
        };
        for c in cfg
            .connections
            .iter()
            .filter(|c| c.plugin != Plugin::Aggregator)
        {
            let started = std::time::Instant::now();
            if let Some(org) = &c.organization_accounts {
                let accounts = organization_sources(c, org, &errors).await?;
                let mut members = Vec::new();
                for (name, source) in accounts {
                    let rt = runtime(c, source);
                    let schema = Arc::new(TablesSchema::for_connection(&rt));
                    members.push(schema.clone());
                    schemas.insert(name.clone(), schema);
                    runtimes.insert(name, rt);
                }
                schemas.insert(c.name.clone(), Arc::new(TablesSchema::aggregate(&members)?));
                tracing::info!(connection = %c.name, accounts = members.len(), elapsed_ms = started.elapsed().as_millis() as u64, "organization connection ready");
                continue;
            }
            let source = build_source(c, demo_scale).await?;
            let rt = runtime(c, source);
            schemas.insert(c.name.clone(), Arc::new(TablesSchema::for_connection(&rt)));
            tracing::info!(connection = %c.name, plugin = ?c.plugin, elapsed_ms = started.elapsed().as_millis() as u64, "connection ready");
            runtimes.insert(c.name.clone(), rt);
        }
        for c in cfg
            .connections
            .iter()
            .filter(|c| c.plugin == Plugin::Aggregator)
        {
            let members: Vec<Arc<TablesSchema>> = cfg
                .connections
                .iter()
                .filter(|m| {
                    m.plugin != Plugin::Aggregator
                        && c.connections.iter().any(|p| member_matches(p, &m.name))
                })
                .filter_map(|m| schemas.get(&m.name).cloned())
                .collect();
            if members.is_empty() {
                bail!(
                    "connection {}: aggregator matches no connections ({:?})",
                    c.name,
                    c.connections
                );
            }
            schemas.insert(c.name.clone(), Arc::new(TablesSchema::aggregate(&members)?));
        }

        let config = SessionConfig::new()
            .with_default_catalog_and_schema(CATALOG, "public")
            .with_create_default_catalog_and_schema(false)
            .with_information_schema(true)
            // Statements re-planned from text (simple protocol) must parse as PostgreSQL
            // (`?` is the jsonb key-exists operator, not a placeholder).
            .set_str("datafusion.sql_parser.dialect", "PostgreSQL")
            // PostgreSQL's `now()` is a `timestamptz`; DataFusion's is a naive timestamp
            // unless a session time zone is set. UTC until `SET TIME ZONE`.
            .set_str("datafusion.execution.time_zone", "UTC")
            .with_option_extension(PathwardenOptions::default());
        let ctx = SessionContext::new_with_config(config);
        let catalog = Arc::new(MemoryCatalogProvider::new());
        // Search path: configured order, else connection order with aggregators first
        // (as Steampipe users put their aggregator first).
        let order: Vec<String> = if !cfg.server.search_path.is_empty() {
            cfg.server.search_path.clone()
        } else {
            let mut v: Vec<String> = cfg
                .connections
                .iter()
                .filter(|c| c.plugin == Plugin::Aggregator)
                .map(|c| c.name.clone())
                .collect();
            v.extend(
                cfg.connections
                    .iter()
                    .filter(|c| c.plugin != Plugin::Aggregator)
                    .map(|c| c.name.clone()),
            );
            v
        };
        let path: Vec<Arc<TablesSchema>> = order
            .iter()
            .filter_map(|n| schemas.get(n).cloned())
            .collect();
        catalog.register_schema("public", Arc::new(TablesSchema::search_path(&path)))?;
        for (name, s) in &schemas {
            catalog.register_schema(name, s.clone())?;
        }
        let mut engine_schema = Self::pathwarden_schema(cfg, &runtimes, &errors);
        // Graph and policy tables read other tables through a session over this same
        // catalog, which exists only once the catalog is registered: hand them a cell.
        let state_cell: Arc<std::sync::OnceLock<SessionState>> =
            Arc::new(std::sync::OnceLock::new());
        let cell = state_cell.clone();
        let graph = Arc::new(pathwarden_graph::GraphHandle::new(
            "public",
            move || match cell.get() {
                Some(st) => SessionContext::new_with_state(st.clone()),
                None => SessionContext::new(),
            },
        ));
        for (name, t) in pathwarden_graph::tables(graph.clone()) {
            engine_schema.insert(name, t);
        }
        let llm = crate::policy::llm_config(&cfg.llm)?;
        for (name, t) in crate::policy::tables(state_cell.clone(), llm) {
            engine_schema.insert(name, t);
        }
        catalog.register_schema("pathwarden", Arc::new(engine_schema))?;
        ctx.register_catalog(CATALOG, catalog);
        setup_pg_catalog(&ctx, CATALOG, EmptyContextProvider)
            .map_err(|e| anyhow::anyhow!("pg_catalog setup: {e}"))?;
        for f in pg_udfs() {
            ctx.register_udf(f);
        }
        pathwarden_sqlext::register(&ctx).context("registering SQL extensions")?;
        // Column types clients read from pg_attribute: jsonb for JSON columns.
        // Descriptions of tables and columns, for col_description / obj_description.
        let mut descriptions = crate::pg::catalog::Descriptions::new();
        for rt in runtimes.values() {
            for def in rt.source.tables() {
                descriptions.entry(def.name.to_string()).or_insert_with(|| {
                    (
                        def.description.to_string(),
                        def.columns
                            .iter()
                            .map(|c| c.description.to_string())
                            .collect(),
                    )
                });
            }
        }
        crate::pg::catalog::install(&ctx, CATALOG, descriptions);
        let limits = cfg.server.limits().map_err(|e| anyhow::anyhow!("{e}"))?;
        let runtime = crate::exec::base_runtime(limits.memory_limit)
            .map_err(|e| anyhow::anyhow!("query runtime: {e}"))?;
        // From here on the catalog is what every session sees, and SQL cannot change it.
        let frozen = Arc::new(crate::frozen::FrozenCatalogList::freeze(
            ctx.state().catalog_list().as_ref(),
        ));
        let state = SessionStateBuilder::new_from_existing(ctx.state())
            .with_catalog_list(frozen)
            .with_runtime_env(runtime)
            .build();
        let _ = state_cell.set(state.clone());
        Ok(Engine {
            state,
            limits,
            runtimes,
            graph,
            errors,
        })
    }

    fn pathwarden_schema(
        cfg: &Config,
        runtimes: &BTreeMap<String, Arc<ConnectionRuntime>>,
        errors: &Arc<ErrorLog>,
    ) -> TablesSchema {
        let mut s = TablesSchema::default();
        let conns: Vec<(String, String, String)> = cfg
            .connections
            .iter()
            .map(|c| {
                let plugin = format!("{:?}", c.plugin).to_lowercase();
                let detail = match c.plugin {
                    Plugin::Aggregator => c.connections.join(","),
                    Plugin::Gaad => c
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    Plugin::Demo => format!("scale={}", c.scale.unwrap_or(0)),
                    Plugin::Aws => c.regions.join(","),
                    Plugin::Gcp => {
                        let g = gcp_connection_config(c);
                        match g.organization {
                            Some(org) if g.projects.is_empty() => format!("organization {org}"),
                            Some(org) => format!("{} + organization {org}", g.projects.join(",")),
                            None => g.projects.join(","),
                        }
                    }
                    Plugin::Azure => c.subscriptions.join(","),
                    Plugin::AzureAd => c.tenant_id.clone().unwrap_or_default(),
                };
                (c.name.clone(), plugin, detail)
            })
            .collect();
        // The accounts of organization connections, each its own schema.
        let mut conns = conns;
        for c in cfg
            .connections
            .iter()
            .filter(|c| c.organization_accounts.is_some())
        {
            let prefix = format!("{}_", c.name);
            for name in runtimes.keys().filter(|n| n.starts_with(&prefix)) {
                if cfg.connections.iter().all(|o| &o.name != name) {
                    conns.push((
                        name.clone(),
                        "aws".into(),
                        format!("account of organization connection {}", c.name),
                    ));
                }
            }
        }
        let rts: Vec<Arc<ConnectionRuntime>> = runtimes.values().cloned().collect();
        let rts_conn = rts.clone();
        s.insert(
            "connection",
            FnTable::new(
                schema(&[
                    ("name", Kind::Text),
                    ("plugin", Kind::Text),
                    ("detail", Kind::Text),
                    ("tables", Kind::Int),
                ]),
                move || {
                    conns
                        .iter()
                        .map(|(n, p, d)| {
                            let tables = rts_conn
                                .iter()
                                .find(|r| r.connection() == n)
                                .map(|r| r.source.tables().len() as i64);
                            vec![
                                Cell::from(n.as_str()),
                                Cell::from(p.as_str()),
                                Cell::from(d.as_str()),
                                tables.map(Cell::Int).unwrap_or(Cell::Null),
                            ]
                        })
                        .collect()
                },
            ),
        );
        let errs = errors.clone();
        s.insert(
            "pathwarden_error",
            FnTable::new(
                schema(&[
                    ("time", Kind::Text),
                    ("connection", Kind::Text),
                    ("table_name", Kind::Text),
                    ("region", Kind::Text),
                    ("api_call", Kind::Text),
                    ("message", Kind::Text),
                ]),
                move || {
                    errs.snapshot()
                        .into_iter()
                        .map(|e| {
                            vec![
                                e.time.into(),
                                e.connection.into(),
                                e.table.into(),
                                e.region.into(),
                                e.api_call.into(),
                                e.message.into(),
                            ]
                        })
                        .collect()
                },
            ),
        );
        let rts_cache = rts;
        s.insert(
            "cache",
            FnTable::new(
                schema(&[
                    ("connection", Kind::Text),
                    ("ttl_seconds", Kind::Int),
                    ("entries", Kind::Int),
                    ("hits", Kind::Int),
                    ("misses", Kind::Int),
                    ("api_calls", Kind::Int),
                ]),
                move || {
                    use std::sync::atomic::Ordering::Relaxed;
                    rts_cache
                        .iter()
                        .map(|r| {
                            vec![
                                r.connection().into(),
                                Cell::Int(r.options.cache_ttl.as_secs() as i64),
                                Cell::Int(r.cache_entries() as i64),
                                r.stats.cache_hits.load(Relaxed).into(),
                                r.stats.cache_misses.load(Relaxed).into(),
                                r.stats.api_calls.load(Relaxed).into(),
                            ]
                        })
                        .collect()
                },
            ),
        );
        crate::posture::tables::register(&mut s, cfg);
        s
    }

    /// A new session of the daemon itself (CLI, jobs), with its own settings.
    pub fn session(&self) -> SessionContext {
        self.session_for(crate::identity::Identity::system())
    }

    /// A new session over the shared catalog for `identity`, with its own settings and
    /// its own share of the memory pool.
    pub fn session_for(&self, identity: crate::identity::Identity) -> SessionContext {
        let state = SessionStateBuilder::new_from_existing(self.state.clone())
            .with_runtime_env(crate::exec::session_runtime(
                self.state.runtime_env(),
                self.limits.query_memory_limit,
            ))
            .build();
        let ctx = SessionContext::new_with_state(state);
        self.bind(&ctx, identity);
        ctx
    }

    /// Make `identity` the caller of `ctx`, with the functions its role may use.
    pub fn bind(&self, ctx: &SessionContext, identity: crate::identity::Identity) {
        let runtimes = self.runtimes.clone();
        let may_clear = identity.allows(crate::identity::Role::Operator);
        identity.attach(ctx);
        // `select pathwarden_cache_clear()` / `pathwarden_cache_clear('conn')` drops cached
        // API results (operators and admins: it makes the next queries call the cloud APIs).
        ctx.register_udf(create_udf(
            "pathwarden_cache_clear",
            vec![DataType::Utf8],
            DataType::Int64,
            Volatility::Volatile,
            Arc::new(move |args: &[ColumnarValue]| {
                if !may_clear {
                    return Err(crate::identity::PermissionDenied::needs(
                        "pathwarden_cache_clear()",
                        crate::identity::Role::Operator,
                    )
                    .into_df());
                }
                let which = match args.first() {
                    Some(ColumnarValue::Scalar(ScalarValue::Utf8(v))) => v.clone(),
                    _ => None,
                };
                let mut n = 0i64;
                for (name, rt) in &runtimes {
                    if which.as_deref().is_none_or(|w| w == name) {
                        rt.clear_cache();
                        n += 1;
                    }
                }
                Ok(ColumnarValue::Scalar(ScalarValue::Int64(Some(n))))
            }),
        ));
    }
}
