//! `/api/v1`: runs (trigger, progress, results), findings, access requests and
//! remediations, behind bearer tokens with roles, every call in the audit log.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::runner::{Posture, StartError, rows_json};
use super::store::{Col, Stmt, now};
use crate::args;
use crate::audit::{AuditEvent, AuditSink};
use crate::config::TokenConfig;

pub use crate::identity::Role;

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Token name, or `anonymous`.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// State of the API handlers.
#[derive(Clone)]
pub struct ApiState {
    /// Runs and the store.
    pub posture: Arc<Posture>,
    /// Accepted tokens: (name, sha256 bytes, role).
    tokens: Arc<Vec<(String, Vec<u8>, Role)>>,
    /// Audit sink.
    pub audit: Arc<dyn AuditSink>,
}

impl ApiState {
    /// State from the configured tokens.
    pub fn new(
        posture: Arc<Posture>,
        tokens: &[TokenConfig],
        audit: Arc<dyn AuditSink>,
    ) -> ApiState {
        let tokens = tokens
            .iter()
            .filter_map(|t| {
                hex::decode(&t.sha256)
                    .ok()
                    .map(|h| (t.name.clone(), h, Role::parse(&t.role)))
            })
            .collect();
        ApiState {
            posture,
            tokens: Arc::new(tokens),
            audit,
        }
    }
}

/// A JSON error response.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.0,
            axum::Json(json!({"error": self.1, "status": self.0.as_u16()})),
        )
            .into_response()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        tracing::warn!(error = %format!("{e:#}"), "API request failed");
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; see the daemon log".into(),
        )
    }
}

fn err(code: StatusCode, msg: impl Into<String>) -> ApiError {
    ApiError(code, msg.into())
}

type ApiResult = Result<Response, ApiError>;

fn ok(v: Value) -> ApiResult {
    Ok(axum::Json(v).into_response())
}

/// The role a request needs.
fn required_role(method: &Method, path: &str) -> Role {
    if method == Method::GET || method == Method::HEAD {
        return Role::Reader;
    }
    if path == "/api/v1/runs" {
        return Role::Operator;
    }
    if path == "/api/v1/access-requests" {
        return Role::Reader;
    }
    Role::Admin
}

fn authenticate(st: &ApiState, req: &Request) -> Result<Caller, ApiError> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let Some(h) = header else {
        // No tokens configured: read-only access, but only for loopback peers while
        // `server.trust_loopback` is on (the HTTP listener says so per request; absent
        // means no). Otherwise nobody is anonymous.
        let anonymous = req
            .extensions()
            .get::<crate::http::AnonymousAllowed>()
            .is_some_and(|a| a.0);
        if st.tokens.is_empty() && anonymous {
            return Ok(Caller {
                name: "anonymous".into(),
                role: Role::Reader,
            });
        }
        let why = if st.tokens.is_empty() {
            "a token is required: no [[token]] is configured, and requests without one are served only from loopback with server.trust_loopback on"
        } else {
            "missing bearer token"
        };
        return Err(err(StatusCode::UNAUTHORIZED, why));
    };
    let Some(token) = h.strip_prefix("Bearer ").map(str::trim) else {
        return Err(err(
            StatusCode::UNAUTHORIZED,
            "expected Authorization: Bearer <token>",
        ));
    };
    let digest = Sha256::digest(token.as_bytes());
    let mut found = None;
    for (name, hash, role) in st.tokens.iter() {
        // Compare every token in constant time, so timing says nothing about which matched.
        if bool::from(digest.as_slice().ct_eq(hash)) && found.is_none() {
            found = Some(Caller {
                name: name.clone(),
                role: *role,
            });
        }
    }
    found.ok_or_else(|| err(StatusCode::UNAUTHORIZED, "invalid token"))
}

async fn guard(State(st): State<ApiState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.to_string())
        .unwrap_or_else(|| "unknown".into());
    let public = path == "/api/v1/openapi.json";
    let (user, response) = match authenticate(&st, &req) {
        Err(e) if !public => ("unauthenticated".to_string(), e.into_response()),
        Err(_) => ("unauthenticated".to_string(), next.run(req).await),
        Ok(caller) => {
            let need = required_role(&method, &path);
            let name = caller.name.clone();
            if caller.role < need && !public {
                let msg = format!(
                    "role {} may not do this; {} is required",
                    caller.role.name(),
                    need.name()
                );
                (name, err(StatusCode::FORBIDDEN, msg).into_response())
            } else {
                req.extensions_mut().insert(caller);
                (name, next.run(req).await)
            }
        }
    };
    let status = response.status();
    st.audit.record(AuditEvent {
        time: chrono::Utc::now(),
        kind: "api".into(),
        user,
        client_addr: client,
        action: format!("{method} {path}"),
        duration_ms: started.elapsed().as_millis() as i64,
        rows: None,
        error: (status.is_client_error() || status.is_server_error()).then(|| status.to_string()),
    });
    response
}

