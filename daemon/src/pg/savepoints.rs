//! Savepoints for transaction recovery: `ROLLBACK TO SAVEPOINT` leaves a failed
//! transaction, as in PostgreSQL (SQLAlchemy's `begin_nested`, psycopg's nested
//! `transaction()`, pgjdbc's `autosave`).
//!
//! Works around pgwire 0.41: it reads the connection's transaction status before a
//! message is handled and only moves a failed transaction (`E`) to idle (`I`, on a
//! `TransactionEnd` response), never back to in-transaction (`T`), so a handler cannot
//! answer `ROLLBACK TO SAVEPOINT` with PostgreSQL's status. The connection loop, which
//! owns the socket, watches the savepoint statements go by and puts a failed
//! transaction back in progress before a `ROLLBACK TO` a savepoint that exists is
//! handled; the session then answers it (and every later statement) as usual.

use std::collections::HashMap;

use datafusion::sql::sqlparser::ast::Statement;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use pgwire::messages::PgWireFrontendMessage;

/// A transaction-control statement that matters for savepoints.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Control {
    Savepoint(String),
    Release(String),
    RollbackTo(String),
    /// COMMIT, ROLLBACK, END, ABORT, BEGIN: savepoints are gone.
    End,
}

/// What the connection loop must do for one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing.
    None,
    /// Put a failed transaction back in progress before handling the message.
    Recover,
    /// `ROLLBACK TO` a savepoint that does not exist (PostgreSQL: `3B001`).
    Unknown(String),
}

/// Savepoints of the current transaction and the prepared statements and portals that
/// control them.
#[derive(Debug, Default)]
pub struct Savepoints {
    /// Savepoint names, oldest first.
    names: Vec<String>,
    statements: HashMap<String, Control>,
    portals: HashMap<String, Control>,
}

fn classify(sql: &str) -> Option<Control> {
    classify_all(sql).into_iter().next()
}

/// The controls of every statement of `sql` (a simple query may hold several, as in
/// `begin; savepoint a`), in order.
fn classify_all(sql: &str) -> Vec<Control> {
    let head: String = sql
        .trim_start()
        .chars()
        .take(9)
        .collect::<String>()
        .to_ascii_uppercase();
    if ![
        "SAVEPOINT",
        "RELEASE",
        "ROLLBACK",
        "COMMIT",
        "END",
        "ABORT",
        "BEGIN",
        "START",
    ]
    .iter()
    .any(|k| head.starts_with(k))
        && !sql.contains(';')
    {
        return Vec::new();
    }
    let Ok(stmts) = Parser::parse_sql(&PostgreSqlDialect {}, sql) else {
        return Vec::new();
    };
    let name = |n: &datafusion::sql::sqlparser::ast::Ident| n.value.to_lowercase();
    stmts
        .iter()
        .filter_map(|s| match s {
            Statement::Savepoint { name: n } => Some(Control::Savepoint(name(n))),
            Statement::ReleaseSavepoint { name: n } => Some(Control::Release(name(n))),
            Statement::Rollback {
                savepoint: Some(n), ..
            } => Some(Control::RollbackTo(name(n))),
            Statement::Rollback { .. }
            | Statement::Commit { .. }
            | Statement::StartTransaction { .. } => Some(Control::End),
            _ => None,
        })
        .collect()
}

impl Savepoints {
    /// Watch one message; `failed` is whether the transaction is failed before it.
    pub fn observe(&mut self, msg: &PgWireFrontendMessage, failed: bool) -> Action {
        let control = match msg {
            PgWireFrontendMessage::Query(q) => {
                // Every statement of the batch, in order; the first that answers decides.
                let mut action = Action::None;
                for c in classify_all(&q.query) {
                    let a = self.apply(Some(c), failed);
                    if matches!(action, Action::None) {
                        action = a;
                    }
                }
                return action;
            }
            PgWireFrontendMessage::Parse(p) => {
                let name = p.name.clone().unwrap_or_default();
                match classify(&p.query) {
                    Some(c) => self.statements.insert(name, c),
                    None => self.statements.remove(&name),
                };
                return Action::None;
            }
            PgWireFrontendMessage::Bind(b) => {
                let portal = b.portal_name.clone().unwrap_or_default();
                let statement = b.statement_name.clone().unwrap_or_default();
                match self.statements.get(&statement) {
                    Some(c) => self.portals.insert(portal, c.clone()),
                    None => self.portals.remove(&portal),
                };
                return Action::None;
            }
            PgWireFrontendMessage::Execute(e) => self
                .portals
                .get(e.name.as_deref().unwrap_or_default())
                .cloned(),
            _ => None,
        };
        self.apply(control, failed)
    }

