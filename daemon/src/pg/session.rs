//! Per-connection query handling: PostgreSQL-compatible rewrites, result naming,
//! SQLSTATE errors, statement timeout and cancel covering execution as well as
//! planning, and the audit record of every statement.

use std::collections::HashMap;
use std::fmt::Debug;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::{DfSessionService, Parser};
use futures::{Sink, SinkExt, Stream};
use pgwire::api::cancel::CancelHandler;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{FieldInfo, QueryResponse, Response, Tag};
use pgwire::api::stmt::QueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, ErrorHandler, PgWireServerHandlers, Type};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::data::DataRow;
use pgwire::messages::response::TransactionStatus;
use pgwire::types::format::FormatOptions;
use tokio::sync::Notify;

use super::auth::{AuthConfig, LoginContext, PwStartupHandler};
use super::errors::{from_df, map_error, sql_error};
use super::gate;
use super::plans::{Parsed, PlanCache, pg_fields};
use super::search_path::SearchPath;
use super::sql::{PgParser, bind_parameters, is_engine_query, parse_sql, plan_query, rewrite};
use crate::audit::{AuditEvent, AuditSink};
use crate::engine::Engine;
use crate::identity::{Identity, Role};

/// Cancel state of one backend (pid).
#[derive(Default)]
struct CancelState {
    generation: AtomicU64,
    notify: Notify,
}

/// Backends by (pid, secret) for cancel requests.
#[derive(Default)]
pub struct CancelRegistry {
    map: Mutex<HashMap<(i32, Vec<u8>), Arc<CancelState>>>,
}

fn secret_bytes(k: &pgwire::messages::startup::SecretKey) -> Vec<u8> {
    k.to_bytes().to_vec()
}

impl CancelRegistry {
    fn state(&self, pid: i32, secret: Vec<u8>) -> Arc<CancelState> {
        let mut m = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        m.entry((pid, secret)).or_default().clone()
    }

    fn remove(&self, pid: i32, secret: Vec<u8>) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(&(pid, secret));
        }
    }

    fn cancel(&self, pid: i32, secret: Vec<u8>) -> bool {
        let s = self
            .map
            .lock()
            .ok()
            .and_then(|m| m.get(&(pid, secret)).cloned());
        match s {
            Some(s) => {
                s.generation.fetch_add(1, Ordering::SeqCst);
                s.notify.notify_waiters();
                true
            }
            None => false,
        }
    }
}

/// A connection's life: closed when its client goes away (or the server drains), which
/// stops whatever statement it is running.
#[derive(Default)]
pub struct ConnState {
    closed: std::sync::atomic::AtomicBool,
    notify: Notify,
    /// The savepoint named by the `ROLLBACK TO` being handled when the connection loop
    /// knows no such savepoint, and whether no transaction is open.
    unknown_savepoint: Mutex<Option<(String, bool)>>,
}

impl ConnState {
    /// The client is gone: stop its statement.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Whether [`ConnState::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

/// A query's view of cancellation: fires when the backend's generation moves on (a
/// cancel request) or the connection closes.
#[derive(Clone)]
struct CancelToken {
    state: Arc<CancelState>,
    generation: u64,
    conn: Arc<ConnState>,
}

impl CancelToken {
    fn is_cancelled(&self) -> bool {
        self.state.generation.load(Ordering::SeqCst) != self.generation || self.conn.is_closed()
    }
    async fn cancelled(self) {
        loop {
            let by_request = self.state.notify.notified();
            let by_close = self.conn.notify.notified();
            if self.is_cancelled() {
                return;
            }
            tokio::select! {
                _ = by_request => {}
                _ = by_close => {}
            }
        }
    }
}

/// What every connection shares.
pub struct Shared {
    /// The engine.
    pub engine: Arc<Engine>,
    /// Logins.
    pub auth: Arc<AuthConfig>,
    /// Cancel registry.
    pub cancels: Arc<CancelRegistry>,
    /// Audit sink.
    pub audit: Arc<dyn AuditSink>,
    /// Logged-in sessions, at most `server.max_connections`.
    pub slots: Arc<tokio::sync::Semaphore>,
}

/// Handlers for one accepted socket.
pub struct ConnHandlers {
    session: Arc<PwSession>,
    startup: Arc<PwStartupHandler>,
    cancel: Arc<PwCancelHandler>,
}

impl ConnHandlers {
    /// Handlers for a connection from `peer`; `conn` closes when the client goes away.
    pub fn new(shared: Arc<Shared>, peer: SocketAddr, conn: Arc<ConnState>) -> Self {
        // Not logged in yet: the weakest role until the startup handler binds the login.
        let ctx = shared.engine.session_for(Identity {
            user: String::new(),
            role: Role::Reader,
        });
        // One partition per scan: the tables' scans produce a few batches, so splitting
        // them across partitions buys little parallelism, while the extra repartition
        // tasks and channels cost a small query more than it does (a key lookup ~0.15 ms
        // of ~0.5 ms). `SET datafusion.execution.target_partitions = n` overrides it.
        ctx.state_ref()
            .write()
            .config_mut()
            .options_mut()
            .execution
            .target_partitions = 1;
        ctx.register_udf(super::functions::pg_typeof());
        let ctx = Arc::new(ctx);
        let inner = Arc::new(DfSessionService::new(ctx.clone()));
        let plans = Arc::new(PlanCache::default());
        let parser = Arc::new(PwParser {
            inner: inner.query_parser(),
            sql: PgParser::new(),
            ctx: ctx.clone(),
            cursors: Arc::new(Mutex::new(Cursors::default())),
            plans: plans.clone(),
        });
        let startup = Arc::new(PwStartupHandler::new(LoginContext {
            auth: shared.auth.clone(),
            engine: shared.engine.clone(),
            ctx: ctx.clone(),
            audit: shared.audit.clone(),
            slots: shared.slots.clone(),
            peer,
        }));
        let session = Arc::new(PwSession {
            inner,
            parser,
            shared: shared.clone(),
            peer,
            ctx,
            plans,
            conn,
        });
        ConnHandlers {
            session,
            startup,
            cancel: Arc::new(PwCancelHandler {
                cancels: shared.cancels.clone(),
            }),
        }
    }

