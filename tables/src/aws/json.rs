//! Building row values from SDK types.
//!
//! The Rust SDK's types are not `Serialize`; Steampipe's JSON columns carry the Go SDK's
//! structs, whose keys are the API's PascalCase member names. [`Obj`] builds such objects
//! field by field, leaving out members the API did not return.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::{Map, Value};

use crate::framework::Row;

/// RFC 3339 text of an SDK timestamp.
pub(crate) fn time(t: &DateTime) -> Value {
    t.fmt(Format::DateTime)
        .map(Value::String)
        .unwrap_or(Value::Null)
}

/// RFC 3339 text of an optional SDK timestamp.
pub(crate) fn time_opt(t: Option<&DateTime>) -> Value {
    t.map(time).unwrap_or(Value::Null)
}

/// Optional text as a JSON string or null.
pub(crate) fn text<S: AsRef<str>>(s: Option<S>) -> Value {
    s.map(|s| Value::String(s.as_ref().to_string()))
        .unwrap_or(Value::Null)
}

/// Text that is null when empty (EC2 returns "" for unset members).
pub(crate) fn text_nonempty<S: AsRef<str>>(s: Option<S>) -> Value {
    match s {
        Some(s) if !s.as_ref().is_empty() => Value::String(s.as_ref().to_string()),
        _ => Value::Null,
    }
}

/// A JSON object built member by member; `None`/null members are left out.
#[derive(Debug, Default)]
pub(crate) struct Obj(Map<String, Value>);

impl Obj {
    /// An empty object.
    pub(crate) fn new() -> Self {
        Obj(Map::new())
    }

    /// Add any JSON value (skipped when null).
    pub(crate) fn v(mut self, key: &str, v: Value) -> Self {
        if !v.is_null() {
            self.0.insert(key.to_string(), v);
        }
        self
    }

    /// Add text (SDK enums work too: they are `AsRef<str>`).
    pub(crate) fn s<S: AsRef<str>>(self, key: &str, v: Option<S>) -> Self {
        self.v(key, text(v))
    }

    /// Add a boolean.
    pub(crate) fn b(self, key: &str, v: Option<bool>) -> Self {
        self.v(key, v.map(Value::Bool).unwrap_or(Value::Null))
    }

    /// Add an integer.
    pub(crate) fn i<N: Into<i64>>(self, key: &str, v: Option<N>) -> Self {
        self.v(key, v.map(|n| Value::from(n.into())).unwrap_or(Value::Null))
    }

    /// Add a timestamp.
    pub(crate) fn t(self, key: &str, v: Option<&DateTime>) -> Self {
        self.v(key, time_opt(v))
    }

    /// Add an array built from items (kept even when empty, as the API returns it).
    pub(crate) fn a<T>(self, key: &str, items: &[T], f: impl Fn(&T) -> Value) -> Self {
        self.v(key, Value::Array(items.iter().map(f).collect()))
    }

    /// The object.
    pub(crate) fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// Array of items converted with `f`.
pub(crate) fn arr<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(f).collect())
}

/// Array of strings.
pub(crate) fn str_arr<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|s| Value::String(s.as_ref().to_string()))
            .collect(),
    )
}

/// `tags_src` (`[{Key, Value}]`) and `tags` (`{key: value}`) from key/value pairs.
pub(crate) fn tags<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> (Value, Value) {
    let mut src = Vec::new();
    let mut map = Map::new();
    for (k, v) in pairs {
        src.push(Obj::new().s("Key", Some(k)).s("Value", Some(v)).build());
        map.insert(k.to_string(), Value::String(v.to_string()));
    }
    (Value::Array(src), Value::Object(map))
}

/// Insert `tags_src` and `tags` into a row; tags are null when there are none, as in
/// Steampipe (IAM and EC2 return no tag list then).
pub(crate) fn put_tags<'a>(row: &mut Row, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
    let (src, map) = tags(pairs);
    let empty = src.as_array().is_none_or(|a| a.is_empty());
    row.insert("tags_src".into(), if empty { Value::Null } else { src });
    row.insert("tags".into(), if empty { Value::Null } else { map });
}

/// A row from `(column, value)` pairs.
pub(crate) fn row<const N: usize>(pairs: [(&str, Value); N]) -> Row {
    let mut r = Row::new();
    for (k, v) in pairs {
        r.insert(k.to_string(), v);
    }
    r
}

/// `ActiveAccessKeysPerUserQuota`-style names to `snake_case`, keeping acronyms together
/// (`AccountMFAEnabled` → `account_mfa_enabled`).
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = if i > 0 {
                chars.get(i - 1).copied()
            } else {
                None
            };
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_keeps_acronyms_together() {
        assert_eq!(snake_case("AccountMFAEnabled"), "account_mfa_enabled");
        assert_eq!(snake_case("MFADevicesInUse"), "mfa_devices_in_use");
        assert_eq!(
            snake_case("AccessKeysPerUserQuota"),
            "access_keys_per_user_quota"
        );
        assert_eq!(
            snake_case("GlobalEndpointTokenVersion"),
            "global_endpoint_token_version"
        );
        assert_eq!(snake_case("Users"), "users");
    }

    #[test]
    fn objects_skip_missing_members() {
        let o = Obj::new()
            .s("A", Some("x"))
            .s::<&str>("B", None)
            .b("C", Some(false))
            .i("D", None::<i32>)
            .build();
        assert_eq!(o, serde_json::json!({"A": "x", "C": false}));
        assert_eq!(
            Obj::new().s::<&str>("A", None).build(),
            serde_json::json!({})
        );
    }

    #[test]
    fn tags_both_shapes() {
        let (src, map) = tags([("Name", "web"), ("env", "prod")]);
        assert_eq!(
            src,
            serde_json::json!([{"Key": "Name", "Value": "web"}, {"Key": "env", "Value": "prod"}])
        );
        assert_eq!(map, serde_json::json!({"Name": "web", "env": "prod"}));
    }
}
