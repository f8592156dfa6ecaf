//! The AWS-managed policies the demo organisation uses, with their documents in a
//! condensed form: the statements that matter for access analysis are kept verbatim
//! (AdministratorAccess, PowerUserAccess, IAMFullAccess, the S3/EC2 full-access
//! policies); the very long read-only lists are shortened to representative actions.

use serde_json::{Value, json};

/// One AWS-managed policy.
pub struct ManagedPolicy {
    /// Policy name.
    pub name: &'static str,
    /// IAM path (`/`, `/job-function/`, `/service-role/`, `/aws-service-role/`).
    pub path: &'static str,
    /// Description as AWS publishes it.
    pub description: &'static str,
    /// Default version id.
    pub version: &'static str,
    /// Days before the demo epoch the policy was created.
    pub created_days_ago: i64,
    /// Days before the demo epoch the default version was published.
    pub updated_days_ago: i64,
    /// Whether it can be attached to customer principals (service-linked role policies cannot).
    pub attachable: bool,
}

impl ManagedPolicy {
    /// ARN of the policy.
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }
}

/// ARN of an AWS-managed policy by name and path.
pub fn arn(name: &str) -> String {
    let path = CATALOG
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.path)
        .unwrap_or("/");
    format!("arn:aws:iam::aws:policy{path}{name}")
}

/// Every AWS-managed policy the demo knows.
pub const CATALOG: &[ManagedPolicy] = &[
    ManagedPolicy {
        name: "AdministratorAccess",
        path: "/",
        description: "Provides full access to AWS services and resources.",
        version: "v1",
        created_days_ago: 3982,
        updated_days_ago: 3982,
        attachable: true,
    },
    ManagedPolicy {
        name: "ReadOnlyAccess",
        path: "/",
        description: "Provides read-only access to AWS services and resources.",
        version: "v121",
        created_days_ago: 3982,
        updated_days_ago: 21,
        attachable: true,
    },
    ManagedPolicy {
        name: "PowerUserAccess",
        path: "/",
        description: "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
        version: "v5",
        created_days_ago: 3982,
        updated_days_ago: 1100,
        attachable: true,
    },
    ManagedPolicy {
        name: "IAMFullAccess",
        path: "/",
        description: "Provides full access to IAM via the AWS Management Console.",
        version: "v2",
        created_days_ago: 3982,
        updated_days_ago: 1600,
        attachable: true,
    },
    ManagedPolicy {
        name: "AmazonS3FullAccess",
        path: "/",
        description: "Provides full access to all buckets via the AWS Management Console.",
        version: "v2",
        created_days_ago: 3982,
        updated_days_ago: 1560,
        attachable: true,
    },
    ManagedPolicy {
        name: "AmazonS3ReadOnlyAccess",
        path: "/",
        description: "Provides read only access to all buckets via the AWS Management Console.",
        version: "v3",
        created_days_ago: 3982,
        updated_days_ago: 1230,
        attachable: true,
    },
    ManagedPolicy {
        name: "AmazonEC2FullAccess",
        path: "/",
        description: "Provides full access to Amazon EC2 via the AWS Management Console.",
        version: "v5",
        created_days_ago: 3982,
        updated_days_ago: 1320,
        attachable: true,
    },
    ManagedPolicy {
        name: "SecurityAudit",
        path: "/",
        description: "The security audit template grants access to read security configuration metadata.",
        version: "v44",
        created_days_ago: 3982,
        updated_days_ago: 60,
        attachable: true,
    },
    ManagedPolicy {
        name: "AWSSupportAccess",
        path: "/",
        description: "Allow users to access the AWS Support Center.",
        version: "v1",
        created_days_ago: 3982,
        updated_days_ago: 3982,
        attachable: true,
    },
    ManagedPolicy {
        name: "Billing",
        path: "/job-function/",
        description: "Grants permissions for billing and cost management.",
        version: "v12",
        created_days_ago: 3340,
        updated_days_ago: 400,
        attachable: true,
    },
    ManagedPolicy {
        name: "AWSLambdaBasicExecutionRole",
        path: "/service-role/",
        description: "Provides write permissions to CloudWatch Logs.",
        version: "v1",
        created_days_ago: 3982,
        updated_days_ago: 3982,
        attachable: true,
    },
    ManagedPolicy {
        name: "AmazonSSMManagedInstanceCore",
        path: "/",
        description: "The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality.",
        version: "v3",
        created_days_ago: 2450,
        updated_days_ago: 900,
        attachable: true,
    },
    ManagedPolicy {
        name: "AWSSupportServiceRolePolicy",
        path: "/aws-service-role/",
        description: "Enables resource access for AWS to provide billing, administrative and support services",
        version: "v38",
        created_days_ago: 2900,
        updated_days_ago: 120,
        attachable: false,
    },
    ManagedPolicy {
        name: "AWSTrustedAdvisorServiceRolePolicy",
        path: "/aws-service-role/",
        description: "Access for the AWS Trusted Advisor Service to help reduce cost, increase performance, and improve security of your AWS environment.",
        version: "v12",
        created_days_ago: 2800,
        updated_days_ago: 200,
        attachable: false,
    },
];