    /// What the connection loop knows of the savepoint of the `ROLLBACK TO` it is
    /// about to hand over: `Some((name, idle))` when no such savepoint exists.
    pub fn unknown_savepoint(&self, unknown: Option<(String, bool)>) {
        if let Ok(mut g) = self.session.conn.unknown_savepoint.lock() {
            *g = unknown;
        }
    }

    /// Whether the client has logged in.
    pub fn logged_in(&self) -> bool {
        self.startup.backend().is_some()
    }

    /// Forget the connection's cancel state and stop its statement.
    pub fn close(&self) {
        self.session.conn.close();
        if let Some((pid, s)) = self.startup.backend() {
            self.session.shared.cancels.remove(pid, s);
        }
    }
}

impl PgWireServerHandlers for ConnHandlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.session.clone()
    }
    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.session.clone()
    }
    fn startup_handler(&self) -> Arc<impl pgwire::api::auth::StartupHandler> {
        self.startup.clone()
    }
    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.cancel.clone()
    }
    fn error_handler(&self) -> Arc<impl ErrorHandler> {
        Arc::new(QuietErrors)
    }
}

struct QuietErrors;

impl ErrorHandler for QuietErrors {
    fn on_error<C>(&self, _client: &C, error: &mut PgWireError)
    where
        C: ClientInfo,
    {
        // Errors reach the client with a SQLSTATE; remap any that slipped through unmapped.
        let taken = std::mem::replace(error, PgWireError::NotReadyForQuery);
        *error = map_error(taken);
        tracing::debug!(error = %error, "statement failed");
    }
}

/// Cancel requests arrive on their own connection.
pub struct PwCancelHandler {
    cancels: Arc<CancelRegistry>,
}

#[async_trait]
impl CancelHandler for PwCancelHandler {
    async fn on_cancel_request(&self, req: CancelRequest) {
        let found = self.cancels.cancel(req.pid, secret_bytes(&req.secret_key));
        tracing::info!(pid = req.pid, found, "cancel request");
    }
}

/// The per-connection session.
pub struct PwSession {
    inner: Arc<DfSessionService>,
    parser: Arc<PwParser>,
    shared: Arc<Shared>,
    peer: SocketAddr,
    ctx: Arc<SessionContext>,
    plans: Arc<PlanCache>,
    conn: Arc<ConnState>,
}

/// One statement of a simple query: planned by an earlier run, or just parsed.
enum Item {
    Planned(Arc<Parsed>),
    Parsed(Statement),
}

/// Parameters `SET` changes here: the session's own (search path, time zone, statement
/// timeout), those datafusion-postgres keeps to format values, and DataFusion's.
fn set_is_implemented(variable: &str, values: &[datafusion::sql::sqlparser::ast::Expr]) -> bool {
    let v = variable.to_ascii_lowercase();
    // DataFusion's options and pathwarden's own (`pathwarden.cache`).
    if v.starts_with("datafusion.") || v.starts_with("pathwarden.") {
        return true;
    }
    let quoted = matches!(
        values.first(),
        Some(datafusion::sql::sqlparser::ast::Expr::Value(_))
    );
    match v.as_str() {
        "search_path" | "timezone" | "time zone" | "statement_timeout" => true,
        // datafusion-postgres stores these only when given as a literal.
        "datestyle" | "intervalstyle" | "bytea_output" | "application_name"
        | "extra_float_digits" => quoted,
        // The only encoding spoken here.
        "client_encoding" => values.first().is_some_and(|e| {
            let t = e.to_string().to_ascii_lowercase();
            let t = t.trim_matches('\'').trim_matches('"');
            t == "utf8" || t == "utf-8" || t == "unicode" || t == "default"
        }),
        _ => false,
    }
}

/// The warning PostgreSQL clients get for a `SET` pathwarden accepts but does not
/// apply (PostgreSQL would apply it): never a silently ignored setting.
fn unimplemented_set_warning(
    stmt: &Statement,
) -> Option<pgwire::messages::response::NoticeResponse> {
    let (variable, values) = gate::set_variable(stmt)?;
    if set_is_implemented(&variable, values) {
        return None;
    }
    let info = pgwire::error::ErrorInfo::new(
        "WARNING".to_owned(),
        "01000".to_owned(),
        format!(
            "parameter \"{variable}\" is not supported by pathwarden: SET is accepted and has no effect"
        ),
    );
    Some(info.into())
}

/// Values of PostgreSQL parameters that `SHOW` reports as they hold here.
fn known_parameter<C: ClientInfo + ?Sized>(client: &C, name: &str) -> Option<(String, String)> {
    let meta = |k: &str| client.metadata().get(k).cloned();
    let (display, value) = match name {
        "server_version" => (
            "server_version",
            format!("16.0 (pathwarden {})", env!("CARGO_PKG_VERSION")),
        ),
        "server_version_num" => ("server_version_num", "160000".into()),
        "server_encoding" => ("server_encoding", "UTF8".into()),
        "client_encoding" => ("client_encoding", "UTF8".into()),
        "standard_conforming_strings" => ("standard_conforming_strings", "on".into()),
        "integer_datetimes" => ("integer_datetimes", "on".into()),
        // SQL here only reads.
        "transaction_read_only" => ("transaction_read_only", "on".into()),
        "default_transaction_read_only" => ("default_transaction_read_only", "on".into()),
        "transaction_isolation" => ("transaction_isolation", "read committed".into()),
        "default_transaction_isolation" => {
            ("default_transaction_isolation", "read committed".into())
        }
        "transaction_deferrable" => ("transaction_deferrable", "off".into()),
        "default_transaction_deferrable" => ("default_transaction_deferrable", "off".into()),
        "max_identifier_length" => ("max_identifier_length", "63".into()),
        "max_index_keys" => ("max_index_keys", "32".into()),
        "is_superuser" => ("is_superuser", "off".into()),
        "session_authorization" => ("session_authorization", meta("user").unwrap_or_default()),
        "datestyle" => (
            "DateStyle",
            meta("datestyle").unwrap_or_else(|| "ISO, MDY".into()),
        ),
        "intervalstyle" => (
            "IntervalStyle",
            meta("intervalstyle").unwrap_or_else(|| "postgres".into()),
        ),
        "bytea_output" => (
            "bytea_output",
            meta("bytea_output").unwrap_or_else(|| "hex".into()),
        ),
        "extra_float_digits" => (
            "extra_float_digits",
            meta("extra_float_digits").unwrap_or_else(|| "1".into()),
        ),
        "application_name" => (
            "application_name",
            meta("application_name").unwrap_or_default(),
        ),
        "client_min_messages" => ("client_min_messages", "notice".into()),
        "lock_timeout" => ("lock_timeout", "0".into()),
        "idle_in_transaction_session_timeout" => {
            ("idle_in_transaction_session_timeout", "0".into())
        }
        _ => return None,
    };
    Some((display.to_string(), value))
}

