//! Cross-account paths: a principal already admin of one account reaches admin of another
//! through roles there that trust its account (the admin can act as any of its
//! principals), and `attack_path` says which account's admin each row reaches.

mod common;

use std::collections::BTreeSet;

use common::{demo_context, sql};
use pathwarden_graph::paths;
use pathwarden_graph::schema::{EdgeKind, NodeKind};
use serde_json::Value;

const PROD: &str = "111111111111";
const DEV: &str = "222222222222";

/// (trusted account, role ARN) for every role whose trust policy names another account of
/// the input (its root or one of its principals) in an Allow: unconditional ones first,
/// those with a Condition second.
async fn trusted_by_other_accounts(
    ctx: &datafusion::prelude::SessionContext,
) -> (BTreeSet<(String, String)>, BTreeSet<(String, String)>) {
    let accounts: BTreeSet<String> = sql(ctx, "select distinct account_id from demo.aws_iam_role")
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let (mut out, mut conditioned) = (BTreeSet::new(), BTreeSet::new());
    for r in sql(
        ctx,
        "select arn, account_id, assume_role_policy from demo.aws_iam_role",
    )
    .await
    {
        let doc: Value = serde_json::from_str(&r[2]).unwrap_or(Value::Null);
        let statements = match &doc["Statement"] {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        for st in statements {
            if st["Effect"] != "Allow" {
                continue;
            }
            let set = if st.get("Condition").is_some() {
                &mut conditioned
            } else {
                &mut out
            };
            let aws = match &st["Principal"]["AWS"] {
                Value::Array(a) => a.clone(),
                Value::String(s) => vec![Value::String(s.clone())],
                _ => continue,
            };
            for p in aws.iter().filter_map(Value::as_str) {
                let acct = p.split(':').nth(4).unwrap_or(p).to_string();
                if acct != r[1] && accounts.contains(&acct) {
                    set.insert((acct, r[0].clone()));
                }
            }
        }
    }
    (out, conditioned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_of_one_account_reaches_admin_of_an_account_that_trusts_it() {
    let ctx = demo_context(300);
    let g = pathwarden_graph::build(&ctx, "demo").await.expect("build");
    // Every edge out of an Admin node is a cross-account AssumeRole into a role that
    // trusts that admin's account — and every such trust has its edge.
    let mut from_admins = BTreeSet::new();
    let mut conditional_edges = BTreeSet::new();
    for (id, n) in g.nodes().iter().enumerate() {
        if n.kind != NodeKind::Admin {
            continue;
        }
        for &(t, e) in g.out_edges(id as u32) {
            let edge = g.edge(e);
            assert_eq!(edge.kind, EdgeKind::CanAssume);
            assert_eq!(
                edge.technique.as_deref(),
                Some("sts-assume-role-cross-account-admin")
            );
            let pair = (n.account_id.clone(), g.node(t).key.clone());
            if edge.conditional {
                conditional_edges.insert(pair.clone());
            }
            from_admins.insert(pair);
        }
    }
    let (want, conditioned) = trusted_by_other_accounts(&ctx).await;
    assert!(!want.is_empty(), "the demo plants a cross-account trust");
    assert!(
        want.is_subset(&from_admins),
        "missing: {:?}",
        want.difference(&from_admins).collect::<Vec<_>>()
    );
    // The planted one: production's deploy role trusts the dev account's root.
    let planted = format!("arn:aws:iam::{PROD}:role/xacct-trust-dev-root");
    assert!(from_admins.contains(&(DEV.to_string(), planted.clone())));
    // Near miss: no account's admin reaches a role that does not trust its account, and a
    // trust only under conditions gives a conditional edge.
    for pair in &from_admins {
        assert!(
            want.contains(pair) || (conditioned.contains(pair) && conditional_edges.contains(pair)),
            "{pair:?}: an admin edge into a role that does not trust the account unconditionally"
        );
    }

    // A dev administrator: its paths reach dev's admin and, through the trust, prod's.
    let dev_admin = g
        .nodes()
        .iter()
        .enumerate()
        .find(|(id, n)| {
            n.kind.is_principal()
                && n.account_id == DEV
                && paths::paths_to_admin_from(&g, *id as u32)
                    .iter()
                    .any(|p| p.edges.len() == 1 && !p.conditional)
        })
        .map(|(id, n)| (id as u32, n.key.clone()))
        .expect("the dev account has an administrator");
    let reached: Vec<String> = paths::paths_to_admin_from(&g, dev_admin.0)
        .iter()
        .map(|p| g.node(p.target).account_id.clone())
        .collect();
    assert!(
        reached.contains(&DEV.to_string()) && reached.contains(&PROD.to_string()),
        "{reached:?}"
    );

    // attack_path names the account each row's admin belongs to.
    let schema = std::sync::Arc::new(datafusion::catalog::MemorySchemaProvider::new());
    let handle = std::sync::Arc::new(pathwarden_graph::GraphHandle::new("demo", move || {
        demo_context(300)
    }));
    pathwarden_graph::register_tables(schema.as_ref(), handle).expect("register");
    let sctx = datafusion::prelude::SessionContext::new();
    sctx.catalog("datafusion")
        .expect("catalog")
        .register_schema("pathwarden", schema)
        .expect("schema");
    let rows = sql(
        &sctx,
        &format!(
            "select source_account, target_account, techniques from pathwarden.attack_path where source_arn = '{}' order by target_account",
            dev_admin.1
        ),
    )
    .await;
    let targets: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(targets, vec![PROD, DEV], "{rows:?}");
    assert!(rows.iter().all(|r| r[0] == DEV));
    assert!(
        rows[0][2].contains("sts-assume-role-cross-account"),
        "{rows:?}"
    );
}