/// The `/api/v1` router.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/runs", get(list_runs).post(trigger_run))
        .route("/api/v1/runs/{id}", get(get_run))
        .route("/api/v1/runs/{id}/results", get(run_results))
        .route("/api/v1/findings", get(list_findings))
        .route(
            "/api/v1/access-requests",
            get(list_access_requests).post(create_access_request),
        )
        .route(
            "/api/v1/access-requests/{id}/{decision}",
            post(decide_access_request),
        )
        .route("/api/v1/remediations", get(list_remediations))
        .route(
            "/api/v1/remediations/{id}/approve",
            post(approve_remediation),
        )
        .fallback(|| async { err(StatusCode::NOT_FOUND, "no such endpoint") })
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

const RUN_COLS: &[&str] = &[
    "id",
    "job",
    "kind",
    "target",
    "triggered_by",
    "status",
    "started_at",
    "finished_at",
    "progress_done",
    "progress_total",
    "ok_count",
    "alarm_count",
    "info_count",
    "skip_count",
    "error_count",
    "new_count",
    "resolved_count",
    "unchanged_count",
    "previous_run_id",
    "message",
];

fn kinds(cols: &[&str]) -> Vec<Col> {
    cols.iter()
        .map(|c| {
            if *c == "id"
                || c.ends_with("_id") && *c != "account_id" && *c != "control_id"
                || c.ends_with("_count")
                || c.starts_with("progress_")
                || *c == "high_risk"
            {
                Col::Int
            } else {
                Col::Text
            }
        })
        .collect()
}

#[derive(Deserialize)]
struct ListQuery {
    job: Option<String>,
    status: Option<String>,
    change: Option<String>,
    control_id: Option<String>,
    limit: Option<i64>,
}

fn limit(q: &ListQuery) -> i64 {
    q.limit.unwrap_or(100).clamp(1, 10_000)
}

async fn list_runs(State(st): State<ApiState>, Query(q): Query<ListQuery>) -> ApiResult {
    let sql = format!(
        "SELECT {} FROM run WHERE ($1 IS NULL OR job = $1) AND ($2 IS NULL OR status = $2) ORDER BY id DESC LIMIT $3",
        RUN_COLS.join(", ")
    );
    let rows = st
        .posture
        .store
        .fetch(
            &sql,
            args![q.job.clone(), q.status.clone(), limit(&q)],
            &kinds(RUN_COLS),
        )
        .await?;
    ok(json!({"runs": rows_json(RUN_COLS, &rows)}))
}

#[derive(Deserialize)]
struct TriggerBody {
    job: String,
}

async fn trigger_run(
    State(st): State<ApiState>,
    caller: axum::Extension<Caller>,
    body: Result<axum::Json<TriggerBody>, JsonRejection>,
) -> ApiResult {
    let axum::Json(body) = body.map_err(|e| {
        err(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"job\": \"<name>\"}}: {}", e.body_text()),
        )
    })?;
    let started = match st
        .posture
        .start(&body.job, &format!("api:{}", caller.name))
        .await
    {
        Ok(s) => s,
        Err(StartError::UnknownJob(j)) => {
            return Err(err(StatusCode::NOT_FOUND, format!("unknown job {j:?}")));
        }
        Err(StartError::AlreadyRunning(j, id)) => {
            return Ok((StatusCode::CONFLICT, axum::Json(json!({"error": format!("job {j:?} is already running"), "status": 409, "run_id": id}))).into_response());
        }
        Err(StartError::Other(e)) => return Err(e.into()),
    };
    let run_id = started.run_id;
    let p = st.posture.clone();
    tokio::spawn(async move {
        p.execute(started).await;
    });
    Ok((StatusCode::ACCEPTED, axum::Json(json!({"run_id": run_id, "status": "running", "href": format!("/api/v1/runs/{run_id}")}))).into_response())
}

fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().map_err(|_| {
        err(
            StatusCode::BAD_REQUEST,
            format!("expected a numeric id, got {id:?}"),
        )
    })
}

