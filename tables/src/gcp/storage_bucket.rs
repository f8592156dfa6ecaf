//! `gcp_storage_bucket`: Cloud Storage buckets of each project (JSON API v1 `buckets.list`
//! with `projection=full`; `iam_policy`: `buckets.getIamPolicy`, policy version 3).

use serde_json::Value;

use super::rest::STORAGE;
use super::source::{Cursor, GcpSource, need, put, unknown_hydrate};
use super::{GcpHydrate, GcpTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_storage_bucket",
        description: "Cloud Storage buckets of each project of the connection.",
        service: "storage",
        scope: Scope::Global,
        columns: &[
            col("name", Text, "The name of the bucket."),
            col("id", Text, "The ID of the bucket."),
            col("kind", Text, "The kind of item this is."),
            col(
                "time_created",
                Timestamp,
                "The creation time of the bucket.",
            ),
            col("location_type", Text, "The type of the bucket location."),
            col("storage_class", Text, "The bucket's default storage class."),
            col(
                "billing_requester_pays",
                Bool,
                "When set to true, Requester Pays is enabled for this bucket.",
            ),
            col(
                "default_event_based_hold",
                Bool,
                "The default value for event-based hold on newly created objects in this bucket.",
            ),
            col(
                "default_kms_key_name",
                Text,
                "A Cloud KMS key that will be used to encrypt objects inserted into this bucket.",
            ),
            col("etag", Text, "HTTP 1.1 Entity tag for the bucket."),
            col(
                "iam_configuration_bucket_policy_only_enabled",
                Bool,
                "Whether the bucket uses bucket policy only (uniform access).",
            ),
            col(
                "iam_configuration_public_access_prevention",
                Text,
                "The bucket's public access prevention status (inherited or enforced).",
            ),
            col(
                "iam_configuration_uniform_bucket_level_access_enabled",
                Bool,
                "Whether uniform bucket-level access is enabled.",
            ),
            col("labels", Json, "Labels that apply to this bucket."),
            col(
                "log_bucket",
                Text,
                "The destination bucket where the current bucket's logs should be placed.",
            ),
            col("log_object_prefix", Text, "A prefix for log object names."),
            col(
                "metageneration",
                Int,
                "The metadata generation of this bucket.",
            ),
            col(
                "owner_entity",
                Text,
                "The entity, in the form project-owner-projectId.",
            ),
            col("owner_entity_id", Text, "The ID for the entity."),
            col(
                "project_number",
                Double,
                "The project number of the project the bucket belongs to.",
            ),
            col(
                "versioning_enabled",
                Bool,
                "While set to true, versioning is fully enabled for this bucket.",
            ),
            col(
                "website_main_page_suffix",
                Text,
                "The website main page suffix.",
            ),
            col(
                "website_not_found_page",
                Text,
                "The custom object returned when a requested resource is not found.",
            ),
            col("self_link", Text, "The URI of this bucket."),
            col("updated", Timestamp, "The modification time of the bucket."),
            col("acl", Json, "Access controls on the bucket."),
            col(
                "default_object_acl",
                Json,
                "Default access controls to apply to new objects.",
            ),
            col(
                "cors",
                Json,
                "The bucket's Cross-Origin Resource Sharing (CORS) configuration.",
            ),
            hcol(
                "iam_policy",
                Json,
                "The IAM policy of the bucket (policy version 3, conditions kept).",
                &HYDRATE_IAM_POLICY,
            ),
            col(
                "lifecycle_rules",
                Json,
                "The bucket's lifecycle configuration rules.",
            ),
            col("retention_policy", Json, "The bucket's retention policy."),
            col("tags", Json, "A map of tags for the resource."),
            col("title", Text, "Title of the resource."),
            col(
                "akas",
                Json,
                "Array of globally unique identifier strings (also known as) for the resource.",
            ),
            col("location", Text, "The location of the bucket."),
            col(
                "project",
                Text,
                "The GCP Project in which the resource is located.",
            ),
            col(
                "_ctx",
                Json,
                "pathwarden context: the connection that produced the row.",
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

static HYDRATE_IAM_POLICY: GcpHydrate = GcpHydrate::new("iam_policy", |s, _, row| {
    Box::pin(hydrate(s, "iam_policy", row))
});

const LIST: &str = "storage.buckets.list";
const GET_IAM_POLICY: &str = "storage.buckets.getIamPolicy";

fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter()
        .fold(v, |v, k| v.get(*k).unwrap_or(&Value::Null))
}

fn bucket_row(src: &GcpSource, project: &str, b: &Value) -> Row {
    let name = b.get("name").and_then(Value::as_str).unwrap_or_default();
    let mut row = Row::new();
    for (column, key) in [
        ("name", "name"),
        ("id", "id"),
        ("kind", "kind"),
        ("time_created", "timeCreated"),
        ("location_type", "locationType"),
        ("storage_class", "storageClass"),
        ("default_event_based_hold", "defaultEventBasedHold"),
        ("etag", "etag"),
        ("labels", "labels"),
        ("metageneration", "metageneration"),
        ("project_number", "projectNumber"),
        ("self_link", "selfLink"),
        ("updated", "updated"),
        ("acl", "acl"),
        ("default_object_acl", "defaultObjectAcl"),
        ("cors", "cors"),
        ("tags", "labels"),
        ("title", "name"),
        ("location", "location"),
    ] {
        put(&mut row, column, b, key);
    }
    for (column, path) in [
        ("billing_requester_pays", &["billing", "requesterPays"][..]),
        ("default_kms_key_name", &["encryption", "defaultKmsKeyName"]),
        (
            "iam_configuration_bucket_policy_only_enabled",
            &["iamConfiguration", "bucketPolicyOnly", "enabled"],
        ),
        (
            "iam_configuration_public_access_prevention",
            &["iamConfiguration", "publicAccessPrevention"],
        ),
        (
            "iam_configuration_uniform_bucket_level_access_enabled",
            &["iamConfiguration", "uniformBucketLevelAccess", "enabled"],
        ),
        ("log_bucket", &["logging", "logBucket"]),
        ("log_object_prefix", &["logging", "logObjectPrefix"]),
        ("owner_entity", &["owner", "entity"]),
        ("owner_entity_id", &["owner", "entityId"]),
        ("versioning_enabled", &["versioning", "enabled"]),
        ("website_main_page_suffix", &["website", "mainPageSuffix"]),
        ("website_not_found_page", &["website", "notFoundPage"]),
        ("lifecycle_rules", &["lifecycle", "rule"]),
    ] {
        row.insert(column.into(), at(b, path).clone());
    }
    // As Steampipe shapes it: an empty object when the bucket has none.
    let rp = b.get("retentionPolicy");
    row.insert(
        "retention_policy".into(),
        match rp {
            Some(rp) => serde_json::json!({
                "is_locked": rp.get("isLocked").cloned().unwrap_or(Value::Bool(false)),
                "retention_period": rp.get("retentionPeriod").cloned().unwrap_or(Value::Null),
                "effective_time": rp.get("effectiveTime").cloned().unwrap_or(Value::Null),
            }),
            None => serde_json::json!({}),
        },
    );
    row.insert(
        "akas".into(),
        serde_json::json!([format!(
            "gcp://storage.googleapis.com/projects/{project}/buckets/{name}"
        )]),
    );
    row.insert("project".into(), Value::String(project.to_string()));
    src.ctx(&mut row);
    row
}

/// Pages of every project's buckets in turn.
pub(crate) async fn list(
    src: &GcpSource,
    req: &ListRequest,
    cursor: Cursor,
) -> Result<Page, FetchError> {
    let projects = src.projects_for(req).await?;
    let Some(project) = projects.get(cursor.project) else {
        return Ok(Page::default());
    };
    let (items, next) = src
        .rest
        .page(
            STORAGE,
            "/storage/v1/b",
            &[
                ("project", project.as_str()),
                ("projection", "full"),
                ("maxResults", "1000"),
            ],
            cursor.page.as_deref(),
            "items",
            LIST,
        )
        .await?;
    Ok(Page {
        rows: items.iter().map(|b| bucket_row(src, project, b)).collect(),
        next: match next {
            Some(t) => cursor.next_page(t),
            None => cursor.next_project(projects.len()),
        },
    })
}

/// `iam_policy`: `buckets.getIamPolicy` with policy version 3.
pub(crate) async fn hydrate(src: &GcpSource, hydrate: &str, row: &Row) -> Result<Row, FetchError> {
    if hydrate != "iam_policy" {
        return Err(unknown_hydrate(&TABLE.def, hydrate));
    }
    let name = need(row, "name", GET_IAM_POLICY)?;
    let path = format!("/storage/v1/b/{}/iam", urlencoding::encode(name));
    let policy = src
        .rest
        .get(
            STORAGE,
            &path,
            &[("optionsRequestedPolicyVersion", "3")],
            GET_IAM_POLICY,
        )
        .await?;
    let mut out = Row::new();
    out.insert("iam_policy".into(), policy);
    Ok(out)
}
