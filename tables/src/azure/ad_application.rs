//! `azuread_application`: application registrations of the directory (Microsoft Graph v1.0
//! `GET /applications`, with owners and federated identity credentials as hydrate calls).

use serde_json::Value;

use super::graph;
use super::source::{AzureSource, put};
use super::{AzureHydrate, AzureTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azuread_application",
        description: "Application registrations of the Microsoft Entra directory, with owners, credentials and federated identity credentials.",
        service: "graph",
        scope: Scope::Global,
        columns: azuread_columns![
            col(
                "display_name",
                Text,
                "The display name for the application."
            ),
            col(
                "id",
                Text,
                "The unique identifier for the application (object id)."
            ),
            col(
                "app_id",
                Text,
                "The unique identifier for the application that is assigned to an application by Microsoft Entra ID."
            ),
            col(
                "created_date_time",
                Timestamp,
                "The date and time the application was registered."
            ),
            col(
                "description",
                Text,
                "Free text field to provide a description of the application object to end users."
            ),
            col(
                "publisher_domain",
                Text,
                "The verified publisher domain for the application."
            ),
            col(
                "sign_in_audience",
                Text,
                "Specifies the Microsoft accounts that are supported for the current application (AzureADMyOrg, AzureADMultipleOrgs, ...)."
            ),
            col(
                "api",
                Json,
                "Specifies settings for an application that implements a web API."
            ),
            col(
                "identifier_uris",
                Json,
                "The URIs that identify the application within its Microsoft Entra tenant."
            ),
            col(
                "info",
                Json,
                "Basic profile information of the application such as app's marketing, support, terms of service and privacy statement URLs."
            ),
            col(
                "key_credentials",
                Json,
                "The collection of key credentials (certificates) associated with the application."
            ),
            hcol(
                "owner_ids",
                Json,
                "Id of the owners of the application.",
                &OWNERS
            ),
            col(
                "parental_control_settings",
                Json,
                "Specifies parental control settings for an application."
            ),
            col(
                "password_credentials",
                Json,
                "The collection of password credentials associated with the application (hint, dates; never the secret)."
            ),
            col(
                "spa",
                Json,
                "Specifies settings for a single-page application, including sign out URLs and redirect URIs."
            ),
            col("web", Json, "Specifies settings for a web application."),
            hcol(
                "federated_identity_credentials",
                Json,
                "pathwarden: external identities trusted to act as the application ([{name, issuer, subject, audiences}]).",
                &FEDERATED
            ),
            col(
                "tags_src",
                Json,
                "Custom strings that can be used to categorize and identify the application."
            ),
            col("tags", Json, "A map of tags for the resource."),
            col("title", Text, "Title of the resource."),
        ],
        get_keys: &["id"],
        id_column: "id",
    },
    list: |s, _, token| Box::pin(graph::list(s, "applications", SELECT, token, LIST, app_row)),
    get: Some(|s, _, _, key| Box::pin(graph::get(s, "applications", key, SELECT, GET, app_row))),
};

static OWNERS: AzureHydrate = AzureHydrate::new("owners", |s, _, row| Box::pin(owners(s, row)));
static FEDERATED: AzureHydrate =
    AzureHydrate::new("federated_identity_credentials", |s, _, row| {
        Box::pin(federated(s, row))
    });

const LIST: &str = "graph:applications.list";
const GET: &str = "graph:applications.get";
const LIST_OWNERS: &str = "graph:applications.owners.list";
const LIST_FEDERATED: &str = "graph:applications.federatedIdentityCredentials.list";

const SELECT: &str = "id,displayName,appId,createdDateTime,description,publisherDomain,signInAudience,api,identifierUris,info,keyCredentials,parentalControlSettings,passwordCredentials,spa,web,tags";

fn app_row(src: &AzureSource, a: &Value) -> Row {
    let mut row = Row::new();
    for (column, key) in [
        ("display_name", "displayName"),
        ("id", "id"),
        ("app_id", "appId"),
        ("created_date_time", "createdDateTime"),
        ("description", "description"),
        ("publisher_domain", "publisherDomain"),
        ("sign_in_audience", "signInAudience"),
        ("api", "api"),
        ("identifier_uris", "identifierUris"),
        ("info", "info"),
        ("key_credentials", "keyCredentials"),
        ("parental_control_settings", "parentalControlSettings"),
        ("password_credentials", "passwordCredentials"),
        ("spa", "spa"),
        ("web", "web"),
        ("tags_src", "tags"),
    ] {
        put(&mut row, column, a, key);
    }
    row.insert("tags".into(), graph::tags_map(a));
    row.insert("title".into(), graph::title(a));
    src.azuread_common(&mut row);
    row
}

async fn owners(src: &AzureSource, row: &Row) -> Result<Row, FetchError> {
    let items = graph::related(src, row, "applications", "owners", "id", LIST_OWNERS).await?;
    let mut out = Row::new();
    out.insert("owner_ids".into(), graph::ids(&items));
    Ok(out)
}

async fn federated(src: &AzureSource, row: &Row) -> Result<Row, FetchError> {
    let items = graph::related(
        src,
        row,
        "applications",
        "federatedIdentityCredentials",
        "id,name,issuer,subject,audiences,description",
        LIST_FEDERATED,
    )
    .await?;
    let mut out = Row::new();
    out.insert("federated_identity_credentials".into(), Value::Array(items));
    Ok(out)
}
