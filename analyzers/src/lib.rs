//! pathwarden-analyzers: IAM policy model and evaluator, privilege-escalation rules, policy
//! lint, knowledge base and LLM reviewer.
//!
//! # Policy evaluation (`policy`)
//!
//! ```text
//! PolicyDocument::parse(&str) -> Result<PolicyDocument, PolicyError>
//! PolicyDocument::from_value(&serde_json::Value) -> Result<PolicyDocument, PolicyError>
//! Principal::{user, role, assumed_role, federated_user, root, service, federated,
//!            canonical_user, anonymous}(..).with_tags(..).with_user_id(..)
//! RequestContext::new(principal, action, resource_arn)
//!     .with_key(key, values).with_resource_account(acct).complete()
//! PolicySet { identity, resource, permissions_boundary, session, scps, rcps,
//!             resource_policy_required }              // NamedPolicy::new(id, &doc)
//! evaluate(&PolicySet, &RequestContext) -> Evaluation { decision, evidence, undecided_keys }
//!     Decision::{Allow, ExplicitDeny, ImplicitDeny, Conditional}
//!     Evidence { layer, policy_id, statement_index, sid, effect, conditional }
//! trust_allows(&trust_doc, role_arn, &principal, "sts:AssumeRole") -> Evaluation  // trust side only
//! assume_role(&caller_set, &trust_doc, &ctx) -> Evaluation                        // both ways
//! allowed_actions(&set, &ctx, "iam:Put*", candidates) -> Vec<(String, Evaluation)>
//! granted_action_patterns(&set, "iam:Put*") -> Vec<(policy_id, statement_index, pattern)>
//! ```
//!
//! Unknown condition keys give `Conditional` with the keys listed, never a silent decision;
//! `RequestContext::complete()` lets absence be decided (Null, negated operators).
//!
//! # Escalation (`escalation`)
//!
//! ```text
//! AccountSnapshot { account_id, users: Vec<PrincipalInfo>, roles: Vec<RoleInfo>,
//!                   groups: Vec<GroupInfo>, policies: HashMap<arn, ManagedPolicyInfo>,
//!                   scps: Vec<Vec<(id, PolicyDocument)>>, is_management_account,
//!                   resources: Vec<ComputeResource> }
//! let index = SnapshotIndex::new(&snapshot);          // once per account, Sync
//! index.escalations(principal_arn) -> Result<Vec<EscalationEdge>, EscalationError>
//!     EscalationEdge { rule_id, source_arn, target: Target::{Admin{account}, Role, User, Group},
//!                      evidence: Vec<EdgeEvidence { policy, statement_index, sid, action, resource }>,
//!                      conditional, undecided_keys }
//! index.is_admin(principal_arn) -> Result<Evaluation, EscalationError>
//! index.can_assume(principal_arn, role_arn) -> Result<Evaluation, EscalationError>
//! index.can_assume_in(principal_arn, &other_account_index, role_arn)
//! index.all_escalations() -> Vec<EscalationEdge>
//! escalation::{escalations, is_admin, can_assume}(.., &snapshot)   // one-off wrappers
//! escalation::all_rules() / rule(id) / catalogue_actions()
//! ```
//!
//! Cost: index build is linear in the snapshot; per principal, rules are pre-filtered by a
//! bitset of possibly-allowed actions (computed once per managed policy) and victims are
//! found from the principal's own resource patterns (hash lookup or memoised scan), so the
//! total is close to principals × rules + edges produced. Principals that are already
//! admin get no per-victim edges. Blocking work: call from `spawn_blocking` or rayon.
pub mod azure;
pub mod escalation;
pub mod gcp;
pub mod kb;
pub mod lint;
pub mod llm;
pub mod policy;
