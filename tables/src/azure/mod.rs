//! Azure tables (Steampipe's Azure and Azure AD plugin table and column names) and the live
//! `azure` (Resource Manager) and `azuread` (Microsoft Graph v1.0) providers.
//!
//! Every table is declared in its own file; [`AZURE_TABLES`] and [`AZUREAD_TABLES`] register
//! them and `source.rs` dispatches to them. Calls go through `rest.rs` (the shared REST
//! layer, a bearer token per API scope from `auth.rs`, next-link paging, ARM's read budget);
//! credentials come from the `azure_identity` crate with its transport on the project's
//! reqwest (`transport.rs`).
//!
//! Differences from Steampipe: a connection may list several subscriptions (or all the
//! credential sees); each `azure_*` table then lists every one of them, with
//! `subscription_id` telling them apart, and an equality filter on `subscription_id` lists
//! only that one. Role definitions and role assignments inherited from management groups
//! are repeated for every subscription, as a Steampipe aggregator would. pathwarden adds
//! `condition`, `condition_version`, `description`, `created_by`, `updated_by` and
//! `delegated_managed_identity_resource_id` to `azure_role_assignment` (ABAC conditions
//! matter to who can do what), `federated_identity_credentials` to `azuread_application`
//! and `app_role_assignments` to `azuread_service_principal`.

/// The columns of an `azure_*` table: the given ones followed by Steampipe's common Azure
/// columns (`cloud_environment`, `subscription_id`) and `_ctx`.
macro_rules! azure_columns {
    ($($column:expr),* $(,)?) => {
        &[
            $($column,)*
            $crate::framework::def::col("cloud_environment", $crate::framework::def::ColumnType::Text, "The Azure Cloud Environment."),
            $crate::framework::def::col("subscription_id", $crate::framework::def::ColumnType::Text, "The Azure Subscription ID in which the resource is located."),
            $crate::framework::def::col("_ctx", $crate::framework::def::ColumnType::Json, "pathwarden context: the connection that produced the row."),
        ]
    };
}

/// The columns of an `azure_*` table of a resource in a resource group: the given ones,
/// then Steampipe's `title`, `tags`, `akas`, `region` and `resource_group`, then the common
/// Azure columns of [`azure_columns!`].
macro_rules! azure_resource_columns {
    ($($column:expr),* $(,)?) => {
        azure_columns![
            $($column,)*
            $crate::framework::def::col("title", $crate::framework::def::ColumnType::Text, "Title of the resource."),
            $crate::framework::def::col("tags", $crate::framework::def::ColumnType::Json, "A map of tags for the resource."),
            $crate::framework::def::col("akas", $crate::framework::def::ColumnType::Json, "Array of globally unique identifier strings (also known as) for the resource."),
            $crate::framework::def::col("region", $crate::framework::def::ColumnType::Text, "Location of the resource."),
            $crate::framework::def::col("resource_group", $crate::framework::def::ColumnType::Text, "The resource group which holds this resource."),
        ]
    };
}

/// The columns of an `azuread_*` table: the given ones followed by Steampipe's `tenant_id`
/// and `_ctx`.
macro_rules! azuread_columns {
    ($($column:expr),* $(,)?) => {
        &[
            $($column,)*
            $crate::framework::def::col("tenant_id", $crate::framework::def::ColumnType::Text, "The Azure Tenant ID where the resource is located."),
            $crate::framework::def::col("_ctx", $crate::framework::def::ColumnType::Json, "pathwarden context: the connection that produced the row."),
        ]
    };
}

mod auth;
pub mod rest;
pub mod source;
pub mod transport;

pub mod ad_application;
pub mod ad_directory_role;
pub mod ad_directory_role_assignment;
pub mod ad_directory_role_definition;
pub mod ad_directory_role_eligibility_schedule_instance;
pub mod ad_group;
pub mod ad_service_principal;
pub mod ad_user;
pub mod app_service_web_app;
pub mod compute_virtual_machine;
pub mod deny_assignment;
pub mod key_vault;
pub mod management_group;
pub mod resource_group;
pub mod role_assignment;
pub mod role_definition;
pub mod storage_account;
pub mod subscription;
pub mod tenant;

mod graph;

pub use auth::AzureCredential;
pub use rest::API_NAMES;
pub use source::{AzureConnectionConfig, AzureError, AzurePlugin, AzureSource};

use crate::framework::TableDef;

/// An Azure table: its definition and typed calls.
pub type AzureTable = crate::framework::registry::Table<AzureSource>;
/// An Azure hydrate call.
pub type AzureHydrate = crate::framework::registry::Hydrate<AzureSource>;

