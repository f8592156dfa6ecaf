//! The audit trail: every SQL statement and API call, who made it, from where,
//! how long it took, how many rows, and the error if any.
//!
//! Every event is masked ([`mask_event`]) by the sinks themselves, before it is logged or
//! stored, so no caller can forget it.
//!
//! Masking policy: string literals that look like secrets are replaced by `***`; other
//! literals are kept. Stripping every literal to a placeholder would be simpler, but it
//! would throw away what an auditor needs most: which principal, ARN or account a query
//! looked at (`where arn = '...'`). The check is made per literal by a lexer that knows
//! PostgreSQL's quoting (`'...'` with `''`, `E'...'` with backslash escapes, `$tag$...$tag$`,
//! `"identifiers"`, `--` and nested `/* */` comments), so quoting tricks cannot hide a
//! literal from it, and a literal is masked as a whole when:
//! - it contains a secret-shaped value (AWS access key ids `AKIA...`/`ASIA...`, 40+ character
//!   base64 runs like AWS secret keys, `sk-...` API keys, SCRAM verifiers, bearer tokens,
//!   JWTs), or
//! - it follows a secret-named column or argument (`password = '...'`,
//!   `token => '...'`, `api_key in ('...')`), or
//! - it contains `password=...`/`"token": ...` style assignments (JSON, DSNs).
//!
//! Code outside literals, comments and quoted identifiers are masked span by span with the
//! same secret shapes. An unterminated literal or comment is masked to the end. Error texts
//! are masked too, including any literal of the statement that they echo.

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

/// What a masked secret is replaced with.
pub const MASK: &str = "***";

/// Names whose values are secrets: a literal right after one of them, or an assignment to
/// one of them inside a literal or comment, is masked.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "credential",
    "authorization",
];

/// Words that may sit between a secret-named column and its literal (`password in ('x')`,
/// `secret like 'x%'`, `token is not distinct from 'x'`, `cast(password as text) = 'x'`).
const CONNECTIVES: &[&str] = &[
    "in", "like", "ilike", "not", "is", "to", "distinct", "from", "similar", "any", "all", "array",
    "as", "text", "varchar", "char", "string", "bytea",
];

/// Columns named like secrets that hold none (`password_last_used`, `secret_arn`): a
/// literal compared with them is kept unless it looks like a secret itself.
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "_last_used",
    "_last_used_date",
    "_last_changed",
    "_enabled",
    "_reset_required",
    "_next_rotation",
    "_age",
    "_count",
    "_status",
    "_date",
    "_at",
    "_arn",
    "_name",
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Mask one event's statement and error text (see the module documentation).
pub fn mask_event(mut ev: AuditEvent) -> AuditEvent {
    let (action, masked) = if ev.kind == "sql" {
        mask_sql_collect(&ev.action)
    } else {
        (mask_text(&ev.action), Vec::new())
    };
    ev.action = action;
    ev.error = ev.error.map(|e| {
        let mut e = e;
        // Errors may quote a literal of the statement ("cannot cast 'AKIA...'"); whatever
        // was masked in the statement is masked there too, as written and unescaped.
        for lit in &masked {
            for form in [lit.clone(), lit.replace("''", "'")] {
                if form.len() >= 3 {
                    e = e.replace(&form, MASK);
                }
            }
        }
        mask_text(&e)
    });
    ev
}

/// Mask secret-looking literals in SQL text.
#[cfg(test)]
pub fn mask_sql(sql: &str) -> String {
    mask_sql_collect(sql).0
}

