//! A local stand-in for the Google APIs the `gcp` provider calls: an OAuth token endpoint
//! that checks the service-account JWT's RS256 signature, IAM Credentials
//! `generateAccessToken`, Cloud Resource Manager v1 and IAM v1, answering in the APIs'
//! documented JSON shapes, with small pages, injected 429/503s and PERMISSION_DENIED.
//! Shared by `tables/tests/gcp_local.rs` and `daemon/tests/e2e_gcp.rs`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

/// The token the token endpoint issues for the key's service account.
pub const BASE_TOKEN: &str = "ya29.base-token-for-scanner";
/// The token `generateAccessToken` issues.
pub const IMPERSONATED_TOKEN: &str = "ya29.impersonated-token-for-auditor";
/// The key's service account.
pub const KEY_EMAIL: &str = "scanner@alpha-proj.iam.gserviceaccount.com";
/// Service-account pages hold this many accounts.
pub const SA_PAGE: usize = 2;

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub bearer: Option<String>,
    pub body: String,
    pub at: Instant,
}

/// A failure served instead of the next `times` answers to a path containing `path`.
#[derive(Debug, Clone)]
pub struct Fault {
    pub path: String,
    pub status: u16,
    pub retry_after: Option<String>,
    pub times: usize,
}

/// The server's state.
pub struct Fake {
    pub seen: Mutex<Vec<Seen>>,
    pub faults: Mutex<Vec<Fault>>,
    /// Paths containing one of these answer 403 PERMISSION_DENIED.
    pub denied: Mutex<Vec<String>>,
    /// Bearer token the API calls must carry.
    pub api_token: Mutex<String>,
    /// The key's public key (PKCS#1 DER); the token endpoint checks signatures with it.
    pub public_key: Vec<u8>,
    pub token_uri: Mutex<String>,
    /// Failed JWT checks, with the reason.
    pub rejected: Mutex<Vec<String>>,
}

/// A running fake and the key file pointing at it.
pub struct FakeGcp {
    pub addr: SocketAddr,
    pub state: Arc<Fake>,
    pub key_file: PathBuf,
    pub dir: PathBuf,
}

impl FakeGcp {
    /// Base URL of one API as the connection's `endpoints` name it.
    pub fn endpoint(&self, api: &str) -> String {
        let prefix = match api {
            "cloudresourcemanager" => "crm",
            "iam" => "iam",
            "iamcredentials" => "iamcredentials",
            "storage" => "storage",
            other => panic!("no fake for {other}"),
        };
        format!("http://{}/{prefix}", self.addr)
    }

    /// Requests whose path contains `part`.
    pub fn seen(&self, part: &str) -> Vec<Seen> {
        self.state
            .seen
            .lock()
            .map(|v| {
                v.iter()
                    .filter(|s| s.path.contains(part))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn fault(&self, path: &str, status: u16, retry_after: Option<&str>, times: usize) {
        if let Ok(mut f) = self.state.faults.lock() {
            f.push(Fault {
                path: path.into(),
                status,
                retry_after: retry_after.map(str::to_string),
                times,
            });
        }
    }

    pub fn deny(&self, path: &str) {
        if let Ok(mut d) = self.state.denied.lock() {
            d.push(path.into());
        }
    }

    pub fn expect_token(&self, token: &str) {
        if let Ok(mut t) = self.state.api_token.lock() {
            *t = token.to_string();
        }
    }
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "the openssl command is needed to make a test key (apt-get install openssl): {e}"
            )
        });
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh RSA key: (PKCS#8 PEM, PKCS#1 DER public key).
fn make_key(dir: &Path) -> (String, Vec<u8>) {
    let pem = dir.join("key.pem");
    let der = dir.join("pub.der");
    let pem_s = pem.to_string_lossy().to_string();
    let der_s = der.to_string_lossy().to_string();
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        &pem_s,
    ]);
    openssl(&[
        "rsa",
        "-in",
        &pem_s,
        "-RSAPublicKey_out",
        "-outform",
        "DER",
        "-out",
        &der_s,
    ]);
    (
        std::fs::read_to_string(&pem).expect("key pem"),
        std::fs::read(&der).expect("public der"),
    )
}

