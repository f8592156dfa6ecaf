//! The request being evaluated: who asks, for what, on which resource, with which context.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::arn::{self, Arn};

/// What sort of caller a principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PrincipalKind {
    /// An IAM user.
    User,
    /// An IAM role considered in general (any of its sessions).
    Role,
    /// One assumed-role session.
    AssumedRole,
    /// A federated-user session (GetFederationToken).
    FederatedUser,
    /// The account's root user.
    Root,
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service,
    /// A web-identity or SAML federated caller, named by its provider.
    Federated,
    /// An S3 canonical user id.
    CanonicalUser,
    /// An unauthenticated caller.
    Anonymous,
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// Kind of caller.
    pub kind: PrincipalKind,
    /// User/role/session/federated-user ARN, service name, provider ARN or canonical id.
    pub arn: String,
    /// Account the principal belongs to, when it has one.
    pub account: Option<String>,
    /// For role sessions: the role's ARN (what `aws:PrincipalArn` reports).
    pub role_arn: Option<String>,
    /// `aws:userid`, when known.
    pub user_id: Option<String>,
    /// Friendly name (user name, role name).
    pub name: Option<String>,
    /// Tags; `None` means "not known", `Some` means the complete tag set.
    pub tags: Option<BTreeMap<String, String>>,
}

impl Principal {
    fn iam(kind: PrincipalKind, arn: &str) -> Self {
        let parsed = Arn::parse(arn);
        Principal {
            kind,
            arn: arn.to_string(),
            account: parsed
                .map(|a| a.account.to_string())
                .filter(|a| !a.is_empty()),
            role_arn: None,
            user_id: None,
            name: parsed.map(|a| a.resource_name().to_string()),
            tags: None,
        }
    }

    /// An IAM user by ARN.
    pub fn user(arn: &str) -> Self {
        Self::iam(PrincipalKind::User, arn)
    }

    /// An IAM role by ARN, standing for any session of that role.
    pub fn role(arn: &str) -> Self {
        let mut p = Self::iam(PrincipalKind::Role, arn);
        p.role_arn = Some(arn.to_string());
        p
    }

    /// One session of a role.
    pub fn assumed_role(role_arn: &str, session_name: &str) -> Self {
        let parsed = Arn::parse(role_arn);
        let account = parsed.map(|a| a.account).unwrap_or_default();
        let role_name = parsed.map(|a| a.resource_name()).unwrap_or_default();
        let partition = parsed.map(|a| a.partition).unwrap_or("aws");
        let session =
            format!("arn:{partition}:sts::{account}:assumed-role/{role_name}/{session_name}");
        let mut p = Self::iam(PrincipalKind::AssumedRole, &session);
        p.role_arn = Some(role_arn.to_string());
        p.name = Some(role_name.to_string());
        p
    }

    /// A federated-user session ARN (`arn:aws:sts::ACCT:federated-user/name`).
    pub fn federated_user(arn: &str) -> Self {
        Self::iam(PrincipalKind::FederatedUser, arn)
    }

    /// The root user of an account.
    pub fn root(account: &str) -> Self {
        Self::iam(PrincipalKind::Root, &format!("arn:aws:iam::{account}:root"))
    }

    /// An AWS service principal such as `lambda.amazonaws.com`.
    pub fn service(name: &str) -> Self {
        Principal {
            kind: PrincipalKind::Service,
            arn: name.to_ascii_lowercase(),
            account: None,
            role_arn: None,
            user_id: None,
            name: Some(name.to_ascii_lowercase()),
            tags: Some(BTreeMap::new()),
        }
    }

    /// A web-identity/SAML caller, identified by its provider.
    pub fn federated(provider: &str) -> Self {
        Principal {
            kind: PrincipalKind::Federated,
            arn: provider.to_string(),
            account: arn::account_of(provider).map(str::to_string),
            role_arn: None,
            user_id: None,
            name: None,
            tags: None,
        }
    }

    /// An S3 canonical user.
    pub fn canonical_user(id: &str) -> Self {
        Principal {
            kind: PrincipalKind::CanonicalUser,
            arn: id.to_string(),
            account: None,
            role_arn: None,
            user_id: None,
            name: None,
            tags: None,
        }
    }

