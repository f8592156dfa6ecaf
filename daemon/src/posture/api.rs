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

use super::drift::risk::PolicyCatalog;
use super::drift::{Grant, normalize_principal};
use super::runner::{Posture, StartError, rows_json};
use super::store::{Col, is_unique_violation, now};
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
pub struct ApiError(pub StatusCode, pub String);

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

pub(crate) type ApiResult = Result<Response, ApiError>;

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
    st.token_caller(token)
        .ok_or_else(|| err(StatusCode::UNAUTHORIZED, "invalid token"))
}

impl ApiState {
    /// The caller a bearer token belongs to, if it is one of the configured tokens.
    pub fn token_caller(&self, token: &str) -> Option<Caller> {
        let digest = Sha256::digest(token.as_bytes());
        let mut found = None;
        for (name, hash, role) in self.tokens.iter() {
            // Compare every token in constant time, so timing says nothing about which matched.
            if bool::from(digest.as_slice().ct_eq(hash)) && found.is_none() {
                found = Some(Caller {
                    name: name.clone(),
                    role: *role,
                });
            }
        }
        found
    }

    /// Whether any `[[token]]` is configured.
    pub fn has_tokens(&self) -> bool {
        !self.tokens.is_empty()
    }
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
                || *c == "approvals_required"
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
    "high_risk",
    "risk_reason",
    "approvals_required",
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
    let ids: Vec<i64> = rows.iter().filter_map(|r| r[0].int()).collect();
    let mut approvals: std::collections::BTreeMap<i64, Vec<Value>> = Default::default();
    if let (Some(lo), Some(hi)) = (ids.iter().min(), ids.iter().max()) {
        for a in st
            .posture
            .store
            .fetch(
                "SELECT access_request_id, approver, approved_at FROM access_request_approval WHERE access_request_id BETWEEN $1 AND $2 ORDER BY id",
                args![*lo, *hi],
                &[Col::Int, Col::Text, Col::Text],
            )
            .await?
        {
            if let Some(id) = a[0].int() {
                approvals
                    .entry(id)
                    .or_default()
                    .push(json!({"approver": a[1].json(), "approved_at": a[2].json()}));
            }
        }
    }
    let mut out = rows_json(AR_COLS, &rows);
    for r in &mut out {
        let id = r["id"].as_i64().unwrap_or(0);
        r["high_risk"] = Value::Bool(r["high_risk"].as_i64() == Some(1));
        r["approvals"] = Value::Array(approvals.remove(&id).unwrap_or_default());
    }
    ok(json!({"access_requests": out}))
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

/// The grant an access request asks for, in the shape of the desired state (principal
/// normalised, the account of a principal ARN when none is given): the identity that
/// the store keeps unique among active desired grants.
fn requested_grant(principal: &str, kind: &str, value: &str, account: Option<&str>) -> Grant {
    let (principal, from_arn) = normalize_principal(principal);
    Grant {
        principal,
        kind: kind.to_string(),
        value: value.to_string(),
        account_id: account
            .map(str::to_string)
            .filter(|a| !a.is_empty())
            .or(from_arn),
    }
}

/// Approvals a request needs: two different admins for a high-risk grant under the
/// two-person rule, one otherwise (never the requester).
fn approvals_required(high_risk: bool, two_person_rule: bool) -> i64 {
    if high_risk && two_person_rule { 2 } else { 1 }
}

/// The active desired grant with `g`'s identity, if any.
async fn active_grant(st: &ApiState, g: &Grant) -> Result<Option<i64>, ApiError> {
    let rows = st
        .posture
        .store
        .fetch(
            "SELECT id FROM desired_grant WHERE status = 'active' AND principal = $1 AND grant_kind = $2 AND grant_value = $3 AND COALESCE(account_id, '') = COALESCE($4, '')",
            args![g.principal.clone(), g.kind.clone(), g.value.clone(), g.account_id.clone()],
            &[Col::Int],
        )
        .await?;
    Ok(rows.first().and_then(|r| r[0].int()))
}

fn duplicate_grant(g: &Grant, existing: Option<i64>) -> ApiError {
    let which = existing
        .map(|id| format!(" (desired grant {id})"))
        .unwrap_or_default();
    err(
        StatusCode::CONFLICT,
        format!(
            "{} already holds {} {}{} in the desired state{which}",
            g.principal,
            g.kind,
            g.value,
            g.account_id
                .as_ref()
                .map(|a| format!(" in {a}"))
                .unwrap_or_default()
        ),
    )
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
    let grant = requested_grant(
        &b.principal,
        &b.grant_kind,
        &b.grant_value,
        b.account_id.as_deref(),
    );
    if let Some(existing) = active_grant(&st, &grant).await? {
        return Err(duplicate_grant(&grant, Some(existing)));
    }
    let risk = PolicyCatalog::load(&st.posture.engine, std::slice::from_ref(&grant))
        .await
        .grant_risk(&grant);
    let required = approvals_required(risk.is_high(), st.posture.two_person_rule);
    let at = now();
    let id = st
        .posture
        .store
        .insert(
            "INSERT INTO access_request (principal, grant_kind, grant_value, account_id, justification, requested_by, status, high_risk, risk_reason, approvals_required, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $10) RETURNING id",
            args![b.principal, b.grant_kind, b.grant_value, b.account_id, b.justification, caller.name.clone(), i64::from(risk.is_high()), risk.reason.clone(), required, at],
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"id": id, "status": "pending", "high_risk": risk.is_high(), "risk_reason": risk.reason, "approvals_required": required})),
    )
        .into_response())
}

