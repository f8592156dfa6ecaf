//! The demo's AWS organization: acme-security is the management account; a `Workloads`
//! unit holds `Prod` (acme-prod) and `Dev` (acme-dev). Service control policies: AWS's
//! `FullAWSAccess` on every target, `deny-leave-organization` on the root,
//! `prod-guardrails` on Prod (no CloudTrail or GuardDuty tampering, no IAM credentials for
//! principals tagged `Contractor=true`), `dev-regions` on Dev
//! (two regions only); a resource control policy `org-only-s3` on the root.
//!
//! Rows are those the `aws_organizations_*` tables return from the management account.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::model::{ACCOUNTS, DEV, PROD, SEC};
use super::util::{obj, put_common};
use crate::framework::Row;

const ORG: &str = "o-acme0demo1";
const ROOT: &str = "r-acme";
const WORKLOADS: &str = "ou-acme-workload";
const PROD_OU: &str = "ou-acme-prod0001";
const DEV_OU: &str = "ou-acme-dev00001";

fn management() -> &'static str {
    ACCOUNTS[SEC].id
}

fn org_arn(kind: &str, id: &str) -> String {
    format!("arn:aws:organizations::{}:{kind}/{ORG}/{id}", management())
}

fn policy_arn(policy_type: &str, id: &str, aws_managed: bool) -> String {
    if aws_managed {
        format!(
            "arn:aws:organizations::aws:policy/{}/{id}",
            policy_type.to_ascii_lowercase()
        )
    } else {
        format!(
            "arn:aws:organizations::{}:policy/{ORG}/{}/{id}",
            management(),
            policy_type.to_ascii_lowercase()
        )
    }
}

fn label(id: &str) -> String {
    id.replace('-', "_")
}

fn common(row: &mut Row, title: &str, arn: &str) {
    put_common(row, title, arn, "global", management());
}

struct Policy {
    id: &'static str,
    name: &'static str,
    policy_type: &'static str,
    aws_managed: bool,
    description: &'static str,
    content: Value,
    targets: Vec<&'static str>,
}

fn policies() -> Vec<Policy> {
    let all_targets = vec![
        ROOT,
        WORKLOADS,
        PROD_OU,
        DEV_OU,
        ACCOUNTS[PROD].id,
        ACCOUNTS[DEV].id,
        ACCOUNTS[SEC].id,
    ];
    vec![
        Policy {
            id: "p-FullAWSAccess",
            name: "FullAWSAccess",
            policy_type: "SERVICE_CONTROL_POLICY",
            aws_managed: true,
            description: "Allows access to every operation",
            content: json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            targets: all_targets,
        },
        Policy {
            id: "p-acme0leave",
            name: "deny-leave-organization",
            policy_type: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "Member accounts cannot leave the organization",
            content: json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "NoLeaving", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}),
            targets: vec![ROOT],
        },
        Policy {
            id: "p-acme0guard",
            name: "prod-guardrails",
            policy_type: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "No tampering with CloudTrail or GuardDuty in production; contractors get no IAM credentials",
            content: json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "ProtectAudit", "Effect": "Deny",
                 "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                            "guardduty:DeleteDetector", "guardduty:DisassociateFromMasterAccount"],
                 "Resource": "*"},
                {"Sid": "NoContractorCredentials", "Effect": "Deny",
                 "Action": ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"],
                 "Resource": "*",
                 "Condition": {"StringEquals": {"aws:PrincipalTag/Contractor": "true"}}}]}),
            targets: vec![PROD_OU],
        },
        Policy {
            id: "p-acme0regns",
            name: "dev-regions",
            policy_type: "SERVICE_CONTROL_POLICY",
            aws_managed: false,
            description: "Development stays in us-east-1 and eu-west-1",
            content: json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "TwoRegions", "Effect": "Deny",
                 "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*"],
                 "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}]}),
            targets: vec![DEV_OU],
        },
        Policy {
            id: "p-acme0s3rcp",
            name: "org-only-s3",
            policy_type: "RESOURCE_CONTROL_POLICY",
            aws_managed: false,
            description: "Buckets answer only principals of the organization",
            content: json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
                               "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}),
            targets: vec![ROOT],
        },
    ]
}

fn summary(p: &Policy) -> Row {
    let arn = policy_arn(p.policy_type, p.id, p.aws_managed);
    let mut row = obj(json!({
        "name": p.name,
        "id": p.id,
        "arn": arn,
        "type": p.policy_type,
        "aws_managed": p.aws_managed,
        "description": p.description,
        "content": p.content,
    }));
    common(&mut row, p.name, &arn);
    row
}