    /// An anonymous caller.
    pub fn anonymous() -> Self {
        Principal {
            kind: PrincipalKind::Anonymous,
            arn: "*".to_string(),
            account: None,
            role_arn: None,
            user_id: None,
            name: None,
            tags: Some(BTreeMap::new()),
        }
    }

    /// Sets the complete tag set.
    pub fn with_tags<I, K, V>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.tags = Some(
            tags.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Sets `aws:userid`.
    pub fn with_user_id(mut self, id: &str) -> Self {
        self.user_id = Some(id.to_string());
        self
    }

    /// `arn:aws:iam::ACCT:root` of the principal's account.
    pub fn account_root(&self) -> Option<String> {
        self.account
            .as_ref()
            .map(|a| format!("arn:aws:iam::{a}:root"))
    }

    /// Whether identity policies, boundaries and SCPs can apply to this caller.
    pub fn is_iam_identity(&self) -> bool {
        matches!(
            self.kind,
            PrincipalKind::User
                | PrincipalKind::Role
                | PrincipalKind::AssumedRole
                | PrincipalKind::FederatedUser
                | PrincipalKind::Root
        )
    }
}

/// What a context lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The key is present with these values (single-valued keys have one).
    Present(Vec<String>),
    /// The key is known to be absent from the request.
    Absent,
    /// Nobody told us, and it cannot be derived.
    Unknown,
}

/// A request to authorise.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestContext {
    /// Who is asking.
    pub principal: Principal,
    /// `service:Action`.
    pub action: String,
    /// Resource ARN, or `*` for actions without resource-level permissions.
    pub resource: String,
    /// Account owning the resource when the ARN does not say (S3 buckets).
    pub resource_account: Option<String>,
    /// When true, keys that are neither set nor derivable are absent rather than unknown.
    pub complete: bool,
    /// The time of the request, when known: bounds keys that cannot lie in the future
    /// (`aws:TokenIssueTime`) even when their value is unknown.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    keys: HashMap<String, Vec<String>>,
    /// Keys known to be absent from the request (lower-cased).
    absent: HashSet<String>,
    action_lower: String,
}

impl RequestContext {
    /// A request with no context keys beyond what the principal and resource imply.
    pub fn new(principal: Principal, action: &str, resource: &str) -> Self {
        RequestContext {
            principal,
            action: action.to_string(),
            resource: resource.to_string(),
            resource_account: None,
            complete: false,
            now: None,
            keys: HashMap::new(),
            absent: HashSet::new(),
            action_lower: action.to_ascii_lowercase(),
        }
    }