/// [`mask_sql`], also returning the bodies of the literals that were masked.
fn mask_sql_collect(sql: &str) -> (String, Vec<String>) {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut masked = Vec::new();
    // The column or argument a literal is compared with or passed to.
    let mut subject = Subject::default();
    let mut code_start = 0;
    let mut i = 0;
    // Flush the code between `from` and `to`, following its words and parentheses.
    let flush_code = |out: &mut String, subject: &mut Subject, from: usize, to: usize| {
        if from >= to {
            return;
        }
        let code = &sql[from..to];
        out.push_str(&mask_text(code));
        subject.follow(code);
    };
    while i < b.len() {
        let c = b[i];
        // -- comment to end of line
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            flush_code(&mut out, &mut subject, code_start, i);
            let end = sql[i..].find('\n').map(|p| i + p).unwrap_or(b.len());
            out.push_str(&mask_text(&sql[i..end]));
            i = end;
            code_start = i;
            continue;
        }
        // /* nested */ comment
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            flush_code(&mut out, &mut subject, code_start, i);
            let mut depth = 0usize;
            let mut j = i;
            let mut end = None;
            while j < b.len() {
                if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                    depth += 1;
                    j += 2;
                } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        end = Some(j);
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            match end {
                Some(end) => {
                    out.push_str(&mask_text(&sql[i..end]));
                    i = end;
                }
                None => {
                    out.push_str("/*");
                    out.push_str(MASK);
                    masked.push(sql[i + 2..].to_string());
                    i = b.len();
                }
            }
            code_start = i;
            continue;
        }
        // "quoted identifier"
        if c == b'"' {
            flush_code(&mut out, &mut subject, code_start, i);
            let (end, closed) = scan_quoted(b, i + 1, b'"', false);
            let body = &sql[i + 1..end];
            out.push('"');
            if closed {
                out.push_str(&mask_text(body));
                out.push('"');
                subject.set(body.to_ascii_lowercase());
                i = end + 1;
            } else {
                out.push_str(MASK);
                masked.push(body.to_string());
                i = b.len();
            }
            code_start = i;
            continue;
        }
        // 'string', E'string', $tag$string$tag$
        let dollar_tag = if c == b'$' { dollar_tag(sql, i) } else { None };
        if c == b'\'' || dollar_tag.is_some() {
            let escapes = c == b'\''
                && i > 0
                && (b[i - 1] == b'e' || b[i - 1] == b'E')
                && (i < 2 || !is_word_byte(b[i - 2]));
            flush_code(&mut out, &mut subject, code_start, i);
            let (open, body_start, body_end, close_end, closed) = match dollar_tag {
                Some(tag) => {
                    let body_start = i + tag.len();
                    match sql[body_start..].find(tag) {
                        Some(p) => (
                            tag,
                            body_start,
                            body_start + p,
                            body_start + p + tag.len(),
                            true,
                        ),
                        None => (tag, body_start, b.len(), b.len(), false),
                    }
                }
                None => {
                    let (end, closed) = scan_quoted(b, i + 1, b'\'', escapes);
                    (
                        "'",
                        i + 1,
                        end,
                        if closed { end + 1 } else { b.len() },
                        closed,
                    )
                }
            };
            let body = &sql[body_start..body_end];
            let secret_subject = subject.is_secret();
            out.push_str(open);
            if !closed || secret_subject || looks_secret(body) {
                out.push_str(MASK);
                masked.push(body.to_string());
            } else {
                out.push_str(body);
            }
            if closed {
                out.push_str(open);
            }
            i = close_end;
            code_start = i;
            continue;
        }
        i += 1;
    }
    flush_code(&mut out, &mut subject, code_start, b.len());
    (out, masked)
}

/// The last word of code before a literal that is not a connective, while it still
/// applies: a comma at its own nesting level or outside it ends it (`password = 'x', 'y'`,
/// `f(token => 'x'), 'y'`); `password in ('a', 'b')` keeps it for both.
#[derive(Default)]
struct Subject {
    word: String,
    word_depth: i32,
    depth: i32,
}

impl Subject {
    fn set(&mut self, word: String) {
        self.word = word;
        self.word_depth = self.depth;
    }

    fn follow(&mut self, code: &str) {
        let cb = code.as_bytes();
        let mut j = 0;
        while j < cb.len() {
            match cb[j] {
                b'(' | b'[' => self.depth += 1,
                b')' | b']' => {
                    // `lower(password) = 'x'`: the word still applies after its call.
                    self.depth -= 1;
                    self.word_depth = self.word_depth.min(self.depth);
                }
                b',' | b';' if self.depth <= self.word_depth => self.word.clear(),
                c if is_word_byte(c) => {
                    let s = j;
                    while j < cb.len() && (is_word_byte(cb[j]) || cb[j] == b'.') {
                        j += 1;
                    }
                    let w = code[s..j].to_ascii_lowercase();
                    if !CONNECTIVES.contains(&w.as_str()) {
                        self.set(w);
                    }
                    continue;
                }
                _ => {}
            }
            j += 1;
        }
    }

    fn is_secret(&self) -> bool {
        SECRET_WORDS.iter().any(|w| self.word.contains(w))
            && !NOT_SECRET_SUFFIXES.iter().any(|s| self.word.ends_with(s))
    }
}