fn target_type(id: &str) -> &'static str {
    if id.starts_with("r-") {
        "ROOT"
    } else if id.starts_with("ou-") {
        "ORGANIZATIONAL_UNIT"
    } else {
        "ACCOUNT"
    }
}

/// Rows of the five `aws_organizations_*` tables.
pub fn rows(out: &mut HashMap<&'static str, Vec<Row>>) {
    let mut root = obj(json!({
        "name": "Root",
        "id": ROOT,
        "arn": org_arn("root", ROOT),
        "policy_types": [
            {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
            {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"}
        ],
    }));
    common(&mut root, "Root", &org_arn("root", ROOT));
    out.insert("aws_organizations_root", vec![root]);

    let units = [
        (
            "Workloads",
            WORKLOADS,
            ROOT,
            format!("{}.{}", label(ROOT), label(WORKLOADS)),
        ),
        (
            "Prod",
            PROD_OU,
            WORKLOADS,
            format!("{}.{}.{}", label(ROOT), label(WORKLOADS), label(PROD_OU)),
        ),
        (
            "Dev",
            DEV_OU,
            WORKLOADS,
            format!("{}.{}.{}", label(ROOT), label(WORKLOADS), label(DEV_OU)),
        ),
    ];
    let ous = units
        .iter()
        .map(|(name, id, parent, path)| {
            let arn = org_arn("ou", id);
            let mut row = obj(json!({
                "name": name, "id": id, "arn": arn, "parent_id": parent, "path": path,
            }));
            common(&mut row, name, &arn);
            row
        })
        .collect();
    out.insert("aws_organizations_organizational_unit", ous);

    let parents = [(PROD, PROD_OU), (DEV, DEV_OU), (SEC, ROOT)];
    let accounts = parents
        .iter()
        .map(|(i, parent)| {
            let a = &ACCOUNTS[*i];
            let arn = org_arn("account", a.id);
            let mut row = obj(json!({
                "name": a.alias,
                "id": a.id,
                "arn": arn,
                "email": format!("aws+{}@acme.example", a.alias),
                "joined_method": if *i == SEC { "CREATED" } else { "INVITED" },
                "joined_timestamp": "2023-03-01T09:00:00Z",
                "status": "ACTIVE",
                "parent_id": parent,
                "tags_src": [{"Key": "env", "Value": a.env}],
                "tags": {"env": a.env},
            }));
            common(&mut row, a.alias, &arn);
            row
        })
        .collect();
    out.insert("aws_organizations_account", accounts);

    let policies = policies();
    out.insert(
        "aws_organizations_policy",
        policies
            .iter()
            .map(|p| {
                let mut row = summary(p);
                let tags = if p.aws_managed {
                    json!([])
                } else {
                    json!([{"Key": "owner", "Value": "security"}])
                };
                row.insert(
                    "tags".into(),
                    if p.aws_managed {
                        json!({})
                    } else {
                        json!({"owner": "security"})
                    },
                );
                row.insert("tags_src".into(), tags);
                row
            })
            .collect(),
    );
    let mut targets = Vec::new();
    for p in &policies {
        for t in &p.targets {
            let mut row = summary(p);
            row.insert("target_id".into(), Value::String(t.to_string()));
            row.insert(
                "target_type".into(),
                Value::String(target_type(t).to_string()),
            );
            targets.push(row);
        }
    }
    out.insert("aws_organizations_policy_target", targets);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_and_account_hangs_off_the_root() {
        let mut out = HashMap::new();
        rows(&mut out);
        let ous = &out["aws_organizations_organizational_unit"];
        let ids: Vec<&str> = ous.iter().filter_map(|r| r["id"].as_str()).collect();
        for r in ous.iter().chain(&out["aws_organizations_account"]) {
            let parent = r["parent_id"].as_str().unwrap();
            assert!(parent == ROOT || ids.contains(&parent), "{r:?}");
        }
        let prod_path = ous
            .iter()
            .find(|r| r["id"] == PROD_OU)
            .and_then(|r| r["path"].as_str())
            .unwrap();
        assert!(prod_path.starts_with("r_acme.ou_acme_workload."));
        // Every target of a policy exists.
        let accounts: Vec<&str> = out["aws_organizations_account"]
            .iter()
            .filter_map(|r| r["id"].as_str())
            .collect();
        for t in &out["aws_organizations_policy_target"] {
            let id = t["target_id"].as_str().unwrap();
            assert!(
                id == ROOT || ids.contains(&id) || accounts.contains(&id),
                "{id}"
            );
        }
    }
}
