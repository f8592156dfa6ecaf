//! AWS Organizations: accounts, roots, organizational units, policies (service and
//! resource control policies with their content) and where each policy is attached, with
//! Steampipe's table and column names. Read from the management account or a delegated
//! administrator; from a member account the calls are denied (`on_access_denied` decides).
//!
//! Organizations is a global service: its endpoint and signing region are the partition's
//! home region (us-east-1, cn-northwest-1, us-gov-west-1).

use std::collections::VecDeque;

use serde_json::{Value, json};

use super::api::{ORGANIZATIONS, akas, b, g, put_api_tags, s};
use super::iam_common::GLOBAL;
use super::json::row;
use super::source::{AwsSource, need, qual_strings};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Policy types an unfiltered policy listing covers: the ones that limit access.
pub(crate) const ACCESS_POLICY_TYPES: &[&str] =
    &["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"];

/// Most pages one listing follows (a token that never ends must not loop forever).
const MAX_PAGES: usize = 10_000;

/// `aws_organizations_account`.
pub static ACCOUNT_TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_organizations_account",
        description: "Accounts of the organization (organizations:ListAccounts).",
        service: "organizations",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Friendly name of the account."),
            col("id", Text, "Account id."),
            col("arn", Text, "ARN of the account in the organization."),
            col("email", Text, "Email address of the account's root user."),
            col("joined_method", Text, "INVITED or CREATED."),
            col(
                "joined_timestamp",
                Timestamp,
                "When the account joined the organization."
            ),
            col("status", Text, "ACTIVE, SUSPENDED or PENDING_CLOSURE."),
            hcol(
                "parent_id",
                Text,
                "Id of the root or organizational unit the account is in.",
                &ACCOUNT_PARENT
            ),
            hcol(
                "tags_src",
                Json,
                "Tags as returned by Organizations ([{Key, Value}]).",
                &TAGS
            ),
            hcol("tags", Json, "Tags as a key/value object.", &TAGS),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, _, _| Box::pin(list_accounts(s)),
    get: None,
};

static ACCOUNT_PARENT: AwsHydrate =
    AwsHydrate::new("list_parents", |s, _, r| Box::pin(hydrate_parent(s, r)));
/// Tags of an account or a policy (both are tagged by their `id`).
static TAGS: AwsHydrate = AwsHydrate::new("list_tags_for_resource", |s, _, r| {
    Box::pin(hydrate_tags(s, r))
});

/// `aws_organizations_root`.
pub static ROOT_TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_organizations_root",
        description: "Roots of the organization (organizations:ListRoots).",
        service: "organizations",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Friendly name of the root."),
            col("id", Text, "Id of the root (r-...)."),
            col("arn", Text, "ARN of the root."),
            col(
                "policy_types",
                Json,
                "Policy types enabled in the root ([{Type, Status}])."
            ),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, _, _| Box::pin(list_roots_table(s)),
    get: None,
};

/// `aws_organizations_organizational_unit`.
pub static OU_TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_organizations_organizational_unit",
        description: "Organizational units, every level below the roots \
                      (organizations:ListOrganizationalUnitsForParent).",
        service: "organizations",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Friendly name of the organizational unit."),
            col("id", Text, "Id of the organizational unit (ou-...)."),
            col("arn", Text, "ARN of the organizational unit."),
            col("parent_id", Text, "Id of the parent root or unit."),
            col(
                "path",
                Text,
                "Ids from the root down to this unit, joined by '.', '-' written '_' \
                 (an ltree path, as Steampipe writes it)."
            ),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, _, _| Box::pin(list_units(s)),
    get: None,
};

/// `aws_organizations_policy`.
pub static POLICY_TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_organizations_policy",
        description: "Organization policies with their content (organizations:ListPolicies, \
                      DescribePolicy). Without a `type` filter: service and resource \
                      control policies.",
        service: "organizations",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Friendly name of the policy."),
            col("id", Text, "Id of the policy (p-...)."),
            col("arn", Text, "ARN of the policy."),
            col(
                "type",
                Text,
                "SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY, TAG_POLICY, ..."
            ),
            col(
                "aws_managed",
                Bool,
                "Whether AWS manages the policy (e.g. FullAWSAccess)."
            ),
            col("description", Text, "Description of the policy."),
            hcol(
                "content",
                Json,
                "The policy document.",
                &POLICY_CONTENT
            ),
            hcol(
                "tags_src",
                Json,
                "Tags as returned by Organizations ([{Key, Value}]).",
                &TAGS
            ),
            hcol("tags", Json, "Tags as a key/value object.", &TAGS),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, req, _| Box::pin(list_policies_table(s, req)),
    get: None,
};

static POLICY_CONTENT: AwsHydrate =
    AwsHydrate::new("describe_policy", |s, _, r| Box::pin(hydrate_content(s, r)));