/// A decision on an access request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Approve,
    Deny,
    Revoke,
}

impl Decision {
    fn parse(s: &str) -> Result<Decision, ApiError> {
        match s {
            "approve" => Ok(Decision::Approve),
            "deny" => Ok(Decision::Deny),
            "revoke" => Ok(Decision::Revoke),
            other => Err(err(
                StatusCode::NOT_FOUND,
                format!("unknown decision {other:?}; expected approve, deny or revoke"),
            )),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Deny => "deny",
            Decision::Revoke => "revoke",
        }
    }
    /// The state the request must be in.
    fn from(self) -> &'static str {
        match self {
            Decision::Approve | Decision::Deny => "pending",
            Decision::Revoke => "approved",
        }
    }
}

/// The 409 for a decision that lost: the request is no longer in the state it needs.
async fn state_conflict(st: &ApiState, id: i64, decision: Decision) -> ApiError {
    let status = st
        .posture
        .store
        .fetch(
            "SELECT status FROM access_request WHERE id = $1",
            args![id],
            &[Col::Text],
        )
        .await
        .ok()
        .and_then(|r| r.first().and_then(|r| r[0].text().map(str::to_string)))
        .unwrap_or_else(|| "gone".into());
    err(
        StatusCode::CONFLICT,
        format!(
            "access request {id} is {status}; {} needs {}",
            decision.name(),
            decision.from()
        ),
    )
}

