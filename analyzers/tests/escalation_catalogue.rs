//! Coverage of the published AWS escalation catalogues: every path of pathfinding.cloud and
//! every scenario of iam-vulnerable, written the way the catalogue writes it.
//!
//! Each entry gives the attacker exactly the permissions the catalogue lists (not the
//! permissions a rule of ours declares, so a rule that needs more than the catalogue says
//! shows up as a miss) in an account holding what the catalogue's prerequisites name, and
//! checks:
//! - trigger: the engine reports an unconditional escalation to administrator (directly,
//!   or to a principal or resource that is administrator) through one of the listed rules;
//! - near miss: without the permission(s) in `drop`, no rule reports any unconditional
//!   escalation to administrator.
//!
//! The README's coverage table is rendered from this list (`PATHWARDEN_BLESS=1` rewrites
//! it), so it cannot claim a path the tests do not find.

use std::collections::BTreeMap;

use pathwarden_analyzers::escalation::{
    AccountSnapshot, ComputeResource, GroupInfo, ManagedPolicyInfo, PrincipalInfo, ResourceKind,
    RoleInfo, SnapshotIndex, Target, rule,
};
use pathwarden_analyzers::policy::{Decision, PolicyDocument};
use serde_json::{Value, json};

const ACCT: &str = "111111111111";
const ATTACKER_USER: &str = "arn:aws:iam::111111111111:user/attacker";
const ATTACKER_ROLE: &str = "arn:aws:iam::111111111111:role/attacker";
const TEAM_GROUP: &str = "arn:aws:iam::111111111111:group/team";
const ADMIN_GROUP: &str = "arn:aws:iam::111111111111:group/admins";
const ATTACHED: &str = "arn:aws:iam::111111111111:policy/attached";
const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const VICTIM_USER: &str = "arn:aws:iam::111111111111:user/victim";
const VICTIM_ROLE: &str = "arn:aws:iam::111111111111:role/victim";

/// What the account holds besides the attacker (the catalogue's prerequisites).
#[derive(Debug, Clone, Copy)]
enum Setup {
    /// The attacker is a user and edits itself.
    SelfUser,
    /// The attacker is a role and edits itself.
    SelfRole,
    /// The attacker is a user in group `team` and edits the group.
    SelfGroup,
    /// A customer-managed policy is attached to the attacker (a user).
    SelfPolicy,
    /// As `SelfPolicy`, and a stored non-default version of it grants `*`.
    SelfPolicyVersions,
    /// A user with AdministratorAccess.
    AdminUser,
    /// A user with AdministratorAccess and a console password.
    AdminUserWithLogin,
    /// Group `admins` with AdministratorAccess.
    AdminGroup,
    /// A role with AdministratorAccess trusting the account (assumable by the attacker's
    /// identity policy).
    AdminRoleTrustingAccount,
    /// A role with AdministratorAccess trusting a service (in an instance profile when
    /// `profile`).
    AdminRoleTrustingService(&'static str, bool),
    /// A role with no permissions trusting the account.
    PlainRoleTrustingAccount,
    /// A role with no permissions trusting EC2.
    PlainRoleTrustingService,
    /// A user with no permissions.
    PlainUser,
    /// A role trusting the account with a harmless customer-managed policy attached.
    PolicyHolderRoleTrustingAccount,
    /// A role trusting EC2 with a harmless customer-managed policy attached.
    PolicyHolderRoleTrustingService,
    /// An existing resource of this kind running as a role with AdministratorAccess
    /// (the inventory of that kind is complete).
    Resource(ResourceKind),
}

/// One catalogue entry.
struct Entry {
    /// `pathfinding.cloud` or `iam-vulnerable`.
    catalogue: &'static str,
    /// The catalogue's id.
    id: &'static str,
    /// The permissions the catalogue lists as required.
    grants: &'static [&'static str],
    /// Prerequisites.
    setup: Setup,
    /// Our rules that report it (any one suffices).
    rules: &'static [&'static str],
    /// Permissions whose absence must leave no path to administrator.
    drop: &'static [&'static str],
    /// Where we differ from the catalogue, and why (empty when we do not).
    note: &'static str,
}

const PF: &str = "pathfinding.cloud";
const IV: &str = "iam-vulnerable";

macro_rules! entries {
    ($($cat:expr, $id:expr, [$($g:expr),* $(,)?], $setup:expr, [$($r:expr),* $(,)?], drop [$($d:expr),* $(,)?] $(, note $note:expr)?;)*) => {
        &[$(Entry {
            catalogue: $cat,
            id: $id,
            grants: &[$($g),*],
            setup: $setup,
            rules: &[$($r),*],
            drop: &[$($d),*],
            note: entries!(@note $($note)?),
        }),*]
    };
    (@note) => { "" };
    (@note $n:expr) => { $n };
}

