//! Small helpers shared by the demo generator: stable identifiers, timestamps, and the
//! Steampipe column conventions (tags, akas, common columns).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::framework::Row;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A digest of `parts`; identifiers derive from names rather than from the random
/// stream so that adding a principal never renumbers every other one.
fn digest(parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize().into()
}

/// An IAM unique id such as `AIDA` + 17 base32 characters (21 characters, like AWS's).
pub fn iam_id(prefix: &str, seed: &str) -> String {
    let d = digest(&[prefix, seed]);
    let mut s = String::with_capacity(21);
    s.push_str(prefix);
    for b in d.iter().take(21 - prefix.len()) {
        s.push(BASE32[(*b as usize) % 32] as char);
    }
    s
}

/// An access key id: `AKIA` + 16 characters.
pub fn access_key_id(seed: &str) -> String {
    let d = digest(&["akia", seed]);
    let mut s = String::from("AKIA");
    for b in d.iter().take(16) {
        s.push(BASE32[(*b as usize) % 32] as char);
    }
    s
}

/// An EC2-style id: `prefix-` + 17 hex digits.
pub fn ec2_id(prefix: &str, seed: &str) -> String {
    let d = hex::encode(digest(&[prefix, seed]));
    format!("{prefix}-{}", &d[..17])
}

/// Hex digits derived from a seed (SSO role suffixes, bucket suffixes).
pub fn hex_tag(seed: &str, len: usize) -> String {
    let d = hex::encode(digest(&["hex", seed]));
    d[..len.min(d.len())].to_string()
}

/// RFC 3339 text of `epoch` minus `seconds`.
pub fn ts(epoch: DateTime<Utc>, seconds_ago: i64) -> String {
    (epoch - Duration::seconds(seconds_ago)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Seconds in `d` days.
pub const fn days(d: i64) -> i64 {
    d * 86_400
}

/// `tags` (object) and `tags_src` (`[{"Key":..,"Value":..}]`) from pairs.
pub fn tags(pairs: &[(&str, &str)]) -> (Value, Value) {
    let mut obj = Map::new();
    let mut src = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        obj.insert((*k).to_string(), Value::String((*v).to_string()));
        src.push(json!({"Key": k, "Value": v}));
    }
    (Value::Object(obj), Value::Array(src))
}

/// Insert `tags` and `tags_src`.
pub fn put_tags(row: &mut Row, pairs: &[(&str, &str)]) {
    let (t, s) = tags(pairs);
    row.insert("tags".into(), t);
    row.insert("tags_src".into(), s);
}

/// Insert the standard Steampipe columns: `title`, `akas`, `partition`, `region`, `account_id`.
pub fn put_common(row: &mut Row, title: &str, aka: &str, region: &str, account_id: &str) {
    row.insert("title".into(), Value::String(title.to_string()));
    row.insert("akas".into(), json!([aka]));
    row.insert("partition".into(), Value::String("aws".into()));
    row.insert("region".into(), Value::String(region.to_string()));
    row.insert("account_id".into(), Value::String(account_id.to_string()));
}

/// Turn a `json!` object into a row (non-objects give an empty row, which the
/// column tests would catch).
pub fn obj(v: Value) -> Row {
    match v {
        Value::Object(m) => m,
        _ => Row::new(),
    }
}

/// Steampipe's `policy_std` form of a policy document.
pub fn policy_std(doc: &Value) -> Value {
    crate::aws::policy::canonical_policy(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_shaped_like_aws() {
        let a = iam_id("AIDA", "111111111111/alice");
        assert_eq!(a, iam_id("AIDA", "111111111111/alice"));
        assert_ne!(a, iam_id("AIDA", "111111111111/bob"));
        assert_eq!(a.len(), 21);
        assert_eq!(access_key_id("x").len(), 20);
        assert_eq!(ec2_id("sg", "x").len(), 20);
    }

    #[test]
    fn tags_have_both_shapes() {
        let (t, s) = tags(&[("Team", "data")]);
        assert_eq!(t, json!({"Team": "data"}));
        assert_eq!(s, json!([{"Key": "Team", "Value": "data"}]));
    }
}
