//! The session's `search_path`, as PostgreSQL keeps it: a list of schema names, set by
//! `SET search_path`, by the startup packet (`options=-csearch_path=...`, pgjdbc's
//! `currentSchema`), shown by `SHOW search_path` and `current_setting('search_path')`,
//! and used to resolve unqualified table names: the first schema of the path that has
//! the table wins. `current_schema()` is the first schema of the path that exists.
//!
//! DataFusion resolves unqualified names through one default schema only. The session's
//! default schema is the path's first existing schema (`pg_catalog` when none exists, so
//! that an unqualified user table is "not found", as in PostgreSQL); names found in a
//! later schema of the path are qualified in the statement before planning.

use crate::visit::Walk;
use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, ListArray, StringArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::ScalarValue;
use datafusion::execution::SessionState;
use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{
    Expr, Ident, ObjectName, ObjectNamePart, Query, Statement, TableFactor, Value, VisitorMut,
};

/// The schema list of a session (names as PostgreSQL keeps them: case kept, `$user` kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPath {
    /// Schema names in order.
    pub schemas: Vec<String>,
}

impl Default for SearchPath {
    fn default() -> Self {
        SearchPath {
            schemas: vec!["public".into()],
        }
    }
}

impl SearchPath {
    /// The path as `SHOW search_path` prints it (`demo, public`, `"$user", public`).
    pub fn display(&self) -> String {
        self.schemas
            .iter()
            .map(|s| quote_ident(s))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Parse a path given as text, as in the startup packet or `current_setting`:
    /// comma-separated names, double quotes keep case and commas.
    pub fn parse(text: &str) -> SearchPath {
        let mut schemas = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push('"');
                }
                '"' => {
                    quoted = !quoted;
                    was_quoted = true;
                }
                ',' if !quoted => {
                    push_name(&mut schemas, &cur, was_quoted);
                    cur.clear();
                    was_quoted = false;
                }
                c => cur.push(c),
            }
        }
        push_name(&mut schemas, &cur, was_quoted);
        SearchPath { schemas }
    }

    /// The path a `SET search_path TO a, "B", 'c'` gives: identifiers fold to lower case
    /// unless quoted; a string is one name as written.
    pub fn from_set_values(values: &[Expr]) -> Result<SearchPath, String> {
        let mut schemas = Vec::new();
        for v in values {
            match v {
                Expr::Identifier(i) => schemas.push(ident_name(i)),
                Expr::CompoundIdentifier(_) => {
                    return Err(format!("invalid value for parameter \"search_path\": {v}"));
                }
                Expr::Value(val) => match &val.value {
                    Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
                        schemas.push(s.clone())
                    }
                    _ => {
                        return Err(format!("invalid value for parameter \"search_path\": {v}"));
                    }
                },
                other => {
                    return Err(format!(
                        "invalid value for parameter \"search_path\": {other}"
                    ));
                }
            }
        }
        // `SET search_path = ''` empties it, as in PostgreSQL.
        schemas.retain(|s| !s.is_empty());
        Ok(SearchPath { schemas })
    }

    /// The schemas of the path that exist, in order (`$user` and unknown names skipped).
    pub fn existing(&self, state: &SessionState) -> Vec<String> {
        let Some(cat) = state
            .catalog_list()
            .catalog(&state.config().options().catalog.default_catalog)
        else {
            return vec![];
        };
        let names: HashSet<String> = cat.schema_names().into_iter().collect();
        let mut out: Vec<String> = Vec::new();
        for s in &self.schemas {
            if names.contains(s) && !out.contains(s) {
                out.push(s.clone());
            }
        }
        out
    }

    /// The session's search path.
    pub fn of(state: &SessionState) -> SearchPath {
        state
            .config()
            .get_extension::<SearchPath>()
            .map(|p| p.as_ref().clone())
            .unwrap_or_default()
    }

    /// Make this the search path of `ctx`: its default schema, `current_schema()`,
    /// `current_schemas(bool)`.
    pub fn apply(self, ctx: &SessionContext) {
        let existing = self.existing(&ctx.state());
        let first = existing.first().cloned();
        let shown = self.display();
        {
            let lock = ctx.state_ref();
            let mut state = lock.write();
            let config = state.config_mut();
            config.options_mut().catalog.default_schema =
                first.clone().unwrap_or_else(|| "pg_catalog".into());
            config.set_extension(Arc::new(self));
        }
        let current = first.clone();
        ctx.register_udf(create_udf(
            "current_schema",
            vec![],
            DataType::Utf8,
            Volatility::Stable,
            Arc::new(move |_args: &[ColumnarValue]| {
                Ok(ColumnarValue::Scalar(ScalarValue::Utf8(current.clone())))
            }),
        ));
        ctx.register_udf(current_setting(shown));
        let item = Arc::new(Field::new("item", DataType::Utf8, true));
        let list_item = item.clone();
        ctx.register_udf(create_udf(
            "current_schemas",
            vec![DataType::Boolean],
            DataType::List(item),
            Volatility::Stable,
            Arc::new(move |args: &[ColumnarValue]| {
                let implicit = matches!(
                    args.first(),
                    Some(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))))
                );
                // PostgreSQL lists pg_catalog first when it is searched implicitly.
                let mut names: Vec<&str> = Vec::new();
                if implicit && !existing.iter().any(|s| s == "pg_catalog") {
                    names.push("pg_catalog");
                }
                names.extend(existing.iter().map(String::as_str));
                let values: ArrayRef = Arc::new(StringArray::from(names.clone()));
                let list = ListArray::try_new(
                    list_item.clone(),
                    OffsetBuffer::from_lengths([names.len()]),
                    values,
                    None,
                )?;
                Ok(ColumnarValue::Scalar(ScalarValue::List(Arc::new(list))))
            }),
        ));
    }
}

