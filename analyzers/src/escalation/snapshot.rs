//! The account facts the escalation engine reads: principals, their policies, roles with
//! trust policies, managed policies, SCPs and the compute resources that run with roles.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::policy::{PolicyDocument, PrincipalKind};

/// IAM user or role as far as its own permissions go.
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalInfo {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// `User` or `Role`.
    pub kind: PrincipalKind,
    /// Inline policies by name.
    pub inline_policies: Vec<(String, PolicyDocument)>,
    /// Attached managed policy ARNs.
    pub attached_policy_arns: Vec<String>,
    /// Groups (users only).
    pub group_arns: Vec<String>,
    /// Permissions boundary (managed policy ARN), if any.
    pub permissions_boundary_arn: Option<String>,
    /// Tags (complete set).
    pub tags: BTreeMap<String, String>,
    /// Whether a console password exists (users); `None` when unknown.
    pub has_login_profile: Option<bool>,
}

impl PrincipalInfo {
    /// A user with no policies.
    pub fn user(arn: &str) -> Self {
        Self::new(arn, PrincipalKind::User)
    }

    /// A role's principal part with no policies.
    pub fn role(arn: &str) -> Self {
        Self::new(arn, PrincipalKind::Role)
    }

    fn new(arn: &str, kind: PrincipalKind) -> Self {
        PrincipalInfo {
            arn: arn.to_string(),
            name: crate::policy::arn::Arn::parse(arn)
                .map(|a| a.resource_name().to_string())
                .unwrap_or_default(),
            kind,
            inline_policies: Vec::new(),
            attached_policy_arns: Vec::new(),
            group_arns: Vec::new(),
            permissions_boundary_arn: None,
            tags: BTreeMap::new(),
            has_login_profile: None,
        }
    }
}

/// A role: its principal part plus trust and service facts.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleInfo {
    /// Policies, boundary, tags.
    pub principal: PrincipalInfo,
    /// The trust (assume-role) policy.
    pub trust_policy: PolicyDocument,
    /// Path; `/aws-service-role/` marks service-linked roles.
    pub path: String,
    /// Instance profiles containing the role (EC2 needs one to run with the role).
    pub instance_profile_arns: Vec<String>,
}

impl RoleInfo {
    /// A role with a trust policy and no permissions.
    pub fn new(arn: &str, trust_policy: PolicyDocument) -> Self {
        let path = crate::policy::arn::Arn::parse(arn)
            .map(|a| {
                let r = a.resource.strip_prefix("role").unwrap_or(a.resource);
                match r.rfind('/') {
                    Some(i) => r[..=i].to_string(),
                    None => "/".to_string(),
                }
            })
            .unwrap_or_else(|| "/".to_string());
        RoleInfo {
            principal: PrincipalInfo::role(arn),
            trust_policy,
            path,
            instance_profile_arns: Vec::new(),
        }
    }

    /// Service-linked roles are owned by a service; IAM refuses to modify or pass them.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }

    /// ARN shortcut.
    pub fn arn(&self) -> &str {
        &self.principal.arn
    }
}

/// An IAM group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInfo {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Inline policies by name.
    pub inline_policies: Vec<(String, PolicyDocument)>,
    /// Attached managed policy ARNs.
    pub attached_policy_arns: Vec<String>,
}

/// A managed policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedPolicyInfo {
    /// ARN.
    pub arn: String,
    /// Default version document.
    pub default_document: PolicyDocument,
    /// Non-default versions (what `SetDefaultPolicyVersion` could switch to).
    pub other_versions: Vec<PolicyDocument>,
    /// AWS-managed (`arn:aws:iam::aws:policy/...`): cannot get new versions from customers.
    pub aws_managed: bool,
}

impl ManagedPolicyInfo {
    /// A customer-managed policy with one version.
    pub fn new(arn: &str, document: PolicyDocument) -> Self {
        ManagedPolicyInfo {
            arn: arn.to_string(),
            default_document: document,
            other_versions: Vec::new(),
            aws_managed: arn.contains(":iam::aws:policy/"),
        }
    }
}