/// Start the fake on a free loopback port and write a key file whose `token_uri` is it.
pub async fn start(tag: &str) -> FakeGcp {
    let dir = std::env::temp_dir().join(format!("pathwarden-gcp-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (pem, public_key) = make_key(&dir);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let token_uri = format!("http://{addr}/token");
    let state = Arc::new(Fake {
        seen: Mutex::new(Vec::new()),
        faults: Mutex::new(Vec::new()),
        denied: Mutex::new(Vec::new()),
        api_token: Mutex::new(BASE_TOKEN.into()),
        public_key,
        token_uri: Mutex::new(token_uri.clone()),
        rejected: Mutex::new(Vec::new()),
    });
    let key = json!({
        "type": "service_account",
        "project_id": "alpha-proj",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": KEY_EMAIL,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    });
    let key_file = dir.join("key.json");
    std::fs::write(&key_file, serde_json::to_vec_pretty(&key).expect("json")).expect("key file");
    let app = Router::new().fallback(handle).with_state(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FakeGcp {
        addr,
        state,
        key_file,
        dir,
    }
}

fn reply(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn google_error(code: u16, status: &str, message: &str) -> Response {
    reply(
        code,
        json!({"error": {"code": code, "message": message, "status": status}}),
    )
}

fn b64url(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
}

/// Check a JWT-bearer grant: signature with the key, issuer, audience and scope.
fn check_assertion(fake: &Fake, form: &str) -> Result<(), String> {
    let mut grant = None;
    let mut assertion = None;
    for pair in form.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = v.replace("%3A", ":").replace("%3a", ":");
        match k {
            "grant_type" => grant = Some(v),
            "assertion" => assertion = Some(v),
            _ => {}
        }
    }
    if grant.as_deref() != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return Err(format!("grant_type {grant:?}"));
    }
    let jwt = assertion.ok_or("no assertion")?;
    let jwt = jwt.replace("%3D", "=");
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err("not a JWT".into());
    }
    let header: Value =
        serde_json::from_slice(&b64url(parts[0]).ok_or("header")?).map_err(|e| e.to_string())?;
    if header["alg"] != "RS256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let claims: Value =
        serde_json::from_slice(&b64url(parts[1]).ok_or("claims")?).map_err(|e| e.to_string())?;
    let sig = b64url(parts[2]).ok_or("signature")?;
    let signed = format!("{}.{}", parts[0], parts[1]);
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        &fake.public_key,
    )
    .verify(signed.as_bytes(), &sig)
    .map_err(|_| "bad signature".to_string())?;
    if claims["iss"] != KEY_EMAIL {
        return Err(format!("iss {}", claims["iss"]));
    }
    let token_uri = fake.token_uri.lock().map(|t| t.clone()).unwrap_or_default();
    if claims["aud"] != token_uri.as_str() {
        return Err(format!("aud {}", claims["aud"]));
    }
    if !claims["scope"]
        .as_str()
        .is_some_and(|s| s.contains("https://www.googleapis.com/auth/cloud-platform"))
    {
        return Err(format!("scope {}", claims["scope"]));
    }
    let now = chrono::Utc::now().timestamp();
    let exp = claims["exp"].as_i64().unwrap_or(0);
    if exp <= now || exp > now + 3700 {
        return Err(format!("exp {exp}"));
    }
    Ok(())
}

async fn handle(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().replace("%40", "@");
    let query = uri.query().unwrap_or("").to_string();
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let body_text = String::from_utf8_lossy(&body).to_string();
    if let Ok(mut seen) = fake.seen.lock() {
        seen.push(Seen {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            bearer: bearer.clone(),
            body: body_text.clone(),
            at: Instant::now(),
        });
    }
    if path == "/token" {
        return match check_assertion(&fake, &body_text) {
            Ok(()) => reply(
                200,
                json!({"access_token": BASE_TOKEN, "expires_in": 3599, "token_type": "Bearer"}),
            ),
            Err(why) => {
                if let Ok(mut r) = fake.rejected.lock() {
                    r.push(why.clone());
                }
                reply(
                    400,
                    json!({"error": "invalid_grant", "error_description": why}),
                )
            }
        };
    }
    if let Some(rest) = path.strip_prefix("/iamcredentials/v1/projects/-/serviceAccounts/") {
        if bearer.as_deref() != Some(BASE_TOKEN) {
            return google_error(401, "UNAUTHENTICATED", "bad base token");
        }
        let Some(target) = rest.strip_suffix(":generateAccessToken") else {
            return google_error(404, "NOT_FOUND", "no such method");
        };
        if target.starts_with("nobody@") {
            return google_error(
                403,
                "PERMISSION_DENIED",
                "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
            );
        }
        let req: Value = serde_json::from_str(&body_text).unwrap_or(Value::Null);
        if !req["scope"].as_array().is_some_and(|s| {
            s.iter()
                .any(|x| x == "https://www.googleapis.com/auth/cloud-platform")
        }) {
            return google_error(400, "INVALID_ARGUMENT", "scope missing");
        }
        let expire = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
        return reply(
            200,
            json!({"accessToken": IMPERSONATED_TOKEN, "expireTime": expire}),
        );
    }
    let expected = fake.api_token.lock().map(|t| t.clone()).unwrap_or_default();
    if bearer.as_deref() != Some(expected.as_str()) {
        return google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        );
    }
    if let Ok(mut faults) = fake.faults.lock()
        && let Some(f) = faults
            .iter_mut()
            .find(|f| f.times > 0 && path.contains(&f.path))
    {
        f.times -= 1;
        let (status, gstatus) = if f.status == 429 {
            (429, "RESOURCE_EXHAUSTED")
        } else {
            (f.status, "UNAVAILABLE")
        };
        let mut resp = google_error(
            status,
            gstatus,
            "Quota exceeded for quota metric 'Read requests'",
        );
        if let Some(ra) = &f.retry_after
            && let Ok(v) = ra.parse()
        {
            resp.headers_mut().insert("retry-after", v);
        }
        return resp;
    }
    // Listings name their parent in the query (`parent=folders%2F320`).
    let target = format!("{path}?{}", query.replace("%2F", "/").replace("%2f", "/"));
    let denied = fake
        .denied
        .lock()
        .map(|d| d.iter().any(|p| target.contains(p.as_str())))
        .unwrap_or(false);
    if denied {
        return google_error(
            403,
            "PERMISSION_DENIED",
            "Permission denied on resource (or it may not exist).",
        );
    }
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    match route(&method, &path, &param, &body_text) {
        Some(v) => reply(200, v),
        None => google_error(404, "NOT_FOUND", &format!("no resource at {path}")),
    }
}

// ---- the organisation the fake serves ----

/// Projects: alpha-proj (served in full), beta-proj (its IAM calls can be denied).
pub fn project(id: &str) -> Option<Value> {
    let (number, name) = match id {
        "alpha-proj" => ("111111111111", "Alpha"),
        "beta-proj" => ("222222222222", "Beta"),
        "gamma-proj" => ("333333333333", "Gamma"),
        _ => return None,
    };
    let folder = if id == "gamma-proj" { "311" } else { "300" };
    Some(json!({
        "projectNumber": number,
        "projectId": id,
        "lifecycleState": "ACTIVE",
        "name": name,
        "createTime": "2024-03-01T10:00:00.000Z",
        "labels": {"env": "prod", "team": id.trim_end_matches("-proj")},
        "parent": {"type": "folder", "id": folder},
    }))
}

/// The organization the fake serves: organizations/900 with folders 300 (alpha-proj,
/// beta-proj), 310 > 311 (gamma-proj) and 320 (empty; tests deny its listing).
pub const ORG: &str = "900";

/// v3 folders: `(id, parent)`.
pub const FOLDERS: &[(&str, &str)] = &[
    ("300", "organizations/900"),
    ("310", "organizations/900"),
    ("320", "organizations/900"),
    ("311", "folders/310"),
];

fn v3_folder(id: &str, parent: &str) -> Value {
    json!({
        "name": format!("folders/{id}"),
        "parent": parent,
        "displayName": format!("folder-{id}"),
        "state": "ACTIVE",
        "createTime": "2023-01-01T00:00:00Z",
        "updateTime": "2023-01-02T00:00:00Z",
        "etag": format!("W/\"{id}\""),
    })
}

fn v3_project(id: &str) -> Option<Value> {
    let p = project(id)?;
    Some(json!({
        "name": format!("projects/{}", p["projectNumber"].as_str()?),
        "parent": format!("folders/{}", p["parent"]["id"].as_str()?),
        "projectId": id,
        "state": "ACTIVE",
        "displayName": p["name"],
        "createTime": p["createTime"],
        "labels": p["labels"],
        "etag": "W/\"p\"",
    }))
}

/// Policy of a folder or the organization (version 3 keeps the condition).
pub fn hierarchy_policy(resource: &str) -> Value {
    let bindings = match resource {
        "organizations/900" => json!([
            {"role": "roles/resourcemanager.organizationAdmin", "members": ["user:admin@example.com"]},
            {"role": "roles/iam.serviceAccountTokenCreator", "members": ["group:sre@example.com"],
             "condition": {"title": "business-hours", "expression": "request.time.getHours(\"Europe/Berlin\") < 18"}},
        ]),
        "folders/300" => json!([
            {"role": "roles/resourcemanager.folderIamAdmin", "members": ["user:folder-admin@example.com"]},
        ]),
        "folders/311" => json!([
            {"role": "roles/viewer", "members": ["domain:example.com"]},
        ]),
        _ => json!([]),
    };
    json!({"version": 3, "etag": "BwOrg=", "bindings": bindings})
}

fn organization_route(
    method: &Method,
    path: &str,
    param: &dyn Fn(&str) -> Option<String>,
    body: &str,
) -> Option<Value> {
    let org = json!({
        "name": "organizations/900",
        "displayName": "example.com",
        "owner": {"directoryCustomerId": "C0abc123"},
        "creationTime": "2020-01-01T00:00:00Z",
        "lifecycleState": "ACTIVE",
    });
    if path == "/crm/v1/organizations/900" && *method == Method::GET {
        return Some(org);
    }
    if path == "/crm/v1/organizations:search" {
        return Some(json!({"organizations": [org]}));
    }
    if path == "/crm/v1/projects" && *method == Method::GET {
        let items = ["alpha-proj", "beta-proj", "gamma-proj"]
            .iter()
            .filter_map(|id| project(id))
            .collect();
        return Some(paged("projects", items, param("pageToken"), 2));
    }
    if path == "/crm/v3/folders" && *method == Method::GET {
        let parent = param("parent")?.replace("%2F", "/");
        let items = FOLDERS
            .iter()
            .filter(|(_, p)| *p == parent)
            .map(|(id, p)| v3_folder(id, p))
            .collect();
        return Some(paged("folders", items, param("pageToken"), 2));
    }
    if path == "/crm/v3/projects" && *method == Method::GET {
        let parent = param("parent")?.replace("%2F", "/");
        let items = ["alpha-proj", "beta-proj", "gamma-proj"]
            .iter()
            .filter_map(|id| v3_project(id))
            .filter(|p| p["parent"] == parent.as_str())
            .collect();
        return Some(paged("projects", items, param("pageToken"), 1));
    }
    let rest = path.strip_prefix("/crm/v3/")?;
    let resource = rest.strip_suffix(":getIamPolicy")?;
    let known = resource == "organizations/900"
        || FOLDERS
            .iter()
            .any(|(id, _)| resource == format!("folders/{id}"));
    if !known {
        return None;
    }
    let req: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let mut policy = hierarchy_policy(resource);
    if req["options"]["requestedPolicyVersion"] != 3 {
        policy["version"] = json!(1);
        if let Some(list) = policy["bindings"].as_array_mut() {
            list.retain(|b| b.get("condition").is_none());
        }
    }
    Some(policy)
}

/// Project IAM policy (version 3: a conditional binding).
pub fn project_policy(id: &str) -> Value {
    json!({
        "version": 3,
        "etag": format!("BwX{id}="),
        "bindings": [
            {"role": "roles/owner", "members": ["user:alice@example.com"]},
            {"role": "roles/iam.serviceAccountTokenCreator",
             "members": [format!("serviceAccount:ci@{id}.iam.gserviceaccount.com")]},
            {"role": "roles/editor", "members": ["group:contractors@example.com"],
             "condition": {"title": "until-2030", "description": "temporary",
                           "expression": "request.time < timestamp(\"2030-01-01T00:00:00Z\")"}},
        ],
    })
}

/// Five service accounts per project: three pages of two.
pub fn accounts(project: &str) -> Vec<Value> {
    ["ci", "deployer", "scanner", "backup", "web"]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let email = format!("{n}@{project}.iam.gserviceaccount.com");
            json!({
                "name": format!("projects/{project}/serviceAccounts/{email}"),
                "projectId": project,
                "uniqueId": format!("1000{i}"),
                "email": email,
                "displayName": if *n == "web" { String::new() } else { format!("{n} account") },
                "etag": "MDEwMjE5MjA=",
                "description": format!("{n} service account"),
                "oauth2ClientId": format!("1000{i}"),
                "disabled": *n == "backup",
            })
        })
        .collect()
}

