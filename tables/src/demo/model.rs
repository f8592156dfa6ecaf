//! The demo organisation as plain structs, before it becomes table rows. Principals
//! refer to each other by index so that groups, attachments and the credential report
//! are derived from one source of truth.

use serde_json::{Value, json};

/// One AWS account of the organisation.
#[derive(Debug, Clone)]
pub struct Account {
    /// 12-digit account id.
    pub id: &'static str,
    /// Account alias.
    pub alias: &'static str,
    /// Environment the account holds (`prod`, `dev`, `security`).
    pub env: &'static str,
}

/// The three accounts, in index order.
pub const ACCOUNTS: [Account; 3] = [
    Account {
        id: "111111111111",
        alias: "acme-prod",
        env: "prod",
    },
    Account {
        id: "222222222222",
        alias: "acme-dev",
        env: "dev",
    },
    Account {
        id: "333333333333",
        alias: "acme-security",
        env: "security",
    },
];

/// Index of the production account.
pub const PROD: usize = 0;
/// Index of the development account.
pub const DEV: usize = 1;
/// Index of the security (audit, CI) account.
pub const SEC: usize = 2;

/// A customer-managed policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Account index.
    pub account: usize,
    /// Policy name.
    pub name: String,
    /// IAM path.
    pub path: String,
    /// Description.
    pub description: String,
    /// Default version document.
    pub document: Value,
    /// Number of versions; the default is the newest (`v{versions}`).
    pub versions: u32,
    /// Seconds before the epoch the policy was created.
    pub created: i64,
    /// Seconds before the epoch the default version was set.
    pub updated: i64,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

impl Policy {
    /// ARN of the policy.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:policy{}{}",
            ACCOUNTS[self.account].id, self.path, self.name
        )
    }
}

/// A console password.
#[derive(Debug, Clone)]
pub struct Console {
    /// Seconds before the epoch the login profile was created.
    pub created: i64,
    /// Seconds before the epoch the password was last changed.
    pub changed: i64,
    /// Seconds before the epoch the password was last used, `None` if never.
    pub last_used: Option<i64>,
    /// Whether a reset is required at next sign-in.
    pub reset_required: bool,
}

/// An access key.
#[derive(Debug, Clone)]
pub struct AccessKey {
    /// `AKIA...`
    pub id: String,
    /// Active or Inactive.
    pub active: bool,
    /// Seconds before the epoch it was created (also its last rotation).
    pub created: i64,
    /// Last use: seconds before the epoch, service, region.
    pub last_used: Option<(i64, &'static str, &'static str)>,
}

/// An IAM user.
#[derive(Debug, Clone)]
pub struct User {
    /// Account index.
    pub account: usize,
    /// User name.
    pub name: String,
    /// IAM path.
    pub path: String,
    /// Seconds before the epoch the user was created.
    pub created: i64,
    /// Console password, if any.
    pub console: Option<Console>,
    /// Seconds before the epoch the virtual MFA device was enabled, if any.
    pub mfa: Option<i64>,
    /// Access keys (at most two).
    pub keys: Vec<AccessKey>,
    /// Seconds before the epoch an X.509 signing certificate was uploaded, if any.
    pub signing_cert: Option<i64>,
    /// Indexes of groups the user belongs to.
    pub groups: Vec<usize>,
    /// Attached managed policy ARNs.
    pub managed: Vec<String>,
    /// Inline policies (name, document).
    pub inline: Vec<(String, Value)>,
    /// Permissions boundary ARN.
    pub boundary: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

impl User {
    /// ARN of the user.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:user{}{}",
            ACCOUNTS[self.account].id, self.path, self.name
        )
    }
}

/// An IAM group.
#[derive(Debug, Clone)]
pub struct Group {
    /// Account index.
    pub account: usize,
    /// Group name.
    pub name: String,
    /// IAM path.
    pub path: String,
    /// Seconds before the epoch the group was created.
    pub created: i64,
    /// Attached managed policy ARNs.
    pub managed: Vec<String>,
    /// Inline policies.
    pub inline: Vec<(String, Value)>,
    /// Member user indexes, filled after users are made.
    pub members: Vec<usize>,
}

impl Group {
    /// ARN of the group.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:group{}{}",
            ACCOUNTS[self.account].id, self.path, self.name
        )
    }
}

/// An IAM role.
#[derive(Debug, Clone)]
pub struct Role {
    /// Account index.
    pub account: usize,
    /// Role name.
    pub name: String,
    /// IAM path.
    pub path: String,
    /// Seconds before the epoch the role was created.
    pub created: i64,
    /// Description.
    pub description: String,
    /// Trust policy document.
    pub trust: Value,
    /// Maximum session duration in seconds.
    pub max_session: i64,
    /// Permissions boundary ARN.
    pub boundary: Option<String>,
    /// Last use: seconds before the epoch and region.
    pub last_used: Option<(i64, &'static str)>,
    /// Attached managed policy ARNs.
    pub managed: Vec<String>,
    /// Inline policies.
    pub inline: Vec<(String, Value)>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// Whether an instance profile of the same name wraps the role.
    pub instance_profile: bool,
}

impl Role {
    /// ARN of the role.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role{}{}",
            ACCOUNTS[self.account].id, self.path, self.name
        )
    }

    /// ARN of its instance profile (same name and path, as the console creates it).
    pub fn instance_profile_arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:instance-profile{}{}",
            ACCOUNTS[self.account].id, self.path, self.name
        )
    }
}

/// A policy document from statements.
pub fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A single string when there is one value, an array otherwise, as people write them
/// (so `policy_std` has something to normalise).
pub fn one_or_many(values: &[&str]) -> Value {
    if values.len() == 1 {
        Value::String(values[0].to_string())
    } else {
        Value::Array(
            values
                .iter()
                .map(|s| Value::String((*s).to_string()))
                .collect(),
        )
    }
}

/// `Allow` statement.
pub fn allow(actions: &[&str], resources: &[&str]) -> Value {
    json!({"Effect": "Allow", "Action": one_or_many(actions), "Resource": one_or_many(resources)})
}

/// `Deny` statement.
pub fn deny(actions: &[&str], resources: &[&str]) -> Value {
    json!({"Effect": "Deny", "Action": one_or_many(actions), "Resource": one_or_many(resources)})
}

/// Statement with a Sid.
pub fn sid(mut stmt: Value, id: &str) -> Value {
    if let Value::Object(m) = &mut stmt {
        let mut out = serde_json::Map::new();
        out.insert("Sid".into(), Value::String(id.to_string()));
        for (k, v) in std::mem::take(m) {
            out.insert(k, v);
        }
        return Value::Object(out);
    }
    stmt
}

/// Trust policy letting an AWS service assume the role.
pub fn trust_service(service: &str) -> Value {
    doc(vec![json!({
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole"
    })])
}

/// Trust policy letting specific AWS principals (ARNs) assume the role.
pub fn trust_aws(principals: &[&str]) -> Value {
    doc(vec![json!({
        "Effect": "Allow",
        "Principal": {"AWS": one_or_many(principals)},
        "Action": "sts:AssumeRole"
    })])
}
