//! The yardstick of "who can become admin": a GAAD export of an account built from the
//! public escalation catalogues (iam-vulnerable's 31 paths, two-step takeovers and
//! resource techniques from pathfinding.cloud, and near misses). Each scenario user is
//! expected to reach admin unconditionally, only conditionally (a technique on a resource
//! the export cannot list), or not at all.
//!
//! Regenerate nothing by hand: the fixture's expectations sit next to it in
//! `fixtures/escalation_catalogue_expected.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::prelude::SessionContext;
use pathwarden_graph::paths;
use pathwarden_graph::schema::{EdgeKind, NodeKind};
use pathwarden_tables::catalog::TablesSchema;
use pathwarden_tables::framework::{ConnectionRuntime, ErrorLog, RuntimeOptions};
use pathwarden_tables::gaad;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn context() -> SessionContext {
    let source = gaad::load("offline", &fixture("escalation_catalogue_gaad.json"), None)
        .unwrap_or_else(|e| panic!("{e}"));
    let rt = ConnectionRuntime::new(
        Arc::new(source),
        RuntimeOptions::default(),
        Arc::new(ErrorLog::default()),
    );
    let ctx = SessionContext::new();
    let catalog = ctx
        .catalog("datafusion")
        .unwrap_or_else(|| panic!("default catalog"));
    catalog
        .register_schema("offline", Arc::new(TablesSchema::for_connection(&rt)))
        .unwrap_or_else(|e| panic!("register schema: {e}"));
    ctx
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Admin,
    Conditional,
    None,
}