use ResourceKind::*;
use Setup::*;

const ADMIN_EC2: Setup = AdminRoleTrustingService("ec2.amazonaws.com", true);

/// pathfinding.cloud (65 paths) and iam-vulnerable (31 scenarios; its tool-testing
/// false-positive/negative cases are in `escalation_engine.rs` and `escalation_rules.rs`).
const CATALOGUE: &[Entry] = entries![
    PF, "apprunner-001", ["iam:PassRole", "apprunner:CreateService"], AdminRoleTrustingService("tasks.apprunner.amazonaws.com", false), ["passrole-apprunner-create-service"], drop ["iam:PassRole"];
    PF, "apprunner-002", ["apprunner:UpdateService"], Resource(AppRunnerService), ["apprunner-update-service"], drop ["apprunner:UpdateService"];
    PF, "bedrock-001", ["iam:PassRole", "bedrock-agentcore:CreateCodeInterpreter", "bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"], AdminRoleTrustingService("bedrock-agentcore.amazonaws.com", false), ["passrole-bedrock-agentcore-code-interpreter"], drop ["bedrock-agentcore:CreateCodeInterpreter"];
    PF, "bedrock-002", ["bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"], Resource(BedrockCodeInterpreter), ["bedrock-agentcore-code-interpreter"], drop ["bedrock-agentcore:InvokeCodeInterpreter"];
    PF, "cloudformation-001", ["iam:PassRole", "cloudformation:CreateStack"], AdminRoleTrustingService("cloudformation.amazonaws.com", false), ["passrole-cloudformation-create-stack"], drop ["iam:PassRole"];
    PF, "cloudformation-002", ["cloudformation:UpdateStack"], Resource(CloudFormationStack), ["cloudformation-update-stack-existing-role"], drop ["cloudformation:UpdateStack"];
    PF, "cloudformation-003", ["iam:PassRole", "cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"], AdminRoleTrustingService("cloudformation.amazonaws.com", false), ["passrole-cloudformation-stack-set"], drop ["cloudformation:CreateStackInstances"];
    PF, "cloudformation-004", ["iam:PassRole", "cloudformation:UpdateStackSet"], Resource(CloudFormationStackSet), ["cloudformation-update-stack-set-existing-role"], drop ["iam:PassRole"];
    PF, "cloudformation-005", ["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"], Resource(CloudFormationStack), ["cloudformation-change-set-existing-role"], drop ["cloudformation:ExecuteChangeSet"];
    PF, "codebuild-001", ["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"], AdminRoleTrustingService("codebuild.amazonaws.com", false), ["passrole-codebuild-create-project"], drop ["codebuild:StartBuild"];
    PF, "codebuild-002", ["codebuild:StartBuild"], Resource(CodeBuildProject), ["codebuild-start-build-buildspec-override"], drop ["codebuild:StartBuild"];
    PF, "codebuild-003", ["codebuild:StartBuildBatch"], Resource(CodeBuildProject), ["codebuild-start-build-batch-override"], drop ["codebuild:StartBuildBatch"];
    PF, "codebuild-004", ["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuildBatch"], AdminRoleTrustingService("codebuild.amazonaws.com", false), ["passrole-codebuild-create-project-batch"], drop ["codebuild:CreateProject"];
    PF, "datapipeline-001", ["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline"], AdminRoleTrustingService("datapipeline.amazonaws.com", false), ["passrole-datapipeline"], drop ["datapipeline:ActivatePipeline"];
    PF, "ec2instanceconnect-003", ["ec2-instance-connect:SendSSHPublicKey", "ec2:DescribeInstances"], Resource(Ec2Instance), ["ec2-instance-connect-send-ssh-public-key"], drop ["ec2-instance-connect:SendSSHPublicKey"], note "ec2:DescribeInstances only finds the instance; the path is reported without it";
    PF, "ec2-001", ["iam:PassRole", "ec2:RunInstances"], ADMIN_EC2, ["passrole-ec2-run-instances"], drop ["iam:PassRole"];
    PF, "ec2-002", ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"], Resource(Ec2Instance), ["ec2-modify-instance-attribute-userdata"], drop ["ec2:StartInstances"];
    PF, "ec2-003", ["iam:PassRole", "ec2:RequestSpotInstances"], ADMIN_EC2, ["passrole-ec2-request-spot-instances"], drop ["ec2:RequestSpotInstances"];
    PF, "ec2-004", ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"], Resource(Ec2LaunchTemplate), ["ec2-launch-template-new-version"], drop ["ec2:ModifyLaunchTemplate"], note "no table lists launch templates yet: on real input the path is reported as conditional on such a template existing";
    PF, "ecs-001", ["iam:PassRole", "ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:CreateService"], AdminRoleTrustingService("ecs-tasks.amazonaws.com", false), ["passrole-ecs-create-service"], drop ["ecs:RegisterTaskDefinition"];
    PF, "ecs-002", ["iam:PassRole", "ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:RunTask"], AdminRoleTrustingService("ecs-tasks.amazonaws.com", false), ["passrole-ecs-run-task"], drop ["ecs:RunTask"];
    PF, "ecs-003", ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:CreateService"], AdminRoleTrustingService("ecs-tasks.amazonaws.com", false), ["passrole-ecs-create-service"], drop ["ecs:CreateService"];
    PF, "ecs-004", ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"], AdminRoleTrustingService("ecs-tasks.amazonaws.com", false), ["passrole-ecs-run-task"], drop ["iam:PassRole"];
    PF, "ecs-005", ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:StartTask"], AdminRoleTrustingService("ecs-tasks.amazonaws.com", false), ["passrole-ecs-start-task"], drop ["ecs:StartTask"];
    PF, "glue-001", ["iam:PassRole", "glue:CreateDevEndpoint"], AdminRoleTrustingService("glue.amazonaws.com", false), ["passrole-glue-create-dev-endpoint"], drop ["glue:CreateDevEndpoint"];
    PF, "glue-002", ["glue:UpdateDevEndpoint"], Resource(GlueDevEndpoint), ["glue-update-dev-endpoint"], drop ["glue:UpdateDevEndpoint"];
    PF, "glue-003", ["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"], AdminRoleTrustingService("glue.amazonaws.com", false), ["passrole-glue-create-job"], drop ["glue:CreateJob"];
    PF, "glue-004", ["iam:PassRole", "glue:CreateJob", "glue:CreateTrigger"], AdminRoleTrustingService("glue.amazonaws.com", false), ["passrole-glue-create-job-trigger"], drop ["glue:CreateTrigger"];
    PF, "glue-005", ["iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"], AdminRoleTrustingService("glue.amazonaws.com", false), ["passrole-glue-update-job"], drop ["glue:UpdateJob"];
    PF, "glue-006", ["iam:PassRole", "glue:UpdateJob", "glue:CreateTrigger"], AdminRoleTrustingService("glue.amazonaws.com", false), ["passrole-glue-update-job-trigger"], drop ["iam:PassRole"];
    PF, "iam-001", ["iam:CreatePolicyVersion"], SelfPolicy, ["iam-create-policy-version"], drop ["iam:CreatePolicyVersion"];
    PF, "iam-002", ["iam:CreateAccessKey"], AdminUser, ["iam-create-access-key"], drop ["iam:CreateAccessKey"];
    PF, "iam-003", ["iam:CreateAccessKey", "iam:DeleteAccessKey"], AdminUser, ["iam-create-access-key"], drop ["iam:CreateAccessKey"], note "the export does not say how many keys a user has; any user is treated as able to get a new key, so iam:DeleteAccessKey is not required";
    PF, "iam-004", ["iam:CreateLoginProfile"], AdminUser, ["iam-create-login-profile"], drop ["iam:CreateLoginProfile"];
    PF, "iam-005", ["iam:PutRolePolicy"], SelfRole, ["iam-put-role-policy"], drop ["iam:PutRolePolicy"];
    PF, "iam-006", ["iam:UpdateLoginProfile"], AdminUserWithLogin, ["iam-update-login-profile"], drop ["iam:UpdateLoginProfile"];
    PF, "iam-007", ["iam:PutUserPolicy"], SelfUser, ["iam-put-user-policy"], drop ["iam:PutUserPolicy"];
    PF, "iam-008", ["iam:AttachUserPolicy"], SelfUser, ["iam-attach-user-policy"], drop ["iam:AttachUserPolicy"];
    PF, "iam-009", ["iam:AttachRolePolicy"], SelfRole, ["iam-attach-role-policy"], drop ["iam:AttachRolePolicy"];
    PF, "iam-010", ["iam:AttachGroupPolicy"], SelfGroup, ["iam-attach-group-policy"], drop ["iam:AttachGroupPolicy"];
    PF, "iam-011", ["iam:PutGroupPolicy"], SelfGroup, ["iam-put-group-policy"], drop ["iam:PutGroupPolicy"];
    PF, "iam-012", ["iam:UpdateAssumeRolePolicy"], ADMIN_EC2, ["iam-update-assume-role-policy"], drop ["iam:UpdateAssumeRolePolicy"];
    PF, "iam-013", ["iam:AddUserToGroup"], AdminGroup, ["iam-add-user-to-group"], drop ["iam:AddUserToGroup"];
    PF, "iam-014", ["iam:AttachRolePolicy", "sts:AssumeRole"], PlainRoleTrustingAccount, ["iam-attach-role-policy-assumable"], drop ["sts:AssumeRole"];
    PF, "iam-015", ["iam:AttachUserPolicy", "iam:CreateAccessKey"], PlainUser, ["iam-attach-user-policy-create-access-key"], drop ["iam:AttachUserPolicy"];
    PF, "iam-016", ["iam:CreatePolicyVersion", "sts:AssumeRole"], PolicyHolderRoleTrustingAccount, ["iam-create-policy-version-assume-role"], drop ["sts:AssumeRole"];
    PF, "iam-017", ["iam:PutRolePolicy", "sts:AssumeRole"], PlainRoleTrustingAccount, ["iam-put-role-policy-assumable"], drop ["iam:PutRolePolicy"];
    PF, "iam-018", ["iam:PutUserPolicy", "iam:CreateAccessKey"], PlainUser, ["iam-put-user-policy-create-access-key"], drop ["iam:PutUserPolicy"];
    PF, "iam-019", ["iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"], PlainRoleTrustingService, ["iam-attach-role-policy-update-assume-role-policy"], drop ["iam:UpdateAssumeRolePolicy"];
    PF, "iam-020", ["iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy"], PolicyHolderRoleTrustingService, ["iam-create-policy-version-update-assume-role-policy"], drop ["iam:CreatePolicyVersion"];
    PF, "iam-021", ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"], PlainRoleTrustingService, ["iam-put-role-policy-update-assume-role-policy"], drop ["iam:PutRolePolicy"];
    PF, "lambda-001", ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], AdminRoleTrustingService("lambda.amazonaws.com", false), ["passrole-lambda-create-invoke"], drop ["lambda:InvokeFunction"];
    PF, "lambda-002", ["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"], AdminRoleTrustingService("lambda.amazonaws.com", false), ["passrole-lambda-create-event-source"], drop ["lambda:CreateEventSourceMapping"];
    PF, "lambda-003", ["lambda:UpdateFunctionCode"], Resource(LambdaFunction), ["lambda-update-function-code"], drop ["lambda:UpdateFunctionCode"];
    PF, "lambda-004", ["lambda:UpdateFunctionCode", "lambda:InvokeFunction"], Resource(LambdaFunction), ["lambda-update-function-code"], drop ["lambda:UpdateFunctionCode"];
    PF, "lambda-005", ["lambda:UpdateFunctionCode", "lambda:AddPermission"], Resource(LambdaFunction), ["lambda-update-function-code"], drop ["lambda:UpdateFunctionCode"];
    PF, "lambda-006", ["iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"], AdminRoleTrustingService("lambda.amazonaws.com", false), ["passrole-lambda-create-add-permission"], drop ["lambda:CreateFunction"];
    PF, "sagemaker-001", ["iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"], AdminRoleTrustingService("sagemaker.amazonaws.com", false), ["passrole-sagemaker-notebook"], drop ["sagemaker:CreateNotebookInstance"], note "the catalogue lists sagemaker:CreatePresignedNotebookInstanceUrl as additional; without it the notebook cannot be opened, so the rule requires it";
    PF, "sagemaker-002", ["iam:PassRole", "sagemaker:CreateTrainingJob"], AdminRoleTrustingService("sagemaker.amazonaws.com", false), ["passrole-sagemaker-training-job"], drop ["sagemaker:CreateTrainingJob"];
    PF, "sagemaker-003", ["iam:PassRole", "sagemaker:CreateProcessingJob"], AdminRoleTrustingService("sagemaker.amazonaws.com", false), ["passrole-sagemaker-processing-job"], drop ["iam:PassRole"];
    PF, "sagemaker-004", ["sagemaker:CreatePresignedNotebookInstanceUrl"], Resource(SageMakerNotebook), ["sagemaker-presigned-notebook-url"], drop ["sagemaker:CreatePresignedNotebookInstanceUrl"];
    PF, "sagemaker-005", ["sagemaker:CreateNotebookInstanceLifecycleConfig", "sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance", "sagemaker:StartNotebookInstance"], Resource(SageMakerNotebook), ["sagemaker-notebook-lifecycle-config"], drop ["sagemaker:UpdateNotebookInstance"];
    PF, "ssm-001", ["ssm:StartSession"], Resource(Ec2Instance), ["ssm-start-session"], drop ["ssm:StartSession"];
    PF, "ssm-002", ["ssm:SendCommand"], Resource(Ec2Instance), ["ssm-send-command"], drop ["ssm:SendCommand"];
    PF, "sts-001", ["sts:AssumeRole"], AdminRoleTrustingAccount, ["sts-assume-role"], drop ["sts:AssumeRole"];

    IV, "privesc1-CreateNewPolicyVersion", ["iam:CreatePolicyVersion"], SelfPolicy, ["iam-create-policy-version"], drop ["iam:CreatePolicyVersion"];
    IV, "privesc2-SetExistingDefaultPolicyVersion", ["iam:SetDefaultPolicyVersion"], SelfPolicyVersions, ["iam-set-default-policy-version"], drop ["iam:SetDefaultPolicyVersion"];
    IV, "privesc3-CreateEC2WithExistingIP", ["iam:PassRole", "ec2:RunInstances", "ec2:AssociateIamInstanceProfile", "ec2:CreateKeyPair", "ec2:DescribeInstances"], ADMIN_EC2, ["passrole-ec2-run-instances", "passrole-ec2-associate-instance-profile"], drop ["iam:PassRole"];
    IV, "privesc4-CreateAccessKey", ["iam:CreateAccessKey"], AdminUser, ["iam-create-access-key"], drop ["iam:CreateAccessKey"];
    IV, "privesc5-CreateLoginProfile", ["iam:CreateLoginProfile"], AdminUser, ["iam-create-login-profile"], drop ["iam:CreateLoginProfile"];
    IV, "privesc6-UpdateLoginProfile", ["iam:UpdateLoginProfile"], AdminUserWithLogin, ["iam-update-login-profile"], drop ["iam:UpdateLoginProfile"];
    IV, "privesc7-AttachUserPolicy", ["iam:AttachUserPolicy"], SelfUser, ["iam-attach-user-policy"], drop ["iam:AttachUserPolicy"];
    IV, "privesc8-AttachGroupPolicy", ["iam:AttachGroupPolicy"], SelfGroup, ["iam-attach-group-policy"], drop ["iam:AttachGroupPolicy"];
    IV, "privesc9-AttachRolePolicy", ["iam:AttachRolePolicy"], SelfRole, ["iam-attach-role-policy"], drop ["iam:AttachRolePolicy"];
    IV, "privesc10-PutUserPolicy", ["iam:PutUserPolicy"], SelfUser, ["iam-put-user-policy"], drop ["iam:PutUserPolicy"];
    IV, "privesc11-PutGroupPolicy", ["iam:PutGroupPolicy"], SelfGroup, ["iam-put-group-policy"], drop ["iam:PutGroupPolicy"];
    IV, "privesc12-PutRolePolicy", ["iam:PutRolePolicy"], SelfRole, ["iam-put-role-policy"], drop ["iam:PutRolePolicy"];
    IV, "privesc13-AddUserToGroup", ["iam:AddUserToGroup"], AdminGroup, ["iam-add-user-to-group"], drop ["iam:AddUserToGroup"];
    IV, "privesc14-UpdatingAssumeRolePolicy", ["iam:UpdateAssumeRolePolicy"], ADMIN_EC2, ["iam-update-assume-role-policy"], drop ["iam:UpdateAssumeRolePolicy"];
    IV, "privesc15-PassExistingRoleToNewLambdaThenInvoke", ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], AdminRoleTrustingService("lambda.amazonaws.com", false), ["passrole-lambda-create-invoke"], drop ["iam:PassRole"];
    IV, "privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo", ["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"], AdminRoleTrustingService("lambda.amazonaws.com", false), ["passrole-lambda-create-event-source"], drop ["lambda:CreateFunction"], note "creating the DynamoDB table that triggers the function needs dynamodb:CreateTable and PutItem, which iam-vulnerable grants separately; a stream of any existing table works too, so they are not required";
    IV, "privesc17-EditExistingLambdaFunctionWithRole", ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"], Resource(LambdaFunction), ["lambda-update-function-code", "lambda-update-function-configuration"], drop ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"];
    IV, "privesc18-PassExistingRoleToNewGlueDevEndpoint", ["iam:PassRole", "glue:CreateDevEndpoint", "glue:GetDevEndpoint"], AdminRoleTrustingService("glue.amazonaws.com", false), ["passrole-glue-create-dev-endpoint"], drop ["iam:PassRole"];
    IV, "privesc19-UpdateExistingGlueDevEndpoint", ["glue:UpdateDevEndpoint", "glue:GetDevEndpoint"], Resource(GlueDevEndpoint), ["glue-update-dev-endpoint"], drop ["glue:UpdateDevEndpoint"];
    IV, "privesc20-PassExistingRoleToCloudFormation", ["iam:PassRole", "cloudformation:CreateStack", "cloudformation:DescribeStacks"], AdminRoleTrustingService("cloudformation.amazonaws.com", false), ["passrole-cloudformation-create-stack"], drop ["cloudformation:CreateStack"];
    IV, "privesc21-PassExistingRoleToNewDataPipeline", ["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline"], AdminRoleTrustingService("datapipeline.amazonaws.com", false), ["passrole-datapipeline"], drop ["datapipeline:PutPipelineDefinition"];
    IV, "privesc-AssumeRole", ["sts:AssumeRole"], AdminRoleTrustingAccount, ["sts-assume-role"], drop ["sts:AssumeRole"];
    IV, "privesc-cloudFormationUpdateStack", ["cloudformation:UpdateStack", "cloudformation:DescribeStacks"], Resource(CloudFormationStack), ["cloudformation-update-stack-existing-role"], drop ["cloudformation:UpdateStack"];
    IV, "privesc-codeBuildCreateProjectPassRole", ["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild", "codebuild:StartBuildBatch", "iam:ListRoles"], AdminRoleTrustingService("codebuild.amazonaws.com", false), ["passrole-codebuild-create-project", "passrole-codebuild-create-project-batch"], drop ["codebuild:CreateProject"];
    IV, "privesc-ec2InstanceConnect", ["ec2-instance-connect:SendSSHPublicKey", "ec2-instance-connect:SendSerialConsoleSSHPublicKey", "ec2:DescribeInstances"], Resource(Ec2Instance), ["ec2-instance-connect-send-ssh-public-key", "ec2-serial-console-ssh"], drop ["ec2-instance-connect:SendSSHPublicKey", "ec2-instance-connect:SendSerialConsoleSSHPublicKey"];
    IV, "privesc-sageMakerCreateNotebookPassRole", ["iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:DeleteNotebookInstance", "sagemaker:DescribeNotebookInstance", "sagemaker:ListNotebookInstances", "sagemaker:StopNotebookInstance"], AdminRoleTrustingService("sagemaker.amazonaws.com", false), ["passrole-sagemaker-notebook"], drop ["iam:PassRole"];
    IV, "privesc-sageMakerCreatePresignedNotebookURL", ["sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:ListNotebookInstances"], Resource(SageMakerNotebook), ["sagemaker-presigned-notebook-url"], drop ["sagemaker:CreatePresignedNotebookInstanceUrl"];
    IV, "privesc-sageMakerCreateProcessingJob", ["iam:PassRole", "sagemaker:CreateProcessingJob"], AdminRoleTrustingService("sagemaker.amazonaws.com", false), ["passrole-sagemaker-processing-job"], drop ["sagemaker:CreateProcessingJob"];
    IV, "privesc-sageMakerCreateTrainingJob", ["iam:PassRole", "sagemaker:CreateTrainingJob"], AdminRoleTrustingService("sagemaker.amazonaws.com", false), ["passrole-sagemaker-training-job"], drop ["iam:PassRole"];
    IV, "privesc-ssmSendCommand", ["ssm:SendCommand", "ssm:ListCommands", "ssm:ListCommandInvocations", "ec2:DescribeInstances"], Resource(Ec2Instance), ["ssm-send-command"], drop ["ssm:SendCommand"];
    IV, "privesc-ssmStartSession", ["ssm:StartSession", "ssm:ResumeSession", "ssm:TerminateSession", "ssm:DescribeSessions", "ssm:GetConnectionStatus", "ssm:DescribeInstanceProperties", "ec2:DescribeInstances"], Resource(Ec2Instance), ["ssm-start-session"], drop ["ssm:StartSession", "ssm:ResumeSession"];
];

