//! The audit trail: every SQL statement and API call, who made it, from where,
//! how long it took, how many rows, and the error if any.

use chrono::{DateTime, Utc};

/// One audited action.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// When it started.
    pub time: DateTime<Utc>,
    /// `sql` or `api`.
    pub kind: String,
    /// Authenticated user (or the startup user name under trust).
    pub user: String,
    /// Client address.
    pub client_addr: String,
    /// Statement or `METHOD /path`, secrets redacted.
    pub action: String,
    /// Duration in milliseconds.
    pub duration_ms: i64,
    /// Rows returned.
    pub rows: Option<i64>,
    /// Error text.
    pub error: Option<String>,
}

/// Where audit events go.
pub trait AuditSink: Send + Sync {
    /// Record an event.
    fn record(&self, ev: AuditEvent);
}

/// Redact things that look like secrets in statement text (passwords, keys, tokens).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let lower = text.to_ascii_lowercase();
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let rest = &lower[i..];
        let hit = ["password", "secret", "token", "api_key", "access_key"]
            .iter()
            .find(|k| rest.starts_with(*k));
        if let Some(k) = hit {
            let start = i;
            out.push_str(&text[i..i + k.len()]);
            i += k.len();
            // A quoted key (`"token": "..."`): keep its closing quote, then mask the value.
            if start > 0
                && i < bytes.len()
                && (bytes[i] == b'"' || bytes[i] == b'\'')
                && bytes[start - 1] == bytes[i]
            {
                out.push(bytes[i] as char);
                i += 1;
            }
            // Keep separators, then mask the following quoted literal if any.
            while i < bytes.len()
                && (bytes[i] == b' ' || bytes[i] == b'=' || bytes[i] == b':' || bytes[i] == b'>')
            {
                out.push(bytes[i] as char);
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'\'' || bytes[i] == b'"') {
                let q = bytes[i];
                out.push(q as char);
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += 1;
                }
                out.push_str("***");
                if i < bytes.len() {
                    out.push(q as char);
                    i += 1;
                }
            }
            continue;
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Audit events as tracing log lines (target `pathwarden::audit`).
pub struct LogAudit;

impl AuditSink for LogAudit {
    fn record(&self, mut ev: AuditEvent) {
        ev.action = redact(&ev.action);
        tracing::info!(
            target: "pathwarden::audit",
            kind = %ev.kind,
            user = %ev.user,
            client = %ev.client_addr,
            duration_ms = ev.duration_ms,
            rows = ev.rows,
            error = ev.error.as_deref(),
            action = %ev.action,
            "audit"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_quoted_secrets() {
        let r = redact("select * from t where password = 'hunter2' and name = 'x'");
        assert!(!r.contains("hunter2"), "{r}");
        assert!(r.contains("name = 'x'"));
        let r = redact("{\"token\": \"abc\"}");
        assert!(!r.contains("abc"), "{r}");
    }
}
