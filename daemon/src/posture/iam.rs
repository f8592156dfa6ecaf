//! The IAM calls remediation makes (attach/detach managed policies, group membership,
//! inline policy deletion), made with the AWS SDK's IAM client of the desired state's
//! connection: the same credentials chain as its tables (profile, default chain, static
//! keys, role assumption with ExternalId).

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

/// The IAM client remediation calls go through.
#[derive(Clone)]
pub struct IamTarget {
    /// Client of the connection named by `desired_state.connection`.
    pub client: aws_sdk_iam::Client,
    /// That connection's name (for logs and errors).
    pub connection: String,
}

impl std::fmt::Debug for IamTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IamTarget")
            .field("connection", &self.connection)
            .finish()
    }
}

/// Calls remediation may make, and the parameters each needs.
pub const CALLS: &[(&str, &[&str])] = &[
    ("AttachUserPolicy", &["UserName", "PolicyArn"]),
    ("DetachUserPolicy", &["UserName", "PolicyArn"]),
    ("AttachRolePolicy", &["RoleName", "PolicyArn"]),
    ("DetachRolePolicy", &["RoleName", "PolicyArn"]),
    ("AddUserToGroup", &["GroupName", "UserName"]),
    ("RemoveUserFromGroup", &["GroupName", "UserName"]),
    ("DeleteUserPolicy", &["UserName", "PolicyName"]),
    ("DeleteRolePolicy", &["RoleName", "PolicyName"]),
];

fn failed<E: ProvideErrorMetadata, R>(action: &str, e: SdkError<E, R>) -> anyhow::Error
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match (e.code(), e.message()) {
        (Some(code), msg) => anyhow::anyhow!("iam:{action}: {code}: {}", msg.unwrap_or("")),
        _ => anyhow::anyhow!(
            "iam:{action}: {}",
            aws_sdk_iam::error::DisplayErrorContext(&e)
        ),
    }
}

/// Make one IAM call; `Ok(request id)` on success, the IAM error code and message otherwise.
pub async fn call(
    target: &IamTarget,
    action: &str,
    params: &BTreeMap<String, String>,
) -> Result<String> {
    let Some((_, needed)) = CALLS.iter().find(|(a, _)| *a == action) else {
        bail!("iam:{action} is not a remediation call");
    };
    for n in *needed {
        if !params.contains_key(*n) {
            bail!("iam:{action}: missing {n}");
        }
    }
    let p = |k: &str| params.get(k).cloned().unwrap_or_default();
    let iam = &target.client;
    use aws_sdk_iam::operation::RequestId;
    let request_id = match action {
        "AttachUserPolicy" => iam
            .attach_user_policy()
            .user_name(p("UserName"))
            .policy_arn(p("PolicyArn"))
            .send()
            .await
            .map_err(|e| failed(action, e))?
            .request_id()
            .map(str::to_string),
        "DetachUserPolicy" => iam
            .detach_user_policy()
            .user_name(p("UserName"))
            .policy_arn(p("PolicyArn"))
            .send()
            .await
            .map_err(|e| failed(action, e))?
            .request_id()
            .map(str::to_string),
        "AttachRolePolicy" => iam
            .attach_role_policy()
            .role_name(p("RoleName"))
            .policy_arn(p("PolicyArn"))
            .send()
            .await
            .map_err(|e| failed(action, e))?
            .request_id()
            .map(str::to_string),
        "DetachRolePolicy" => iam
            .detach_role_policy()
            .role_name(p("RoleName"))
            .policy_arn(p("PolicyArn"))
            .send()
            .await
            .map_err(|e| failed(action, e))?
            .request_id()
            .map(str::to_string),
        "AddUserToGroup" => iam
            .add_user_to_group()
            .group_name(p("GroupName"))
            .user_name(p("UserName"))
            .send()
            .await
            .map_err(|e| failed(action, e))?
            .request_id()
            .map(str::to_string),
        "RemoveUserFromGroup" => iam
            .remove_user_from_group()
            .group_name(p("GroupName"))
            .user_name(p("UserName"))
            .send()
            .await
            .map_err(|e| failed(action, e))?
            .request_id()
            .map(str::to_string),
        "DeleteUserPolicy" => iam
            .delete_user_policy()
            .user_name(p("UserName"))
            .policy_name(p("PolicyName"))
            .send()
            .await
            .map_err(|e| failed(action, e))?
            .request_id()
            .map(str::to_string),
        "DeleteRolePolicy" => iam
            .delete_role_policy()
            .role_name(p("RoleName"))
            .policy_name(p("PolicyName"))
            .send()
            .await
            .map_err(|e| failed(action, e))?
            .request_id()
            .map(str::to_string),
        other => bail!("iam:{other} is not a remediation call"),
    };
    Ok(request_id.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline_target() -> IamTarget {
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .build();
        IamTarget {
            client: aws_sdk_iam::Client::from_conf(conf),
            connection: "test".into(),
        }
    }

    #[tokio::test]
    async fn unknown_calls_and_missing_parameters_are_refused_before_any_request() {
        let t = offline_target();
        let err = call(&t, "CreateUser", &BTreeMap::new()).await.unwrap_err();
        assert!(err.to_string().contains("not a remediation call"), "{err}");
        let mut params = BTreeMap::new();
        params.insert("UserName".to_string(), "alice".to_string());
        let err = call(&t, "AttachUserPolicy", &params).await.unwrap_err();
        assert_eq!(err.to_string(), "iam:AttachUserPolicy: missing PolicyArn");
    }

    #[test]
    fn every_call_names_its_parameters() {
        for (action, needed) in CALLS {
            assert!(!needed.is_empty(), "{action}");
        }
    }
}
