//! Lint rules: one triggering policy and at least one near miss per rule.

use pathwarden_analyzers::lint::{
    Finding, LintClass, PolicyKind, Severity, all_rules, lint_policy, rule,
};
use serde_json::{Value, json};

const ROLE: &str = "arn:aws:iam::111111111111:role/app";
const POLICY: &str = "arn:aws:iam::111111111111:policy/app";

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow(action: Value, resource: Value) -> Value {
    doc(json!([{"Effect": "Allow", "Action": action, "Resource": resource}]))
}

fn hits<'f>(findings: &'f [Finding], id: &str) -> Vec<&'f Finding> {
    findings.iter().filter(|f| f.rule_id == id).collect()
}

struct Case {
    rule: &'static str,
    kind: PolicyKind,
    arn: &'static str,
    doc: Value,
    fires: bool,
    why: &'static str,
}

fn case(rule: &'static str, kind: PolicyKind, doc: Value, fires: bool, why: &'static str) -> Case {
    let arn = if kind == PolicyKind::Trust {
        ROLE
    } else {
        POLICY
    };
    Case {
        rule,
        kind,
        arn,
        doc,
        fires,
        why,
    }
}

fn cases() -> Vec<Case> {
    use PolicyKind::*;
    vec![
        // PW-WILDCARD-ADMIN
        case(
            "PW-WILDCARD-ADMIN",
            Identity,
            allow(json!("*"), json!("*")),
            true,
            "Action * Resource *",
        ),
        case(
            "PW-WILDCARD-ADMIN",
            Identity,
            allow(json!("*:*"), json!("arn:*:*:*:*:*")),
            true,
            "*:* on arn:*",
        ),
        case(
            "PW-WILDCARD-ADMIN",
            Identity,
            allow(json!("*"), json!("arn:aws:s3:::my-bucket/*")),
            false,
            "Action * scoped to one bucket",
        ),
        case(
            "PW-WILDCARD-ADMIN",
            Identity,
            doc(json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}])),
            false,
            "Deny * *",
        ),
        // PW-WILDCARD-SERVICE
        case(
            "PW-WILDCARD-SERVICE",
            Identity,
            allow(json!("kms:*"), json!("*")),
            true,
            "kms:* on *",
        ),
        case(
            "PW-WILDCARD-SERVICE",
            Identity,
            allow(json!("cloudwatch:*"), json!("*")),
            false,
            "not sensitive",
        ),
        case(
            "PW-WILDCARD-SERVICE",
            Identity,
            allow(
                json!("s3:*"),
                json!(["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]),
            ),
            false,
            "s3:* on one bucket",
        ),
        // PW-PRIVESC
        case(
            "PW-PRIVESC",
            Identity,
            allow(json!("iam:CreatePolicyVersion"), json!("*")),
            true,
            "CreatePolicyVersion",
        ),
        case(
            "PW-PRIVESC",
            Identity,
            doc(json!([
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111111111111:role/lambda-*"},
                {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}
            ])),
            true,
            "PassRole + Lambda across two statements",
        ),
        case(
            "PW-PRIVESC",
            Identity,
            allow(
                json!(["lambda:CreateFunction", "lambda:InvokeFunction"]),
                json!("*"),
            ),
            false,
            "Lambda without PassRole",
        ),
        case(
            "PW-PRIVESC",
            Identity,
            doc(json!([
                {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
                {"Effect": "Deny", "Action": ["iam:Create*", "iam:Put*", "iam:Attach*", "iam:Set*", "iam:Update*", "iam:Add*", "iam:Delete*", "iam:PassRole"], "Resource": "*"}
            ])),
            false,
            "iam:* minus an unconditional deny of every write",
        ),
        // PW-DATA-EXFIL
        case(
            "PW-DATA-EXFIL",
            Identity,
            allow(json!("secretsmanager:GetSecretValue"), json!("*")),
            true,
            "all secrets",
        ),
        case(
            "PW-DATA-EXFIL",
            Identity,
            allow(json!("s3:GetObject"), json!("arn:aws:s3:::*/*")),
            true,
            "objects of every bucket",
        ),
        case(
            "PW-DATA-EXFIL",
            Identity,
            allow(json!("s3:GetObject"), json!("arn:aws:s3:::reports/*")),
            false,
            "objects of one bucket",
        ),
        case(
            "PW-DATA-EXFIL",
            Identity,
            allow(
                json!("ssm:GetParameter"),
                json!("arn:aws:ssm:us-east-1:111111111111:parameter/app/db-url"),
            ),
            false,
            "one parameter",
        ),
        // PW-RESOURCE-EXPOSURE
        case(
            "PW-RESOURCE-EXPOSURE",
            Identity,
            allow(json!("s3:PutBucketPolicy"), json!("*")),
            true,
            "any bucket policy",
        ),
        case(
            "PW-RESOURCE-EXPOSURE",
            Identity,
            allow(json!("lambda:AddPermission"), json!("*")),
            true,
            "any function",
        ),
        case(
            "PW-RESOURCE-EXPOSURE",
            Identity,
            allow(json!("s3:GetBucketPolicy"), json!("*")),
            false,
            "reading a policy exposes nothing",
        ),
        // PW-PUBLIC-RESOURCE-POLICY
        case(
            "PW-PUBLIC-RESOURCE-POLICY",
            Resource,
            doc(
                json!([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"}]),
            ),
            true,
            "public bucket",
        ),
        case(
            "PW-PUBLIC-RESOURCE-POLICY",
            Resource,
            doc(
                json!([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]),
            ),
            false,
            "Principal * pinned to the organisation",
        ),
        case(
            "PW-PUBLIC-RESOURCE-POLICY",
            Resource,
            doc(
                json!([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]),
            ),
            true,
            "a negated org condition admits everyone else",
        ),
        // PW-CREDENTIAL-EXPOSURE
        case(
            "PW-CREDENTIAL-EXPOSURE",
            Identity,
            allow(json!("iam:CreateAccessKey"), json!("*")),
            true,
            "keys for anyone",
        ),
        case(
            "PW-CREDENTIAL-EXPOSURE",
            Identity,
            allow(
                json!("iam:CreateAccessKey"),
                json!("arn:aws:iam::111111111111:user/${aws:username}"),
            ),
            false,
            "self-service only",
        ),
        // PW-INFRA-MODIFY
        case(
            "PW-INFRA-MODIFY",
            Identity,
            allow(json!("ec2:TerminateInstances"), json!("*")),
            true,
            "terminate any",
        ),
        case(
            "PW-INFRA-MODIFY",
            Identity,
            allow(
                json!("ec2:TerminateInstances"),
                json!("arn:aws:ec2:us-east-1:111111111111:instance/i-0abc"),
            ),
            false,
            "one instance",
        ),
        // PW-LOGGING-DISABLE
        case(
            "PW-LOGGING-DISABLE",
            Identity,
            allow(json!("cloudtrail:StopLogging"), json!("*")),
            true,
            "stop trails",
        ),
        case(
            "PW-LOGGING-DISABLE",
            Identity,
            allow(json!("cloudtrail:LookupEvents"), json!("*")),
            false,
            "read trails",
        ),
        // PW-TRUST-ANY-PRINCIPAL
        case(
            "PW-TRUST-ANY-PRINCIPAL",
            Trust,
            doc(
                json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]),
            ),
            true,
            "AWS *",
        ),
        case(
            "PW-TRUST-ANY-PRINCIPAL",
            Trust,
            doc(
                json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]),
            ),
            false,
            "pinned to the organisation",
        ),
        case(
            "PW-TRUST-ANY-PRINCIPAL",
            Trust,
            doc(
                json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}}]),
            ),
            true,
            "IfExists admits callers outside any organisation",
        ),
        // PW-TRUST-ANY-ACCOUNT
        case(
            "PW-TRUST-ANY-ACCOUNT",
            Trust,
            doc(
                json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deployer"}}}]),
            ),
            true,
            "role name in any account",
        ),
        case(
            "PW-TRUST-ANY-ACCOUNT",
            Trust,
            doc(
                json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/deployer"}}}]),
            ),
            false,
            "role name in a named account",
        ),
        // PW-TRUST-OIDC-UNSCOPED
        case(
            "PW-TRUST-OIDC-UNSCOPED",
            Trust,
            doc(json!([{"Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}])),
            true,
            "GitHub OIDC with audience only",
        ),
        case(
            "PW-TRUST-OIDC-UNSCOPED",
            Trust,
            doc(json!([{"Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}}])),
            true,
            "GitHub OIDC with sub repo:*",
        ),
        case(
            "PW-TRUST-OIDC-UNSCOPED",
            Trust,
            doc(json!([{"Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                              "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/app:ref:refs/heads/main"}}}])),
            false,
            "GitHub OIDC pinned to one repository",
        ),
        // PW-TRUST-NO-EXTERNAL-ID
        case(
            "PW-TRUST-NO-EXTERNAL-ID",
            Trust,
            doc(
                json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole"}]),
            ),
            true,
            "vendor account without ExternalId",
        ),
        case(
            "PW-TRUST-NO-EXTERNAL-ID",
            Trust,
            doc(
                json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "c0ffee-42"}}}]),
            ),
            false,
            "vendor account with ExternalId",
        ),
        case(
            "PW-TRUST-NO-EXTERNAL-ID",
            Trust,
            doc(
                json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/ci"}, "Action": "sts:AssumeRole"}]),
            ),
            false,
            "same-account role",
        ),
        // PW-NOTACTION-BROAD
        case(
            "PW-NOTACTION-BROAD",
            Identity,
            doc(
                json!([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]),
            ),
            true,
            "PowerUser-style allow",
        ),
        case(
            "PW-NOTACTION-BROAD",
            Identity,
            doc(
                json!([{"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]),
            ),
            false,
            "Deny guardrail",
        ),
        // PW-NOTACTION-REDUNDANT
        case(
            "PW-NOTACTION-REDUNDANT",
            Identity,
            doc(
                json!([{"Effect": "Deny", "NotAction": ["iam:*", "iam:GetUser"], "Resource": "*"}]),
            ),
            true,
            "iam:GetUser inside iam:*",
        ),
        case(
            "PW-NOTACTION-REDUNDANT",
            Identity,
            doc(
                json!([{"Effect": "Deny", "NotAction": ["iam GetUser", "sts:GetCallerIdentity"], "Resource": "*"}]),
            ),
            true,
            "malformed entry",
        ),
        case(
            "PW-NOTACTION-REDUNDANT",
            Identity,
            doc(
                json!([{"Effect": "Deny", "NotAction": ["iam:GetUser", "sts:GetCallerIdentity"], "Resource": "*"}]),
            ),
            false,
            "distinct entries",
        ),
        // PW-POLICY-UNPARSEABLE
        case(
            "PW-POLICY-UNPARSEABLE",
            Identity,
            json!({"Version": "2012-10-17"}),
            true,
            "no Statement",
        ),
        case(
            "PW-POLICY-UNPARSEABLE",
            Identity,
            allow(json!("s3:ListBucket"), json!("*")),
            false,
            "valid",
        ),
    ]
}

#[test]
fn every_rule_has_a_trigger_and_a_near_miss() {
    let cases = cases();
    for r in all_rules() {
        assert!(
            cases.iter().any(|c| c.rule == r.id && c.fires),
            "{} has no triggering case",
            r.id
        );
        assert!(
            cases.iter().any(|c| c.rule == r.id && !c.fires),
            "{} has no near miss",
            r.id
        );
    }
    let mut failures = Vec::new();
    for c in &cases {
        let findings = lint_policy(c.arn, &c.doc, c.kind);
        let fired = !hits(&findings, c.rule).is_empty();
        if fired != c.fires {
            failures.push(format!(
                "{} [{}]: expected fires={} got {:?}",
                c.rule, c.why, c.fires, findings
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_ids_are_unique_and_documented() {
    let mut ids: Vec<_> = all_rules().map(|r| r.id).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate rule id");
    for r in all_rules() {
        assert!(r.id.starts_with("PW-"), "{}", r.id);
        assert!(
            !r.description.is_empty() && !r.remediation.is_empty() && !r.kinds.is_empty(),
            "{}",
            r.id
        );
        assert_eq!(rule(r.id).map(|x| x.id), Some(r.id));
    }
}

#[test]
fn admin_policy_is_one_critical_finding_with_evidence() {
    let d = doc(json!([{"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}]));
    let findings = lint_policy(POLICY, &d, PolicyKind::Identity);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(f.rule_id, "PW-WILDCARD-ADMIN");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.class, LintClass::Wildcard);
    assert_eq!(f.statement_index, Some(0));
    assert_eq!(f.sid.as_deref(), Some("Everything"));
    assert_eq!(f.policy_arn, POLICY);
    assert_eq!(f.evidence["actions"], json!(["*"]));
    assert!(!f.remediation.is_empty());
}

#[test]
fn conditions_lower_severity_and_statement_index_is_reported() {
    let d = doc(json!([
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    ]));
    let findings = lint_policy(POLICY, &d, PolicyKind::Identity);
    let exfil = hits(&findings, "PW-DATA-EXFIL");
    assert_eq!(exfil.len(), 1, "{findings:?}");
    assert_eq!(exfil[0].statement_index, Some(1));
    assert_eq!(exfil[0].severity, Severity::Medium);
    assert_eq!(
        exfil[0].evidence["actions"],
        json!(["secretsmanager:GetSecretValue"])
    );
}

#[test]
fn privesc_evidence_names_the_escalation_techniques() {
    let findings = lint_policy(
        POLICY,
        &allow(json!("iam:CreatePolicyVersion"), json!("*")),
        PolicyKind::Identity,
    );
    let p = hits(&findings, "PW-PRIVESC");
    assert_eq!(p.len(), 1);
    let techniques = p[0].evidence["techniques"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        techniques.contains(&json!("iam-create-policy-version")),
        "{:?}",
        p[0].evidence
    );
    assert_eq!(p[0].class, LintClass::PrivilegeEscalation);
}

#[test]
fn trust_rules_ignore_identity_policies_and_vice_versa() {
    let open_trust =
        doc(json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]));
    assert!(
        lint_policy(POLICY, &open_trust, PolicyKind::Identity)
            .iter()
            .all(|f| f.class != LintClass::TrustPolicy)
    );
    let admin = allow(json!("*"), json!("*"));
    assert!(lint_policy(ROLE, &admin, PolicyKind::Trust).is_empty());
}

#[test]
fn github_oidc_without_subject_is_critical() {
    let d = doc(json!([{"Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity"}]));
    let findings = lint_policy(ROLE, &d, PolicyKind::Trust);
    let f = hits(&findings, "PW-TRUST-OIDC-UNSCOPED");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(
        f[0].evidence["missing_condition"],
        json!("token.actions.githubusercontent.com:sub")
    );
}

#[test]
fn unparseable_policy_is_a_finding_not_a_panic() {
    for bad in [
        json!("not an object"),
        json!({"Statement": [{"Effect": "Maybe", "Action": "*"}]}),
        json!(null),
    ] {
        let findings = lint_policy(POLICY, &bad, PolicyKind::Identity);
        assert_eq!(findings.len(), 1, "{bad}");
        assert_eq!(findings[0].rule_id, "PW-POLICY-UNPARSEABLE");
    }
}

#[test]
fn power_user_access_is_broad_not_action_and_can_escalate_without_iam() {
    let power_user = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles"], "Resource": "*"}
    ]});
    let findings = lint_policy(
        "arn:aws:iam::aws:policy/PowerUserAccess",
        &power_user,
        PolicyKind::Identity,
    );
    let broad = hits(&findings, "PW-NOTACTION-BROAD");
    assert_eq!(broad.len(), 1);
    assert_eq!(
        broad[0].severity,
        Severity::High,
        "IAM is excluded, so not critical"
    );
    let privesc = hits(&findings, "PW-PRIVESC");
    assert_eq!(privesc.len(), 1, "{findings:?}");
    let techniques = privesc[0].evidence["techniques"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        techniques.contains(&json!("ssm-send-command")),
        "{techniques:?}"
    );
    assert!(
        !techniques.contains(&json!("iam-create-policy-version")),
        "{techniques:?}"
    );
    // Class rules leave the NotAction statement to its own rule.
    assert!(hits(&findings, "PW-DATA-EXFIL").is_empty());
}