/// Statements answered without the engine (transaction control that has no
/// meaning on read-only data but that clients send anyway).
fn compat_response(stmt: &Statement) -> Option<Response> {
    compat_answer(stmt, None).and_then(Result::ok)
}

/// [`compat_response`], with `ROLLBACK TO` a savepoint the connection does not have
/// refused as PostgreSQL refuses it (`3B001`; `25P01` outside a transaction).
fn compat_answer(stmt: &Statement, conn: Option<&ConnState>) -> Option<PgWireResult<Response>> {
    if let Statement::Rollback {
        savepoint: Some(_), ..
    } = stmt
        && let Some(conn) = conn
        && let Some((name, idle)) = conn
            .unknown_savepoint
            .lock()
            .ok()
            .and_then(|mut g| g.take())
    {
        return Some(Err(if idle {
            sql_error(
                "25P01",
                "ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
            )
        } else {
            sql_error("3B001", &format!("savepoint \"{name}\" does not exist"))
        }));
    }
    compat_plain(stmt).map(Ok)
}

fn compat_plain(stmt: &Statement) -> Option<Response> {
    match stmt {
        Statement::Savepoint { .. } => Some(Response::Execution(Tag::new("SAVEPOINT"))),
        Statement::ReleaseSavepoint { .. } => Some(Response::Execution(Tag::new("RELEASE"))),
        Statement::Rollback {
            savepoint: Some(_), ..
        } => Some(Response::Execution(Tag::new("ROLLBACK"))),
        _ => None,
    }
}

const COMPAT_MARKER: &str = "/* pathwarden-compat */";

/// Statements PostgreSQL still runs in a failed transaction: they end it.
fn ends_transaction(stmt: &Statement) -> bool {
    matches!(stmt, Statement::Commit { .. } | Statement::Rollback { .. })
}

/// PostgreSQL's answer to any other statement in a failed transaction.
fn aborted_error() -> PgWireError {
    sql_error(
        "25P02",
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

/// Client metadata key of the session's statement timeout in ms (`0`: none), as
/// datafusion-postgres keeps it.
pub const STATEMENT_TIMEOUT_KEY: &str = "statement_timeout_ms";

fn statement_timeout<C: ClientInfo + ?Sized>(client: &C) -> Option<Duration> {
    client
        .metadata()
        .get(STATEMENT_TIMEOUT_KEY)
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .map(Duration::from_millis)
}

fn text_response(name: &str, value: &str) -> PgWireResult<Response> {
    use pgwire::api::results::{DataRowEncoder, FieldFormat};
    let fields = Arc::new(vec![FieldInfo::new(
        name.to_string(),
        None,
        None,
        Type::TEXT,
        FieldFormat::Text,
    )]);
    let mut enc = DataRowEncoder::new(fields.clone());
    enc.encode_field(&Some(value))?;
    let row = enc.take_row();
    Ok(Response::Query(QueryResponse::new(
        fields,
        futures::stream::iter(vec![Ok(row)]),
    )))
}

fn timeout_error() -> PgWireError {
    sql_error("57014", "canceling statement due to statement timeout")
}

fn cancel_error() -> PgWireError {
    sql_error("57014", "canceling statement due to user request")
}

fn rename_fields(fields: &[FieldInfo]) -> Vec<FieldInfo> {
    fields
        .iter()
        .map(|f| {
            let name = pathwarden_sqlext::output_name(f.name());
            if name == f.name() {
                f.clone()
            } else {
                FieldInfo::new(
                    name.to_string(),
                    f.table_id(),
                    f.column_id(),
                    f.datatype().clone(),
                    f.format(),
                )
                .with_format_options(f.format_options().clone())
                .with_type_size(f.type_size())
                .with_type_modifier(f.type_modifier())
            }
        })
        .collect()
}

/// Rows of a result, stopped by cancel or the statement deadline, counted for the audit.
struct GuardedRows {
    inner: Pin<Box<dyn Stream<Item = PgWireResult<DataRow>> + Send>>,
    cancel: Option<CancelToken>,
    cancel_fut: Option<Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    rows: u64,
    done: bool,
    audit: Option<(Arc<dyn AuditSink>, AuditEvent, Instant)>,
}

impl GuardedRows {
    fn finish(&mut self, error: Option<String>) {
        self.done = true;
        if let Some((sink, mut ev, started)) = self.audit.take() {
            ev.rows = Some(self.rows as i64);
            ev.duration_ms = started.elapsed().as_millis() as i64;
            if error.is_some() {
                ev.error = error;
            }
            sink.record(ev);
        }
    }
}

impl Stream for GuardedRows {
    type Item = PgWireResult<DataRow>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Some(f) = self.cancel_fut.as_mut() {
            if f.as_mut().poll(cx).is_ready() {
                self.finish(Some("canceled".into()));
                return Poll::Ready(Some(Err(cancel_error())));
            }
        }
        if let Some(d) = self.deadline.as_mut() {
            if d.as_mut().poll(cx).is_ready() {
                self.finish(Some("statement timeout".into()));
                return Poll::Ready(Some(Err(timeout_error())));
            }
        }
        match self.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(row))) => {
                self.rows += 1;
                Poll::Ready(Some(Ok(row)))
            }
            Poll::Ready(Some(Err(e))) => {
                let e = map_error(e);
                self.finish(Some(e.to_string()));
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                self.finish(None);
                Poll::Ready(None)
            }
            Poll::Pending => {
                let _ = &self.cancel;
                Poll::Pending
            }
        }
    }
}

