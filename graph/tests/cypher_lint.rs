//! Every Cypher statement the Neo4j sink sends, and the README's Neo4j-browser queries,
//! checked by Neo4j's own Cypher language support (`@neo4j-cypher/language-support`, the
//! linter of the Neo4j browser, for Cypher 5) — no Neo4j server needed.
//!
//! The linter is an npm package installed in `tests/cypher-lint` (scripts/test runs
//! `npm install` there); it runs under node.

use std::path::{Path, PathBuf};
use std::process::Command;

use pathwarden_graph::mirror::cypher;
use pathwarden_graph::schema::{EdgeKind, NodeKind};
use serde_json::{Value, json};

fn lint_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cypher-lint")
}

/// The ```cypher blocks of a Markdown file, one statement per non-comment line.
fn markdown_cypher(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    let mut in_block = false;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("```") {
            in_block = !in_block && t == "```cypher";
            continue;
        }
        if in_block && !t.is_empty() && !t.starts_with("//") {
            out.push((format!("{}:{}", path.display(), n + 1), t.to_string()));
        }
    }
    out
}

/// Runs the linter on `statements`; returns (exit code, output).
fn lint(statements: &[(String, String)]) -> (i32, String) {
    let dir = lint_dir();
    assert!(
        dir.join("node_modules/@neo4j-cypher/language-support")
            .is_dir(),
        "the Cypher linter is not installed: run `npm install` in {} (scripts/test does)",
        dir.display()
    );
    let labels: Vec<&str> = NodeKind::ALL.iter().map(|k| k.label()).collect();
    let rels: Vec<&str> = EdgeKind::ALL.iter().map(|k| k.label()).collect();
    let input = json!({
        "schema": {
            "labels": labels,
            "relationshipTypes": rels,
            "propertyKeys": cypher::property_keys(),
            "parameters": {"rows": [], "tag": 0},
        },
        "statements": statements
            .iter()
            .map(|(source, cypher)| json!({"source": source, "cypher": cypher}))
            .collect::<Vec<Value>>(),
    });
    let file = std::env::temp_dir().join(format!(
        "pathwarden-cypher-lint-{}.json",
        std::process::id()
    ));
    std::fs::write(&file, input.to_string()).expect("write lint input");
    let out = Command::new("node")
        .arg(dir.join("lint.mjs"))
        .arg(&file)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("node (needed for the Cypher linter) did not start: {e}"));
    let _ = std::fs::remove_file(&file);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn every_statement_the_neo4j_sink_sends_passes_the_cypher_linter() {
    let statements: Vec<(String, String)> = cypher::neo4j_statements()
        .into_iter()
        .map(|c| ("neo4j sink".to_string(), c))
        .collect();
    assert!(statements.len() > 30, "{} statements", statements.len());
    let (code, out) = lint(&statements);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "{} statements checked, 0 problems",
            statements.len()
        )),
        "{out}"
    );
}

#[test]
fn readme_browser_queries_pass_the_cypher_linter() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let statements = markdown_cypher(&readme);
    assert!(
        statements.len() >= 4,
        "README has {} Cypher queries",
        statements.len()
    );
    let (code, out) = lint(&statements);
    assert_eq!(code, 0, "{out}");
}

/// The check can fail: a syntax error and a label the schema does not declare are both
/// reported.
#[test]
fn the_linter_rejects_broken_cypher_and_unknown_labels() {
    let (code, out) = lint(&[
        ("broken".into(), "MATCH (n:User RETURN n".into()),
        ("typo".into(), "MATCH (n:Usr) RETURN n.arn".into()),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error: broken"), "{out}");
    assert!(
        out.contains("warning: typo") && out.contains("Usr"),
        "{out}"
    );
}
