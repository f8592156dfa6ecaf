//! The SQL front door: which statements a session may run at all, and which need a
//! stronger role. pathwarden serves read-only analytics, so the list is an allow-list:
//! queries, EXPLAIN, SHOW, session settings, transaction control and cursors. Everything
//! else (DDL, DML, COPY to or from files, CREATE EXTERNAL TABLE, CREATE FUNCTION, ...)
//! is refused for every role before it reaches DataFusion, whose own DDL would change
//! the catalog every other session reads, and whose COPY and external tables read and
//! write the host's files.

use datafusion::sql::sqlparser::ast::{CopySource, CopyTarget, Expr, Set, Statement};
use pgwire::error::{PgWireError, PgWireResult};

use super::errors::sql_error;
use crate::identity::{Identity, Role};

/// The statement's leading keywords (`CREATE EXTERNAL TABLE`, `DROP SCHEMA`), for errors.
fn statement_name(stmt: &Statement) -> String {
    let text = stmt.to_string();
    let words: Vec<&str> = text
        .split_whitespace()
        .take(3)
        .take_while(|w| w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    if words.is_empty() {
        "this statement".into()
    } else {
        words.join(" ")
    }
}

fn denied(msg: String) -> PgWireError {
    sql_error("42501", msg)
}

/// What a `SET` of `variable` needs.
fn set_needs(variable: &str) -> Result<Option<Role>, String> {
    let v = variable.to_ascii_lowercase();
    // The engine's runtime (memory pool, spill directory, object stores) and its catalog
    // options are fixed by the configuration, for every role.
    if v.starts_with("datafusion.runtime.") || v.starts_with("datafusion.catalog.") {
        return Err(format!(
            "permission denied to set parameter \"{variable}\": fixed by the server configuration"
        ));
    }
    if v.starts_with("datafusion.") {
        return Ok(Some(Role::Admin));
    }
    // `pathwarden.cache = false` makes every query call the cloud APIs.
    if v.starts_with("pathwarden.") {
        return Ok(Some(Role::Operator));
    }
    Ok(None)
}

/// The name of a `SET` statement's single variable, when it has one.
pub fn set_variable(stmt: &Statement) -> Option<(String, &[Expr])> {
    match stmt {
        Statement::Set(Set::SingleAssignment {
            variable, values, ..
        }) => Some((variable.to_string(), values.as_slice())),
        _ => None,
    }
}

/// Refuse `stmt` unless it is read-only and `identity`'s role may run it.
pub fn check(stmt: &Statement, identity: &Identity) -> PgWireResult<()> {
    match stmt {
        Statement::Query(_) | Statement::ExplainTable { .. } => Ok(()),
        Statement::Explain { statement, .. } => match statement.as_ref() {
            Statement::Query(_) => Ok(()),
            inner => {
                check(inner, identity)?;
                Err(sql_error(
                    "0A000",
                    format!("EXPLAIN of {} is not supported", statement_name(inner)),
                ))
            }
        },
        Statement::Set(set) => {
            let vars: Vec<String> = match set {
                Set::SingleAssignment { variable, .. } => vec![variable.to_string()],
                Set::ParenthesizedAssignments { variables, .. } => {
                    variables.iter().map(|v| v.to_string()).collect()
                }
                Set::MultipleAssignments { assignments } => {
                    assignments.iter().map(|a| a.name.to_string()).collect()
                }
                Set::SetRole { .. } | Set::SetSessionAuthorization(_) => {
                    return Err(sql_error(
                        "0A000",
                        "SET ROLE and SET SESSION AUTHORIZATION are not supported: the role is the login's",
                    ));
                }
                _ => vec![],
            };
            for v in vars {
                match set_needs(&v).map_err(denied)? {
                    Some(role) if !identity.allows(role) => {
                        return Err(denied(format!(
                            "permission denied to set parameter \"{v}\": needs role {} or higher",
                            role.name()
                        )));
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        Statement::ShowVariable { .. }
        | Statement::ShowStatus { .. }
        | Statement::ShowVariables { .. }
        | Statement::ShowCatalogs { .. }
        | Statement::ShowSchemas { .. }
        | Statement::ShowTables { .. }
        | Statement::ShowColumns { .. }
        | Statement::ShowFunctions { .. } => Ok(()),
        Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. } => Ok(()),
        Statement::Declare { stmts } => {
            for d in stmts {
                if let Some(q) = &d.for_query {
                    check(&Statement::Query(q.clone()), identity)?;
                }
            }
            Ok(())
        }
        Statement::Fetch { .. }
        | Statement::Close { .. }
        | Statement::Deallocate { .. }
        | Statement::Discard { .. } => Ok(()),
        Statement::Copy {
            to, target, source, ..
        } => match (to, target) {
            // The rows go to the client, never to the server's files; the query inside
            // is checked like any other.
            (true, CopyTarget::Stdout) => match source {
                CopySource::Query(q) => check(&Statement::Query(q.clone()), identity),
                CopySource::Table { .. } => Ok(()),
            },
            _ => Err(denied(
                "permission denied: COPY to or from a file or program is not allowed: SQL here never reads or writes the server's files".into(),
            )),
        },
        other => Err(denied(format!(
            "permission denied: {} is not allowed: pathwarden serves read-only data, and the catalog cannot be changed by SQL",
            statement_name(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn code(sql: &str, role: Role) -> Option<String> {
        // What the PostgreSQL dialect cannot parse never reaches the engine (42601).
        let stmt = match Parser::parse_sql(&PostgreSqlDialect {}, sql) {
            Ok(mut s) => s.remove(0),
            Err(e) => return Some(format!("42601 {e}")),
        };
        let id = Identity {
            user: "u".into(),
            role,
        };
        check(&stmt, &id).err().map(|e| match e {
            PgWireError::UserError(info) => format!("{} {}", info.code, info.message),
            other => other.to_string(),
        })
    }

    #[test]
    fn host_and_catalog_changes_are_refused_for_every_role() {
        for role in [Role::Reader, Role::Operator, Role::Admin] {
            for sql in [
                "COPY (select 1) TO '/tmp/x.csv'",
                "COPY t FROM '/etc/passwd'",
                "COPY (select 1) TO PROGRAM 'touch /tmp/pwned'",
                "CREATE EXTERNAL TABLE t STORED AS PARQUET LOCATION '/etc/'",
                "DROP SCHEMA public CASCADE",
                "CREATE VIEW public.aws_iam_user AS SELECT 1",
                "CREATE SCHEMA evil",
                "CREATE TABLE t (a int)",
                "INSERT INTO t VALUES (1)",
                "DELETE FROM t",
                "CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql",
                "EXPLAIN ANALYZE COPY (select 1) TO '/tmp/x'",
                "SET datafusion.runtime.memory_limit = '100G'",
                "SET datafusion.catalog.default_catalog = 'x'",
            ] {
                let c = code(sql, role).unwrap_or_else(|| panic!("{sql} allowed for {role:?}"));
                assert!(
                    c.starts_with("42501") || c.starts_with("0A000"),
                    "{sql}: {c}"
                );
            }
        }
        let c = code(
            "CREATE EXTERNAL TABLE t STORED AS PARQUET LOCATION '/etc/passwd'",
            Role::Admin,
        )
        .unwrap();
        assert!(c.contains("CREATE EXTERNAL TABLE"), "{c}");
    }

    #[test]
    fn reads_and_session_settings_pass_by_role() {
        for sql in [
            "select 1",
            "explain select 1",
            "show search_path",
            "set search_path to demo",
            "set statement_timeout = '3s'",
            "begin",
            "commit",
            "declare c cursor for select 1",
            "fetch 10 from c",
            "close c",
            "copy (select 1) to stdout",
            "copy aws_iam_user to stdout with (format csv, header)",
        ] {
            assert_eq!(code(sql, Role::Reader), None, "{sql}");
        }
        assert!(code("set datafusion.execution.batch_size = 10", Role::Reader).is_some());
        assert!(code("set datafusion.execution.batch_size = 10", Role::Operator).is_some());
        assert_eq!(
            code("set datafusion.execution.batch_size = 10", Role::Admin),
            None
        );
        assert!(code("set pathwarden.cache = false", Role::Reader).is_some());
        assert_eq!(code("set pathwarden.cache = false", Role::Operator), None);
        assert!(code("set role admin", Role::Reader).is_some());
    }
}