impl Drop for GuardedRows {
    fn drop(&mut self) {
        if !self.done {
            self.finish(Some("result not fully read".into()));
        }
    }
}

impl PwSession {
    fn cancel_token<C: ClientInfo + ?Sized>(&self, client: &C) -> CancelToken {
        let (pid, secret) = client.pid_and_secret_key();
        let state = self.shared.cancels.state(pid, secret_bytes(&secret));
        let generation = state.generation.load(Ordering::SeqCst);
        CancelToken {
            state,
            generation,
            conn: self.conn.clone(),
        }
    }

    /// `DECLARE name CURSOR FOR query`: planned like any query and executed on the query
    /// pool under the session's limits; FETCH then reads the portal (datafusion-postgres'
    /// cursor hook would run the query inline on a protocol thread, outside the pool).
    async fn declare<C: ClientInfo + ClientPortalStore + ?Sized>(
        &self,
        client: &mut C,
        stmt: &Statement,
    ) -> PgWireResult<Response>
    where
        C::PortalStore: PortalStore,
    {
        use datafusion::sql::sqlparser::ast::DeclareType;
        use pgwire::api::stmt::StoredStatement;
        use pgwire::api::store::MemPortalStore;
        let Statement::Declare { stmts } = stmt else {
            return Err(sql_error("42601", "not a DECLARE statement"));
        };
        self.parser.note_declare(&stmt.to_string()).await;
        for d in stmts {
            if d.declare_type != Some(DeclareType::Cursor) {
                return Err(sql_error(
                    "0A000",
                    "only DECLARE ... CURSOR FOR is supported",
                ));
            }
            let (Some(name), Some(query)) = (d.names.first(), d.for_query.as_ref()) else {
                return Err(sql_error(
                    "42601",
                    "DECLARE needs a cursor name and a FOR query",
                ));
            };
            let (_, plan) = plan_query(&self.ctx.state(), Statement::Query(query.clone())).await?;
            let state = self.ctx.state();
            let physical = state.create_physical_plan(&plan).await.map_err(from_df)?;
            let fields = Arc::new(pg_fields(
                &super::plans::wire_schema(&plan),
                &Format::UnifiedText,
                None,
            )?);
            // The cursor's query runs under the statement timeout from DECLARE on.
            let deadline = statement_timeout(client).map(|d| tokio::time::Instant::now() + d);
            let stream = crate::exec::spawn_plan_until(physical, state.task_ctx(), deadline);
            let response = super::plans::respond(fields, stream);
            let text = query.to_string();
            let stored = Arc::new(StoredStatement::new(
                name.value.clone(),
                (text, None),
                vec![],
            ));
            let portal = Portal::new_cursor(name.value.clone(), stored);
            portal.start(response).await;
            let store = client
                .portal_store()
                .as_any()
                .downcast_ref::<MemPortalStore<DfStatement>>()
                .ok_or_else(|| sql_error("XX000", "cursor store unavailable"))?;
            store.put_portal(Arc::new(portal));
        }
        Ok(Response::Execution(Tag::new("DECLARE CURSOR")))
    }

    fn identity(&self) -> Identity {
        Identity::of_ctx(&self.ctx)
    }

