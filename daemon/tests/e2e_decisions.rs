//! End to end: decisions on access requests and remediations cannot race, cannot be made
//! by the requester, need two admins for high-risk grants, and cannot duplicate a desired
//! grant; against the real binary on the demo organisation, with SQLite and PostgreSQL.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Daemon, temp_dir};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const READER: &str = "reader-token-decisions-0001";
const OPERATOR: &str = "operator-token-decisions-0001";
const ADMIN_A: &str = "admin-a-token-decisions-0001";
const ADMIN_B: &str = "admin-b-token-decisions-0001";
const ADMIN_C: &str = "admin-c-token-decisions-0001";

const PROD: &str = "111111111111";

fn sha(t: &str) -> String {
    hex::encode(Sha256::digest(t.as_bytes()))
}

fn tokens_toml() -> String {
    [
        ("requester", READER, "reader"),
        ("ops", OPERATOR, "operator"),
        ("admin-a", ADMIN_A, "admin"),
        ("admin-b", ADMIN_B, "admin"),
        ("admin-c", ADMIN_C, "admin"),
    ]
    .iter()
    .map(|(name, token, role)| {
        format!(
            "[[token]]\nname = \"{name}\"\nsha256 = \"{}\"\nrole = \"{role}\"\n\n",
            sha(token)
        )
    })
    .collect()
}

/// The demo organisation, a dry-run drift job, the tokens, and `extra` (state store,
/// desired-state keys).
fn config(state: &str, desired_state_keys: &str) -> String {
    format!(
        "{state}\n[[connection]]\nname = \"demo\"\nplugin = \"demo\"\nscale = 1\n\n\
         [desired_state]\nremediation = \"dry_run\"\n{desired_state_keys}\n\n\
         [[job]]\nname = \"iam-drift\"\ndrift = true\n\n{}",
        tokens_toml()
    )
}

#[derive(Clone)]
struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    fn new(d: &Daemon) -> Api {
        Api {
            base: format!("http://127.0.0.1:{}", d.http_port),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("http client"),
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(
                method.parse().expect("method"),
                format!("{}{path}", self.base),
            )
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("http");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str) -> Value {
        let (s, v) = self.call("GET", path, READER, None).await;
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }

    /// File an access request as `token`; (status, body).
    async fn request(
        &self,
        token: &str,
        principal: &str,
        kind: &str,
        value: &str,
        account: Option<&str>,
    ) -> (u16, Value) {
        let mut body = json!({"principal": principal, "grant_kind": kind, "grant_value": value, "justification": "test"});
        if let Some(a) = account {
            body["account_id"] = json!(a);
        }
        self.call("POST", "/api/v1/access-requests", token, Some(body))
            .await
    }

    /// File an access request that must be accepted; its id and body.
    async fn file(
        &self,
        token: &str,
        principal: &str,
        kind: &str,
        value: &str,
        account: Option<&str>,
    ) -> (i64, Value) {
        let (s, v) = self.request(token, principal, kind, value, account).await;
        assert_eq!(s, 201, "filing {principal} {kind} {value}: {v}");
        (v["id"].as_i64().expect("id"), v)
    }

    async fn decide(&self, id: i64, decision: &str, token: &str) -> (u16, Value) {
        self.call(
            "POST",
            &format!("/api/v1/access-requests/{id}/{decision}"),
            token,
            None,
        )
        .await
    }

    async fn access_request(&self, id: i64) -> Value {
        let all = self.get("/api/v1/access-requests?limit=10000").await;
        all["access_requests"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["id"] == id).cloned())
            .unwrap_or_else(|| panic!("access request {id} listed: {all}"))
    }

    /// Trigger the drift job and wait for it to finish; the run.
    async fn drift_run(&self) -> Value {
        let (s, v) = self
            .call(
                "POST",
                "/api/v1/runs",
                OPERATOR,
                Some(json!({"job": "iam-drift"})),
            )
            .await;
        assert_eq!(s, 202, "trigger drift: {v}");
        let id = v["run_id"].as_i64().expect("run id");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let r = self.get(&format!("/api/v1/runs/{id}")).await;
            if r["status"] != "running" {
                assert_eq!(r["status"], "succeeded", "{r}");
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "drift run {id} still running: {r}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// An error response: the status and a JSON `{"error": "...", "status": N}` body.
fn assert_json_error(status: u16, body: &Value, want: u16, context: &str) {
    assert_eq!(status, want, "{context}: {body}");
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()) && body["status"] == want,
        "{context}: expected a JSON error, got {body}"
    );
}

