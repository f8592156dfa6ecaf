//! How risky a grant is: from the actions of the policies it carries when their documents
//! are known (the tables hold them), from a list of AWS managed policy names otherwise;
//! what cannot be judged is high-risk.
//!
//! High-risk: IAM writes (policy attachment, inline policies, trust policies, users,
//! groups, roles, credentials), `iam:PassRole`, policy attachment outside IAM
//! (Organizations, IAM Identity Center), `Allow` with `NotAction`, and wildcard admin
//! (`*`, `*:*`, `iam:*`), which also marks the principal holding it as an admin.

use std::collections::{BTreeMap, BTreeSet};

use pathwarden_analyzers::policy::document::Negatable;
use pathwarden_analyzers::policy::glob::{self, Tok};
use pathwarden_analyzers::policy::{Effect, PolicyDocument, Statement};
use serde_json::Value;

use super::Grant;
use crate::engine::Engine;
use crate::posture::benchmark::query_text_rows;

/// How much a grant lets its holder do to identities and permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing that changes identities, permissions or credentials.
    Low,
    /// Changes identities, permissions or credentials, or cannot be judged.
    High,
    /// Wildcard admin: every action, or every IAM action.
    Admin,
}

/// A judged grant: its level and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Level.
    pub level: Level,
    /// Why, for the people who decide.
    pub reason: String,
}

impl Assessment {
    fn low(reason: impl Into<String>) -> Self {
        Assessment {
            level: Level::Low,
            reason: reason.into(),
        }
    }
    fn high(reason: impl Into<String>) -> Self {
        Assessment {
            level: Level::High,
            reason: reason.into(),
        }
    }
    fn admin(reason: impl Into<String>) -> Self {
        Assessment {
            level: Level::Admin,
            reason: reason.into(),
        }
    }
    /// Whether it needs the care of a high-risk change.
    pub fn is_high(&self) -> bool {
        self.level >= Level::High
    }
    /// The worse of two, keeping the reason of the worse (the first on a tie).
    fn worst(self, other: Assessment) -> Assessment {
        if other.level > self.level {
            other
        } else {
            self
        }
    }
}

/// Wildcard admin patterns, compared exactly (case-insensitive).
const ADMIN_PATTERNS: &[&str] = &["*", "*:*", "iam:*"];

/// Action patterns that change identities, permissions or credentials. An allowed pattern
/// that overlaps one of these (`iam:Put*`, `iam:*Policy`, `*`) is high-risk.
const SENSITIVE_PATTERNS: &[&str] = &[
    // IAM writes: every IAM verb that is not Get/List/Generate/Simulate.
    "iam:Add*",
    "iam:Attach*",
    "iam:Change*",
    "iam:Create*",
    "iam:Deactivate*",
    "iam:Delete*",
    "iam:Detach*",
    "iam:Enable*",
    "iam:PassRole",
    "iam:Put*",
    "iam:Remove*",
    "iam:Reset*",
    "iam:Resync*",
    "iam:Set*",
    "iam:Tag*",
    "iam:Untag*",
    "iam:Update*",
    "iam:Upload*",
    // Policy attachment and permission sets outside IAM.
    "organizations:AttachPolicy",
    "organizations:CreatePolicy",
    "organizations:UpdatePolicy",
    "organizations:DetachPolicy",
    "sso:Attach*",
    "sso:Put*PermissionSet",
    "sso:CreateAccountAssignment",
    "sso:CreatePermissionSet",
    "sso:UpdatePermissionSet",
    // Temporary credentials for any identity of the account.
    "sts:GetFederationToken",
];

/// IAM writes that cannot grant permissions: service-linked roles carry only the policy
/// AWS defines for the service.
const HARMLESS_WRITES: &[&str] = &["iam:createservicelinkedrole", "iam:deleteservicelinkedrole"];