/// `current_setting(name [, missing_ok])` for the settings clients read (harlequin's
/// read-only check, pgjdbc, the catalog queries of datafusion-pg-catalog that read the
/// search path); an unknown name is SQLSTATE 42704 as in PostgreSQL, or NULL with
/// `missing_ok`.
fn current_setting(search_path: String) -> datafusion::logical_expr::ScalarUDF {
    use datafusion::logical_expr::{
        ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    };
    #[derive(Debug, PartialEq, Eq, Hash)]
    struct CurrentSetting {
        search_path: String,
        signature: Signature,
    }
    impl ScalarUDFImpl for CurrentSetting {
        fn name(&self) -> &str {
            "current_setting"
        }
        fn signature(&self) -> &Signature {
            &self.signature
        }
        fn return_type(&self, _: &[DataType]) -> datafusion::error::Result<DataType> {
            Ok(DataType::Utf8)
        }
        fn invoke_with_args(
            &self,
            args: ScalarFunctionArgs,
        ) -> datafusion::error::Result<ColumnarValue> {
            let name = match args.args.first() {
                Some(ColumnarValue::Scalar(v)) => v.to_string(),
                _ => {
                    return Err(datafusion::error::DataFusionError::NotImplemented(
                        "current_setting() of a column".into(),
                    ));
                }
            };
            let missing_ok = matches!(
                args.args.get(1),
                Some(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))))
            );
            let value = match name.to_ascii_lowercase().as_str() {
                "search_path" => Some(self.search_path.clone()),
                "server_version" => Some("16.0".to_string()),
                "server_version_num" => Some("160000".to_string()),
                "server_encoding" | "client_encoding" => Some("UTF8".to_string()),
                "standard_conforming_strings" | "integer_datetimes" => Some("on".to_string()),
                // SQL here only reads.
                "transaction_read_only" | "default_transaction_read_only" => Some("on".to_string()),
                "max_identifier_length" => Some("63".to_string()),
                "max_index_keys" => Some("32".to_string()),
                _ => None,
            };
            match value {
                Some(v) => Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(v)))),
                None if missing_ok => Ok(ColumnarValue::Scalar(ScalarValue::Utf8(None))),
                None => Err(datafusion::error::DataFusionError::Plan(format!(
                    "unrecognized configuration parameter \"{name}\""
                ))),
            }
        }
    }
    ScalarUDF::new_from_impl(CurrentSetting {
        search_path,
        signature: Signature::one_of(
            vec![
                TypeSignature::Exact(vec![DataType::Utf8]),
                TypeSignature::Exact(vec![DataType::Utf8, DataType::Boolean]),
            ],
            Volatility::Stable,
        ),
    })
}

fn push_name(out: &mut Vec<String>, raw: &str, quoted: bool) {
    let name = if quoted {
        raw.to_string()
    } else {
        raw.trim().to_lowercase()
    };
    let name = if quoted {
        name.trim().to_string()
    } else {
        name
    };
    if !name.is_empty() {
        out.push(name);
    }
}

