//! IAM policy model and evaluator: parse any AWS policy document, then decide requests the
//! way AWS documents it (explicit deny, SCP/RCP, resource policy, identity policy,
//! permissions boundary, session policy), with unknown facts reported as `Conditional`.

pub mod arn;
pub mod condition;
pub mod context;
pub mod document;
pub mod error;
pub mod evaluate;
pub mod glob;
pub mod tri;
pub mod variables;

pub use context::{Lookup, Principal, PrincipalKind, RequestContext};
pub use document::{Effect, PolicyDocument, PrincipalEntry, Statement};
pub use error::PolicyError;
pub use evaluate::{
    Decision, Evaluation, Evidence, NamedPolicy, PolicyLayer, PolicySet, allowed_actions,
    assume_role, evaluate, granted_action_patterns, trust_allows,
};
pub use tri::Tri;
