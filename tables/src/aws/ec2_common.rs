//! Pieces the EC2 tables share: the calls (EC2's Query protocol through `api.rs`), filters,
//! paging, tags, and reading the members of a response.
//!
//! A response arrives as [`xml_to_json`](super::api::xml_to_json) gives it: elements by
//! their XML names (`dnsName`, `groupSet`, `tagSet`), every `<item>` list an array, text
//! as strings. The readers below give members the values the SDK gave them, which the
//! columns were built from: a present but empty element is `""` (not null), a present but
//! empty structure is `{}`, timestamps are re-printed as the SDK prints them.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::Value;

use super::api::{ApiError, EC2, items};
use super::json::{text, text_nonempty, time_opt};
use super::source::{AwsSource, is_not_found_code, qual_strings};
use crate::framework::{FetchError, ListRequest};

/// Largest page the Describe calls are asked for.
const PAGE_SIZE: &str = "1000";

/// One EC2 call in `region`: the `<ActionResponse>` element as JSON.
async fn call(
    src: &AwsSource,
    region: &str,
    action: &str,
    params: &[(String, String)],
) -> Result<Value, ApiError> {
    let params: Vec<(&str, String)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    src.call_query(&EC2, region, action, &params, &[]).await
}

/// One EC2 call; a failure is the framework's error for `ec2:<action>`.
pub(crate) async fn ec2_call(
    src: &AwsSource,
    region: &str,
    label: &str,
    params: &[(String, String)],
) -> Result<Value, FetchError> {
    call(src, region, action_of(label), params)
        .await
        .map_err(|e| e.into_fetch(label))
}

/// `DescribeVpcs` of the call's label `ec2:DescribeVpcs`. Call sites name the whole
/// label, as every AWS table does: `pathwarden doctor --print-policy aws` and its test
/// read the IAM actions the tables need from those literals.
fn action_of(label: &str) -> &str {
    label.strip_prefix("ec2:").unwrap_or(label)
}

/// One EC2 call by id; `None` when EC2 answers that the id does not exist or cannot
/// exist (`InvalidVpcID.NotFound`, `InvalidGroupId.Malformed`).
pub(crate) async fn ec2_get(
    src: &AwsSource,
    region: &str,
    label: &str,
    params: &[(String, String)],
) -> Result<Option<Value>, FetchError> {
    match call(src, region, action_of(label), params).await {
        Ok(v) => Ok(Some(v)),
        Err(e) if is_not_found_code(&e.code) => Ok(None),
        Err(e) => Err(e.into_fetch(label)),
    }
}

/// Parameters of one page of a Describe call: EC2 filters for the query's equality
/// constraints on `(column, filter name)` pairs, so that EC2 returns less (DataFusion
/// still checks every row), the page size and the continuation token.
pub(crate) fn list_params(
    req: &ListRequest,
    filters: &[(&str, &str)],
    token: Option<String>,
) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let constrained = filters.iter().filter_map(|(column, name)| {
        let values = qual_strings(req, column).filter(|v| !v.is_empty())?;
        Some((*name, values))
    });
    for (n, (name, values)) in constrained.enumerate() {
        let n = n + 1;
        params.push((format!("Filter.{n}.Name"), name.to_string()));
        for (m, value) in values.into_iter().enumerate() {
            params.push((format!("Filter.{n}.Value.{}", m + 1), value));
        }
    }
    params.push(("MaxResults".into(), PAGE_SIZE.into()));
    if let Some(t) = token {
        params.push(("NextToken".into(), t));
    }
    params
}

/// A list parameter with one value (`InstanceId.1=i-...`).
pub(crate) fn one(name: &str, value: &str) -> (String, String) {
    (format!("{name}.1"), value.to_string())
}

/// The items of a list member (`<groupSet><item>..</item></groupSet>`); empty when the
/// list is empty or missing.
pub(crate) fn items_at(v: &Value, key: &str) -> Vec<Value> {
    items(v.get(key))
}

/// A structure member, or null (whose members all read as missing).
pub(crate) fn member<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

/// Text of a member as the SDK read it: `""` for an empty element, `None` when missing.
pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Text of a member as a JSON string (empty included) or null.
pub(crate) fn text_at(v: &Value, key: &str) -> Value {
    text(str_at(v, key))
}

/// Text of a member, null when empty (EC2 sends empty elements for unset members).
pub(crate) fn text_nonempty_at(v: &Value, key: &str) -> Value {
    text_nonempty(str_at(v, key))
}

/// An integer member.
pub(crate) fn int_at(v: &Value, key: &str) -> Value {
    str_at(v, key)
        .and_then(|s| s.parse::<i64>().ok())
        .map(Value::from)
        .unwrap_or(Value::Null)
}

