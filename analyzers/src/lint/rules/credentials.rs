//! Credential exposure: minting or reading credentials.

use super::{Check, IDENTITY, LintRule};
use crate::lint::{LintClass, Severity};

/// Credential-exposure rules.
pub const RULES: &[LintRule] = &[LintRule {
    id: "PW-CREDENTIAL-EXPOSURE",
    class: LintClass::CredentialExposure,
    severity: Severity::High,
    title: "Can create or read credentials on every resource",
    description: "The statement allows creating access keys, console passwords or service credentials for any user, or obtaining tokens and passwords (federation tokens, registry tokens, database credentials, instance passwords) for every resource.",
    remediation: "Allow credential self-service only on the caller's own user (`arn:aws:iam::ACCOUNT:user/${aws:username}`); scope database and registry credentials to named clusters and repositories.",
    kinds: IDENTITY,
    check: Check::BroadGrant(&[
        "iam:CreateAccessKey",
        "iam:UpdateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:CreateServiceSpecificCredential",
        "iam:ResetServiceSpecificCredential",
        "sts:GetFederationToken",
        "ecr:GetAuthorizationToken",
        "ec2:GetPasswordData",
        "redshift:GetClusterCredentials",
        "rds-db:connect",
        "sso:GetRoleCredentials",
        "cognito-identity:GetOpenIdToken",
        "lightsail:GetInstanceAccessDetails",
        "lightsail:GetRelationalDatabaseMasterUserPassword",
        "gamelift:RequestUploadCredentials",
        "codepipeline:PollForJobs",
        "mediapackage:RotateIngestEndpointCredentials",
    ]),
}];
