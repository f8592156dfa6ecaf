//! The web console in headless Chromium, driven over the WebDriver protocol (a minimal
//! client over reqwest): log in, open every page, open an attack path and click a hop,
//! approve an access request as admin and be refused as reader, no console errors, and
//! axe-core (injected from daemon/tests/browser/node_modules) finds no serious or critical
//! violation on any page.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them) and
//! `npm ci` in daemon/tests/browser. Without chromium the test is skipped with a message,
//! except under CI=true, where it fails.
//!
//! With PATHWARDEN_SCREENSHOTS=<dir> it saves the README's screenshots there.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{Daemon, free_port};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const READER: &str = "browser-reader-token-0123456789";
const ADMIN: &str = "browser-admin-token-0123456789";
const PROD: &str = "111111111111";
const PLANTED_ROLE: &str = "arn:aws:iam::111111111111:role/chain-hop-a";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_binary(names: &[&str]) -> Option<PathBuf> {
    for n in names {
        for dir in ["/usr/bin", "/usr/lib/chromium", "/usr/local/bin"] {
            let p = Path::new(dir).join(n);
            if p.exists() {
                return Some(p);
            }
        }
    }
    None
}

struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(chromium: &Path, chromedriver: &Path) -> Driver {
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("client");
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut d = Driver {
            child,
            base,
            http,
            session: String::new(),
        };
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,860", "--force-device-scale-factor=1"]
            },
            "goog:loggingPrefs": {"browser": "ALL"}
        }}});
        let v = d.call("POST", "/session", Some(caps)).await;
        d.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        d
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let resp = req.send().await.expect("webdriver");
        let status = resp.status();
        let v: Value = resp.json().await.expect("webdriver json");
        assert!(status.is_success(), "{method} {path}: {v}");
        v["value"].clone()
    }

    async fn s(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let p = format!("/session/{}{path}", self.session);
        self.call(method, &p, body).await
    }

    async fn goto(&self, url: &str) {
        self.s("POST", "/url", Some(json!({"url": url}))).await;
    }

    async fn find(&self, css: &str) -> Option<String> {
        let v = self
            .s(
                "POST",
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.as_array()
            .and_then(|a| a.first())
            .and_then(|e| e[ELEMENT].as_str())
            .map(str::to_string)
    }

    async fn wait_for(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(e) = self.find(css).await {
                return e;
            }
            if Instant::now() >= deadline {
                let page = self.s("GET", "/source", None).await;
                let url = self.s("GET", "/url", None).await;
                panic!("{css} did not appear on {url}: {page}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        let e = self.wait_for(css).await;
        self.s("POST", &format!("/element/{e}/click"), None).await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.wait_for(css).await;
        self.s(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let e = self.wait_for(css).await;
        self.s("GET", &format!("/element/{e}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn script(&self, script: &str) -> Value {
        self.s(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    async fn title(&self) -> String {
        self.s("GET", "/title", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Browser console entries since the last call.
    async fn logs(&self) -> Vec<Value> {
        let v = self
            .s("POST", "/se/log", Some(json!({"type": "browser"})))
            .await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// axe-core's serious and critical violations on the current page.
    async fn axe(&self, axe_source: &str) -> Vec<Value> {
        self.script(&format!("{axe_source}\n;return true;")).await;
        let v = self
            .s(
                "POST",
                "/execute/async",
                Some(json!({"script": "var done = arguments[arguments.length - 1]; axe.run(document, {resultTypes: ['violations']}).then(function (r) { done(r.violations.map(function (v) { return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) { return n.html; }).slice(0, 3)}; })); }, function (e) { done([{id: 'axe-error', impact: 'critical', help: String(e)}]); });", "args": []})),
            )
            .await;
        v.as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|x| matches!(x["impact"].as_str(), Some("serious") | Some("critical")))
            .collect()
    }

    async fn screenshot(&self, path: &Path) {
        let v = self.s("GET", "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("png");
        std::fs::write(path, png).expect("write screenshot");
    }

    async fn quit(&self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
    }
}

fn sha(t: &str) -> String {
    hex::encode(Sha256::digest(t.as_bytes()))
}

/// Console errors among browser log entries (SEVERE level).
fn errors(logs: &[Value]) -> Vec<String> {
    logs.iter()
        .filter(|l| l["level"] == "SEVERE")
        .map(|l| l["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_headless_chromium() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let (Some(chromium), Some(chromedriver)) = (
        find_binary(&["chromium", "chromium-browser"]),
        find_binary(&["chromedriver"]),
    ) else {
        assert!(
            !ci,
            "CI=true: the browser test needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "SKIPPED: chromium or chromedriver not installed (apt-get install chromium chromium-driver); the console's browser test did not run"
        );
        return;
    };
    let axe_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    let axe_source = std::fs::read_to_string(&axe_path).unwrap_or_else(|_| {
        panic!(
            "{} missing: run `npm ci` in daemon/tests/browser (scripts/test does)",
            axe_path.display()
        )
    });

    let config = format!(
        "[[connection]]\nname = \"demo\"\nplugin = \"demo\"\nscale = 1\n\n\
         [desired_state]\nremediation = \"dry_run\"\ntwo_person_rule = false\n\n\
         [[job]]\nname = \"cis\"\nbenchmark = \"cis_aws_v3\"\n\n\
         [[token]]\nname = \"web-reader\"\nsha256 = \"{}\"\nrole = \"reader\"\n\n\
         [[token]]\nname = \"web-admin\"\nsha256 = \"{}\"\nrole = \"admin\"\n",
        sha(READER),
        sha(ADMIN)
    );
    let d = Daemon::start("console-browser", Some(&config), &[]);
    let base = format!("http://127.0.0.1:{}", d.http_port);
    let api = reqwest::Client::new();
    // A finished run, and two access requests to decide.
    let v: Value = api
        .post(format!("{base}/api/v1/runs"))
        .bearer_auth(ADMIN)
        .json(&json!({"job": "cis"}))
        .send()
        .await
        .expect("run")
        .json()
        .await
        .expect("json");
    let run_id = v["run_id"].as_i64().unwrap_or_else(|| panic!("{v}"));
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let r: Value = api
            .get(format!("{base}/api/v1/runs/{run_id}"))
            .bearer_auth(READER)
            .send()
            .await
            .expect("run")
            .json()
            .await
            .expect("json");
        if r["status"] != "running" {
            break;
        }
        assert!(Instant::now() < deadline, "run did not finish");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let mut ids = Vec::new();
    for who in ["user/browser-a", "user/browser-b"] {
        let v: Value = api
            .post(format!("{base}/api/v1/access-requests"))
            .bearer_auth(READER)
            .json(&json!({"principal": who, "grant_kind": "group", "grant_value": "engineering", "account_id": PROD, "justification": "on-call"}))
            .send()
            .await
            .expect("file")
            .json()
            .await
            .expect("json");
        ids.push(v["id"].as_i64().unwrap_or_else(|| panic!("{v}")));
    }

    let shots = std::env::var("PATHWARDEN_SCREENSHOTS")
        .ok()
        .map(PathBuf::from);
    let drv = Driver::start(&chromium, &chromedriver).await;

    // Log in as admin with the token form.
    drv.goto(&format!("{base}/")).await;
    drv.wait_for("#token").await;
    assert!(drv.title().await.contains("Log in"));
    drv.type_into("#token", ADMIN).await;
    drv.click("form:last-of-type button[type=submit]").await;
    drv.wait_for("#accounts").await;
    assert!(drv.text(".who").await.contains("web-admin (admin)"));

    // Every page: its heading, no console error, no serious axe violation.
    let pages = [
        ("/", "Overview"),
        ("/benchmarks", "Benchmarks and jobs"),
        (&format!("/runs/{run_id}") as &str, "Run #"),
        ("/paths?q=chain-hop", "Attack paths"),
        ("/findings", "Findings and reviews"),
        ("/decisions", "Drift, access requests and remediations"),
        ("/sql", "SQL console"),
    ];
    for (path, heading) in pages {
        drv.goto(&format!("{base}{path}")).await;
        let h1 = drv.text("h1").await;
        assert!(h1.contains(heading), "{path}: h1 {h1:?}");
        let bad = drv.axe(&axe_source).await;
        assert!(bad.is_empty(), "{path}: axe violations {bad:#?}");
        let errs = errors(&drv.logs().await);
        assert!(errs.is_empty(), "{path}: console errors {errs:?}");
        if path == "/" {
            if let Some(dir) = &shots {
                drv.screenshot(&dir.join("console-overview.png")).await;
            }
        }
    }

    // An attack path: the graph is drawn by our script; clicking a hop shows its evidence.
    let arn = PLANTED_ROLE.replace(':', "%3A").replace('/', "%2F");
    drv.goto(&format!("{base}/paths?principal={arn}")).await;
    drv.wait_for("#graph svg .edge-hit").await;
    let hops = drv
        .script("return document.querySelectorAll('#graph svg .edge-hit').length;")
        .await;
    assert!(hops.as_i64().unwrap_or(0) >= 2, "hops drawn: {hops}");
    // The planted description is text, not a script that ran.
    assert!(
        drv.text("#principal-description")
            .await
            .contains("<script>alert('chain-hop-a')</script>")
    );
    drv.script("document.querySelector('#graph svg .edge-hit').dispatchEvent(new MouseEvent('click', {bubbles: true})); return true;")
        .await;
    let detail = drv.text("#hop-detail h3").await;
    assert!(!detail.is_empty(), "the hop's technique is shown");
    let bad = drv.axe(&axe_source).await;
    assert!(bad.is_empty(), "attack path: axe violations {bad:#?}");
    let errs = errors(&drv.logs().await);
    assert!(errs.is_empty(), "attack path: console errors {errs:?}");
    if let Some(dir) = &shots {
        drv.screenshot(&dir.join("console-attack-path.png")).await;
    }

    // Approve an access request as admin.
    drv.goto(&format!("{base}/decisions")).await;
    drv.click(&format!(
        "button[aria-label=\"Approve access request {}\"]",
        ids[0]
    ))
    .await;
    let notice = drv.text("#notice").await;
    assert!(notice.contains("is approved"), "{notice}");

    // Log out; as reader there is no button, and a submitted approve is refused.
    drv.click(".who button").await;
    drv.wait_for("#token").await;
    drv.type_into("#token", READER).await;
    drv.click("form:last-of-type button[type=submit]").await;
    drv.wait_for("#accounts").await;
    drv.goto(&format!("{base}/decisions")).await;
    drv.wait_for(&format!("#ar-{}", ids[1])).await;
    assert!(
        drv.find(&format!(
            "button[aria-label=\"Approve access request {}\"]",
            ids[1]
        ))
        .await
        .is_none()
    );
    drv.script(&format!(
        "var f = document.createElement('form'); f.method = 'post'; f.action = '/decisions/access-requests/{}/approve'; \
         var i = document.createElement('input'); i.type = 'hidden'; i.name = 'csrf'; i.value = document.querySelector('input[name=csrf]').value; \
         f.appendChild(i); document.body.appendChild(f); f.submit(); return true;",
        ids[1]
    ))
    .await;
    let h1 = drv.text("h1").await;
    assert!(h1.contains("403"), "{h1}");
    assert!(
        drv.text("#error-message")
            .await
            .contains("admin is required")
    );
    // The 403 itself is logged by the browser as a failed resource; nothing else is.
    let errs: Vec<String> = errors(&drv.logs().await)
        .into_iter()
        .filter(|e| !e.contains("403"))
        .collect();
    assert!(errs.is_empty(), "console errors {errs:?}");
    drv.quit().await;
}