/// Credential self-service (AWS's documented "manage your own credentials" policy): not
/// high-risk when every resource of the statement is the caller's own user or MFA device.
const SELF_SERVICE: &[&str] = &[
    "iam:changepassword",
    "iam:createaccesskey",
    "iam:deleteaccesskey",
    "iam:updateaccesskey",
    "iam:createloginprofile",
    "iam:updateloginprofile",
    "iam:deleteloginprofile",
    "iam:createvirtualmfadevice",
    "iam:deletevirtualmfadevice",
    "iam:enablemfadevice",
    "iam:deactivatemfadevice",
    "iam:resyncmfadevice",
    "iam:uploadsshpublickey",
    "iam:updatesshpublickey",
    "iam:deletesshpublickey",
    "iam:createservicespecificcredential",
    "iam:updateservicespecificcredential",
    "iam:deleteservicespecificcredential",
    "iam:resetservicespecificcredential",
    "iam:uploadsigningcertificate",
    "iam:updatesigningcertificate",
    "iam:deletesigningcertificate",
];

/// AWS managed policies judged by name when their document is not in the tables.
const MANAGED_ADMIN: &[&str] = &["AdministratorAccess", "IAMFullAccess"];
const MANAGED_HIGH: &[&str] = &[
    "PowerUserAccess",
    "AWSOrganizationsFullAccess",
    "AWSSSOMasterAccountAdministrator",
    "AWSSSODirectoryAdministrator",
    "AWSSSOMemberAccountAdministrator",
    "IAMUserSSHKeys",
    "IAMSelfManageServiceSpecificCredentials",
    "AWSIAMIdentityCenterAllowListForIdentityContext",
    "AWSCloudFormationFullAccess",
    "AWSLambda_FullAccess",
    "AmazonEC2FullAccess",
    "AWSCodeBuildAdminAccess",
    "AWSGlueConsoleFullAccess",
    "AmazonSageMakerFullAccess",
    "AWSDataPipeline_FullAccess",
    "AWSElasticBeanstalkFullAccess",
    "AWSCodePipeline_FullAccess",
    "AWSStepFunctionsFullAccess",
    "AmazonECS_FullAccess",
    "AWSBatchFullAccess",
    "AWSCloudShellFullAccess",
    "AmazonSSMFullAccess",
    "DataScientist",
    "NetworkAdministrator",
    "SystemAdministrator",
    "DatabaseAdministrator",
];
const MANAGED_LOW: &[&str] = &[
    "ReadOnlyAccess",
    "ViewOnlyAccess",
    "SecurityAudit",
    "Billing",
    "AWSSupportAccess",
    "SupportUser",
    "IAMReadOnlyAccess",
    "IAMUserChangePassword",
    "AmazonS3ReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonEC2ReadOnlyAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "AmazonDynamoDBFullAccess",
    "AmazonRDSReadOnlyAccess",
    "CloudWatchReadOnlyAccess",
    "CloudWatchLogsReadOnlyAccess",
    "AWSCloudTrail_ReadOnlyAccess",
    "AWSLambdaBasicExecutionRole",
    "AWSLambda_ReadOnlyAccess",
    "AmazonSSMManagedInstanceCore",
    "AmazonSQSReadOnlyAccess",
    "AmazonSNSReadOnlyAccess",
    "AWSCodeCommitReadOnly",
    "AWSCodeCommitPowerUser",
];

fn compiled(patterns: &[&str]) -> Vec<(String, Vec<Tok>)> {
    patterns
        .iter()
        .map(|p| (p.to_string(), glob::compile(p, true)))
        .collect()
}

/// Resources that name only the caller's own user or MFA device.
fn self_scoped(s: &Statement) -> bool {
    match &s.resource {
        Some(Negatable::Is(list)) if !list.is_empty() => list.iter().all(|r| {
            let raw = r.raw.to_ascii_lowercase();
            raw.ends_with(":user/${aws:username}") || raw.ends_with(":mfa/${aws:username}")
        }),
        _ => false,
    }
}