/// Kind of compute resource that runs code with a role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum ResourceKind {
    /// EC2 instance (role via its instance profile).
    Ec2Instance,
    /// Lambda function (execution role).
    LambdaFunction,
    /// Glue development endpoint.
    GlueDevEndpoint,
    /// Glue job (job role).
    GlueJob,
    /// CodeBuild project (service role).
    CodeBuildProject,
    /// CloudFormation stack with a service role.
    CloudFormationStack,
    /// CloudFormation stack set with an execution role.
    CloudFormationStackSet,
    /// SageMaker notebook instance.
    SageMakerNotebook,
    /// ECS task (task role), for ECS Exec.
    EcsTask,
    /// App Runner service (instance role).
    AppRunnerService,
    /// Bedrock AgentCore code interpreter (execution role).
    BedrockCodeInterpreter,
    /// EC2 launch template naming an instance profile (instances launched from it).
    Ec2LaunchTemplate,
}

impl ResourceKind {
    /// Every kind, in a stable order.
    pub const ALL: &'static [ResourceKind] = &[
        ResourceKind::Ec2Instance,
        ResourceKind::LambdaFunction,
        ResourceKind::GlueDevEndpoint,
        ResourceKind::GlueJob,
        ResourceKind::CodeBuildProject,
        ResourceKind::CloudFormationStack,
        ResourceKind::CloudFormationStackSet,
        ResourceKind::SageMakerNotebook,
        ResourceKind::EcsTask,
        ResourceKind::AppRunnerService,
        ResourceKind::BedrockCodeInterpreter,
        ResourceKind::Ec2LaunchTemplate,
    ];

    /// Service principal a role must trust to run on a resource of this kind.
    pub fn service_principal(self) -> &'static str {
        match self {
            ResourceKind::Ec2Instance | ResourceKind::Ec2LaunchTemplate => "ec2.amazonaws.com",
            ResourceKind::LambdaFunction => "lambda.amazonaws.com",
            ResourceKind::GlueDevEndpoint | ResourceKind::GlueJob => "glue.amazonaws.com",
            ResourceKind::CodeBuildProject => "codebuild.amazonaws.com",
            ResourceKind::CloudFormationStack | ResourceKind::CloudFormationStackSet => {
                "cloudformation.amazonaws.com"
            }
            ResourceKind::SageMakerNotebook => "sagemaker.amazonaws.com",
            ResourceKind::EcsTask => "ecs-tasks.amazonaws.com",
            ResourceKind::AppRunnerService => "tasks.apprunner.amazonaws.com",
            ResourceKind::BedrockCodeInterpreter => "bedrock-agentcore.amazonaws.com",
        }
    }

    /// Whether the role must sit in an instance profile (EC2).
    pub fn needs_instance_profile(self) -> bool {
        matches!(
            self,
            ResourceKind::Ec2Instance | ResourceKind::Ec2LaunchTemplate
        )
    }

    /// Human name, for evidence ("a Lambda function").
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Ec2Instance => "an EC2 instance",
            ResourceKind::LambdaFunction => "a Lambda function",
            ResourceKind::GlueDevEndpoint => "a Glue development endpoint",
            ResourceKind::GlueJob => "a Glue job",
            ResourceKind::CodeBuildProject => "a CodeBuild project",
            ResourceKind::CloudFormationStack => "a CloudFormation stack",
            ResourceKind::CloudFormationStackSet => "a CloudFormation stack set",
            ResourceKind::SageMakerNotebook => "a SageMaker notebook instance",
            ResourceKind::EcsTask => "an ECS task",
            ResourceKind::AppRunnerService => "an App Runner service",
            ResourceKind::BedrockCodeInterpreter => "a Bedrock AgentCore code interpreter",
            ResourceKind::Ec2LaunchTemplate => "an EC2 launch template",
        }
    }

    /// Short stable id, used in condition pseudo-keys (`ec2-instance`).
    pub fn id(self) -> &'static str {
        match self {
            ResourceKind::Ec2Instance => "ec2-instance",
            ResourceKind::LambdaFunction => "lambda-function",
            ResourceKind::GlueDevEndpoint => "glue-dev-endpoint",
            ResourceKind::GlueJob => "glue-job",
            ResourceKind::CodeBuildProject => "codebuild-project",
            ResourceKind::CloudFormationStack => "cloudformation-stack",
            ResourceKind::CloudFormationStackSet => "cloudformation-stack-set",
            ResourceKind::SageMakerNotebook => "sagemaker-notebook",
            ResourceKind::EcsTask => "ecs-task",
            ResourceKind::AppRunnerService => "apprunner-service",
            ResourceKind::BedrockCodeInterpreter => "bedrock-code-interpreter",
            ResourceKind::Ec2LaunchTemplate => "ec2-launch-template",
        }
    }

    /// ARN of a stand-in resource of this kind in `account`, for evaluating grants on a
    /// resource the input does not list. `{name}` is the resource name.
    pub fn arn_template(self) -> &'static str {
        match self {
            ResourceKind::Ec2Instance => "arn:aws:ec2:us-east-1:{account}:instance/{name}",
            ResourceKind::LambdaFunction => "arn:aws:lambda:us-east-1:{account}:function:{name}",
            ResourceKind::GlueDevEndpoint => "arn:aws:glue:us-east-1:{account}:devEndpoint/{name}",
            ResourceKind::GlueJob => "arn:aws:glue:us-east-1:{account}:job/{name}",
            ResourceKind::CodeBuildProject => {
                "arn:aws:codebuild:us-east-1:{account}:project/{name}"
            }
            ResourceKind::CloudFormationStack => {
                "arn:aws:cloudformation:us-east-1:{account}:stack/{name}/{name}"
            }
            ResourceKind::CloudFormationStackSet => {
                "arn:aws:cloudformation:us-east-1:{account}:stackset/{name}:{name}"
            }
            ResourceKind::SageMakerNotebook => {
                "arn:aws:sagemaker:us-east-1:{account}:notebook-instance/{name}"
            }
            ResourceKind::EcsTask => "arn:aws:ecs:us-east-1:{account}:task/{name}/{name}",
            ResourceKind::AppRunnerService => {
                "arn:aws:apprunner:us-east-1:{account}:service/{name}/{name}"
            }
            ResourceKind::BedrockCodeInterpreter => {
                "arn:aws:bedrock-agentcore:us-east-1:{account}:code-interpreter/{name}"
            }
            ResourceKind::Ec2LaunchTemplate => {
                "arn:aws:ec2:us-east-1:{account}:launch-template/{name}"
            }
        }
    }
}