    /// `COPY ... TO STDOUT`: the query is planned by the session and runs on the query
    /// pool under the statement timeout and memory limit, like any other; its rows go
    /// to the client as COPY OUT messages.
    async fn copy_out<C>(&self, client: &mut C, stmt: &Statement) -> PgWireResult<Response>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let spec = super::copy::spec(stmt)?;
        let (_, plan) = plan_query(&self.ctx.state(), Statement::Query(spec.query.clone())).await?;
        let state = self.ctx.state();
        let physical = state.create_physical_plan(&plan).await.map_err(from_df)?;
        let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
        let fields = Arc::new(rename_fields(&pg_fields(
            &super::plans::wire_schema(&plan),
            &spec.result_format(),
            Some(options),
        )?));
        let deadline = statement_timeout(client).map(|d| tokio::time::Instant::now() + d);
        let stream = crate::exec::spawn_plan_until(physical, state.task_ctx(), deadline);
        let batches = super::plans::wire_batches(&fields, stream);
        let rows = super::copy::send(client, &spec, fields, batches).await?;
        Ok(Response::Execution(Tag::new("COPY").with_rows(rows)))
    }

    /// `SET statement_timeout` and `SHOW statement_timeout`, answered here: values are
    /// parsed as PostgreSQL does (an unparseable value is an error, `1h` is an hour), and
    /// only operators and admins may raise it above the server's default or turn it off.
    fn session_command<C: ClientInfo + ?Sized>(
        &self,
        client: &mut C,
        stmt: &Statement,
    ) -> Option<PgWireResult<Response>> {
        if let Statement::ShowVariable { variable } = stmt {
            let name: Vec<String> = variable
                .iter()
                .map(|i| i.value.to_ascii_lowercase())
                .collect();
            if name == ["statement_timeout"] {
                let value = crate::limits::format_duration(statement_timeout(client));
                return Some(text_response("statement_timeout", &value));
            }
            if name == ["timezone"] || name == ["time", "zone"] {
                // What `SET TIME ZONE` stored (datafusion-postgres keeps it there).
                let tz = client
                    .metadata()
                    .get("timezone")
                    .cloned()
                    .unwrap_or_else(|| "UTC".into());
                return Some(text_response("TimeZone", &tz));
            }
            if name == ["search_path"] {
                let path = SearchPath::of(&self.ctx.state());
                return Some(text_response("search_path", &path.display()));
            }
            let joined = match name.as_slice() {
                [a, b, c] if a == "transaction" && b == "isolation" && c == "level" => {
                    "transaction_isolation".to_string()
                }
                _ => name.join("."),
            };
            if let Some((display, value)) = known_parameter(client, &joined) {
                return Some(text_response(&display, &value));
            }
            if joined.starts_with("datafusion.") || joined == "all" {
                return None;
            }
            return Some(Err(sql_error(
                "42704",
                format!("unrecognized configuration parameter \"{joined}\""),
            )));
        }
        if let Statement::Set(datafusion::sql::sqlparser::ast::Set::SetTimeZone { value, .. }) =
            stmt
        {
            let zone = value.to_string();
            let zone = zone.trim_matches('\'').trim_matches('"');
            if !zone.eq_ignore_ascii_case("local")
                && !zone.eq_ignore_ascii_case("default")
                && zone
                    .parse::<datafusion::arrow::array::timezone::Tz>()
                    .is_err()
            {
                return Some(Err(sql_error(
                    "22023",
                    format!("invalid value for parameter \"TimeZone\": \"{zone}\""),
                )));
            }
            return None;
        }
        let (variable, values) = gate::set_variable(stmt)?;
        if variable.eq_ignore_ascii_case("search_path") {
            let reset = matches!(values, [datafusion::sql::sqlparser::ast::Expr::Identifier(i)]
                if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"));
            let path = if reset {
                SearchPath::default()
            } else {
                match SearchPath::from_set_values(values) {
                    Ok(p) => p,
                    Err(e) => return Some(Err(sql_error("22023", e))),
                }
            };
            path.apply(&self.ctx);
            // Unqualified names may now resolve elsewhere.
            self.plans.clear();
            return Some(Ok(Response::Execution(Tag::new("SET"))));
        }
        if variable.eq_ignore_ascii_case("timezone") {
            // `SET timezone TO 'x'`: datafusion-postgres 0.19 accepts it and ignores it
            // (only `SET TIME ZONE` reaches its time zone handling).
            let text = values.first().map(|v| v.to_string()).unwrap_or_default();
            let zone = text.trim_matches('\'').trim_matches('"').to_string();
            if zone.eq_ignore_ascii_case("default") || zone.eq_ignore_ascii_case("local") {
                client.metadata_mut().remove("timezone");
            } else if zone
                .parse::<datafusion::arrow::array::timezone::Tz>()
                .is_ok()
            {
                client.metadata_mut().insert("timezone".into(), zone);
            } else {
                return Some(Err(sql_error(
                    "22023",
                    format!("invalid value for parameter \"TimeZone\": \"{zone}\""),
                )));
            }
            self.apply_time_zone(client);
            return Some(Ok(Response::Execution(Tag::new("SET"))));
        }
        if !variable.eq_ignore_ascii_case("statement_timeout") {
            return None;
        }
        let default = self.shared.engine.limits.statement_timeout;
        let text = values.first().map(|v| v.to_string()).unwrap_or_default();
        let wanted = if text.eq_ignore_ascii_case("default") || text.is_empty() {
            default
        } else {
            match crate::limits::parse_duration(&text) {
                Ok(d) => d,
                Err(e) => {
                    return Some(Err(sql_error(
                        "22023",
                        format!("invalid value for parameter \"statement_timeout\": {e}"),
                    )));
                }
            }
        };
        let raises = match (wanted, default) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(w), Some(d)) => w > d,
        };
        if raises && !self.identity().allows(Role::Operator) {
            return Some(Err(sql_error(
                "42501",
                format!(
                    "permission denied to raise statement_timeout above the server's {} (server.statement_timeout): needs role operator or higher",
                    crate::limits::format_duration(default)
                ),
            )));
        }
        let ms = wanted.map(|d| d.as_millis()).unwrap_or(0);
        client
            .metadata_mut()
            .insert(STATEMENT_TIMEOUT_KEY.into(), ms.to_string());
        Some(Ok(Response::Execution(Tag::new("SET"))))
    }

    /// Make the time zone `SET TIME ZONE` stored the session's: `now()`, casts to
    /// `timestamptz` and how `timestamptz` values are printed follow it.
    ///
    /// Works around datafusion-postgres 0.19, which stores the zone in the client's
    /// metadata and in the config of `SessionContext::state()` — a copy of the session
    /// state, so the session's queries never see it.
    fn apply_time_zone<C: ClientInfo + ?Sized>(&self, client: &C) {
        // `LOCAL` and `DEFAULT` are the server's zone: UTC.
        let zone = client
            .metadata()
            .get("timezone")
            .filter(|z| z.parse::<datafusion::arrow::array::timezone::Tz>().is_ok())
            .cloned()
            .or_else(|| Some("UTC".to_string()));
        let lock = self.ctx.state_ref();
        let mut state = lock.write();
        let current = &mut state.config_mut().options_mut().execution.time_zone;
        if *current != zone {
            *current = zone;
            self.plans.clear();
        }
    }

    fn audit_event<C: ClientInfo + ?Sized>(&self, client: &C, statement: &str) -> AuditEvent {
        AuditEvent {
            time: chrono::Utc::now(),
            kind: "sql".into(),
            user: client.metadata().get("user").cloned().unwrap_or_default(),
            client_addr: self.peer.to_string(),
            action: statement.to_string(),
            duration_ms: 0,
            rows: None,
            error: None,
        }
    }

    /// Wrap a response so its rows obey cancel/deadline and are audited when done.
    fn guard(
        &self,
        resp: Response,
        token: &CancelToken,
        deadline: Option<tokio::time::Instant>,
        ev: AuditEvent,
        started: Instant,
    ) -> Response {
        match resp {
            Response::Query(mut q) => {
                let fields = Arc::new(rename_fields(&q.row_schema()));
                let tag = q.command_tag().to_string();
                let inner = std::mem::replace(q.data_rows(), Box::pin(futures::stream::empty()));
                let rows = GuardedRows {
                    inner,
                    cancel: Some(token.clone()),
                    cancel_fut: Some(Box::pin(token.clone().cancelled())),
                    deadline: deadline.map(|d| Box::pin(tokio::time::sleep_until(d))),
                    rows: 0,
                    done: false,
                    audit: Some((self.shared.audit.clone(), ev, started)),
                };
                let mut out = QueryResponse::new(fields, rows);
                out.set_command_tag(&tag);
                Response::Query(out)
            }
            other => {
                let mut ev = ev;
                ev.duration_ms = started.elapsed().as_millis() as i64;
                self.shared.audit.record(ev);
                other
            }
        }
    }

    /// Run a future under the connection's cancel token and statement deadline.
    async fn guarded<T>(
        token: &CancelToken,
        deadline: Option<tokio::time::Instant>,
        fut: impl std::future::Future<Output = PgWireResult<T>>,
    ) -> PgWireResult<T> {
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            r = fut => r,
            _ = token.clone().cancelled() => Err(cancel_error()),
            _ = sleep => Err(timeout_error()),
        }
    }

    fn record_failure(&self, mut ev: AuditEvent, started: Instant, e: &PgWireError) {
        ev.duration_ms = started.elapsed().as_millis() as i64;
        ev.error = Some(e.to_string());
        self.shared.audit.record(ev);
    }

    /// Run a query the engine planned (`key` is its statement text), with the values
    /// bound in `portal` (extended protocol), through the connection's plan caches.
    async fn run_query(
        &self,
        key: &str,
        plan: &LogicalPlan,
        portal: Option<&Portal<DfStatement>>,
        format: &Format,
        options: Arc<FormatOptions>,
    ) -> PgWireResult<QueryResponse> {
        let prepared = self.plans.prepared(key, plan)?;
        let params = match portal {
            Some(p) => bind_parameters(p, &prepared.types)?,
            None => ParamValues::List(vec![]),
        };
        self.plans
            .run(key, plan, &prepared, params, &self.ctx, format, options)
            .await
    }
}

