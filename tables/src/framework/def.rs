//! Declarative table definitions: the data every provider fills.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::registry::{HydrateRef, same_hydrate};
use super::source::Row;

/// The SQL type of a column, named as Steampipe names its column types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `text`
    Text,
    /// `boolean`
    Bool,
    /// `bigint`
    Int,
    /// `double precision`
    Double,
    /// `timestamptz` (values are RFC 3339 strings in rows)
    Timestamp,
    /// JSON document, carried as JSON text
    Json,
    /// IP address as text
    Inet,
    /// CIDR block as text
    Cidr,
}

impl ColumnType {
    /// The Arrow type the column is materialised as.
    pub fn arrow_type(self) -> DataType {
        match self {
            ColumnType::Text | ColumnType::Json | ColumnType::Inet | ColumnType::Cidr => {
                DataType::Utf8
            }
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Int => DataType::Int64,
            ColumnType::Double => DataType::Float64,
            ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        }
    }

    /// The PostgreSQL type name shown in docs.
    pub fn pg_name(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Bool => "boolean",
            ColumnType::Int => "bigint",
            ColumnType::Double => "double precision",
            ColumnType::Timestamp => "timestamp with time zone",
            ColumnType::Json => "jsonb",
            ColumnType::Inet => "inet",
            ColumnType::Cidr => "cidr",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    /// Column name (Steampipe's name).
    pub name: &'static str,
    /// Column type.
    pub ty: ColumnType,
    /// What the column holds.
    pub description: &'static str,
    /// The hydrate call that fills this column; `None` when the list/get call does.
    pub hydrate: Option<HydrateRef>,
}

/// A column filled by the list or get call.
pub const fn col(name: &'static str, ty: ColumnType, description: &'static str) -> ColumnDef {
    ColumnDef {
        name,
        ty,
        description,
        hydrate: None,
    }
}

/// A column filled by the hydrate call `hydrate` (a `static` [`Hydrate`](super::registry::Hydrate)).
pub const fn hcol(
    name: &'static str,
    ty: ColumnType,
    description: &'static str,
    hydrate: HydrateRef,
) -> ColumnDef {
    ColumnDef {
        name,
        ty,
        description,
        hydrate: Some(hydrate),
    }
}

/// Whether a table is listed once per connection or once per region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One list call per connection (IAM, S3 bucket list).
    Global,
    /// One list call per configured region.
    Regional,
}

/// A declared table: its schema and how it is fetched.
#[derive(Debug)]
pub struct TableDef {
    /// Table name, e.g. `aws_iam_role`.
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// API service the calls go to, used to bound concurrency (`iam`, `s3`, `ec2`).
    pub service: &'static str,
    /// Global or regional listing.
    pub scope: Scope,
    /// Columns, in order.
    pub columns: &'static [ColumnDef],
    /// Columns that identify one row for a get call (any one of them suffices).
    pub get_keys: &'static [&'static str],
    /// The column that identifies a row for hydrate caching (usually `arn`).
    pub id_column: &'static str,
}

impl TableDef {
    /// Arrow schema of the table.
    pub fn schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| {
                let mut f = Field::new(c.name, c.ty.arrow_type(), true);
                if c.ty == ColumnType::Json {
                    f = f.with_metadata(
                        [("pathwarden.type".to_string(), "jsonb".to_string())].into(),
                    );
                }
                f
            })
            .collect();
        Arc::new(Schema::new(fields))
    }

    /// Index of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The distinct hydrate calls needed to fill the given column indexes, by name.
    pub fn hydrates_for(&self, columns: &[usize]) -> Vec<HydrateRef> {
        let mut out: Vec<HydrateRef> = Vec::new();
        for &i in columns {
            if let Some(h) = self.columns.get(i).and_then(|c| c.hydrate)
                && !out.iter().any(|o| same_hydrate(*o, h))
            {
                out.push(h);
            }
        }
        out.sort_unstable_by_key(|h| h.name());
        out
    }

    /// Every hydrate call of the table, by name.
    pub fn hydrates(&self) -> Vec<HydrateRef> {
        self.hydrates_for(&(0..self.columns.len()).collect::<Vec<_>>())
    }

    /// Whether `column` is declared and filled by `hydrate` (`None`: by list/get).
    pub fn is_filled_by(&self, column: &str, hydrate: Option<HydrateRef>) -> bool {
        self.columns.iter().any(|c| {
            c.name == column
                && match (c.hydrate, hydrate) {
                    (None, None) => true,
                    (Some(a), Some(b)) => same_hydrate(a, b),
                    _ => false,
                }
        })
    }

    /// Keys of `row` that are not columns of the table (each one a value no query sees).
    pub fn undeclared_keys<'r>(&self, row: &'r Row) -> Vec<&'r str> {
        row.keys()
            .map(String::as_str)
            .filter(|k| self.column_index(k).is_none())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::framework::registry::Hydrate;

    static OWNER: Hydrate<()> = Hydrate::new("owner", |_, _, _| Box::pin(async { Ok(Row::new()) }));
    static OTHER: Hydrate<()> = Hydrate::new("other", |_, _, _| Box::pin(async { Ok(Row::new()) }));

    static THING: TableDef = TableDef {
        name: "thing",
        description: "a thing",
        service: "svc",
        scope: Scope::Global,
        columns: &[
            col("arn", ColumnType::Text, "arn"),
            hcol("owner", ColumnType::Text, "owner", &OWNER),
            hcol("owner_id", ColumnType::Text, "owner id", &OWNER),
            hcol("other", ColumnType::Text, "other", &OTHER),
        ],
        get_keys: &[],
        id_column: "arn",
    };

    #[test]
    fn a_misspelt_row_key_is_reported_as_undeclared() {
        let Value::Object(row) = json!({"arn": "a", "ownr": "bob"}) else {
            unreachable!()
        };
        assert_eq!(THING.undeclared_keys(&row), ["ownr"]);
    }

    #[test]
    fn columns_know_which_call_fills_them() {
        assert!(THING.is_filled_by("arn", None));
        assert!(THING.is_filled_by("owner", Some(&OWNER)));
        assert!(!THING.is_filled_by("owner", Some(&OTHER)));
        assert!(!THING.is_filled_by("owner", None));
        assert!(!THING.is_filled_by("ownr", Some(&OWNER)));
        // Two columns of one call are one call; the order is by name.
        let names: Vec<&str> = THING.hydrates().iter().map(|h| h.name()).collect();
        assert_eq!(names, ["other", "owner"]);
        let owner_only: Vec<&str> = THING
            .hydrates_for(&[1, 2])
            .iter()
            .map(|h| h.name())
            .collect();
        assert_eq!(owner_only, ["owner"]);
    }
}
