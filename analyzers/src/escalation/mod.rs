//! Privilege-escalation rules and the engine that applies them to an account snapshot.
//!
//! # Coverage
//!
//! Rules are data (`rules/iam.rs`, `rules/passrole.rs`, `rules/resources.rs`); each names
//! its permissions, the resource each must be allowed on, and what it reaches.
//!
//! Covered (rule ids):
//! - IAM self-grant → admin: `iam-create-policy-version`, `iam-set-default-policy-version`,
//!   `iam-attach-user-policy`, `iam-attach-group-policy`, `iam-attach-role-policy`,
//!   `iam-put-user-policy`, `iam-put-group-policy`, `iam-put-role-policy`,
//!   `iam-create-role-attach-assume`, `iam-create-user-attach-access-key`,
//!   `iam-attach-role-policy-assumable`, `iam-put-role-policy-assumable`.
//! - Permissions boundaries → admin (only when the identity policies alone are admin):
//!   `iam-delete-user-permissions-boundary`, `iam-put-user-permissions-boundary`,
//!   `iam-delete-role-permissions-boundary`, `iam-put-role-permissions-boundary`.
//! - Principal takeover: `iam-add-user-to-group`, `iam-create-access-key`,
//!   `iam-create-login-profile`, `iam-update-login-profile`, `iam-update-assume-role-policy`,
//!   `sts-assume-role` (chains compose in the graph).
//! - PassRole to a service: EC2 (`passrole-ec2-run-instances`, `-run-instances-new-profile`,
//!   `-request-spot-instances`, `-associate-instance-profile`, `-replace-instance-profile`),
//!   Auto Scaling (`passrole-autoscaling-launch-configuration`, `-launch-template`), EMR
//!   (`passrole-emr-run-job-flow`), Lambda (`passrole-lambda-create-invoke`,
//!   `-create-event-source`, `-create-add-permission`), Glue (`passrole-glue-create-dev-endpoint`,
//!   `-create-job`, `-create-job-trigger`, `-update-job`), CloudFormation
//!   (`passrole-cloudformation-create-stack`, `-update-stack`, `-change-set`, `-stack-set`),
//!   Data Pipeline (`passrole-datapipeline`), SageMaker (`passrole-sagemaker-notebook`,
//!   `-training-job`, `-processing-job`, `-hyperparameter-tuning`), CodeBuild
//!   (`passrole-codebuild-create-project`, `-create-project-batch`), ECS
//!   (`passrole-ecs-run-task`, `-start-task`, `-create-service`), Batch
//!   (`passrole-batch-submit-job`), App Runner (`passrole-apprunner-create-service`), Step
//!   Functions (`passrole-states-create-state-machine`).
//! - Existing resources: `lambda-update-function-code`, `lambda-update-function-configuration`,
//!   `glue-update-dev-endpoint`, `codebuild-start-build-buildspec-override`,
//!   `codebuild-start-build-batch-override`, `cloudformation-update-stack-existing-role`,
//!   `cloudformation-change-set-existing-role`, `sagemaker-presigned-notebook-url`,
//!   `ssm-send-command`, `ssm-start-session`, `ec2-instance-connect-send-ssh-public-key`,
//!   `ec2-serial-console-ssh`, `ec2-modify-instance-attribute-userdata`, `ecs-execute-command`.
//!
//! Not covered (and why):
//! - `iam:CreateServiceLinkedRole`: a service-linked role can only be used by its service,
//!   never passed or assumed by the caller, so it grants nothing by itself.
//! - `iam:UpdateRole` / `UpdateRoleDescription` (session duration, description): no new
//!   permission.
//! - Editing *another* user's policies combined with taking it over (e.g. `PutUserPolicy` +
//!   `CreateAccessKey` on the same victim): the graph composes takeover edges, but not an
//!   edit of the victim followed by a takeover of it.
//! - Resource-policy-only grants (a Lambda function policy granting `UpdateFunctionCode`,
//!   a KMS key policy): the engine reads identity policies, trust policies and SCPs only.
//! - Cross-account techniques beyond trust policies ([`SnapshotIndex::can_assume_in`]).
//! - Lambda/ECS/EKS paths that need network reachability or container escape, EKS
//!   `aws-auth`/access entries, Cognito identity-pool role mapping, SSO permission sets,
//!   Bedrock/AgentCore code interpreters, MWAA, CodeStar/CodePipeline variants, and
//!   `iam:PassRole` to services not listed above.
//! - `iam:CreateAccessKey` when the victim already has two keys, and console-only paths
//!   without MFA facts (login profile rules use `has_login_profile` when known).
//!
//! Service-linked roles (path `/aws-service-role/`) are never victims of edit or PassRole
//! rules (IAM refuses both); they can still be targets of `sts-assume-role` when a trust
//! policy and the caller's permissions really allow it. AWS service roles
//! (`/service-role/`) are ordinary roles: reported only when the evaluator allows the
//! pass/assume/edit.

mod builtin;
mod engine;
pub mod rules;
mod snapshot;

pub use builtin::builtin_policies;
pub use engine::{
    EdgeEvidence, EscalationEdge, EscalationError, SharedEscalation, SnapshotIndex, Target,
    can_assume, catalogue_actions, escalations, is_admin,
};
pub use rules::{EscalationRule, all_rules, rule};
pub use snapshot::{
    AccountSnapshot, ComputeResource, GroupInfo, ManagedPolicyInfo, PrincipalInfo, ResourceKind,
    RoleInfo,
};
