//! The state store as SQL tables of the `pathwarden` schema: `pathwarden.run`,
//! `pathwarden.control_result`, `pathwarden.finding`, ... read from the store at scan time.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::ScalarValue;
use datafusion::datasource::{MemTable, TableProvider, TableType};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::expr::{Between, BinaryExpr, Cast, InList, TryCast};
use datafusion::logical_expr::{Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use pathwarden_tables::catalog::TablesSchema;

use super::store::{Arg, Col, Store, Val};
use crate::config::{Config, StateConfig};
use crate::identity::{Identity, Role};
use crate::internal::{Cell, Kind, batch, schema};

/// Declared columns of one store table.
struct TableDecl {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    order_by: &'static str,
    /// Callers below admin see only the rows whose this column equals their login.
    owner_column: Option<&'static str>,
    /// Columns whose filters are translated into the store query (`=`, `<>`, ranges,
    /// `IN`, `BETWEEN`, `IS [NOT] NULL`; ranges only on integer and time columns, whose
    /// order is the same in DataFusion, SQLite and PostgreSQL).
    pushdown: &'static [&'static str],
}

const T: Kind = Kind::Text;
const I: Kind = Kind::Int;
const TS: Kind = Kind::Ts;

const TABLES: &[TableDecl] = &[
    TableDecl {
        name: "run",
        columns: &[
            ("id", I),
            ("job", T),
            ("kind", T),
            ("target", T),
            ("triggered_by", T),
            ("status", T),
            ("started_at", TS),
            ("finished_at", TS),
            ("progress_done", I),
            ("progress_total", I),
            ("ok_count", I),
            ("alarm_count", I),
            ("info_count", I),
            ("skip_count", I),
            ("error_count", I),
            ("new_count", I),
            ("resolved_count", I),
            ("unchanged_count", I),
            ("previous_run_id", I),
            ("message", T),
        ],
        order_by: "id",
        owner_column: None,
        pushdown: &[],
    },
    TableDecl {
        name: "control_result",
        columns: &[
            ("id", I),
            ("run_id", I),
            ("job", T),
            ("benchmark", T),
            ("control_id", T),
            ("title", T),
            ("section", T),
            ("severity", T),
            ("resource", T),
            ("status", T),
            ("reason", T),
            ("account_id", T),
            ("region", T),
            ("change", T),
            ("previous_status", T),
            ("first_seen", TS),
            ("last_seen", TS),
        ],
        order_by: "id",
        owner_column: None,
        pushdown: &[],
    },
    TableDecl {
        name: "finding",
        columns: &[
            ("id", I),
            ("job", T),
            ("control_id", T),
            ("resource", T),
            ("title", T),
            ("severity", T),
            ("reason", T),
            ("account_id", T),
            ("region", T),
            ("status", T),
            ("first_seen", TS),
            ("last_seen", TS),
            ("resolved_at", TS),
            ("first_run_id", I),
            ("last_run_id", I),
            ("status_history", T),
        ],
        order_by: "id",
        owner_column: None,
        pushdown: &[],
    },
    TableDecl {
        name: "access_request",
        columns: &[
            ("id", I),
            ("principal", T),
            ("grant_kind", T),
            ("grant_value", T),
            ("account_id", T),
            ("justification", T),
            ("requested_by", T),
            ("status", T),
            ("high_risk", I),
            ("risk_reason", T),
            ("approvals_required", I),
            ("decided_by", T),
            ("decided_at", TS),
            ("created_at", TS),
            ("updated_at", TS),
        ],
        order_by: "id",
        owner_column: None,
        pushdown: &[],
    },
    TableDecl {
        name: "access_request_approval",
        columns: &[
            ("id", I),
            ("access_request_id", I),
            ("approver", T),
            ("approved_at", TS),
        ],
        order_by: "id",
        owner_column: None,
        pushdown: &[],
    },
    TableDecl {
        name: "desired_grant",
        columns: &[
            ("id", I),
            ("principal", T),
            ("grant_kind", T),
            ("grant_value", T),
            ("account_id", T),
            ("source", T),
            ("access_request_id", I),
            ("status", T),
            ("created_at", TS),
            ("revoked_at", TS),
        ],
        order_by: "id",
        owner_column: None,
        pushdown: &[],
    },
    TableDecl {
        name: "drift",
        columns: &[
            ("id", I),
            ("run_id", I),
            ("drift_kind", T),
            ("principal", T),
            ("grant_kind", T),
            ("grant_value", T),
            ("account_id", T),
            ("detected_at", TS),
        ],
        order_by: "id",
        owner_column: None,
        pushdown: &[],
    },
    TableDecl {
        name: "remediation_action",
        columns: &[
            ("id", I),
            ("drift_id", I),
            ("run_id", I),
            ("api_call", T),
            ("parameters", T),
            ("mode", T),
            ("high_risk", I),
            ("status", T),
            ("result", T),
            ("approved_by", T),
            ("created_at", TS),
            ("updated_at", TS),
        ],
        order_by: "id",
        owner_column: None,
        pushdown: &[],
    },
    TableDecl {
        name: "audit_log",
        columns: &[
            ("id", I),
            ("time", TS),
            ("kind", T),
            ("user_name", T),
            ("client_addr", T),
            ("action", T),
            ("duration_ms", I),
            ("rows", I),
            ("error", T),
        ],
        order_by: "id",
        owner_column: Some("user_name"),
        pushdown: &["id", "time", "kind", "user_name", "client_addr"],
    },
];