/// A boolean member (`true`/`false`).
pub(crate) fn bool_opt(v: &Value, key: &str) -> Option<bool> {
    str_at(v, key).and_then(|s| s.parse::<bool>().ok())
}

/// A boolean member as JSON.
pub(crate) fn bool_at(v: &Value, key: &str) -> Value {
    bool_opt(v, key).map(Value::Bool).unwrap_or(Value::Null)
}

/// A timestamp member, printed as the SDK prints timestamps (RFC 3339, no fraction when
/// it is zero: `2019-09-12T16:38:34Z`).
pub(crate) fn time_at(v: &Value, key: &str) -> Value {
    let t = str_at(v, key).and_then(|s| DateTime::from_str(s, Format::DateTime).ok());
    time_opt(t.as_ref())
}

/// An optional structure member built with `f`; null when missing.
pub(crate) fn object_at(v: &Value, key: &str, f: impl Fn(&Value) -> Value) -> Value {
    v.get(key).map(f).unwrap_or(Value::Null)
}

/// A tag list (`tagSet`) as `(key, value)` pairs.
pub(crate) fn ec2_tag_pairs(v: &Value) -> Vec<(String, String)> {
    items_at(v, "tagSet")
        .iter()
        .map(|t| {
            (
                str_at(t, "key").unwrap_or_default().to_string(),
                str_at(t, "value").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The `Name` tag, which Steampipe uses as the title of EC2 resources.
pub(crate) fn name_tag(v: &Value) -> Option<String> {
    items_at(v, "tagSet")
        .iter()
        .find(|t| str_at(t, "key") == Some("Name"))
        .and_then(|t| str_at(t, "value").map(str::to_string))
}

/// Insert `tags_src` and `tags` from the resource's `tagSet`.
pub(crate) fn put_ec2_tags(row: &mut crate::framework::Row, v: &Value) {
    let pairs = ec2_tag_pairs(v);
    super::json::put_tags(row, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::source::Quals;

    fn parse(xml: &str) -> Value {
        let doc = roxmltree::Document::parse(xml).unwrap();
        super::super::api::xml_to_json(doc.root_element(), &[], "item")
    }

    #[test]
    fn members_read_as_the_sdk_read_them() {
        let v = parse(
            "<DescribeInstancesResponse><reservationSet><item><ownerId>1</ownerId>\
             <instancesSet><item><reason/><stateReason/><amiLaunchIndex>0</amiLaunchIndex>\
             <ebsOptimized>false</ebsOptimized><launchTime>2020-09-13T12:26:40.000Z</launchTime>\
             <groupSet/><tagSet><item><key>Name</key><value>web</value></item></tagSet>\
             </item></instancesSet></item></reservationSet><nextToken/></DescribeInstancesResponse>",
        );
        let reservations = items_at(&v, "reservationSet");
        assert_eq!(reservations.len(), 1);
        let instances = items_at(&reservations[0], "instancesSet");
        assert_eq!(instances.len(), 1, "one item is still a list");
        let i = &instances[0];
        assert_eq!(text_at(i, "reason"), "", "an empty element is empty text");
        assert_eq!(text_nonempty_at(i, "reason"), Value::Null);
        assert_eq!(text_at(i, "kernelId"), Value::Null);
        assert_eq!(
            object_at(i, "stateReason", |s| {
                super::super::json::Obj::new()
                    .v("Code", text_at(s, "code"))
                    .build()
            }),
            serde_json::json!({}),
            "an empty structure is an empty object"
        );
        assert_eq!(int_at(i, "amiLaunchIndex"), 0);
        assert_eq!(bool_at(i, "ebsOptimized"), false);
        assert_eq!(time_at(i, "launchTime"), "2020-09-13T12:26:40Z");
        assert!(items_at(i, "groupSet").is_empty());
        assert_eq!(name_tag(i).as_deref(), Some("web"));
        assert_eq!(ec2_tag_pairs(i), [("Name".to_string(), "web".to_string())]);
    }

    #[test]
    fn filters_are_numbered_from_one() {
        let req = ListRequest {
            region: None,
            quals: Quals {
                equals: vec![
                    ("vpc_id".into(), vec!["vpc-1".into(), "vpc-2".into()]),
                    ("state".into(), vec!["available".into()]),
                    ("ignored".into(), vec!["x".into()]),
                ],
            },
        };
        let params = list_params(
            &req,
            &[
                ("state", "state"),
                ("owner_id", "owner-id"),
                ("vpc_id", "vpc-id"),
            ],
            Some("t".into()),
        );
        let want: Vec<(String, String)> = [
            ("Filter.1.Name", "state"),
            ("Filter.1.Value.1", "available"),
            ("Filter.2.Name", "vpc-id"),
            ("Filter.2.Value.1", "vpc-1"),
            ("Filter.2.Value.2", "vpc-2"),
            ("MaxResults", "1000"),
            ("NextToken", "t"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(params, want);
    }
}