/// `aws_organizations_policy_target`.
pub static POLICY_TARGET_TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_organizations_policy_target",
        description: "Where each policy is attached: one row per policy and root, unit or \
                      account (organizations:ListTargetsForPolicy; with a `target_id` \
                      filter, ListPoliciesForTarget).",
        service: "organizations",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Friendly name of the policy."),
            col("id", Text, "Id of the policy."),
            col(
                "target_id",
                Text,
                "Id of the root, organizational unit or account the policy is attached to."
            ),
            col(
                "target_type",
                Text,
                "ROOT, ORGANIZATIONAL_UNIT or ACCOUNT (pathwarden column)."
            ),
            col("arn", Text, "ARN of the policy."),
            col("type", Text, "Policy type."),
            col("aws_managed", Bool, "Whether AWS manages the policy."),
            col("description", Text, "Description of the policy."),
            hcol(
                "content",
                Json,
                "The policy document.",
                &POLICY_CONTENT
            ),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, req, _| Box::pin(list_policy_targets(s, req)),
    get: None,
};

impl AwsSource {
    /// The region Organizations is called in: the partition's home region.
    pub(crate) fn organizations_region(&self) -> &'static str {
        match self.partition.as_str() {
            "aws-cn" => "cn-northwest-1",
            "aws-us-gov" => "us-gov-west-1",
            _ => "us-east-1",
        }
    }

    /// One Organizations call; `api_call` is `organizations:<Action>` (written out in
    /// full at each call site, where the scanner policy generator finds it).
    async fn org_call(&self, api_call: &str, input: Value) -> Result<Value, FetchError> {
        let action = api_call.trim_start_matches("organizations:");
        match self
            .call_json(&ORGANIZATIONS, self.organizations_region(), action, input)
            .await
        {
            Ok(v) => Ok(v),
            // An account outside any organization has no organization to list: no rows,
            // not an error.
            Err(e) if e.code == "AWSOrganizationsNotInUseException" => Ok(json!({})),
            Err(e) => Err(e.into_fetch(api_call)),
        }
    }

    /// Every item under `items` of a paged Organizations listing.
    async fn org_list_all(
        &self,
        api_call: &str,
        input: Value,
        items: &str,
    ) -> Result<Vec<Value>, FetchError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut req = input.clone();
            if let Some(t) = &token {
                req["NextToken"] = Value::String(t.clone());
            }
            let mut resp = self.org_call(api_call, req).await?;
            out.extend(crate::framework::rest::take_items(&mut resp, items));
            token = crate::framework::rest::next_token(&resp, "NextToken");
            if token.is_none() {
                return Ok(out);
            }
        }
        Err(FetchError::Api {
            api_call: api_call.to_string(),
            message: format!("more than {MAX_PAGES} pages"),
        })
    }

    /// The roots (an organization has one).
    pub(crate) async fn org_roots(&self) -> Result<Vec<Value>, FetchError> {
        self.org_list_all("organizations:ListRoots", json!({}), "Roots").await
    }

    /// Every organizational unit with its parent id and path, breadth first.
    pub(crate) async fn org_units(&self) -> Result<Vec<(Value, String, String)>, FetchError> {
        let mut queue: VecDeque<(String, String)> = self
            .org_roots()
            .await?
            .iter()
            .filter_map(|r| r.get("Id").and_then(Value::as_str))
            .map(|id| (id.to_string(), ltree_label(id)))
            .collect();
        let mut units = Vec::new();
        while let Some((parent, path)) = queue.pop_front() {
            let children = self
                .org_list_all(
                    "organizations:ListOrganizationalUnitsForParent",
                    json!({ "ParentId": parent }),
                    "OrganizationalUnits",
                )
                .await?;
            for ou in children {
                let Some(id) = ou.get("Id").and_then(Value::as_str).map(str::to_string) else {
                    continue;
                };
                let ou_path = format!("{path}.{}", ltree_label(&id));
                queue.push_back((id, ou_path.clone()));
                units.push((ou, parent.clone(), ou_path));
            }
            if units.len() > 100_000 {
                return Err(FetchError::Api {
                    api_call: "organizations:ListOrganizationalUnitsForParent".into(),
                    message: "more than 100,000 organizational units".into(),
                });
            }
        }
        Ok(units)
    }

    /// Summaries of the policies of `types`.
    pub(crate) async fn org_policies(&self, types: &[String]) -> Result<Vec<Value>, FetchError> {
        let mut out = Vec::new();
        for t in types {
            out.extend(
                self.org_list_all("organizations:ListPolicies", json!({ "Filter": t }), "Policies")
                    .await?,
            );
        }
        Ok(out)
    }
}

