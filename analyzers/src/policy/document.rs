//! The policy document model and its JSON parser.
//!
//! One model serves identity, resource, trust, permissions-boundary, session, SCP and RCP
//! documents: they share the grammar and differ only in which elements are meaningful,
//! which the evaluator decides by the layer a document is passed in.

use serde_json::Value;

use super::condition::{Condition, Operator};
use super::error::PolicyError;
use super::glob::{self, Tok};

/// The policy language version that enables policy variables.
pub const VERSION_2012: &str = "2012-10-17";

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Effect {
    /// Grants when matched.
    Allow,
    /// Denies when matched, overriding every Allow.
    Deny,
}

/// An element that may be written positively or negated (`Action` / `NotAction`, ...).
#[derive(Debug, Clone, PartialEq)]
pub enum Negatable<T> {
    /// `Action`, `Resource`, `Principal`.
    Is(T),
    /// `NotAction`, `NotResource`, `NotPrincipal`.
    Not(T),
}

/// An action pattern such as `s3:Get*`, compiled lower-case (actions are case-insensitive).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionPattern {
    /// As written.
    pub raw: String,
    /// Lower-cased wildcard tokens.
    pub tokens: Vec<Tok>,
}

impl ActionPattern {
    /// Compiles an action pattern.
    pub fn new(raw: &str) -> Self {
        ActionPattern {
            raw: raw.to_string(),
            tokens: glob::compile(raw, true),
        }
    }

    /// Matches an already lower-cased action name.
    pub fn matches_lower(&self, action_lower: &str) -> bool {
        glob::matches(&self.tokens, action_lower.as_bytes())
    }
}

/// A value that may contain wildcards and policy variables (resources, condition values).
#[derive(Debug, Clone, PartialEq)]
pub struct ValuePattern {
    /// As written.
    pub raw: String,
    /// Precompiled tokens when the value holds no policy variable; `None` means the value
    /// has to be resolved against each request.
    pub tokens: Option<Vec<Tok>>,
}

impl ValuePattern {
    /// Builds a pattern; variables are only recognised in version 2012-10-17 documents.
    pub fn new(raw: &str, variables_enabled: bool) -> Self {
        let tokens = if variables_enabled && raw.contains("${") {
            None
        } else {
            Some(glob::compile(raw, false))
        };
        ValuePattern {
            raw: raw.to_string(),
            tokens,
        }
    }
}

/// One entry of a Principal/NotPrincipal element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, including anonymous callers.
    Anyone,
    /// An account id or `arn:aws:iam::ACCT:root`: the account, which delegates to its own
    /// identity policies.
    Account(String),
    /// An IAM user, role, assumed-role session or federated-user ARN (or a unique id left
    /// behind by a deleted principal, which matches nothing).
    Arn(String),
    /// `{"Service": "ec2.amazonaws.com"}`.
    Service(String),
    /// `{"Federated": "cognito-identity.amazonaws.com"}` or a SAML/OIDC provider ARN.
    Federated(String),
    /// `{"CanonicalUser": "..."}` (S3).
    CanonicalUser(String),
}

