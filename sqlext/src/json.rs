//! PostgreSQL `jsonb` semantics over `serde_json::Value`.
//!
//! JSON values travel through DataFusion as UTF-8 text. Every function that
//! produces JSON renders it the way PostgreSQL prints `jsonb` (object keys in
//! jsonb storage order, `", "` and `": "` separators) so results match what
//! Steampipe, which runs on PostgreSQL, returns for the same query.

use std::cmp::Ordering;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

use crate::SqlExtError;

/// Parses JSON text, naming the SQL function or operator in the error.
pub(crate) fn parse(text: &str, context: &str) -> Result<Value, SqlExtError> {
    serde_json::from_str(text).map_err(|e| SqlExtError::InvalidJson {
        context: context.to_string(),
        message: e.to_string(),
    })
}

/// PostgreSQL orders jsonb object keys by length first, then bytewise; output
/// and `jsonb_each`/`jsonb_object_keys` follow that order.
pub(crate) fn key_order(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// Object entries in jsonb storage order.
pub(crate) fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| key_order(a.0, b.0));
    entries
}

/// Renders a value as PostgreSQL's `jsonb` output function does.
pub(crate) fn render(value: &Value) -> String {
    let mut out = String::new();
    render_into(value, &mut out);
    out
}

fn render_into(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in sorted_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_string(k, out);
                out.push_str(": ");
                render_into(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(v, out);
            }
            out.push(']');
        }
        Value::String(s) => render_string(s, out),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
    }
}

fn render_string(s: &str, out: &mut String) {
    // The escapes of serde_json, which are PostgreSQL's escape_json: `"`, `\\`, the short
    // forms of \b \f \n \r \t, and `\u00xx` for the other control characters.
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            c if c < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if short.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Renders a value as `jsonb_pretty` does: four-space indentation.
pub(crate) fn render_pretty(value: &Value) -> String {
    let mut out = String::new();
    pretty_into(value, 0, &mut out);
    out
}

fn pretty_into(value: &Value, depth: usize, out: &mut String) {
    let indent = |out: &mut String, d: usize| {
        for _ in 0..d {
            out.push_str("    ");
        }
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            let entries = sorted_entries(map);
            let n = entries.len();
            for (i, (k, v)) in entries.into_iter().enumerate() {
                indent(out, depth + 1);
                render_string(k, out);
                out.push_str(": ");
                pretty_into(v, depth + 1, out);
                if i + 1 < n {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(out, depth);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            let n = items.len();
            for (i, v) in items.iter().enumerate() {
                indent(out, depth + 1);
                pretty_into(v, depth + 1, out);
                if i + 1 < n {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(out, depth);
            out.push(']');
        }
        other => render_into(other, out),
    }
}

/// The text form used by `->>`, `#>>` and the `_text` functions: strings
/// without quotes, JSON null as SQL NULL, everything else as jsonb text.
pub(crate) fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(render(other)),
    }
}

/// `jsonb_typeof`.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
    }
}

/// `json -> 'key'`: objects only; anything else yields NULL, as in PostgreSQL.
pub(crate) fn get_key<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(key),
        _ => None,
    }
}

/// `json -> n`: arrays only; negative indexes count from the end.
pub(crate) fn get_index(value: &Value, index: i64) -> Option<&Value> {
    match value {
        Value::Array(items) => {
            let len = i64::try_from(items.len()).ok()?;
            let idx = if index < 0 { len + index } else { index };
            if idx < 0 {
                return None;
            }
            items.get(usize::try_from(idx).ok()?)
        }
        _ => None,
    }
}

/// `json #> '{a,0,b}'`: each step is a key for objects and an integer index
/// for arrays; a step that does not apply yields NULL.
pub(crate) fn get_path<'a, S: AsRef<str>>(value: &'a Value, path: &[S]) -> Option<&'a Value> {
    let mut current = value;
    for step in path {
        let step = step.as_ref();
        current = match current {
            Value::Object(map) => map.get(step)?,
            Value::Array(_) => get_index(current, step.trim().parse::<i64>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn numbers_equal(a: &Number, b: &Number) -> bool {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x == y;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Scalar equality as jsonb compares scalars (numbers by numeric value).
fn scalars_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        _ => false,
    }
}

fn is_container(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Array(_))
}

/// `a @> b` with PostgreSQL's jsonb containment rules.
///
/// At the top level a scalar is stored by PostgreSQL as a one-element "raw
/// scalar" array, which is why `'["a","b"]' @> '"a"'` is true while
/// `'"a"' @> '["a"]'` is false; below the top level no such exception exists.
pub(crate) fn contains(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(_), Value::Object(_)) => deep_contains(a, b),
        (Value::Object(_), _) | (_, Value::Object(_)) => false,
        (Value::Array(_), Value::Array(_)) => deep_contains(a, b),
        (Value::Array(items), scalar) => items
            .iter()
            .any(|item| !is_container(item) && scalars_equal(item, scalar)),
        // A raw scalar never contains an array.
        (_, Value::Array(_)) => false,
        (x, y) => scalars_equal(x, y),
    }
}

fn deep_contains(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(am), Value::Object(bm)) => bm.iter().all(|(k, bv)| match am.get(k) {
            None => false,
            Some(av) => match (is_container(av), is_container(bv)) {
                (true, true) => deep_contains(av, bv),
                (false, false) => scalars_equal(av, bv),
                _ => false,
            },
        }),
        (Value::Array(ai), Value::Array(bi)) => bi.iter().all(|bv| {
            if is_container(bv) {
                ai.iter().any(|av| {
                    std::mem::discriminant(av) == std::mem::discriminant(bv)
                        && deep_contains(av, bv)
                })
            } else {
                ai.iter()
                    .any(|av| !is_container(av) && scalars_equal(av, bv))
            }
        }),
        _ => false,
    }
}