/// The document of an AWS-managed policy.
pub fn document(name: &str) -> Value {
    match name {
        "AdministratorAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
        }),
        "ReadOnlyAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "ReadOnlyActions",
                "Effect": "Allow",
                "Action": [
                    "acm:Describe*", "acm:Get*", "acm:List*", "autoscaling:Describe*",
                    "cloudformation:Describe*", "cloudformation:Get*", "cloudformation:List*",
                    "cloudtrail:Describe*", "cloudtrail:Get*", "cloudtrail:LookupEvents",
                    "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*",
                    "dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:GetItem", "dynamodb:List*", "dynamodb:Query", "dynamodb:Scan",
                    "ec2:Describe*", "ec2:Get*", "ecr:BatchGetImage", "ecr:Describe*", "ecr:Get*", "ecr:List*",
                    "ecs:Describe*", "ecs:List*", "eks:Describe*", "eks:List*", "elasticloadbalancing:Describe*",
                    "glue:Get*", "glue:List*", "iam:Generate*", "iam:Get*", "iam:List*", "iam:Simulate*",
                    "kms:Describe*", "kms:Get*", "kms:List*", "lambda:Get*", "lambda:List*",
                    "logs:Describe*", "logs:FilterLogEvents", "logs:Get*", "logs:StartQuery",
                    "rds:Describe*", "rds:List*", "route53:Get*", "route53:List*",
                    "s3:Describe*", "s3:Get*", "s3:List*", "secretsmanager:Describe*", "secretsmanager:List*",
                    "sns:Get*", "sns:List*", "sqs:Get*", "sqs:List*", "ssm:Describe*", "ssm:Get*", "ssm:List*",
                    "sts:GetCallerIdentity", "tag:Get*"
                ],
                "Resource": "*"
            }]
        }),
        "PowerUserAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
                {"Effect": "Allow", "Action": [
                    "account:GetAccountInformation", "account:GetPrimaryEmail", "account:ListRegions",
                    "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                    "organizations:DescribeOrganization"
                ], "Resource": "*"}
            ]
        }),
        "IAMFullAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": [
                    "iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization",
                    "organizations:DescribeOrganizationalUnit", "organizations:DescribePolicy",
                    "organizations:ListChildren", "organizations:ListParents",
                    "organizations:ListPoliciesForTarget", "organizations:ListRoots",
                    "organizations:ListPolicies", "organizations:ListTargetsForPolicy"
                ],
                "Resource": "*"
            }]
        }),
        "AmazonS3FullAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"}]
        }),
        "AmazonS3ReadOnlyAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": [
                "s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"
            ], "Resource": "*"}]
        }),
        "AmazonEC2FullAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "ec2:*", "Effect": "Allow", "Resource": "*"},
                {"Effect": "Allow", "Action": "elasticloadbalancing:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "cloudwatch:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "autoscaling:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*", "Condition": {
                    "StringEquals": {"iam:AWSServiceName": [
                        "autoscaling.amazonaws.com", "ec2scheduled.amazonaws.com",
                        "elasticloadbalancing.amazonaws.com", "spot.amazonaws.com",
                        "spotfleet.amazonaws.com", "transitgateway.amazonaws.com"
                    ]}
                }}
            ]
        }),
        "SecurityAudit" => json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": [
                    "access-analyzer:Get*", "access-analyzer:List*", "account:GetAlternateContact",
                    "cloudtrail:DescribeTrails", "cloudtrail:GetEventSelectors", "cloudtrail:GetTrailStatus",
                    "config:Describe*", "config:Get*", "ec2:Describe*", "ec2:GetEbsEncryptionByDefault",
                    "guardduty:Get*", "guardduty:List*", "iam:GenerateCredentialReport", "iam:Get*", "iam:List*",
                    "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy", "kms:Describe*", "kms:Get*", "kms:List*",
                    "lambda:GetFunctionConfiguration", "lambda:GetPolicy", "lambda:ListFunctions",
                    "organizations:Describe*", "organizations:List*", "s3:GetAccountPublicAccessBlock",
                    "s3:GetBucket*", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration",
                    "s3:ListAllMyBuckets", "securityhub:Describe*", "securityhub:Get*", "securityhub:List*",
                    "sns:GetTopicAttributes", "sns:ListTopics", "sqs:GetQueueAttributes", "sqs:ListQueues",
                    "tag:GetResources"
                ],
                "Resource": "*"
            }]
        }),
        "AWSSupportAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["support:*"], "Resource": "*"}]
        }),
        "Billing" => json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": [
                "account:GetAccountInformation", "aws-portal:*Billing", "aws-portal:*PaymentMethods",
                "aws-portal:*Usage", "billing:*", "budgets:*", "ce:*", "consolidatedbilling:*",
                "cur:*", "freetier:*", "invoicing:*", "payments:*", "pricing:*", "purchase-orders:*",
                "savingsplans:*", "tax:*"
            ], "Resource": "*"}]
        }),
        "AWSLambdaBasicExecutionRole" => json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": [
                "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"
            ], "Resource": "*"}]
        }),
        "AmazonSSMManagedInstanceCore" => json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": [
                    "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
                    "ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters",
                    "ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory",
                    "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus",
                    "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation"
                ], "Resource": "*"},
                {"Effect": "Allow", "Action": [
                    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"
                ], "Resource": "*"},
                {"Effect": "Allow", "Action": [
                    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
                    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"
                ], "Resource": "*"}
            ]
        }),
        "AWSSupportServiceRolePolicy" => json!({
            "Version": "2012-10-17",
            "Statement": [{"Sid": "AWSSupportAPIGetAndDescribe", "Effect": "Allow", "Action": [
                "acm:DescribeCertificate", "cloudtrail:DescribeTrails", "ec2:Describe*",
                "iam:GetAccountSummary", "iam:ListRoles", "s3:GetBucketPolicy", "support:*"
            ], "Resource": "*"}]
        }),
        "AWSTrustedAdvisorServiceRolePolicy" => json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": [
                "autoscaling:Describe*", "cloudformation:DescribeStacks", "ec2:Describe*",
                "iam:GenerateCredentialReport", "iam:GetAccountPasswordPolicy", "iam:GetCredentialReport",
                "iam:ListUsers", "s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:ListAllMyBuckets"
            ], "Resource": "*"}]
        }),
        _ => json!({"Version": "2012-10-17", "Statement": []}),
    }
}
