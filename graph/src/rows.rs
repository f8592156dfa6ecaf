//! Typed table reads: a query's rows into structs, by column name.
//!
//! A row type is declared once with [`table_row!`]: each field is named after its column,
//! so the column list of the `select` and the struct come from the same text and a typo is
//! a compile error or a clear "no column" error, never a silent NULL from a wrong
//! position. Cells are read from the Arrow arrays as their own type (text, boolean,
//! integer); JSON columns (served as jsonb text) are deserialized once, straight from the
//! Arrow buffer, into the field's type.
//!
//! The graph builder reads its tables with this, and so does the daemon's policy reviewer.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A struct read from one row of a query, field by column name.
pub trait FromRow: Sized {
    /// Columns the struct reads, in field order (also the `select` list).
    const COLUMNS: &'static [&'static str];
    /// Reads one row.
    fn from_row(row: &Row<'_>) -> Self;
}

/// One row of a record batch, with its columns looked up by name once per batch.
pub struct Row<'a> {
    columns: &'a [(&'static str, ArrayRef)],
    index: usize,
}

impl Row<'_> {
    /// The cell of column `name` converted to `T` (a missing column reads as NULL).
    pub fn get<T: FromCell>(&self, name: &str) -> T {
        match self.columns.iter().find(|(n, _)| *n == name) {
            Some((_, array)) if !array.is_null(self.index) => T::from_cell(array, self.index),
            _ => T::null(),
        }
    }
}

/// A Rust value one cell converts to.
pub trait FromCell: Sized {
    /// The value of a non-NULL cell.
    fn from_cell(array: &ArrayRef, index: usize) -> Self;
    /// The value of a NULL cell.
    fn null() -> Self;
}

/// The text of a string cell (any string encoding), or `None`.
fn text_of(array: &ArrayRef, index: usize) -> Option<&str> {
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(index)),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(index)),
        DataType::Utf8View => Some(array.as_string_view().value(index)),
        _ => None,
    }
}

/// Text of a non-string cell as PostgreSQL would print it (numbers, booleans).
fn display_of(array: &ArrayRef, index: usize) -> Option<String> {
    arrow::util::display::array_value_to_string(array, index).ok()
}

/// A text column; an empty string reads as `None` (the tables use both for "absent").
impl FromCell for Option<String> {
    fn from_cell(array: &ArrayRef, index: usize) -> Self {
        match text_of(array, index) {
            Some(s) => Some(s.to_string()),
            None => display_of(array, index),
        }
        .filter(|s| !s.is_empty())
    }
    fn null() -> Self {
        None
    }
}

/// A text column; NULL reads as the empty string.
impl FromCell for String {
    fn from_cell(array: &ArrayRef, index: usize) -> Self {
        <Option<String>>::from_cell(array, index).unwrap_or_default()
    }
    fn null() -> Self {
        String::new()
    }
}

/// A boolean column (or the text `true`); NULL reads as `false`.
impl FromCell for bool {
    fn from_cell(array: &ArrayRef, index: usize) -> Self {
        match array.data_type() {
            DataType::Boolean => array.as_boolean().value(index),
            _ => text_of(array, index).is_some_and(|s| s.eq_ignore_ascii_case("true")),
        }
    }
    fn null() -> Self {
        false
    }
}

/// A JSON column deserialized into `T`; NULL, unparseable JSON or another shape read as
/// `T::default()` (a cell the reader cannot use is absent, never a guess).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + Default> FromCell for Json<T> {
    fn from_cell(array: &ArrayRef, index: usize) -> Self {
        let parsed = match text_of(array, index) {
            Some(s) => serde_json::from_str(s).ok(),
            // A typed column (e.g. a boolean read as JSON): its value as JSON.
            None => display_of(array, index).and_then(|s| serde_json::from_str(&s).ok()),
        };
        Json(parsed.unwrap_or_default())
    }
    fn null() -> Self {
        Json(T::default())
    }
}

/// A JSON column as a [`Value`] (`Value::Null` for NULL).
impl FromCell for Value {
    fn from_cell(array: &ArrayRef, index: usize) -> Self {
        Json::<Value>::from_cell(array, index).0
    }
    fn null() -> Self {
        Value::Null
    }
}

/// Declares a row struct whose field names are its column names, with its [`FromRow`].
///
/// ```ignore
/// table_row! {
///     /// A row of aws_iam_policy.
///     pub struct PolicyRow {
///         arn: Option<String>,
///         is_aws_managed: bool,
///         policy: serde_json::Value,
///     }
/// }
/// ```
#[macro_export]
macro_rules! table_row {
    ($(#[$meta:meta])* $vis:vis struct $name:ident {
        $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default)]
        $vis struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
        }
        impl $crate::rows::FromRow for $name {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];
            fn from_row(row: &$crate::rows::Row<'_>) -> Self {
                $name { $($field: row.get(stringify!($field)),)* }
            }
        }
    };
}

