//! The IAM calls remediation makes (attach/detach managed policies, group membership,
//! inline policy deletion), sent as signed IAM Query API requests (Signature Version 4).
//!
//! The SDK clients belong to the tables crate and are not shared, so the daemon speaks
//! the small part of the IAM Query API it needs itself.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Where and as whom the calls are made.
#[derive(Clone)]
pub struct IamTarget {
    /// IAM endpoint (`https://iam.amazonaws.com`, or a local one).
    pub endpoint: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Signing region (IAM signs in us-east-1).
    pub region: String,
}

impl std::fmt::Debug for IamTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the credentials.
        f.debug_struct("IamTarget")
            .field("endpoint", &self.endpoint)
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

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC accepts keys of any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

fn tag<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(&xml[start..end])
}

/// Make one IAM call; `Ok(request id)` on success, the IAM error code and message otherwise.
pub async fn call(
    http: &reqwest::Client,
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
    let mut form: BTreeMap<String, String> = params.clone();
    form.insert("Action".into(), action.into());
    form.insert("Version".into(), "2010-05-08".into());
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");

    let url = reqwest::Url::parse(&target.endpoint).context("IAM endpoint is not a URL")?;
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => bail!("IAM endpoint has no host"),
    };
    let now = chrono::Utc::now();
    let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
    let date = now.format("%Y%m%d").to_string();
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let payload_hash = hex::encode(Sha256::digest(body.as_bytes()));
    let path = if url.path().is_empty() {
        "/"
    } else {
        url.path()
    };
    let canonical = format!(
        "POST\n{path}\n\ncontent-type:{content_type}\nhost:{host}\nx-amz-date:{amz_date}\n\ncontent-type;host;x-amz-date\n{payload_hash}"
    );
    let scope = format!("{date}/{}/iam/aws4_request", target.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let k_date = hmac(
        format!("AWS4{}", target.secret_access_key).as_bytes(),
        &date,
    );
    let k_region = hmac(&k_date, &target.region);
    let k_service = hmac(&k_region, "iam");
    let k_signing = hmac(&k_service, "aws4_request");
    let signature = hex::encode(hmac(&k_signing, &to_sign));
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=content-type;host;x-amz-date, Signature={signature}",
        target.access_key_id
    );
    let resp = http
        .post(url)
        .header("content-type", content_type)
        .header("x-amz-date", &amz_date)
        .header("authorization", auth)
        .body(body)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("iam:{action}: {}", e.without_url()))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        let code = tag(&text, "Code").unwrap_or("Error");
        let msg = tag(&text, "Message").unwrap_or("");
        bail!("iam:{action}: {code}: {msg} (HTTP {})", status.as_u16());
    }
    Ok(tag(&text, "RequestId").unwrap_or("").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_aws() {
        assert_eq!(
            encode("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            "arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess"
        );
        assert_eq!(encode("a b~"), "a%20b~");
    }

    #[test]
    fn signing_key_matches_the_aws_example() {
        // AWS's documented example: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam.
        let k = hmac(b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215");
        let k = hmac(&k, "us-east-1");
        let k = hmac(&k, "iam");
        let k = hmac(&k, "aws4_request");
        assert_eq!(
            hex::encode(k),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }
}
