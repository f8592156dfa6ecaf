//! Rows (JSON maps) to Arrow record batches.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use serde_json::Value;

use super::def::{ColumnType, TableDef};
use super::source::Row;

/// Parse a timestamp value: RFC 3339 text, `YYYY-MM-DD HH:MM:SS`, or epoch seconds.
pub fn parse_timestamp_micros(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                return Some(t.timestamp_micros());
            }
            if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
                return Some(t.and_utc().timestamp_micros());
            }
            if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                return d
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc().timestamp_micros());
            }
            None
        }
        Value::Number(n) => n.as_f64().map(|s| (s * 1_000_000.0) as i64),
        _ => None,
    }
}

fn non_null<'a>(r: &'a Row, name: &str) -> Option<&'a Value> {
    r.get(name).filter(|v| !v.is_null())
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Build one batch holding every column of `def` from `rows`.
pub fn rows_to_batch(
    def: &TableDef,
    schema: &SchemaRef,
    rows: &[Row],
) -> Result<RecordBatch, ArrowError> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(def.columns.len());
    for c in def.columns {
        let name = c.name;
        let array: ArrayRef = match c.ty {
            ColumnType::Text | ColumnType::Inet | ColumnType::Cidr => {
                let mut b = StringBuilder::with_capacity(rows.len(), rows.len() * 16);
                for r in rows {
                    b.append_option(non_null(r, name).and_then(text_of));
                }
                Arc::new(b.finish())
            }
            ColumnType::Json => {
                let mut b = StringBuilder::with_capacity(rows.len(), rows.len() * 32);
                for r in rows {
                    // Printed as PostgreSQL prints jsonb (what clients of Steampipe see), which
                    // also lets the JSON operators return slices of it as they are.
                    b.append_option(non_null(r, name).map(pathwarden_sqlext::render_jsonb));
                }
                Arc::new(b.finish())
            }
            ColumnType::Bool => {
                let mut b = BooleanBuilder::with_capacity(rows.len());
                for r in rows {
                    b.append_option(non_null(r, name).and_then(|v| match v {
                        Value::Bool(b) => Some(*b),
                        Value::String(s) => s.parse::<bool>().ok(),
                        _ => None,
                    }));
                }
                Arc::new(b.finish())
            }
            ColumnType::Int => {
                let mut b = Int64Builder::with_capacity(rows.len());
                for r in rows {
                    b.append_option(non_null(r, name).and_then(|v| match v {
                        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                        Value::String(s) => s.parse::<i64>().ok(),
                        _ => None,
                    }));
                }
                Arc::new(b.finish())
            }
            ColumnType::Double => {
                let mut b = Float64Builder::with_capacity(rows.len());
                for r in rows {
                    b.append_option(non_null(r, name).and_then(|v| match v {
                        Value::Number(n) => n.as_f64(),
                        Value::String(s) => s.parse::<f64>().ok(),
                        _ => None,
                    }));
                }
                Arc::new(b.finish())
            }
            ColumnType::Timestamp => {
                let mut b =
                    TimestampMicrosecondBuilder::with_capacity(rows.len()).with_timezone("UTC");
                for r in rows {
                    b.append_option(non_null(r, name).and_then(parse_timestamp_micros));
                }
                Arc::new(b.finish())
            }
        };
        arrays.push(array);
    }
    RecordBatch::try_new(schema.clone(), arrays)
}
