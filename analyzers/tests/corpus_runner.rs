//! Decision corpus: cases written from AWS's documented evaluation semantics, kept as data
//! in `tests/corpus/*.json`. Each group shares policies and a principal; each case is one
//! request with its expected decision (and optionally the undecided keys or deciding Sid).

use std::collections::BTreeMap;
use std::path::Path;

use pathwarden_analyzers::policy::{
    Decision, NamedPolicy, PolicyDocument, PolicySet, Principal, RequestContext, evaluate,
};
use serde_json::{Value, json};

fn to_doc(v: &Value) -> PolicyDocument {
    let full = if v.get("Statement").is_some() {
        v.clone()
    } else if v.is_array() {
        json!({"Version": "2012-10-17", "Statement": v})
    } else {
        json!({"Version": "2012-10-17", "Statement": [v]})
    };
    match PolicyDocument::from_value(&full) {
        Ok(d) => d,
        Err(e) => panic!("corpus policy does not parse: {e}: {full}"),
    }
}

fn principal(v: Option<&Value>) -> Principal {
    let Some(v) = v else {
        return Principal::user("arn:aws:iam::111111111111:user/alice");
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str);
    let mut p = if let Some(a) = s("user") {
        Principal::user(a)
    } else if let Some(a) = s("role") {
        Principal::role(a)
    } else if let Some(arr) = v.get("assumed_role").and_then(Value::as_array) {
        Principal::assumed_role(
            arr[0].as_str().unwrap_or_default(),
            arr[1].as_str().unwrap_or_default(),
        )
    } else if let Some(a) = s("service") {
        Principal::service(a)
    } else if let Some(a) = s("root") {
        Principal::root(a)
    } else if let Some(a) = s("federated") {
        Principal::federated(a)
    } else if let Some(a) = s("federated_user") {
        Principal::federated_user(a)
    } else if let Some(a) = s("canonical") {
        Principal::canonical_user(a)
    } else if v.get("anonymous").is_some() {
        Principal::anonymous()
    } else {
        panic!("unknown principal spec {v}")
    };
    if let Some(tags) = v.get("tags").and_then(Value::as_object) {
        p = p.with_tags(
            tags.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())),
        );
    }
    if let Some(id) = s("user_id") {
        p = p.with_user_id(id);
    }
    p
}

fn docs(v: Option<&Value>) -> Vec<PolicyDocument> {
    match v {
        None => Vec::new(),
        Some(Value::Array(items)) if items.first().is_some_and(|i| i.get("Effect").is_none()) => {
            items.iter().map(to_doc).collect()
        }
        Some(other) => vec![to_doc(other)],
    }
}

fn levels(v: Option<&Value>) -> Vec<Vec<PolicyDocument>> {
    match v {
        None => Vec::new(),
        Some(Value::Array(lvls)) => lvls
            .iter()
            .map(|l| match l {
                Value::Array(ps) => ps.iter().map(to_doc).collect(),
                other => vec![to_doc(other)],
            })
            .collect(),
        Some(other) => panic!("levels must be arrays: {other}"),
    }
}

fn decision(name: &str) -> Decision {
    match name {
        "Allow" => Decision::Allow,
        "ExplicitDeny" => Decision::ExplicitDeny,
        "ImplicitDeny" => Decision::ImplicitDeny,
        "Conditional" => Decision::Conditional,
        other => panic!("unknown decision {other}"),
    }
}

struct Outcome {
    total: usize,
    failures: Vec<String>,
}

