//! A local stand-in for the Azure APIs the `azure` and `azuread` providers call: the
//! Microsoft Entra token endpoint (`/{tenant}/oauth2/v2.0/token`, client secret and client
//! assertion grants), the App Service managed identity endpoint, Azure Resource Manager and
//! Microsoft Graph v1.0, answering in their documented JSON shapes with small pages
//! (`nextLink`, `@odata.nextLink`), injected 429s (with and without `Retry-After`), low
//! `x-ms-ratelimit-remaining-subscription-reads`, 403s (`AuthorizationFailed`,
//! `Authorization_RequestDenied`) and next links to another host.
//! Shared by `tables/tests/azure_local.rs` and `daemon/tests/e2e_azure.rs`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const TENANT: &str = "11111111-1111-4111-8111-111111111111";
pub const SUB_A: &str = "aaaaaaaa-0000-4000-8000-000000000001";
pub const SUB_B: &str = "bbbbbbbb-0000-4000-8000-000000000002";
pub const CLIENT_ID: &str = "c0ffee00-0000-4000-8000-000000000001";
pub const CLIENT_SECRET: &str = "s3cr3t~value.for-tests";
pub const ARM_TOKEN: &str = "eyJ0eXAi.arm-token-for-scanner";
pub const GRAPH_TOKEN: &str = "eyJ0eXAi.graph-token-for-scanner";
/// The App Service managed identity endpoint's secret header value.
pub const IDENTITY_HEADER: &str = "identity-header-value";
/// The workload identity's federated (Kubernetes) token.
pub const FEDERATED_TOKEN: &str = "k8s.federated.token";

pub const ALICE: &str = "0a000000-0000-4000-8000-00000000a11c";
pub const BOB: &str = "0b000000-0000-4000-8000-000000000b0b";
pub const MALLORY: &str = "0c000000-0000-4000-8000-0000000000cc";
pub const ADMINS: &str = "9a000000-0000-4000-8000-0000000000ad";
pub const EVERYONE: &str = "9b000000-0000-4000-8000-0000000000e1";
pub const DEPLOY_SP: &str = "5a000000-0000-4000-8000-0000000000d1";
pub const MI_SP: &str = "5b000000-0000-4000-8000-0000000000d2";
pub const DEPLOY_APP: &str = "6a000000-0000-4000-8000-0000000000a1";
pub const GRAPH_SP: &str = "5c000000-0000-4000-8000-00000000009a";
pub const GLOBAL_ADMIN_ROLE: &str = "7a000000-0000-4000-8000-0000000000a1";
/// A display name from an untrusted person.
pub const HOSTILE_NAME: &str = "Robert'); DROP TABLE users;-- \"\\ \u{1F600}\n<script>";

/// Items per page of every list.
pub const PAGE: usize = 2;

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub bearer: Option<String>,
    pub body: String,
    pub headers: Vec<(String, String)>,
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
#[derive(Default)]
pub struct Fake {
    pub seen: Mutex<Vec<Seen>>,
    pub faults: Mutex<Vec<Fault>>,
    /// Paths containing one of these answer 403.
    pub denied: Mutex<Vec<String>>,
    /// Paths containing one of these report this many remaining subscription reads.
    pub low_reads: Mutex<Vec<(String, u64)>>,
    /// Paths containing one of these get a next link to another host.
    pub evil_next: Mutex<Vec<String>>,
    /// `host:port` the next links name.
    pub origin: Mutex<String>,
}

/// A running fake.
pub struct FakeAzure {
    pub addr: SocketAddr,
    pub state: Arc<Fake>,
    pub router: Router,
}

impl FakeAzure {
    /// Base URL of one API as the connection's `endpoints` name it.
    pub fn endpoint(&self, api: &str) -> String {
        match api {
            "management" => format!("http://{}/arm", self.addr),
            "graph" => format!("http://{}/graph", self.addr),
            other => panic!("no fake for {other}"),
        }
    }