/// Active desired grants as (principal, kind, value, account, access request id).
async fn active_grants(d: &Daemon) -> Vec<(String, String, String, Option<String>, Option<i64>)> {
    let client = d.client().await;
    client
        .query(
            "select principal, grant_kind, grant_value, account_id, access_request_id from pathwarden.desired_grant where status = 'active' order by id",
            &[],
        )
        .await
        .expect("pathwarden.desired_grant")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

const REQUESTS: usize = 30;

/// Thirty requests, each hit at once with approve (admin-a), approve (admin-b) and deny
/// (admin-c): exactly one decision wins per request, the others get 409, the desired
/// state holds grants for the approved requests only, and a drift dry run plans changes
/// for exactly those principals. Remediation approvals race the same way.
async fn decisions_race(state: &str, tag: &str) {
    let dir = temp_dir(tag);
    // admin-alice (prod, in group admins) should only be in engineering: her drift is
    // high-risk and waits for approval.
    let desired = dir.join("desired.toml");
    std::fs::write(
        &desired,
        format!("[[grant]]\nprincipal = \"user/admin-alice\"\nkind = \"group\"\nvalue = \"engineering\"\naccount_id = \"{PROD}\"\n"),
    )
    .expect("desired file");
    let d = Daemon::start(
        tag,
        Some(&config(state, &format!("path = \"{}\"", desired.display()))),
        &[],
    );
    let api = Api::new(&d);

    let mut ids = Vec::new();
    for i in 0..REQUESTS {
        let (id, v) = api
            .file(
                READER,
                &format!("user/race-user-{i}"),
                "group",
                "engineering",
                Some(PROD),
            )
            .await;
        // engineering: ReadOnlyAccess and the self-service credential policy on the
        // caller's own user: low-risk, one approval decides.
        assert_eq!(
            (v["high_risk"].as_bool(), v["approvals_required"].as_i64()),
            (Some(false), Some(1)),
            "{v}"
        );
        ids.push(id);
    }

    // Fire all 90 decisions together: every task waits at the barrier, then sends.
    let barrier = Arc::new(tokio::sync::Barrier::new(REQUESTS * 3));
    let mut tasks = Vec::new();
    for &id in &ids {
        for (decision, token) in [
            ("approve", ADMIN_A),
            ("approve", ADMIN_B),
            ("deny", ADMIN_C),
        ] {
            let api = api.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let (s, v) = api.decide(id, decision, token).await;
                (id, decision, token, s, v)
            }));
        }
    }
    let mut outcomes: BTreeMap<i64, Vec<(&str, &str, u16, Value)>> = BTreeMap::new();
    for t in tasks {
        let (id, decision, token, s, v) = t.await.expect("decision task");
        outcomes
            .entry(id)
            .or_default()
            .push((decision, token, s, v));
    }
    let mut approved = BTreeSet::new();
    let mut denied = BTreeSet::new();
    for (i, &id) in ids.iter().enumerate() {
        let o = &outcomes[&id];
        let winners: Vec<&(&str, &str, u16, Value)> =
            o.iter().filter(|(_, _, s, _)| *s == 200).collect();
        assert_eq!(
            winners.len(),
            1,
            "request {id}: exactly one decision wins: {o:?}"
        );
        for (decision, token, s, v) in o.iter().filter(|(_, _, s, _)| *s != 200) {
            assert_json_error(
                *s,
                v,
                409,
                &format!("request {id}: losing {decision} by {token}"),
            );
        }
        let (decision, _, _, body) = winners[0];
        let want = if *decision == "approve" {
            "approved"
        } else {
            "denied"
        };
        assert_eq!(body["status"], want, "request {id}: {body}");
        assert_eq!(api.access_request(id).await["status"], want, "request {id}");
        if want == "approved" {
            approved.insert(format!("user/race-user-{i}"));
        } else {
            denied.insert(format!("user/race-user-{i}"));
        }
    }
    eprintln!("race: {} approved, {} denied", approved.len(), denied.len());

    // The desired state: one active grant per approved request, none for denied ones.
    let grants = active_grants(&d).await;
    let from_requests: Vec<&(String, String, String, Option<String>, Option<i64>)> =
        grants.iter().filter(|g| g.4.is_some()).collect();
    let principals: BTreeSet<String> = from_requests.iter().map(|g| g.0.clone()).collect();
    assert_eq!(
        principals, approved,
        "desired grants follow the winning decisions"
    );
    assert_eq!(
        from_requests.len(),
        approved.len(),
        "one grant per approved request: {from_requests:?}"
    );

    // A drift dry run plans changes for the approved principals only.
    let run = api.drift_run().await;
    let run_id = run["id"].as_i64().expect("run id");
    let results = api.get(&format!("/api/v1/runs/{run_id}/results")).await;
    let drifting: BTreeSet<String> = results["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] == "alarm")
        .filter_map(|r| r["resource"].as_str())
        .filter_map(|r| r.split(' ').next())
        .filter(|p| p.starts_with("user/race-user-"))
        .map(str::to_string)
        .collect();
    assert_eq!(drifting, approved, "drift follows the winning decisions");
    let rem = api.get("/api/v1/remediations?limit=10000").await;
    let rem = rem["remediations"].as_array().expect("remediations");
    let planned_for: BTreeSet<String> = rem
        .iter()
        .filter_map(|a| a["parameters"].as_str())
        .filter_map(|p| serde_json::from_str::<Value>(p).ok())
        .filter_map(|p| p["UserName"].as_str().map(|u| format!("user/{u}")))
        .filter(|p| p.starts_with("user/race-user-"))
        .collect();
    assert_eq!(
        planned_for, approved,
        "IAM changes are planned for approved users only"
    );
    for a in rem.iter().filter(|a| {
        a["parameters"]
            .as_str()
            .is_some_and(|p| p.contains("race-user-"))
    }) {
        assert_eq!(
            (a["api_call"].as_str(), a["status"].as_str()),
            (Some("iam:AddUserToGroup"), Some("planned")),
            "a low-risk grant is planned, not held: {a}"
        );
    }

    // Remediations race too: three admins approve each waiting action at once.
    let waiting: Vec<i64> = rem
        .iter()
        .filter(|a| a["status"] == "awaiting_approval")
        .filter_map(|a| a["id"].as_i64())
        .collect();
    assert!(
        rem.iter().any(|a| a["status"] == "awaiting_approval"
            && a["parameters"]
                .as_str()
                .is_some_and(|p| p.contains("admin-alice"))
            && a["api_call"] == "iam:AddUserToGroup"),
        "adding a wildcard-admin principal to a group waits for approval: {rem:?}"
    );
    let barrier = Arc::new(tokio::sync::Barrier::new(waiting.len() * 3));
    let mut tasks = Vec::new();
    for &id in &waiting {
        for token in [ADMIN_A, ADMIN_B, ADMIN_C] {
            let api = api.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let (s, v) = api
                    .call(
                        "POST",
                        &format!("/api/v1/remediations/{id}/approve"),
                        token,
                        None,
                    )
                    .await;
                (id, token, s, v)
            }));
        }
    }
    let mut by_action: BTreeMap<i64, Vec<(&str, u16, Value)>> = BTreeMap::new();
    for t in tasks {
        let (id, token, s, v) = t.await.expect("approval task");
        by_action.entry(id).or_default().push((token, s, v));
    }
    let rem = api.get("/api/v1/remediations?limit=10000").await;
    for (id, o) in &by_action {
        let winners: Vec<&(&str, u16, Value)> = o.iter().filter(|(_, s, _)| *s == 200).collect();
        assert_eq!(
            winners.len(),
            1,
            "remediation {id}: exactly one approval wins: {o:?}"
        );
        for (token, s, v) in o.iter().filter(|(_, s, _)| *s != 200) {
            assert_json_error(
                *s,
                v,
                409,
                &format!("remediation {id}: losing approval by {token}"),
            );
        }
        let row = rem["remediations"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["id"] == *id).cloned())
            .expect("remediation listed");
        let winner = match winners[0].0 {
            t if t == ADMIN_A => "admin-a",
            t if t == ADMIN_B => "admin-b",
            _ => "admin-c",
        };
        assert_eq!(
            (row["status"].as_str(), row["approved_by"].as_str()),
            (Some("approved"), Some(winner)),
            "{row}"
        );
    }
    drop(d);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_decisions_have_one_winner_on_sqlite() {
    decisions_race("", "decisions-race-sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_decisions_have_one_winner_on_postgres() {
    let schema = format!(
        "pw_decisions_{}_{}",
        std::process::id(),
        common::free_port()
    );
    let (admin, conn) = tokio_postgres::connect("host=127.0.0.1 port=5432 user=postgres dbname=test", tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL must run on 127.0.0.1:5432 (trust auth, database test): start it with `service postgresql start`");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let state = format!(
        "[state]\nurl = \"postgres://postgres@127.0.0.1:5432/test\"\nschema = \"{schema}\"\n"
    );
    let outcome =
        tokio::spawn(async move { decisions_race(&state, "decisions-race-pg").await }).await;
    let indexes: BTreeSet<String> = admin
        .query(
            "select indexname::text from pg_indexes where schemaname = $1",
            &[&schema],
        )
        .await
        .map(|rows| rows.iter().map(|r| r.get::<_, String>(0)).collect())
        .unwrap_or_default();
    let _ = admin
        .execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"), &[])
        .await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    assert!(
        indexes.contains("desired_grant_active_identity"),
        "the PostgreSQL state has the unique index on desired grants: {indexes:?}"
    );
}

/// The requester may not decide their own request; a high-risk grant needs two admins
/// other than the requester; risk comes from the grant's policies, not from its name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_approval_is_refused_and_high_risk_needs_two_admins_on_sqlite() {
    let d = Daemon::start("decisions-two-person", Some(&config("", "")), &[]);
    let api = Api::new(&d);

    // An admin files a request for AdministratorAccess and may not decide it.
    let admin_policy = "arn:aws:iam::aws:policy/AdministratorAccess";
    let (id, v) = api
        .file(ADMIN_A, "user/new-hire", "policy", admin_policy, Some(PROD))
        .await;
    assert_eq!(
        (v["high_risk"].as_bool(), v["approvals_required"].as_i64()),
        (Some(true), Some(2)),
        "{v}"
    );
    for decision in ["approve", "deny"] {
        let (s, v) = api.decide(id, decision, ADMIN_A).await;
        assert_json_error(s, &v, 403, &format!("self-{decision}"));
        assert!(
            v["error"].as_str().is_some_and(|e| e.contains("admin-a")),
            "{v}"
        );
    }
    assert_eq!(api.access_request(id).await["status"], "pending");

    // First approval of another admin: recorded, still pending, no grant yet.
    let (s, v) = api.decide(id, "approve", ADMIN_B).await;
    assert_eq!(s, 202, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["approvals"].clone()),
        (Some("pending"), json!(["admin-b"])),
        "{v}"
    );
    let (s, v) = api.decide(id, "approve", ADMIN_B).await;
    assert_json_error(s, &v, 409, "the same admin approving twice");
    assert!(
        !active_grants(&d).await.iter().any(|g| g.4 == Some(id)),
        "one approval does not grant a high-risk request"
    );
    let listed = api.access_request(id).await;
    assert_eq!(
        (
            listed["status"].as_str(),
            listed["high_risk"].as_bool(),
            listed["approvals"].as_array().map(Vec::len)
        ),
        (Some("pending"), Some(true), Some(1)),
        "{listed}"
    );

    // A second, different admin completes it.
    let (s, v) = api.decide(id, "approve", ADMIN_C).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("approved")), "{v}");
    assert_eq!(v["approvals"], json!(["admin-b", "admin-c"]), "{v}");
    let grants = active_grants(&d).await;
    assert_eq!(
        grants
            .iter()
            .filter(|g| g.4 == Some(id))
            .map(|g| (g.0.as_str(), g.2.as_str()))
            .collect::<Vec<_>>(),
        vec![("user/new-hire", admin_policy)]
    );

    let client = d.client().await;
    let approvers: Vec<String> = client
        .query(
            "select approver from pathwarden.access_request_approval where access_request_id = $1 order by id",
            &[&id],
        )
        .await
        .expect("pathwarden.access_request_approval")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        approvers,
        vec!["admin-b".to_string(), "admin-c".to_string()]
    );

    // Racing on high-risk requests: two approvals and a deny at once. Whatever the order,
    // the request ends approved only if both approvals got through before the deny, and
    // a desired grant exists exactly for the approved ones.
    let mut racing = Vec::new();
    for i in 0..10 {
        let (id, _) = api
            .file(
                READER,
                &format!("user/racing-admin-{i}"),
                "policy",
                admin_policy,
                Some(PROD),
            )
            .await;
        racing.push(id);
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(racing.len() * 3));
    let mut tasks = Vec::new();
    for &id in &racing {
        for (decision, token) in [
            ("approve", ADMIN_A),
            ("approve", ADMIN_B),
            ("deny", ADMIN_C),
        ] {
            let api = api.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let (s, v) = api.decide(id, decision, token).await;
                (id, decision, s, v)
            }));
        }
    }
    let mut outcomes: BTreeMap<i64, Vec<(&str, u16, Value)>> = BTreeMap::new();
    for t in tasks {
        let (id, decision, s, v) = t.await.expect("task");
        outcomes.entry(id).or_default().push((decision, s, v));
    }
    let grants = active_grants(&d).await;
    for (id, o) in &outcomes {
        let status = api.access_request(*id).await["status"].clone();
        let approvals_through = o
            .iter()
            .filter(|(d, s, _)| *d == "approve" && (*s == 200 || *s == 202))
            .count();
        let deny_won = o.iter().any(|(d, s, _)| *d == "deny" && *s == 200);
        for (d, s, v) in o.iter().filter(|(_, s, _)| *s != 200 && *s != 202) {
            assert_json_error(*s, v, 409, &format!("request {id}: losing {d}"));
        }
        match status.as_str() {
            Some("approved") => assert!(approvals_through == 2 && !deny_won, "{id}: {o:?}"),
            Some("denied") => assert!(deny_won && approvals_through <= 1, "{id}: {o:?}"),
            other => panic!("request {id} ended {other:?}: {o:?}"),
        }
        assert_eq!(
            grants.iter().filter(|g| g.4 == Some(*id)).count(),
            usize::from(status == "approved"),
            "request {id} ({status}): a grant only for an approved request"
        );
    }

    // Risk from what the grant allows, as the demo's tables describe it.
    let cases: &[(&str, &str, &str, bool)] = &[
        // AWS managed, judged by document or name.
        (
            "policy",
            "arn:aws:iam::aws:policy/PowerUserAccess",
            "PowerUserAccess: every non-IAM action (NotAction)",
            true,
        ),
        (
            "policy",
            "arn:aws:iam::aws:policy/IAMFullAccess",
            "IAMFullAccess: iam:*",
            true,
        ),
        (
            "policy",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "ReadOnlyAccess",
            false,
        ),
        // Customer policies: iam:CreatePolicyVersion, and one whose document nobody knows.
        (
            "policy",
            "arn:aws:iam::111111111111:policy/esc-cpv-developer-tools",
            "a customer policy with iam:CreatePolicyVersion",
            true,
        ),
        (
            "policy",
            "arn:aws:iam::111111111111:policy/no-such-policy",
            "an unknown policy",
            true,
        ),
        // Groups by their policies: AdministratorAccess, AddUserToGroup, read-only.
        ("group", "admins", "the admins group", true),
        (
            "group",
            "iam-helpdesk",
            "a group allowed iam:AddUserToGroup",
            true,
        ),
        ("group", "data-analytics", "a read-only group", false),
        ("group", "no-such-group", "an unknown group", true),
        // A name no IAM entity can have is not judged (nor put in a query): high-risk.
        ("group", "x') or ('1'='1", "a group name with quotes", true),
    ];
    for (i, (kind, value, what, high)) in cases.iter().enumerate() {
        let (_, v) = api
            .file(READER, &format!("user/risk-{i}"), kind, value, Some(PROD))
            .await;
        assert_eq!(
            (v["high_risk"].as_bool(), v["approvals_required"].as_i64()),
            (Some(*high), Some(if *high { 2 } else { 1 })),
            "{what}: {v}"
        );
    }
    // A low-risk request: one admin decides it.
    let (low, _) = api
        .file(
            READER,
            "user/reader-2",
            "group",
            "data-analytics",
            Some(PROD),
        )
        .await;
    let (s, v) = api.decide(low, "approve", ADMIN_A).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("approved")), "{v}");
    drop(d);

    // With the two-person rule off, one admin other than the requester approves a
    // high-risk request; the requester still may not.
    let d = Daemon::start(
        "decisions-one-person",
        Some(&config("", "two_person_rule = false")),
        &[],
    );
    let api = Api::new(&d);
    let (id, v) = api
        .file(ADMIN_A, "user/new-hire", "policy", admin_policy, Some(PROD))
        .await;
    assert_eq!(
        (v["high_risk"].as_bool(), v["approvals_required"].as_i64()),
        (Some(true), Some(1)),
        "{v}"
    );
    let (s, v) = api.decide(id, "approve", ADMIN_A).await;
    assert_json_error(s, &v, 403, "self-approval with the two-person rule off");
    let (s, v) = api.decide(id, "approve", ADMIN_B).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("approved")), "{v}");
    drop(d);
}

