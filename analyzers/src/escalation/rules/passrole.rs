//! iam:PassRole + a service that runs attacker-controlled code with the passed role.
//! Every rule here needs `iam:PassRole` on the victim role (with `iam:PassedToService` set
//! to the rule's service) plus the service actions listed.

use super::Applies::Any;
use super::Mechanism::PassRole;
use super::On::*;
use super::{CLOUDSPLAINING, EscalationRule, IAM_VULNERABLE, PATHFINDING, PMAPPER, RHINO, req};

const ALL: &[&str] = &[RHINO, PATHFINDING, IAM_VULNERABLE, PMAPPER, CLOUDSPLAINING];
const PF: &[&str] = &[PATHFINDING, IAM_VULNERABLE];
const PASS: super::Requirement = req("iam:PassRole", Victim);

macro_rules! passrole_rule {
    ($id:expr, $name:expr, $desc:expr, $service:expr, $profile:expr, [$($req:expr),* $(,)?], $refs:expr) => {
        EscalationRule {
            id: $id,
            name: $name,
            description: $desc,
            applies: Any,
            mechanism: PassRole { service: $service, instance_profile: $profile },
            requires: &[PASS, $($req),*],
            references: $refs,
        }
    };
}

/// PassRole rules.
pub const RULES: &[EscalationRule] = &[
    passrole_rule!(
        "passrole-ec2-run-instances",
        "iam:PassRole + ec2:RunInstances",
        "Launch an instance with the role's instance profile and read its credentials from IMDS.",
        "ec2.amazonaws.com",
        true,
        [req("ec2:RunInstances", Anything)],
        ALL
    ),
    passrole_rule!(
        "passrole-ec2-run-instances-new-profile",
        "iam:PassRole + ec2:RunInstances + new instance profile",
        "Put the role in a new instance profile, then launch an instance with it.",
        "ec2.amazonaws.com",
        false,
        [
            req("ec2:RunInstances", Anything),
            req("iam:CreateInstanceProfile", Anything),
            req("iam:AddRoleToInstanceProfile", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-ec2-request-spot-instances",
        "iam:PassRole + ec2:RequestSpotInstances",
        "Request a spot instance with the role's instance profile.",
        "ec2.amazonaws.com",
        true,
        [req("ec2:RequestSpotInstances", Anything)],
        PF
    ),
    passrole_rule!(
        "passrole-ec2-associate-instance-profile",
        "iam:PassRole + ec2:AssociateIamInstanceProfile",
        "Attach the role's instance profile to an instance one already controls.",
        "ec2.amazonaws.com",
        true,
        [req("ec2:AssociateIamInstanceProfile", Anything)],
        PF
    ),
    passrole_rule!(
        "passrole-ec2-replace-instance-profile",
        "iam:PassRole + ec2:ReplaceIamInstanceProfileAssociation",
        "Swap the instance profile of an instance one controls for the role's.",
        "ec2.amazonaws.com",
        true,
        [req("ec2:ReplaceIamInstanceProfileAssociation", Anything)],
        PF
    ),
    passrole_rule!(
        "passrole-autoscaling-launch-configuration",
        "iam:PassRole + autoscaling:CreateLaunchConfiguration + CreateAutoScalingGroup",
        "Create a launch configuration with the role's instance profile and a group that launches it.",
        "ec2.amazonaws.com",
        true,
        [
            req("autoscaling:CreateLaunchConfiguration", Anything),
            req("autoscaling:CreateAutoScalingGroup", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-autoscaling-launch-template",
        "iam:PassRole + ec2:CreateLaunchTemplate + autoscaling:CreateAutoScalingGroup",
        "Create a launch template with the role's instance profile and a group that launches it.",
        "ec2.amazonaws.com",
        true,
        [
            req("ec2:CreateLaunchTemplate", Anything),
            req("autoscaling:CreateAutoScalingGroup", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-emr-run-job-flow",
        "iam:PassRole + elasticmapreduce:RunJobFlow",
        "Start an EMR cluster whose EC2 instance role is the victim and run steps on it.",
        "ec2.amazonaws.com",
        true,
        [req("elasticmapreduce:RunJobFlow", Anything)],
        PF
    ),
    passrole_rule!(
        "passrole-lambda-create-invoke",
        "iam:PassRole + lambda:CreateFunction + InvokeFunction",
        "Create a function running as the role and invoke it.",
        "lambda.amazonaws.com",
        false,
        [
            req("lambda:CreateFunction", Anything),
            req("lambda:InvokeFunction", Anything)
        ],
        ALL
    ),
    passrole_rule!(
        "passrole-lambda-create-event-source",
        "iam:PassRole + lambda:CreateFunction + CreateEventSourceMapping",
        "Create a function running as the role and trigger it from a stream or queue.",
        "lambda.amazonaws.com",
        false,
        [
            req("lambda:CreateFunction", Anything),
            req("lambda:CreateEventSourceMapping", Anything)
        ],
        ALL
    ),
    passrole_rule!(
        "passrole-lambda-create-add-permission",
        "iam:PassRole + lambda:CreateFunction + AddPermission",
        "Create a function running as the role and grant oneself invoke through its resource policy.",
        "lambda.amazonaws.com",
        false,
        [
            req("lambda:CreateFunction", Anything),
            req("lambda:AddPermission", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-glue-create-dev-endpoint",
        "iam:PassRole + glue:CreateDevEndpoint",
        "Create a Glue development endpoint with the role and SSH into it.",
        "glue.amazonaws.com",
        false,
        [req("glue:CreateDevEndpoint", Anything)],
        ALL
    ),
    passrole_rule!(
        "passrole-glue-create-job",
        "iam:PassRole + glue:CreateJob + StartJobRun",
        "Create a Glue job running as the role and start it.",
        "glue.amazonaws.com",
        false,
        [
            req("glue:CreateJob", Anything),
            req("glue:StartJobRun", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-glue-create-job-trigger",
        "iam:PassRole + glue:CreateJob + CreateTrigger",
        "Create a Glue job running as the role and a trigger that starts it.",
        "glue.amazonaws.com",
        false,
        [
            req("glue:CreateJob", Anything),
            req("glue:CreateTrigger", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-glue-update-job",
        "iam:PassRole + glue:UpdateJob + StartJobRun",
        "Point an existing Glue job at the role with new code and run it.",
        "glue.amazonaws.com",
        false,
        [
            req("glue:UpdateJob", Anything),
            req("glue:StartJobRun", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-glue-update-job-trigger",
        "iam:PassRole + glue:UpdateJob + CreateTrigger",
        "Point an existing Glue job at the role with new code and start it from a new trigger.",
        "glue.amazonaws.com",
        false,
        [
            req("glue:UpdateJob", Anything),
            req("glue:CreateTrigger", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-cloudformation-create-stack",
        "iam:PassRole + cloudformation:CreateStack",
        "Create a stack that runs as the role and provisions an admin user or policy.",
        "cloudformation.amazonaws.com",
        false,
        [req("cloudformation:CreateStack", Anything)],
        ALL
    ),
    passrole_rule!(
        "passrole-cloudformation-update-stack",
        "iam:PassRole + cloudformation:UpdateStack",
        "Update a stack to run as the role with a template that grants admin.",
        "cloudformation.amazonaws.com",
        false,
        [req("cloudformation:UpdateStack", Anything)],
        PF
    ),
    passrole_rule!(
        "passrole-cloudformation-change-set",
        "iam:PassRole + cloudformation:CreateChangeSet + ExecuteChangeSet",
        "Create and execute a change set that runs as the role.",
        "cloudformation.amazonaws.com",
        false,
        [
            req("cloudformation:CreateChangeSet", Anything),
            req("cloudformation:ExecuteChangeSet", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-cloudformation-stack-set",
        "iam:PassRole + cloudformation:CreateStackSet + CreateStackInstances",
        "Create a self-managed stack set whose administration role is the victim.",
        "cloudformation.amazonaws.com",
        false,
        [
            req("cloudformation:CreateStackSet", Anything),
            req("cloudformation:CreateStackInstances", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-datapipeline",
        "iam:PassRole + datapipeline:CreatePipeline + PutPipelineDefinition + ActivatePipeline",
        "Create a pipeline running as the role whose activity runs shell commands, and activate it (a pipeline that is never activated runs nothing).",
        "datapipeline.amazonaws.com",
        false,
        [
            req("datapipeline:CreatePipeline", Anything),
            req("datapipeline:PutPipelineDefinition", Anything),
            req("datapipeline:ActivatePipeline", Anything)
        ],
        ALL
    ),
    passrole_rule!(
        "passrole-sagemaker-notebook",
        "iam:PassRole + sagemaker:CreateNotebookInstance + CreatePresignedNotebookInstanceUrl",
        "Create a notebook instance running as the role and open it.",
        "sagemaker.amazonaws.com",
        false,
        [
            req("sagemaker:CreateNotebookInstance", Anything),
            req("sagemaker:CreatePresignedNotebookInstanceUrl", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-sagemaker-training-job",
        "iam:PassRole + sagemaker:CreateTrainingJob",
        "Run a training job with an attacker container as the role.",
        "sagemaker.amazonaws.com",
        false,
        [req("sagemaker:CreateTrainingJob", Anything)],
        PF
    ),
    passrole_rule!(
        "passrole-sagemaker-processing-job",
        "iam:PassRole + sagemaker:CreateProcessingJob",
        "Run a processing job with an attacker container as the role.",
        "sagemaker.amazonaws.com",
        false,
        [req("sagemaker:CreateProcessingJob", Anything)],
        PF
    ),
    passrole_rule!(
        "passrole-sagemaker-hyperparameter-tuning",
        "iam:PassRole + sagemaker:CreateHyperParameterTuningJob",
        "Run a tuning job with an attacker container as the role.",
        "sagemaker.amazonaws.com",
        false,
        [req("sagemaker:CreateHyperParameterTuningJob", Anything)],
        PF
    ),
    passrole_rule!(
        "passrole-codebuild-create-project",
        "iam:PassRole + codebuild:CreateProject + StartBuild",
        "Create a build project running as the role and start a build.",
        "codebuild.amazonaws.com",
        false,
        [
            req("codebuild:CreateProject", Anything),
            req("codebuild:StartBuild", Anything)
        ],
        ALL
    ),
    passrole_rule!(
        "passrole-codebuild-create-project-batch",
        "iam:PassRole + codebuild:CreateProject + StartBuildBatch",
        "Create a build project running as the role and start a batch build.",
        "codebuild.amazonaws.com",
        false,
        [
            req("codebuild:CreateProject", Anything),
            req("codebuild:StartBuildBatch", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-ecs-run-task",
        "iam:PassRole + ecs:RegisterTaskDefinition + RunTask",
        "Register a task definition whose task role is the victim and run it.",
        "ecs-tasks.amazonaws.com",
        false,
        [
            req("ecs:RegisterTaskDefinition", Anything),
            req("ecs:RunTask", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-ecs-start-task",
        "iam:PassRole + ecs:RegisterTaskDefinition + StartTask",
        "Register a task definition whose task role is the victim and start it on a container instance.",
        "ecs-tasks.amazonaws.com",
        false,
        [
            req("ecs:RegisterTaskDefinition", Anything),
            req("ecs:StartTask", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-ecs-create-service",
        "iam:PassRole + ecs:RegisterTaskDefinition + CreateService",
        "Register a task definition whose task role is the victim and run it as a service.",
        "ecs-tasks.amazonaws.com",
        false,
        [
            req("ecs:RegisterTaskDefinition", Anything),
            req("ecs:CreateService", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-batch-submit-job",
        "iam:PassRole + batch:RegisterJobDefinition + SubmitJob",
        "Register a Batch job definition whose job role is the victim and submit it.",
        "ecs-tasks.amazonaws.com",
        false,
        [
            req("batch:RegisterJobDefinition", Anything),
            req("batch:SubmitJob", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-apprunner-create-service",
        "iam:PassRole + apprunner:CreateService",
        "Create an App Runner service whose instance role is the victim.",
        "tasks.apprunner.amazonaws.com",
        false,
        [req("apprunner:CreateService", Anything)],
        PF
    ),
    passrole_rule!(
        "passrole-states-create-state-machine",
        "iam:PassRole + states:CreateStateMachine + StartExecution",
        "Create a state machine running as the role that calls IAM through SDK integrations.",
        "states.amazonaws.com",
        false,
        [
            req("states:CreateStateMachine", Anything),
            req("states:StartExecution", Anything)
        ],
        PF
    ),
    passrole_rule!(
        "passrole-bedrock-agentcore-code-interpreter",
        "iam:PassRole + bedrock-agentcore:CreateCodeInterpreter + StartCodeInterpreterSession + InvokeCodeInterpreter",
        "Create an AgentCore code interpreter with the role as its execution role, then run code in it that reads the role's credentials from the microVM metadata service.",
        "bedrock-agentcore.amazonaws.com",
        false,
        [
            req("bedrock-agentcore:CreateCodeInterpreter", Anything),
            req("bedrock-agentcore:StartCodeInterpreterSession", Anything),
            req("bedrock-agentcore:InvokeCodeInterpreter", Anything)
        ],
        PF
    ),
];