fn keys(project: &str, email: &str) -> Vec<Value> {
    let n = if email.starts_with("ci@") {
        2
    } else if email.starts_with("deployer@") {
        1
    } else {
        0
    };
    (0..n)
        .map(|i| {
            json!({
                "name": format!("projects/{project}/serviceAccounts/{email}/keys/{}{i}", &email[..2]),
                "validAfterTime": "2024-05-01T00:00:00Z",
                "validBeforeTime": "9999-12-31T23:59:59Z",
                "keyAlgorithm": "KEY_ALG_RSA_2048",
                "keyOrigin": "GOOGLE_PROVIDED",
                "keyType": if i == 0 { "USER_MANAGED" } else { "SYSTEM_MANAGED" },
            })
        })
        .collect()
}

fn predefined_roles() -> Vec<Value> {
    vec![
        json!({"name": "roles/owner", "title": "Owner", "description": "Full access to all resources.",
               "includedPermissions": ["resourcemanager.projects.setIamPolicy", "iam.serviceAccounts.actAs"],
               "stage": "GA", "etag": "AA=="}),
        json!({"name": "roles/viewer", "title": "Viewer", "description": "Read access.",
               "includedPermissions": ["resourcemanager.projects.get"], "stage": "GA", "etag": "AA=="}),
        json!({"name": "roles/iam.serviceAccountTokenCreator", "title": "Service Account Token Creator",
               "description": "Impersonate service accounts.",
               "includedPermissions": ["iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.signBlob"],
               "stage": "GA", "etag": "AA=="}),
    ]
}