#[async_trait]
impl SimpleQueryHandler for PwSession {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let started = Instant::now();
        let items: Vec<Item> = match self.plans.parsed(query) {
            // One query this connection has run before: parsed and planned already.
            Some(parsed) => vec![Item::Planned(parsed)],
            None => match parse_sql(&self.parser.sql, query) {
                Ok(s) => s.into_iter().map(Item::Parsed).collect(),
                Err(e) => {
                    self.record_failure(self.audit_event(client, query), started, &e);
                    return Err(e);
                }
            },
        };
        let mut out = Vec::with_capacity(items.len());
        let single = items.len() == 1;
        for item in items {
            let text = match &item {
                Item::Planned(p) => p.original.clone(),
                Item::Parsed(stmt) => stmt.to_string(),
            };
            let ev = self.audit_event(client, &text);
            let started = Instant::now();
            if client.transaction_status() == TransactionStatus::Error
                && !matches!(&item, Item::Parsed(s) if ends_transaction(s))
            {
                let e = aborted_error();
                self.record_failure(ev, started, &e);
                return Err(e);
            }
            if let Item::Parsed(stmt) = &item
                && let Some(r) = compat_answer(stmt, Some(&self.conn))
            {
                match r {
                    Ok(r) => {
                        out.push(self.guard(r, &self.cancel_token(client), None, ev, started));
                        continue;
                    }
                    Err(e) => {
                        self.record_failure(ev, started, &e);
                        return Err(e);
                    }
                }
            }
            if let Item::Parsed(stmt) = &item {
                if let Err(e) = gate::check(stmt, &self.identity()) {
                    self.record_failure(ev, started, &e);
                    return Err(e);
                }
                if let Some(w) = unimplemented_set_warning(stmt) {
                    client.send(PgWireBackendMessage::NoticeResponse(w)).await?;
                }
                if let Some(r) = self.session_command(client, stmt) {
                    match r {
                        Ok(r) => {
                            out.push(self.guard(r, &self.cancel_token(client), None, ev, started));
                            continue;
                        }
                        Err(e) => {
                            self.record_failure(ev, started, &e);
                            return Err(e);
                        }
                    }
                }
            }
            let token = self.cancel_token(client);
            let deadline = statement_timeout(client).map(|d| tokio::time::Instant::now() + d);
            let res = match item {
                Item::Parsed(stmt) if matches!(stmt, Statement::Copy { .. }) => {
                    if !single {
                        let e = sql_error(
                            "0A000",
                            "COPY TO STDOUT must be the only statement of its query string",
                        );
                        self.record_failure(ev, started, &e);
                        return Err(e);
                    }
                    Self::guarded(&token, deadline, async {
                        self.copy_out(client, &stmt).await.map(|r| vec![r])
                    })
                    .await
                }
                Item::Parsed(stmt) if matches!(stmt, Statement::Declare { .. }) => {
                    let stmt = match rewrite(stmt) {
                        Ok(s) => s,
                        Err(e) => {
                            self.record_failure(ev, started, &e);
                            return Err(e);
                        }
                    };
                    Self::guarded(&token, deadline, async {
                        self.declare(client, &stmt).await.map(|r| vec![r])
                    })
                    .await
                }
                Item::Parsed(stmt) if !is_engine_query(&stmt) => {
                    let is_declare = matches!(stmt, Statement::Declare { .. });
                    let sql = match rewrite(stmt) {
                        Ok(s) => s.to_string(),
                        Err(e) => {
                            self.record_failure(ev, started, &e);
                            return Err(e);
                        }
                    };
                    if is_declare {
                        self.parser.note_declare(&sql).await;
                    }
                    // Settings or the catalog may change: plans made so far may not hold.
                    self.plans.clear();
                    let res = Self::guarded(&token, deadline, async {
                        SimpleQueryHandler::do_query(self.inner.as_ref(), client, &sql)
                            .await
                            .map_err(map_error)
                    })
                    .await;
                    self.apply_time_zone(client);
                    res
                }
                item => {
                    let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
                    Self::guarded(&token, deadline, async {
                        let parsed = match item {
                            Item::Planned(p) => p,
                            Item::Parsed(stmt) => {
                                // Planned here rather than re-parsed from text by
                                // datafusion-postgres, whose parser would turn correlated
                                // select-list subqueries into NULL.
                                let (stmt, plan) = plan_query(&self.ctx.state(), stmt).await?;
                                let parsed = Arc::new(Parsed {
                                    original: text.clone(),
                                    key: stmt.to_string(),
                                    stmt,
                                    plan,
                                });
                                if single {
                                    self.plans.remember_parsed(query, &parsed);
                                }
                                parsed
                            }
                        };
                        let resp = self
                            .run_query(
                                &parsed.key,
                                &parsed.plan,
                                None,
                                &Format::UnifiedText,
                                options,
                            )
                            .await?;
                        Ok(vec![Response::Query(resp)])
                    })
                    .await
                }
            };
            match res {
                Ok(rs) => {
                    for r in rs {
                        out.push(self.guard(r, &token, deadline, ev.clone(), started));
                    }
                }
                Err(e) => {
                    self.record_failure(ev, started, &e);
                    return Err(e);
                }
            }
        }
        Ok(out)
    }
}