/// `s` as a quoted SQL identifier.
pub(crate) fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `select <T's columns> from "<schema>"."<table>"`, read into `T`s.
pub async fn read_table<T: FromRow>(
    ctx: &SessionContext,
    schema: &str,
    table: &str,
) -> Result<Vec<T>, DataFusionError> {
    let cols: Vec<String> = T::COLUMNS.iter().map(|c| quote_ident(c)).collect();
    // Ordered by the leading key columns: a table fetched region by region arrives in
    // whatever order the regions answer, and the graph built from it must not depend on
    // that.
    let order = if cols.len() > 1 { "1, 2" } else { "1" };
    let sql = format!(
        "select {} from {}.{} order by {order}",
        cols.join(", "),
        quote_ident(schema),
        quote_ident(table)
    );
    read_query(ctx, &sql).await
}

/// Runs `sql` and reads each row into a `T` by column name. Columns the query does not
/// return read as NULL.
pub async fn read_query<T: FromRow>(
    ctx: &SessionContext,
    sql: &str,
) -> Result<Vec<T>, DataFusionError> {
    // Through the SQL front end a user's query takes, so a fact in the graph can be
    // checked in SQL.
    // Boxed: the front end's future (parser and planner state) is large, and a caller
    // polling several table reads on a small thread stack must not hold it inline.
    let batches = Box::pin(pathwarden_sqlext::frontend::sql(ctx, sql))
        .await
        .map_err(DataFusionError::from)?
        .collect()
        .await?;
    Ok(rows_of(&batches))
}

/// Reads the rows of `batches` into `T`s.
pub fn rows_of<T: FromRow>(batches: &[RecordBatch]) -> Vec<T> {
    let mut out = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for batch in batches {
        let schema = batch.schema();
        let columns: Vec<(&'static str, ArrayRef)> = T::COLUMNS
            .iter()
            .filter_map(|name| {
                schema
                    .index_of(name)
                    .ok()
                    .map(|i| (*name, batch.column(i).clone()))
            })
            .collect();
        for index in 0..batch.num_rows() {
            out.push(T::from_row(&Row {
                columns: &columns,
                index,
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{BooleanArray, Int64Array, StringArray};
    use arrow::datatypes::{Field, Schema};

    use super::*;

    table_row! {
        struct Sample {
            arn: Option<String>,
            name: String,
            enabled: bool,
            count: Option<String>,
            tags: Json<std::collections::BTreeMap<String, String>>,
            doc: Value,
            missing: Option<String>,
        }
    }

    #[test]
    fn cells_are_read_by_column_name_whatever_the_select_order() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("doc", DataType::Utf8, true),
            Field::new("enabled", DataType::Boolean, true),
            Field::new("tags", DataType::Utf8, true),
            Field::new("count", DataType::Int64, true),
            Field::new("name", DataType::Utf8, true),
            Field::new("arn", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec![
                    Some(r#"{"a":[1]}"#),
                    Some("not json"),
                ])),
                Arc::new(BooleanArray::from(vec![Some(true), None])),
                Arc::new(StringArray::from(vec![
                    Some(r#"{"team":"red"}"#),
                    Some("[1]"),
                ])),
                Arc::new(Int64Array::from(vec![Some(7), None])),
                Arc::new(StringArray::from(vec![Some("alice"), None])),
                Arc::new(StringArray::from(vec![Some("arn:x"), Some("")])),
            ],
        )
        .expect("batch");
        let rows: Vec<Sample> = rows_of(&[batch]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].arn.as_deref(), Some("arn:x"));
        assert_eq!(rows[0].name, "alice");
        assert!(rows[0].enabled);
        assert_eq!(rows[0].count.as_deref(), Some("7"));
        assert_eq!(rows[0].tags.0.get("team").map(String::as_str), Some("red"));
        assert_eq!(rows[0].doc, serde_json::json!({"a": [1]}));
        assert_eq!(rows[0].missing, None);
        // NULL, empty text, a JSON cell of the wrong shape and unparseable JSON.
        assert_eq!(rows[1].arn, None);
        assert_eq!(rows[1].name, "");
        assert!(!rows[1].enabled);
        assert_eq!(rows[1].count, None);
        assert!(rows[1].tags.0.is_empty());
        assert_eq!(rows[1].doc, Value::Null);
    }
}
