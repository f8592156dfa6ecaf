//! `pathwarden query`: run SQL in-process and print it as a table, JSON or CSV.

use anyhow::{Context, Result};
use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::sql::parser::Statement as DfStatement;

use pathwarden_sqlext::frontend::{self, PgParser, is_engine_query, plan_query, rewrite};

use crate::engine::Engine;

fn pg_error(e: pgwire::error::PgWireError) -> anyhow::Error {
    match e {
        pgwire::error::PgWireError::UserError(info) => anyhow::anyhow!("{}", info.message),
        pgwire::error::PgWireError::ApiError(inner) => anyhow::anyhow!("{inner}"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Output {
    /// Aligned text table.
    Table,
    /// JSON array of objects.
    Json,
    /// CSV with a header.
    Csv,
}

/// Execute `sql` (one or more statements; the last result is printed).
pub async fn run(engine: &Engine, sql: &str, output: Output) -> Result<()> {
    let (names, batches) = execute(engine, sql).await?;
    print(&names, &batches, output)
}

/// Execute and return PostgreSQL-named columns and batches of the last statement.
pub async fn execute(engine: &Engine, sql: &str) -> Result<(Vec<String>, Vec<RecordBatch>)> {
    execute_in(&engine.session(), sql).await
}

/// [`execute`] in a given session (the web console's, bound to the logged-in user).
pub async fn execute_in(
    ctx: &datafusion::prelude::SessionContext,
    sql: &str,
) -> Result<(Vec<String>, Vec<RecordBatch>)> {
    let parser = PgParser::new();
    let stmts = frontend::parse_sql(&parser, sql)?;
    let mut last = (Vec::new(), Vec::new());
    for stmt in stmts {
        // The same front door as pgwire: read-only statements only, whoever runs them.
        crate::pg::gate::check(&stmt, &crate::identity::Identity::of_ctx(ctx)).map_err(pg_error)?;
        let plan = if is_engine_query(&stmt) {
            // The same parsing, rewrites and planning as over pgwire.
            plan_query(&ctx.state(), stmt).await?.1
        } else {
            let stmt = rewrite(stmt)?;
            ctx.state()
                .statement_to_plan(DfStatement::Statement(Box::new(stmt)))
                .await?
        };
        let df = ctx.execute_logical_plan(plan).await?;
        let names: Vec<String> = df
            .schema()
            .fields()
            .iter()
            .map(|f| pathwarden_sqlext::output_name(f.name()).to_string())
            .collect();
        let batches = df.collect().await?;
        last = (names, batches);
    }
    Ok(last)
}

/// The cells of `batches` as text (`None` for NULL) with their types.
pub fn cells(batches: &[RecordBatch]) -> Result<Vec<Vec<(Option<String>, DataType)>>> {
    let opts = FormatOptions::default();
    let mut rows = Vec::new();
    for b in batches {
        let fmts: Vec<ArrayFormatter> = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
            .collect::<Result<_, _>>()?;
        for r in 0..b.num_rows() {
            rows.push(
                b.columns()
                    .iter()
                    .zip(&fmts)
                    .map(|(c, f)| {
                        (
                            if c.is_null(r) {
                                None
                            } else {
                                Some(f.value(r).to_string())
                            },
                            c.data_type().clone(),
                        )
                    })
                    .collect(),
            );
        }
    }
    Ok(rows)
}

pub fn print(names: &[String], batches: &[RecordBatch], output: Output) -> Result<()> {
    let rows = cells(batches)?;
    match output {
        Output::Table => {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::ASCII_MARKDOWN);
            t.set_header(names);
            for r in &rows {
                t.add_row(r.iter().map(|(v, _)| v.clone().unwrap_or_default()));
            }
            println!("{t}");
            println!(
                "({} row{})",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            );
        }
        Output::Json => {
            let arr: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    let mut m = serde_json::Map::new();
                    for ((v, t), n) in r.iter().zip(names) {
                        let j = match (v, t) {
                            (None, _) => serde_json::Value::Null,
                            (Some(s), DataType::Boolean) => serde_json::Value::Bool(s == "true"),
                            (Some(s), t) if t.is_numeric() => serde_json::from_str(s)
                                .unwrap_or_else(|_| serde_json::Value::String(s.clone())),
                            (Some(s), _) => serde_json::Value::String(s.clone()),
                        };
                        m.insert(n.clone(), j);
                    }
                    serde_json::Value::Object(m)
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&arr).context("encoding JSON")?
            );
        }
        Output::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            w.write_record(names)?;
            for r in &rows {
                w.write_record(r.iter().map(|(v, _)| v.clone().unwrap_or_default()))?;
            }
            w.flush()?;
        }
    }
    Ok(())
}
