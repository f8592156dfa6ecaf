//! Resource exposure: permissions that can make a resource public or shared, and resource
//! policies that already are.

use serde_json::json;

use super::{Check, Hit, IDENTITY, LintRule, RESOURCE};
use crate::lint::context::{CallerRestriction, DocContext, caller_restriction, condition_evidence};
use crate::lint::{LintClass, Severity};
use crate::policy::document::Negatable;
use crate::policy::{Effect, PrincipalEntry, Statement};

/// Resource-exposure rules.
pub const RULES: &[LintRule] = &[
    LintRule {
        id: "PW-RESOURCE-EXPOSURE",
        class: LintClass::ResourceExposure,
        severity: Severity::High,
        title: "Can rewrite resource policies or ACLs on every resource",
        description: "The statement allows changing bucket policies/ACLs, public access blocks, function, key, queue, topic, repository or secret policies, or snapshot/image sharing on every resource: the holder can make data public or share it with another account.",
        remediation: "Grant policy-changing actions only to a deployment role, scoped to its own resources; enforce S3 Block Public Access at the account level and an SCP denying these actions outside the pipeline.",
        kinds: IDENTITY,
        check: Check::BroadGrant(&[
            "s3:PutBucketPolicy",
            "s3:PutBucketAcl",
            "s3:PutObjectAcl",
            "s3:PutBucketPublicAccessBlock",
            "s3:DeleteBucketPolicy",
            "s3:PutAccountPublicAccessBlock",
            "lambda:AddPermission",
            "lambda:AddLayerVersionPermission",
            "lambda:CreateFunctionUrlConfig",
            "kms:PutKeyPolicy",
            "kms:CreateGrant",
            "ecr:SetRepositoryPolicy",
            "sns:AddPermission",
            "sns:SetTopicAttributes",
            "sqs:AddPermission",
            "sqs:SetQueueAttributes",
            "secretsmanager:PutResourcePolicy",
            "glacier:SetVaultAccessPolicy",
            "ec2:ModifySnapshotAttribute",
            "ec2:ModifyImageAttribute",
            "rds:ModifyDBSnapshotAttribute",
            "logs:PutResourcePolicy",
            "backup:PutBackupVaultAccessPolicy",
            "elasticfilesystem:PutFileSystemPolicy",
            "glue:PutResourcePolicy",
            "iam:UpdateAssumeRolePolicy",
            "ram:CreateResourceShare",
        ]),
    },
    LintRule {
        id: "PW-PUBLIC-RESOURCE-POLICY",
        class: LintClass::ResourceExposure,
        severity: Severity::Critical,
        title: "Resource policy allows any principal",
        description: "An Allow statement of a resource policy names Principal \"*\" (or uses NotPrincipal) without a condition pinning the caller's organisation, account, source or network: anyone on the internet, or any AWS account, can use the resource.",
        remediation: "Name the accounts or roles that need access, or add an aws:PrincipalOrgID / aws:SourceAccount / aws:SourceVpce condition; for public websites serve through CloudFront with origin access control instead.",
        kinds: RESOURCE,
        check: Check::Statement(public_resource_policy),
    },
];

fn public_resource_policy(_ctx: &DocContext<'_>, s: &Statement) -> Option<Hit> {
    if s.effect != Effect::Allow {
        return None;
    }
    let (who, severity) = match &s.principal {
        Some(Negatable::Is(list)) if list.iter().any(|p| matches!(p, PrincipalEntry::Anyone)) => {
            ("*", Severity::Critical)
        }
        Some(Negatable::Is(list))
            if list
                .iter()
                .any(|p| matches!(p, PrincipalEntry::Account(a) if a.contains('*'))) =>
        {
            ("any account", Severity::Critical)
        }
        // Allow + NotPrincipal grants everyone except the listed principals.
        Some(Negatable::Not(_)) => ("NotPrincipal", Severity::High),
        _ => return None,
    };
    match caller_restriction(s) {
        CallerRestriction::Restricted(_) => None,
        CallerRestriction::AnyAccount(keys) => Some(Hit {
            statement_index: Some(s.index),
            severity: Some(Severity::High),
            evidence: json!({"principal": who, "account_wildcard_conditions": keys, "conditions": condition_evidence(s)}),
        }),
        CallerRestriction::None => Some(Hit {
            statement_index: Some(s.index),
            severity: Some(severity),
            evidence: json!({"principal": who, "conditions": condition_evidence(s)}),
        }),
    }
}