    /// The App Service managed identity endpoint (`IDENTITY_ENDPOINT`).
    pub fn identity_endpoint(&self) -> String {
        format!("http://{}/msi/token", self.addr)
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

    pub fn low_reads(&self, path: &str, remaining: u64) {
        if let Ok(mut d) = self.state.low_reads.lock() {
            d.push((path.into(), remaining));
        }
    }

    pub fn evil_next(&self, path: &str) {
        if let Ok(mut d) = self.state.evil_next.lock() {
            d.push(path.into());
        }
    }
}

/// Start the fake on a loopback port (plain HTTP).
pub async fn start() -> FakeAzure {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let state = Arc::new(Fake::default());
    if let Ok(mut o) = state.origin.lock() {
        *o = addr.to_string();
    }
    let router = Router::new().fallback(handle).with_state(state.clone());
    let app = router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FakeAzure {
        addr,
        state,
        router,
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

fn azure_error(status: u16, code: &str, message: &str) -> Response {
    reply(status, json!({"error": {"code": code, "message": message}}))
}

fn form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| percent_decode(&s.replace('+', " "));
            (dec(k), dec(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && s.is_char_boundary(i + 3)
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn token_for(scope_or_resource: &str) -> Option<&'static str> {
    let s = scope_or_resource
        .trim_end_matches("/.default")
        .trim_end_matches('/');
    match s {
        "https://management.azure.com" => Some(ARM_TOKEN),
        "https://graph.microsoft.com" => Some(GRAPH_TOKEN),
        _ => None,
    }
}

fn entra_error(status: u16, error: &str, code: i32, description: &str) -> Response {
    reply(
        status,
        json!({"error": error, "error_description": description, "error_codes": [code],
               "timestamp": "2026-01-01 00:00:00Z", "trace_id": "t", "correlation_id": "c"}),
    )
}

/// `POST /{tenant}/oauth2/v2.0/token`.
fn token_endpoint(tenant: &str, body: &str) -> Response {
    let f = form(body);
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if tenant != TENANT {
        return entra_error(
            400,
            "invalid_request",
            90002,
            "AADSTS90002: Tenant not found.",
        );
    }
    if get("client_id") != Some(CLIENT_ID) {
        return entra_error(
            400,
            "unauthorized_client",
            700016,
            "AADSTS700016: Application not found in the directory.",
        );
    }
    let grant_ok = match get("grant_type") {
        Some("client_credentials") => {
            get("client_secret") == Some(CLIENT_SECRET)
                || (get("client_assertion_type")
                    == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                    && get("client_assertion") == Some(FEDERATED_TOKEN))
        }
        _ => false,
    };
    if !grant_ok {
        return entra_error(
            401,
            "invalid_client",
            7000215,
            "AADSTS7000215: Invalid client secret provided.",
        );
    }
    match get("scope").and_then(token_for) {
        Some(t) => reply(
            200,
            json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": t}),
        ),
        None => entra_error(400, "invalid_scope", 70011, "AADSTS70011: invalid scope."),
    }
}

/// `GET /msi/token?api-version=2019-08-01&resource=...` (App Service).
fn msi_endpoint(query: &str, headers: &HeaderMap) -> Response {
    if headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok())
        != Some(IDENTITY_HEADER)
    {
        return reply(
            401,
            json!({"error": "unauthorized", "error_description": "bad header"}),
        );
    }
    let q = form(query);
    let resource = q
        .iter()
        .find(|(k, _)| k == "resource")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    match token_for(&resource) {
        Some(t) => {
            let expires = chrono::Utc::now().timestamp() + 3600;
            reply(
                200,
                json!({"access_token": t, "expires_on": expires.to_string(), "resource": resource, "token_type": "Bearer"}),
            )
        }
        None => reply(400, json!({"error": "invalid_resource"})),
    }
}

async fn handle(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
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
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect(),
            at: Instant::now(),
        });
    }
    if let Some(tenant) = path
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix("/oauth2/v2.0/token"))
    {
        return token_endpoint(tenant, &body_text);
    }
    if path == "/msi/token" {
        return msi_endpoint(&query, &headers);
    }
    let (api, rest, token) = if let Some(r) = path.strip_prefix("/arm") {
        ("arm", r.to_string(), ARM_TOKEN)
    } else if let Some(r) = path.strip_prefix("/graph") {
        ("graph", r.to_string(), GRAPH_TOKEN)
    } else {
        return azure_error(404, "NotFound", "no such API");
    };
    if bearer.as_deref() != Some(token) {
        return azure_error(
            401,
            "InvalidAuthenticationToken",
            "The access token is invalid (wrong audience).",
        );
    }
    if let Ok(mut faults) = fake.faults.lock()
        && let Some(f) = faults
            .iter_mut()
            .find(|f| f.times > 0 && path.contains(&f.path))
    {
        {
            f.times -= 1;
            let mut resp = if f.status == 429 {
                azure_error(
                    429,
                    "TooManyRequests",
                    "The request is being throttled as the limit has been reached for operation type - Read.",
                )
            } else {
                azure_error(f.status, "InternalServerError", "try again")
            };
            if let Some(ra) = &f.retry_after
                && let Ok(v) = ra.parse()
            {
                resp.headers_mut().insert("retry-after", v);
            }
            return resp;
        }
    }
    let denied = fake
        .denied
        .lock()
        .map(|d| d.iter().any(|p| path.contains(p.as_str())))
        .unwrap_or(false);
    if denied {
        return if api == "arm" {
            azure_error(
                403,
                "AuthorizationFailed",
                "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read' over scope.",
            )
        } else {
            azure_error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        };
    }
    let params = form(&query);
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let answer = if api == "arm" {
        if param("api-version").is_none() {
            return azure_error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            );
        }
        arm(&rest, &param)
    } else {
        graph(&rest, &param)
    };
    let Some(answer) = answer else {
        return if api == "arm" {
            azure_error(404, "ResourceNotFound", &format!("no resource at {rest}"))
        } else {
            azure_error(404, "Request_ResourceNotFound", "Resource does not exist.")
        };
    };
    // Page lists: `value` arrays are cut into pages of PAGE items.
    let answer = match answer {
        Answer::One(v) => v,
        Answer::List(items) => {
            let skip: usize = param("$skiptoken")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let origin = fake.origin.lock().map(|o| o.clone()).unwrap_or_default();
            let evil = fake
                .evil_next
                .lock()
                .map(|d| d.iter().any(|p| path.contains(p.as_str())))
                .unwrap_or(false);
            let page: Vec<Value> = items.iter().skip(skip).take(PAGE).cloned().collect();
            let mut body = json!({ "value": page });
            if skip + PAGE < items.len() {
                let kept: Vec<String> = query
                    .split('&')
                    .filter(|p| {
                        !p.is_empty()
                            && !p.starts_with("%24skiptoken")
                            && !p.starts_with("$skiptoken")
                    })
                    .map(str::to_string)
                    .collect();
                let host = if evil {
                    "attacker.example:80".to_string()
                } else {
                    origin
                };
                let link = format!(
                    "http://{host}{path}?{}{}%24skiptoken={}",
                    kept.join("&"),
                    if kept.is_empty() { "" } else { "&" },
                    skip + PAGE
                );
                body[if api == "arm" {
                    "nextLink"
                } else {
                    "@odata.nextLink"
                }] = Value::String(link);
            }
            if api == "graph" {
                body["@odata.context"] = Value::String(format!(
                    "https://graph.microsoft.com/v1.0/$metadata#{}",
                    rest.trim_start_matches("/v1.0/")
                ));
            }
            body
        }
    };
    let mut resp = reply(200, answer);
    if api == "arm" {
        let remaining = fake
            .low_reads
            .lock()
            .ok()
            .and_then(|d| {
                d.iter()
                    .find(|(p, _)| path.contains(p.as_str()))
                    .map(|(_, n)| *n)
            })
            .unwrap_or(11999);
        if let Ok(v) = remaining.to_string().parse() {
            resp.headers_mut()
                .insert("x-ms-ratelimit-remaining-subscription-reads", v);
        }
    }
    resp
}