/// Judge a policy document by the actions its `Allow` statements grant.
pub fn document_risk(doc: &Value) -> Assessment {
    let parsed = match PolicyDocument::from_value(doc) {
        Ok(d) => d,
        Err(e) => return Assessment::high(format!("unreadable policy document: {e}")),
    };
    let sensitive = compiled(SENSITIVE_PATTERNS);
    let mut out = Assessment::low("no action changes identities, permissions or credentials");
    for s in parsed
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let patterns = match &s.action {
            Negatable::Not(_) => {
                out = out.worst(Assessment::high(format!(
                    "statement {} allows every action but those it lists (NotAction)",
                    s.index
                )));
                continue;
            }
            Negatable::Is(list) => list,
        };
        let own_user_only = self_scoped(s);
        for p in patterns {
            let raw = p.raw.to_ascii_lowercase();
            if ADMIN_PATTERNS.contains(&raw.as_str()) {
                out = out.worst(Assessment::admin(format!("allows {}", p.raw)));
                continue;
            }
            if glob::is_literal(&p.tokens)
                && (HARMLESS_WRITES.contains(&raw.as_str())
                    || own_user_only && SELF_SERVICE.contains(&raw.as_str()))
            {
                continue;
            }
            if let Some((name, _)) = sensitive
                .iter()
                .find(|(_, toks)| glob::overlaps(&p.tokens, toks))
            {
                out = out.worst(Assessment::high(if p.raw.eq_ignore_ascii_case(name) {
                    format!("allows {}", p.raw)
                } else {
                    format!("allows {} (covers {name})", p.raw)
                }));
            }
        }
    }
    out
}

/// Judge an AWS managed policy by its name (`AdministratorAccess`, or an ARN ending in
/// it); `None` when the name is not on the lists.
pub fn managed_policy_risk(name_or_arn: &str) -> Option<Assessment> {
    let name = name_or_arn.rsplit('/').next().unwrap_or(name_or_arn);
    if MANAGED_ADMIN.contains(&name) {
        Some(Assessment::admin(format!(
            "AWS managed policy {name} grants wildcard admin"
        )))
    } else if MANAGED_HIGH.contains(&name) {
        Some(Assessment::high(format!(
            "AWS managed policy {name} grants IAM writes, PassRole or every non-IAM action"
        )))
    } else if MANAGED_LOW.contains(&name) {
        Some(Assessment::low(format!("AWS managed policy {name}")))
    } else {
        None
    }
}

fn is_aws_managed(value: &str) -> bool {
    value.starts_with("arn:aws:iam::aws:policy/") || !value.starts_with("arn:")
}

/// The policies a group or role carries, as the tables list them.
#[derive(Debug, Default, Clone)]
struct Holder {
    attached: Vec<String>,
    inline: Vec<(String, Value)>,
}

/// Policy documents, groups, roles and inline policies read from the tables for a set of
/// grants; judges each grant.
#[derive(Debug, Default)]
pub struct PolicyCatalog {
    /// Managed policy documents by ARN.
    policies: BTreeMap<String, Value>,
    /// Groups and roles by (`group`/`role`, name, account).
    holders: BTreeMap<(String, String, String), Holder>,
    /// Inline policies of users and roles by (principal `user/NAME`, account).
    inline: BTreeMap<(String, String), Vec<(String, Value)>>,
}

/// Whether a name or ARN may be put in a query: the characters IAM allows in names and
/// ARNs (anything else cannot name an IAM entity and is left unknown, hence high-risk).
/// Request bodies come from readers, so nothing else reaches the SQL text.
fn iam_literal(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 2048
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_:/".contains(c))
}

/// `'a', 'b'` of the names that pass [`iam_literal`]; `None` when none does.
fn sql_list(items: &BTreeSet<String>) -> Option<String> {
    let list: Vec<String> = items
        .iter()
        .filter(|s| iam_literal(s))
        .map(|s| format!("'{s}'"))
        .collect();
    (!list.is_empty()).then(|| list.join(", "))
}

fn json_list(text: Option<&str>) -> Vec<Value> {
    text.and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
}

fn inline_docs(text: Option<&str>) -> Vec<(String, Value)> {
    json_list(text)
        .into_iter()
        .filter_map(|p| {
            let name = p.get("PolicyName")?.as_str()?.to_string();
            let doc = match p.get("PolicyDocument")? {
                // Some sources keep the document as (URL-decoded) JSON text.
                Value::String(s) => serde_json::from_str(s).ok()?,
                v => v.clone(),
            };
            Some((name, doc))
        })
        .collect()
}