/// Cursors declared on a connection: the query text the cursor runs and its result
/// columns, so that `Describe` of a cursor portal and an extended-protocol `FETCH`
/// report the real row description (psycopg's server-side cursors depend on it).
#[derive(Default)]
struct Cursors {
    by_name: HashMap<String, String>,
    fields_by_query: HashMap<String, Vec<FieldInfo>>,
}

/// Parses extended-protocol statements with the same rewrites as simple queries.
pub struct PwParser {
    inner: Arc<Parser>,
    sql: PgParser,
    ctx: Arc<SessionContext>,
    cursors: Arc<Mutex<Cursors>>,
    plans: Arc<PlanCache>,
}

impl PwParser {
    /// Remember a DECLARE'd cursor (given the rewritten SQL text the engine will see).
    async fn note_declare(&self, rewritten_sql: &str) {
        let Ok(stmts) = self.sql.parse(rewritten_sql) else {
            return;
        };
        for stmt in stmts {
            let Statement::Declare { stmts } = stmt else {
                continue;
            };
            for d in stmts {
                let (Some(name), Some(q)) = (d.names.first(), d.for_query.as_ref()) else {
                    continue;
                };
                let text = q.to_string();
                let fields = match self.ctx.state().create_logical_plan(&text).await {
                    Ok(plan) => pg_fields(
                        &super::plans::wire_schema(&plan),
                        &Format::UnifiedText,
                        None,
                    )
                    .map(|f| rename_fields(&f))
                    .unwrap_or_default(),
                    Err(_) => continue,
                };
                if let Ok(mut c) = self.cursors.lock() {
                    c.by_name.insert(name.value.clone(), text.clone());
                    c.fields_by_query.insert(text, fields);
                }
            }
        }
    }

    fn cursor_query(&self, name: &str) -> Option<String> {
        self.cursors
            .lock()
            .ok()
            .and_then(|c| c.by_name.get(name).cloned())
    }

    fn cursor_fields(&self, query: &str) -> Option<Vec<FieldInfo>> {
        self.cursors
            .lock()
            .ok()
            .and_then(|c| c.fields_by_query.get(query).cloned())
    }
}

type DfStatement = <Parser as QueryParser>::Statement;

#[async_trait]
impl QueryParser for PwParser {
    type Statement = DfStatement;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        if let Some(p) = self.plans.parsed(sql) {
            return Ok(Some((
                p.key.clone(),
                Some((p.stmt.clone(), p.plan.clone())),
            )));
        }
        let mut stmts = parse_sql(&self.sql, sql)?;
        if stmts.is_empty() {
            return Ok(None);
        }
        let single = stmts.len() == 1;
        let stmt = stmts.remove(0);
        gate::check(&stmt, &Identity::of_ctx(&self.ctx))?;
        if matches!(stmt, Statement::Copy { .. }) {
            // Planned so that errors show at Parse; Execute plans again and runs it.
            let spec = super::copy::spec(&stmt)?;
            let (_, plan) = plan_query(&self.ctx.state(), Statement::Query(spec.query)).await?;
            return Ok(Some((stmt.to_string(), Some((stmt, plan)))));
        }
        if compat_response(&stmt).is_some() {
            // Plan a no-op; execution answers with the right command tag.
            let planned = self
                .inner
                .parse_sql(client, "SELECT 1 WHERE false", types)
                .await
                .map_err(map_error)?;
            return Ok(planned.map(|(_, rest)| (format!("{COMPAT_MARKER}{stmt}"), rest)));
        }
        if let Statement::Fetch { name, .. } = &stmt {
            // Plan the cursor's query so Describe reports the rows FETCH returns.
            if let Some(q) = self.cursor_query(&name.value) {
                let plan = self
                    .ctx
                    .state()
                    .create_logical_plan(&q)
                    .await
                    .map_err(from_df)?;
                return Ok(Some((stmt.to_string(), Some((stmt, plan)))));
            }
        }
        if is_engine_query(&stmt) {
            // Planned here, not re-parsed by datafusion-postgres (see the simple path).
            let original = stmt.to_string();
            let (stmt, plan) = plan_query(&self.ctx.state(), stmt).await?;
            let key = stmt.to_string();
            if single {
                self.plans.remember_parsed(
                    sql,
                    &Arc::new(Parsed {
                        original,
                        key: key.clone(),
                        stmt: stmt.clone(),
                        plan: plan.clone(),
                    }),
                );
            }
            return Ok(Some((key, Some((stmt, plan)))));
        }
        let is_declare = matches!(stmt, Statement::Declare { .. });
        let rewritten = rewrite(stmt)?.to_string();
        if is_declare {
            self.note_declare(&rewritten).await;
        }
        self.inner
            .parse_sql(client, &rewritten, types)
            .await
            .map_err(map_error)
    }

    fn get_parameter_types(&self, stmt: &Self::Statement) -> PgWireResult<Vec<Type>> {
        match &stmt.1 {
            Some((Statement::Copy { .. }, _)) => Ok(vec![]),
            Some((s, plan)) if is_engine_query(s) => {
                Ok(self.plans.prepared(&stmt.0, plan)?.types.wire.clone())
            }
            _ => self.inner.get_parameter_types(stmt),
        }
    }

    fn get_result_schema(
        &self,
        stmt: &Self::Statement,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        if stmt.0.starts_with(COMPAT_MARKER) {
            return Ok(vec![]);
        }
        if stmt.1.is_none() {
            // A cursor portal (DECLARE ... CURSOR FOR q) carries only its query text.
            if let Some(f) = self.cursor_fields(&stmt.0) {
                return Ok(f);
            }
        }
        match &stmt.1 {
            // COPY describes as NoData: its rows come as COPY OUT messages.
            Some((Statement::Copy { .. }, _)) => Ok(vec![]),
            Some((s, plan)) if is_engine_query(s) => Ok(rename_fields(&pg_fields(
                &super::plans::wire_schema(&plan),
                column_format.unwrap_or(&Format::UnifiedText),
                None,
            )?)),
            _ => Ok(rename_fields(
                &self.inner.get_result_schema(stmt, column_format)?,
            )),
        }
    }
}

