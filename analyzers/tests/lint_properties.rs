//! Property tests: the lint and the knowledge-base tokenizer never panic on odd input, and
//! findings always point at real statements.

use pathwarden_analyzers::kb::KnowledgeBase;
use pathwarden_analyzers::lint::{PolicyKind, lint_policy};
use proptest::prelude::*;
use serde_json::{Value, json};

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_string()),
        Just("iam:*".to_string()),
        Just("iam:PassRole".to_string()),
        Just("s3:GetObject".to_string()),
        Just("arn:aws:s3:::*".to_string()),
        Just("arn:aws:iam::*:role/x".to_string()),
        Just("sts:AssumeRole".to_string()),
        "[a-z0-9:*?/${}\\-]{0,24}",
        "\\PC{0,12}",
    ]
}

fn statement() -> impl Strategy<Value = Value> {
    (
        prop::bool::ANY,
        prop::bool::ANY,
        prop::collection::vec(piece(), 1..4),
        prop::collection::vec(piece(), 0..3),
        prop::option::of(piece()),
        prop::option::of((piece(), piece())),
    )
        .prop_map(
            |(allow, not_action, actions, resources, principal, condition)| {
                let mut s = json!({"Effect": if allow { "Allow" } else { "Deny" }});
                s[if not_action { "NotAction" } else { "Action" }] = json!(actions);
                if !resources.is_empty() {
                    s["Resource"] = json!(resources);
                }
                if let Some(p) = principal {
                    s["Principal"] = json!({"AWS": p});
                }
                if let Some((k, v)) = condition {
                    s["Condition"] = json!({"StringLike": {k: v}});
                }
                s
            },
        )
}

proptest! {
    #[test]
    fn lint_never_panics_and_indices_are_real(statements in prop::collection::vec(statement(), 0..5), kind in 0..3u8) {
        let kind = [PolicyKind::Identity, PolicyKind::Trust, PolicyKind::Resource][kind as usize];
        let doc = json!({"Version": "2012-10-17", "Statement": statements});
        for f in lint_policy("arn:aws:iam::111111111111:policy/p", &doc, kind) {
            if let Some(i) = f.statement_index {
                prop_assert!(i < statements.len(), "{f:?}");
            }
        }
    }

    #[test]
    fn knowledge_base_search_never_panics(query in "\\PC{0,64}") {
        let hits = KnowledgeBase::builtin().search(&query, 3);
        prop_assert!(hits.len() <= 3);
        prop_assert!(hits.windows(2).all(|w| w[0].1 >= w[1].1));
    }
}