/// A store table read at scan time.
struct StoreTable {
    decl: &'static TableDecl,
    schema: SchemaRef,
    state: StateConfig,
    data_dir: PathBuf,
    /// A store of its own instead of the process's shared one (tests).
    store: Option<Store>,
    /// Rows read from the store so far (shows what filter pushdown saves).
    fetched: AtomicU64,
}

impl fmt::Debug for StoreTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreTable({})", self.decl.name)
    }
}

fn ts_micros(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_micros())
}

/// A time as the store writes it (`store::now()`, the audit writer): fixed-width UTC text
/// with microseconds, so text order is time order. `None` outside years 0..=9999, where the
/// width would change.
fn ts_text(micros: i64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp_micros(micros)?;
    (0..=9999)
        .contains(&chrono::Datelike::year(&t))
        .then(|| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// Bound parameters of a store query being built; values never enter the SQL text.
#[derive(Default)]
struct Params(Vec<Arg>);

impl Params {
    fn push(&mut self, a: Arg) -> String {
        self.0.push(a);
        format!("${}", self.0.len())
    }
}

impl StoreTable {
    /// The declared column a filter operand names (a time column may be wrapped in a cast
    /// to another timestamp type, which keeps its order).
    fn column(&self, e: &Expr) -> Option<(&'static str, Kind)> {
        match e {
            Expr::Column(c) => self
                .decl
                .columns
                .iter()
                .find(|(n, _)| *n == c.name && self.decl.pushdown.contains(n))
                .copied(),
            Expr::Cast(Cast { expr, field }) | Expr::TryCast(TryCast { expr, field })
                if matches!(field.data_type(), DataType::Timestamp(_, _)) =>
            {
                self.column(expr).filter(|(_, k)| matches!(k, Kind::Ts))
            }
            _ => None,
        }
    }

    /// A literal as the store holds values of `kind`.
    fn value(kind: Kind, e: &Expr) -> Option<Arg> {
        let Expr::Literal(v, _) = e else { return None };
        match (kind, v) {
            (
                Kind::Text,
                ScalarValue::Utf8(Some(s))
                | ScalarValue::LargeUtf8(Some(s))
                | ScalarValue::Utf8View(Some(s)),
            ) => Some(Arg::from(s.as_str())),
            (Kind::Int, v) => match v {
                ScalarValue::Int64(Some(i)) => Some(*i),
                ScalarValue::Int32(Some(i)) => Some(i64::from(*i)),
                ScalarValue::Int16(Some(i)) => Some(i64::from(*i)),
                ScalarValue::Int8(Some(i)) => Some(i64::from(*i)),
                ScalarValue::UInt32(Some(i)) => Some(i64::from(*i)),
                ScalarValue::UInt16(Some(i)) => Some(i64::from(*i)),
                ScalarValue::UInt8(Some(i)) => Some(i64::from(*i)),
                ScalarValue::UInt64(Some(i)) => i64::try_from(*i).ok(),
                _ => None,
            }
            .map(|i| Arg::Int(Some(i))),
            (Kind::Ts, v) => {
                let micros = match v {
                    ScalarValue::TimestampSecond(Some(t), _) => t.checked_mul(1_000_000),
                    ScalarValue::TimestampMillisecond(Some(t), _) => t.checked_mul(1_000),
                    ScalarValue::TimestampMicrosecond(Some(t), _) => Some(*t),
                    ScalarValue::TimestampNanosecond(Some(t), _) if t % 1_000 == 0 => {
                        Some(t / 1_000)
                    }
                    _ => None,
                }?;
                ts_text(micros).map(Arg::from)
            }
            _ => None,
        }
    }

    /// A nanosecond time bound as a wider microsecond one: `>`/`>=` from the microsecond
    /// below, `<`/`<=` up to the microsecond above. Equality cannot be widened.
    fn widened_bound(kind: Kind, e: &Expr, op: Operator) -> Option<(&'static str, Arg)> {
        let (Kind::Ts, Expr::Literal(ScalarValue::TimestampNanosecond(Some(t), _), _)) = (kind, e)
        else {
            return None;
        };
        let floor = t.div_euclid(1_000);
        match op {
            Operator::Gt | Operator::GtEq => Some((">=", Arg::from(ts_text(floor)?))),
            Operator::Lt | Operator::LtEq => Some(("<=", Arg::from(ts_text(floor + 1)?))),
            _ => None,
        }
    }

    /// The filter as a store condition, or `None` when it cannot be translated exactly.
    fn condition(&self, e: &Expr, params: &mut Params) -> Option<String> {
        match e {
            Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
                if matches!(op, Operator::And | Operator::Or) {
                    let l = self.condition(left, params)?;
                    let r = self.condition(right, params)?;
                    let word = if *op == Operator::And { "AND" } else { "OR" };
                    return Some(format!("({l} {word} {r})"));
                }
                // `col op value` or `value op col`.
                let (col, value, op) = match (self.column(left), self.column(right)) {
                    (Some(c), None) => (c, right, *op),
                    (None, Some(c)) => (c, left, op.swap()?),
                    _ => return None,
                };
                let (name, kind) = col;
                let ordered = !matches!(kind, Kind::Text);
                let sql_op = match op {
                    Operator::Eq => "=",
                    Operator::NotEq => "<>",
                    Operator::Lt if ordered => "<",
                    Operator::LtEq if ordered => "<=",
                    Operator::Gt if ordered => ">",
                    Operator::GtEq if ordered => ">=",
                    _ => return None,
                };
                let (sql_op, arg) = match Self::value(kind, value) {
                    Some(arg) => (sql_op, arg),
                    // A bound finer than the stored microseconds (`now() - interval ...`):
                    // widened to the enclosing microsecond, which DataFusion narrows again.
                    None => Self::widened_bound(kind, value, op)?,
                };
                Some(format!("{name} {sql_op} {}", params.push(arg)))
            }
            Expr::InList(InList {
                expr,
                list,
                negated,
            }) if !list.is_empty() => {
                let (name, kind) = self.column(expr)?;
                let args = list
                    .iter()
                    .map(|v| Self::value(kind, v))
                    .collect::<Option<Vec<_>>>()?;
                let slots: Vec<String> = args.into_iter().map(|a| params.push(a)).collect();
                let not = if *negated { "NOT " } else { "" };
                Some(format!("{name} {not}IN ({})", slots.join(", ")))
            }
            Expr::Between(Between {
                expr,
                negated,
                low,
                high,
            }) => {
                let (name, kind) = self.column(expr)?;
                if matches!(kind, Kind::Text) {
                    return None;
                }
                let lo = Self::value(kind, low)?;
                let hi = Self::value(kind, high)?;
                let not = if *negated { "NOT " } else { "" };
                Some(format!(
                    "{name} {not}BETWEEN {} AND {}",
                    params.push(lo),
                    params.push(hi)
                ))
            }
            Expr::IsNull(inner) => Some(format!("{} IS NULL", self.column(inner)?.0)),
            Expr::IsNotNull(inner) => Some(format!("{} IS NOT NULL", self.column(inner)?.0)),
            _ => None,
        }
    }

    /// The store query for a scan by `who` with `filters`: declared column and table names,
    /// the caller's row restriction and the translatable filters, every value bound.
    fn query(&self, who: &Identity, filters: &[Expr]) -> (String, Vec<Arg>) {
        let cols: Vec<&str> = self.decl.columns.iter().map(|(n, _)| *n).collect();
        let mut params = Params::default();
        let mut conds = Vec::new();
        if let Some(owner) = self.decl.owner_column {
            if !who.allows(Role::Admin) {
                conds.push(format!(
                    "{owner} = {}",
                    params.push(Arg::from(who.user.as_str()))
                ));
            }
        }
        conds.extend(
            filters
                .iter()
                .filter_map(|f| self.condition(f, &mut params)),
        );
        let where_clause = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        (
            format!(
                "SELECT {} FROM {}{where_clause} ORDER BY {}",
                cols.join(", "),
                self.decl.name,
                self.decl.order_by
            ),
            params.0,
        )
    }
}

#[async_trait]
impl TableProvider for StoreTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn table_type(&self) -> TableType {
        TableType::View
    }
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        // Inexact: the store narrows the rows, DataFusion still checks them, so a store
        // whose comparison differs in an edge case can return too many rows, never too few.
        Ok(filters
            .iter()
            .map(|f| {
                if self.condition(f, &mut Params::default()).is_some() {
                    TableProviderFilterPushDown::Inexact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let failed = |e: anyhow::Error| {
            DataFusionError::Execution(format!("pathwarden.{}: {e:#}", self.decl.name))
        };
        let store = match &self.store {
            Some(s) => s.clone(),
            None => super::shared_store(&self.state, &self.data_dir)
                .await
                .map_err(failed)?
                .clone(),
        };
        let kinds: Vec<Col> = self
            .decl
            .columns
            .iter()
            .map(|(_, k)| {
                if matches!(k, Kind::Int) {
                    Col::Int
                } else {
                    Col::Text
                }
            })
            .collect();
        let (sql, args) = self.query(&Identity::of(state), filters);
        let rows = store.fetch(&sql, args, &kinds).await.map_err(failed)?;
        self.fetched.fetch_add(rows.len() as u64, Ordering::Relaxed);
        let cells: Vec<Vec<Cell>> = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .zip(self.decl.columns)
                    .map(|(v, (_, k))| match (v, k) {
                        (Val::Null, _) => Cell::Null,
                        (Val::Int(i), _) => Cell::Int(i),
                        (Val::Text(s), Kind::Ts) => {
                            ts_micros(&s).map(Cell::Ts).unwrap_or(Cell::Null)
                        }
                        (Val::Text(s), _) => Cell::Text(s),
                    })
                    .collect()
            })
            .collect();
        let b = batch(&self.schema, &cells)?;
        let mem = MemTable::try_new(self.schema.clone(), vec![vec![b]])?;
        mem.scan(state, projection, filters, limit).await
    }
}

/// Add the store tables to the `pathwarden` schema.
pub fn register(s: &mut TablesSchema, cfg: &Config) {
    for decl in TABLES {
        s.insert(
            decl.name,
            Arc::new(StoreTable {
                decl,
                schema: schema(decl.columns),
                state: cfg.state.clone(),
                data_dir: cfg.server.data_dir.clone(),
                store: None,
                fetched: AtomicU64::new(0),
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::logical_expr::{col, lit};
    use datafusion::prelude::SessionContext;

    use super::*;
    use crate::args;
    use crate::posture::store::Stmt;

    const USERS: [&str; 4] = ["ann", "bob", "o'hara", "pathwarden"];
    const KINDS: [&str; 3] = ["sql", "api", "remediation"];
    const ROWS: usize = 40;

    /// Midnight ten days ago: the same for every call of a test.
    fn base() -> chrono::DateTime<chrono::Utc> {
        let midnight = chrono::Utc::now()
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_else(chrono::Utc::now);
        midnight - chrono::Duration::days(10)
    }

    /// A store with `ROWS` audit rows: users and kinds in turn, one every 6 hours from 10
    /// days ago; every third row has an error.
    async fn seeded() -> (Store, PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "pw-audit-tables-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let store = Store::open(&StateConfig::default(), &dir)
            .await
            .expect("open");
        let stmts = (0..ROWS)
            .map(|i| {
                let t = base() + chrono::Duration::hours(6 * i as i64);
                Stmt::new(
                    "INSERT INTO audit_log (time, kind, user_name, client_addr, action, duration_ms, rows, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    args![
                        t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                        KINDS[i % 3],
                        USERS[i % 4],
                        "127.0.0.1:1",
                        format!("select {i}"),
                        i as i64,
                        Some(1i64),
                        (i % 3 == 0).then(|| "boom".to_string())
                    ],
                )
            })
            .collect();
        store.transaction(stmts).await.expect("seed");
        (store, dir)
    }

    fn table(store: &Store) -> Arc<StoreTable> {
        let decl = TABLES
            .iter()
            .find(|d| d.name == "audit_log")
            .expect("audit_log declared");
        Arc::new(StoreTable {
            decl,
            schema: schema(decl.columns),
            state: StateConfig::default(),
            data_dir: PathBuf::new(),
            store: Some(store.clone()),
            fetched: AtomicU64::new(0),
        })
    }

    fn context(t: Arc<dyn TableProvider>, who: Option<Identity>) -> SessionContext {
        let ctx = SessionContext::new();
        ctx.register_table("audit_log", t).expect("register");
        if let Some(who) = who {
            who.attach(&ctx);
        }
        ctx
    }

    async fn column(ctx: &SessionContext, sql: &str) -> Vec<String> {
        let batches = ctx
            .sql(sql)
            .await
            .expect("plan")
            .collect()
            .await
            .expect("run");
        let mut out = Vec::new();
        for b in batches {
            let c = datafusion::arrow::compute::cast(b.column(0), &DataType::Utf8).expect("cast");
            let c = c.as_string::<i32>();
            for i in 0..c.len() {
                out.push(if c.is_null(i) {
                    "NULL".into()
                } else {
                    c.value(i).to_string()
                });
            }
        }
        out
    }

    async fn ids(ctx: &SessionContext, sql: &str) -> Vec<i64> {
        let batches = ctx
            .sql(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .collect()
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        batches
            .iter()
            .flat_map(|b| {
                let c = b.column(0).as_primitive::<Int64Type>();
                (0..c.len()).map(|i| c.value(i)).collect::<Vec<_>>()
            })
            .collect()
    }

    fn who(user: &str, role: Role) -> Option<Identity> {
        Some(Identity {
            user: user.into(),
            role,
        })
    }

    #[tokio::test]
    async fn only_admins_read_the_whole_audit_log() {
        let (store, dir) = seeded().await;
        let t = table(&store);
        for (caller, expected) in [
            (who("ann", Role::Reader), vec!["ann"]),
            (who("o'hara", Role::Operator), vec!["o'hara"]),
            (who("root", Role::Admin), USERS.to_vec()),
            (None, USERS.to_vec()),
        ] {
            let ctx = context(t.clone(), caller.clone());
            let users = column(
                &ctx,
                "select distinct user_name from audit_log order by user_name",
            )
            .await;
            let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
            expected.sort();
            assert_eq!(users, expected, "{caller:?}");
            // No filter widens what a caller may see.
            let n = ids(
                &ctx,
                "select count(*) from audit_log where user_name = 'bob' or user_name <> 'bob' or true",
            )
            .await;
            let own = if expected.len() == 1 {
                ROWS as i64 / 4
            } else {
                ROWS as i64
            };
            assert_eq!(n, vec![own], "{caller:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn pushed_filters_give_the_rows_the_unfiltered_scan_filters_to() {
        let (store, dir) = seeded().await;
        let t = table(&store);
        let pushed = context(t.clone(), None);
        // The same rows, filtered by DataFusion alone.
        let all = pushed
            .sql("select * from audit_log")
            .await
            .expect("plan")
            .collect()
            .await
            .expect("all rows");
        let mem = MemTable::try_new(t.schema(), vec![all]).expect("mem");
        let reference = context(Arc::new(mem), None);
        let at = |h: i64| {
            (base() + chrono::Duration::hours(h))
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        };
        let stored_time = base() + chrono::Duration::hours(6 * 7);
        let queries = [
            ("user_name = 'ann'".to_string(), true),
            ("'ann' = user_name".into(), true),
            (
                "kind = 'api' and user_name in ('ann', 'o''hara')".into(),
                true,
            ),
            ("user_name not in ('ann', 'bob')".into(), true),
            (
                format!("time >= '{}' and time < '{}'", at(30), at(120)),
                true,
            ),
            (
                format!("time between '{}' and '{}'", at(6 * 7), at(6 * 9)),
                true,
            ),
            (
                format!(
                    "time = '{}'",
                    stored_time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                ),
                true,
            ),
            ("time > now() - interval '3 days'".into(), true),
            ("id > 5 and id <= 12".into(), true),
            ("kind <> 'sql' or user_name = 'bob'".into(), true),
            (
                "user_name = 'x'' or ''1''=''1' or user_name = 'nobody'".into(),
                true,
            ),
            ("error is null and duration_ms > 20".into(), false),
            ("lower(user_name) = 'ann'".into(), false),
        ];
        for (filter, pushable) in queries {
            let sql = format!("select id from audit_log where {filter} order by id");
            let before = t.fetched.load(Ordering::Relaxed);
            let got = ids(&pushed, &sql).await;
            let fetched = t.fetched.load(Ordering::Relaxed) - before;
            let want = ids(&reference, &sql).await;
            assert_eq!(got, want, "{filter}");
            if pushable {
                // Only the matching rows left the store.
                assert_eq!(fetched, got.len() as u64, "{filter} was not pushed down");
            } else {
                assert_eq!(fetched, ROWS as u64, "{filter}");
            }
        }
        // The filters that select something do select something.
        assert_eq!(
            ids(
                &pushed,
                "select count(*) from audit_log where user_name = 'o''hara'"
            )
            .await,
            vec![10]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn store_queries_bind_values_and_never_splice_them() {
        let decl = TABLES
            .iter()
            .find(|d| d.name == "audit_log")
            .expect("audit_log declared");
        let t = StoreTable {
            decl,
            schema: schema(decl.columns),
            state: StateConfig::default(),
            data_dir: PathBuf::new(),
            store: None,
            fetched: AtomicU64::new(0),
        };
        let evil = "x' OR 1=1 --";
        let reader = Identity {
            user: "eve'--".into(),
            role: Role::Reader,
        };
        let (sql, args) = t.query(
            &reader,
            &[
                col("user_name").eq(lit(evil)),
                col("action").eq(lit("not pushed")),
            ],
        );
        assert!(!sql.contains(evil) && !sql.contains("eve"), "{sql}");
        assert!(
            sql.contains("WHERE user_name = $1 AND user_name = $2 ORDER BY id"),
            "{sql}"
        );
        assert_eq!(args.len(), 2);
        assert!(matches!(&args[1], Arg::Text(Some(v)) if v == evil));
    }
}