/// A member account of the organization, with where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgMember {
    /// Account id.
    pub id: String,
    /// Account name.
    pub name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`.
    pub status: String,
    /// Its parent and every ancestor up to the root (`ou-...`, `r-...`), nearest first.
    pub ancestors: Vec<String>,
}

impl AwsSource {
    /// Every account of the organization this connection's account manages (or
    /// administers as delegated administrator), found by walking root → units with
    /// `ListOrganizationalUnitsForParent` and `ListAccountsForParent` (two calls per unit,
    /// not one per account). Empty when the account is in no organization.
    pub async fn organization_members(&self) -> Result<Vec<OrgMember>, FetchError> {
        let mut queue: VecDeque<(String, Vec<String>)> = self
            .org_roots()
            .await?
            .iter()
            .filter_map(|r| r.get("Id").and_then(Value::as_str))
            .map(|id| (id.to_string(), vec![id.to_string()]))
            .collect();
        let mut out = Vec::new();
        let mut visited = 0usize;
        while let Some((parent, chain)) = queue.pop_front() {
            visited += 1;
            if visited > 100_000 {
                return Err(FetchError::Api {
                    api_call: "organizations:ListOrganizationalUnitsForParent".into(),
                    message: "more than 100,000 organizational units".into(),
                });
            }
            for a in self
                .org_list_all(
                    "organizations:ListAccountsForParent",
                    json!({ "ParentId": parent }),
                    "Accounts",
                )
                .await?
            {
                let text = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or_default();
                if text("Id").is_empty() {
                    continue;
                }
                out.push(OrgMember {
                    id: text("Id").to_string(),
                    name: text("Name").to_string(),
                    status: text("Status").to_string(),
                    ancestors: chain.iter().rev().cloned().collect(),
                });
            }
            for ou in self
                .org_list_all(
                    "organizations:ListOrganizationalUnitsForParent",
                    json!({ "ParentId": parent }),
                    "OrganizationalUnits",
                )
                .await?
            {
                let Some(id) = ou.get("Id").and_then(Value::as_str) else {
                    continue;
                };
                let mut c = chain.clone();
                c.push(id.to_string());
                queue.push_back((id.to_string(), c));
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }
}

/// An id as an ltree label (`r-ab12` → `r_ab12`).
fn ltree_label(id: &str) -> String {
    id.replace('-', "_")
}

fn common(src: &AwsSource, r: &mut Row, name: &Value, arn: &Value) {
    src.common(r, GLOBAL, name.clone(), akas(arn));
}

async fn list_accounts(src: &AwsSource) -> Result<Page, FetchError> {
    if !src.reads_organization {
        // A member account of an organization connection: the organization is read once,
        // from the connection's own account.
        return Ok(Page::default());
    }
    let accounts = src
        .org_list_all("organizations:ListAccounts", json!({}), "Accounts")
        .await?;
    let rows = accounts
        .iter()
        .map(|a| {
            let (name, arn) = (s(a, "Name"), s(a, "Arn"));
            let mut r = row([
                ("name", name.clone()),
                ("id", s(a, "Id")),
                ("arn", arn.clone()),
                ("email", s(a, "Email")),
                ("joined_method", s(a, "JoinedMethod")),
                ("joined_timestamp", g(a, "JoinedTimestamp")),
                ("status", s(a, "Status")),
            ]);
            common(src, &mut r, &name, &arn);
            r
        })
        .collect();
    Ok(Page { rows, next: None })
}

async fn hydrate_parent(src: &AwsSource, r: &Row) -> Result<Row, FetchError> {
    let id = need(r, "id", "organizations:ListParents")?;
    let parents = src
        .org_list_all("organizations:ListParents", json!({ "ChildId": id }), "Parents")
        .await?;
    Ok(row([(
        "parent_id",
        parents.first().map(|p| s(p, "Id")).unwrap_or(Value::Null),
    )]))
}

async fn hydrate_tags(src: &AwsSource, r: &Row) -> Result<Row, FetchError> {
    let id = need(r, "id", "organizations:ListTagsForResource")?;
    let tags = src
        .org_list_all("organizations:ListTagsForResource", json!({ "ResourceId": id }), "Tags")
        .await?;
    let mut out = Row::new();
    put_api_tags(&mut out, &tags);
    Ok(out)
}

async fn list_roots_table(src: &AwsSource) -> Result<Page, FetchError> {
    if !src.reads_organization {
        // A member account of an organization connection: the organization is read once,
        // from the connection's own account.
        return Ok(Page::default());
    }
    let rows = src
        .org_roots()
        .await?
        .iter()
        .map(|root| {
            let (name, arn) = (s(root, "Name"), s(root, "Arn"));
            let mut r = row([
                ("name", name.clone()),
                ("id", s(root, "Id")),
                ("arn", arn.clone()),
                ("policy_types", g(root, "PolicyTypes")),
            ]);
            common(src, &mut r, &name, &arn);
            r
        })
        .collect();
    Ok(Page { rows, next: None })
}

async fn list_units(src: &AwsSource) -> Result<Page, FetchError> {
    if !src.reads_organization {
        // A member account of an organization connection: the organization is read once,
        // from the connection's own account.
        return Ok(Page::default());
    }
    let rows = src
        .org_units()
        .await?
        .into_iter()
        .map(|(ou, parent, path)| {
            let (name, arn) = (s(&ou, "Name"), s(&ou, "Arn"));
            let mut r = row([
                ("name", name.clone()),
                ("id", s(&ou, "Id")),
                ("arn", arn.clone()),
                ("parent_id", Value::String(parent)),
                ("path", Value::String(path)),
            ]);
            common(src, &mut r, &name, &arn);
            r
        })
        .collect();
    Ok(Page { rows, next: None })
}

/// The policy types a query asks for (`where type = ...`), else the access-limiting ones.
fn requested_types(req: &ListRequest) -> Vec<String> {
    qual_strings(req, "type")
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| ACCESS_POLICY_TYPES.iter().map(|t| t.to_string()).collect())
}

fn summary_row(src: &AwsSource, p: &Value) -> Row {
    let (name, arn) = (s(p, "Name"), s(p, "Arn"));
    let mut r = row([
        ("name", name.clone()),
        ("id", s(p, "Id")),
        ("arn", arn.clone()),
        ("type", s(p, "Type")),
        ("aws_managed", b(p, "AwsManaged")),
        ("description", s(p, "Description")),
    ]);
    common(src, &mut r, &name, &arn);
    r
}

async fn list_policies_table(src: &AwsSource, req: &ListRequest) -> Result<Page, FetchError> {
    if !src.reads_organization {
        // A member account of an organization connection: the organization is read once,
        // from the connection's own account.
        return Ok(Page::default());
    }
    let rows = src
        .org_policies(&requested_types(req))
        .await?
        .iter()
        .map(|p| summary_row(src, p))
        .collect();
    Ok(Page { rows, next: None })
}

async fn hydrate_content(src: &AwsSource, r: &Row) -> Result<Row, FetchError> {
    let id = need(r, "id", "organizations:DescribePolicy")?;
    let out = src
        .org_call("organizations:DescribePolicy", json!({ "PolicyId": id }))
        .await?;
    let content = out
        .get("Policy")
        .and_then(|p| p.get("Content"))
        .and_then(Value::as_str)
        .map(|text| serde_json::from_str(text).unwrap_or(Value::String(text.to_string())))
        .unwrap_or(Value::Null);
    Ok(row([("content", content)]))
}

async fn list_policy_targets(src: &AwsSource, req: &ListRequest) -> Result<Page, FetchError> {
    if !src.reads_organization {
        // A member account of an organization connection: the organization is read once,
        // from the connection's own account.
        return Ok(Page::default());
    }
    let types = requested_types(req);
    let mut rows = Vec::new();
    if let Some(targets) = qual_strings(req, "target_id").filter(|t| !t.is_empty()) {
        for target in targets {
            for t in &types {
                let policies = src
                    .org_list_all(
                        "organizations:ListPoliciesForTarget",
                        json!({ "TargetId": target, "Filter": t }),
                        "Policies",
                    )
                    .await?;
                for p in policies {
                    let mut r = summary_row(src, &p);
                    r.insert("target_id".into(), Value::String(target.clone()));
                    r.insert("target_type".into(), target_type(&target));
                    rows.push(r);
                }
            }
        }
        return Ok(Page { rows, next: None });
    }
    for p in src.org_policies(&types).await? {
        let Some(id) = p.get("Id").and_then(Value::as_str) else {
            continue;
        };
        let targets = src
            .org_list_all(
                "organizations:ListTargetsForPolicy",
                json!({ "PolicyId": id }),
                "Targets",
            )
            .await?;
        for t in targets {
            let mut r = summary_row(src, &p);
            r.insert("target_id".into(), s(&t, "TargetId"));
            r.insert("target_type".into(), s(&t, "Type"));
            rows.push(r);
        }
    }
    Ok(Page { rows, next: None })
}

/// The kind of target an id names (`r-`, `ou-`, or an account number).
fn target_type(id: &str) -> Value {
    let t = if id.starts_with("r-") {
        "ROOT"
    } else if id.starts_with("ou-") {
        "ORGANIZATIONAL_UNIT"
    } else {
        "ACCOUNT"
    };
    Value::String(t.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ltree_paths_and_target_kinds() {
        assert_eq!(ltree_label("ou-ab12-34cd56ef"), "ou_ab12_34cd56ef");
        assert_eq!(target_type("r-ab12"), "ROOT");
        assert_eq!(target_type("ou-ab12-x"), "ORGANIZATIONAL_UNIT");
        assert_eq!(target_type("123456789012"), "ACCOUNT");
    }
}
