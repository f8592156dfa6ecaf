//! The front end's error: a PostgreSQL SQLSTATE and a message, whatever path the SQL
//! came in by (pgwire, `pathwarden query`, a job, the graph build).

use std::error::Error as StdError;

use datafusion::arrow::error::ArrowError;
use datafusion::common::SchemaError;
use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;

use crate::SqlExtError;

/// An error of parsing, rewriting or planning a statement, with its SQLSTATE.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SqlError {
    /// The SQLSTATE (`42601` syntax error, `0A000` not supported, ...).
    pub code: &'static str,
    /// The message as a PostgreSQL client shows it (no DataFusion prefixes).
    pub message: String,
    /// The engine's error it came from, for callers that classify their own errors
    /// inside it (a table's access-denied error is the daemon's to name).
    #[source]
    pub source: Option<DataFusionError>,
}

impl SqlError {
    /// An error with a SQLSTATE and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        SqlError {
            code,
            message: message.into(),
            source: None,
        }
    }

    /// A DataFusion error with the SQLSTATE [`sqlstate`] gives it.
    pub fn from_datafusion(e: DataFusionError) -> Self {
        SqlError {
            code: sqlstate(&e, &|_| None),
            message: clean_message(e.to_string()),
            source: Some(e),
        }
    }

    /// A parser error: SQLSTATE 42601.
    pub fn syntax(e: ParserError) -> Self {
        SqlError::new("42601", format!("syntax error: {e}"))
    }
}

impl From<DataFusionError> for SqlError {
    fn from(e: DataFusionError) -> Self {
        SqlError::from_datafusion(e)
    }
}

impl From<SqlError> for DataFusionError {
    fn from(e: SqlError) -> Self {
        match e.source {
            Some(inner) => inner,
            None => DataFusionError::External(Box::new(e)),
        }
    }
}

/// The SQLSTATE of a DataFusion error. `foreign` is asked first at every level of
/// wrapping, so that a caller can name the errors of its own types (a table's
/// access-denied error, a statement timeout) that this crate does not know.
pub fn sqlstate(
    e: &DataFusionError,
    foreign: &dyn Fn(&DataFusionError) -> Option<&'static str>,
) -> &'static str {
    if let Some(code) = foreign(e) {
        return code;
    }
    match e {
        DataFusionError::SQL(_, _) => "42601",
        DataFusionError::SchemaError(se, _) => match se.as_ref() {
            SchemaError::FieldNotFound { .. } => "42703",
            SchemaError::AmbiguousReference { .. } => "42702",
            _ => "42P18",
        },
        DataFusionError::Plan(msg) => {
            let m = msg.to_ascii_lowercase();
            if m.contains("table") && m.contains("not found") {
                "42P01"
            } else if m.contains("invalid function")
                || m.contains("function") && m.contains("does not exist")
            {
                "42883"
            } else if m.contains("unrecognized configuration parameter") {
                "42704"
            } else if m.contains("no field named") {
                "42703"
            } else if m.contains("cannot be cast")
                || m.contains("coerc")
                || m.contains("no function matches")
            {
                "42804"
            } else {
                "42601"
            }
        }
        DataFusionError::NotImplemented(_) => "0A000",
        DataFusionError::ResourcesExhausted(_) => "53200",
        DataFusionError::ArrowError(ae, _) => match ae.as_ref() {
            ArrowError::DivideByZero => "22012",
            ArrowError::CastError(_) | ArrowError::ParseError(_) => "22P02",
            _ => "XX000",
        },
        DataFusionError::External(inner) => sqlstate_of_dyn(inner.as_ref(), foreign),
        DataFusionError::Context(_, inner) => sqlstate(inner, foreign),
        DataFusionError::Shared(inner) => sqlstate(inner, foreign),
        DataFusionError::Diagnostic(_, inner) => sqlstate(inner, foreign),
        DataFusionError::Execution(msg) => {
            let m = msg.to_ascii_lowercase();
            if m.contains("cast") || m.contains("invalid json") || m.contains("invalid input") {
                "22P02"
            } else {
                "XX000"
            }
        }
        _ => "XX000",
    }
}

fn sqlstate_of_dyn(
    e: &(dyn StdError + Send + Sync + 'static),
    foreign: &dyn Fn(&DataFusionError) -> Option<&'static str>,
) -> &'static str {
    if let Some(df) = e.downcast_ref::<DataFusionError>() {
        return sqlstate(df, foreign);
    }
    if let Some(s) = e.downcast_ref::<SqlError>() {
        return match &s.source {
            Some(df) => sqlstate(df, foreign),
            None => s.code,
        };
    }
    if e.downcast_ref::<ParserError>().is_some() {
        return "42601";
    }
    if e.downcast_ref::<SqlExtError>().is_some() {
        return "0A000";
    }
    // The caller's own error types were offered to `foreign` with the External
    // that wraps them.
    "XX000"
}

/// DataFusion prefixes messages with its error kind; PostgreSQL clients expect the message.
pub fn clean_message(msg: String) -> String {
    let mut m = msg;
    for p in [
        "Error during planning: ",
        "SQL error: ",
        "Schema error: ",
        "Execution error: ",
        "External error: ",
        "This feature is not implemented: ",
        "Arrow error: ",
    ] {
        while let Some(rest) = m.strip_prefix(p) {
            m = rest.to_string();
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_errors_get_sqlstates() {
        let none = |_: &DataFusionError| None;
        assert_eq!(
            sqlstate(
                &DataFusionError::Plan("table 'pathwarden.public.nope' not found".into()),
                &none
            ),
            "42P01"
        );
        assert_eq!(
            sqlstate(
                &DataFusionError::Plan("Invalid function 'foo'".into()),
                &none
            ),
            "42883"
        );
        assert_eq!(
            sqlstate(&DataFusionError::NotImplemented("x".into()), &none),
            "0A000"
        );
        let wrapped = DataFusionError::External(Box::new(SqlError::new("25P02", "aborted")));
        assert_eq!(sqlstate(&wrapped, &none), "25P02");
    }
}