/// The `azure` plugin's tables (Azure Resource Manager), one line each.
pub static AZURE_TABLES: &[&AzureTable] = &[
    &subscription::TABLE,
    &tenant::TABLE,
    &management_group::TABLE,
    &resource_group::TABLE,
    &role_assignment::TABLE,
    &role_definition::TABLE,
    &deny_assignment::TABLE,
    &compute_virtual_machine::TABLE,
    &key_vault::TABLE,
    &storage_account::TABLE,
    &app_service_web_app::TABLE,
];

/// The `azuread` plugin's tables (Microsoft Graph), one line each.
pub static AZUREAD_TABLES: &[&AzureTable] = &[
    &ad_user::TABLE,
    &ad_group::TABLE,
    &ad_service_principal::TABLE,
    &ad_application::TABLE,
    &ad_directory_role::TABLE,
    &ad_directory_role_definition::TABLE,
    &ad_directory_role_assignment::TABLE,
    &ad_directory_role_eligibility_schedule_instance::TABLE,
];

/// The table definitions of `plugin`, in registration order.
pub fn tables(plugin: AzurePlugin) -> Vec<&'static TableDef> {
    crate::framework::registry::defs(match plugin {
        AzurePlugin::Azure => AZURE_TABLES,
        AzurePlugin::AzureAd => AZUREAD_TABLES,
    })
}

/// The Azure or Azure AD table named `name`.
pub fn table(name: &str) -> Option<&'static TableDef> {
    tables(AzurePlugin::Azure)
        .into_iter()
        .chain(tables(AzurePlugin::AzureAd))
        .find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn tables_are_well_formed() {
        for (plugin, prefix, std_cols) in [
            (
                AzurePlugin::Azure,
                "azure_",
                &[
                    "title",
                    "akas",
                    "cloud_environment",
                    "subscription_id",
                    "_ctx",
                ][..],
            ),
            (
                AzurePlugin::AzureAd,
                "azuread_",
                &["title", "tenant_id", "_ctx"][..],
            ),
        ] {
            let all = tables(plugin);
            let names: HashSet<_> = all.iter().map(|t| t.name).collect();
            assert_eq!(names.len(), all.len(), "duplicate table name");
            for t in all {
                assert!(t.name.starts_with(prefix), "{}", t.name);
                assert!(!t.name.starts_with("azuread_") || prefix == "azuread_");
                let mut seen = HashSet::new();
                for c in t.columns {
                    assert!(seen.insert(c.name), "{}: duplicate {}", t.name, c.name);
                    assert!(!c.description.is_empty(), "{}.{}", t.name, c.name);
                }
                for k in t.get_keys {
                    assert!(t.column_index(k).is_some(), "{}: key {k}", t.name);
                }
                let id = t
                    .columns
                    .iter()
                    .find(|c| c.name == t.id_column)
                    .unwrap_or_else(|| panic!("{}: no id column", t.name));
                assert!(id.hydrate.is_none(), "{}: id column is hydrated", t.name);
                for c in std_cols {
                    assert!(t.column_index(c).is_some(), "{}: no {c}", t.name);
                }
                let hydrates: Vec<&str> = t.hydrates().iter().map(|h| h.name()).collect();
                let unique: HashSet<_> = hydrates.iter().collect();
                assert_eq!(unique.len(), hydrates.len(), "{}: hydrate names", t.name);
            }
        }
    }

    #[test]
    fn get_keys_match_a_get_call() {
        for reg in [AZURE_TABLES, AZUREAD_TABLES] {
            for t in reg {
                assert_eq!(
                    t.get.is_some(),
                    !t.def.get_keys.is_empty(),
                    "{}: get call and get keys disagree",
                    t.def.name
                );
            }
        }
    }

    #[test]
    fn steampipe_standard_columns() {
        for t in [
            "azure_compute_virtual_machine",
            "azure_key_vault",
            "azure_storage_account",
        ] {
            let def = table(t).unwrap_or_else(|| panic!("{t}"));
            for c in [
                "region",
                "resource_group",
                "tags",
                "akas",
                "title",
                "subscription_id",
            ] {
                assert!(def.column_index(c).is_some(), "{t}.{c}");
            }
        }
        for t in ["azure_resource_group"] {
            let def = table(t).unwrap_or_else(|| panic!("{t}"));
            for c in ["region", "tags", "akas", "title", "subscription_id"] {
                assert!(def.column_index(c).is_some(), "{t}.{c}");
            }
        }
        let ra = table("azure_role_assignment").unwrap_or_else(|| panic!("ra"));
        assert!(ra.column_index("condition").is_some());
    }
}
