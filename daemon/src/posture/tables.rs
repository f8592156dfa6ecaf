//! The state store as SQL tables of the `pathwarden` schema: `pathwarden.run`,
//! `pathwarden.control_result`, `pathwarden.finding`, ... read from the store at scan time.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::Session;
use datafusion::datasource::{MemTable, TableProvider, TableType};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;
use pathwarden_tables::catalog::TablesSchema;

use super::store::{Col, Val};
use crate::config::{Config, StateConfig};
use crate::internal::{Cell, Kind, batch, schema};

/// Declared columns of one store table.
struct TableDecl {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    order_by: &'static str,
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
    },
];

/// A store table read at scan time.
struct StoreTable {
    decl: &'static TableDecl,
    schema: SchemaRef,
    state: StateConfig,
    data_dir: PathBuf,
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

#[async_trait]
impl TableProvider for StoreTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn table_type(&self) -> TableType {
        TableType::View
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let store = super::shared_store(&self.state, &self.data_dir)
            .await
            .map_err(|e| {
                DataFusionError::Execution(format!("pathwarden.{}: {e:#}", self.decl.name))
            })?;
        let cols: Vec<&str> = self.decl.columns.iter().map(|(n, _)| *n).collect();
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
        // Column and table names come from the declarations above, never from input.
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            cols.join(", "),
            self.decl.name,
            self.decl.order_by
        );
        let rows = store.fetch(&sql, vec![], &kinds).await.map_err(|e| {
            DataFusionError::Execution(format!("pathwarden.{}: {e:#}", self.decl.name))
        })?;
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
            }),
        );
    }
}
