//! The web console on `http_listen`: server-rendered pages (askama templates compiled into
//! the binary, static assets embedded), behind the same users, tokens and roles as the API.
//!
//! - A login exchanges a bearer token or a `[[user]]` password (checked against its SCRAM
//!   verifier) for a session cookie; without any token or user, loopback peers get an
//!   anonymous reader session when `server.trust_loopback` is on (the API's rule).
//! - Every response carries a strict Content-Security-Policy (no inline script or style,
//!   nothing from another origin); every POST must carry the session's CSRF token and must
//!   not come from another origin.
//! - Every request is in the audit log (kind `console`).

mod pages;
mod session;
pub mod views;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub use session::SessionInfo;
use session::{LOGIN_COOKIE, SESSION_COOKIE, Sessions, cookie, same_token, set_cookie};

use crate::audit::AuditEvent;
use crate::engine::Engine;
use crate::identity::Role;
use crate::pg::auth::ScramVerifier;
use crate::posture::api::ApiState;

/// The Content-Security-Policy of every console response.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Largest form body accepted (the SQL console's text included).
const MAX_FORM: usize = 256 * 1024;

/// State of the console handlers.
#[derive(Clone)]
pub struct ConsoleState {
    /// The API's state: runs, store, tokens, audit.
    pub api: ApiState,
    /// The engine (SQL, graph).
    pub engine: Arc<Engine>,
    /// `[[user]]` logins: name → (verifier, role).
    users: Arc<HashMap<String, (ScramVerifier, Role)>>,
    sessions: Arc<Sessions>,
    /// Cookies get `Secure` (the listener is not on loopback, so it is reached over TLS).
    secure_cookies: bool,
    /// Statement timeout of the SQL console.
    pub statement_timeout: Duration,
    /// Failed logins by client address (shared with the pgwire login).
    throttle: Arc<crate::throttle::LoginThrottle>,
    /// A verifier of a random password, checked for unknown user names so that a failed
    /// login takes as long whether the user exists or not.
    decoy: Arc<ScramVerifier>,
}

impl ConsoleState {
    /// Console state over the API's, with the `[[user]]` verifiers.
    pub fn new(
        api: ApiState,
        engine: Arc<Engine>,
        users: &[crate::config::UserConfig],
        secure_cookies: bool,
        statement_timeout: Option<Duration>,
        throttle: Arc<crate::throttle::LoginThrottle>,
    ) -> ConsoleState {
        let users = users
            .iter()
            .filter_map(|u| {
                ScramVerifier::parse(&u.password_hash)
                    .map(|v| (u.name.clone(), (v, Role::parse(&u.role))))
            })
            .collect();
        ConsoleState {
            api,
            engine,
            users: Arc::new(users),
            sessions: Arc::new(Sessions::default()),
            secure_cookies,
            throttle,
            decoy: Arc::new(ScramVerifier::generate(
                &session::random_token(),
                crate::pg::auth::DEFAULT_ITERATIONS,
            )),
            // The console's own bound: a page should not wait longer than this either.
            statement_timeout: statement_timeout
                .unwrap_or(Duration::from_secs(30))
                .min(Duration::from_secs(60)),
        }
    }

    fn anonymous_possible(&self) -> bool {
        !self.api.has_tokens() && self.users.is_empty()
    }
}

/// The console router (pages, static assets, login).
pub fn router(state: ConsoleState) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/benchmarks", get(pages::benchmarks))
        .route("/benchmarks/run", post(pages::start_run))
        .route("/runs/{id}", get(pages::run_detail))
        .route("/runs/{id}/report/{format}", get(pages::run_report))
        .route("/paths", get(pages::paths))
        .route("/paths/data", get(pages::paths_json))
        .route("/findings", get(pages::findings))
        .route("/decisions", get(pages::decisions))
        .route(
            "/decisions/access-requests/{id}/{decision}",
            post(pages::decide_access_request),
        )
        .route(
            "/decisions/remediations/{id}/approve",
            post(pages::approve_remediation),
        )
        .route("/sql", get(pages::sql_form).post(pages::sql_run))
        .route("/sql/csv", post(pages::sql_csv))
        .route("/static/console.css", get(css))
        .route("/static/console.js", get(js))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

const CSS: &str = include_str!("../../static/console.css");
const JS: &str = include_str!("../../static/console.js");

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        JS,
    )
        .into_response()
}