enum Answer {
    One(Value),
    List(Vec<Value>),
}

// ---- the tenant the fake serves ----

fn subscription(id: &str) -> Option<Value> {
    let name = match id {
        SUB_A => "Production",
        SUB_B => "Development",
        _ => return None,
    };
    Some(json!({
        "id": format!("/subscriptions/{id}"),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": id,
        "tenantId": TENANT,
        "displayName": name,
        "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
        "tags": {"env": name.to_lowercase()}
    }))
}

fn management_groups() -> Vec<Value> {
    let mg = |name: &str, display: &str| {
        json!({"id": format!("/providers/Microsoft.Management/managementGroups/{name}"),
               "type": "Microsoft.Management/managementGroups", "name": name,
               "properties": {"tenantId": TENANT, "displayName": display}})
    };
    vec![
        mg(TENANT, "Tenant Root Group"),
        mg("mg-prod", "Production"),
        mg("mg-dev", "Development"),
    ]
}

fn management_group(name: &str) -> Option<Value> {
    let mut g = management_groups()
        .into_iter()
        .find(|g| g["name"] == name)?;
    let child_mg = |n: &str, d: &str| {
        json!({"type": "Microsoft.Management/managementGroups",
               "id": format!("/providers/Microsoft.Management/managementGroups/{n}"), "name": n, "displayName": d})
    };
    let child_sub = |s: &str, d: &str| json!({"type": "/subscriptions", "id": format!("/subscriptions/{s}"), "name": s, "displayName": d});
    let root_parent = json!({"id": format!("/providers/Microsoft.Management/managementGroups/{TENANT}"), "name": TENANT, "displayName": "Tenant Root Group"});
    let (parent, children) = match name {
        "mg-prod" => (root_parent.clone(), vec![child_sub(SUB_A, "Production")]),
        "mg-dev" => (root_parent, vec![child_sub(SUB_B, "Development")]),
        _ => (
            Value::Null,
            vec![
                child_mg("mg-prod", "Production"),
                child_mg("mg-dev", "Development"),
            ],
        ),
    };
    g["properties"]["details"] = json!({"version": 3, "updatedTime": "2025-06-01T10:00:00Z", "updatedBy": ALICE, "parent": parent});
    g["properties"]["children"] = Value::Array(children);
    Some(g)
}

