//! HTTP: health and Prometheus metrics.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::engine::Engine;

/// State shared by HTTP handlers.
#[derive(Clone)]
pub struct HttpState {
    /// The engine.
    pub engine: Arc<Engine>,
}

async fn healthz() -> impl IntoResponse {
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})),
    )
}

async fn metrics(State(st): State<HttpState>) -> impl IntoResponse {
    let mut out = String::new();
    out.push_str("# HELP pathwarden_api_calls_total Provider API calls made.\n# TYPE pathwarden_api_calls_total counter\n");
    for (name, rt) in &st.engine.runtimes {
        out.push_str(&format!(
            "pathwarden_api_calls_total{{connection=\"{name}\"}} {}\n",
            rt.stats.api_calls.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP pathwarden_api_retries_total Throttled calls retried.\n# TYPE pathwarden_api_retries_total counter\n");
    for (name, rt) in &st.engine.runtimes {
        out.push_str(&format!(
            "pathwarden_api_retries_total{{connection=\"{name}\"}} {}\n",
            rt.stats.retries.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP pathwarden_cache_hits_total Cache hits.\n# TYPE pathwarden_cache_hits_total counter\n");
    for (name, rt) in &st.engine.runtimes {
        out.push_str(&format!(
            "pathwarden_cache_hits_total{{connection=\"{name}\"}} {}\n",
            rt.stats.cache_hits.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP pathwarden_cache_misses_total Cache misses.\n# TYPE pathwarden_cache_misses_total counter\n");
    for (name, rt) in &st.engine.runtimes {
        out.push_str(&format!(
            "pathwarden_cache_misses_total{{connection=\"{name}\"}} {}\n",
            rt.stats.cache_misses.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP pathwarden_audit_dropped_total Audit events not stored because the audit queue was full.\n# TYPE pathwarden_audit_dropped_total counter\n");
    out.push_str(&format!(
        "pathwarden_audit_dropped_total {}\n",
        crate::posture::audit::dropped_total()
    ));
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
}

/// The HTTP router.
pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
}
