//! `gcp_service_account_key`: keys of every service account of each project (IAM v1
//! `serviceAccounts.keys.list`; the public key data through `keys.get` hydrate calls).

use base64::Engine;
use futures::StreamExt;
use serde_json::Value;

use super::rest::IAM;
use super::source::{Cursor, GcpSource, last_segment, need, put, unknown_hydrate};
use super::{GcpHydrate, GcpTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_service_account_key",
        description: "Keys of the service accounts of each project of the connection.",
        service: "iam",
        scope: Scope::Global,
        columns: gcp_columns![
            col(
                "name",
                Text,
                "The friendly name that identifies the service account key."
            ),
            col(
                "service_account_name",
                Text,
                "Service account in which the key is located."
            ),
            col("key_type", Text, "The type of the service account key."),
            col(
                "key_algorithm",
                Text,
                "Specifies the algorithm (and possibly key size) for the key."
            ),
            col("key_origin", Text, "Specifies the origin of the key."),
            hcol(
                "public_key_data_pem",
                Text,
                "Specifies the public key data in PEM format.",
                &HYDRATE_PUBLIC_KEY_PEM
            ),
            hcol(
                "public_key_data_raw",
                Text,
                "Specifies the public key data in raw format.",
                &HYDRATE_PUBLIC_KEY_RAW
            ),
            col(
                "valid_after_time",
                Timestamp,
                "Specifies the timestamp, after which the key can be used."
            ),
            col(
                "valid_before_time",
                Timestamp,
                "Specifies the timestamp, after which the key gets invalid."
            ),
        ],
        get_keys: &[],
        id_column: "name",
    },
    list: |s, req, token| {
        Box::pin(async move { list(s, req, Cursor::parse(token.as_deref())).await })
    },
    get: None,
};

static HYDRATE_PUBLIC_KEY_RAW: GcpHydrate = GcpHydrate::new("public_key_raw", |s, _, row| {
    Box::pin(hydrate(s, "public_key_raw", row))
});

static HYDRATE_PUBLIC_KEY_PEM: GcpHydrate = GcpHydrate::new("public_key_pem", |s, _, row| {
    Box::pin(hydrate(s, "public_key_pem", row))
});

const LIST: &str = "iam.serviceAccountKeys.list";
const GET: &str = "iam.serviceAccountKeys.get";

/// Key lists fetched at once for one page of service accounts.
const KEY_LISTS_IN_FLIGHT: usize = 4;

fn key_row(src: &GcpSource, project: &str, k: &Value) -> Row {
    let name = k.get("name").and_then(Value::as_str).unwrap_or_default();
    // projects/{project}/serviceAccounts/{email}/keys/{id}
    let parts: Vec<&str> = name.split('/').collect();
    let id = last_segment(name);
    let mut row = Row::new();
    row.insert("name".into(), Value::String(id.to_string()));
    row.insert(
        "service_account_name".into(),
        parts
            .get(3)
            .map(|s| Value::String(s.to_string()))
            .unwrap_or(Value::Null),
    );
    put(&mut row, "key_type", k, "keyType");
    put(&mut row, "key_algorithm", k, "keyAlgorithm");
    put(&mut row, "key_origin", k, "keyOrigin");
    put(&mut row, "valid_after_time", k, "validAfterTime");
    put(&mut row, "valid_before_time", k, "validBeforeTime");
    src.common(
        &mut row,
        project,
        "global",
        Value::String(id.to_string()),
        vec![format!("gcp://iam.googleapis.com/{name}")],
    );
    row
}

async fn keys_of(src: &GcpSource, project: &str, email: &str) -> Result<Vec<Row>, FetchError> {
    let path = format!(
        "/v1/projects/{}/serviceAccounts/{}/keys",
        urlencoding::encode(project),
        urlencoding::encode(email)
    );
    // A service account deleted between the two lists has no keys to report.
    let Some(body) = src.rest.get_opt(IAM, &path, &[], LIST).await? else {
        return Ok(Vec::new());
    };
    Ok(body
        .get("keys")
        .and_then(Value::as_array)
        .map(|ks| ks.iter().map(|k| key_row(src, project, k)).collect())
        .unwrap_or_default())
}

/// One page of service accounts of one project, with the keys of each.
pub(crate) async fn list(
    src: &GcpSource,
    req: &ListRequest,
    cursor: Cursor,
) -> Result<Page, FetchError> {
    let projects = src.projects_for(req).await?;
    let Some(project) = projects.get(cursor.project) else {
        return Ok(Page::default());
    };
    let (accounts, next) =
        super::service_account::page(src, project, cursor.page.as_deref()).await?;
    let emails: Vec<String> = accounts
        .iter()
        .filter_map(|a| a.get("email").and_then(Value::as_str).map(str::to_string))
        .collect();
    let results: Vec<Result<Vec<Row>, FetchError>> = futures::stream::iter(emails)
        .map(|email| async move { keys_of(src, project, &email).await })
        .buffered(KEY_LISTS_IN_FLIGHT)
        .collect()
        .await;
    let mut rows = Vec::new();
    for r in results {
        rows.extend(r?);
    }
    Ok(Page {
        rows,
        next: match next {
            Some(t) => cursor.next_page(t),
            None => cursor.next_project(projects.len()),
        },
    })
}

/// `public_key_pem` / `public_key_raw`: `keys.get` with the matching `publicKeyType`.
pub(crate) async fn hydrate(src: &GcpSource, hydrate: &str, row: &Row) -> Result<Row, FetchError> {
    let (key_type, column) = match hydrate {
        "public_key_pem" => ("TYPE_X509_PEM_FILE", "public_key_data_pem"),
        "public_key_raw" => ("TYPE_RAW_PUBLIC_KEY", "public_key_data_raw"),
        _ => return Err(unknown_hydrate(&TABLE.def, hydrate)),
    };
    let project = need(row, "project", GET)?;
    let email = need(row, "service_account_name", GET)?;
    let id = need(row, "name", GET)?;
    let path = format!(
        "/v1/projects/{}/serviceAccounts/{}/keys/{}",
        urlencoding::encode(project),
        urlencoding::encode(email),
        urlencoding::encode(id)
    );
    let body = src
        .rest
        .get_opt(IAM, &path, &[("publicKeyType", key_type)], GET)
        .await?;
    let data = body
        .as_ref()
        .and_then(|b| b.get("publicKeyData"))
        .and_then(Value::as_str);
    let value = match (hydrate, data) {
        (_, None) => Value::Null,
        // Steampipe decodes the PEM file and keeps the raw key as IAM sends it.
        ("public_key_pem", Some(d)) => base64::engine::general_purpose::STANDARD
            .decode(d)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Value::String)
            .unwrap_or(Value::Null),
        (_, Some(d)) => Value::String(d.to_string()),
    };
    let mut out = Row::new();
    out.insert(column.into(), value);
    Ok(out)
}