#[async_trait]
impl ExtendedQueryHandler for PwSession {
    type Statement = DfStatement;
    type QueryParser = PwParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        self.parser.clone()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let text = portal.statement.statement.0.clone();
        let ev = self.audit_event(client, &text);
        let started = Instant::now();
        if client.transaction_status() == TransactionStatus::Error {
            let ends = match &portal.statement.statement.1 {
                Some((s, _)) => ends_transaction(s),
                None => false,
            } || text
                .strip_prefix(COMPAT_MARKER)
                .is_some_and(|t| t.trim_start().to_ascii_uppercase().starts_with("ROLLBACK"));
            if !ends {
                let e = aborted_error();
                self.record_failure(ev, started, &e);
                return Err(e);
            }
        }
        if let Some(orig) = text.strip_prefix(COMPAT_MARKER) {
            let stmt = parse_sql(&self.parser.sql, orig)?.into_iter().next();
            if let Some(r) = stmt
                .as_ref()
                .and_then(|s| compat_answer(s, Some(&self.conn)))
            {
                return match r {
                    Ok(r) => Ok(self.guard(r, &self.cancel_token(client), None, ev, started)),
                    Err(e) => {
                        self.record_failure(ev, started, &e);
                        Err(e)
                    }
                };
            }
        }
        if let Some((stmt, _)) = &portal.statement.statement.1
            && let Some(w) = unimplemented_set_warning(stmt)
        {
            client.send(PgWireBackendMessage::NoticeResponse(w)).await?;
        }
        if let Some((stmt, _)) = &portal.statement.statement.1
            && let Some(r) = self.session_command(client, stmt)
        {
            return match r {
                Ok(r) => Ok(self.guard(r, &self.cancel_token(client), None, ev, started)),
                Err(e) => {
                    self.record_failure(ev, started, &e);
                    Err(e)
                }
            };
        }
        let token = self.cancel_token(client);
        let deadline = statement_timeout(client).map(|d| tokio::time::Instant::now() + d);
        let res = match &portal.statement.statement.1 {
            Some((stmt, _)) if matches!(stmt, Statement::Copy { .. }) => {
                Self::guarded(&token, deadline, self.copy_out(client, stmt)).await
            }
            Some((stmt, _)) if matches!(stmt, Statement::Declare { .. }) => {
                Self::guarded(&token, deadline, self.declare(client, stmt)).await
            }
            Some((stmt, plan)) if is_engine_query(stmt) => {
                let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
                Self::guarded(&token, deadline, async {
                    let resp = self
                        .run_query(
                            &portal.statement.statement.0,
                            plan,
                            Some(portal),
                            &portal.result_column_format,
                            options,
                        )
                        .await?;
                    Ok(Response::Query(resp))
                })
                .await
            }
            _ => {
                // Settings or the catalog may change: plans made so far may not hold.
                self.plans.clear();
                let res = Self::guarded(&token, deadline, async {
                    ExtendedQueryHandler::do_query(self.inner.as_ref(), client, portal, max_rows)
                        .await
                        .map_err(map_error)
                })
                .await;
                self.apply_time_zone(client);
                res
            }
        };
        match res {
            Ok(r) => Ok(self.guard(r, &token, deadline, ev, started)),
            Err(e) => {
                self.record_failure(ev, started, &e);
                Err(e)
            }
        }
    }
}

#[allow(dead_code)]
fn _assert_send() {
    fn is_send<T: Send>() {}
    is_send::<GuardedRows>();
}

#[allow(dead_code)]
type _Unused = DataRow;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_registry_forgets_closed_backends() {
        let r = CancelRegistry::default();
        let key = vec![1, 2, 3, 4];
        let state = r.state(7, key.clone());
        assert!(r.cancel(7, key.clone()));
        assert_eq!(state.generation.load(Ordering::SeqCst), 1);
        // What the connection does when it closes.
        r.remove(7, key.clone());
        assert!(!r.cancel(7, key), "a closed backend can still be cancelled");
        assert!(r.map.lock().map(|m| m.is_empty()).unwrap_or(false));
    }

    #[tokio::test]
    async fn a_closed_connection_cancels_its_statement() {
        let registry = CancelRegistry::default();
        let conn = Arc::new(ConnState::default());
        let token = CancelToken {
            state: registry.state(1, vec![0; 4]),
            generation: 0,
            conn: conn.clone(),
        };
        let waiting = tokio::spawn(token.clone().cancelled());
        tokio::task::yield_now().await;
        assert!(!token.is_cancelled());
        conn.close();
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("closing the connection did not wake the statement")
            .unwrap();
        assert!(token.is_cancelled());
    }
}
