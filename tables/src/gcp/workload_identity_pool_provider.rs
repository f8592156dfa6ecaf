//! `gcp_iam_workload_identity_pool_provider` (pathwarden-named; Steampipe has no table for
//! workload identity federation): the providers of every workload identity pool of each
//! project (IAM v1 `projects.locations.workloadIdentityPools.list` and
//! `.providers.list`). A provider that trusts an AWS account or an OIDC issuer lets
//! identities outside Google Cloud act as the pool's principals; the privilege graph turns
//! an AWS provider into CAN_ASSUME edges from the AWS roles it admits.

use serde_json::{Value, json};

use super::GcpTable;
use super::rest::IAM;
use super::source::{Cursor, GcpSource, last_segment, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_iam_workload_identity_pool_provider",
        description: "Providers of the workload identity pools of each project (who outside \
                      Google Cloud can act as the pool's principals).",
        service: "iam",
        scope: Scope::Global,
        columns: gcp_columns![
            col(
                "name",
                Text,
                "Resource name: projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>."
            ),
            col("pool_id", Text, "Id of the pool."),
            col("provider_id", Text, "Id of the provider."),
            col("display_name", Text, "Display name of the provider."),
            col("description", Text, "Description of the provider."),
            col("state", Text, "ACTIVE, DELETED."),
            col("disabled", Bool, "Whether the provider is disabled."),
            col(
                "pool_disabled",
                Bool,
                "Whether the pool is disabled (then none of its providers works)."
            ),
            col(
                "attribute_mapping",
                Json,
                "How attributes of the external token map to Google attributes."
            ),
            col(
                "attribute_condition",
                Text,
                "CEL condition an external credential must satisfy (empty: any)."
            ),
            col(
                "aws_account_id",
                Text,
                "For an AWS provider: the AWS account whose identities it admits."
            ),
            col(
                "oidc_issuer_uri",
                Text,
                "For an OIDC provider: the issuer it trusts."
            ),
            col(
                "oidc_allowed_audiences",
                Json,
                "For an OIDC provider: the audiences it accepts."
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

const LIST_POOLS: &str = "iam.workloadIdentityPools.list";
const LIST_PROVIDERS: &str = "iam.workloadIdentityPoolProviders.list";

/// One provider of `pool` as a row.
pub(crate) fn provider_row(src: &GcpSource, project: &str, pool: &Value, p: &Value) -> Row {
    let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
    let pool_name = pool.get("name").and_then(Value::as_str).unwrap_or_default();
    let mut row = Row::new();
    row.insert("name".into(), Value::String(name.to_string()));
    row.insert(
        "pool_id".into(),
        Value::String(last_segment(pool_name).to_string()),
    );
    row.insert(
        "provider_id".into(),
        Value::String(last_segment(name).to_string()),
    );
    put(&mut row, "display_name", p, "displayName");
    put(&mut row, "description", p, "description");
    put(&mut row, "state", p, "state");
    row.insert(
        "disabled".into(),
        Value::Bool(p.get("disabled").and_then(Value::as_bool).unwrap_or(false)),
    );
    row.insert(
        "pool_disabled".into(),
        Value::Bool(
            pool.get("disabled")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                || pool.get("state").and_then(Value::as_str) == Some("DELETED"),
        ),
    );
    row.insert(
        "attribute_mapping".into(),
        p.get("attributeMapping").cloned().unwrap_or(json!({})),
    );
    put(&mut row, "attribute_condition", p, "attributeCondition");
    if let Some(aws) = p.get("aws") {
        put(&mut row, "aws_account_id", aws, "accountId");
    }
    if let Some(oidc) = p.get("oidc") {
        put(&mut row, "oidc_issuer_uri", oidc, "issuerUri");
        row.insert(
            "oidc_allowed_audiences".into(),
            oidc.get("allowedAudiences").cloned().unwrap_or(json!([])),
        );
    }
    let title = p
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| last_segment(name));
    src.common(
        &mut row,
        project,
        "global",
        Value::String(title.to_string()),
        vec![format!("gcp://iam.googleapis.com/{name}")],
    );
    row
}

/// Every provider of every pool of one project per framework page.
pub(crate) async fn list(
    src: &GcpSource,
    req: &ListRequest,
    cursor: Cursor,
) -> Result<Page, FetchError> {
    let projects = src.projects_for(req).await?;
    let Some(project) = projects.get(cursor.project) else {
        return Ok(Page::default());
    };
    let pools_path = format!(
        "/v1/projects/{}/locations/global/workloadIdentityPools",
        urlencoding::encode(project)
    );
    let pools = src
        .rest
        .all_pages(
            IAM,
            &pools_path,
            &[("pageSize", "50")],
            "workloadIdentityPools",
            LIST_POOLS,
        )
        .await?;
    let mut rows = Vec::new();
    for pool in &pools {
        let Some(pool_name) = pool.get("name").and_then(Value::as_str) else {
            continue;
        };
        // Names come back as projects/<number>/locations/global/workloadIdentityPools/<id>;
        // only that shape is followed (never a path the response makes up).
        if !is_pool_name(pool_name) {
            continue;
        }
        let providers = src
            .rest
            .all_pages(
                IAM,
                &format!("/v1/{pool_name}/providers"),
                &[("pageSize", "50")],
                "workloadIdentityPoolProviders",
                LIST_PROVIDERS,
            )
            .await?;
        rows.extend(
            providers
                .iter()
                .map(|p| provider_row(src, project, pool, p)),
        );
    }
    Ok(Page {
        rows,
        next: cursor.next_project(projects.len()),
    })
}

/// `projects/<id>/locations/global/workloadIdentityPools/<id>` with plain segments.
fn is_pool_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    parts.len() == 6
        && parts[0] == "projects"
        && plain(parts[1])
        && parts[2] == "locations"
        && parts[3] == "global"
        && parts[4] == "workloadIdentityPools"
        && plain(parts[5])
}

#[cfg(test)]
mod tests {
    use super::is_pool_name;

    #[test]
    fn only_pool_names_of_the_documented_shape_are_followed() {
        assert!(is_pool_name(
            "projects/610000000004/locations/global/workloadIdentityPools/aws-ci"
        ));
        for bad in [
            "projects/1/locations/global/workloadIdentityPools/../../x",
            "projects/1/locations/global/workloadIdentityPools/p?x=1",
            "projects/1/locations/us/workloadIdentityPools/p",
            "https://evil.example/projects/1/locations/global/workloadIdentityPools/p",
            "projects/1/locations/global/workloadIdentityPools/",
        ] {
            assert!(!is_pool_name(bad), "{bad}");
        }
    }
}
