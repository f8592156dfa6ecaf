//! `gcp_service_account`: service accounts of each project (IAM v1
//! `projects.serviceAccounts.list`/`get`, and `getIamPolicy` as a hydrate call).

use serde_json::Value;

use super::rest::IAM;
use super::source::{Cursor, GcpSource, need, put, unknown_hydrate};
use super::{GcpHydrate, GcpTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_service_account",
        description: "Service accounts of each project of the connection.",
        service: "iam",
        scope: Scope::Global,
        columns: gcp_columns![
            col(
                "name",
                Text,
                "The resource name of the service account (its email)."
            ),
            col("email", Text, "The email address of the service account."),
            col(
                "unique_id",
                Text,
                "The unique, stable numeric ID for the service account."
            ),
            col(
                "display_name",
                Text,
                "A user-specified, human-readable name for the service account."
            ),
            col(
                "disabled",
                Bool,
                "Specifies whether the service is account is disabled, or not."
            ),
            col(
                "description",
                Text,
                "A user-specified, human-readable description of the service account."
            ),
            col(
                "oauth2_client_id",
                Text,
                "The OAuth 2.0 client ID for the service account."
            ),
            hcol(
                "iam_policy",
                Json,
                "The IAM policy of the service account (who may act as it, create keys for it...), policy version 3.",
                &HYDRATE_IAM_POLICY
            ),
        ],
        get_keys: &["name"],
        id_column: "name",
    },
    list: |s, req, token| {
        Box::pin(async move { list(s, req, Cursor::parse(token.as_deref())).await })
    },
    get: Some(|s, _, _, key| Box::pin(get(s, key))),
};

static HYDRATE_IAM_POLICY: GcpHydrate = GcpHydrate::new("iam_policy", |s, _, row| {
    Box::pin(hydrate(s, "iam_policy", row))
});

const LIST: &str = "iam.serviceAccounts.list";
const GET: &str = "iam.serviceAccounts.get";
const GET_IAM_POLICY: &str = "iam.serviceAccounts.getIamPolicy";

/// Page size of `serviceAccounts.list` (Steampipe's).
const PAGE_SIZE: &str = "100";

pub(crate) fn account_row(src: &GcpSource, a: &Value) -> Row {
    let mut row = Row::new();
    let email = a.get("email").and_then(Value::as_str).unwrap_or_default();
    let project = a
        .get("projectId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = a.get("name").and_then(Value::as_str).unwrap_or_default();
    row.insert(
        "name".into(),
        Value::String(super::source::last_segment(name).to_string()),
    );
    put(&mut row, "email", a, "email");
    put(&mut row, "unique_id", a, "uniqueId");
    put(&mut row, "display_name", a, "displayName");
    row.insert(
        "disabled".into(),
        Value::Bool(a.get("disabled").and_then(Value::as_bool).unwrap_or(false)),
    );
    put(&mut row, "description", a, "description");
    put(&mut row, "oauth2_client_id", a, "oauth2ClientId");
    let title = a
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(email);
    src.common(
        &mut row,
        project,
        "global",
        Value::String(title.to_string()),
        vec![format!("gcp://iam.googleapis.com/{name}")],
    );
    row
}

/// One page of one project's service accounts (the raw API objects).
pub(crate) async fn page(
    src: &GcpSource,
    project: &str,
    token: Option<&str>,
) -> Result<(Vec<Value>, Option<String>), FetchError> {
    let path = format!(
        "/v1/projects/{}/serviceAccounts",
        urlencoding::encode(project)
    );
    src.rest
        .page(
            IAM,
            &path,
            &[("pageSize", PAGE_SIZE)],
            token,
            "accounts",
            LIST,
        )
        .await
}

/// Pages of every project in turn.
pub(crate) async fn list(
    src: &GcpSource,
    req: &ListRequest,
    cursor: Cursor,
) -> Result<Page, FetchError> {
    let projects = src.projects_for(req).await?;
    let Some(project) = projects.get(cursor.project) else {
        return Ok(Page::default());
    };
    let (items, next) = page(src, project, cursor.page.as_deref()).await?;
    Ok(Page {
        rows: items.iter().map(|a| account_row(src, a)).collect(),
        next: match next {
            Some(t) => cursor.next_page(t),
            None => cursor.next_project(projects.len()),
        },
    })
}

/// One service account by email, if it belongs to one of the connection's projects.
pub(crate) async fn get(src: &GcpSource, email: &str) -> Result<Option<Row>, FetchError> {
    // `-` lets IAM find the project from the email.
    let path = format!(
        "/v1/projects/-/serviceAccounts/{}",
        urlencoding::encode(email)
    );
    let Some(a) = src.rest.get_opt(IAM, &path, &[], GET).await? else {
        return Ok(None);
    };
    let project = a
        .get("projectId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(src
        .has_project(project)
        .await?
        .then(|| account_row(src, &a)))
}

/// `iam_policy`: `serviceAccounts.getIamPolicy` with policy version 3.
pub(crate) async fn hydrate(src: &GcpSource, hydrate: &str, row: &Row) -> Result<Row, FetchError> {
    if hydrate != "iam_policy" {
        return Err(unknown_hydrate(&TABLE.def, hydrate));
    }
    let project = need(row, "project", GET_IAM_POLICY)?;
    let email = need(row, "email", GET_IAM_POLICY)?;
    let path = format!(
        "/v1/projects/{}/serviceAccounts/{}:getIamPolicy",
        urlencoding::encode(project),
        urlencoding::encode(email)
    );
    let policy = src
        .rest
        .post(
            IAM,
            &path,
            &[("options.requestedPolicyVersion", "3")],
            &Value::Object(Default::default()),
            GET_IAM_POLICY,
        )
        .await?;
    let mut out = Row::new();
    out.insert("iam_policy".into(), policy);
    Ok(out)
}
