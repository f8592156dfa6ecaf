//! `gcp_compute_instance`: VM instances of each project (Compute Engine v1
//! `instances.aggregatedList`), with the service account each runs as and its OAuth
//! scopes, and the instance metadata (what `setMetadata` escalations change).

use serde_json::{Value, json};

use super::GcpTable;
use super::rest::COMPUTE;
use super::source::{Cursor, GcpSource, last_segment, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_compute_instance",
        description: "Compute Engine VM instances of each project of the connection.",
        service: "compute",
        scope: Scope::Global,
        columns: gcp_columns![
            col("name", Text, "The name of the resource."),
            col("id", Text, "The unique identifier for the resource."),
            col(
                "machine_type_name",
                Text,
                "Name of the machine type of the instance."
            ),
            col(
                "status",
                Text,
                "The status of the instance (PROVISIONING, STAGING, RUNNING, STOPPING, SUSPENDING, SUSPENDED, REPAIRING, TERMINATED)."
            ),
            col(
                "can_ip_forward",
                Bool,
                "Allows this instance to send and receive packets with non-matching destination or source IPs."
            ),
            col(
                "creation_timestamp",
                Timestamp,
                "Creation timestamp in RFC3339 text format."
            ),
            col(
                "deletion_protection",
                Bool,
                "Whether the resource should be protected against deletion."
            ),
            col(
                "description",
                Text,
                "An optional description of this resource."
            ),
            col("hostname", Text, "The custom hostname of the instance."),
            col(
                "machine_type",
                Text,
                "Full or partial URL of the machine type resource."
            ),
            col("self_link", Text, "Server-defined URL for this resource."),
            col("zone", Text, "URL of the zone where the instance resides."),
            col(
                "zone_name",
                Text,
                "The zone name in which the instance resides."
            ),
            col(
                "disks",
                Json,
                "Array of disks associated with this instance."
            ),
            col("labels", Json, "Labels to apply to this instance."),
            col(
                "metadata",
                Json,
                "The metadata key/value pairs assigned to this instance (startup scripts, ssh-keys, enable-oslogin)."
            ),
            col(
                "network_interfaces",
                Json,
                "An array of network configurations for this instance."
            ),
            col("scheduling", Json, "Scheduling options for this instance."),
            col(
                "service_accounts",
                Json,
                "A list of service accounts, with their specified scopes, authorized for this instance."
            ),
            col(
                "shielded_instance_config",
                Json,
                "Shielded VM options of the instance."
            ),
            col("network_tags", Json, "Network tags of the instance."),
            col("tags", Json, "A map of tags for the resource."),
        ],
        get_keys: &[],
        id_column: "self_link",
    },
    list: |s, req, token| {
        Box::pin(async move { list(s, req, Cursor::parse(token.as_deref())).await })
    },
    get: None,
};

const AGGREGATED_LIST: &str = "compute.instances.aggregatedList";

pub(crate) fn instance_row(src: &GcpSource, project: &str, i: &Value) -> Row {
    let mut row = Row::new();
    let name = i.get("name").and_then(Value::as_str).unwrap_or_default();
    let zone = i.get("zone").and_then(Value::as_str).unwrap_or_default();
    put(&mut row, "name", i, "name");
    row.insert(
        "id".into(),
        i.get("id")
            .map(|v| {
                json!(
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                )
            })
            .unwrap_or(Value::Null),
    );
    row.insert(
        "machine_type_name".into(),
        i.get("machineType")
            .and_then(Value::as_str)
            .map(|m| json!(last_segment(m)))
            .unwrap_or(Value::Null),
    );
    for (column, key) in [
        ("status", "status"),
        ("can_ip_forward", "canIpForward"),
        ("creation_timestamp", "creationTimestamp"),
        ("deletion_protection", "deletionProtection"),
        ("description", "description"),
        ("hostname", "hostname"),
        ("machine_type", "machineType"),
        ("self_link", "selfLink"),
        ("zone", "zone"),
        ("disks", "disks"),
        ("labels", "labels"),
        ("metadata", "metadata"),
        ("network_interfaces", "networkInterfaces"),
        ("scheduling", "scheduling"),
        ("service_accounts", "serviceAccounts"),
        ("shielded_instance_config", "shieldedInstanceConfig"),
    ] {
        put(&mut row, column, i, key);
    }
    row.insert("zone_name".into(), json!(last_segment(zone)));
    row.insert(
        "network_tags".into(),
        i.pointer("/tags/items").cloned().unwrap_or(Value::Null),
    );
    put(&mut row, "tags", i, "labels");
    let self_link = i
        .get("selfLink")
        .and_then(Value::as_str)
        .unwrap_or_default();
    src.common(
        &mut row,
        project,
        last_segment(zone),
        json!(name),
        vec![format!(
            "gcp://compute.googleapis.com/{}",
            self_link
                .split_once("/projects/")
                .map(|(_, rest)| format!("projects/{rest}"))
                .unwrap_or_else(|| format!(
                    "projects/{project}/zones/{}/instances/{name}",
                    last_segment(zone)
                ))
        )],
    );
    row
}

/// Per project, page by page of `aggregatedList` (instances of every zone).
pub(crate) async fn list(
    src: &GcpSource,
    req: &ListRequest,
    cursor: Cursor,
) -> Result<Page, FetchError> {
    let projects = src.projects_for(req).await?;
    let Some(project) = projects.get(cursor.project) else {
        return Ok(Page::default());
    };
    let path = format!(
        "/compute/v1/projects/{}/aggregated/instances",
        urlencoding::encode(project)
    );
    let mut query = vec![("maxResults", "500"), ("returnPartialSuccess", "true")];
    if let Some(t) = cursor.page.as_deref() {
        query.push(("pageToken", t));
    }
    let body = src
        .rest
        .get(COMPUTE, &path, &query, AGGREGATED_LIST)
        .await?;
    let mut rows = Vec::new();
    if let Some(Value::Object(scopes)) = body.get("items") {
        for scoped in scopes.values() {
            for i in scoped
                .get("instances")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                rows.push(instance_row(src, project, i));
            }
        }
    }
    let next = body
        .get("nextPageToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    Ok(Page {
        rows,
        next: match next {
            Some(t) => cursor.next_page(t),
            None => cursor.next_project(projects.len()),
        },
    })
}