    /// Adds a context key (name case-insensitive) with one or more values.
    pub fn with_key<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.set_key(key, values);
        self
    }

    /// Sets a context key in place.
    pub fn set_key<I, S>(&mut self, key: &str, values: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keys.insert(
            key.to_ascii_lowercase(),
            values.into_iter().map(Into::into).collect(),
        );
    }

    /// Declares a key absent from the request (e.g. `aws:MultiFactorAuthPresent` on a
    /// request signed with long-term access keys).
    pub fn set_absent(&mut self, key: &str) {
        let lower = key.to_ascii_lowercase();
        self.keys.remove(&lower);
        self.absent.insert(lower);
    }

    /// Sets the owning account of the resource.
    pub fn with_resource_account(mut self, account: &str) -> Self {
        self.resource_account = Some(account.to_string());
        self
    }

    /// Declares that the context lists every key the request carries.
    pub fn complete(mut self) -> Self {
        self.complete = true;
        self
    }

    /// Changes the action (keeps the lower-cased copy in step).
    pub fn set_action(&mut self, action: &str) {
        self.action = action.to_string();
        self.action_lower = action.to_ascii_lowercase();
    }

    /// Lower-cased action, used for case-insensitive matching.
    pub fn action_lower(&self) -> &str {
        &self.action_lower
    }

    /// Account that owns the resource: explicit, else from the ARN.
    pub fn resource_owner(&self) -> Option<String> {
        self.resource_account
            .clone()
            .or_else(|| arn::account_of(&self.resource).map(str::to_string))
    }

    /// Looks a condition key up: explicit keys first, then facts derivable from the
    /// principal and resource.
    pub fn lookup(&self, key: &str) -> Lookup {
        let lower = key.to_ascii_lowercase();
        if let Some(values) = self.keys.get(&lower) {
            return Lookup::Present(values.clone());
        }
        if self.absent.contains(&lower) {
            return Lookup::Absent;
        }
        let p = &self.principal;
        let iam = p.is_iam_identity();
        let present = |s: &str| Lookup::Present(vec![s.to_string()]);
        let derived = match lower.as_str() {
            "aws:principalarn" => match p.kind {
                PrincipalKind::Role | PrincipalKind::AssumedRole => p
                    .role_arn
                    .as_deref()
                    .map(present)
                    .unwrap_or(Lookup::Unknown),
                PrincipalKind::User | PrincipalKind::FederatedUser | PrincipalKind::Root => {
                    present(&p.arn)
                }
                _ => Lookup::Absent,
            },
            "aws:principalaccount" => match (&p.account, iam) {
                (Some(a), _) => present(a),
                (None, true) => Lookup::Unknown,
                (None, false) => Lookup::Absent,
            },
            "aws:principaltype" => match p.kind {
                PrincipalKind::User => present("User"),
                PrincipalKind::Role | PrincipalKind::AssumedRole => present("AssumedRole"),
                PrincipalKind::FederatedUser => present("FederatedUser"),
                PrincipalKind::Root => present("Account"),
                PrincipalKind::Anonymous => present("Anonymous"),
                _ => Lookup::Unknown,
            },
            // aws:username only exists for IAM users; for everyone else it is absent.
            "aws:username" => match p.kind {
                PrincipalKind::User => p.name.as_deref().map(present).unwrap_or(Lookup::Unknown),
                _ => Lookup::Absent,
            },
            "aws:userid" => match (&p.user_id, p.kind) {
                (Some(id), _) => present(id),
                (None, PrincipalKind::Root) => {
                    p.account.as_deref().map(present).unwrap_or(Lookup::Unknown)
                }
                (None, PrincipalKind::Service | PrincipalKind::CanonicalUser) => Lookup::Absent,
                (None, _) => Lookup::Unknown,
            },
            "aws:principalisawsservice" => present(if p.kind == PrincipalKind::Service {
                "true"
            } else {
                "false"
            }),
            "aws:principalservicename" => match p.kind {
                PrincipalKind::Service => present(&p.arn),
                _ => Lookup::Absent,
            },
            "aws:resourceaccount" => match self.resource_owner() {
                Some(a) => present(&a),
                None => Lookup::Unknown,
            },
            "aws:principaltagkeys" => match &p.tags {
                Some(tags) => Lookup::Present(tags.keys().cloned().collect()),
                None => Lookup::Unknown,
            },
            _ => {
                if let Some(tag) = lower.strip_prefix("aws:principaltag/") {
                    match &p.tags {
                        Some(tags) => tags
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(tag))
                            .map(|(_, v)| present(v))
                            .unwrap_or(Lookup::Absent),
                        None => Lookup::Unknown,
                    }
                } else {
                    Lookup::Unknown
                }
            }
        };
        match derived {
            Lookup::Unknown if self.complete => Lookup::Absent,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys() {
        let user = Principal::user("arn:aws:iam::111111111111:user/team/alice")
            .with_tags([("Team", "red")]);
        let ctx = RequestContext::new(user, "s3:GetObject", "arn:aws:s3:::b/k");
        assert_eq!(
            ctx.lookup("AWS:USERNAME"),
            Lookup::Present(vec!["alice".into()])
        );
        assert_eq!(
            ctx.lookup("aws:PrincipalTag/team"),
            Lookup::Present(vec!["red".into()])
        );
        assert_eq!(ctx.lookup("aws:PrincipalTag/other"), Lookup::Absent);
        assert_eq!(ctx.lookup("aws:SourceIp"), Lookup::Unknown);
        assert_eq!(ctx.lookup("aws:ResourceAccount"), Lookup::Unknown);
        let role = Principal::assumed_role("arn:aws:iam::111111111111:role/r", "s");
        assert_eq!(role.arn, "arn:aws:sts::111111111111:assumed-role/r/s");
        let ctx = RequestContext::new(role, "s3:GetObject", "*").complete();
        assert_eq!(ctx.lookup("aws:username"), Lookup::Absent);
        assert_eq!(ctx.lookup("aws:SourceIp"), Lookup::Absent);
        assert_eq!(
            ctx.lookup("aws:PrincipalArn"),
            Lookup::Present(vec!["arn:aws:iam::111111111111:role/r".into()])
        );
    }
}