fn doc(v: Value) -> PolicyDocument {
    PolicyDocument::from_value(&v).unwrap_or_else(|e| panic!("test policy must parse: {e}"))
}

fn trust(principal: Value) -> PolicyDocument {
    doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}))
}

fn harmless() -> PolicyDocument {
    doc(json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}))
}

fn admin_role(arn: &str, trust_policy: PolicyDocument) -> RoleInfo {
    let mut r = RoleInfo::new(arn, trust_policy);
    r.principal.attached_policy_arns.push(ADMIN_POLICY.into());
    r
}

fn resource_arn(kind: ResourceKind) -> String {
    kind.arn_template()
        .replace("{account}", ACCT)
        .replace("{name}", "existing")
}

/// The account for `setup`, with the attacker granted `grants` on every resource.
fn account(setup: Setup, grants: &[&str]) -> (AccountSnapshot, &'static str) {
    let mut snap = AccountSnapshot {
        account_id: ACCT.to_string(),
        ..Default::default()
    };
    let as_role = matches!(setup, SelfRole);
    let attacker_arn = if as_role {
        ATTACKER_ROLE
    } else {
        ATTACKER_USER
    };
    let mut attacker = if as_role {
        PrincipalInfo::role(attacker_arn)
    } else {
        PrincipalInfo::user(attacker_arn)
    };
    if !grants.is_empty() {
        attacker.inline_policies.push((
            "catalogue".into(),
            doc(json!({"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": grants, "Resource": "*"}]})),
        ));
    }
    match setup {
        SelfUser | SelfRole => {}
        SelfGroup => {
            attacker.group_arns.push(TEAM_GROUP.into());
            snap.groups.push(GroupInfo {
                arn: TEAM_GROUP.into(),
                name: "team".into(),
                inline_policies: vec![],
                attached_policy_arns: vec![],
            });
        }
        SelfPolicy | SelfPolicyVersions => {
            attacker.attached_policy_arns.push(ATTACHED.into());
            let mut p = ManagedPolicyInfo::new(ATTACHED, harmless());
            if matches!(setup, SelfPolicyVersions) {
                p.other_versions.push(doc(json!({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})));
            }
            snap.policies.insert(ATTACHED.into(), p);
        }
        AdminUser | AdminUserWithLogin => {
            let mut u = PrincipalInfo::user(VICTIM_USER);
            u.attached_policy_arns.push(ADMIN_POLICY.into());
            u.has_login_profile = Some(matches!(setup, AdminUserWithLogin));
            snap.users.push(u);
        }
        AdminGroup => snap.groups.push(GroupInfo {
            arn: ADMIN_GROUP.into(),
            name: "admins".into(),
            inline_policies: vec![],
            attached_policy_arns: vec![ADMIN_POLICY.into()],
        }),
        AdminRoleTrustingAccount => snap
            .roles
            .push(admin_role(VICTIM_ROLE, trust(json!({"AWS": ACCT})))),
        AdminRoleTrustingService(service, profile) => {
            let mut r = admin_role(VICTIM_ROLE, trust(json!({"Service": service})));
            if profile {
                r.instance_profile_arns
                    .push("arn:aws:iam::111111111111:instance-profile/victim".into());
            }
            snap.roles.push(r);
        }
        PlainRoleTrustingAccount => snap
            .roles
            .push(RoleInfo::new(VICTIM_ROLE, trust(json!({"AWS": ACCT})))),
        PlainRoleTrustingService => snap.roles.push(RoleInfo::new(
            VICTIM_ROLE,
            trust(json!({"Service": "ec2.amazonaws.com"})),
        )),
        PlainUser => snap.users.push(PrincipalInfo::user(VICTIM_USER)),
        PolicyHolderRoleTrustingAccount | PolicyHolderRoleTrustingService => {
            snap.policies.insert(
                ATTACHED.into(),
                ManagedPolicyInfo::new(ATTACHED, harmless()),
            );
            let t = if matches!(setup, PolicyHolderRoleTrustingAccount) {
                trust(json!({"AWS": ACCT}))
            } else {
                trust(json!({"Service": "ec2.amazonaws.com"}))
            };
            let mut r = RoleInfo::new(VICTIM_ROLE, t);
            r.principal.attached_policy_arns.push(ATTACHED.into());
            snap.roles.push(r);
        }
        Resource(kind) => {
            let mut r = admin_role(
                VICTIM_ROLE,
                trust(json!({"Service": kind.service_principal()})),
            );
            if kind.needs_instance_profile() {
                r.instance_profile_arns
                    .push("arn:aws:iam::111111111111:instance-profile/victim".into());
            }
            snap.roles.push(r);
            snap.inventoried.insert(kind);
            snap.resources.push(ComputeResource {
                arn: resource_arn(kind),
                kind,
                role_arn: VICTIM_ROLE.into(),
            });
        }
    }
    if as_role {
        snap.roles.push(RoleInfo {
            principal: attacker,
            ..RoleInfo::new(attacker_arn, trust(json!({"Service": "ec2.amazonaws.com"})))
        });
    } else {
        snap.users.push(attacker);
    }
    (snap, attacker_arn)
}

