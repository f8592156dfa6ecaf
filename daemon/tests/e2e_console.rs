//! The web console over HTTP against the real daemon serving the demo: every page, counts
//! equal to the same SQL over pgwire, login and logout, CSRF and cross-origin refusal,
//! escaping of planted markup, role refusal, the CSP header, report downloads.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::Daemon;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const READER: &str = "console-reader-token-0123456789";
const OPERATOR: &str = "console-operator-token-0123456789";
const ADMIN: &str = "console-admin-token-0123456789";
const PROD: &str = "111111111111";
/// A demo role whose description carries a planted `<script>`.
const PLANTED_ROLE: &str = "arn:aws:iam::111111111111:role/chain-hop-a";

fn sha(t: &str) -> String {
    hex::encode(Sha256::digest(t.as_bytes()))
}

fn auth_config() -> String {
    let mut c = format!(
        "[[connection]]\nname = \"demo\"\nplugin = \"demo\"\nscale = 1\n\n\
         [desired_state]\nremediation = \"dry_run\"\ntwo_person_rule = false\n\n\
         [[job]]\nname = \"cis\"\nbenchmark = \"cis_aws_v3\"\n\n"
    );
    for (name, token, role) in [
        ("web-reader", READER, "reader"),
        ("web-operator", OPERATOR, "operator"),
        ("web-admin", ADMIN, "admin"),
    ] {
        c.push_str(&format!(
            "[[token]]\nname = \"{name}\"\nsha256 = \"{}\"\nrole = \"{role}\"\n\n",
            sha(token)
        ));
    }
    c.push_str(&format!(
        "[[user]]\nname = \"ann\"\npassword_hash = \"{}\"\nrole = \"admin\"\n",
        common::hash_password("ann-secret")
    ));
    c
}

/// A browser-like client: keeps its cookies by hand, does not follow redirects.
struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first `name="csrf" value="..."` field.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no csrf field in {}", self.body));
        let rest = &self.body[at + 19..];
        rest[..rest.find('"').expect("end of value")].to_string()
    }
}

impl Browser {
    fn new(d: &Daemon) -> Browser {
        Browser {
            base: format!("http://127.0.0.1:{}", d.http_port),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(120))
                .build()
                .expect("client"),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = if self.cookies.is_empty() {
            req
        } else {
            req.header("cookie", self.cookie_header())
        };
        let resp = req.send().await.expect("http");
        let status = resp.status();
        let headers = resp.headers().clone();
        for c in headers.get_all(SET_COOKIE) {
            let c = c.to_str().expect("cookie");
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').expect("k=v");
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let body = resp.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(req).await
    }

    async fn post_with(&mut self, path: &str, form: &[(&str, &str)], h: (&str, &str)) -> Page {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(h.0, h.1)
            .form(form);
        self.send(req).await
    }

    /// Log in with a token; returns the session's CSRF token.
    async fn login_token(&mut self, token: &str) -> String {
        let form = self.get("/login").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        let r = self
            .post("/login", &[("csrf", &csrf), ("token", token)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/");
        let home = self.get("/").await;
        assert_eq!(home.status, 200, "{}", home.body);
        home.csrf()
    }
}

fn assert_hardened(p: &Page, what: &str) {
    let csp = p
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{what}: no CSP header"));
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(
        p.headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff"),
        "{what}"
    );
    // No inline script or style in our pages.
    assert!(!p.body.contains("<script>"), "{what}: inline script");
    assert!(!p.body.contains("style=\""), "{what}: inline style");
}

/// The `<tr ...>` of the overview's accounts table for `account`.
fn account_row<'a>(body: &'a str, cloud: &str, account: &str) -> &'a str {
    let key = format!("data-cloud=\"{cloud}\" data-account=\"{account}\"");
    let at = body
        .find(&key)
        .unwrap_or_else(|| panic!("no row for {cloud} {account} in the overview"));
    let rest = &body[at..];
    &rest[..rest.find("</tr>").expect("end of row")]
}

async fn sql_counts(
    client: &tokio_postgres::Client,
    sql: &str,
    column: &str,
) -> Vec<(String, String, i64)> {
    client
        .query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| {
            (
                r.get::<_, String>("cloud"),
                r.get::<_, String>("account_id"),
                r.get::<_, i64>(column),
            )
        })
        .collect()
}