    fn apply(&mut self, control: Option<Control>, failed: bool) -> Action {
        match control {
            // In a failed transaction PostgreSQL refuses SAVEPOINT and RELEASE (25P02).
            Some(Control::Savepoint(n)) if !failed => {
                // A savepoint of the same name hides the older one until released.
                self.names.push(n);
                Action::None
            }
            Some(Control::Release(n)) if !failed => {
                if let Some(i) = self.names.iter().rposition(|s| *s == n) {
                    self.names.truncate(i);
                }
                Action::None
            }
            Some(Control::RollbackTo(n)) => {
                // The savepoint stays; those made after it are gone.
                match self.names.iter().rposition(|s| *s == n) {
                    Some(i) => {
                        self.names.truncate(i + 1);
                        if failed {
                            Action::Recover
                        } else {
                            Action::None
                        }
                    }
                    None => Action::Unknown(n),
                }
            }
            Some(Control::End) => {
                self.names.clear();
                Action::None
            }
            _ => Action::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgwire::messages::simplequery::Query;

    fn q(sql: &str) -> PgWireFrontendMessage {
        PgWireFrontendMessage::Query(Query::new(sql.into()))
    }

    #[test]
    fn rollback_to_an_existing_savepoint_recovers() {
        let mut s = Savepoints::default();
        assert_eq!(s.observe(&q("begin"), false), Action::None);
        assert_eq!(s.observe(&q("savepoint a"), false), Action::None);
        assert_eq!(
            s.observe(&q("ROLLBACK TO SAVEPOINT A"), true),
            Action::Recover
        );
        // Still there after the rollback to it.
        assert_eq!(s.observe(&q("rollback to a"), true), Action::Recover);
        // Unknown savepoint: no recovery (the session answers 3B001).
        assert_eq!(
            s.observe(&q("rollback to savepoint b"), true),
            Action::Unknown("b".into())
        );
        // Released: gone.
        assert_eq!(s.observe(&q("release savepoint a"), false), Action::None);
        assert_eq!(
            s.observe(&q("rollback to savepoint a"), true),
            Action::Unknown("a".into())
        );
        // A savepoint made while failed does not count.
        assert_eq!(s.observe(&q("savepoint c"), true), Action::None);
        assert_eq!(
            s.observe(&q("rollback to savepoint c"), true),
            Action::Unknown("c".into())
        );
        // Commit forgets them all.
        s.observe(&q("savepoint d"), false);
        s.observe(&q("commit"), false);
        assert_eq!(
            s.observe(&q("rollback to savepoint d"), true),
            Action::Unknown("d".into())
        );
        // Not a control statement.
        assert_eq!(s.observe(&q("select 1"), true), Action::None);
    }

    #[test]
    fn extended_protocol_portals() {
        use pgwire::messages::extendedquery::{Bind, Execute, Parse};
        let mut s = Savepoints::default();
        let parse = |name: &str, sql: &str| {
            PgWireFrontendMessage::Parse(Parse::new(Some(name.into()), sql.into(), vec![]))
        };
        let bind = |portal: &str, stmt: &str| {
            PgWireFrontendMessage::Bind(Bind::new(
                Some(portal.into()),
                Some(stmt.into()),
                vec![],
                vec![],
                vec![],
            ))
        };
        let exec =
            |portal: &str| PgWireFrontendMessage::Execute(Execute::new(Some(portal.into()), 0));
        s.observe(&parse("s1", "SAVEPOINT PGJDBC_AUTOSAVE"), false);
        s.observe(&bind("", "s1"), false);
        assert_eq!(s.observe(&exec(""), false), Action::None);
        s.observe(&parse("s2", "ROLLBACK TO SAVEPOINT PGJDBC_AUTOSAVE"), true);
        s.observe(&bind("", "s2"), true);
        assert_eq!(s.observe(&exec(""), true), Action::Recover);
        // The unnamed portal now runs something else.
        s.observe(&parse("", "select 1"), false);
        s.observe(&bind("", ""), false);
        assert_eq!(s.observe(&exec(""), true), Action::None);
    }
}
