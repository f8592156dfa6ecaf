//! `azuread_directory_role_eligibility_schedule_instance`: Privileged Identity Management
//! eligible Microsoft Entra role assignments (Microsoft Graph v1.0
//! `GET /roleManagement/directory/roleEligibilityScheduleInstances`): principals that may
//! activate the role when they choose.

use serde_json::Value;

use super::AzureTable;
use super::graph;
use super::source::{AzureSource, put};
use crate::framework::Row;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azuread_directory_role_eligibility_schedule_instance",
        description: "PIM-eligible Microsoft Entra role assignments (principals that can activate a directory role).",
        service: "graph",
        scope: Scope::Global,
        columns: azuread_columns![
            col(
                "id",
                Text,
                "The unique identifier of the eligibility schedule instance."
            ),
            col("principal_id", Text, "Object id of the eligible principal."),
            col(
                "role_definition_id",
                Text,
                "Id of the role definition the principal may activate."
            ),
            col(
                "directory_scope_id",
                Text,
                "Where the role would apply: `/`, `/administrativeUnits/{id}` or `/{object id}`."
            ),
            col("app_scope_id", Text, "Application-specific scope, if any."),
            col("start_date_time", Timestamp, "When the eligibility starts."),
            col(
                "end_date_time",
                Timestamp,
                "When the eligibility ends (null: permanent)."
            ),
            col(
                "member_type",
                Text,
                "Direct, Group (eligible through a group) or Inherited."
            ),
            col(
                "role_eligibility_schedule_id",
                Text,
                "The eligibility schedule this instance comes from."
            ),
            col("title", Text, "Title of the resource."),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, _, token| {
        Box::pin(graph::list(
            s,
            COLLECTION,
            SELECT,
            token,
            LIST,
            instance_row,
        ))
    },
    get: None,
};

const COLLECTION: &str = "roleManagement/directory/roleEligibilityScheduleInstances";
const LIST: &str = "graph:roleManagement.directory.roleEligibilityScheduleInstances.list";
const SELECT: &str = "id,principalId,roleDefinitionId,directoryScopeId,appScopeId,startDateTime,endDateTime,memberType,roleEligibilityScheduleId";

fn instance_row(src: &AzureSource, a: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "id", a, "id");
    put(&mut row, "principal_id", a, "principalId");
    put(&mut row, "role_definition_id", a, "roleDefinitionId");
    put(&mut row, "directory_scope_id", a, "directoryScopeId");
    put(&mut row, "app_scope_id", a, "appScopeId");
    put(&mut row, "start_date_time", a, "startDateTime");
    put(&mut row, "end_date_time", a, "endDateTime");
    put(&mut row, "member_type", a, "memberType");
    put(
        &mut row,
        "role_eligibility_schedule_id",
        a,
        "roleEligibilityScheduleId",
    );
    put(&mut row, "title", a, "id");
    src.azuread_common(&mut row);
    row
}
