//! Map engine errors to PostgreSQL SQLSTATEs so clients can tell a typo from a
//! missing table from a denied API call.

use std::error::Error as StdError;

use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;
use pathwarden_sqlext::frontend::{SqlError, clean_message, sqlstate};
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

/// The daemon's own error types inside an engine error: a table's access-denied error,
/// a permission check, the statement timeout. The front end names the rest.
fn daemon_sqlstate(e: &DataFusionError) -> Option<&'static str> {
    match e {
        DataFusionError::Execution(msg) if msg == crate::exec::TIMEOUT_MESSAGE => Some("57014"),
        DataFusionError::External(inner) => daemon_sqlstate_dyn(inner.as_ref()),
        _ => None,
    }
}

fn daemon_sqlstate_dyn(e: &(dyn StdError + Send + Sync + 'static)) -> Option<&'static str> {
    if let Some(t) = e.downcast_ref::<TableError>() {
        return Some(match t.source {
            FetchError::AccessDenied { .. } => "42501",
            _ => "58000",
        });
    }
    if e.downcast_ref::<crate::identity::PermissionDenied>()
        .is_some()
    {
        return Some("42501");
    }
    None
}

fn classify_df(e: &DataFusionError) -> &'static str {
    sqlstate(e, &daemon_sqlstate)
}

fn classify_dyn(e: &(dyn StdError + Send + Sync + 'static)) -> &'static str {
    if let Some(df) = e.downcast_ref::<DataFusionError>() {
        return classify_df(df);
    }
    if let Some(code) = daemon_sqlstate_dyn(e) {
        return code;
    }
    if let Some(s) = e.downcast_ref::<SqlError>() {
        return match &s.source {
            Some(df) => classify_df(df),
            None => s.code,
        };
    }
    if e.downcast_ref::<ParserError>().is_some() {
        return "42601";
    }
    if e.downcast_ref::<pathwarden_sqlext::SqlExtError>().is_some() {
        return "0A000";
    }
    "XX000"
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

/// A front-end error as a pgwire error; an engine error inside it is classified again
/// with the daemon's own error types.
pub fn from_sql(e: SqlError) -> PgWireError {
    match e.source {
        Some(df) => from_df(df),
        None => sql_error(e.code, e.message),
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
