//! The state store: embedded SQLite under `data_dir` by default, PostgreSQL when
//! `[state] url` is set. Migrations are embedded and run when the store opens.
//!
//! Both backends take the same SQL text (`$1` placeholders work in both, times are
//! ISO-8601 UTC text, integers are 64-bit), so every query is written once.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Executor, Row};

use crate::config::StateConfig;

/// A bound parameter.
#[derive(Debug, Clone)]
pub enum Arg {
    /// text (or NULL)
    Text(Option<String>),
    /// bigint (or NULL)
    Int(Option<i64>),
    /// In a transaction: the id returned by the latest `... RETURNING id` statement.
    LastId,
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(Some(s.to_string()))
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(Some(s))
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Text(Some(s.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(s: Option<String>) -> Self {
        Arg::Text(s)
    }
}
impl From<Option<&str>> for Arg {
    fn from(s: Option<&str>) -> Self {
        Arg::Text(s.map(str::to_string))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

/// Build a `Vec<Arg>` from values.
#[macro_export]
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::posture::store::Arg::from($v)),*] };
}

/// How a fetched column is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// text
    Text,
    /// bigint
    Int,
}

/// A fetched value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// NULL
    Null,
    /// text
    Text(String),
    /// bigint
    Int(i64),
}

impl Val {
    /// The text, if any.
    pub fn text(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }
    /// The integer, if any.
    pub fn int(&self) -> Option<i64> {
        match self {
            Val::Int(v) => Some(*v),
            _ => None,
        }
    }
    /// As JSON.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Val::Null => serde_json::Value::Null,
            Val::Text(s) => serde_json::Value::String(s.clone()),
            Val::Int(v) => serde_json::Value::from(*v),
        }
    }
}

/// One statement of a transaction.
pub struct Stmt {
    /// SQL text with `$n` placeholders.
    pub sql: String,
    /// Parameters.
    pub args: Vec<Arg>,
}

impl Stmt {
    /// A statement.
    pub fn new(sql: impl Into<String>, args: Vec<Arg>) -> Self {
        Stmt {
            sql: sql.into(),
            args,
        }
    }
}

/// The store.
#[derive(Clone)]
pub enum Store {
    /// Embedded SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {
        bind_all!($q, $args, None::<i64>)
    };
    ($q:expr, $args:expr, $last:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Text(v) => q.bind(v.clone()),
                Arg::Int(v) => q.bind(*v),
                Arg::LastId => q.bind($last),
            };
        }
        q
    }};
}

macro_rules! decode_row {
    ($row:expr, $cols:expr) => {{
        let mut out = Vec::with_capacity($cols.len());
        for (i, c) in $cols.iter().enumerate() {
            out.push(match c {
                Col::Text => $row
                    .try_get::<Option<String>, _>(i)?
                    .map(Val::Text)
                    .unwrap_or(Val::Null),
                Col::Int => $row
                    .try_get::<Option<i64>, _>(i)?
                    .map(Val::Int)
                    .unwrap_or(Val::Null),
            });
        }
        out
    }};
}

