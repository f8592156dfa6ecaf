//! Map engine errors to PostgreSQL SQLSTATEs so clients can tell a typo from a
//! missing table from a denied API call.

use std::error::Error as StdError;

use datafusion::arrow::error::ArrowError;
use datafusion::common::SchemaError;
use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;
use pathwarden_tables::framework::{FetchError, TableError};
use pgwire::error::{ErrorInfo, PgWireError};

/// A SQLSTATE and message.
pub fn sql_error(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".into(),
        code.into(),
        message.into(),
    )))
}

fn classify_df(e: &DataFusionError) -> &'static str {
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
        DataFusionError::External(inner) => classify_dyn(inner.as_ref()),
        DataFusionError::Context(_, inner) => classify_df(inner),
        DataFusionError::Shared(inner) => classify_df(inner),
        DataFusionError::Diagnostic(_, inner) => classify_df(inner),
        DataFusionError::Execution(msg) => {
            let m = msg.to_ascii_lowercase();
            if msg == crate::exec::TIMEOUT_MESSAGE {
                "57014"
            } else if m.contains("cast")
                || m.contains("invalid json")
                || m.contains("invalid input")
            {
                "22P02"
            } else {
                "XX000"
            }
        }
        _ => "XX000",
    }
}

fn classify_dyn(e: &(dyn StdError + Send + Sync + 'static)) -> &'static str {
    if let Some(df) = e.downcast_ref::<DataFusionError>() {
        return classify_df(df);
    }
    if let Some(t) = e.downcast_ref::<TableError>() {
        return match t.source {
            FetchError::AccessDenied { .. } => "42501",
            _ => "58000",
        };
    }
    if e.downcast_ref::<crate::identity::PermissionDenied>()
        .is_some()
    {
        return "42501";
    }
    if e.downcast_ref::<ParserError>().is_some() {
        return "42601";
    }
    if let Some(s) = e.downcast_ref::<pathwarden_sqlext::SqlExtError>() {
        let _ = s;
        return "0A000";
    }
    "XX000"
}

fn clean_message(msg: String) -> String {
    // DataFusion prefixes messages with its error kind; PostgreSQL clients expect the message.
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

/// Turn any handler error into a user-facing error with a SQLSTATE.
pub fn map_error(e: PgWireError) -> PgWireError {
    match e {
        PgWireError::ApiError(inner) => {
            let code = classify_dyn(inner.as_ref());
            sql_error(code, clean_message(inner.to_string()))
        }
        other => other,
    }
}

/// Map a DataFusion error directly.
pub fn from_df(e: DataFusionError) -> PgWireError {
    let code = classify_df(&e);
    sql_error(code, clean_message(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_errors_get_sqlstates() {
        assert_eq!(
            classify_df(&DataFusionError::Plan(
                "table 'pathwarden.public.nope' not found".into()
            )),
            "42P01"
        );
        assert_eq!(
            classify_df(&DataFusionError::Plan("Invalid function 'foo'".into())),
            "42883"
        );
        assert_eq!(
            classify_df(&DataFusionError::NotImplemented("x".into())),
            "0A000"
        );
    }

    #[test]
    fn access_denied_is_42501() {
        let t = TableError {
            table: "aws_iam_role".into(),
            connection: "prod".into(),
            region: None,
            source: FetchError::AccessDenied {
                api_call: "iam:ListRoles".into(),
                message: "no".into(),
            },
        };
        let e = DataFusionError::External(Box::new(t));
        assert_eq!(classify_df(&e), "42501");
        let wrapped = DataFusionError::Context("scan".into(), Box::new(e));
        assert_eq!(classify_df(&wrapped), "42501");
    }
}