fn ident_name(i: &Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// A name as PostgreSQL's `quote_ident` prints it.
pub fn quote_ident(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// Qualify the unqualified table names of `stmt` that the session's search path finds in
/// a schema other than the default one (the path's first existing schema). Names of
/// CTEs, and names no schema of the path has, are left alone.
pub fn qualify(stmt: &mut Statement, state: &SessionState) {
    let path = SearchPath::of(state);
    let existing = path.existing(state);
    if existing.len() < 2 {
        // The default schema alone is searched: DataFusion does it.
        return;
    }
    let Some(cat) = state
        .catalog_list()
        .catalog(&state.config().options().catalog.default_catalog)
    else {
        return;
    };
    struct Ctes(HashSet<String>);
    impl VisitorMut for Ctes {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
            if let Some(with) = &q.with {
                for cte in &with.cte_tables {
                    self.0.insert(ident_name(&cte.alias.name));
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut ctes = Ctes(HashSet::new());
    let _ = stmt.walk_mut(&mut ctes);
    struct Q<'a> {
        ctes: HashSet<String>,
        schemas: Vec<Arc<dyn datafusion::catalog::SchemaProvider>>,
        names: &'a [String],
    }
    impl VisitorMut for Q<'_> {
        type Break = ();
        fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
            let TableFactor::Table {
                name, args: None, ..
            } = t
            else {
                return ControlFlow::Continue(());
            };
            let [ObjectNamePart::Identifier(ident)] = name.0.as_slice() else {
                return ControlFlow::Continue(());
            };
            let table = ident_name(ident);
            if self.ctes.contains(&table) {
                return ControlFlow::Continue(());
            }
            let found = self
                .schemas
                .iter()
                .position(|s| s.table_exist(&table))
                .map(|i| self.names[i].clone());
            if let Some(schema) = found
                && Some(&schema) != self.names.first()
            {
                *name = ObjectName(vec![
                    ObjectNamePart::Identifier(Ident::with_quote('"', schema)),
                    ObjectNamePart::Identifier(ident.clone()),
                ]);
            }
            ControlFlow::Continue(())
        }
    }
    let schemas: Vec<_> = existing.iter().filter_map(|s| cat.schema(s)).collect();
    if schemas.len() != existing.len() {
        return;
    }
    let mut q = Q {
        ctes: ctes.0,
        schemas,
        names: &existing,
    };
    let _ = stmt.walk_mut(&mut q);
}

/// The search path a startup packet asks for: a `search_path` parameter (pgjdbc's
/// `currentSchema`), or `-c search_path=...` / `--search_path=...` in `options`.
pub fn from_startup(params: &std::collections::HashMap<String, String>) -> Option<SearchPath> {
    let mut found = params.get("search_path").map(|s| SearchPath::parse(s));
    if let Some(options) = params.get("options") {
        for (name, value) in startup_options(options) {
            if name.eq_ignore_ascii_case("search_path") {
                found = Some(SearchPath::parse(&value));
            }
        }
    }
    found
}

/// `name=value` settings of a startup `options` string (`-c a=b -cc=d --e=f`), with
/// PostgreSQL's backslash escapes for spaces.
pub fn startup_options(options: &str) -> Vec<(String, String)> {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let setting = if w == "-c" {
            i += 1;
            words.get(i).cloned()
        } else if let Some(rest) = w.strip_prefix("-c") {
            Some(rest.to_string())
        } else {
            w.strip_prefix("--").map(str::to_string)
        };
        if let Some((n, v)) = setting.as_deref().and_then(|s| s.split_once('=')) {
            out.push((n.replace('-', "_"), v.to_string()));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths_as_postgresql() {
        assert_eq!(
            SearchPath::parse("demo, public").schemas,
            ["demo", "public"]
        );
        assert_eq!(
            SearchPath::parse("\"$user\", Public").schemas,
            ["$user", "public"]
        );
        assert_eq!(SearchPath::parse("\"A,b\"").schemas, ["A,b"]);
        assert_eq!(
            SearchPath {
                schemas: vec!["$user".into(), "public".into(), "Demo".into()]
            }
            .display(),
            "\"$user\", public, \"Demo\""
        );
        assert_eq!(
            startup_options("-c search_path=demo,public -cstatement_timeout=5s --x-y=1"),
            vec![
                ("search_path".to_string(), "demo,public".to_string()),
                ("statement_timeout".to_string(), "5s".to_string()),
                ("x_y".to_string(), "1".to_string()),
            ]
        );
        assert_eq!(
            startup_options("-csearch_path=demo\\ x"),
            vec![("search_path".to_string(), "demo x".to_string())]
        );
    }
}