/// Headers every console response carries.
fn harden(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

/// Whether a state-changing request comes from our own pages: an `Origin` (when sent) that
/// names the `Host` the request was made to, and no `Sec-Fetch-Site` other than
/// same-origin (or none: typed by the user).
fn same_origin(req: &Request) -> bool {
    let h = req.headers();
    // Browsers set Sec-Fetch-Site themselves (page script cannot); when present it
    // decides. It matters because with `Referrer-Policy: no-referrer` a browser sends
    // `Origin: null` even on a same-origin form post.
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    match h.get(header::ORIGIN) {
        None => true,
        Some(o) => {
            let (Ok(origin), Some(host)) = (
                o.to_str(),
                h.get(header::HOST).and_then(|v| v.to_str().ok()),
            ) else {
                return false;
            };
            origin == format!("http://{host}") || origin == format!("https://{host}")
        }
    }
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// The CSRF field of a form body, and the request rebuilt with the body read.
async fn form_csrf(req: Request) -> Result<(String, Request), Response> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM).await.map_err(|_| {
        pages::error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the form is too large".into(),
        )
    })?;
    let probe = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    let csrf = match axum::Form::<CsrfField>::from_request(probe, &()).await {
        Ok(axum::Form(f)) => f.csrf,
        Err(_) => String::new(),
    };
    Ok((csrf, Request::from_parts(parts, Body::from(bytes))))
}

async fn guard(State(st): State<ConsoleState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.to_string())
        .unwrap_or_else(|| "unknown".into());
    let (user, mut resp) = admit(&st, req, next).await;
    harden(&mut resp);
    // Server-side time to answer (bench/console_bench.py reads it).
    if let Ok(v) = HeaderValue::from_str(&format!(
        "app;dur={:.2}",
        started.elapsed().as_secs_f64() * 1000.0
    )) {
        resp.headers_mut().insert("server-timing", v);
    }
    if !path.starts_with("/static/") {
        let status = resp.status();
        st.api.audit.record(AuditEvent {
            time: chrono::Utc::now(),
            kind: "console".into(),
            user,
            client_addr: client,
            action: format!("{method} {path}"),
            duration_ms: started.elapsed().as_millis() as i64,
            rows: None,
            error: (status.is_client_error() || status.is_server_error())
                .then(|| status.to_string()),
        });
    }
    resp
}

/// Authenticate, check origin and CSRF, run the handler. Returns (user for the audit log,
/// response).
async fn admit(st: &ConsoleState, mut req: Request, next: Next) -> (String, Response) {
    let path = req.uri().path().to_string();
    if path.starts_with("/static/") {
        return ("-".into(), next.run(req).await);
    }
    let post = req.method() == Method::POST;
    if post && !same_origin(&req) {
        return (
            "unauthenticated".into(),
            pages::error_page(
                StatusCode::FORBIDDEN,
                "cross-origin form submissions are refused".into(),
            ),
        );
    }
    let cookies = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if path == "/login" {
        if post {
            let (csrf, rebuilt) = match form_csrf(req).await {
                Ok(x) => x,
                Err(r) => return ("unauthenticated".into(), r),
            };
            let expected = cookie(&cookies, LOGIN_COOKIE).unwrap_or_default();
            if expected.is_empty() || !same_token(&csrf, expected) {
                return (
                    "unauthenticated".into(),
                    pages::error_page(
                        StatusCode::FORBIDDEN,
                        "the login form expired or was not ours (CSRF token mismatch); open the login page again".into(),
                    ),
                );
            }
            req = rebuilt;
        }
        return ("unauthenticated".into(), next.run(req).await);
    }
    let mut new_cookie = None;
    let session = match cookie(&cookies, SESSION_COOKIE).and_then(|id| st.sessions.get(id)) {
        Some(s) => s,
        None => {
            let anonymous = req
                .extensions()
                .get::<crate::http::AnonymousAllowed>()
                .is_some_and(|a| a.0);
            if st.anonymous_possible() && anonymous {
                let id = st.sessions.create("anonymous", Role::Reader);
                let s = st.sessions.get(&id);
                new_cookie = Some(id);
                match s {
                    Some(s) => s,
                    None => {
                        return (
                            "anonymous".into(),
                            pages::error_page(StatusCode::SERVICE_UNAVAILABLE, "no session".into()),
                        );
                    }
                }
            } else if post {
                return (
                    "unauthenticated".into(),
                    pages::error_page(
                        StatusCode::UNAUTHORIZED,
                        "log in first (your session may have expired)".into(),
                    ),
                );
            } else {
                return (
                    "unauthenticated".into(),
                    Redirect::to("/login").into_response(),
                );
            }
        }
    };
    if post {
        let (csrf, rebuilt) = match form_csrf(req).await {
            Ok(x) => x,
            Err(r) => return (session.user.clone(), r),
        };
        // A fresh anonymous session cannot have sent a form of ours.
        if new_cookie.is_some() || !same_token(&csrf, &session.csrf) {
            return (
                session.user.clone(),
                pages::error_page(
                    StatusCode::FORBIDDEN,
                    "CSRF token missing or wrong; reload the page and try again".into(),
                ),
            );
        }
        req = rebuilt;
    }
    let user = session.user.clone();
    req.extensions_mut().insert(session);
    let mut resp = next.run(req).await;
    if let Some(id) = new_cookie {
        if let Ok(v) =
            HeaderValue::from_str(&set_cookie(SESSION_COOKIE, &id, st.secure_cookies, None))
        {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    (user, resp)
}
