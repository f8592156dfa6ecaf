//! Techniques that run code inside an existing resource and inherit its role.

use super::Applies::Any;
use super::Mechanism::Hijack;
use super::On::*;
use super::{CLOUDSPLAINING, EscalationRule, IAM_VULNERABLE, PATHFINDING, PMAPPER, RHINO, req};
use crate::escalation::ResourceKind::*;

const ALL: &[&str] = &[RHINO, PATHFINDING, IAM_VULNERABLE, PMAPPER, CLOUDSPLAINING];
const PF: &[&str] = &[PATHFINDING, IAM_VULNERABLE];

/// Existing-resource rules.
pub const RULES: &[EscalationRule] = &[
    EscalationRule {
        id: "lambda-update-function-code",
        name: "lambda:UpdateFunctionCode",
        description: "Replace a function's code; it runs as its execution role on its next invocation.",
        applies: Any,
        mechanism: Hijack(LambdaFunction),
        requires: &[req("lambda:UpdateFunctionCode", Victim)],
        references: ALL,
    },
    EscalationRule {
        id: "lambda-update-function-configuration",
        name: "lambda:UpdateFunctionConfiguration (layers)",
        description: "Add a malicious layer or runtime override to a function; it runs as its execution role.",
        applies: Any,
        mechanism: Hijack(LambdaFunction),
        requires: &[req("lambda:UpdateFunctionConfiguration", Victim)],
        references: PF,
    },
    EscalationRule {
        id: "glue-update-dev-endpoint",
        name: "glue:UpdateDevEndpoint",
        description: "Add one's SSH key to a development endpoint and use its role.",
        applies: Any,
        mechanism: Hijack(GlueDevEndpoint),
        requires: &[req("glue:UpdateDevEndpoint", Victim)],
        references: ALL,
    },
    EscalationRule {
        id: "codebuild-start-build-buildspec-override",
        name: "codebuild:StartBuild with buildspec override",
        description: "Start a build of an existing project with an inline buildspec; it runs as the project's role.",
        applies: Any,
        mechanism: Hijack(CodeBuildProject),
        requires: &[req("codebuild:StartBuild", Victim)],
        references: PF,
    },
    EscalationRule {
        id: "codebuild-start-build-batch-override",
        name: "codebuild:StartBuildBatch with buildspec override",
        description: "Start a batch build of an existing project with an inline buildspec.",
        applies: Any,
        mechanism: Hijack(CodeBuildProject),
        requires: &[req("codebuild:StartBuildBatch", Victim)],
        references: PF,
    },
    EscalationRule {
        id: "cloudformation-update-stack-existing-role",
        name: "cloudformation:UpdateStack keeping the stack's role",
        description: "Update a stack that already has a service role with a template granting admin (no PassRole needed when the role is unchanged).",
        applies: Any,
        mechanism: Hijack(CloudFormationStack),
        requires: &[req("cloudformation:UpdateStack", Victim)],
        references: PF,
    },
    EscalationRule {
        id: "cloudformation-change-set-existing-role",
        name: "cloudformation:CreateChangeSet + ExecuteChangeSet on a stack with a role",
        description: "Change a stack with a service role through a change set.",
        applies: Any,
        mechanism: Hijack(CloudFormationStack),
        requires: &[
            req("cloudformation:CreateChangeSet", Victim),
            req("cloudformation:ExecuteChangeSet", Victim),
        ],
        references: PF,
    },
    EscalationRule {
        id: "sagemaker-presigned-notebook-url",
        name: "sagemaker:CreatePresignedNotebookInstanceUrl",
        description: "Open an existing notebook instance and act as its role.",
        applies: Any,
        mechanism: Hijack(SageMakerNotebook),
        requires: &[req("sagemaker:CreatePresignedNotebookInstanceUrl", Victim)],
        references: PF,
    },
    EscalationRule {
        id: "ssm-send-command",
        name: "ssm:SendCommand",
        description: "Run shell commands on a managed instance and read its role credentials.",
        applies: Any,
        mechanism: Hijack(Ec2Instance),
        requires: &[req("ssm:SendCommand", Victim)],
        references: PF,
    },
    EscalationRule {
        id: "ssm-start-session",
        name: "ssm:StartSession",
        description: "Open a Session Manager shell on an instance and use its role.",
        applies: Any,
        mechanism: Hijack(Ec2Instance),
        requires: &[req("ssm:StartSession", Victim)],
        references: PF,
    },
    EscalationRule {
        id: "ec2-instance-connect-send-ssh-public-key",
        name: "ec2-instance-connect:SendSSHPublicKey",
        description: "Push a temporary SSH key to an instance, log in and use its role.",
        applies: Any,
        mechanism: Hijack(Ec2Instance),
        requires: &[req("ec2-instance-connect:SendSSHPublicKey", Victim)],
        references: PF,
    },
    EscalationRule {
        id: "ec2-serial-console-ssh",
        name: "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
        description: "Use the EC2 serial console (if enabled for the account and a local password exists).",
        applies: Any,
        mechanism: Hijack(Ec2Instance),
        requires: &[req(
            "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
            Victim,
        )],
        references: PF,
    },
    EscalationRule {
        id: "ec2-modify-instance-attribute-userdata",
        name: "ec2:ModifyInstanceAttribute (user data) + StopInstances + StartInstances",
        description: "Replace an instance's user data and restart it so the script runs with its role.",
        applies: Any,
        mechanism: Hijack(Ec2Instance),
        requires: &[
            req("ec2:ModifyInstanceAttribute", Victim),
            req("ec2:StopInstances", Victim),
            req("ec2:StartInstances", Victim),
        ],
        references: PF,
    },
    EscalationRule {
        id: "ecs-execute-command",
        name: "ecs:ExecuteCommand",
        description: "Open a shell in a running task (ECS Exec) and use its task role.",
        applies: Any,
        mechanism: Hijack(EcsTask),
        requires: &[req("ecs:ExecuteCommand", Victim)],
        references: PF,
    },
];
