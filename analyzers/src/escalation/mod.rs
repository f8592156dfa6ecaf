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
//!   `-create-job`, `-create-job-trigger`, `-update-job`, `-update-job-trigger`), CloudFormation
//!   (`passrole-cloudformation-create-stack`, `-update-stack`, `-change-set`, `-stack-set`),
//!   Data Pipeline (`passrole-datapipeline`), SageMaker (`passrole-sagemaker-notebook`,
//!   `-training-job`, `-processing-job`, `-hyperparameter-tuning`), CodeBuild
//!   (`passrole-codebuild-create-project`, `-create-project-batch`), ECS
//!   (`passrole-ecs-run-task`, `-start-task`, `-create-service`), Batch
//!   (`passrole-batch-submit-job`), App Runner (`passrole-apprunner-create-service`), Step
//!   Functions (`passrole-states-create-state-machine`), Bedrock AgentCore
//!   (`passrole-bedrock-agentcore-code-interpreter`).
//! - Existing resources: `lambda-update-function-code`, `lambda-update-function-configuration`,
//!   `glue-update-dev-endpoint`, `codebuild-start-build-buildspec-override`,
//!   `codebuild-start-build-batch-override`, `cloudformation-update-stack-existing-role`,
//!   `cloudformation-change-set-existing-role`, `sagemaker-presigned-notebook-url`,
//!   `ssm-send-command`, `ssm-start-session`, `ec2-instance-connect-send-ssh-public-key`,
//!   `ec2-serial-console-ssh`, `ec2-modify-instance-attribute-userdata`, `ecs-execute-command`,
//!   `sagemaker-notebook-lifecycle-config`, `apprunner-update-service`,
//!   `bedrock-agentcore-code-interpreter`, `cloudformation-update-stack-set-existing-role`,
//!   `ec2-launch-template-new-version` (no table lists launch templates yet, so on real
//!   input it is conditional on such a template existing).
//! - Two-step takeovers of another principal (make it powerful, then become it) -> admin:
//!   `iam-{attach,put}-user-policy-{create-access-key,create-login-profile,update-login-profile}`,
//!   `iam-{attach,put}-role-policy-update-assume-role-policy`,
//!   `iam-create-policy-version-{create-access-key,create-login-profile,update-assume-role-policy,assume-role}`
//!   (a new version of a customer-managed policy attached to the victim). The edge's
//!   evidence holds the statements behind both steps, each with the victim as resource.
//!
//! # Resources the input does not list
//!
//! Existing-resource rules act on the resources in [`AccountSnapshot::resources`]. For a
//! kind not in [`AccountSnapshot::inventoried`] (a GAAD-only input, or a scan where that
//! service's table was denied or not read) the input cannot prove that no such resource
//! exists: every role that could run on one (it trusts the kind's service and, for EC2,
//! sits in an instance profile) is a conditional target, with the pseudo-key
//! `pathwarden:ResourceExists/<kind>` and the assumption in [`EscalationEdge::assumptions`]
//! ("assumes a Lambda function running as role X exists"). The grant is checked on a
//! stand-in ARN of the kind in the account, and on each Allow pattern of the caller made
//! concrete, so a grant scoped to `function:prod-*` still counts and one scoped to
//! another account does not. When the kind is inventoried, only listed resources count.
//! Bulk callers ([`SnapshotIndex::admin_and_shared_escalations`]) get one edge to
//! [`Target::AssumedResource`] instead of one per role when the check does not depend on
//! the role, and the roles it reaches from [`SnapshotIndex::assumed_runners`]: callers +
//! roles edges instead of callers × roles.
//!
//! # Conditions decided from the request itself
//!
//! Each step's request carries what the escalation itself determines: `iam:PolicyARN` on
//! `Attach*Policy` (each managed policy that would make the victim admin is tried),
//! `iam:PassedToService` on PassRole, `aws:CurrentTime`/`aws:EpochTime` (now), and for a
//! user acting with its long-term keys no `aws:MultiFactorAuthPresent`,
//! `aws:MultiFactorAuthAge` or `aws:TokenIssueTime`; an `aws:TokenIssueTime` compared as
//! later than future dates never holds. Keys of the caller (`aws:PrincipalArn`,
//! `aws:username`, principal tags) are derived. Keys the sender chooses or the network
//! decides (`aws:SourceIp`, `aws:SourceVpc`, request tags) stay undecided: conditional.
//!
//! Not covered (and why):
//! - `iam:CreateServiceLinkedRole`: a service-linked role can only be used by its service,
//!   never passed or assumed by the caller, so it grants nothing by itself.
//! - `iam:UpdateRole` / `UpdateRoleDescription` (session duration, description): no new
//!   permission.
//! - Two-step takeovers through group membership (add *another* user to a powerful group,
//!   then take that user over): only a user adding itself (`iam-add-user-to-group`) is
//!   modelled.
//! - Resource-policy-only grants (a Lambda function policy granting `UpdateFunctionCode`,
//!   a KMS key policy): the engine reads identity policies, trust policies and SCPs only.
//! - Cross-account techniques beyond trust policies ([`SnapshotIndex::can_assume_in`]).
//! - Lambda/ECS/EKS paths that need network reachability or container escape, EKS
//!   `aws-auth`/access entries, Cognito identity-pool role mapping, SSO permission sets,
//!   MWAA, CodeStar/CodePipeline variants, and `iam:PassRole` to services not listed
//!   above.
//! - The number of access keys a user has is not in the input: any user is treated as able
//!   to get a new key (`iam:DeleteAccessKey` is not required). Console-only paths without
//!   MFA facts (login profile rules use `has_login_profile` when known).
//!
//! Every path of pathfinding.cloud and every scenario of iam-vulnerable is found with the
//! catalogue's own permission list, and nothing with one of them removed
//! (`tests/escalation_catalogue.rs`, which also renders the README's coverage table).
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
    AssumedRunner, EdgeEvidence, EscalationEdge, EscalationError, SharedEscalation, SnapshotIndex,
    Target, can_assume, catalogue_actions, escalations, is_admin,
};
pub use rules::{EscalationRule, all_rules, rule};
pub use snapshot::{
    AccountSnapshot, ComputeResource, GroupInfo, ManagedPolicyInfo, PrincipalInfo, ResourceKind,
    RoleInfo,
};
