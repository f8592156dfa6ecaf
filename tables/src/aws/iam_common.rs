//! Pieces the IAM principal tables (users, groups, roles) share.

use serde_json::Value;

use super::json::Obj;
use super::policy::{canonical_policy, decode_policy};
use super::source::AwsSource;
use crate::framework::Row;

/// Region IAM rows report: IAM is a global service.
pub(crate) const GLOBAL: &str = "global";

/// `inline_policies` and `inline_policies_std` from `(policy name, URL-encoded document)`.
/// Both are null when there are none, as in Steampipe.
pub(crate) fn inline_policy_columns(policies: Vec<(String, String)>) -> Row {
    let mut raw = Vec::new();
    let mut std = Vec::new();
    for (name, doc) in policies {
        let doc = decode_policy(&doc);
        std.push(
            Obj::new()
                .v("PolicyDocument", canonical_policy(&doc))
                .s("PolicyName", Some(&name))
                .build(),
        );
        raw.push(
            Obj::new()
                .v("PolicyDocument", doc)
                .s("PolicyName", Some(&name))
                .build(),
        );
    }
    let mut row = Row::new();
    let (raw, std) = if raw.is_empty() {
        (Value::Null, Value::Null)
    } else {
        (Value::Array(raw), Value::Array(std))
    };
    row.insert("inline_policies".into(), raw);
    row.insert("inline_policies_std".into(), std);
    row
}

/// `attached_policy_arns`: null when nothing is attached, as in Steampipe.
pub(crate) fn attached_policy_column(arns: Vec<String>) -> Row {
    let mut row = Row::new();
    let v = if arns.is_empty() {
        Value::Null
    } else {
        Value::Array(arns.into_iter().map(Value::String).collect())
    };
    row.insert("attached_policy_arns".into(), v);
    row
}

/// The name at the end of an IAM ARN (`arn:aws:iam::1:role/path/name` → `name`).
pub(crate) fn name_from_arn(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    resource
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && resource.contains('/'))
}

/// The name to look up for a get by `name` or `arn`.
pub(crate) fn lookup_name<'a>(key_column: &str, key: &'a str) -> Option<&'a str> {
    if key_column == "arn" {
        name_from_arn(key)
    } else {
        Some(key)
    }
}

/// Standard columns of an IAM row.
pub(crate) fn iam_common(src: &AwsSource, row: &mut Row, title: &str, arn: &str) {
    src.common(
        row,
        GLOBAL,
        Value::String(title.to_string()),
        vec![arn.to_string()],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_arns() {
        assert_eq!(
            name_from_arn("arn:aws:iam::123456789012:role/service/app-role"),
            Some("app-role")
        );
        assert_eq!(
            name_from_arn("arn:aws:iam::123456789012:user/alice"),
            Some("alice")
        );
        assert_eq!(name_from_arn("not-an-arn"), None);
        assert_eq!(lookup_name("name", "bob"), Some("bob"));
    }

    #[test]
    fn inline_policies_raw_and_canonical() {
        let doc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22S3%3AGetObject%22%2C%22Resource%22%3A%22%2A%22%7D%7D";
        let row = inline_policy_columns(vec![("read".into(), doc.into())]);
        assert_eq!(row["inline_policies"][0]["PolicyName"], "read");
        assert_eq!(
            row["inline_policies"][0]["PolicyDocument"]["Statement"]["Action"],
            "S3:GetObject"
        );
        assert_eq!(
            row["inline_policies_std"][0]["PolicyDocument"]["Statement"][0]["Action"][0],
            "s3:getobject"
        );
        assert_eq!(
            inline_policy_columns(vec![])["inline_policies"],
            Value::Null
        );
    }
}