/// One active desired grant per identity: a second request for a held grant is refused
/// when filed and when approved (also when both approvals race), a principal ARN is the
/// same principal as `user/NAME`, a desired-state file listing a grant twice stores it
/// once, a revoked grant can be granted again, and a file grant that a request already
/// gives waits `shadowed` and takes over when the request is revoked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_grants_are_refused_on_sqlite() {
    let dir = temp_dir("decisions-dup-file");
    let desired = dir.join("desired.toml");
    let twice = format!(
        "[[grant]]\nprincipal = \"user/file-user\"\nkind = \"group\"\nvalue = \"engineering\"\naccount_id = \"{PROD}\"\n\n"
    );
    std::fs::write(&desired, format!("{twice}{twice}")).expect("desired file");
    // A state file that outlives the daemon, for the restart at the end.
    let state = format!(
        "[state]\nurl = \"sqlite:{}\"\n",
        dir.join("state.db").display()
    );
    let daemon_config = config(&state, &format!("path = \"{}\"", desired.display()));
    let d = Daemon::start("decisions-dup", Some(&daemon_config), &[]);
    let api = Api::new(&d);
    let count = |grants: &[(String, String, String, Option<String>, Option<i64>)],
                 principal: &str| {
        grants
            .iter()
            .filter(|g| g.0 == principal && g.1 == "group" && g.2 == "engineering")
            .count()
    };
    assert_eq!(
        count(&active_grants(&d).await, "user/file-user"),
        1,
        "a grant listed twice is stored once"
    );
    let (s, v) = api
        .request(READER, "user/file-user", "group", "engineering", Some(PROD))
        .await;
    assert_json_error(
        s,
        &v,
        409,
        "requesting a grant the desired-state file gives",
    );

    // Two pending requests for one grant: the first approval wins, the second is refused.
    let (first, _) = api
        .file(READER, "user/dup-user", "group", "engineering", Some(PROD))
        .await;
    let (second, _) = api
        .file(
            READER,
            &format!("arn:aws:iam::{PROD}:user/dup-user"),
            "group",
            "engineering",
            None,
        )
        .await;
    let (s, v) = api.decide(first, "approve", ADMIN_A).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("approved")), "{v}");
    let (s, v) = api.decide(second, "approve", ADMIN_B).await;
    assert_json_error(s, &v, 409, "approving a duplicate grant");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("already holds")),
        "{v}"
    );
    assert_eq!(
        api.access_request(second).await["status"],
        "pending",
        "a refused approval changes nothing"
    );
    assert_eq!(count(&active_grants(&d).await, "user/dup-user"), 1);
    let (s, v) = api
        .request(READER, "user/dup-user", "group", "engineering", Some(PROD))
        .await;
    assert_json_error(s, &v, 409, "filing a request for a held grant");

    // Revoked, the grant can be given again, by the request that waited.
    let (s, v) = api.decide(first, "revoke", ADMIN_A).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("revoked")), "{v}");
    assert_eq!(count(&active_grants(&d).await, "user/dup-user"), 0);
    let (s, v) = api.decide(second, "approve", ADMIN_B).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("approved")), "{v}");
    assert_eq!(count(&active_grants(&d).await, "user/dup-user"), 1);

    // Ten pairs of requests for one grant each, both approved at once: one per pair wins.
    let mut pairs = Vec::new();
    for i in 0..10 {
        let p = format!("user/pair-user-{i}");
        let (a, _) = api
            .file(READER, &p, "group", "engineering", Some(PROD))
            .await;
        let (b, _) = api
            .file(READER, &p, "group", "engineering", Some(PROD))
            .await;
        pairs.push((p, a, b));
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(pairs.len() * 2));
    let mut tasks = Vec::new();
    for (p, a, b) in &pairs {
        for (id, token) in [(*a, ADMIN_A), (*b, ADMIN_B)] {
            let api = api.clone();
            let barrier = barrier.clone();
            let p = p.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let (s, v) = api.decide(id, "approve", token).await;
                (p, s, v)
            }));
        }
    }
    let mut wins: BTreeMap<String, Vec<(u16, Value)>> = BTreeMap::new();
    for t in tasks {
        let (p, s, v) = t.await.expect("task");
        wins.entry(p).or_default().push((s, v));
    }
    let grants = active_grants(&d).await;
    for (p, o) in &wins {
        let statuses: BTreeSet<u16> = o.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            statuses,
            BTreeSet::from([200u16, 409]),
            "{p}: one approval wins, the other is a duplicate: {o:?}"
        );
        assert_eq!(count(&grants, p), 1, "{p}: one active grant");
    }
    drop(d);

    // The file now also gives dup-user's grant, which request `second` holds: after a
    // restart the file's copy waits, and takes over when the request is revoked.
    std::fs::write(
        &desired,
        format!(
            "{twice}[[grant]]\nprincipal = \"user/dup-user\"\nkind = \"group\"\nvalue = \"engineering\"\naccount_id = \"{PROD}\"\n"
        ),
    )
    .expect("desired file");
    let d = Daemon::start("decisions-dup-restart", Some(&daemon_config), &[]);
    let api = Api::new(&d);
    let sources = |d: &Daemon| {
        let dsn = d.dsn();
        async move {
            let (client, conn) = tokio_postgres::connect(&dsn, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(async move {
                let _ = conn.await;
            });
            client
                .query(
                    "select source, status from pathwarden.desired_grant where principal = 'user/dup-user' and status in ('active', 'shadowed') order by source",
                    &[],
                )
                .await
                .expect("pathwarden.desired_grant")
                .iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
                .collect::<Vec<(String, String)>>()
        }
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        sources(&d).await,
        vec![pair("access_request", "active"), pair("file", "shadowed")]
    );
    let (s, v) = api.decide(second, "revoke", ADMIN_C).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("revoked")), "{v}");
    assert_eq!(sources(&d).await, vec![pair("file", "active")]);
    drop(d);
}
