//! Two-step takeovers of another principal: make it powerful, then become it. The edge
//! goes straight to admin of the account, with the statements behind both steps as its
//! evidence (each names the victim it was checked on).

use super::Applies::Any;
use super::Mechanism::{EditPolicyThenTakeOver, EditThenTakeOver};
use super::On::*;
use super::{EscalationRule, IAM_VULNERABLE, PATHFINDING, PMAPPER, VictimKind, req};

const REFS: &[&str] = &[PATHFINDING, IAM_VULNERABLE, PMAPPER];

/// Two-step takeover rules.
pub const RULES: &[EscalationRule] = &[
    EscalationRule {
        id: "iam-attach-user-policy-create-access-key",
        name: "iam:AttachUserPolicy + iam:CreateAccessKey on another user",
        description: "Attach AdministratorAccess to another user, then mint an access key for it and act as it.",
        applies: Any,
        mechanism: EditThenTakeOver(VictimKind::User),
        requires: &[
            req("iam:AttachUserPolicy", Victim),
            req("iam:CreateAccessKey", Victim),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-attach-user-policy-create-login-profile",
        name: "iam:AttachUserPolicy + iam:CreateLoginProfile on another user",
        description: "Attach AdministratorAccess to another user, then set a console password for it and act as it.",
        applies: Any,
        mechanism: EditThenTakeOver(VictimKind::UserWithoutLoginProfile),
        requires: &[
            req("iam:AttachUserPolicy", Victim),
            req("iam:CreateLoginProfile", Victim),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-attach-user-policy-update-login-profile",
        name: "iam:AttachUserPolicy + iam:UpdateLoginProfile on another user",
        description: "Attach AdministratorAccess to another user, then change its console password and act as it.",
        applies: Any,
        mechanism: EditThenTakeOver(VictimKind::UserWithLoginProfile),
        requires: &[
            req("iam:AttachUserPolicy", Victim),
            req("iam:UpdateLoginProfile", Victim),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-put-user-policy-create-access-key",
        name: "iam:PutUserPolicy + iam:CreateAccessKey on another user",
        description: "Write an inline *:* policy on another user, then mint an access key for it and act as it.",
        applies: Any,
        mechanism: EditThenTakeOver(VictimKind::User),
        requires: &[
            req("iam:PutUserPolicy", Victim),
            req("iam:CreateAccessKey", Victim),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-put-user-policy-create-login-profile",
        name: "iam:PutUserPolicy + iam:CreateLoginProfile on another user",
        description: "Write an inline *:* policy on another user, then set a console password for it and act as it.",
        applies: Any,
        mechanism: EditThenTakeOver(VictimKind::UserWithoutLoginProfile),
        requires: &[
            req("iam:PutUserPolicy", Victim),
            req("iam:CreateLoginProfile", Victim),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-put-user-policy-update-login-profile",
        name: "iam:PutUserPolicy + iam:UpdateLoginProfile on another user",
        description: "Write an inline *:* policy on another user, then change its console password and act as it.",
        applies: Any,
        mechanism: EditThenTakeOver(VictimKind::UserWithLoginProfile),
        requires: &[
            req("iam:PutUserPolicy", Victim),
            req("iam:UpdateLoginProfile", Victim),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-attach-role-policy-update-assume-role-policy",
        name: "iam:AttachRolePolicy + iam:UpdateAssumeRolePolicy on another role",
        description: "Attach AdministratorAccess to a role, rewrite its trust policy to trust oneself, assume it.",
        applies: Any,
        mechanism: EditThenTakeOver(VictimKind::Role),
        requires: &[
            req("iam:AttachRolePolicy", Victim),
            req("iam:UpdateAssumeRolePolicy", Victim),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-put-role-policy-update-assume-role-policy",
        name: "iam:PutRolePolicy + iam:UpdateAssumeRolePolicy on another role",
        description: "Write an inline *:* policy on a role, rewrite its trust policy to trust oneself, assume it.",
        applies: Any,
        mechanism: EditThenTakeOver(VictimKind::Role),
        requires: &[
            req("iam:PutRolePolicy", Victim),
            req("iam:UpdateAssumeRolePolicy", Victim),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-create-policy-version-create-access-key",
        name: "iam:CreatePolicyVersion on another user's policy + iam:CreateAccessKey",
        description: "Make a customer-managed policy attached to another user grant *:*, then mint an access key for that user.",
        applies: Any,
        mechanism: EditPolicyThenTakeOver(VictimKind::User),
        requires: &[
            req("iam:CreatePolicyVersion", Victim),
            req("iam:CreateAccessKey", Holder),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-create-policy-version-create-login-profile",
        name: "iam:CreatePolicyVersion on another user's policy + iam:CreateLoginProfile",
        description: "Make a customer-managed policy attached to another user grant *:*, then set a console password for that user.",
        applies: Any,
        mechanism: EditPolicyThenTakeOver(VictimKind::UserWithoutLoginProfile),
        requires: &[
            req("iam:CreatePolicyVersion", Victim),
            req("iam:CreateLoginProfile", Holder),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-create-policy-version-update-assume-role-policy",
        name: "iam:CreatePolicyVersion on a role's policy + iam:UpdateAssumeRolePolicy",
        description: "Make a customer-managed policy attached to a role grant *:*, rewrite the role's trust policy to trust oneself, assume it.",
        applies: Any,
        mechanism: EditPolicyThenTakeOver(VictimKind::Role),
        requires: &[
            req("iam:CreatePolicyVersion", Victim),
            req("iam:UpdateAssumeRolePolicy", Holder),
        ],
        references: REFS,
    },
    EscalationRule {
        id: "iam-create-policy-version-assume-role",
        name: "iam:CreatePolicyVersion on an assumable role's policy + sts:AssumeRole",
        description: "Make a customer-managed policy attached to a role one can already assume grant *:*, then assume it.",
        applies: Any,
        mechanism: EditPolicyThenTakeOver(VictimKind::Role),
        requires: &[
            req("iam:CreatePolicyVersion", Victim),
            req("sts:AssumeRole", Holder),
        ],
        references: REFS,
    },
];