/// From `start` (just after the opening quote), the index of the closing `quote` and
/// whether there was one; doubled quotes (and with `escapes`, backslashed characters)
/// are part of the body.
fn scan_quoted(b: &[u8], start: usize, quote: u8, escapes: bool) -> (usize, bool) {
    let mut j = start;
    while j < b.len() {
        if escapes && b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == quote {
            if b.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return (j, true);
        }
        j += 1;
    }
    (b.len(), false)
}

/// `$$` or `$tag$` starting at `i` (not a `$1` parameter, not inside a word).
fn dollar_tag(sql: &str, i: usize) -> Option<&str> {
    let b = sql.as_bytes();
    if i > 0 && (is_word_byte(b[i - 1]) || b[i - 1] == b'$') {
        return None;
    }
    let mut j = i + 1;
    if b.get(j).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    while j < b.len() && is_word_byte(b[j]) {
        j += 1;
    }
    (b.get(j) == Some(&b'$')).then(|| &sql[i..=j])
}

/// Whether a literal's text is, or contains, a secret.
pub fn looks_secret(body: &str) -> bool {
    !secret_spans(body).is_empty() || has_secret_assignment(body)
}

/// `password=...`, `"token": ...`, `secret => ...` inside a text.
fn has_secret_assignment(text: &str) -> bool {
    !assignment_spans(text).is_empty()
}

/// Byte ranges of the values assigned to secret names in free text.
fn assignment_spans(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let b = text.as_bytes();
    let mut spans = Vec::new();
    for w in SECRET_WORDS {
        let mut from = 0;
        while let Some(p) = lower[from..].find(w) {
            let start = from + p;
            let mut j = start + w.len();
            from = j;
            // The rest of the name (`secret_access_key`, `token"`).
            while j < b.len() && is_word_byte(b[j]) {
                j += 1;
            }
            let mut assigned = false;
            while j < b.len()
                && matches!(
                    b[j],
                    b' ' | b'\t' | b'"' | b'\'' | b'=' | b':' | b'>' | b'\\'
                )
            {
                assigned |= matches!(b[j], b'=' | b':');
                j += 1;
            }
            if !assigned || j >= b.len() {
                continue;
            }
            // The value: up to a delimiter.
            let v = j;
            while j < b.len()
                && !matches!(
                    b[j],
                    b' ' | b'\t' | b'\n' | b'"' | b'\'' | b',' | b';' | b'}' | b')' | b'&'
                )
            {
                j += 1;
            }
            if j > v {
                spans.push((v, j));
            }
        }
    }
    spans
}

/// Byte ranges of secret-shaped values in `text`.
fn secret_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let boundary = |i: usize| i == 0 || !b[i - 1].is_ascii_alphanumeric();
    let run = |from: usize, ok: fn(u8) -> bool| {
        let mut j = from;
        while j < b.len() && ok(b[j]) {
            j += 1;
        }
        j
    };
    let mut i = 0;
    let mut b64_checked = 0;
    while i < b.len() {
        let rest = &b[i..];
        // AWS access key ids: long-term (AKIA), temporary (ASIA) and others.
        if boundary(i)
            && ["AKIA", "ASIA", "ABIA", "ACCA"]
                .iter()
                .any(|p| rest.starts_with(p.as_bytes()))
        {
            let end = run(i, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if end - i >= 16 {
                spans.push((i, end));
                i = end;
                continue;
            }
        }
        // API keys: sk-..., sk-proj-..., sk-ant-...
        if boundary(i) && rest.starts_with(b"sk-") {
            let end = run(i + 3, |c| {
                c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
            });
            if end - (i + 3) >= 16 {
                spans.push((i, end));
                i = end;
                continue;
            }
        }
        // SCRAM verifiers: keep the scheme, mask salt and keys.
        if rest.starts_with(b"SCRAM-SHA-256$") {
            let v = i + "SCRAM-SHA-256$".len();
            let end = run(v, |c| !c.is_ascii_whitespace() && c != b'\'' && c != b'"');
            spans.push((v, end));
            i = end;
            continue;
        }
        // Bearer tokens.
        if boundary(i) && rest.len() > 7 && rest[..7].eq_ignore_ascii_case(b"bearer ") {
            let v = run(i + 7, |c| c == b' ');
            let end = run(v, |c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-')
            });
            if end - v >= 8 {
                spans.push((v, end));
                i = end;
                continue;
            }
        }
        // JWTs.
        if boundary(i) && rest.starts_with(b"eyJ") {
            let end = run(i, |c| {
                c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-')
            });
            if end - i >= 20 && b[i..end].iter().filter(|&&c| c == b'.').count() >= 2 {
                spans.push((i, end));
                i = end;
                continue;
            }
        }
        // Base64 runs as long as an AWS secret access key (40) or longer, mixing upper case,
        // lower case and digits (as 99.9% of random 40-character keys do; long words, hex
        // digests and ARN paths like `role/AWSServiceRoleForAmazonElasticsearchService`
        // are left alone).
        if i >= b64_checked
            && boundary(i)
            && (b[i].is_ascii_alphanumeric() || b[i] == b'+' || b[i] == b'/')
        {
            let end = run(i, |c| {
                c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')
            });
            // No part of a run that does not qualify does; other shapes may still start
            // inside it (`runs/sk-...`), after its first word.
            b64_checked = end;
            if end - i >= 40 {
                let s = &b[i..end];
                let classes = [
                    s.iter().any(u8::is_ascii_uppercase),
                    s.iter().any(u8::is_ascii_lowercase),
                    s.iter().any(u8::is_ascii_digit),
                ]
                .iter()
                .filter(|&&x| x)
                .count();
                if classes == 3 {
                    spans.push((i, end));
                    i = end;
                    continue;
                }
            }
            i = run(i, |c| c.is_ascii_alphanumeric()).max(i + 1);
            continue;
        }
        i += 1;
    }
    spans
}

