//! Cypher generated from the declared schema, and the rows its parameters carry.
//!
//! Labels, relationship types and property names come only from [`crate::schema`]
//! (checked to be plain identifiers by the schema's tests); every value travels as a
//! parameter (`$rows`, `$tag`).

use serde_json::{Map, Value};

use crate::model::{Edge, Graph, Node};
use crate::schema::{EdgeKind, NodeKind, PropType};

/// MERGE of one batch of nodes of one kind. Parameters: `$rows` (`[{key, props}]`), `$tag`.
pub fn merge_nodes(kind: NodeKind) -> String {
    let d = kind.def();
    format!(
        "UNWIND $rows AS row MERGE (n:{label} {{{key}: row.key}}) SET n += row.props, n.update_tag = $tag",
        label = d.label,
        key = d.key_property
    )
}

/// MERGE of one batch of edges of one kind between two node kinds. Parameters: `$rows`
/// (`[{source, target, merge, props}]`), `$tag`.
pub fn merge_edges(kind: EdgeKind, from: NodeKind, to: NodeKind) -> String {
    let d = kind.def();
    let merge: Vec<String> = d
        .merge_keys
        .iter()
        .map(|k| format!("{k}: row.merge.{k}"))
        .collect();
    let merge = if merge.is_empty() {
        String::new()
    } else {
        format!(" {{{}}}", merge.join(", "))
    };
    format!(
        "UNWIND $rows AS row MATCH (a:{from} {{{fk}: row.source}}) MATCH (b:{to} {{{tk}: row.target}}) \
         MERGE (a)-[r:{rel}{merge}]->(b) SET r += row.props, r.update_tag = $tag",
        from = from.label(),
        fk = from.def().key_property,
        to = to.label(),
        tk = to.def().key_property,
        rel = d.label,
    )
}

/// Deletes relationships of one kind not written by the sync tagged `$tag`; returns the count.
pub fn remove_stale_edges(kind: EdgeKind) -> String {
    format!(
        "MATCH ()-[r:{}]->() WHERE r.update_tag <> $tag DELETE r RETURN count(r)",
        kind.label()
    )
}

/// Deletes nodes of one kind not written by the sync tagged `$tag`; returns the count.
pub fn remove_stale_nodes(kind: NodeKind) -> String {
    format!(
        "MATCH (n:{}) WHERE n.update_tag <> $tag DETACH DELETE n RETURN count(n)",
        kind.label()
    )
}

/// Neo4j 4.4/5.x: a uniqueness constraint per node kind (it brings its own index) and an
/// index on `update_tag` for the stale-removal pass.
pub fn neo4j_schema() -> Vec<String> {
    let mut out = Vec::new();
    for k in NodeKind::ALL {
        let d = k.def();
        out.push(format!(
            "CREATE CONSTRAINT pathwarden_{l}_key IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE",
            l = d.label.to_ascii_lowercase(),
            label = d.label,
            key = d.key_property
        ));
        out.push(format!(
            "CREATE INDEX pathwarden_{l}_tag IF NOT EXISTS FOR (n:{label}) ON (n.update_tag)",
            l = d.label.to_ascii_lowercase(),
            label = d.label
        ));
    }
    out
}

/// Every statement the Neo4j sink sends in a sync: the schema, a node MERGE per node kind,
/// an edge MERGE per declared (edge kind, source kind, target kind), and the stale-data
/// cleanup per kind. (What the tests check with Neo4j's own Cypher linter.)
pub fn neo4j_statements() -> Vec<String> {
    let mut out = neo4j_schema();
    out.extend(NodeKind::ALL.into_iter().map(merge_nodes));
    for kind in EdgeKind::ALL {
        let d = kind.def();
        for &from in d.from {
            for &to in d.to {
                out.push(merge_edges(kind, from, to));
            }
        }
    }
    out.extend(EdgeKind::ALL.into_iter().map(remove_stale_edges));
    out.extend(NodeKind::ALL.into_iter().map(remove_stale_nodes));
    out
}

/// Property keys the mirror's Cypher names: node keys, `name`, `account_id`, declared node
/// and edge properties, `conditional`, `evidence`, `update_tag`, and the keys of the
/// `$rows` maps (`key`, `props`, `source`, `target`, `merge`).
pub fn property_keys() -> Vec<&'static str> {
    let mut keys = vec![
        "key",
        "props",
        "source",
        "target",
        "merge",
        "name",
        "account_id",
        "conditional",
        "evidence",
        "update_tag",
    ];
    for k in NodeKind::ALL {
        keys.push(k.def().key_property);
        keys.extend(k.def().properties.iter().map(|p| p.name));
    }
    for k in EdgeKind::ALL {
        keys.extend(k.def().properties.iter().map(|p| p.name));
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// FalkorDB: an exact-match index per node kind on its key and on `update_tag` (the
/// uniqueness constraint is a separate command, see the RESP sink).
pub fn falkordb_indexes() -> Vec<String> {
    let mut out = Vec::new();
    for k in NodeKind::ALL {
        let d = k.def();
        out.push(format!(
            "CREATE INDEX FOR (n:{}) ON (n.{})",
            d.label, d.key_property
        ));
        out.push(format!(
            "CREATE INDEX FOR (n:{}) ON (n.update_tag)",
            d.label
        ));
    }
    out
}

/// Property values as graph databases store them: no nested maps, so JSON goes as text.
fn flatten(value: &Value, ty: PropType) -> Value {
    match (ty, value) {
        (_, Value::Null) => Value::Null,
        (PropType::Json, v) => Value::String(v.to_string()),
        (PropType::TextList, Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(|s| Value::String(s.to_string()))
                        .unwrap_or(Value::String(i.to_string()))
                })
                .collect(),
        ),
        (_, Value::Object(_)) | (_, Value::Array(_)) => Value::String(value.to_string()),
        (_, v) => v.clone(),
    }
}

