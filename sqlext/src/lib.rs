//! PostgreSQL-compatible SQL extensions for DataFusion, so that Steampipe-style
//! queries over JSON columns run unmodified.
//!
//! JSON values (Steampipe's `jsonb` columns such as `policy_std` or `tags`) are
//! Arrow `Utf8` columns holding JSON text. Everything here keeps that
//! representation: JSON-producing functions return JSON text rendered the way
//! PostgreSQL prints `jsonb`, and SQL NULL stays NULL.
//!
//! Two entry points are needed, in this order, for every statement:
//!
//! 1. [`rewrite`] on the parsed statement, before planning. It turns
//!    `::jsonb` casts into function calls, makes set-returning functions in
//!    FROM implicitly LATERAL, resolves a set-returning function's alias used
//!    as a value (`s ->> 'Effect'`), and names result columns as PostgreSQL does.
//! 2. Planning and execution on a [`SessionContext`] prepared once with
//!    [`register`], which installs the JSON operators, scalar and aggregate
//!    functions, the set-returning table functions and the analyzer rule that
//!    turns LATERAL set-returning functions into DataFusion unnest plans.
//!
//! The daemon then renames result fields with [`output_name`].
//!
//! [`frontend`] is the whole pipeline (PostgreSQL parsing, rewrites, planning) that
//! every path SQL comes in by goes through.

mod aggregate;
pub mod frontend;
mod json;
mod known;
mod pgtext;
mod planner;
mod rewrite;
mod scan;
mod srf;
mod udf;
mod visit;

use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::execution::FunctionRegistry;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::optimizer::AnalyzerRule;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;

pub use pgtext::{
    EXPAND_ARRAY_FUNCTION, REGTYPE_NAMES_FUNCTION, TEXT_FUNCTION, to_text as pg_text,
};
pub use rewrite::rewrite;

/// A JSON value as text, printed the way PostgreSQL prints `jsonb` (`{"a": 1}`, keys in
/// jsonb order). Columns stored this way are returned by `->` and the set-returning
/// functions as slices, without being parsed and printed again.
pub fn render_jsonb(value: &serde_json::Value) -> String {
    json::render(value)
}

/// Prefix of the internal result-column names produced by [`rewrite`].
pub const INTERNAL_NAME_PREFIX: &str = "__pw";

/// Errors raised by the SQL extensions, at rewrite time or while executing.
#[derive(Debug, thiserror::Error)]
pub enum SqlExtError {
    /// A value that must be JSON text is not valid JSON.
    #[error("invalid input syntax for type json ({context}): {message}")]
    InvalidJson {
        /// The function or operator that received the text.
        context: String,
        /// The parser's description of the problem.
        message: String,
    },
    /// A PostgreSQL text-array literal (`'{a,0,b}'`) could not be parsed.
    #[error("malformed array literal \"{literal}\": {reason}")]
    InvalidTextArray {
        /// The literal as written.
        literal: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A function was called with an argument it cannot accept.
    #[error("{function}: {message}")]
    InvalidArgument {
        /// The SQL function name.
        function: String,
        /// What is wrong.
        message: String,
    },
    /// A query shape that pathwarden cannot run with PostgreSQL semantics.
    #[error("unsupported SQL: {0}")]
    Unsupported(String),
}

impl SqlExtError {
    pub(crate) fn invalid_argument(function: &str, message: impl Into<String>) -> Self {
        SqlExtError::InvalidArgument {
            function: function.to_string(),
            message: message.into(),
        }
    }
}

impl From<SqlExtError> for DataFusionError {
    fn from(e: SqlExtError) -> Self {
        match e {
            SqlExtError::Unsupported(_) => DataFusionError::NotImplemented(e.to_string()),
            _ => DataFusionError::Execution(e.to_string()),
        }
    }
}

/// Installs the PostgreSQL JSON operators, functions, set-returning functions
/// and LATERAL support into `ctx`. Call once per context, before planning.
pub fn register(ctx: &SessionContext) -> datafusion::error::Result<()> {
    for f in udf::scalar_functions() {
        ctx.register_udf(f);
    }
    ctx.register_udf(pgtext::text_function());
    ctx.register_udf(pgtext::regtype_names_function());
    ctx.register_udf(pgtext::format_type_function());
    ctx.register_udf(pgtext::expand_array_function());
    for f in aggregate::aggregate_functions() {
        ctx.register_udaf(f);
    }
    for (name, f) in srf::table_functions() {
        ctx.register_udtf(&name, f);
    }
    ctx.register_relation_planner(Arc::new(srf::SrfRelationPlanner))?;
    let state_ref = ctx.state_ref();
    let mut state = state_ref.write();
    state.register_expr_planner(Arc::new(planner::JsonOperatorPlanner))?;
    // The lateral rule must run before type coercion so that the expressions
    // it moves out of the placeholder scan get coerced like any other. The
    // analyzer's rule list can only be reordered by rebuilding the state.
    let already = state
        .analyzer()
        .rules
        .iter()
        .any(|r| r.name() == srf::LATERAL_RULE_NAME);
    if !already {
        let mut builder = SessionStateBuilder::new_from_existing(state.clone());
        if let Some(analyzer) = builder.analyzer().as_mut() {
            let rule: Arc<dyn AnalyzerRule + Send + Sync> = Arc::new(srf::LateralSrfRule);
            analyzer.rules.insert(0, rule);
        }
        *state = builder.build();
    }
    Ok(())
}

/// Maps a result field name produced by [`rewrite`] (`__pw<N>_<name>`) back
/// to the PostgreSQL column name; any other name is returned unchanged.
pub fn output_name(field_name: &str) -> &str {
    let Some(rest) = field_name.strip_prefix(INTERNAL_NAME_PREFIX) else {
        return field_name;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return field_name;
    }
    match rest[digits..].strip_prefix('_') {
        Some(name) => name,
        None => field_name,
    }
}

/// Convenience for callers holding one statement: [`rewrite`] then return it.
pub fn rewritten(mut stmt: Statement) -> Result<Statement, SqlExtError> {
    rewrite(&mut stmt)?;
    Ok(stmt)
}

#[cfg(test)]
mod tests {
    use super::output_name;

    #[test]
    fn output_name_maps_internal_names_only() {
        assert_eq!(output_name("__pw1_count"), "count");
        assert_eq!(output_name("__pw12_?column?"), "?column?");
        assert_eq!(output_name("__pw3_my_col"), "my_col");
        assert_eq!(output_name("count"), "count");
        assert_eq!(output_name("__pwx_count"), "__pwx_count");
        assert_eq!(output_name("__pw4"), "__pw4");
    }
}
