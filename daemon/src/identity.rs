//! Who runs a statement: the login and its role, attached to each SQL session so that
//! tables and functions can check what the caller may see or trigger.

use std::sync::Arc;

use datafusion::catalog::Session;
use datafusion::prelude::SessionContext;

/// Roles, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Queries; reads runs, results, findings; files access requests.
    Reader,
    /// Also cache control, starting jobs and model calls.
    Operator,
    /// Also approvals, the whole audit log and engine settings.
    Admin,
}

impl Role {
    /// `reader`, `operator` or `admin`; anything else is the weakest role.
    pub fn parse(s: &str) -> Role {
        match s {
            "admin" => Role::Admin,
            "operator" => Role::Operator,
            _ => Role::Reader,
        }
    }

    /// The role's name as configured.
    pub fn name(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

/// The caller of a SQL session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Login name (pgwire user, HTTP token name, or `pathwarden` for the daemon itself).
    pub user: String,
    /// Role of the login.
    pub role: Role,
}

impl Identity {
    /// The daemon's own sessions: the CLI, scheduled jobs, the graph builder.
    pub fn system() -> Identity {
        Identity {
            user: "pathwarden".into(),
            role: Role::Admin,
        }
    }

    /// The identity attached to `session`; sessions without one belong to the daemon
    /// itself (every client session gets one when it is created).
    pub fn of(session: &dyn Session) -> Identity {
        session
            .config()
            .get_extension::<Identity>()
            .map(|i| (*i).clone())
            .unwrap_or_else(Identity::system)
    }

    /// The identity attached to a session context.
    pub fn of_ctx(ctx: &SessionContext) -> Identity {
        ctx.state_ref()
            .read()
            .config()
            .get_extension::<Identity>()
            .map(|i| (*i).clone())
            .unwrap_or_else(Identity::system)
    }

    /// Attach this identity to a session.
    pub fn attach(self, ctx: &SessionContext) {
        ctx.state_ref()
            .write()
            .config_mut()
            .set_extension(Arc::new(self));
    }

    /// Whether the caller has at least `role`.
    pub fn allows(&self, role: Role) -> bool {
        self.role >= role
    }
}

/// A statement or function the caller's role may not use; SQLSTATE 42501 on the wire.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PermissionDenied(pub String);

impl PermissionDenied {
    /// `permission denied: <what> needs role <role>`.
    pub fn needs(what: &str, role: Role) -> Self {
        PermissionDenied(format!(
            "permission denied: {what} needs role {} or higher",
            role.name()
        ))
    }

    /// As a DataFusion error (for table providers and functions).
    pub fn into_df(self) -> datafusion::error::DataFusionError {
        datafusion::error::DataFusionError::External(Box::new(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_travels_with_the_session() {
        let ctx = SessionContext::new();
        assert_eq!(Identity::of_ctx(&ctx), Identity::system());
        Identity {
            user: "ann".into(),
            role: Role::Reader,
        }
        .attach(&ctx);
        let state = ctx.state();
        let id = Identity::of(&state);
        assert_eq!(id.user, "ann");
        assert!(!id.allows(Role::Operator));
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::Reader);
    }
}