fn run_group(file: &str, g: &Value, out: &mut Outcome) {
    let name = g.get("name").and_then(Value::as_str).unwrap_or("?");
    let identity = docs(g.get("identity"));
    let resource = g.get("resource").map(to_doc);
    let boundary = g.get("boundary").map(to_doc);
    let session = docs(g.get("session"));
    let scps = levels(g.get("scps"));
    let rcps = levels(g.get("rcps"));
    let set = PolicySet {
        identity: identity
            .iter()
            .enumerate()
            .map(|(i, d)| NamedPolicy::new(format!("identity-{i}"), d))
            .collect(),
        resource: resource.as_ref().map(|d| NamedPolicy::new("resource", d)),
        permissions_boundary: boundary.as_ref().map(|d| NamedPolicy::new("boundary", d)),
        session: session
            .iter()
            .enumerate()
            .map(|(i, d)| NamedPolicy::new(format!("session-{i}"), d))
            .collect(),
        scps: scps
            .iter()
            .enumerate()
            .map(|(l, lvl)| {
                lvl.iter()
                    .map(|d| NamedPolicy::new(format!("scp-{l}"), d))
                    .collect()
            })
            .collect(),
        rcps: rcps
            .iter()
            .enumerate()
            .map(|(l, lvl)| {
                lvl.iter()
                    .map(|d| NamedPolicy::new(format!("rcp-{l}"), d))
                    .collect()
            })
            .collect(),
        resource_policy_required: g
            .get("resource_policy_required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    let Some(cases) = g.get("cases").and_then(Value::as_array) else {
        panic!("{file}: group {name} has no cases")
    };
    for (i, c) in cases.iter().enumerate() {
        out.total += 1;
        let get = |k: &str| c.get(k).or_else(|| g.get(k));
        let p = principal(get("principal"));
        let action = get("action")
            .and_then(Value::as_str)
            .unwrap_or("s3:GetObject");
        let res = get("request_resource")
            .and_then(Value::as_str)
            .unwrap_or("arn:aws:s3:::bucket/key");
        let mut ctx = RequestContext::new(p, action, res);
        if let Some(acct) = get("resource_account").and_then(Value::as_str) {
            ctx = ctx.with_resource_account(acct);
        }
        let mut keys: BTreeMap<String, Value> = BTreeMap::new();
        for src in [g.get("context"), c.get("context")].into_iter().flatten() {
            if let Some(o) = src.as_object() {
                keys.extend(o.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        for (k, v) in keys {
            let values: Vec<String> = match v {
                Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| x.to_string())
                    })
                    .collect(),
                Value::String(s) => vec![s],
                other => vec![other.to_string()],
            };
            ctx.set_key(&k, values);
        }
        if get("complete").and_then(Value::as_bool) == Some(true) {
            ctx = ctx.complete();
        }
        let Some(expect) = c.get("expect").and_then(Value::as_str) else {
            panic!("{file}: {name} case {i} has no expect")
        };
        let ev = evaluate(&set, &ctx);
        let label = c.get("note").and_then(Value::as_str).unwrap_or("");
        if ev.decision != decision(expect) {
            out.failures.push(format!(
                "{file}: [{name}] case {i} {label}: {action} on {res}: expected {expect}, got {:?} (keys {:?})",
                ev.decision, ev.undecided_keys
            ));
            continue;
        }
        if let Some(want) = c.get("keys").and_then(Value::as_array) {
            let want: Vec<String> = want
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            let got: Vec<String> = ev.undecided_keys.iter().cloned().collect();
            if want != got {
                out.failures.push(format!(
                    "{file}: [{name}] case {i} {label}: keys expected {want:?}, got {got:?}"
                ));
            }
        }
        if let Some(sid) = c.get("sid").and_then(Value::as_str) {
            if !ev.evidence.iter().any(|e| e.sid.as_deref() == Some(sid)) {
                out.failures.push(format!(
                    "{file}: [{name}] case {i} {label}: evidence lacks Sid {sid}: {:?}",
                    ev.evidence
                ));
            }
        }
    }
}

#[test]
fn decision_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Outcome {
        total: 0,
        failures: Vec::new(),
    };
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let groups: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let fname = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        for g in groups
            .as_array()
            .unwrap_or_else(|| panic!("{fname}: top level must be an array"))
        {
            run_group(&fname, g, &mut out);
        }
    }
    println!(
        "decision corpus: {} cases in {} files",
        out.total,
        files.len()
    );
    assert!(
        out.failures.is_empty(),
        "{} of {} corpus cases failed:\n{}",
        out.failures.len(),
        out.total,
        out.failures.join("\n")
    );
    assert!(out.total >= 300, "corpus has only {} cases", out.total);
}