/// Approve, deny or revoke. Each decision is one transaction whose first statement is a
/// conditional update of the request (`WHERE status = <the state it needs>`): of decisions
/// racing on one request exactly one finds it in that state, the others get 409. The
/// desired grant is written or revoked in the same transaction, so a denied request never
/// leaves a grant behind.
pub(crate) async fn decide_access_request(
    State(st): State<ApiState>,
    caller: axum::Extension<Caller>,
    Path((id, decision)): Path<(String, String)>,
) -> ApiResult {
    let id = parse_id(&id)?;
    let decision = Decision::parse(&decision)?;
    let rows = st
        .posture
        .store
        .fetch(
            "SELECT principal, grant_kind, grant_value, account_id, requested_by, high_risk, risk_reason FROM access_request WHERE id = $1",
            args![id],
            &[Col::Text, Col::Text, Col::Text, Col::Text, Col::Text, Col::Int, Col::Text],
        )
        .await?;
    let Some(r) = rows.first() else {
        return Err(err(
            StatusCode::NOT_FOUND,
            format!("no access request {id}"),
        ));
    };
    let text = |i: usize| r[i].text().unwrap_or_default().to_string();
    let requested_by = text(4);
    if decision != Decision::Revoke && requested_by == caller.name {
        return Err(err(
            StatusCode::FORBIDDEN,
            format!(
                "{} filed access request {id} and may not {} it; another admin must decide",
                caller.name,
                decision.name()
            ),
        ));
    }
    let at = now();
    let who = caller.name.clone();
    match decision {
        Decision::Deny => {
            let n = st
                .posture
                .store
                .exec(
                    "UPDATE access_request SET status = 'denied', decided_by = $1, decided_at = $2, updated_at = $2 WHERE id = $3 AND status = 'pending'",
                    args![who, at, id],
                )
                .await?;
            if n == 0 {
                return Err(state_conflict(&st, id, decision).await);
            }
            ok(json!({"id": id, "status": "denied"}))
        }
        Decision::Revoke => {
            let mut tx = st.posture.store.begin().await?;
            let n = tx
                .exec(
                    "UPDATE access_request SET status = 'revoked', decided_by = $1, decided_at = $2, updated_at = $2 WHERE id = $3 AND status = 'approved'",
                    args![who, at.clone(), id],
                )
                .await?;
            if n == 0 {
                tx.rollback().await?;
                return Err(state_conflict(&st, id, decision).await);
            }
            let revoked: Vec<Grant> = tx
                .fetch(
                    "SELECT principal, grant_kind, grant_value, account_id FROM desired_grant WHERE access_request_id = $1 AND status = 'active'",
                    args![id],
                    &[Col::Text, Col::Text, Col::Text, Col::Text],
                )
                .await?
                .into_iter()
                .map(|g| Grant {
                    principal: g[0].text().unwrap_or_default().to_string(),
                    kind: g[1].text().unwrap_or_default().to_string(),
                    value: g[2].text().unwrap_or_default().to_string(),
                    account_id: g[3].text().map(str::to_string),
                })
                .collect();
            tx.exec(
                "UPDATE desired_grant SET status = 'revoked', revoked_at = $1 WHERE access_request_id = $2 AND status = 'active'",
                args![at, id],
            )
            .await?;
            // The desired-state file may give the same grant: its copy takes over.
            super::drift::unshadow(&mut tx, &revoked).await?;
            tx.commit().await?;
            ok(json!({"id": id, "status": "revoked"}))
        }
        Decision::Approve => {
            let grant = requested_grant(&text(0), &text(1), &text(2), r[3].text());
            // Judged again now: the grant's policies may have changed since the request.
            let fresh = PolicyCatalog::load(&st.posture.engine, std::slice::from_ref(&grant))
                .await
                .grant_risk(&grant);
            let stored_high = r[5].int() == Some(1);
            let high = stored_high || fresh.is_high();
            let reason = if fresh.is_high() || !stored_high {
                fresh.reason
            } else {
                text(6)
            };
            let required = approvals_required(high, st.posture.two_person_rule);
            approve(&st, id, &who, &grant, high, &reason, required).await
        }
    }
}