/// A resource that runs with a role.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputeResource {
    /// ARN.
    pub arn: String,
    /// Kind.
    pub kind: ResourceKind,
    /// The role it runs as.
    pub role_arn: String,
}

/// Everything the escalation engine needs about one account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountSnapshot {
    /// Account id.
    pub account_id: String,
    /// IAM users.
    pub users: Vec<PrincipalInfo>,
    /// IAM roles.
    pub roles: Vec<RoleInfo>,
    /// IAM groups.
    pub groups: Vec<GroupInfo>,
    /// Managed policies by ARN (AWS-managed ones may be omitted; well-known ones have
    /// built-in documents).
    pub policies: HashMap<String, ManagedPolicyInfo>,
    /// SCPs by level (root first), each `(id, document)`; empty when not in an organisation.
    pub scps: Vec<Vec<(String, PolicyDocument)>>,
    /// True for the organisation's management account, where SCPs do not apply.
    pub is_management_account: bool,
    /// Compute resources running with roles.
    pub resources: Vec<ComputeResource>,
    /// Kinds whose complete inventory is in `resources`. For any other kind the input
    /// cannot prove that no such resource exists, so the engine reports a technique on
    /// one as conditional on a resource running with a suitable role existing (a
    /// GAAD-only input, or a scan whose table for that service was denied or not run).
    pub inventoried: BTreeSet<ResourceKind>,
}