fn resource_groups(sub: &str) -> Vec<Value> {
    let rg = |name: &str, location: &str, tags: Value| {
        json!({"id": format!("/subscriptions/{sub}/resourceGroups/{name}"), "name": name,
               "type": "Microsoft.Resources/resourceGroups", "location": location,
               "tags": tags, "properties": {"provisioningState": "Succeeded"}})
    };
    match sub {
        SUB_A => vec![
            rg("rg-web", "westeurope", json!({"owner": HOSTILE_NAME})),
            rg("rg-data", "westeurope", json!({})),
            json!({"id": format!("/subscriptions/{sub}/resourceGroups/MC_aks_westeurope"), "name": "MC_aks_westeurope",
                   "type": "Microsoft.Resources/resourceGroups", "location": "westeurope",
                   "managedBy": format!("/subscriptions/{sub}/resourcegroups/rg-web/providers/Microsoft.ContainerService/managedClusters/aks"),
                   "properties": {"provisioningState": "Succeeded"}}),
        ],
        SUB_B => vec![rg("rg-dev", "eastus", json!({"env": "dev"}))],
        _ => Vec::new(),
    }
}

pub const OWNER_ROLE: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub const READER_ROLE: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
pub const BLOB_READER_ROLE: &str = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
pub const CUSTOM_ROLE: &str = "c1000000-0000-4000-8000-0000000000c1";