async fn approve(
    st: &ApiState,
    id: i64,
    who: &str,
    grant: &Grant,
    high: bool,
    reason: &str,
    required: i64,
) -> ApiResult {
    let at = now();
    let mut tx = st.posture.store.begin().await?;
    // Claims the request: the row lock (PostgreSQL) or the write lock (SQLite) makes every
    // other decision on it wait for this transaction, then find what it left.
    let n = tx
        .exec(
            "UPDATE access_request SET updated_at = $1, high_risk = $2, risk_reason = $3, approvals_required = $4 WHERE id = $5 AND status = 'pending'",
            args![at.clone(), i64::from(high), reason, required, id],
        )
        .await?;
    if n == 0 {
        tx.rollback().await?;
        return Err(state_conflict(st, id, Decision::Approve).await);
    }
    let n = tx
        .exec(
            "INSERT INTO access_request_approval (access_request_id, approver, approved_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            args![id, who, at.clone()],
        )
        .await?;
    if n == 0 {
        tx.rollback().await?;
        return Err(err(
            StatusCode::CONFLICT,
            format!(
                "{who} already approved access request {id}; it needs the approval of another admin"
            ),
        ));
    }
    let approvers: Vec<String> = tx
        .fetch(
            "SELECT approver FROM access_request_approval WHERE access_request_id = $1 ORDER BY id",
            args![id],
            &[Col::Text],
        )
        .await?
        .into_iter()
        .filter_map(|r| r[0].text().map(str::to_string))
        .collect();
    if (approvers.len() as i64) < required {
        tx.commit().await?;
        return Ok((
            StatusCode::ACCEPTED,
            axum::Json(json!({"id": id, "status": "pending", "approvals": approvers, "approvals_required": required, "high_risk": high, "risk_reason": reason})),
        )
            .into_response());
    }
    tx.exec(
        "UPDATE access_request SET status = 'approved', decided_by = $1, decided_at = $2, updated_at = $2 WHERE id = $3 AND status = 'pending'",
        args![approvers.join(", "), at.clone(), id],
    )
    .await?;
    let inserted = tx
        .exec(
            "INSERT INTO desired_grant (principal, grant_kind, grant_value, account_id, source, access_request_id, status, created_at) \
             VALUES ($1, $2, $3, $4, 'access_request', $5, 'active', $6)",
            args![grant.principal.clone(), grant.kind.clone(), grant.value.clone(), grant.account_id.clone(), id, at],
        )
        .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            tx.rollback().await?;
            return Err(duplicate_grant(grant, active_grant(st, grant).await?));
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    ok(
        json!({"id": id, "status": "approved", "approvals": approvers, "approvals_required": required, "high_risk": high}),
    )
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

/// Approve a remediation awaiting approval: one conditional update, so of racing
/// approvals exactly one wins (and makes an auto_fix call); the others get 409.
pub(crate) async fn approve_remediation(
    State(st): State<ApiState>,
    caller: axum::Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let id = parse_id(&id)?;
    let won = st
        .posture
        .store
        .fetch(
            "UPDATE remediation_action SET status = 'approved', approved_by = $1, updated_at = $2 WHERE id = $3 AND status = 'awaiting_approval' RETURNING mode",
            args![caller.name.clone(), now(), id],
            &[Col::Text],
        )
        .await?;
    let Some(mode) = won
        .first()
        .map(|r| r[0].text().unwrap_or_default().to_string())
    else {
        let status = st
            .posture
            .store
            .fetch(
                "SELECT status FROM remediation_action WHERE id = $1",
                args![id],
                &[Col::Text],
            )
            .await?;
        return Err(match status.first().and_then(|r| r[0].text()) {
            None => err(StatusCode::NOT_FOUND, format!("no remediation {id}")),
            Some(s) => err(
                StatusCode::CONFLICT,
                format!("remediation {id} is {s}; approve needs awaiting_approval"),
            ),
        });
    };
    if mode == "auto_fix" {
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
                         "responses": {"201": obj("{id, status, high_risk, risk_reason, approvals_required}"), "400": err_resp("bad body"), "409": err_resp("the grant is already desired")}}
            },
            "/api/v1/access-requests/{id}/{decision}": {"post": {"summary": "approve | deny (pending requests) or revoke (approved ones) (admin; not the requester). A high-risk request under the two-person rule needs two admins' approvals: the first gets 202.",
                "parameters": [id_param.clone(), {"name": "decision", "in": "path", "required": true, "schema": {"enum": ["approve", "deny", "revoke"]}}],
                "responses": {"200": obj("{id, status, approvals?}"), "202": obj("{id, status: pending, approvals, approvals_required}: one more admin must approve"),
                              "403": err_resp("role too weak, or the caller filed the request"), "404": err_resp("no such request"),
                              "409": err_resp("another decision won, the caller already approved, or the grant is already desired")}}},
            "/api/v1/remediations": {"get": {"summary": "Remediation actions (reader)", "parameters": [q("status"), q("limit")], "responses": {"200": obj("{remediations: [...]}")}}},
            "/api/v1/remediations/{id}/approve": {"post": {"summary": "Approve a high-risk remediation (admin)", "parameters": [id_param],
                "responses": {"200": obj("{id, status}"), "404": err_resp("no such remediation"), "409": err_resp("not awaiting approval (another approval won)")}}},
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