async fn get_run(State(st): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id)?;
    let sql = format!("SELECT {} FROM run WHERE id = $1", RUN_COLS.join(", "));
    let rows = st
        .posture
        .store
        .fetch(&sql, args![id], &kinds(RUN_COLS))
        .await?;
    match rows_json(RUN_COLS, &rows).into_iter().next() {
        Some(r) => ok(r),
        None => Err(err(StatusCode::NOT_FOUND, format!("no run {id}"))),
    }
}

const RESULT_COLS: &[&str] = &[
    "id",
    "run_id",
    "control_id",
    "title",
    "section",
    "severity",
    "resource",
    "status",
    "reason",
    "account_id",
    "region",
    "change",
    "previous_status",
    "first_seen",
    "last_seen",
];

async fn run_results(
    State(st): State<ApiState>,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let id = parse_id(&id)?;
    let exists = st
        .posture
        .store
        .fetch("SELECT id FROM run WHERE id = $1", args![id], &[Col::Int])
        .await?;
    if exists.is_empty() {
        return Err(err(StatusCode::NOT_FOUND, format!("no run {id}")));
    }
    let sql = format!(
        "SELECT {} FROM control_result WHERE run_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR change = $3) AND ($4 IS NULL OR control_id = $4) ORDER BY id LIMIT $5",
        RESULT_COLS.join(", ")
    );
    let limit = q.limit.unwrap_or(100_000).clamp(1, 1_000_000);
    let rows = st
        .posture
        .store
        .fetch(
            &sql,
            args![
                id,
                q.status.clone(),
                q.change.clone(),
                q.control_id.clone(),
                limit
            ],
            &kinds(RESULT_COLS),
        )
        .await?;
    ok(json!({"run_id": id, "results": rows_json(RESULT_COLS, &rows)}))
}

const FINDING_COLS: &[&str] = &[
    "id",
    "job",
    "control_id",
    "resource",
    "title",
    "severity",
    "reason",
    "account_id",
    "region",
    "status",
    "first_seen",
    "last_seen",
    "resolved_at",
    "first_run_id",
    "last_run_id",
    "status_history",
];

async fn list_findings(State(st): State<ApiState>, Query(q): Query<ListQuery>) -> ApiResult {
    let sql = format!(
        "SELECT {} FROM finding WHERE ($1 IS NULL OR job = $1) AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR control_id = $3) ORDER BY id LIMIT $4",
        FINDING_COLS.join(", ")
    );
    let lim = q.limit.unwrap_or(100_000).clamp(1, 1_000_000);
    let rows = st
        .posture
        .store
        .fetch(
            &sql,
            args![q.job.clone(), q.status.clone(), q.control_id.clone(), lim],
            &kinds(FINDING_COLS),
        )
        .await?;
    let mut out = rows_json(FINDING_COLS, &rows);
    for f in &mut out {
        if let Some(h) = f
            .get("status_history")
            .and_then(Value::as_str)
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
        {
            f["status_history"] = h;
        }
    }
    ok(json!({"findings": out}))
}

const AR_COLS: &[&str] = &[
    "id",
    "principal",
    "grant_kind",
    "grant_value",
    "account_id",
    "justification",
    "requested_by",
    "status",
    "decided_by",
    "decided_at",
    "created_at",
    "updated_at",
];

async fn list_access_requests(State(st): State<ApiState>, Query(q): Query<ListQuery>) -> ApiResult {
    let sql = format!(
        "SELECT {} FROM access_request WHERE ($1 IS NULL OR status = $1) ORDER BY id LIMIT $2",
        AR_COLS.join(", ")
    );
    let rows = st
        .posture
        .store
        .fetch(&sql, args![q.status.clone(), limit(&q)], &kinds(AR_COLS))
        .await?;
    ok(json!({"access_requests": rows_json(AR_COLS, &rows)}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessRequestBody {
    principal: String,
    grant_kind: String,
    grant_value: String,
    account_id: Option<String>,
    justification: Option<String>,
}

async fn create_access_request(
    State(st): State<ApiState>,
    caller: axum::Extension<Caller>,
    body: Result<axum::Json<AccessRequestBody>, JsonRejection>,
) -> ApiResult {
    let axum::Json(b) = body.map_err(|e| {
        err(
            StatusCode::BAD_REQUEST,
            format!(
                "expected {{principal, grant_kind, grant_value, account_id?, justification?}}: {}",
                e.body_text()
            ),
        )
    })?;
    if !["policy", "group", "role"].contains(&b.grant_kind.as_str()) {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "grant_kind: expected policy, group or role",
        ));
    }
    if b.principal.trim().is_empty() || b.grant_value.trim().is_empty() {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "principal and grant_value must not be empty",
        ));
    }
    let at = now();
    let id = st
        .posture
        .store
        .insert(
            "INSERT INTO access_request (principal, grant_kind, grant_value, account_id, justification, requested_by, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7) RETURNING id",
            args![b.principal, b.grant_kind, b.grant_value, b.account_id, b.justification, caller.name.clone(), at],
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"id": id, "status": "pending"})),
    )
        .into_response())
}