fn role_definitions(sub: &str) -> Vec<Value> {
    let def = |id: &str, name: &str, kind: &str, scopes: Value, perms: Value| {
        json!({"id": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{id}"),
               "type": "Microsoft.Authorization/roleDefinitions", "name": id,
               "properties": {"roleName": name, "type": kind, "description": format!("{name} role"),
                              "assignableScopes": scopes, "permissions": perms,
                              "createdOn": "2015-02-02T21:55:09.8806423Z", "updatedOn": "2024-01-01T00:00:00Z"}})
    };
    let mut out = vec![
        def(
            OWNER_ROLE,
            "Owner",
            "BuiltInRole",
            json!(["/"]),
            json!([{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}]),
        ),
        def(
            READER_ROLE,
            "Reader",
            "BuiltInRole",
            json!(["/"]),
            json!([{"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}]),
        ),
        def(
            BLOB_READER_ROLE,
            "Storage Blob Data Reader",
            "BuiltInRole",
            json!(["/"]),
            json!([{"actions": ["Microsoft.Storage/storageAccounts/blobServices/containers/read"], "notActions": [],
                    "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"], "notDataActions": []}]),
        ),
    ];
    if sub == SUB_A {
        out.push(def(CUSTOM_ROLE, "VM Operator", "CustomRole", json!([format!("/subscriptions/{SUB_A}")]),
            json!([{"actions": ["Microsoft.Compute/virtualMachines/*"], "notActions": ["Microsoft.Compute/virtualMachines/delete"],
                    "dataActions": [], "notDataActions": []}])));
    }
    out
}

fn role_assignments(sub: &str) -> Vec<Value> {
    let ra = |id: &str,
              scope: String,
              role: &str,
              principal: &str,
              ptype: &str,
              condition: Option<&str>| {
        json!({"id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{id}"),
               "type": "Microsoft.Authorization/roleAssignments", "name": id,
               "properties": {"roleDefinitionId": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
                              "principalId": principal, "principalType": ptype, "scope": scope,
                              "condition": condition, "conditionVersion": condition.map(|_| "2.0"),
                              "createdOn": "2025-01-02T03:04:05.000Z", "updatedOn": "2025-01-02T03:04:05.000Z",
                              "createdBy": BOB, "updatedBy": BOB, "delegatedManagedIdentityResourceId": null,
                              "description": null}})
    };
    let mg_prod = "/providers/Microsoft.Management/managementGroups/mg-prod".to_string();
    match sub {
        SUB_A => vec![
            ra(
                "a1000000-0000-4000-8000-000000000001",
                format!("/subscriptions/{SUB_A}"),
                OWNER_ROLE,
                ALICE,
                "User",
                None,
            ),
            ra(
                "a1000000-0000-4000-8000-000000000002",
                mg_prod,
                READER_ROLE,
                ADMINS,
                "Group",
                None,
            ),
            ra(
                "a1000000-0000-4000-8000-000000000003",
                format!("/subscriptions/{SUB_A}/resourceGroups/rg-data"),
                BLOB_READER_ROLE,
                DEPLOY_SP,
                "ServicePrincipal",
                Some(
                    "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'public'))",
                ),
            ),
        ],
        SUB_B => vec![ra(
            "b1000000-0000-4000-8000-000000000001",
            format!("/subscriptions/{SUB_B}"),
            CUSTOM_ROLE,
            MI_SP,
            "ServicePrincipal",
            None,
        )],
        _ => Vec::new(),
    }
}

/// A user-assigned identity's principal (object) id.
pub const UAMI_PRINCIPAL: &str = "5d000000-0000-4000-8000-0000000000e1";

fn virtual_machines(sub: &str) -> Vec<Value> {
    if sub != SUB_A {
        return Vec::new();
    }
    let rg = format!("/subscriptions/{sub}/resourceGroups/rg-web");
    let uami = format!("{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-id");
    let vm = |name: &str, identity: Value| {
        json!({"id": format!("{rg}/providers/Microsoft.Compute/virtualMachines/{name}"), "name": name,
               "type": "Microsoft.Compute/virtualMachines", "location": "westeurope", "tags": {"role": "web"},
               "zones": ["1"], "identity": identity,
               "properties": {"vmId": "0f000000-0000-4000-8000-000000000001", "provisioningState": "Succeeded",
                              "timeCreated": "2025-02-03T04:05:06.1234567+00:00",
                              "hardwareProfile": {"vmSize": "Standard_B2s"},
                              "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
                                                 "osDisk": {"osType": "Linux", "name": format!("{name}-os"), "managedDisk": {"id": format!("{rg}/providers/Microsoft.Compute/disks/{name}-os")}},
                                                 "dataDisks": []},
                              "osProfile": {"computerName": name, "adminUsername": "azureuser", "allowExtensionOperations": true,
                                            "linuxConfiguration": {"disablePasswordAuthentication": true, "ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": "ssh-ed25519 AAAA"}]}}},
                              "networkProfile": {"networkInterfaces": [{"id": format!("{rg}/providers/Microsoft.Network/networkInterfaces/{name}-nic")}]},
                              "securityProfile": null}})
    };
    vec![
        vm(
            "web-1",
            json!({"type": "SystemAssigned, UserAssigned", "principalId": MI_SP, "tenantId": TENANT,
                            "userAssignedIdentities": {uami.clone(): {"principalId": UAMI_PRINCIPAL, "clientId": "d3a00000-0000-4000-8000-0000000000a3"}}}),
        ),
        vm("web-2", Value::Null),
    ]
}

fn key_vaults(sub: &str) -> Vec<Value> {
    if sub != SUB_A {
        return Vec::new();
    }
    let rg = format!("/subscriptions/{sub}/resourceGroups/rg-data");
    let kv = |name: &str, rbac: bool, policies: Value| {
        json!({"id": format!("{rg}/providers/Microsoft.KeyVault/vaults/{name}"), "name": name,
               "type": "Microsoft.KeyVault/vaults", "location": "westeurope", "tags": {},
               "properties": {"sku": {"family": "A", "name": "standard"}, "tenantId": TENANT,
                              "accessPolicies": policies, "enabledForDeployment": false, "enabledForDiskEncryption": false,
                              "enabledForTemplateDeployment": false, "enableSoftDelete": true, "softDeleteRetentionInDays": 90,
                              "enableRbacAuthorization": rbac, "enablePurgeProtection": null, "createMode": null,
                              "vaultUri": format!("https://{name}.vault.azure.net/"), "provisioningState": "Succeeded",
                              "networkAcls": null, "privateEndpointConnections": []}})
    };
    vec![
        kv(
            "kv-legacy",
            false,
            json!([{"tenantId": TENANT, "objectId": DEPLOY_SP,
            "permissions": {"keys": [], "secrets": ["get", "list", "set"], "certificates": []}}]),
        ),
        kv("kv-rbac", true, json!([])),
    ]
}