/// A condition-free statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Position in the document, 0-based.
    pub index: usize,
    /// Optional statement id.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// Action or NotAction.
    pub action: Negatable<Vec<ActionPattern>>,
    /// Resource or NotResource; `None` in trust policies, where the resource is the role.
    pub resource: Option<Negatable<Vec<ValuePattern>>>,
    /// Principal or NotPrincipal; only meaningful in resource-based policies and RCPs.
    pub principal: Option<Negatable<Vec<PrincipalEntry>>>,
    /// Conditions, all of which must hold.
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// Whether the Action/NotAction element covers an already lower-cased action.
    pub fn matches_action(&self, action_lower: &str) -> bool {
        match &self.action {
            Negatable::Is(list) => list.iter().any(|p| p.matches_lower(action_lower)),
            Negatable::Not(list) => !list.iter().any(|p| p.matches_lower(action_lower)),
        }
    }

    /// Whether the statement may match differently for two IAM identities of the same
    /// account and kind: it uses a policy variable, tests a condition key derived from
    /// the caller (`aws:PrincipalArn`, `aws:PrincipalTag/...`, `aws:username`, ...; see
    /// [`crate::policy::RequestContext::lookup`]), or names callers by ARN in a
    /// Principal/NotPrincipal element. When every statement that can match a request is
    /// caller-independent, the evaluation of that request is the same for all such
    /// callers, which lets bulk callers (the privilege graph) evaluate once per group.
    pub fn depends_on_caller(&self) -> bool {
        let variable = |p: &ValuePattern| p.tokens.is_none();
        let resource = match &self.resource {
            Some(Negatable::Is(list)) | Some(Negatable::Not(list)) => list.iter().any(variable),
            None => false,
        };
        let condition = self.conditions.iter().any(|c| {
            let key = c.key.to_ascii_lowercase();
            key.starts_with("aws:principal")
                || key == "aws:username"
                || key == "aws:userid"
                || c.values.iter().any(variable)
        });
        let principal = match &self.principal {
            None => false,
            Some(Negatable::Is(entries)) => {
                entries.iter().any(|e| matches!(e, PrincipalEntry::Arn(_)))
            }
            // NotPrincipal excludes callers by ARN.
            Some(Negatable::Not(_)) => true,
        };
        resource || condition || principal
    }
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    /// `Version`, if present.
    pub version: Option<String>,
    /// `Id`, if present.
    pub id: Option<String>,
    /// Statements in document order.
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Parses a document from JSON text.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| PolicyError::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Parses a document from a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let obj = value
            .as_object()
            .ok_or(PolicyError::NotAnObject("policy document"))?;
        let version = obj
            .get("Version")
            .and_then(Value::as_str)
            .map(str::to_string);
        let id = obj.get("Id").and_then(Value::as_str).map(str::to_string);
        // Policy variables only exist in the 2012-10-17 language; in 2008-10-17 documents
        // `${aws:username}` is literal text.
        let variables = version.as_deref() == Some(VERSION_2012);
        let raw_statements = match obj.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
            Some(single @ Value::Object(_)) => vec![single],
            Some(_) => return Err(PolicyError::NotAnObject("Statement")),
            None => return Err(PolicyError::MissingStatement),
        };
        let statements = raw_statements
            .into_iter()
            .enumerate()
            .map(|(index, s)| parse_statement(index, s, variables))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PolicyDocument {
            version,
            id,
            statements,
        })
    }

    /// A document with no statements (grants nothing).
    pub fn empty() -> Self {
        PolicyDocument {
            version: Some(VERSION_2012.to_string()),
            id: None,
            statements: Vec::new(),
        }
    }

    /// Whether policy variables are substituted in this document.
    pub fn variables_enabled(&self) -> bool {
        self.version.as_deref() == Some(VERSION_2012)
    }
}

impl std::str::FromStr for PolicyDocument {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PolicyDocument::parse(s)
    }
}

fn string_list(index: usize, element: &str, value: &Value) -> Result<Vec<String>, PolicyError> {
    let bad = || PolicyError::BadValue {
        index,
        element: element.to_string(),
    };
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect(),
        _ => Err(bad()),
    }
}

fn pair<'v>(
    index: usize,
    obj: &'v serde_json::Map<String, Value>,
    positive: &str,
    negative: &str,
    required: bool,
) -> Result<Option<Negatable<&'v Value>>, PolicyError> {
    match (obj.get(positive), obj.get(negative)) {
        (Some(_), Some(_)) => Err(PolicyError::BadElementPair {
            index,
            problem: format!("both {positive} and {negative} are present"),
        }),
        (Some(v), None) => Ok(Some(Negatable::Is(v))),
        (None, Some(v)) => Ok(Some(Negatable::Not(v))),
        (None, None) if required => Err(PolicyError::BadElementPair {
            index,
            problem: format!("neither {positive} nor {negative} is present"),
        }),
        (None, None) => Ok(None),
    }
}

