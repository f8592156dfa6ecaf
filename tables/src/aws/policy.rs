//! IAM policy documents: decoding what IAM returns and the canonical form behind the
//! `*_std` columns.
//!
//! The canonical form follows Steampipe's so that queries written against its `policy_std`
//! columns work unchanged:
//!
//! - `Statement` is always an array (a single statement object is wrapped);
//! - `Action` / `NotAction` become sorted, de-duplicated arrays of lower-cased strings
//!   (actions are case-insensitive, so lower-casing makes `?`/`@>` matches reliable);
//! - `Resource` / `NotResource` become sorted, de-duplicated arrays, case kept;
//! - `Principal` / `NotPrincipal`: `"*"` (or any bare string) becomes `{"AWS": ["*"]}`,
//!   each principal type's value becomes a sorted, de-duplicated array, case kept;
//! - `Condition`: operators are kept as written, condition keys are lower-cased (they are
//!   case-insensitive), values become sorted, de-duplicated arrays of strings
//!   (`true` → `"true"`, `10` → `"10"`);
//! - empty optional fields (`Sid`, `Id`, empty arrays, empty maps) are omitted; `Effect`
//!   and `Version` are always present.

use serde_json::{Map, Value};

/// Decode a policy document as IAM returns it (URL-encoded JSON) into JSON.
///
/// Text that already is JSON (starts with `{`) is parsed as is, so documents from
/// sources that decode for us (e.g. `get-account-authorization-details` output) work too.
/// Returns `Value::Null` when the text is not a JSON document.
pub fn decode_policy(url_encoded: &str) -> Value {
    let trimmed = url_encoded.trim();
    if trimmed.is_empty() {
        return Value::Null;
    }
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).unwrap_or(Value::Null);
    }
    // IAM encodes like Go's url.QueryEscape: '+' stands for a space.
    let spaced = trimmed.replace('+', " ");
    match urlencoding::decode(&spaced) {
        Ok(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

/// Canonical form of a policy document (see the module docs); `Value::Null` when `doc`
/// is not a JSON object.
pub fn canonical_policy(doc: &Value) -> Value {
    let Some(obj) = doc.as_object() else {
        return Value::Null;
    };
    let mut out = Map::new();
    if let Some(id) = obj.get("Id").map(scalar_text).filter(|s| !s.is_empty()) {
        out.insert("Id".into(), Value::String(id));
    }
    let statements = match obj.get("Statement") {
        Some(Value::Array(items)) => Value::Array(items.iter().map(canonical_statement).collect()),
        Some(single @ Value::Object(_)) => Value::Array(vec![canonical_statement(single)]),
        _ => Value::Null,
    };
    out.insert("Statement".into(), statements);
    let version = obj.get("Version").map(scalar_text).unwrap_or_default();
    out.insert("Version".into(), Value::String(version));
    Value::Object(out)
}

/// Canonical form of a document given as text, URL-encoded or not.
pub fn canonical_policy_text(text: &str) -> Value {
    match decode_policy(text) {
        Value::Null => Value::Null,
        doc => canonical_policy(&doc),
    }
}

fn canonical_statement(stmt: &Value) -> Value {
    let Some(s) = stmt.as_object() else {
        return stmt.clone();
    };
    let mut out = Map::new();
    // Field order mirrors Steampipe's output; jsonb does not keep it anyway.
    put_array(
        &mut out,
        "Action",
        s.get("Action").map(|v| string_set(v, true)),
    );
    if let Some(c) = s.get("Condition").and_then(canonical_condition) {
        out.insert("Condition".into(), c);
    }
    out.insert(
        "Effect".into(),
        Value::String(s.get("Effect").map(scalar_text).unwrap_or_default()),
    );
    put_array(
        &mut out,
        "NotAction",
        s.get("NotAction").map(|v| string_set(v, true)),
    );
    if let Some(p) = s.get("NotPrincipal").and_then(canonical_principal) {
        out.insert("NotPrincipal".into(), p);
    }
    put_array(
        &mut out,
        "NotResource",
        s.get("NotResource").map(|v| string_set(v, false)),
    );
    if let Some(p) = s.get("Principal").and_then(canonical_principal) {
        out.insert("Principal".into(), p);
    }
    put_array(
        &mut out,
        "Resource",
        s.get("Resource").map(|v| string_set(v, false)),
    );
    if let Some(sid) = s.get("Sid").map(scalar_text).filter(|x| !x.is_empty()) {
        out.insert("Sid".into(), Value::String(sid));
    }
    Value::Object(out)
}

fn put_array(out: &mut Map<String, Value>, key: &str, values: Option<Vec<String>>) {
    if let Some(v) = values.filter(|v| !v.is_empty()) {
        out.insert(
            key.into(),
            Value::Array(v.into_iter().map(Value::String).collect()),
        );
    }
}

fn canonical_principal(p: &Value) -> Option<Value> {
    match p {
        Value::String(s) => {
            let mut m = Map::new();
            m.insert("AWS".into(), Value::Array(vec![Value::String(s.clone())]));
            Some(Value::Object(m))
        }
        Value::Object(kinds) if !kinds.is_empty() => {
            let mut keys: Vec<&String> = kinds.keys().collect();
            keys.sort();
            let mut m = Map::new();
            for k in keys {
                let vals = string_set(&kinds[k], false);
                m.insert(
                    k.clone(),
                    Value::Array(vals.into_iter().map(Value::String).collect()),
                );
            }
            Some(Value::Object(m))
        }
        _ => None,
    }
}

fn canonical_condition(c: &Value) -> Option<Value> {
    let ops = c.as_object().filter(|o| !o.is_empty())?;
    let mut op_names: Vec<&String> = ops.keys().collect();
    op_names.sort();
    let mut out = Map::new();
    for op in op_names {
        let mut entries: Vec<(String, Vec<String>)> = match &ops[op] {
            Value::Object(keys) => keys
                .iter()
                .map(|(k, v)| (k.to_lowercase(), string_set(v, false)))
                .collect(),
            _ => Vec::new(),
        };
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut m = Map::new();
        for (k, v) in entries {
            m.insert(k, Value::Array(v.into_iter().map(Value::String).collect()));
        }
        out.insert(op.clone(), Value::Object(m));
    }
    Some(Value::Object(out))
}

/// A string or array of scalars as a sorted, de-duplicated list of strings.
fn string_set(v: &Value, lower: bool) -> Vec<String> {
    let mut items: Vec<String> = match v {
        Value::Null => Vec::new(),
        Value::Array(a) => a.iter().map(scalar_text).collect(),
        other => vec![scalar_text(other)],
    };
    if lower {
        for s in &mut items {
            *s = s.to_lowercase();
        }
    }
    items.sort();
    items.dedup();
    items
}

/// Text of a scalar the way policy authors mean it (`true` → "true", `10` → "10").
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn single_statement_becomes_array_and_actions_are_lowercased_sorted_unique() {
        let doc = json!({
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": ["S3:GetObject", "s3:getobject", "EC2:DescribeInstances"],
                "Resource": "arn:aws:s3:::Bucket/*"
            }
        });
        let std = canonical_policy(&doc);
        assert_eq!(
            std,
            json!({
                "Statement": [{
                    "Action": ["ec2:describeinstances", "s3:getobject"],
                    "Effect": "Allow",
                    "Resource": ["arn:aws:s3:::Bucket/*"]
                }],
                "Version": "2012-10-17"
            })
        );
    }

    #[test]
    fn principal_star_and_maps_become_arrays() {
        let doc = json!({
            "Version": "2012-10-17",
            "Id": "trust",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Sid": "Anyone"},
                {"Effect": "Deny", "NotPrincipal": {"Service": "ec2.amazonaws.com", "AWS": ["arn:aws:iam::1:root", "arn:aws:iam::1:root"]}, "NotAction": "IAM:*", "NotResource": ["b", "a"]}
            ]
        });
        let std = canonical_policy(&doc);
        assert_eq!(std["Id"], "trust");
        assert_eq!(std["Statement"][0]["Principal"], json!({"AWS": ["*"]}));
        assert_eq!(std["Statement"][0]["Action"], json!(["sts:assumerole"]));
        assert_eq!(std["Statement"][0]["Sid"], "Anyone");
        assert_eq!(
            std["Statement"][1]["NotPrincipal"],
            json!({"AWS": ["arn:aws:iam::1:root"], "Service": ["ec2.amazonaws.com"]})
        );
        assert_eq!(std["Statement"][1]["NotAction"], json!(["iam:*"]));
        assert_eq!(std["Statement"][1]["NotResource"], json!(["a", "b"]));
        assert!(std["Statement"][1].get("Principal").is_none());
        assert!(std["Statement"][1].get("Sid").is_none());
    }

    #[test]
    fn condition_keys_lowercased_values_stringified_arrays() {
        let doc = json!({
            "Statement": [{
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "Bool": {"aws:MultiFactorAuthPresent": true},
                    "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
                    "StringEquals": {"aws:PrincipalTag/Team": ["b", "a", "b"]}
                }
            }]
        });
        let std = canonical_policy(&doc);
        let cond = &std["Statement"][0]["Condition"];
        assert_eq!(
            cond["Bool"],
            json!({"aws:multifactorauthpresent": ["true"]})
        );
        assert_eq!(
            cond["NumericLessThan"],
            json!({"aws:multifactorauthage": ["3600"]})
        );
        assert_eq!(
            cond["StringEquals"],
            json!({"aws:principaltag/team": ["a", "b"]})
        );
        assert_eq!(std["Version"], "", "Version is always present");
    }

    #[test]
    fn canonical_form_is_idempotent() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["S3:Get*"], "Resource": "*", "Principal": {"AWS": "arn:aws:iam::1:root"}}]});
        let once = canonical_policy(&doc);
        assert_eq!(canonical_policy(&once), once);
    }

    #[test]
    fn non_objects_are_null() {
        assert_eq!(canonical_policy(&json!("text")), Value::Null);
        assert_eq!(
            canonical_policy(&json!({"Version": "2012-10-17"}))["Statement"],
            Value::Null
        );
    }

    #[test]
    fn decodes_url_encoded_and_plain_documents() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Amy+bucket%2F%2A%22%7D%5D%7D";
        let doc = decode_policy(encoded);
        assert_eq!(doc["Statement"][0]["Action"], "s3:GetObject");
        assert_eq!(doc["Statement"][0]["Resource"], "arn:aws:s3:::my bucket/*");
        let plain = decode_policy(r#"{"Version":"2012-10-17","Statement":[]}"#);
        assert_eq!(plain["Version"], "2012-10-17");
        assert_eq!(decode_policy("%7Bnot json"), Value::Null);
        assert_eq!(decode_policy(""), Value::Null);
        assert_eq!(
            canonical_policy_text(encoded)["Statement"][0]["Action"],
            json!(["s3:getobject"])
        );
    }
}
