//! Microsoft Entra permissions: directory role permissions (`microsoft.directory/...`
//! resource actions, with Entra's `allProperties` / `allTasks` wildcards), the built-in
//! roles the rules look at (used when the tenant's role definitions are not read), and the
//! Microsoft Graph application permissions that act like directory permissions.

/// Microsoft Graph's application (client) id, the same in every tenant.
pub const MICROSOFT_GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Global Administrator's role template id.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Privileged Role Administrator's role template id.
pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
/// Privileged Authentication Administrator's role template id.
pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";

/// Assigning directory roles: what makes a principal administrator of the tenant.
pub const ROLE_ASSIGNMENTS_ALL: &str = "microsoft.directory/roleAssignments/allProperties/allTasks";

/// Roles whose holders Entra still lets Helpdesk, Password and User Administrators (and
/// custom roles with `users/password/update`) reset: holding only these leaves a user
/// unprivileged. Any other directory role (or membership of a role-assignable group)
/// protects the user's password.
pub const LIMITED_ROLES: &[&str] = &[
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", // Directory Readers
    "729827e3-9c14-49f7-bb1b-9608f156bbb8", // Helpdesk Administrator
    "966707d0-3269-4727-9be2-8c3a10f19b9d", // Password Administrator
    "95e79109-95c0-4d8e-aee3-d01accf2d47b", // Guest Inviter
    "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b", // Message Center Reader
    "4a5d8f65-41da-4de4-8968-e035b65339cf", // Reports Reader
];

/// Built-in directory roles: `(template id, display name, the permissions the rules look
/// at)`. A subset of each role's `rolePermissions` (the tenant's own
/// `azuread_directory_role_definition` rows take precedence when read).
pub static BUILT_IN_ROLES: &[(&str, &str, &[&str])] = &[
    (
        GLOBAL_ADMINISTRATOR,
        "Global Administrator",
        &[
            "microsoft.directory/applications/allProperties/allTasks",
            "microsoft.directory/servicePrincipals/allProperties/allTasks",
            "microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin",
            "microsoft.directory/groups/allProperties/allTasks",
            "microsoft.directory/users/allProperties/allTasks",
            ROLE_ASSIGNMENTS_ALL,
            "microsoft.directory/roleDefinitions/allProperties/allTasks",
        ],
    ),
    (
        PRIVILEGED_ROLE_ADMINISTRATOR,
        "Privileged Role Administrator",
        &[
            ROLE_ASSIGNMENTS_ALL,
            "microsoft.directory/roleDefinitions/allProperties/allTasks",
            "microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin",
            "microsoft.directory/servicePrincipals/appRoleAssignedTo/update",
        ],
    ),
    (
        PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
        "Privileged Authentication Administrator",
        &[
            "microsoft.directory/users/password/update",
            "microsoft.directory/users/authenticationMethods/create",
        ],
    ),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
        &[
            "microsoft.directory/applications/credentials/update",
            "microsoft.directory/applications/owners/update",
            "microsoft.directory/servicePrincipals/credentials/update",
            "microsoft.directory/servicePrincipals/owners/update",
            "microsoft.directory/servicePrincipals/appRoleAssignedTo/update",
        ],
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
        &[
            "microsoft.directory/applications/credentials/update",
            "microsoft.directory/applications/owners/update",
            "microsoft.directory/servicePrincipals/credentials/update",
            "microsoft.directory/servicePrincipals/owners/update",
            "microsoft.directory/servicePrincipals/appRoleAssignedTo/update",
        ],
    ),
    (
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "User Administrator",
        &[
            "microsoft.directory/users/password/update",
            "microsoft.directory/groups/members/update",
            "microsoft.directory/groups/owners/update",
        ],
    ),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
        &["microsoft.directory/users/password/update"],
    ),
    (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
        &["microsoft.directory/users/password/update"],
    ),
    (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
        &["microsoft.directory/users/password/update"],
    ),
    (
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "Groups Administrator",
        &[
            "microsoft.directory/groups/members/update",
            "microsoft.directory/groups/owners/update",
        ],
    ),
    (
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        "Directory Readers",
        &["microsoft.directory/users/standard/read"],
    ),
];

/// Microsoft Graph application permissions the rules look at: `(app role id, value)`,
/// used to name an app-role grant when the Microsoft Graph service principal's `app_roles`
/// are not read.
pub static GRAPH_APP_ROLES: &[(&str, &str)] = &[
    (
        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        "Application.ReadWrite.All",
    ),
    (
        "18a4783c-866b-4cc7-a460-3d5e5662c884",
        "Application.ReadWrite.OwnedBy",
    ),
    (
        "06b708a9-e830-4db3-a914-8e69da51d44f",
        "AppRoleAssignment.ReadWrite.All",
    ),
    (
        "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        "RoleManagement.ReadWrite.Directory",
    ),
    (
        "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
        "Directory.ReadWrite.All",
    ),
    (
        "62a82d76-70ea-41e2-9197-370581804d09",
        "Group.ReadWrite.All",
    ),
    (
        "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
        "GroupMember.ReadWrite.All",
    ),
    (
        "89c8469c-83ad-45f7-8ff2-6e3d4285709e",
        "ServicePrincipalEndpoint.ReadWrite.All",
    ),
    ("741f803b-c850-494e-b5df-cde7c675a1ca", "User.ReadWrite.All"),
    ("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All"),
    ("df021288-bdef-4463-88db-98f22de89214", "User.Read.All"),
];

/// The value of a Microsoft Graph app role id, when the catalogue knows it.
pub fn graph_app_role(id: &str) -> Option<&'static str> {
    GRAPH_APP_ROLES
        .iter()
        .find(|(i, _)| i.eq_ignore_ascii_case(id))
        .map(|(_, v)| *v)
}

/// Whether the granted directory permission `granted` covers `needed`
/// (`microsoft.directory/applications/credentials/update`): segment by segment,
/// case-insensitively, with `allProperties`, `allTasks` and `*` matching any one segment.
pub fn permission_covers(granted: &str, needed: &str) -> bool {
    let g: Vec<&str> = granted.split('/').collect();
    let n: Vec<&str> = needed.split('/').collect();
    g.len() == n.len()
        && g.iter().zip(&n).all(|(g, n)| {
            g.eq_ignore_ascii_case(n)
                || g.eq_ignore_ascii_case("allProperties")
                || g.eq_ignore_ascii_case("allTasks")
                || *g == "*"
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_one_segment_each() {
        let all = "microsoft.directory/applications/allProperties/allTasks";
        assert!(permission_covers(
            all,
            "microsoft.directory/applications/credentials/update"
        ));
        assert!(!permission_covers(
            all,
            "microsoft.directory/servicePrincipals/credentials/update"
        ));
        assert!(permission_covers(
            "microsoft.directory/Applications/Credentials/Update",
            "microsoft.directory/applications/credentials/update"
        ));
        assert!(!permission_covers(
            "microsoft.directory/applications/owners/update",
            "microsoft.directory/applications/credentials/update"
        ));
        assert!(!permission_covers(
            "microsoft.directory/applications/allProperties",
            "microsoft.directory/applications/credentials/update"
        ));
        assert_eq!(
            graph_app_role("9E3F62CF-CA93-4989-B6CE-BF83C28F9FE8"),
            Some("RoleManagement.ReadWrite.Directory")
        );
    }
}
