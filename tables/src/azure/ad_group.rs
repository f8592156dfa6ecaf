//! `azuread_group`: groups of the directory (Microsoft Graph v1.0 `GET /groups`, with
//! `/groups/{id}/members` and `/groups/{id}/owners` as hydrate calls).

use serde_json::Value;

use super::graph;
use super::source::{AzureSource, put};
use super::{AzureHydrate, AzureTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azuread_group",
        description: "Groups of the Microsoft Entra directory, with their members and owners.",
        service: "graph",
        scope: Scope::Global,
        columns: azuread_columns![
            col("display_name", Text, "The display name for the group."),
            col(
                "id",
                Text,
                "The unique identifier for the group (object id)."
            ),
            col(
                "description",
                Text,
                "An optional description for the group."
            ),
            col(
                "classification",
                Text,
                "Describes a classification for the group (such as low, medium or high business impact)."
            ),
            col(
                "created_date_time",
                Timestamp,
                "The time at which the group was created."
            ),
            col(
                "expiration_date_time",
                Timestamp,
                "Timestamp of when the group is set to expire."
            ),
            col(
                "is_assignable_to_role",
                Bool,
                "Indicates whether this group can be assigned to a Microsoft Entra role (role-assignable groups are protected like privileged accounts)."
            ),
            col("mail", Text, "The SMTP address for the group."),
            col(
                "mail_enabled",
                Bool,
                "Specifies whether the group is mail-enabled."
            ),
            col("mail_nickname", Text, "The mail alias for the user."),
            col(
                "membership_rule",
                Text,
                "The rule that determines members for this group if the group is a dynamic group."
            ),
            col(
                "membership_rule_processing_state",
                Text,
                "Indicates whether the dynamic membership processing is on or paused (On, Paused)."
            ),
            col(
                "on_premises_sync_enabled",
                Bool,
                "True if this group is synced from an on-premises directory."
            ),
            col(
                "renewed_date_time",
                Timestamp,
                "Timestamp of when the group was last renewed."
            ),
            col(
                "security_enabled",
                Bool,
                "Specifies whether the group is a security group."
            ),
            col(
                "security_identifier",
                Text,
                "Security identifier of the group, used in Windows scenarios."
            ),
            col(
                "visibility",
                Text,
                "Specifies the group join policy and group content visibility for groups (Private, Public, HiddenMembership)."
            ),
            col(
                "group_types",
                Json,
                "Specifies the group type and its membership (Unified for Microsoft 365 groups, DynamicMembership)."
            ),
            col(
                "proxy_addresses",
                Json,
                "Email addresses for the group that direct to the same group mailbox."
            ),
            hcol(
                "member_ids",
                Json,
                "Id of the direct members of the group (users, groups, service principals, devices).",
                &MEMBERS
            ),
            hcol("owner_ids", Json, "Id of the owners of the group.", &OWNERS),
            col("title", Text, "Title of the resource."),
        ],
        get_keys: &["id"],
        id_column: "id",
    },
    list: |s, _, token| Box::pin(graph::list(s, "groups", SELECT, token, LIST, group_row)),
    get: Some(|s, _, _, key| Box::pin(graph::get(s, "groups", key, SELECT, GET, group_row))),
};

static MEMBERS: AzureHydrate = AzureHydrate::new("members", |s, _, row| Box::pin(members(s, row)));
static OWNERS: AzureHydrate = AzureHydrate::new("owners", |s, _, row| Box::pin(owners(s, row)));

const LIST: &str = "graph:groups.list";
const GET: &str = "graph:groups.get";
const LIST_MEMBERS: &str = "graph:groups.members.list";
const LIST_OWNERS: &str = "graph:groups.owners.list";

const SELECT: &str = "id,displayName,description,classification,createdDateTime,expirationDateTime,isAssignableToRole,mail,mailEnabled,mailNickname,membershipRule,membershipRuleProcessingState,onPremisesSyncEnabled,renewedDateTime,securityEnabled,securityIdentifier,visibility,groupTypes,proxyAddresses";

fn group_row(src: &AzureSource, g: &Value) -> Row {
    let mut row = Row::new();
    for (column, key) in [
        ("display_name", "displayName"),
        ("id", "id"),
        ("description", "description"),
        ("classification", "classification"),
        ("created_date_time", "createdDateTime"),
        ("expiration_date_time", "expirationDateTime"),
        ("is_assignable_to_role", "isAssignableToRole"),
        ("mail", "mail"),
        ("mail_enabled", "mailEnabled"),
        ("mail_nickname", "mailNickname"),
        ("membership_rule", "membershipRule"),
        (
            "membership_rule_processing_state",
            "membershipRuleProcessingState",
        ),
        ("on_premises_sync_enabled", "onPremisesSyncEnabled"),
        ("renewed_date_time", "renewedDateTime"),
        ("security_enabled", "securityEnabled"),
        ("security_identifier", "securityIdentifier"),
        ("visibility", "visibility"),
        ("group_types", "groupTypes"),
        ("proxy_addresses", "proxyAddresses"),
    ] {
        put(&mut row, column, g, key);
    }
    row.insert("title".into(), graph::title(g));
    src.azuread_common(&mut row);
    row
}

async fn members(src: &AzureSource, row: &Row) -> Result<Row, FetchError> {
    let items = graph::related(src, row, "groups", "members", "id", LIST_MEMBERS).await?;
    let mut out = Row::new();
    out.insert("member_ids".into(), graph::ids(&items));
    Ok(out)
}

async fn owners(src: &AzureSource, row: &Row) -> Result<Row, FetchError> {
    let items = graph::related(src, row, "groups", "owners", "id", LIST_OWNERS).await?;
    let mut out = Row::new();
    out.insert("owner_ids".into(), graph::ids(&items));
    Ok(out)
}