/// The demo without any login configured: loopback readers, every page, counts equal to
/// SQL over pgwire, planted markup escaped, CSP on every page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_the_demo_match_sql_and_escape_planted_markup() {
    let d = Daemon::start("console-pages", None, &[]);
    let pg = d.client().await;
    let mut b = Browser::new(&d);

    let home = b.get("/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert_hardened(&home, "/");
    assert!(
        b.cookies.contains_key("pw_session"),
        "the anonymous loopback reader gets a session"
    );
    let set = home
        .headers
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(home.body.contains("anonymous (reader)"), "{}", home.body);

    // Per-account counts equal the SQL answers over pgwire.
    let principals = sql_counts(
        &pg,
        "SELECT CASE WHEN kind LIKE 'Gcp%' THEN 'gcp' ELSE 'aws' END AS cloud, account_id, count(*) AS principals FROM pathwarden.graph_node WHERE kind IN ('User', 'Role', 'GcpPrincipal', 'GcpServiceAccount') GROUP BY 1, 2",
        "principals",
    )
    .await;
    assert!(principals.len() >= 3, "{principals:?}");
    let mut total = 0;
    for (cloud, acct, n) in &principals {
        let row = account_row(&home.body, cloud, acct);
        assert!(
            row.contains(&format!("class=\"num principals\">{n}<")),
            "{cloud} {acct}: {n} principals expected in {row}"
        );
        total += n;
    }
    assert!(
        home.body
            .contains(&format!("id=\"total-principals\">{total}<"))
    );
    let admins = pg
        .query(
            "SELECT cloud, source_account AS account_id, source_arn, min(hops) AS h FROM pathwarden.attack_path WHERE target = 'admin' GROUP BY 1, 2, 3",
            &[],
        )
        .await
        .expect("admins");
    let mut per: HashMap<(String, String), (i64, i64)> = HashMap::new();
    for r in &admins {
        let e = per
            .entry((r.get::<_, String>(0), r.get::<_, String>(1)))
            .or_default();
        if r.get::<_, i64>(3) == 1 {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    assert!(
        per.values().any(|(_, esc)| *esc > 0),
        "the demo plants escalations"
    );
    for ((cloud, acct), (adm, esc)) in &per {
        let row = account_row(&home.body, cloud, acct);
        assert!(
            row.contains(&format!("class=\"num admins\">{adm}<")),
            "{row}"
        );
        assert!(
            row.contains(&format!(">{esc}<")) && row.contains("escalators"),
            "{cloud} {acct}: {esc} escalators expected in {row}"
        );
    }
    let public = sql_counts(
        &pg,
        "SELECT CASE WHEN n.kind LIKE 'Gcp%' THEN 'gcp' ELSE 'aws' END AS cloud, n.account_id, count(DISTINCT n.key) AS public_resources FROM pathwarden.graph_edge e JOIN pathwarden.graph_node n ON n.key = CASE WHEN e.source = 'internet' THEN e.target ELSE e.source END WHERE e.kind = 'EXPOSED_TO_INTERNET' GROUP BY 1, 2",
        "public_resources",
    )
    .await;
    assert!(!public.is_empty(), "the demo plants public resources");
    for (cloud, acct, n) in &public {
        let row = account_row(&home.body, cloud, acct);
        assert!(row.contains(&format!("class=\"num public\">{n}<")), "{row}");
    }

    // Every page answers, hardened.
    for path in [
        "/benchmarks",
        "/paths",
        "/findings",
        "/decisions",
        "/sql",
        "/login",
    ] {
        let p = b.get(path).await;
        assert_eq!(p.status, 200, "{path}: {}", p.body);
        assert_hardened(&p, path);
    }
    let css = b.get("/static/console.css").await;
    assert_eq!(css.status, 200);
    assert!(css.body.contains(".graph"));
    let js = b.get("/static/console.js").await;
    assert_eq!(js.status, 200);
    assert!(js.body.contains("createElementNS"));

    // Findings: policy findings are as many as SQL says (up to the page's limit).
    let findings = b.get("/findings").await;
    let pf: i64 = pg
        .query_one(
            "SELECT count(*) FROM (SELECT 1 FROM pathwarden.policy_finding LIMIT 300) AS t",
            &[],
        )
        .await
        .expect("policy findings")
        .get(0);
    assert!(
        findings
            .body
            .contains(&format!("id=\"policy-finding-count\">{pf}<")),
        "{pf} policy findings expected"
    );

    // Search, then the planted role's paths: its description renders as text.
    let search = b.get("/paths?q=chain-hop").await;
    assert_eq!(search.status, 200);
    assert!(search.body.contains("chain-hop-a"), "{}", search.body);
    let planted = b
        .get(&format!(
            "/paths?principal={}",
            PLANTED_ROLE.replace(':', "%3A").replace('/', "%2F")
        ))
        .await;
    assert_eq!(planted.status, 200, "{}", planted.body);
    assert!(
        planted
            .body
            .contains("&#60;script&#62;alert(&#39;chain-hop-a&#39;)&#60;/script&#62;")
            || planted
                .body
                .contains("&#60;script&#62;alert(&#x27;chain-hop-a&#x27;)&#60;/script&#62;"),
        "the planted description must be escaped: {}",
        planted.body
    );
    assert!(!planted.body.contains("<script>alert("));
    let paths_sql: i64 = pg
        .query_one(
            &format!(
                "SELECT count(*) FROM pathwarden.attack_path WHERE source_arn = '{PLANTED_ROLE}'"
            ),
            &[],
        )
        .await
        .expect("paths")
        .get(0);
    assert!(paths_sql > 0, "the planted chain reaches admin");
    assert!(
        planted.body.contains(&format!("({paths_sql})")),
        "{paths_sql} paths expected"
    );
    assert!(planted.body.contains("id=\"hop-0-0\""));
    let data = b
        .get(&format!(
            "/paths/data?principal={}",
            PLANTED_ROLE.replace(':', "%3A").replace('/', "%2F")
        ))
        .await;
    assert_eq!(data.status, 200);
    let v: Value = serde_json::from_str(&data.body).expect("json");
    assert_eq!(
        v["paths"].as_array().map(Vec::len),
        Some(paths_sql as usize)
    );
    assert!(
        v["paths"][0]["hops"][0]["technique"].is_string()
            || v["paths"][0]["hops"][0]["kind"].is_string()
    );

    // A search term with markup is echoed as text.
    let echoed = b.get("/paths?q=%3Cscript%3Ex%3C%2Fscript%3E").await;
    assert!(echoed.body.contains("&#60;script&#62;x&#60;/script&#62;"));
    assert!(!echoed.body.contains("<script>x"));

    // Everyone who can become admin.
    let everyone = b.get("/paths?everyone=1").await;
    assert_eq!(everyone.status, 200);
    assert!(everyone.body.contains("Everyone who can become admin"));

    // SQL console: same answer as pgwire, read-only, CSV. (An anonymous reader has no
    // log-out form; the SQL page carries the session's CSRF token.)
    let csrf = b.get("/sql").await.csrf();
    let n: i64 = pg
        .query_one("select count(*) from aws_iam_role", &[])
        .await
        .expect("count")
        .get(0);
    let r = b
        .post(
            "/sql",
            &[
                ("csrf", &csrf),
                ("sql", "select count(*) as n from aws_iam_role"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains(&format!("<td class=\"wrap\">{n}</td>")),
        "{}",
        r.body
    );
    let w = b
        .post(
            "/sql",
            &[("csrf", &csrf), ("sql", "create table x (a int)")],
        )
        .await;
    assert!(w.body.contains("id=\"sql-error\""), "{}", w.body);
    let csv = b
        .post(
            "/sql/csv",
            &[
                ("csrf", &csrf),
                ("sql", "select name from aws_iam_role order by name limit 3"),
            ],
        )
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.body.lines().count(), 4, "{}", csv.body);
    assert!(csv.body.starts_with("name\n"));

    // CSRF: a form without the token, or with another, is refused.
    let no = b.post("/sql", &[("sql", "select 1")]).await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    assert_hardened(&no, "csrf refusal");
    let wrong = b
        .post("/sql", &[("csrf", "0000"), ("sql", "select 1")])
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // Cross-origin posts are refused even with the token.
    let cross = b
        .post_with(
            "/sql",
            &[("csrf", &csrf), ("sql", "select 1")],
            ("origin", "http://evil.example"),
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let site = b
        .post_with(
            "/sql",
            &[("csrf", &csrf), ("sql", "select 1")],
            ("sec-fetch-site", "cross-site"),
        )
        .await;
    assert_eq!(site.status, StatusCode::FORBIDDEN);
    // An anonymous reader may not start runs.
    let start = b
        .post("/benchmarks/run", &[("csrf", &csrf), ("job", "x")])
        .await;
    assert_eq!(start.status, StatusCode::FORBIDDEN, "{}", start.body);
}

/// With tokens and users: login, roles, approvals through the API's code, runs and reports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_roles_runs_and_approvals() {
    let d = Daemon::start("console-auth", Some(&auth_config()), &[]);
    let mut anon = Browser::new(&d);
    let r = anon.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    assert!(!anon.cookies.contains_key("pw_session"));
    let p = anon
        .post("/sql", &[("csrf", "x"), ("sql", "select 1")])
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);

    // Wrong credentials.
    let form = anon.get("/login").await;
    assert_hardened(&form, "/login");
    let csrf = form.csrf();
    let bad = anon
        .post("/login", &[("csrf", &csrf), ("token", "nope")])
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.body.contains("invalid credentials"));
    let csrf = bad.csrf();
    let bad_pw = anon
        .post(
            "/login",
            &[("csrf", &csrf), ("user", "ann"), ("password", "wrong")],
        )
        .await;
    assert_eq!(bad_pw.status, StatusCode::UNAUTHORIZED);
    // The login form's own CSRF token is required.
    let forged = anon
        .post("/login", &[("csrf", "forged"), ("token", ADMIN)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // User and password (the SCRAM verifier of [[user]]).
    let mut ann = Browser::new(&d);
    let form = ann.get("/login").await;
    let csrf = form.csrf();
    let ok = ann
        .post(
            "/login",
            &[("csrf", &csrf), ("user", "ann"), ("password", "ann-secret")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let set = ok
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pw_session="))
        .expect("session cookie")
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let home = ann.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("ann (admin)"));

    // File two access requests through the API as a reader.
    let api = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{}", d.http_port);
    let mut ids = Vec::new();
    for who in ["user/console-a", "user/console-b"] {
        let v: Value = api
            .post(format!("{base}/api/v1/access-requests"))
            .bearer_auth(READER)
            .json(&json!({"principal": who, "grant_kind": "group", "grant_value": "engineering", "account_id": PROD, "justification": "<b>needs</b> it"}))
            .send()
            .await
            .expect("file")
            .json()
            .await
            .expect("json");
        ids.push(v["id"].as_i64().unwrap_or_else(|| panic!("{v}")));
    }

    // A reader sees the request but no buttons, and a forged approve is refused.
    let mut reader = Browser::new(&d);
    let rcsrf = reader.login_token(READER).await;
    let page = reader.get("/decisions").await;
    assert!(page.body.contains(&format!("id=\"ar-{}\"", ids[0])));
    assert!(page.body.contains("&#60;b&#62;needs&#60;/b&#62; it"));
    assert!(!page.body.contains("Approve access request"));
    let refused = reader
        .post(
            &format!("/decisions/access-requests/{}/approve", ids[0]),
            &[("csrf", &rcsrf)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("admin is required"));
    // A reader cannot start a run either.
    let start = reader
        .post("/benchmarks/run", &[("csrf", &rcsrf), ("job", "cis")])
        .await;
    assert_eq!(start.status, StatusCode::FORBIDDEN);

    // The admin approves one and denies the other; the API agrees.
    let acsrf = home.csrf();
    let page = ann.get("/decisions").await;
    assert!(
        page.body
            .contains(&format!("Approve access request {}", ids[0]))
    );
    let no_csrf = ann
        .post(
            &format!("/decisions/access-requests/{}/approve", ids[0]),
            &[],
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let approved = ann
        .post(
            &format!("/decisions/access-requests/{}/approve", ids[0]),
            &[("csrf", &acsrf)],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let after = ann.get(approved.location()).await;
    assert!(after.body.contains("is approved"), "{}", after.body);
    let denied = ann
        .post(
            &format!("/decisions/access-requests/{}/deny", ids[1]),
            &[("csrf", &acsrf)],
        )
        .await;
    assert_eq!(denied.status, StatusCode::SEE_OTHER);
    let again = ann
        .post(
            &format!("/decisions/access-requests/{}/approve", ids[1]),
            &[("csrf", &acsrf)],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let all: Value = api
        .get(format!("{base}/api/v1/access-requests"))
        .bearer_auth(READER)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let status_of = |id: i64| {
        all["access_requests"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["id"] == id))
            .map(|r| r["status"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(status_of(ids[0]).as_deref(), Some("approved"));
    assert_eq!(status_of(ids[1]).as_deref(), Some("denied"));

    // An operator starts the benchmark from the console; its page and reports follow.
    let mut op = Browser::new(&d);
    let ocsrf = op.login_token(OPERATOR).await;
    let started = op
        .post("/benchmarks/run", &[("csrf", &ocsrf), ("job", "cis")])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let run_url = started.location().to_string();
    let id: i64 = run_url
        .strip_prefix("/runs/")
        .and_then(|s| s.parse().ok())
        .expect("run id");
    let deadline = Instant::now() + Duration::from_secs(180);
    let run = loop {
        let v: Value = api
            .get(format!("{base}/api/v1/runs/{id}"))
            .bearer_auth(READER)
            .send()
            .await
            .expect("run")
            .json()
            .await
            .expect("json");
        if v["status"] != "running" {
            break v;
        }
        assert!(Instant::now() < deadline, "run {id} did not finish");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(run["status"], "succeeded", "{run}");
    let page = op.get(&run_url).await;
    assert_eq!(page.status, 200);
    assert_hardened(&page, "run page");
    for (k, col) in [
        ("ok", "ok_count"),
        ("alarm", "alarm_count"),
        ("error", "error_count"),
    ] {
        assert!(
            page.body
                .contains(&format!("id=\"total-{k}\">{}<", run[col])),
            "{k}: {} expected",
            run[col]
        );
    }
    assert!(page.body.contains("triggered_by") || page.body.contains("console:web-operator"));
    for (fmt, mime) in [
        ("md", "text/markdown"),
        ("html", "text/html"),
        ("json", "application/json"),
        ("csv", "text/csv"),
    ] {
        let r = op.get(&format!("{run_url}/report/{fmt}")).await;
        assert_eq!(r.status, 200, "{fmt}");
        let ct = r
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(ct.starts_with(mime), "{fmt}: {ct}");
        if fmt == "json" {
            let v: Value = serde_json::from_str(&r.body).expect("json report");
            assert_eq!(v["summary"]["total"]["alarm"], run["alarm_count"]);
        }
    }
    let bench = op.get("/benchmarks").await;
    assert!(bench.body.contains(&format!("data-run=\"{id}\"")));
    let overview = op.get("/").await;
    assert!(
        overview.body.contains("data-job=\"cis\""),
        "{}",
        overview.body
    );

    // Logout ends the session server-side: the old cookie no longer works.
    let old = op.cookies.get("pw_session").cloned().expect("cookie");
    let out = op.post("/logout", &[("csrf", &ocsrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let mut replay = Browser::new(&d);
    replay.cookies.insert("pw_session".into(), old);
    let r = replay.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");

    // Failed logins: five in a row are answered 401; the sixth locks this address out
    // (1 s), and during the lock even the right password is 429 with Retry-After.
    let mut guesser = Browser::new(&d);
    let mut csrf = guesser.get("/login").await.csrf();
    for i in 0..6 {
        let bad = guesser
            .post(
                "/login",
                &[("csrf", &csrf), ("user", "ann"), ("password", "guess")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        csrf = bad.csrf();
    }
    let locked = guesser
        .post(
            "/login",
            &[("csrf", &csrf), ("user", "ann"), ("password", "ann-secret")],
        )
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body.contains("too many failed logins"));
    assert_eq!(
        locked
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    csrf = locked.csrf();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let ok = guesser
        .post(
            "/login",
            &[("csrf", &csrf), ("user", "ann"), ("password", "ann-secret")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}