/// Rows of `sql` as maps from column name to text; a failure is logged and yields none,
/// which leaves the grants that needed them unknown (high-risk).
async fn rows(engine: &Engine, sql: &str) -> Vec<BTreeMap<String, String>> {
    match query_text_rows(engine, sql).await {
        Ok((names, rows)) => rows
            .into_iter()
            .map(|r| {
                names
                    .iter()
                    .cloned()
                    .zip(r)
                    .filter_map(|(n, v)| v.map(|v| (n, v)))
                    .collect()
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot read policies to judge grant risk; treating them as high-risk");
            Vec::new()
        }
    }
}

impl PolicyCatalog {
    /// Read what judging `grants` needs: the groups and roles they name, the inline
    /// policies of their principals, and every managed policy involved.
    pub async fn load(engine: &Engine, grants: &[Grant]) -> PolicyCatalog {
        let mut cat = PolicyCatalog::default();
        let mut arns: BTreeSet<String> = BTreeSet::new();
        let mut groups: BTreeSet<String> = BTreeSet::new();
        let mut roles: BTreeSet<String> = BTreeSet::new();
        let mut users: BTreeSet<String> = BTreeSet::new();
        for g in grants {
            match g.kind.as_str() {
                "policy" => {
                    arns.insert(g.value.clone());
                }
                "group" => {
                    groups.insert(g.value.clone());
                }
                "role" => {
                    roles.insert(g.value.rsplit('/').next().unwrap_or(&g.value).to_string());
                }
                "inline_policy" => {
                    if let Some((kind, name)) = g.principal.split_once('/') {
                        if kind == "role" {
                            roles.insert(name.to_string());
                        } else {
                            users.insert(name.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        for (table, kind, names) in [
            ("aws_iam_group", "group", &groups),
            ("aws_iam_role", "role", &roles),
        ] {
            let Some(list) = sql_list(names) else {
                continue;
            };
            let sql = format!(
                "select name, account_id, attached_policy_arns, inline_policies from {table} where name in ({list})"
            );
            for r in rows(engine, &sql).await {
                let (Some(name), Some(account)) = (r.get("name"), r.get("account_id")) else {
                    continue;
                };
                let holder = Holder {
                    attached: json_list(r.get("attached_policy_arns").map(String::as_str))
                        .into_iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    inline: inline_docs(r.get("inline_policies").map(String::as_str)),
                };
                arns.extend(holder.attached.iter().cloned());
                if kind == "role" {
                    cat.inline.insert(
                        (format!("role/{name}"), account.clone()),
                        holder.inline.clone(),
                    );
                }
                cat.holders
                    .insert((kind.to_string(), name.clone(), account.clone()), holder);
            }
        }
        if let Some(list) = sql_list(&users) {
            let sql = format!(
                "select name, account_id, inline_policies from aws_iam_user where name in ({list})"
            );
            for r in rows(engine, &sql).await {
                if let (Some(name), Some(account)) = (r.get("name"), r.get("account_id")) {
                    cat.inline.insert(
                        (format!("user/{name}"), account.clone()),
                        inline_docs(r.get("inline_policies").map(String::as_str)),
                    );
                }
            }
        }
        let arns: BTreeSet<String> = arns.into_iter().filter(|a| a.starts_with("arn:")).collect();
        if let Some(list) = sql_list(&arns) {
            let sql = format!("select arn, policy from aws_iam_policy where arn in ({list})");
            for r in rows(engine, &sql).await {
                if let (Some(arn), Some(doc)) = (r.get("arn"), r.get("policy")) {
                    if let Ok(v) = serde_json::from_str::<Value>(doc) {
                        cat.policies.insert(arn.clone(), v);
                    }
                }
            }
        }
        cat
    }

    /// A catalog with the given documents (tests).
    #[cfg(test)]
    fn with_policy(mut self, arn: &str, doc: Value) -> Self {
        self.policies.insert(arn.to_string(), doc);
        self
    }

    /// Judge a managed policy: its document, else its AWS managed name, else unknown.
    fn policy_risk(&self, arn: &str) -> Assessment {
        if let Some(doc) = self.policies.get(arn) {
            let a = document_risk(doc);
            return Assessment {
                reason: format!("policy {arn}: {}", a.reason),
                ..a
            };
        }
        if is_aws_managed(arn) {
            if let Some(a) = managed_policy_risk(arn) {
                return a;
            }
        }
        Assessment::high(format!("policy {arn}: document unknown"))
    }

    fn holder_risk(&self, kind: &str, name: &str, account: &Option<String>) -> Assessment {
        let found: Vec<&Holder> = self
            .holders
            .iter()
            .filter(|((k, n, a), _)| {
                k == kind && n == name && account.as_ref().is_none_or(|want| want == a)
            })
            .map(|(_, h)| h)
            .collect();
        if found.is_empty() {
            return Assessment::high(format!("{kind} {name}: not found in the tables"));
        }
        let mut out = Assessment::low(format!(
            "{kind} {name}: its policies change no identity, permission or credential"
        ));
        for h in found {
            for arn in &h.attached {
                out = out.worst(self.policy_risk(arn));
            }
            for (pname, doc) in &h.inline {
                let a = document_risk(doc);
                out = out.worst(Assessment {
                    reason: format!("{kind} {name} inline policy {pname}: {}", a.reason),
                    ..a
                });
            }
        }
        out
    }

    /// Judge one grant.
    pub fn grant_risk(&self, g: &Grant) -> Assessment {
        match g.kind.as_str() {
            "policy" => self.policy_risk(&g.value),
            "group" => self.holder_risk("group", &g.value, &g.account_id),
            "role" => {
                let name = g.value.rsplit('/').next().unwrap_or(&g.value);
                self.holder_risk("role", name, &g.account_id)
            }
            "inline_policy" => {
                let docs: Vec<&(String, Value)> = self
                    .inline
                    .iter()
                    .filter(|((p, a), _)| {
                        p == &g.principal && g.account_id.as_ref().is_none_or(|want| want == a)
                    })
                    .flat_map(|(_, v)| v.iter())
                    .filter(|(n, _)| n == &g.value)
                    .collect();
                if docs.is_empty() {
                    return Assessment::high(format!(
                        "inline policy {} of {}: document unknown",
                        g.value, g.principal
                    ));
                }
                docs.into_iter()
                    .map(|(_, d)| document_risk(d))
                    .fold(Assessment::low("inline policy"), Assessment::worst)
            }
            other => Assessment::high(format!("unknown grant kind {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(actions: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
    }

    #[test]
    fn only_iam_names_reach_the_sql() {
        let items: BTreeSet<String> = [
            "engineering",
            "arn:aws:iam::1:policy/a+b=c,d.e@f-g_h",
            "x') or ('1'='1",
            "back\\slash",
            "",
        ]
        .into_iter()
        .map(str::to_string)
        .collect();
        assert_eq!(
            sql_list(&items).as_deref(),
            Some("'arn:aws:iam::1:policy/a+b=c,d.e@f-g_h', 'engineering'")
        );
        let bad: BTreeSet<String> = ["a'b".to_string()].into_iter().collect();
        assert_eq!(sql_list(&bad), None);
    }

    #[test]
    fn wildcard_admin_is_admin() {
        for a in ["*", "*:*", "iam:*", "IAM:*"] {
            assert_eq!(document_risk(&doc(json!(a))).level, Level::Admin, "{a}");
        }
    }

    #[test]
    fn iam_writes_credentials_trust_and_passrole_are_high() {
        for a in [
            "iam:AttachUserPolicy",
            "iam:AttachRolePolicy",
            "iam:PutUserPolicy",
            "iam:PutRolePolicy",
            "iam:CreatePolicyVersion",
            "iam:SetDefaultPolicyVersion",
            "iam:UpdateAssumeRolePolicy",
            "iam:CreateAccessKey",
            "iam:CreateLoginProfile",
            "iam:UpdateLoginProfile",
            "iam:AddUserToGroup",
            "iam:PassRole",
            "iam:Put*",
            "iam:*Policy",
            "iam:Create*",
            "iam:P*",
            "organizations:AttachPolicy",
            "sso:AttachManagedPolicyToPermissionSet",
            "sso:PutInlinePolicyToPermissionSet",
        ] {
            let r = document_risk(&doc(json!([a])));
            assert_eq!(r.level, Level::High, "{a}: {r:?}");
            assert!(r.reason.contains(a), "{a}: {}", r.reason);
        }
    }

    #[test]
    fn read_only_and_service_actions_are_low() {
        for a in [
            json!(["iam:Get*", "iam:List*", "iam:Generate*", "iam:Simulate*"]),
            json!(["s3:*", "ec2:Describe*", "codecommit:*"]),
            json!(["iam:CreateServiceLinkedRole", "ec2:*"]),
            json!("sts:GetCallerIdentity"),
        ] {
            assert_eq!(document_risk(&doc(a.clone())).level, Level::Low, "{a}");
        }
    }

    #[test]
    fn not_action_and_unreadable_documents_are_high() {
        let power_user = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]});
        assert_eq!(document_risk(&power_user).level, Level::High);
        assert_eq!(document_risk(&json!({"Statement": 3})).level, Level::High);
    }

    #[test]
    fn denies_do_not_count_and_self_service_on_own_user_is_low() {
        let deny = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
        assert_eq!(document_risk(&deny).level, Level::Low);
        let own = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["iam:ChangePassword", "iam:CreateAccessKey", "iam:EnableMFADevice"],
            "Resource": ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:mfa/${aws:username}"]}]});
        assert_eq!(document_risk(&own).level, Level::Low);
        // The same credential actions on anyone, or self-attachment, are not self-service.
        let anyone = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["iam:CreateAccessKey"], "Resource": "arn:aws:iam::*:user/*"}]});
        assert_eq!(document_risk(&anyone).level, Level::High);
        let self_attach = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["iam:AttachUserPolicy"], "Resource": "arn:aws:iam::*:user/${aws:username}"}]});
        assert_eq!(document_risk(&self_attach).level, Level::High);
    }

    #[test]
    fn managed_names_decide_when_the_document_is_unknown() {
        let cat = PolicyCatalog::default();
        let g = |v: &str| Grant {
            principal: "user/a".into(),
            kind: "policy".into(),
            value: v.into(),
            account_id: None,
        };
        assert_eq!(
            cat.grant_risk(&g("arn:aws:iam::aws:policy/AdministratorAccess"))
                .level,
            Level::Admin
        );
        assert_eq!(
            cat.grant_risk(&g("arn:aws:iam::aws:policy/IAMFullAccess"))
                .level,
            Level::Admin
        );
        assert_eq!(
            cat.grant_risk(&g("arn:aws:iam::aws:policy/PowerUserAccess"))
                .level,
            Level::High
        );
        assert_eq!(
            cat.grant_risk(&g("arn:aws:iam::aws:policy/ReadOnlyAccess"))
                .level,
            Level::Low
        );
        assert_eq!(
            cat.grant_risk(&g("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"))
                .level,
            Level::Low
        );
        // Unknown: an AWS name not on the lists, a customer policy without its document.
        assert_eq!(
            cat.grant_risk(&g("arn:aws:iam::aws:policy/SomethingNew"))
                .level,
            Level::High
        );
        assert_eq!(
            cat.grant_risk(&g("arn:aws:iam::1:policy/ReadOnlyAccess"))
                .level,
            Level::High
        );
        // A known document wins over the name: a customer "ReadOnly" policy granting iam:*.
        let cat = cat.with_policy("arn:aws:iam::1:policy/ReadOnly", doc(json!("iam:*")));
        assert_eq!(
            cat.grant_risk(&g("arn:aws:iam::1:policy/ReadOnly")).level,
            Level::Admin
        );
        let cat = cat.with_policy("arn:aws:iam::1:policy/tools", doc(json!("codecommit:*")));
        assert_eq!(
            cat.grant_risk(&g("arn:aws:iam::1:policy/tools")).level,
            Level::Low
        );
    }

    #[test]
    fn groups_are_judged_by_their_policies_and_unknown_groups_are_high() {
        let mut cat = PolicyCatalog::default().with_policy(
            "arn:aws:iam::1:policy/helpdesk",
            doc(json!("iam:AddUserToGroup")),
        );
        cat.holders.insert(
            ("group".into(), "eng".into(), "1".into()),
            Holder {
                attached: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
                inline: vec![],
            },
        );
        cat.holders.insert(
            ("group".into(), "helpdesk".into(), "1".into()),
            Holder {
                attached: vec!["arn:aws:iam::1:policy/helpdesk".into()],
                inline: vec![],
            },
        );
        let g = |v: &str| Grant {
            principal: "user/a".into(),
            kind: "group".into(),
            value: v.into(),
            account_id: Some("1".into()),
        };
        assert_eq!(cat.grant_risk(&g("eng")).level, Level::Low);
        assert_eq!(cat.grant_risk(&g("helpdesk")).level, Level::High);
        assert_eq!(cat.grant_risk(&g("nowhere")).level, Level::High);
    }
}