/// Mask secret-shaped values and values assigned to secret names in free text (API paths,
/// error messages, comments, code between literals).
pub fn mask_text(text: &str) -> String {
    let mut spans = secret_spans(text);
    spans.extend(assignment_spans(text));
    if spans.is_empty() {
        return text.to_string();
    }
    spans.sort();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e) in spans {
        if e <= at {
            continue;
        }
        let s = s.max(at);
        // Spans start and end at ASCII bytes, so these are char boundaries; check anyway.
        if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(MASK);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

/// Audit events as tracing log lines (target `pathwarden::audit`).
pub struct LogAudit;

impl LogAudit {
    /// Log an event that is already masked.
    pub(crate) fn emit(&self, ev: &AuditEvent) {
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

impl AuditSink for LogAudit {
    fn record(&self, ev: AuditEvent) {
        self.emit(&mask_event(ev));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const SK: &str = "sk-proj-4f9aB3cD5eF6gH7iJ8kL9mN0";
    const SCRAM: &str = "SCRAM-SHA-256$4096:c2FsdHNhbHQ=$c3RvcmVka2V5c3RvcmVka2V5:c2VydmVya2V5";

    fn clean(masked: &str, secrets: &[&str]) {
        for s in secrets {
            assert!(!masked.contains(s), "{s:?} left in {masked:?}");
        }
    }

    #[test]
    fn secret_shaped_literals_are_masked_and_others_kept() {
        let sql = format!(
            "select * from aws_iam_access_key where access_key_id = '{AKID}' and user_name = 'alice' and x = '{SECRET_KEY}' or y = '{SK}' or z = '{SCRAM}' or w = 'Bearer abcdefghijklmnop'"
        );
        let m = mask_sql(&sql);
        clean(
            &m,
            &[AKID, SECRET_KEY, SK, "c2FsdHNhbHQ", "abcdefghijklmnop"],
        );
        assert!(m.contains("user_name = 'alice'"), "{m}");
        assert!(m.contains("access_key_id = '***'"), "{m}");
        // Temporary keys too.
        let m = mask_sql("select 'ASIAY34FZKBOKMUTVV7A' as k");
        assert_eq!(m, "select '***' as k");
    }

    #[test]
    fn literals_after_secret_names_are_masked() {
        let m = mask_sql("select * from t where password = 'hunter2' and name = 'x'");
        assert_eq!(m, "select * from t where password = '***' and name = 'x'");
        let m = mask_sql("select f(api_token => 'abc'), g(\"Secret\" in ('p1', 'p2'))");
        clean(&m, &["abc", "p1", "p2"]);
        let m = mask_sql("select * from t where secret_value not like 'hunter%'");
        clean(&m, &["hunter"]);
        let m = mask_sql(
            "select * from t where lower(password) = 'pw1' and cast(token as varchar) = 'tk1'",
        );
        clean(&m, &["pw1", "tk1"]);
        // The secret name stops applying after a comma at its level.
        let m = mask_sql("select f(token => 'tk2'), 'kept' from t");
        assert_eq!(m, "select f(token => '***'), 'kept' from t");
        // JSON and DSN literals with secret keys.
        let m = mask_sql(r#"select '{"token": "abc123"}'::json, 'postgres://u?password=pw123' "#);
        clean(&m, &["abc123", "pw123"]);
    }

    #[test]
    fn quoting_tricks_do_not_hide_secrets() {
        // Doubled quotes inside a literal: the literal still ends at the right place.
        let m = mask_sql(&format!("select 'it''s' , password = 'a''b''{AKID}', 'ok'"));
        clean(&m, &[AKID, "a''b"]);
        assert!(m.contains("'it''s'") && m.ends_with("'ok'"), "{m}");
        // E-strings with backslash-escaped quotes.
        let m = mask_sql(&format!(r"select E'x\'{AKID}\'' as k, 'ok'"));
        clean(&m, &[AKID]);
        assert!(m.ends_with("'ok'"), "{m}");
        // Dollar quoting, with and without a tag; `$1` parameters are not dollar quotes.
        let m = mask_sql(&format!("select $${SK}$$, $t$ 'x' {SECRET_KEY} $t$, $1"));
        clean(&m, &[SK, SECRET_KEY]);
        assert!(
            m.contains("$$***$$") && m.contains("$t$***$t$") && m.ends_with("$1"),
            "{m}"
        );
        let m = mask_sql("select $k$hunter2$k$ as password, secret($q$pw$q$)");
        clean(&m, &["pw$"]);
        // Comments: line and nested block comments, with secrets and quotes inside.
        let m = mask_sql(&format!(
            "select 1 -- it's {AKID}\n, 2 /* outer /* inner ' */ password: hunter2 {SK} */ , 'ok'"
        ));
        clean(&m, &[AKID, SK, "hunter2"]);
        assert!(m.ends_with(", 'ok'"), "{m}");
        // Quoted identifiers holding a quote or a secret.
        let m = mask_sql(&format!("select 1 as \"a'b\", '{AKID}' as \"{SK}\""));
        clean(&m, &[AKID, SK]);
        assert!(m.contains("\"a'b\""), "{m}");
        // Unterminated literal or comment: masked to the end.
        let m = mask_sql("select 'hunter2 is my");
        assert_eq!(m, "select '***");
        let m = mask_sql("select 1 /* password hunter2");
        clean(&m, &["hunter2"]);
        // Secrets outside literals (a typo, an identifier) are masked by shape.
        let m = mask_sql(&format!("select {AKID} from t"));
        clean(&m, &[AKID]);
        // Multi-byte text around literals survives.
        let m = mask_sql("select 'héllo' || '✓', password = 'ünïcode'");
        assert_eq!(m, "select 'héllo' || '✓', password = '***'");
    }

    #[test]
    fn plain_values_are_not_masked() {
        for sql in [
            "select * from aws_iam_role where arn = 'arn:aws:iam::123456789012:role/service-role/ec2-ssm'",
            "select count(*) from t where n > 10 and s = 'AKIA'",
            "select 'AROAEXAMPLEID1234567' as role_id",
            "select token_count from t",
            "select * from aws_iam_policy where arn = 'arn:aws:iam::aws:policy/aws-service-role/AWSServiceRoleForAmazonElasticsearchService'",
            "select * from aws_iam_user where password_last_used > '2024-01-01' and password_enabled = 'true'",
            "select * from aws_iam_user where name = 'a', x = 'b'",
        ] {
            assert_eq!(mask_sql(sql), sql);
        }
    }

    #[test]
    fn events_are_masked_in_action_and_error() {
        let ev = mask_event(AuditEvent {
            time: Utc::now(),
            kind: "sql".into(),
            user: "u".into(),
            client_addr: "c".into(),
            action: "select cast(password as int) from t where password = 'hunter2x'".into(),
            duration_ms: 0,
            rows: None,
            error: Some(format!(
                "Cannot cast string 'hunter2x' to Int64; also {AKID} and token=abc"
            )),
        });
        assert!(!ev.action.contains("hunter2x"), "{}", ev.action);
        let e = ev.error.unwrap_or_default();
        clean(&e, &["hunter2x", AKID, "abc"]);
        // API actions and other kinds: free-text masking.
        let ev = mask_event(AuditEvent {
            time: Utc::now(),
            kind: "api".into(),
            user: "u".into(),
            client_addr: "c".into(),
            action: format!("GET /api/v1/runs/{SK}"),
            duration_ms: 0,
            rows: None,
            error: None,
        });
        clean(&ev.action, &[SK]);
        let t = mask_text("{\"token\": \"abc\"}");
        assert!(!t.contains("abc"), "{t}");
    }
}
