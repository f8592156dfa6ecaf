//! `azuread_user`: users of the directory (Microsoft Graph v1.0 `GET /users`, and
//! `/users/{id}/memberOf` as a hydrate call).

use serde_json::Value;

use super::graph;
use super::source::{AzureSource, put};
use super::{AzureHydrate, AzureTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azuread_user",
        description: "Users of the Microsoft Entra directory.",
        service: "graph",
        scope: Scope::Global,
        columns: azuread_columns![
            col(
                "display_name",
                Text,
                "The name displayed in the address book for the user."
            ),
            col(
                "id",
                Text,
                "The unique identifier for the user (object id)."
            ),
            col(
                "user_principal_name",
                Text,
                "Principal email of the active directory user."
            ),
            col(
                "account_enabled",
                Bool,
                "True if the account is enabled; otherwise, false."
            ),
            col(
                "user_type",
                Text,
                "A string value that can be used to classify user types in your directory (Member, Guest)."
            ),
            col(
                "given_name",
                Text,
                "The given name (first name) of the user."
            ),
            col(
                "surname",
                Text,
                "Family name or last name of the active directory user."
            ),
            col(
                "created_date_time",
                Timestamp,
                "The time at which the user was created."
            ),
            col("mail", Text, "The SMTP address for the user."),
            col("mail_nickname", Text, "The mail alias for the user."),
            col(
                "password_policies",
                Text,
                "Specifies password policies for the user (DisableStrongPassword, DisablePasswordExpiration)."
            ),
            col(
                "sign_in_sessions_valid_from_date_time",
                Timestamp,
                "Any refresh tokens or sessions tokens (session cookies) issued before this time are invalid."
            ),
            col(
                "usage_location",
                Text,
                "A two letter country code (ISO standard 3166), required for users that will be assigned licenses."
            ),
            col(
                "external_user_state",
                Text,
                "For an external user invited to the tenant, the invited user's status (PendingAcceptance, Accepted)."
            ),
            col(
                "employee_id",
                Text,
                "The employee identifier assigned to the user by the organization."
            ),
            col("job_title", Text, "The user's job title."),
            col(
                "department",
                Text,
                "The name for the department in which the user works."
            ),
            col(
                "on_premises_immutable_id",
                Text,
                "Associates an on-premises Active Directory user account with its Entra user object."
            ),
            col(
                "on_premises_sync_enabled",
                Bool,
                "True if this object is synced from an on-premises directory."
            ),
            col(
                "on_premises_last_sync_date_time",
                Timestamp,
                "The last time at which the object was synced with the on-premises directory."
            ),
            col(
                "im_addresses",
                Json,
                "The instant message voice over IP (VOIP) session initiation protocol (SIP) addresses for the user."
            ),
            col(
                "other_mails",
                Json,
                "A list of additional email addresses for the user."
            ),
            hcol(
                "member_of",
                Json,
                "A list the groups and directory roles that the user is a direct member of ([{id, @odata.type, displayName}]).",
                &MEMBER_OF
            ),
            col("title", Text, "Title of the resource."),
        ],
        get_keys: &["id"],
        id_column: "id",
    },
    list: |s, _, token| Box::pin(graph::list(s, "users", SELECT, token, LIST, user_row)),
    get: Some(|s, _, _, key| Box::pin(graph::get(s, "users", key, SELECT, GET, user_row))),
};

static MEMBER_OF: AzureHydrate =
    AzureHydrate::new("member_of", |s, _, row| Box::pin(member_of(s, row)));

const LIST: &str = "graph:users.list";
const GET: &str = "graph:users.get";
const LIST_MEMBER_OF: &str = "graph:users.memberOf.list";

const SELECT: &str = "id,displayName,userPrincipalName,accountEnabled,userType,givenName,surname,createdDateTime,mail,mailNickname,passwordPolicies,signInSessionsValidFromDateTime,usageLocation,externalUserState,employeeId,jobTitle,department,onPremisesImmutableId,onPremisesSyncEnabled,onPremisesLastSyncDateTime,imAddresses,otherMails";

fn user_row(src: &AzureSource, u: &Value) -> Row {
    let mut row = Row::new();
    for (column, key) in [
        ("display_name", "displayName"),
        ("id", "id"),
        ("user_principal_name", "userPrincipalName"),
        ("account_enabled", "accountEnabled"),
        ("user_type", "userType"),
        ("given_name", "givenName"),
        ("surname", "surname"),
        ("created_date_time", "createdDateTime"),
        ("mail", "mail"),
        ("mail_nickname", "mailNickname"),
        ("password_policies", "passwordPolicies"),
        (
            "sign_in_sessions_valid_from_date_time",
            "signInSessionsValidFromDateTime",
        ),
        ("usage_location", "usageLocation"),
        ("external_user_state", "externalUserState"),
        ("employee_id", "employeeId"),
        ("job_title", "jobTitle"),
        ("department", "department"),
        ("on_premises_immutable_id", "onPremisesImmutableId"),
        ("on_premises_sync_enabled", "onPremisesSyncEnabled"),
        (
            "on_premises_last_sync_date_time",
            "onPremisesLastSyncDateTime",
        ),
        ("im_addresses", "imAddresses"),
        ("other_mails", "otherMails"),
    ] {
        put(&mut row, column, u, key);
    }
    row.insert("title".into(), graph::title(u));
    src.azuread_common(&mut row);
    row
}

/// `member_of`: the user's direct group and directory role memberships.
async fn member_of(src: &AzureSource, row: &Row) -> Result<Row, FetchError> {
    let items = graph::related(
        src,
        row,
        "users",
        "memberOf",
        "id,displayName",
        LIST_MEMBER_OF,
    )
    .await?;
    let mut out = Row::new();
    out.insert("member_of".into(), Value::Array(items));
    Ok(out)
}