/// `json ? 'k'`: top-level key of an object, string element of an array, or
/// the string itself for a scalar string.
pub(crate) fn exists(value: &Value, key: &str) -> bool {
    match value {
        Value::Object(map) => map.contains_key(key),
        Value::Array(items) => items
            .iter()
            .any(|v| matches!(v, Value::String(s) if s == key)),
        Value::String(s) => s == key,
        _ => false,
    }
}

/// `jsonb_strip_nulls`: drops object fields whose value is null, recursively;
/// array elements are kept, as in PostgreSQL.
pub(crate) fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

/// Parses a PostgreSQL text-array literal such as `{Statement,0,"a b"}`, as
/// used by `#>`, `#>>`, `?|` and `?&`. Elements are never NULL here: a bare
/// `NULL` element is rejected because PostgreSQL rejects it in paths too.
pub(crate) fn parse_text_array(literal: &str) -> Result<Vec<String>, SqlExtError> {
    let bad = |why: &str| SqlExtError::InvalidTextArray {
        literal: literal.to_string(),
        reason: why.to_string(),
    };
    let trimmed = literal.trim();
    let inner = trimmed
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .ok_or_else(|| bad("must start with \"{\" and end with \"}\""))?;
    let mut items = Vec::new();
    if inner.trim().is_empty() {
        return Ok(items);
    }
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut item = String::new();
        let mut quoted = false;
        if chars.peek() == Some(&'"') {
            quoted = true;
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(bad("unterminated quoted element")),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c) => item.push(c),
                        None => return Err(bad("dangling backslash")),
                    },
                    Some(c) => item.push(c),
                }
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                if c == '{' || c == '}' || c == '"' {
                    return Err(bad("nested or misplaced braces/quotes"));
                }
                if c == '\\' {
                    chars.next();
                    match chars.next() {
                        Some(e) => item.push(e),
                        None => return Err(bad("dangling backslash")),
                    }
                    continue;
                }
                item.push(c);
                chars.next();
            }
            item = item.trim_end().to_string();
            if item.is_empty() {
                return Err(bad("empty element"));
            }
            if item.eq_ignore_ascii_case("null") {
                return Err(bad("NULL elements are not allowed"));
            }
        }
        let _ = quoted;
        items.push(item);
        match chars.next() {
            None => break,
            Some(',') => continue,
            Some(_) => return Err(bad("expected \",\" between elements")),
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_like_postgres_jsonb() {
        let v = json!({"bb": 1, "a": [1, "x", null], "ccc": {"z": true, "y": false}});
        assert_eq!(
            render(&v),
            r#"{"a": [1, "x", null], "bb": 1, "ccc": {"y": false, "z": true}}"#
        );
    }

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        for s in [
            "plain",
            "q\"b\\s",
            "\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}",
            "é/ü€",
            "",
        ] {
            let mut out = String::new();
            render_string(s, &mut out);
            assert_eq!(out, serde_json::to_string(s).unwrap());
        }
        let v = json!([1.5, -2, 100.0, 0.1, 12345678901234567i64, 1e300]);
        assert_eq!(
            render(&v),
            "[1.5, -2, 100.0, 0.1, 12345678901234567, 1e+300]"
        );
    }

    #[test]
    fn pretty_matches_postgres_layout() {
        let v = json!({"a": [1, {}], "b": []});
        assert_eq!(
            render_pretty(&v),
            "{\n    \"a\": [\n        1,\n        {}\n    ],\n    \"b\": []\n}"
        );
    }

    #[test]
    fn containment_follows_postgres_rules() {
        assert!(contains(&json!(["a", "b"]), &json!("a")));
        assert!(!contains(&json!("a"), &json!(["a"])));
        assert!(contains(&json!({"a": 1, "b": 2}), &json!({"a": 1})));
        assert!(!contains(&json!({"a": [1, 2]}), &json!({"a": 1})));
        assert!(contains(&json!({"a": [1, 2]}), &json!({"a": [2]})));
        assert!(contains(&json!([[1, 2], [3]]), &json!([[1]])));
        assert!(!contains(&json!([1, [2]]), &json!([2])));
        assert!(contains(&json!([{"a": 1, "b": 2}]), &json!([{"a": 1}])));
        assert!(!contains(&json!([{"a": 1}]), &json!({"a": 1})));
        assert!(contains(&json!(1.0), &json!(1)));
        assert!(contains(&json!([]), &json!([])));
        assert!(!contains(
            &json!({"foo": {"bar": "baz"}}),
            &json!({"bar": "baz"})
        ));
    }

    #[test]
    fn parses_text_array_literals() {
        assert_eq!(
            parse_text_array("{Statement, 0,\"a b\"}").ok(),
            Some(vec![
                "Statement".to_string(),
                "0".to_string(),
                "a b".to_string()
            ])
        );
        assert_eq!(parse_text_array("{}").ok(), Some(vec![]));
        assert!(parse_text_array("Statement").is_err());
        assert!(parse_text_array("{a,NULL}").is_err());
    }

    #[test]
    fn paths_and_indexes() {
        let v = json!({"S": [{"E": "Allow"}, {"E": "Deny"}]});
        assert_eq!(get_path(&v, &["S", "-1", "E"]), Some(&json!("Deny")));
        assert_eq!(get_path(&v, &["S", "x"]), None);
        assert_eq!(get_index(&json!([1, 2]), 5), None);
    }
}