fn custom_roles(project: &str) -> Vec<Value> {
    vec![json!({
        "name": format!("projects/{project}/roles/keyMaker"),
        "title": "Key maker",
        "description": "Creates service account keys.",
        "includedPermissions": ["iam.serviceAccountKeys.create", "iam.serviceAccounts.list"],
        "stage": "BETA",
        "etag": "BwW=",
    })]
}

/// A page of `items` under `key` as the APIs page: `pageToken` is the next index.
fn paged(key: &str, items: Vec<Value>, token: Option<String>, size: usize) -> Value {
    let start: usize = token
        .and_then(|t| t.strip_prefix("tok").and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(start).take(size).cloned().collect();
    let mut out = json!({ key: page });
    if start + size < items.len() {
        out["nextPageToken"] = json!(format!("tok{}", start + size));
    }
    out
}

fn route(
    method: &Method,
    path: &str,
    param: &dyn Fn(&str) -> Option<String>,
    body: &str,
) -> Option<Value> {
    if let Some(v) = organization_route(method, path, param, body) {
        return Some(v);
    }
    if let Some(rest) = path.strip_prefix("/crm/v1/projects/") {
        if let Some(id) = rest.strip_suffix(":getIamPolicy") {
            project(id)?;
            let req: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            let mut policy = project_policy(id);
            if req["options"]["requestedPolicyVersion"] != 3 {
                // As the API does for older versions: conditions dropped, role renamed.
                policy["version"] = json!(1);
                for b in policy["bindings"].as_array_mut()? {
                    if b.get("condition").is_some() {
                        if let Some(o) = b.as_object_mut() {
                            o.remove("condition");
                        }
                        b["role"] = json!(format!("{}_withcond_1a2b", b["role"].as_str()?));
                    }
                }
            }
            return Some(policy);
        }
        if let Some(id) = rest.strip_suffix(":getAncestry") {
            let p = project(id)?;
            let mut chain = vec![json!({"resourceId": {"type": "project", "id": id}})];
            let mut folder = p["parent"]["id"].as_str()?.to_string();
            loop {
                chain.push(json!({"resourceId": {"type": "folder", "id": folder}}));
                let parent = FOLDERS.iter().find(|(f, _)| *f == folder)?.1;
                match parent.strip_prefix("folders/") {
                    Some(up) => folder = up.to_string(),
                    None => break,
                }
            }
            chain.push(json!({"resourceId": {"type": "organization", "id": "900"}}));
            return Some(json!({ "ancestor": chain }));
        }
        if *method == Method::GET && !rest.contains('/') {
            return project(rest);
        }
    }
    if let Some(rest) = path.strip_prefix("/storage/storage/v1/b") {
        return storage(rest, param);
    }
    let rest = path.strip_prefix("/iam/v1/")?;
    if rest == "roles" {
        if param("view").as_deref() != Some("FULL") {
            return Some(json!({"roles": []}));
        }
        return Some(paged("roles", predefined_roles(), param("pageToken"), 2));
    }
    if let Some(id) = rest.strip_prefix("roles/") {
        return predefined_roles()
            .into_iter()
            .find(|r| r["name"] == format!("roles/{id}"));
    }
    let rest = rest.strip_prefix("projects/")?;
    let (project_id, tail) = rest.split_once('/')?;
    if tail == "roles" {
        return Some(paged(
            "roles",
            custom_roles(project_id),
            param("pageToken"),
            2,
        ));
    }
    if let Some(id) = tail.strip_prefix("roles/") {
        return custom_roles(project_id)
            .into_iter()
            .find(|r| r["name"] == format!("projects/{project_id}/roles/{id}"));
    }
    if tail == "locations/global/workloadIdentityPools" {
        project(project_id)?;
        return Some(paged(
            "workloadIdentityPools",
            wif_pools(project_id),
            param("pageToken"),
            1,
        ));
    }
    if let Some(pool) = tail
        .strip_prefix("locations/global/workloadIdentityPools/")
        .and_then(|p| p.strip_suffix("/providers"))
    {
        return Some(paged(
            "workloadIdentityPoolProviders",
            wif_providers(project_id, pool),
            param("pageToken"),
            1,
        ));
    }
    if tail == "serviceAccounts" {
        project(project_id)?;
        return Some(paged(
            "accounts",
            accounts(project_id),
            param("pageToken"),
            SA_PAGE,
        ));
    }
    let sa = tail.strip_prefix("serviceAccounts/")?;
    if let Some(email) = sa.strip_suffix(":getIamPolicy") {
        if param("options.requestedPolicyVersion").as_deref() != Some("3") {
            return Some(json!({"version": 1, "etag": "ACAB"}));
        }
        return Some(json!({
            "version": 3,
            "etag": "BwSA=",
            "bindings": [{"role": "roles/iam.serviceAccountUser",
                          "members": [format!("user:dev@example.com"), format!("serviceAccount:{email}")]}],
        }));
    }
    let (email, key_part) = match sa.split_once('/') {
        Some((e, k)) => (e, Some(k)),
        None => (sa, None),
    };
    let project_of = |email: &str| -> Option<String> {
        let domain = email.split_once('@')?.1;
        Some(domain.strip_suffix(".iam.gserviceaccount.com")?.to_string())
    };
    let owner = if project_id == "-" {
        project_of(email)?
    } else {
        project_id.to_string()
    };
    let account = accounts(&owner).into_iter().find(|a| a["email"] == email)?;
    match key_part {
        None => Some(account),
        Some("keys") => Some(json!({"keys": keys(&owner, email)})),
        Some(k) => {
            let id = k.strip_prefix("keys/")?;
            let mut key = keys(&owner, email).into_iter().find(|x| {
                x["name"]
                    .as_str()
                    .is_some_and(|n| n.ends_with(&format!("/{id}")))
            })?;
            let data = match param("publicKeyType").as_deref() {
                Some("TYPE_X509_PEM_FILE") => base64::engine::general_purpose::STANDARD.encode(
                    format!("-----BEGIN CERTIFICATE-----\nMIIC{id}\n-----END CERTIFICATE-----\n"),
                ),
                _ => format!("MIIBIjAN{id}"),
            };
            key["publicKeyData"] = json!(data);
            Some(key)
        }
    }
}

/// Three buckets of alpha-proj (two pages): one public, one with a conditional binding.
pub fn buckets(project: &str) -> Vec<Value> {
    if project != "alpha-proj" {
        return Vec::new();
    }
    ["alpha-data", "alpha-logs", "alpha-public"]
        .iter()
        .map(|name| {
            let mut b = json!({
                "kind": "storage#bucket",
                "selfLink": format!("https://www.googleapis.com/storage/v1/b/{name}"),
                "id": name,
                "name": name,
                "projectNumber": "111111111111",
                "metageneration": "3",
                "location": "US",
                "storageClass": "STANDARD",
                "etag": "CAM=",
                "timeCreated": "2024-04-01T08:00:00.000Z",
                "updated": "2024-04-02T08:00:00.000Z",
                "locationType": "multi-region",
                "labels": {"owner": "data"},
                "owner": {"entity": "project-owners-111111111111"},
                "iamConfiguration": {
                    "bucketPolicyOnly": {"enabled": *name != "alpha-logs"},
                    "uniformBucketLevelAccess": {"enabled": *name != "alpha-logs"},
                    "publicAccessPrevention": if *name == "alpha-public" { "inherited" } else { "enforced" },
                },
            });
            if *name == "alpha-logs" {
                b["versioning"] = json!({"enabled": true});
                b["retentionPolicy"] = json!({"retentionPeriod": "86400", "effectiveTime": "2024-04-01T08:00:00Z", "isLocked": true});
            }
            b
        })
        .collect()
}

fn storage(rest: &str, param: &dyn Fn(&str) -> Option<String>) -> Option<Value> {
    if rest.is_empty() {
        if param("projection").as_deref() != Some("full") {
            return Some(json!({"kind": "storage#buckets", "items": []}));
        }
        let project = param("project")?;
        let mut page = paged("items", buckets(&project), param("pageToken"), 2);
        page["kind"] = json!("storage#buckets");
        return Some(page);
    }
    let name = rest.strip_prefix('/')?.strip_suffix("/iam")?;
    buckets("alpha-proj").iter().find(|b| b["name"] == name)?;
    let mut bindings =
        vec![json!({"role": "roles/storage.admin", "members": ["projectOwner:alpha-proj"]})];
    if name == "alpha-public" {
        bindings.push(json!({"role": "roles/storage.objectViewer", "members": ["allUsers"]}));
    }
    let v3 = param("optionsRequestedPolicyVersion").as_deref() == Some("3");
    if name == "alpha-data" && v3 {
        bindings.push(json!({"role": "roles/storage.objectAdmin", "members": ["group:analysts@example.com"],
            "condition": {"title": "tmp-prefix", "expression": "resource.name.startsWith(\"projects/_/buckets/alpha-data/objects/tmp/\")"}}));
    }
    Some(json!({
        "kind": "storage#policy",
        "resourceId": format!("projects/_/buckets/{name}"),
        "version": if v3 { 3 } else { 1 },
        "etag": "CAE=",
        "bindings": bindings,
    }))
}

/// Workload identity pools of a project: `aws-ci` and a disabled `old-pool` (alpha-proj
/// only; other projects have none). Names carry the project number, as the API's do.
pub fn wif_pools(project_id: &str) -> Vec<Value> {
    if project_id != "alpha-proj" {
        return Vec::new();
    }
    let base = "projects/1001/locations/global/workloadIdentityPools";
    vec![
        json!({"name": format!("{base}/aws-ci"), "displayName": "AWS CI", "state": "ACTIVE", "disabled": false}),
        json!({"name": format!("{base}/old-pool"), "state": "ACTIVE", "disabled": true}),
        // A name of the wrong shape is never followed.
        json!({"name": "projects/1001/locations/global/workloadIdentityPools/x?y=1", "state": "ACTIVE"}),
    ]
}

/// Providers of one pool (pools are addressed by project number).
pub fn wif_providers(project_number: &str, pool: &str) -> Vec<Value> {
    let base = format!(
        "projects/{project_number}/locations/global/workloadIdentityPools/{pool}/providers"
    );
    match pool {
        "aws-ci" => vec![
            json!({"name": format!("{base}/aws-prod"), "displayName": "AWS prod", "state": "ACTIVE",
                   "attributeMapping": {"google.subject": "assertion.arn"},
                   "aws": {"accountId": "123456789012"}}),
            json!({"name": format!("{base}/github"), "state": "ACTIVE", "disabled": true,
                   "attributeCondition": "assertion.repository_owner == 'acme'",
                   "oidc": {"issuerUri": "https://token.actions.githubusercontent.com", "allowedAudiences": ["gcp"]}}),
        ],
        "old-pool" => vec![
            json!({"name": format!("{base}/aws-old"), "state": "ACTIVE", "aws": {"accountId": "210987654321"}}),
        ],
        _ => Vec::new(),
    }
}