/// Rules of the attacker's unconditional edges that reach administrator.
fn admin_rules(setup: Setup, grants: &[&str]) -> Vec<&'static str> {
    let (snap, attacker) = account(setup, grants);
    let index = SnapshotIndex::new(&snap);
    let edges = index
        .escalations(attacker)
        .unwrap_or_else(|e| panic!("engine failed: {e}"));
    let is_admin = |arn: &str| {
        index
            .is_admin(arn)
            .map(|e| e.decision == Decision::Allow)
            .unwrap_or(false)
    };
    edges
        .iter()
        .filter(|e| !e.conditional && e.assumptions.is_empty())
        .filter(|e| match &e.target {
            Target::Admin { account } => account == ACCT,
            Target::Role(arn) | Target::User(arn) => is_admin(arn),
            Target::Group(arn) => arn == ADMIN_GROUP,
            Target::AssumedResource { .. } => false,
        })
        .map(|e| e.rule_id)
        .collect()
}

#[test]
fn catalogue_entries_name_existing_rules_and_are_unique() {
    let mut seen = std::collections::BTreeSet::new();
    for e in CATALOGUE {
        assert!(
            seen.insert((e.catalogue, e.id)),
            "{} {} listed twice",
            e.catalogue,
            e.id
        );
        for r in e.rules {
            assert!(rule(r).is_some(), "{}: no rule {r}", e.id);
        }
        for d in e.drop {
            assert!(e.grants.contains(d), "{}: drops {d}, not granted", e.id);
        }
    }
    let count = |c: &str| CATALOGUE.iter().filter(|e| e.catalogue == c).count();
    assert_eq!(count(PF), 65, "pathfinding.cloud has 65 paths");
    assert_eq!(count(IV), 31, "iam-vulnerable has 31 scenarios");
}

