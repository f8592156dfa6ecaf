//! What the `azuread_*` tables share: Microsoft Graph v1.0 list pages with `$select` (the
//! framework's page token is the `@odata.nextLink`), and the id lists of an object's
//! members or owners filled by hydrate calls.

use serde_json::Value;

use super::rest::GRAPH;
use super::source::{AzureSource, need};
use crate::framework::{FetchError, Page, Row};

/// Page size asked of Graph (`$top`; Graph caps it per collection).
pub(crate) const PAGE_SIZE: &str = "999";

/// Collections whose list accepts `$top` (`directoryRoles` is not paged and refuses it).
const TOP_COLLECTIONS: &[&str] = &["users", "groups", "servicePrincipals", "applications"];

/// One page of `/v1.0/{collection}` with the given `$select`, rows built by `row_of`.
pub(crate) async fn list(
    src: &AzureSource,
    collection: &str,
    select: &str,
    token: Option<String>,
    api_call: &str,
    row_of: impl Fn(&AzureSource, &Value) -> Row,
) -> Result<Page, FetchError> {
    let path = format!("/v1.0/{collection}");
    let mut query = vec![("$select", select)];
    if TOP_COLLECTIONS.contains(&collection) {
        query.push(("$top", PAGE_SIZE));
    }
    let (items, next) = src
        .rest
        .page(GRAPH, &path, &query, token.as_deref(), api_call)
        .await?;
    Ok(Page {
        rows: items.iter().map(|i| row_of(src, i)).collect(),
        next,
    })
}

/// One object by id (`/v1.0/{collection}/{id}`); ids that are not GUIDs find nothing.
pub(crate) async fn get(
    src: &AzureSource,
    collection: &str,
    id: &str,
    select: &str,
    api_call: &str,
    row_of: impl Fn(&AzureSource, &Value) -> Row,
) -> Result<Option<Row>, FetchError> {
    if !super::source::is_guid(id) {
        return Ok(None);
    }
    let path = format!("/v1.0/{collection}/{id}");
    Ok(src
        .rest
        .get_opt(GRAPH, &path, &[("$select", select)], api_call)
        .await?
        .map(|v| row_of(src, &v)))
}

/// The items of `/v1.0/{collection}/{row.id}/{relation}` (every page), as `column`.
pub(crate) async fn related(
    src: &AzureSource,
    row: &Row,
    collection: &str,
    relation: &str,
    select: &str,
    api_call: &str,
) -> Result<Vec<Value>, FetchError> {
    let id = need(row, "id", api_call)?;
    if !super::source::is_guid(id) {
        return Ok(Vec::new());
    }
    let path = format!("/v1.0/{collection}/{id}/{relation}");
    src.rest
        .all(GRAPH, &path, &[("$select", select)], api_call)
        .await
}

/// The `id`s of related objects as a JSON array.
pub(crate) fn ids(items: &[Value]) -> Value {
    Value::Array(items.iter().filter_map(|i| i.get("id").cloned()).collect())
}

/// Steampipe's `tags` of a Graph object: its `tags` strings as `{tag: true}`.
pub(crate) fn tags_map(v: &Value) -> Value {
    match v.get("tags").and_then(Value::as_array) {
        None => Value::Null,
        Some(tags) => Value::Object(
            tags.iter()
                .filter_map(Value::as_str)
                .map(|t| (t.to_string(), Value::Bool(true)))
                .collect(),
        ),
    }
}

/// Title of a Graph object: its display name, else its id.
pub(crate) fn title(v: &Value) -> Value {
    v.get("displayName")
        .filter(|d| d.as_str().is_some_and(|s| !s.is_empty()))
        .or_else(|| v.get("id"))
        .cloned()
        .unwrap_or(Value::Null)
}