fn storage_accounts(sub: &str) -> Vec<Value> {
    if sub != SUB_A {
        return Vec::new();
    }
    vec![
        json!({"id": format!("/subscriptions/{sub}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/contosodata"),
                "name": "contosodata", "type": "Microsoft.Storage/storageAccounts", "location": "westeurope",
                "kind": "StorageV2", "sku": {"name": "Standard_LRS", "tier": "Standard"}, "tags": {},
                "properties": {"accessTier": "Hot", "creationTime": "2024-01-02T03:04:05.0000000Z",
                               "allowBlobPublicAccess": true, "allowSharedKeyAccess": true, "allowCrossTenantReplication": false,
                               "defaultToOAuthAuthentication": false, "supportsHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_0",
                               "isHnsEnabled": false, "publicNetworkAccess": "Enabled", "provisioningState": "Succeeded",
                               "primaryLocation": "westeurope", "primaryEndpoints": {"blob": "https://contosodata.blob.core.windows.net/"},
                               "encryption": {"keySource": "Microsoft.Storage", "requireInfrastructureEncryption": false,
                                              "services": {"blob": {"enabled": true, "keyType": "Account"}}},
                               "networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow", "ipRules": [], "virtualNetworkRules": []},
                               "privateEndpointConnections": []}}),
    ]
}

fn arm(path: &str, param: &dyn Fn(&str) -> Option<String>) -> Option<Answer> {
    let _ = param;
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["subscriptions"] => Some(Answer::List(
            [SUB_A, SUB_B]
                .iter()
                .filter_map(|s| subscription(s))
                .collect(),
        )),
        ["subscriptions", id] => subscription(id).map(Answer::One),
        ["tenants"] => Some(Answer::List(vec![json!({
            "id": format!("/tenants/{TENANT}"), "tenantId": TENANT, "tenantCategory": "Home",
            "country": "Netherlands", "countryCode": "NL", "displayName": "Contoso",
            "domains": ["contoso.onmicrosoft.com", "contoso.example"], "defaultDomain": "contoso.example",
            "tenantType": "AAD"})])),
        ["providers", "Microsoft.Management", "managementGroups"] => {
            Some(Answer::List(management_groups()))
        }
        [
            "providers",
            "Microsoft.Management",
            "managementGroups",
            name,
        ] => management_group(name).map(Answer::One),
        ["subscriptions", sub, "resourcegroups"] => {
            subscription(sub).map(|_| Answer::List(resource_groups(sub)))
        }
        [
            "subscriptions",
            sub,
            "providers",
            "Microsoft.Authorization",
            "roleAssignments",
        ] => subscription(sub).map(|_| Answer::List(role_assignments(sub))),
        [
            "subscriptions",
            sub,
            "providers",
            "Microsoft.Authorization",
            "roleDefinitions",
        ] => subscription(sub).map(|_| Answer::List(role_definitions(sub))),
        [
            "subscriptions",
            sub,
            "providers",
            "Microsoft.Compute",
            "virtualMachines",
        ] => subscription(sub).map(|_| Answer::List(virtual_machines(sub))),
        [
            "subscriptions",
            sub,
            "providers",
            "Microsoft.KeyVault",
            "vaults",
        ] => subscription(sub).map(|_| Answer::List(key_vaults(sub))),
        [
            "subscriptions",
            sub,
            "providers",
            "Microsoft.Storage",
            "storageAccounts",
        ] => subscription(sub).map(|_| Answer::List(storage_accounts(sub))),
        _ => None,
    }
}