async fn decide_access_request(
    State(st): State<ApiState>,
    caller: axum::Extension<Caller>,
    Path((id, decision)): Path<(String, String)>,
) -> ApiResult {
    let id = parse_id(&id)?;
    let rows = st
        .posture
        .store
        .fetch(
            "SELECT status, principal, grant_kind, grant_value, account_id FROM access_request WHERE id = $1",
            args![id],
            &[Col::Text, Col::Text, Col::Text, Col::Text, Col::Text],
        )
        .await?;
    let Some(r) = rows.first() else {
        return Err(err(
            StatusCode::NOT_FOUND,
            format!("no access request {id}"),
        ));
    };
    let status = r[0].text().unwrap_or_default().to_string();
    let at = now();
    let who = caller.name.clone();
    // Each decision moves one state to the next; everything else is a conflict.
    let (from, to) = match decision.as_str() {
        "approve" => ("pending", "approved"),
        "deny" => ("pending", "denied"),
        "revoke" => ("approved", "revoked"),
        other => {
            return Err(err(
                StatusCode::NOT_FOUND,
                format!("unknown decision {other:?}; expected approve, deny or revoke"),
            ));
        }
    };
    if status != from {
        return Err(err(
            StatusCode::CONFLICT,
            format!("access request {id} is {status}; {decision} needs {from}"),
        ));
    }
    let mut stmts = vec![Stmt::new(
        "UPDATE access_request SET status = $1, decided_by = $2, decided_at = $3, updated_at = $3 WHERE id = $4 AND status = $5",
        args![to, who, at.clone(), id, from],
    )];
    match to {
        "approved" => stmts.push(Stmt::new(
            "INSERT INTO desired_grant (principal, grant_kind, grant_value, account_id, source, access_request_id, status, created_at) \
             VALUES ($1, $2, $3, $4, 'access_request', $5, 'active', $6)",
            args![r[1].text(), r[2].text(), r[3].text(), r[4].text(), id, at.clone()],
        )),
        "revoked" => stmts.push(Stmt::new(
            "UPDATE desired_grant SET status = 'revoked', revoked_at = $1 WHERE access_request_id = $2 AND status = 'active'",
            args![at.clone(), id],
        )),
        _ => {}
    }
    st.posture.store.transaction(stmts).await?;
    ok(json!({"id": id, "status": to}))
}

const REM_COLS: &[&str] = &[
    "id",
    "drift_id",
    "run_id",
    "api_call",
    "parameters",
    "mode",
    "high_risk",
    "status",
    "result",
    "approved_by",
    "created_at",
    "updated_at",
];

async fn list_remediations(State(st): State<ApiState>, Query(q): Query<ListQuery>) -> ApiResult {
    let sql = format!(
        "SELECT {} FROM remediation_action WHERE ($1 IS NULL OR status = $1) ORDER BY id LIMIT $2",
        REM_COLS.join(", ")
    );
    let rows = st
        .posture
        .store
        .fetch(&sql, args![q.status.clone(), limit(&q)], &kinds(REM_COLS))
        .await?;
    ok(json!({"remediations": rows_json(REM_COLS, &rows)}))
}

async fn approve_remediation(
    State(st): State<ApiState>,
    caller: axum::Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let id = parse_id(&id)?;
    let n = st
        .posture
        .store
        .exec(
            "UPDATE remediation_action SET status = 'approved', approved_by = $1, updated_at = $2 WHERE id = $3 AND status = 'awaiting_approval'",
            args![caller.name.clone(), now(), id],
        )
        .await?;
    if n == 0 {
        return Err(err(
            StatusCode::CONFLICT,
            format!("remediation {id} does not exist or is not awaiting approval"),
        ));
    }
    let mode = st
        .posture
        .store
        .fetch(
            "SELECT mode FROM remediation_action WHERE id = $1",
            args![id],
            &[Col::Text],
        )
        .await?;
    if mode.first().and_then(|r| r[0].text()) == Some("auto_fix") {
        // Approved auto_fix actions are made now; the result is on the action.
        let status = st
            .posture
            .apply_action(id, &format!("api:{}", caller.name))
            .await?;
        return ok(json!({"id": id, "status": status}));
    }
    ok(json!({"id": id, "status": "approved"}))
}