#[test]
fn every_catalogue_path_is_found_with_the_catalogue_permissions() {
    let mut failures = Vec::new();
    for e in CATALOGUE {
        let found = admin_rules(e.setup, e.grants);
        if !e.rules.iter().any(|r| found.contains(r)) {
            failures.push(format!(
                "{} {}: expected one of {:?}, engine reported {:?}",
                e.catalogue, e.id, e.rules, found
            ));
        }
    }
    assert!(failures.is_empty(), "missed:\n{}", failures.join("\n"));
}

#[test]
fn every_catalogue_near_miss_finds_nothing() {
    let mut failures = Vec::new();
    for e in CATALOGUE {
        let reduced: Vec<&str> = e
            .grants
            .iter()
            .copied()
            .filter(|g| !e.drop.contains(g))
            .collect();
        let found = admin_rules(e.setup, &reduced);
        if !found.is_empty() {
            failures.push(format!(
                "{} {} without {:?}: reported {:?}",
                e.catalogue, e.id, e.drop, found
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "false positives:\n{}",
        failures.join("\n")
    );
}

/// The setup written for people.
fn prerequisite(setup: Setup) -> String {
    match setup {
        SelfUser => "the caller is a user".into(),
        SelfRole => "the caller is a role".into(),
        SelfGroup => "the caller is in a group".into(),
        SelfPolicy => "a customer-managed policy is attached to the caller".into(),
        SelfPolicyVersions => "a stored version of the caller's policy grants more".into(),
        AdminUser => "an admin user".into(),
        AdminUserWithLogin => "an admin user with a console password".into(),
        AdminGroup => "an admin group".into(),
        AdminRoleTrustingAccount => "an admin role trusting the account".into(),
        AdminRoleTrustingService(s, true) => {
            format!("an admin role trusting {s} in an instance profile")
        }
        AdminRoleTrustingService(s, false) => format!("an admin role trusting {s}"),
        PlainRoleTrustingAccount => "a role trusting the account".into(),
        PlainRoleTrustingService => "a role trusting a service".into(),
        PlainUser => "another user".into(),
        PolicyHolderRoleTrustingAccount => {
            "a role trusting the account with a customer-managed policy".into()
        }
        PolicyHolderRoleTrustingService => "a role with a customer-managed policy".into(),
        Resource(kind) => format!("{} running as an admin role", kind.label()),
    }
}

fn render_table() -> String {
    let mut by_catalogue: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in CATALOGUE {
        by_catalogue.entry(e.catalogue).or_default().push(e);
    }
    let mut out = String::new();
    for (cat, entries) in by_catalogue.iter().rev() {
        out.push_str(&format!(
            "\n{cat}: {n} of {n} found, each with a near miss.\n\n",
            n = entries.len()
        ));
        out.push_str("| id | permissions | prerequisite | rule | note |\n|---|---|---|---|---|\n");
        for e in entries {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                e.id,
                e.grants
                    .iter()
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(" "),
                prerequisite(e.setup),
                e.rules
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                e.note
            ));
        }
    }
    out.push('\n');
    out
}

const BEGIN: &str =
    "<!-- escalation-coverage:begin (generated by analyzers/tests/escalation_catalogue.rs) -->";
const END: &str = "<!-- escalation-coverage:end -->";

#[test]
fn readme_coverage_table_matches_the_tests() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let (Some(b), Some(e)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md has no {BEGIN} ... {END} block");
    };
    let current = &readme[b + BEGIN.len()..e];
    let wanted = render_table();
    if current != wanted {
        if std::env::var_os("PATHWARDEN_BLESS").is_some() {
            let updated = format!("{}{}{}", &readme[..b + BEGIN.len()], wanted, &readme[e..]);
            std::fs::write(path, updated).expect("write README.md");
        } else {
            panic!(
                "README coverage table is stale: run PATHWARDEN_BLESS=1 cargo test -p pathwarden-analyzers --test escalation_catalogue"
            );
        }
    }
}