/// Row for [`merge_nodes`].
pub fn node_row(n: &Node) -> Value {
    let d = n.kind.def();
    let mut props = Map::new();
    props.insert("name".into(), Value::String(n.name.clone()));
    props.insert("account_id".into(), Value::String(n.account_id.clone()));
    for p in d.properties {
        if let Some(v) = n.props.get(p.name) {
            props.insert(p.name.into(), flatten(v, p.ty));
        }
    }
    let mut row = Map::new();
    row.insert("key".into(), Value::String(n.key.clone()));
    row.insert("props".into(), Value::Object(props));
    Value::Object(row)
}

/// Row for [`merge_edges`].
pub fn edge_row(g: &Graph, e: &Edge) -> Value {
    let d = e.kind.def();
    let mut props = Map::new();
    for p in d.properties {
        if let Some(v) = e.props.get(p.name) {
            props.insert(p.name.into(), flatten(v, p.ty));
        }
    }
    props.insert("conditional".into(), Value::Bool(e.conditional));
    props.insert(
        "evidence".into(),
        Value::String(serde_json::to_string(&e.evidence[..]).unwrap_or_default()),
    );
    let mut merge = Map::new();
    for k in d.merge_keys {
        // A missing merge key would make MERGE match on null and fail; use "".
        merge.insert(
            (*k).into(),
            props
                .get(*k)
                .cloned()
                .filter(|v| !v.is_null())
                .unwrap_or(Value::String(String::new())),
        );
    }
    let mut row = Map::new();
    row.insert("source".into(), Value::String(g.node(e.source).key.clone()));
    row.insert("target".into(), Value::String(g.node(e.target).key.clone()));
    row.insert("merge".into(), Value::Object(merge));
    row.insert("props".into(), Value::Object(props));
    Value::Object(row)
}

/// A value as a Cypher literal, for FalkorDB's `CYPHER name=value` parameter header.
/// Strings are double-quoted with backslash escapes; map keys are backtick-quoted unless
/// they are plain identifiers. Non-finite floats become null (Cypher has no literal for
/// them); control characters other than tab, newline and carriage return, which FalkorDB's
/// string literals cannot escape, become U+FFFD.
pub fn literal(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                match n.as_f64().filter(|f| f.is_finite()) {
                    Some(f) => out.push_str(&format!("{f:?}")),
                    None => out.push_str("null"),
                }
            }
        }
        Value::String(s) => string_literal(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                literal(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                identifier(k, out);
                out.push(':');
                literal(item, out);
            }
            out.push('}');
        }
    }
}

fn string_literal(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A name as a Cypher identifier: as is when plain, else backtick-quoted (backticks doubled).
pub fn identifier(name: &str, out: &mut String) {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        out.push_str(name);
    } else {
        out.push('`');
        for c in name.chars() {
            if c == '`' {
                out.push_str("``");
            } else if c.is_control() {
                out.push('\u{fffd}');
            } else {
                out.push(c);
            }
        }
        out.push('`');
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn lit(v: Value) -> String {
        let mut s = String::new();
        literal(&v, &mut s);
        s
    }

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(lit(json!("a\"b\\c\nd")), r#""a\"b\\c\nd""#);
        assert_eq!(lit(json!("x\" RETURN 1 //")), r#""x\" RETURN 1 //""#);
        assert_eq!(
            lit(json!({"a b": [1, 2.5, null, true]})),
            "{`a b`:[1,2.5,null,true]}"
        );
        assert_eq!(lit(json!({"we`ird": 1})), "{`we``ird`:1}");
        assert_eq!(lit(json!("\u{1}")), "\"\u{fffd}\"");
    }

    #[test]
    fn statements_use_parameters_only() {
        for k in NodeKind::ALL {
            let q = merge_nodes(k);
            assert!(
                q.contains("$rows") && q.contains("$tag") && !q.contains('\''),
                "{q}"
            );
        }
        let q = merge_edges(EdgeKind::CanEscalate, NodeKind::User, NodeKind::Admin);
        assert!(
            q.contains("MERGE (a)-[r:CAN_ESCALATE {technique: row.merge.technique}]->(b)"),
            "{q}"
        );
    }
}