fn parse_statement(index: usize, value: &Value, variables: bool) -> Result<Statement, PolicyError> {
    let obj = value
        .as_object()
        .ok_or(PolicyError::NotAnObject("statement"))?;
    let effect = match obj.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        other => {
            return Err(PolicyError::BadEffect {
                index,
                found: other
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "nothing".to_string()),
            });
        }
    };
    let sid = obj.get("Sid").and_then(Value::as_str).map(str::to_string);
    let action = match pair(index, obj, "Action", "NotAction", true)? {
        Some(Negatable::Is(v)) => Negatable::Is(
            string_list(index, "Action", v)?
                .iter()
                .map(|a| ActionPattern::new(a))
                .collect(),
        ),
        Some(Negatable::Not(v)) => Negatable::Not(
            string_list(index, "NotAction", v)?
                .iter()
                .map(|a| ActionPattern::new(a))
                .collect(),
        ),
        None => {
            return Err(PolicyError::BadElementPair {
                index,
                problem: "no Action".into(),
            });
        }
    };
    let resource = match pair(index, obj, "Resource", "NotResource", false)? {
        Some(Negatable::Is(v)) => Some(Negatable::Is(
            string_list(index, "Resource", v)?
                .iter()
                .map(|r| ValuePattern::new(r, variables))
                .collect(),
        )),
        Some(Negatable::Not(v)) => Some(Negatable::Not(
            string_list(index, "NotResource", v)?
                .iter()
                .map(|r| ValuePattern::new(r, variables))
                .collect(),
        )),
        None => None,
    };
    let principal = match pair(index, obj, "Principal", "NotPrincipal", false)? {
        Some(Negatable::Is(v)) => Some(Negatable::Is(parse_principal(index, v)?)),
        Some(Negatable::Not(v)) => Some(Negatable::Not(parse_principal(index, v)?)),
        None => None,
    };
    let conditions = match obj.get("Condition") {
        Some(v) => parse_conditions(index, v, variables)?,
        None => Vec::new(),
    };
    Ok(Statement {
        index,
        sid,
        effect,
        action,
        resource,
        principal,
        conditions,
    })
}

fn parse_principal(index: usize, value: &Value) -> Result<Vec<PrincipalEntry>, PolicyError> {
    match value {
        Value::String(s) if s == "*" => Ok(vec![PrincipalEntry::Anyone]),
        Value::Object(map) => {
            let mut out = Vec::new();
            for (kind, v) in map {
                let names = string_list(index, "Principal", v)?;
                for name in names {
                    out.push(match kind.as_str() {
                        "AWS" => aws_principal(&name),
                        "Service" => PrincipalEntry::Service(name.to_ascii_lowercase()),
                        "Federated" => PrincipalEntry::Federated(name),
                        "CanonicalUser" => PrincipalEntry::CanonicalUser(name),
                        other => {
                            return Err(PolicyError::UnknownPrincipalType {
                                index,
                                kind: other.to_string(),
                            });
                        }
                    });
                }
            }
            Ok(out)
        }
        _ => Err(PolicyError::BadValue {
            index,
            element: "Principal".into(),
        }),
    }
}