fn outcome_of(expect: &str) -> Outcome {
    match expect {
        "admin" => Outcome::Admin,
        "conditional" => Outcome::Conditional,
        _ => Outcome::None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn catalogue_gaad_finds_every_path_and_no_false_positive() {
    let expected: BTreeMap<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(fixture("escalation_catalogue_expected.json"))
            .unwrap_or_else(|e| panic!("expectations: {e}")),
    )
    .unwrap_or_else(|e| panic!("expectations: {e}"));
    let g = pathwarden_graph::build(&context(), "offline")
        .await
        .unwrap_or_else(|e| panic!("build: {e}"));
    let mut actual: BTreeMap<&str, Outcome> = BTreeMap::new();
    for arn in expected.keys() {
        let id = g
            .id(arn)
            .unwrap_or_else(|| panic!("{arn} is not a node of the graph"));
        let found = paths::paths_to_admin_from(&g, id);
        let o = if found.iter().any(|p| !p.conditional) {
            Outcome::Admin
        } else if found.is_empty() {
            Outcome::None
        } else {
            Outcome::Conditional
        };
        actual.insert(arn.as_str(), o);
    }
    // found / missed / false-positive counts, printed for the record.
    let (mut found, mut found_conditional, mut missed, mut fp, mut fp_flagged) = (0, 0, 0, 0, 0);
    let mut wrong = Vec::new();
    for (arn, v) in &expected {
        let want = outcome_of(v["expect"].as_str().unwrap_or_default());
        let got = actual[arn.as_str()];
        // A path the product cannot find yet, for the reason given: still counted as
        // missed, and this test fails once it is found so the fixture gets updated.
        if let Some(why) = v["known_miss"].as_str() {
            missed += 1;
            if got != Outcome::None {
                wrong.push(format!(
                    "{arn}: known miss ({why}) is now found: update the fixture"
                ));
            }
            continue;
        }
        match (want, got) {
            (Outcome::None, Outcome::Admin) => fp += 1,
            (Outcome::None, Outcome::Conditional) => fp_flagged += 1,
            (Outcome::None, Outcome::None) => {}
            (_, Outcome::None) => missed += 1,
            (_, Outcome::Conditional) => found_conditional += 1,
            (_, Outcome::Admin) => found += 1,
        }
        if want != got {
            wrong.push(format!("{arn}: expected {want:?}, got {got:?}"));
        }
    }
    let positives = expected.values().filter(|v| v["expect"] != "none").count();
    println!(
        "catalogue: {positives} escalating users: {found} found, {found_conditional} found as conditional, {missed} missed; {} near misses: {fp} false positives, {fp_flagged} flagged conditional",
        expected.len() - positives
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A path through a resource the export does not list goes through one stand-in node per
/// account and kind (the caller's technique reaches it; it RUNS_AS each role such a
/// resource could run as), and names its assumptions in the evidence of both hops.
#[tokio::test(flavor = "multi_thread")]
async fn assumed_resource_edges_name_their_assumption() {
    let g = pathwarden_graph::build(&context(), "offline")
        .await
        .unwrap_or_else(|e| panic!("build: {e}"));
    let acct = "123456789012";
    let cases = [
        (
            "privesc-ssmSendCommand-user",
            "ssm-send-command",
            "ec2-instance",
            "admin-ec2-role",
            "an EC2 instance running with instance profile arn:aws:iam::123456789012:instance-profile/admin-ec2-profile",
        ),
        (
            "privesc17-EditExistingLambdaFunctionWithRole-user",
            "lambda-update-function-code",
            "lambda-function",
            "admin-lambda-role",
            "a Lambda function running as role arn:aws:iam::123456789012:role/admin-lambda-role",
        ),
    ];
    let assumptions = |e: &pathwarden_graph::Edge| -> Vec<String> {
        e.evidence
            .iter()
            .filter_map(|x| x.assumption.clone())
            .collect()
    };
    for (user, technique, kind, role, assumption) in cases {
        let src = g
            .id(&format!("arn:aws:iam::{acct}:user/{user}"))
            .unwrap_or_else(|| panic!("{user}"));
        let stand_in = g
            .id(&format!("assumed:{acct}:{kind}"))
            .unwrap_or_else(|| panic!("no stand-in node for {kind}"));
        assert_eq!(g.node(stand_in).kind, NodeKind::AssumedResource);
        let dst = g
            .id(&format!("arn:aws:iam::{acct}:role/{role}"))
            .unwrap_or_else(|| panic!("{role}"));
        let first = g
            .out_edges(src)
            .iter()
            .map(|&(_, e)| g.edge(e))
            .find(|e| {
                e.target == stand_in
                    && e.kind == EdgeKind::CanEscalate
                    && e.technique.as_deref() == Some(technique)
            })
            .unwrap_or_else(|| panic!("{user} has no {technique} edge to the {kind} stand-in"));
        assert!(
            first.conditional,
            "{user}: an assumed resource is conditional"
        );
        assert!(
            assumptions(first)
                .iter()
                .any(|a| a.contains(&format!("exists in account {acct}"))),
            "{user}: {:?}",
            assumptions(first)
        );
        assert!(
            first.evidence.iter().any(|e| e.assumption.is_none()),
            "{user}: the granting statement stays in the evidence"
        );
        let second = g
            .out_edges(stand_in)
            .iter()
            .map(|&(_, e)| g.edge(e))
            .find(|e| e.target == dst && e.kind == EdgeKind::RunsAs)
            .unwrap_or_else(|| panic!("the {kind} stand-in does not run as {role}"));
        assert!(second.conditional);
        assert!(
            assumptions(second).iter().any(|a| a.contains(assumption)),
            "{user}: assumption {:?} must name {assumption}",
            assumptions(second)
        );
        // The path to admin goes through both hops.
        let to_admin = paths::paths_to_admin_from(&g, src);
        assert!(
            to_admin
                .iter()
                .any(|p| p.conditional
                    && p.edges.iter().any(|&e| g.edge(e).kind == EdgeKind::RunsAs)),
            "{user}: no conditional path to admin through the stand-in"
        );
        // Roles no instance or function can run as are not assumed.
        let plain = g
            .id(&format!("arn:aws:iam::{acct}:role/plain-role"))
            .unwrap_or_else(|| panic!("plain-role"));
        assert!(
            !g.out_edges(src).iter().any(|&(t, _)| t == plain)
                && !g.out_edges(stand_in).iter().any(|&(t, _)| t == plain),
            "{user}: plain-role has no instance profile and trusts no Lambda"
        );
    }
}
