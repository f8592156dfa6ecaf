//! Escalation rules as data. A rule names the permissions it needs, on which resource, and
//! what the caller reaches; the engine in `engine.rs` is written once for all of them.
//! Add a technique by copying a sibling entry in the matching table and listing the table
//! in [`all_rules`] if it is new.

mod iam;
mod passrole;
mod resources;
mod takeover;

/// What one requirement must be allowed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum On {
    /// `*` (actions without resource-level permissions, or "create anything").
    Anything,
    /// The victim the mechanism enumerates (role, user, group, policy or resource ARN).
    Victim,
    /// The role a victim resource runs with (e.g. PassRole when reconfiguring it).
    VictimRole,
    /// A user or role the victim managed policy is attached to (two-step takeovers that
    /// edit a policy, then take over a principal holding it).
    Holder,
    /// The caller's own ARN.
    SelfPrincipal,
    /// A fresh ARN in the account; `{account}` is replaced (e.g. a role the attacker creates).
    NewArn(&'static str),
}

/// One permission a rule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// `service:Action`.
    pub action: &'static str,
    /// Resource it must be allowed on.
    pub on: On,
}

/// Shorthand for table entries.
pub const fn req(action: &'static str, on: On) -> Requirement {
    Requirement { action, on }
}

/// Which principals a rule can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Applies {
    /// Users and roles.
    Any,
    /// Only IAM users (e.g. AttachUserPolicy on oneself).
    Users,
    /// Only roles.
    Roles,
}

/// Which of the caller's own things a self-grant rule edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelfTarget {
    /// The caller itself (its user or role).
    Principal,
    /// A group the caller is in.
    Group,
    /// A customer-managed policy attached to the caller or its groups.
    AttachedPolicy,
    /// Something new in the account, named by the requirements' `NewArn`.
    NewResource,
}

/// Kind of principal a takeover rule captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VictimKind {
    /// Another IAM user.
    User,
    /// Another IAM user known not to have a console password (or not known to have one).
    UserWithoutLoginProfile,
    /// Another IAM user with a console password (or not known to lack one).
    UserWithLoginProfile,
    /// A role (not service-linked).
    Role,
    /// A group (the caller joins it).
    Group,
}

/// How the rule works, which also fixes whom it reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// Grant oneself arbitrary permissions -> admin of the account.
    SelfGrant(SelfTarget),
    /// Make a policy version that is already stored the default -> admin when that version is.
    DefaultVersionRollback,
    /// Remove or replace one's own permissions boundary -> admin when the identity policies
    /// alone are.
    DropBoundary,
    /// Gain another principal's credentials or membership -> that principal.
    TakeOver(VictimKind),
    /// Make a role one can assume admin (edit it, then assume it) -> admin.
    EditAssumableRole,
    /// `sts:AssumeRole`, evaluated both ways -> the role.
    AssumeRole,
    /// Two steps on another principal: make it powerful (attach or write a policy on it),
    /// then take it over (access key, password, trust policy) -> admin. Every requirement
    /// is on the same victim.
    EditThenTakeOver(VictimKind),
    /// Two steps through a customer-managed policy: write a new default version of a
    /// policy attached to another principal, then take over (or assume) that principal
    /// -> admin. The first requirement is on the policy, the others on the holder.
    EditPolicyThenTakeOver(VictimKind),
    /// Pass a role trusting `service` to a new resource that runs attacker code -> the role.
    /// `instance_profile`: the role must sit in an instance profile (EC2 launches).
    PassRole {
        /// Service principal the role must trust.
        service: &'static str,
        /// Whether an instance profile for the role must already exist.
        instance_profile: bool,
    },
    /// Run code inside an existing resource of this kind -> the role it runs with.
    Hijack(crate::escalation::ResourceKind),
}

/// One privilege-escalation technique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EscalationRule {
    /// Stable id, e.g. `iam-create-policy-version`.
    pub id: &'static str,
    /// Short title.
    pub name: &'static str,
    /// What the attacker does.
    pub description: &'static str,
    /// Who can start it.
    pub applies: Applies,
    /// How it works and what it reaches.
    pub mechanism: Mechanism,
    /// Every permission it needs.
    pub requires: &'static [Requirement],
    /// Published catalogues listing it.
    pub references: &'static [&'static str],
}

/// Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation".
pub const RHINO: &str =
    "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/";
/// pathfinding.cloud catalogue.
pub const PATHFINDING: &str = "https://pathfinding.cloud/";
/// Bishop Fox iam-vulnerable.
pub const IAM_VULNERABLE: &str = "https://github.com/BishopFox/iam-vulnerable";
/// NCC Group PMapper.
pub const PMAPPER: &str = "https://github.com/nccgroup/PMapper";
/// Salesforce Cloudsplaining privilege-escalation list.
pub const CLOUDSPLAINING: &str = "https://github.com/salesforce/cloudsplaining";

/// Every rule, in a stable order.
pub fn all_rules() -> impl Iterator<Item = &'static EscalationRule> {
    iam::RULES
        .iter()
        .chain(passrole::RULES.iter())
        .chain(resources::RULES.iter())
        .chain(takeover::RULES.iter())
}

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static EscalationRule> {
    all_rules().find(|r| r.id == id)
}