fn users() -> Vec<Value> {
    let user = |id: &str, name: &str, upn: &str, enabled: bool, kind: &str| {
        json!({"id": id, "displayName": name, "userPrincipalName": upn, "accountEnabled": enabled,
               "userType": kind, "givenName": name.split(' ').next(), "surname": null,
               "createdDateTime": "2024-03-04T05:06:07Z", "mail": upn, "mailNickname": upn.split('@').next(),
               "passwordPolicies": null, "signInSessionsValidFromDateTime": "2024-03-04T05:06:07Z",
               "usageLocation": "NL", "externalUserState": if kind == "Guest" { json!("Accepted") } else { Value::Null },
               "employeeId": null, "jobTitle": null, "department": null, "onPremisesImmutableId": null,
               "onPremisesSyncEnabled": null, "onPremisesLastSyncDateTime": null,
               "imAddresses": [], "otherMails": []})
    };
    vec![
        user(
            ALICE,
            "Alice Admin",
            "alice@contoso.example",
            true,
            "Member",
        ),
        user(BOB, "Bob Builder", "bob@contoso.example", true, "Member"),
        user(
            MALLORY,
            HOSTILE_NAME,
            "mallory_gmail.com#EXT#@contoso.example",
            false,
            "Guest",
        ),
    ]
}

fn groups() -> Vec<Value> {
    let group = |id: &str, name: &str, role_assignable: bool| {
        json!({"id": id, "displayName": name, "description": null, "classification": null,
               "createdDateTime": "2024-01-01T00:00:00Z", "expirationDateTime": null,
               "isAssignableToRole": role_assignable, "mail": null, "mailEnabled": false,
               "mailNickname": name.to_lowercase(), "membershipRule": null, "membershipRuleProcessingState": null,
               "onPremisesSyncEnabled": null, "renewedDateTime": "2024-01-01T00:00:00Z", "securityEnabled": true,
               "securityIdentifier": "S-1-12-1-1", "visibility": "Private", "groupTypes": [], "proxyAddresses": []})
    };
    vec![
        group(ADMINS, "Cloud Admins", true),
        group(EVERYONE, "Everyone", false),
    ]
}

fn directory_object(id: &str, kind: &str) -> Value {
    json!({"@odata.type": format!("#microsoft.graph.{kind}"), "id": id})
}

fn service_principals() -> Vec<Value> {
    let sp = |id: &str, name: &str, app_id: &str, kind: &str, tags: Value| {
        json!({"id": id, "displayName": name, "appId": app_id, "accountEnabled": true,
               "appDisplayName": name, "appOwnerOrganizationId": TENANT, "appRoleAssignmentRequired": false,
               "servicePrincipalType": kind, "signInAudience": "AzureADMyOrg", "appDescription": null,
               "description": null, "loginUrl": null, "logoutUrl": null, "alternativeNames": [],
               "appRoles": [], "info": {"termsOfServiceUrl": null}, "keyCredentials": [],
               "notificationEmailAddresses": [], "passwordCredentials": [
                   {"keyId": "k1", "displayName": "ci", "hint": "s3c", "startDateTime": "2025-01-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z", "secretText": null}],
               "oauth2PermissionScopes": [], "replyUrls": [], "servicePrincipalNames": [app_id], "tags": tags})
    };
    vec![
        sp(
            DEPLOY_SP,
            "deploy-app",
            "d1a00000-0000-4000-8000-0000000000a1",
            "Application",
            json!(["WindowsAzureActiveDirectoryIntegratedApp"]),
        ),
        sp(
            MI_SP,
            "vm-identity",
            "d2a00000-0000-4000-8000-0000000000a2",
            "ManagedIdentity",
            json!([]),
        ),
        sp(
            GRAPH_SP,
            "Microsoft Graph",
            "00000003-0000-0000-c000-000000000000",
            "Application",
            json!([]),
        ),
    ]
}

fn applications() -> Vec<Value> {
    vec![
        json!({"id": DEPLOY_APP, "displayName": "deploy-app", "appId": "d1a00000-0000-4000-8000-0000000000a1",
                "createdDateTime": "2024-05-06T07:08:09Z", "description": null, "publisherDomain": "contoso.example",
                "signInAudience": "AzureADMyOrg", "api": {"requestedAccessTokenVersion": 2}, "identifierUris": [],
                "info": {}, "keyCredentials": [], "parentalControlSettings": {"countriesBlockedForMinors": []},
                "passwordCredentials": [], "spa": {"redirectUris": []}, "web": {"redirectUris": []}, "tags": ["ci"]}),
    ]
}

