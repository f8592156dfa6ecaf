//! Documents of well-known AWS-managed policies, used when a snapshot lists an attachment
//! but not the policy body (AWS-managed bodies are rarely exported per account).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::policy::PolicyDocument;

const ADMIN: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const IAM_FULL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}"#;
const POWER_USER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},{"Effect":"Allow","Action":["account:GetAccountInformation","account:GetPrimaryEmail","account:ListRegions","iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization"],"Resource":"*"}]}"#;
// Approximation: the real ReadOnlyAccess lists thousands of read actions; every one of them
// is a Describe/Get/List/... verb, none of which appears in an escalation rule.
const READ_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:Get*","*:List*","*:BatchGet*","*:Lookup*","*:Search*","*:View*"],"Resource":"*"}]}"#;

/// Built-in bodies of well-known AWS-managed policies, by ARN.
pub fn builtin_policies() -> &'static HashMap<&'static str, PolicyDocument> {
    static CELL: OnceLock<HashMap<&'static str, PolicyDocument>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut m = HashMap::new();
        for (arn, text) in [
            ("arn:aws:iam::aws:policy/AdministratorAccess", ADMIN),
            ("arn:aws:iam::aws:policy/IAMFullAccess", IAM_FULL),
            ("arn:aws:iam::aws:policy/PowerUserAccess", POWER_USER),
            ("arn:aws:iam::aws:policy/ReadOnlyAccess", READ_ONLY),
        ] {
            // The constants are fixed text checked by the tests below; a parse failure would
            // only drop the shortcut, the policy then counts as unresolved.
            if let Ok(doc) = PolicyDocument::parse(text) {
                m.insert(arn, doc);
            }
        }
        m
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn all_builtins_parse() {
        assert_eq!(super::builtin_policies().len(), 4);
    }
}
