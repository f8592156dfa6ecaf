//! Data exfiltration: reading data stores, secrets and keys on every resource.

use super::{Check, IDENTITY, LintRule};
use crate::lint::{LintClass, Severity};

/// Data-exfiltration rules.
pub const RULES: &[LintRule] = &[LintRule {
    id: "PW-DATA-EXFIL",
    class: LintClass::DataExfiltration,
    severity: Severity::High,
    title: "Reads data, secrets or keys on every resource",
    description: "The statement allows reading objects, secrets, parameters, table contents or decrypting with any key, on every resource of the service. Whoever holds it can copy the account's data out.",
    remediation: "Scope Resource to the buckets, secrets, parameters, tables and keys the workload owns (ARN with path prefix), and add aws:ResourceAccount / kms:ViaService conditions where possible.",
    kinds: IDENTITY,
    check: Check::BroadGrant(&[
        "s3:GetObject",
        "s3:GetObjectVersion",
        "secretsmanager:GetSecretValue",
        "secretsmanager:BatchGetSecretValue",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "kms:Decrypt",
        "dynamodb:Scan",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:ExportTableToPointInTime",
        "rds:CopyDBSnapshot",
        "ec2:CreateSnapshot",
        "lambda:GetFunction",
        "ecr:BatchGetImage",
        "sqs:ReceiveMessage",
        "kinesis:GetRecords",
    ]),
}];