async fn openapi() -> ApiResult {
    ok(openapi_document())
}

/// The OpenAPI 3.1 description of `/api/v1`.
pub fn openapi_document() -> Value {
    let err_resp = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let obj = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"type": "object"}}}});
    let id_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let q = |n: &str| json!({"name": n, "in": "query", "required": false, "schema": {"type": "string"}});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "pathwarden API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Runs of benchmarks and queries, their results and findings, access requests and remediations. Bearer tokens with roles reader, operator, admin."},
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/runs": {
                "get": {"summary": "List runs, newest first (reader)", "parameters": [q("job"), q("status"), q("limit")],
                        "responses": {"200": obj("{runs: [...]}"), "401": err_resp("bad or missing token")}},
                "post": {"summary": "Trigger a run of a job or a benchmark (operator)",
                         "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["job"], "properties": {"job": {"type": "string"}}}}}},
                         "responses": {"202": obj("{run_id, status, href}"), "400": err_resp("bad body"), "403": err_resp("role too weak"), "404": err_resp("unknown job"), "409": err_resp("the job is already running")}}
            },
            "/api/v1/runs/{id}": {"get": {"summary": "A run with its progress and counts (reader)", "parameters": [id_param.clone()],
                                          "responses": {"200": obj("run"), "404": err_resp("no such run")}}},
            "/api/v1/runs/{id}/results": {"get": {"summary": "Results of a run with their change since the previous run (reader)",
                                                  "parameters": [id_param.clone(), q("status"), q("change"), q("control_id"), q("limit")],
                                                  "responses": {"200": obj("{run_id, results: [...]}"), "404": err_resp("no such run")}}},
            "/api/v1/findings": {"get": {"summary": "Findings (alarms) with first/last seen and status history (reader)",
                                         "parameters": [q("job"), q("status"), q("control_id"), q("limit")], "responses": {"200": obj("{findings: [...]}")}}},
            "/api/v1/access-requests": {
                "get": {"summary": "Access requests (reader)", "parameters": [q("status"), q("limit")], "responses": {"200": obj("{access_requests: [...]}")}},
                "post": {"summary": "Request a grant (reader)",
                         "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["principal", "grant_kind", "grant_value"],
                             "properties": {"principal": {"type": "string"}, "grant_kind": {"enum": ["policy", "group", "role"]}, "grant_value": {"type": "string"},
                                            "account_id": {"type": "string"}, "justification": {"type": "string"}}}}}},
                         "responses": {"201": obj("{id, status}"), "400": err_resp("bad body")}}
            },
            "/api/v1/access-requests/{id}/{decision}": {"post": {"summary": "approve | deny (pending requests) or revoke (approved ones) (admin)",
                "parameters": [id_param.clone(), {"name": "decision", "in": "path", "required": true, "schema": {"enum": ["approve", "deny", "revoke"]}}],
                "responses": {"200": obj("{id, status}"), "403": err_resp("role too weak"), "404": err_resp("no such request"), "409": err_resp("wrong state")}}},
            "/api/v1/remediations": {"get": {"summary": "Remediation actions (reader)", "parameters": [q("status"), q("limit")], "responses": {"200": obj("{remediations: [...]}")}}},
            "/api/v1/remediations/{id}/approve": {"post": {"summary": "Approve a high-risk remediation (admin)", "parameters": [id_param],
                "responses": {"200": obj("{id, status}"), "409": err_resp("not awaiting approval")}}},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": obj("OpenAPI document")}}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error", "status"], "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_by_route() {
        assert_eq!(required_role(&Method::GET, "/api/v1/runs"), Role::Reader);
        assert_eq!(required_role(&Method::POST, "/api/v1/runs"), Role::Operator);
        assert_eq!(
            required_role(&Method::POST, "/api/v1/access-requests"),
            Role::Reader
        );
        assert_eq!(
            required_role(&Method::POST, "/api/v1/access-requests/1/approve"),
            Role::Admin
        );
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::Reader);
    }

    #[test]
    fn openapi_lists_every_route() {
        let d = openapi_document();
        for p in [
            "/api/v1/runs",
            "/api/v1/runs/{id}",
            "/api/v1/findings",
            "/api/v1/access-requests",
            "/api/v1/remediations",
        ] {
            assert!(d["paths"].get(p).is_some(), "{p}");
        }
    }
}
