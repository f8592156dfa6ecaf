//! `azuread_service_principal`: service principals (enterprise applications and managed
//! identities) of the directory (Microsoft Graph v1.0 `GET /servicePrincipals`, with owners
//! and the app roles granted to it as hydrate calls).

use serde_json::Value;

use super::graph;
use super::source::{AzureSource, put};
use super::{AzureHydrate, AzureTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azuread_service_principal",
        description: "Service principals of the Microsoft Entra directory (applications' instances and managed identities).",
        service: "graph",
        scope: Scope::Global,
        columns: azuread_columns![
            col(
                "id",
                Text,
                "The unique identifier for the service principal (object id)."
            ),
            col(
                "display_name",
                Text,
                "The display name for the service principal."
            ),
            col(
                "app_id",
                Text,
                "The unique identifier for the associated application (its appId property)."
            ),
            col(
                "account_enabled",
                Bool,
                "true if the service principal account is enabled; otherwise, false."
            ),
            col(
                "app_display_name",
                Text,
                "The display name exposed by the associated application."
            ),
            col(
                "app_owner_organization_id",
                Text,
                "Contains the tenant id where the application is registered."
            ),
            col(
                "app_role_assignment_required",
                Bool,
                "Specifies whether users or other service principals need to be granted an app role assignment for this service principal before users can sign in or apps can get tokens."
            ),
            col(
                "service_principal_type",
                Text,
                "Identifies whether the service principal represents an application, a managed identity or a legacy application."
            ),
            col(
                "sign_in_audience",
                Text,
                "Specifies the Microsoft accounts that are supported for the current application."
            ),
            col(
                "app_description",
                Text,
                "The description exposed by the associated application."
            ),
            col(
                "description",
                Text,
                "Free text field to provide an internal end-user facing description of the service principal."
            ),
            col(
                "login_url",
                Text,
                "Specifies the URL where the service provider redirects the user to Microsoft Entra ID to authenticate."
            ),
            col(
                "logout_url",
                Text,
                "Specifies the URL that will be used by Microsoft's authorization service to logout an user."
            ),
            col(
                "alternative_names",
                Json,
                "Used to retrieve service principals by subscription, identify resource group and full resource ids for managed identities."
            ),
            col(
                "app_roles",
                Json,
                "The roles exposed by the application which this service principal represents."
            ),
            col(
                "info",
                Json,
                "Basic profile information of the acquired application."
            ),
            col(
                "key_credentials",
                Json,
                "The collection of key credentials associated with the service principal."
            ),
            col(
                "notification_email_addresses",
                Json,
                "Specifies the list of email addresses where Microsoft Entra ID sends a notification when the active certificate is near the expiration date."
            ),
            hcol(
                "owner_ids",
                Json,
                "Id of the owners of the service principal.",
                &OWNERS
            ),
            col(
                "password_credentials",
                Json,
                "Represents a password credential associated with a service principal (hint, dates; never the secret)."
            ),
            col(
                "oauth2_permission_scopes",
                Json,
                "The published permission scopes."
            ),
            col(
                "reply_urls",
                Json,
                "The URLs that user tokens are sent to for sign in with the associated application."
            ),
            col(
                "service_principal_names",
                Json,
                "Contains the list of identifiersUris, copied over from the associated application."
            ),
            hcol(
                "app_role_assignments",
                Json,
                "pathwarden: the app roles granted to this service principal (Microsoft Graph application permissions among them): [{resourceId, resourceDisplayName, appRoleId}].",
                &APP_ROLE_ASSIGNMENTS
            ),
            col(
                "tags_src",
                Json,
                "Custom strings that can be used to categorize and identify the service principal."
            ),
            col("tags", Json, "A map of tags for the resource."),
            col("title", Text, "Title of the resource."),
        ],
        get_keys: &["id"],
        id_column: "id",
    },
    list: |s, _, token| {
        Box::pin(graph::list(
            s,
            "servicePrincipals",
            SELECT,
            token,
            LIST,
            sp_row,
        ))
    },
    get: Some(|s, _, _, key| {
        Box::pin(graph::get(s, "servicePrincipals", key, SELECT, GET, sp_row))
    }),
};

static OWNERS: AzureHydrate = AzureHydrate::new("owners", |s, _, row| Box::pin(owners(s, row)));
static APP_ROLE_ASSIGNMENTS: AzureHydrate =
    AzureHydrate::new("app_role_assignments", |s, _, row| {
        Box::pin(app_role_assignments(s, row))
    });

const LIST: &str = "graph:servicePrincipals.list";
const GET: &str = "graph:servicePrincipals.get";
const LIST_OWNERS: &str = "graph:servicePrincipals.owners.list";
const LIST_APP_ROLE_ASSIGNMENTS: &str = "graph:servicePrincipals.appRoleAssignments.list";

const SELECT: &str = "id,displayName,appId,accountEnabled,appDisplayName,appOwnerOrganizationId,appRoleAssignmentRequired,servicePrincipalType,signInAudience,appDescription,description,loginUrl,logoutUrl,alternativeNames,appRoles,info,keyCredentials,notificationEmailAddresses,passwordCredentials,oauth2PermissionScopes,replyUrls,servicePrincipalNames,tags";

fn sp_row(src: &AzureSource, sp: &Value) -> Row {
    let mut row = Row::new();
    for (column, key) in [
        ("id", "id"),
        ("display_name", "displayName"),
        ("app_id", "appId"),
        ("account_enabled", "accountEnabled"),
        ("app_display_name", "appDisplayName"),
        ("app_owner_organization_id", "appOwnerOrganizationId"),
        ("app_role_assignment_required", "appRoleAssignmentRequired"),
        ("service_principal_type", "servicePrincipalType"),
        ("sign_in_audience", "signInAudience"),
        ("app_description", "appDescription"),
        ("description", "description"),
        ("login_url", "loginUrl"),
        ("logout_url", "logoutUrl"),
        ("alternative_names", "alternativeNames"),
        ("app_roles", "appRoles"),
        ("info", "info"),
        ("key_credentials", "keyCredentials"),
        ("notification_email_addresses", "notificationEmailAddresses"),
        ("password_credentials", "passwordCredentials"),
        ("oauth2_permission_scopes", "oauth2PermissionScopes"),
        ("reply_urls", "replyUrls"),
        ("service_principal_names", "servicePrincipalNames"),
        ("tags_src", "tags"),
    ] {
        put(&mut row, column, sp, key);
    }
    row.insert("tags".into(), graph::tags_map(sp));
    row.insert("title".into(), graph::title(sp));
    src.azuread_common(&mut row);
    row
}

async fn owners(src: &AzureSource, row: &Row) -> Result<Row, FetchError> {
    let items = graph::related(src, row, "servicePrincipals", "owners", "id", LIST_OWNERS).await?;
    let mut out = Row::new();
    out.insert("owner_ids".into(), graph::ids(&items));
    Ok(out)
}

async fn app_role_assignments(src: &AzureSource, row: &Row) -> Result<Row, FetchError> {
    let items = graph::related(
        src,
        row,
        "servicePrincipals",
        "appRoleAssignments",
        "id,appRoleId,resourceId,resourceDisplayName,principalId,principalType,createdDateTime",
        LIST_APP_ROLE_ASSIGNMENTS,
    )
    .await?;
    let mut out = Row::new();
    out.insert("app_role_assignments".into(), Value::Array(items));
    Ok(out)
}