fn graph(path: &str, param: &dyn Fn(&str) -> Option<String>) -> Option<Answer> {
    // Graph answers only the properties asked for with $select (plus id).
    let select = param("$select");
    let pick = |v: Value| -> Value {
        match (&select, v) {
            (Some(sel), Value::Object(m)) => {
                let keys: Vec<&str> = sel.split(',').collect();
                Value::Object(
                    m.into_iter()
                        .filter(|(k, _)| {
                            k == "id" || k == "@odata.type" || keys.contains(&k.as_str())
                        })
                        .collect(),
                )
            }
            (_, v) => v,
        }
    };
    let list = |items: Vec<Value>| Some(Answer::List(items.into_iter().map(pick).collect()));
    let find = |items: Vec<Value>, id: &str| {
        items
            .into_iter()
            .find(|v| v["id"] == id)
            .map(|v| Answer::One(pick(v)))
    };
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["v1.0", "organization"] => list(vec![json!({"id": TENANT, "displayName": "Contoso"})]),
        ["v1.0", "users"] => list(users()),
        ["v1.0", "users", id] => find(users(), id),
        ["v1.0", "users", id, "memberOf"] => match *id {
            ALICE => list(vec![
                json!({"@odata.type": "#microsoft.graph.group", "id": ADMINS, "displayName": "Cloud Admins"}),
                json!({"@odata.type": "#microsoft.graph.directoryRole", "id": GLOBAL_ADMIN_ROLE, "displayName": "Global Administrator"}),
            ]),
            BOB | MALLORY => list(vec![]),
            _ => None,
        },
        ["v1.0", "groups"] => list(groups()),
        ["v1.0", "groups", id] => find(groups(), id),
        ["v1.0", "groups", id, "members"] => match *id {
            ADMINS => list(vec![
                directory_object(ALICE, "user"),
                directory_object(DEPLOY_SP, "servicePrincipal"),
                directory_object(EVERYONE, "group"),
            ]),
            EVERYONE => list(vec![directory_object(ALICE, "user"), directory_object(BOB, "user"), directory_object(MALLORY, "user")]),
            _ => None,
        },
        ["v1.0", "groups", id, "owners"] => match *id {
            ADMINS => list(vec![directory_object(BOB, "user")]),
            EVERYONE => list(vec![]),
            _ => None,
        },
        ["v1.0", "servicePrincipals"] => list(service_principals()),
        ["v1.0", "servicePrincipals", id] => find(service_principals(), id),
        ["v1.0", "servicePrincipals", id, "owners"] => match *id {
            DEPLOY_SP => list(vec![directory_object(BOB, "user")]),
            MI_SP | GRAPH_SP => list(vec![]),
            _ => None,
        },
        ["v1.0", "servicePrincipals", id, "appRoleAssignments"] => match *id {
            // Application.ReadWrite.All on Microsoft Graph.
            DEPLOY_SP => list(vec![json!({"id": "ara-1", "appRoleId": "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
                                          "resourceId": GRAPH_SP, "resourceDisplayName": "Microsoft Graph",
                                          "principalId": DEPLOY_SP, "principalType": "ServicePrincipal",
                                          "createdDateTime": "2025-01-01T00:00:00Z"})]),
            MI_SP | GRAPH_SP => list(vec![]),
            _ => None,
        },
        ["v1.0", "applications"] => list(applications()),
        ["v1.0", "applications", id] => find(applications(), id),
        ["v1.0", "applications", id, "owners"] => (*id == DEPLOY_APP).then(|| Answer::List(vec![directory_object(BOB, "user")])),
        ["v1.0", "applications", id, "federatedIdentityCredentials"] => (*id == DEPLOY_APP).then(|| {
            Answer::List(vec![json!({"id": "f1", "name": "github-main", "issuer": "https://token.actions.githubusercontent.com",
                                     "subject": "repo:contoso/infra:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"],
                                     "description": null})])
        }),
        ["v1.0", "directoryRoles"] => list(vec![
            json!({"id": GLOBAL_ADMIN_ROLE, "description": "Can manage all aspects of Microsoft Entra ID.", "displayName": "Global Administrator", "roleTemplateId": "62e90394-69f5-4237-9190-012177145e10"}),
            json!({"id": "7b000000-0000-4000-8000-0000000000b2", "description": "Can manage role assignments in Microsoft Entra ID.", "displayName": "Privileged Role Administrator", "roleTemplateId": "e8611ab8-c189-46e8-94e1-60213ab1f814"}),
        ]),
        ["v1.0", "directoryRoles", id, "members"] => match *id {
            GLOBAL_ADMIN_ROLE => list(vec![directory_object(ALICE, "user")]),
            _ => list(vec![]),
        },
        _ => None,
    }
}