fn aws_principal(name: &str) -> PrincipalEntry {
    if name == "*" {
        return PrincipalEntry::Anyone;
    }
    if name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit()) {
        return PrincipalEntry::Account(name.to_string());
    }
    if let Some(arn) = super::arn::Arn::parse(name) {
        if arn.service == "iam" && arn.resource == "root" {
            return PrincipalEntry::Account(arn.account.to_string());
        }
    }
    PrincipalEntry::Arn(name.to_string())
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_conditions(
    index: usize,
    value: &Value,
    variables: bool,
) -> Result<Vec<Condition>, PolicyError> {
    let block = value.as_object().ok_or_else(|| PolicyError::BadCondition {
        index,
        problem: "Condition must be an object".into(),
    })?;
    let mut out = Vec::new();
    for (op_name, keys) in block {
        let operator =
            Operator::parse(op_name).ok_or_else(|| PolicyError::UnknownConditionOperator {
                index,
                operator: op_name.clone(),
            })?;
        let keys = keys.as_object().ok_or_else(|| PolicyError::BadCondition {
            index,
            problem: format!("{op_name} must map condition keys to values"),
        })?;
        for (key, vals) in keys {
            let values = match vals {
                Value::Array(items) => items
                    .iter()
                    .map(|v| {
                        scalar_string(v).ok_or_else(|| PolicyError::BadCondition {
                            index,
                            problem: format!("{op_name}/{key} has a non-scalar value"),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                other => vec![
                    scalar_string(other).ok_or_else(|| PolicyError::BadCondition {
                        index,
                        problem: format!("{op_name}/{key} has a non-scalar value"),
                    })?,
                ],
            };
            out.push(Condition::new(operator.clone(), key, values, variables));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_dependence() {
        let dependent = |st: serde_json::Value| {
            let doc = PolicyDocument::from_value(
                &serde_json::json!({"Version": "2012-10-17", "Statement": [st]}),
            )
            .expect("valid");
            doc.statements[0].depends_on_caller()
        };
        assert!(!dependent(serde_json::json!(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
        )));
        assert!(!dependent(serde_json::json!(
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
        )));
        assert!(!dependent(serde_json::json!(
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
             "Action": "s3:GetObject", "Resource": "*"}
        )));
        assert!(dependent(serde_json::json!(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${aws:username}/*"}
        )));
        assert!(dependent(serde_json::json!(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}}}
        )));
        assert!(dependent(serde_json::json!(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
             "Condition": {"StringLike": {"s3:prefix": "${aws:userid}/*"}}}
        )));
        assert!(dependent(serde_json::json!(
            {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111111111111:user/dave"},
             "Action": "s3:*", "Resource": "*"}
        )));
        assert!(dependent(serde_json::json!(
            {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"},
             "Action": "s3:*", "Resource": "*"}
        )));
    }

    #[test]
    fn single_statement_object_and_strings() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        )
        .expect("valid");
        assert_eq!(doc.statements.len(), 1);
        assert!(matches!(doc.statements[0].action, Negatable::Is(ref a) if a.len() == 1));
    }

    #[test]
    fn malformed_documents_are_typed_errors() {
        assert!(matches!(
            PolicyDocument::parse("nope"),
            Err(PolicyError::Json(_))
        ));
        assert!(matches!(
            PolicyDocument::parse("{}"),
            Err(PolicyError::MissingStatement)
        ));
        assert!(matches!(
            PolicyDocument::parse(r#"{"Statement":{"Effect":"allow","Action":"*"}}"#),
            Err(PolicyError::BadEffect { .. })
        ));
        assert!(matches!(
            PolicyDocument::parse(
                r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*"}}"#
            ),
            Err(PolicyError::BadElementPair { .. })
        ));
        assert!(matches!(
            PolicyDocument::parse(r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#),
            Err(PolicyError::BadElementPair { .. })
        ));
        assert!(matches!(
            PolicyDocument::parse(
                r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":{"StringSortOf":{"a":"b"}}}}"#
            ),
            Err(PolicyError::UnknownConditionOperator { .. })
        ));
        assert!(matches!(
            PolicyDocument::parse(
                r#"{"Statement":{"Effect":"Allow","Action":"*","Principal":{"Alien":"x"}}}"#
            ),
            Err(PolicyError::UnknownPrincipalType { .. })
        ));
        assert!(matches!(
            PolicyDocument::parse(r#"{"Statement":{"Effect":"Allow","Action":5}}"#),
            Err(PolicyError::BadValue { .. })
        ));
    }

    #[test]
    fn account_principals_normalise() {
        assert_eq!(
            aws_principal("123456789012"),
            PrincipalEntry::Account("123456789012".into())
        );
        assert_eq!(
            aws_principal("arn:aws:iam::123456789012:root"),
            PrincipalEntry::Account("123456789012".into())
        );
        assert_eq!(aws_principal("*"), PrincipalEntry::Anyone);
    }
}