/// Current time as the store writes it.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Store {
    /// Open (and migrate) the store that `cfg` names; `data_dir` holds the SQLite file.
    pub async fn open(cfg: &StateConfig, data_dir: &Path) -> Result<Store> {
        match &cfg.url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let opts = PgConnectOptions::from_str(url)
                    .context("state.url: not a valid PostgreSQL URL")?;
                let schema = cfg.schema.clone();
                if let Some(s) = &schema {
                    if s.is_empty()
                        || !s
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    {
                        anyhow::bail!("state.schema: expected a lower-case identifier");
                    }
                }
                let mut pool_opts = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10));
                if let Some(s) = schema.clone() {
                    pool_opts = pool_opts.after_connect(move |conn, _| {
                        let s = s.clone();
                        Box::pin(async move {
                            conn.execute(format!("CREATE SCHEMA IF NOT EXISTS \"{s}\"; SET search_path TO \"{s}\"").as_str()).await?;
                            Ok(())
                        })
                    });
                }
                let pool = pool_opts
                    .connect_with(opts)
                    .await
                    .context("state.url: cannot connect to PostgreSQL")?;
                sqlx::migrate!("../migrations/postgres")
                    .run(&pool)
                    .await
                    .context("state store: PostgreSQL migrations")?;
                Ok(Store::Postgres(pool))
            }
            Some(url) if url.starts_with("sqlite:") => {
                let opts = SqliteConnectOptions::from_str(url)
                    .context("state.url: not a valid SQLite URL")?;
                Self::open_sqlite(opts).await
            }
            Some(_) => anyhow::bail!("state.url: expected postgres://... or sqlite:..."),
            None => {
                std::fs::create_dir_all(data_dir).with_context(|| {
                    format!("server.data_dir: cannot create {}", data_dir.display())
                })?;
                let opts = SqliteConnectOptions::new().filename(data_dir.join("state.db"));
                Self::open_sqlite(opts).await
            }
        }
    }

    async fn open_sqlite(opts: SqliteConnectOptions) -> Result<Store> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .context("state store: cannot open SQLite")?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&pool)
            .await
            .context("state store: SQLite migrations")?;
        Ok(Store::Sqlite(pool))
    }

    /// Execute one statement; rows affected.
    pub async fn exec(&self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        with_pool!(self, pool => {
            let q = bind_all!(sqlx::query(sql), &args);
            Ok(q.execute(pool).await.with_context(|| format!("state store: {}", first_words(sql)))?.rows_affected())
        })
    }

    /// Execute an INSERT ... RETURNING id.
    pub async fn insert(&self, sql: &str, args: Vec<Arg>) -> Result<i64> {
        with_pool!(self, pool => {
            let q = bind_all!(sqlx::query(sql), &args);
            let row = q.fetch_one(pool).await.with_context(|| format!("state store: {}", first_words(sql)))?;
            Ok(row.try_get::<i64, _>(0)?)
        })
    }

    /// Fetch rows, decoding columns by `cols`.
    pub async fn fetch(&self, sql: &str, args: Vec<Arg>, cols: &[Col]) -> Result<Vec<Vec<Val>>> {
        with_pool!(self, pool => {
            let q = bind_all!(sqlx::query(sql), &args);
            let rows = q.fetch_all(pool).await.with_context(|| format!("state store: {}", first_words(sql)))?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(decode_row!(r, cols));
            }
            Ok(out)
        })
    }

    /// Run statements in one transaction: all of them or none. [`Arg::LastId`] binds the
    /// id returned by the latest `RETURNING id` statement before it.
    pub async fn transaction(&self, stmts: Vec<Stmt>) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await.context("state store: begin")?;
            let mut last: Option<i64> = None;
            for s in &stmts {
                let q = bind_all!(sqlx::query(&s.sql), &s.args, last);
                if s.sql.contains("RETURNING id") {
                    let row = q.fetch_one(&mut *tx).await.with_context(|| format!("state store: {}", first_words(&s.sql)))?;
                    last = Some(row.try_get::<i64, _>(0)?);
                } else {
                    q.execute(&mut *tx).await.with_context(|| format!("state store: {}", first_words(&s.sql)))?;
                }
            }
            tx.commit().await.context("state store: commit")?;
            Ok(())
        })
    }
}

/// An open transaction whose statements can depend on what earlier ones did (rows
/// affected, rows read). Dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    /// SQLite, begun `IMMEDIATE`: it holds the write lock from the start, so concurrent
    /// decisions queue (up to the busy timeout) instead of failing on lock upgrade.
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// PostgreSQL (read committed): conditional updates lock their rows.
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

macro_rules! with_tx {
    ($tx:expr, $t:ident => $body:expr) => {
        match $tx {
            Tx::Sqlite($t) => $body,
            Tx::Postgres($t) => $body,
        }
    };
}

impl Tx {
    /// Execute one statement; rows affected.
    pub async fn exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        with_tx!(self, tx => {
            let q = bind_all!(sqlx::query(sql), &args);
            Ok(q.execute(&mut **tx).await.with_context(|| format!("state store: {}", first_words(sql)))?.rows_affected())
        })
    }

    /// Fetch rows, decoding columns by `cols`.
    pub async fn fetch(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
        cols: &[Col],
    ) -> Result<Vec<Vec<Val>>> {
        with_tx!(self, tx => {
            let q = bind_all!(sqlx::query(sql), &args);
            let rows = q.fetch_all(&mut **tx).await.with_context(|| format!("state store: {}", first_words(sql)))?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(decode_row!(r, cols));
            }
            Ok(out)
        })
    }

    /// Commit.
    pub async fn commit(self) -> Result<()> {
        with_tx!(self, tx => tx.commit().await.context("state store: commit"))
    }

    /// Roll back.
    pub async fn rollback(self) -> Result<()> {
        with_tx!(self, tx => tx.rollback().await.context("state store: rollback"))
    }
}

impl Store {
    /// Begin a transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Store::Sqlite(pool) => Tx::Sqlite(
                pool.begin_with("BEGIN IMMEDIATE")
                    .await
                    .context("state store: begin")?,
            ),
            Store::Postgres(pool) => {
                Tx::Postgres(pool.begin().await.context("state store: begin")?)
            }
        })
    }
}

/// Whether `e` (or an error it wraps) is a unique-constraint violation.
pub fn is_unique_violation(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<sqlx::Error>()
            .and_then(|s| s.as_database_error())
            .is_some_and(|d| d.is_unique_violation())
    })
}

fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_store_migrates_and_round_trips() {
        let dir = std::env::temp_dir().join(format!(
            "pw-store-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let store = Store::open(&StateConfig::default(), &dir)
            .await
            .expect("open");
        let id = store
            .insert(
                "INSERT INTO run (job, kind, target, triggered_by, status, started_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                args!["j", "sql", "select 1", "cli", "running", now()],
            )
            .await
            .expect("insert");
        let rows = store
            .fetch(
                "SELECT id, job FROM run WHERE id = $1",
                args![id],
                &[Col::Int, Col::Text],
            )
            .await
            .expect("fetch");
        assert_eq!(rows, vec![vec![Val::Int(id), Val::Text("j".into())]]);
        // A failing statement rolls the whole transaction back.
        let r = store
            .transaction(vec![
                Stmt::new(
                    "UPDATE run SET status = 'succeeded' WHERE id = $1",
                    args![id],
                ),
                Stmt::new("INSERT INTO nowhere VALUES (1)", vec![]),
            ])
            .await;
        assert!(r.is_err());
        let rows = store
            .fetch(
                "SELECT status FROM run WHERE id = $1",
                args![id],
                &[Col::Text],
            )
            .await
            .expect("fetch");
        assert_eq!(rows[0][0], Val::Text("running".into()));
        let _ = std::fs::remove_dir_all(&dir);
    }
    /// The decisions migration repairs what racing decisions left behind: active grants of
    /// requests that are not approved are revoked, later copies of a grant are superseded,
    /// and from then on a second active copy is a unique violation.
    #[tokio::test]
    async fn decisions_migration_repairs_duplicates_and_enforces_one_active_grant() {
        let dir = std::env::temp_dir().join(format!(
            "pw-store-mig-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let opts = SqliteConnectOptions::new()
            .filename(dir.join("state.db"))
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .expect("open");
        // The state as the first migration left it, with the damage of racing decisions.
        let all = sqlx::migrate!("../migrations/sqlite");
        let first = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(all.migrations[..1].to_vec()),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        first.run(&pool).await.expect("first migration");
        for sql in [
            "INSERT INTO access_request (id, principal, grant_kind, grant_value, requested_by, status, created_at, updated_at) \
             VALUES (1, 'user/a', 'group', 'eng', 'r', 'approved', 't', 't'), (2, 'user/b', 'group', 'eng', 'r', 'denied', 't', 't')",
            "INSERT INTO desired_grant (id, principal, grant_kind, grant_value, account_id, source, access_request_id, status, created_at) VALUES \
             (1, 'user/a', 'group', 'eng', '1', 'access_request', 1, 'active', 't'), \
             (2, 'user/a', 'group', 'eng', '1', 'access_request', 1, 'active', 't'), \
             (3, 'user/b', 'group', 'eng', '1', 'access_request', 2, 'active', 't'), \
             (4, 'user/a', 'group', 'eng', NULL, 'file', NULL, 'active', 't'), \
             (5, 'user/a', 'group', 'eng', '1', 'file', NULL, 'active', 't')",
        ] {
            sqlx::query(sql).execute(&pool).await.expect("seed");
        }
        pool.close().await;

        let store = Store::open(&StateConfig::default(), &dir)
            .await
            .expect("open and migrate");
        let rows = store
            .fetch(
                "SELECT id, status FROM desired_grant ORDER BY id",
                vec![],
                &[Col::Int, Col::Text],
            )
            .await
            .expect("fetch");
        let got: Vec<(i64, String)> = rows
            .iter()
            .map(|r| {
                (
                    r[0].int().unwrap_or(0),
                    r[1].text().unwrap_or("").to_string(),
                )
            })
            .collect();
        let want: Vec<(i64, String)> = [
            (1, "active"),
            (2, "superseded"),
            (3, "revoked"),
            // No account (any account) is another identity than account 1.
            (4, "active"),
            (5, "superseded"),
        ]
        .into_iter()
        .map(|(i, s)| (i, s.to_string()))
        .collect();
        assert_eq!(got, want);
        let dup = store
            .exec(
                "INSERT INTO desired_grant (principal, grant_kind, grant_value, account_id, source, status, created_at) VALUES ('user/a', 'group', 'eng', '1', 'file', 'active', 't')",
                vec![],
            )
            .await
            .expect_err("a second active copy is refused");
        assert!(is_unique_violation(&dup), "{dup:#}");
        // Revoked and superseded copies do not count.
        store
            .exec(
                "INSERT INTO desired_grant (principal, grant_kind, grant_value, account_id, source, status, created_at) VALUES ('user/b', 'group', 'eng', '1', 'file', 'active', 't')",
                vec![],
            )
            .await
            .expect("user/b's only active grant");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
