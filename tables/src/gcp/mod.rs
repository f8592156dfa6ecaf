//! GCP tables (Steampipe's GCP plugin table and column names) and the live `gcp` provider.
//!
//! Every table is declared in its own file as a [`TableDef`] with small, separate
//! list/get/hydrate functions; [`tables`] registers them and `source.rs` dispatches to
//! them. Calls go through `rest.rs` (reqwest, bearer token from `auth.rs`, paging, error
//! mapping); credentials come from the `gcp_auth` crate, with optional impersonation.
//!
//! Differences from Steampipe: a connection may name several projects (`projects`); each
//! table then lists every one of them, with the `project` column telling them apart, and
//! an equality filter on `project` lists only that project. `gcp_project` is read with
//! `projects.get` rather than a filtered `projects.list`, and leaves out
//! `access_approval_settings` and `billing_information` (other APIs). Every IAM policy is
//! read with `requestedPolicyVersion: 3`, so conditional bindings keep their `condition`
//! (Steampipe asks for version 1 and loses them). `gcp_iam_role` always lists with
//! `view=FULL` and without deleted roles; predefined roles are repeated for every project
//! of the connection, as a Steampipe aggregator over one connection per project would.

/// The columns of a GCP resource table: the given ones followed by the standard
/// Steampipe GCP columns (`title`, `akas`, `location`, `project`) and `_ctx`.
macro_rules! gcp_columns {
    ($($column:expr),* $(,)?) => {
        &[
            $($column,)*
            $crate::framework::def::col("title", $crate::framework::def::ColumnType::Text, "Title of the resource."),
            $crate::framework::def::col("akas", $crate::framework::def::ColumnType::Json, "Array of globally unique identifier strings (also known as) for the resource."),
            $crate::framework::def::col("location", $crate::framework::def::ColumnType::Text, "The GCP multi-region, region, or zone in which the resource is located."),
            $crate::framework::def::col("project", $crate::framework::def::ColumnType::Text, "The GCP Project in which the resource is located."),
            $crate::framework::def::col("_ctx", $crate::framework::def::ColumnType::Json, "pathwarden context: the connection that produced the row."),
        ]
    };
}

mod auth;
pub mod compute_instance;
pub mod folder;
pub mod folder_iam_policy;
pub mod hierarchy;
pub mod iam_effective_binding;
pub mod iam_policy;
pub mod iam_role;
pub mod organization;
pub mod organization_iam_policy;
pub mod organization_project;
mod policies;
pub mod project;
mod rest;
pub mod service_account;
pub mod service_account_key;
pub mod source;
pub mod storage_bucket;
pub mod workload_identity_pool_provider;

pub use auth::{AuthError, CLOUD_PLATFORM_SCOPE};
pub use rest::API_NAMES;
pub use source::{GcpConnectionConfig, GcpError, GcpSource};

use crate::framework::TableDef;

/// Every GCP table definition, in registration order.
/// A GCP table: its definition and typed calls.
pub type GcpTable = crate::framework::registry::Table<GcpSource>;
/// A GCP hydrate call.
pub type GcpHydrate = crate::framework::registry::Hydrate<GcpSource>;

/// Every GCP table, one line each.
pub static TABLES: &[&GcpTable] = &[
    &project::TABLE,
    &iam_policy::TABLE,
    &service_account::TABLE,
    &service_account_key::TABLE,
    &iam_role::TABLE,
    &storage_bucket::TABLE,
    &organization::TABLE,
    &organization_project::TABLE,
    &folder::TABLE,
    &organization_iam_policy::TABLE,
    &folder_iam_policy::TABLE,
    &iam_effective_binding::TABLE,
    &compute_instance::TABLE,
    &workload_identity_pool_provider::TABLE,
];

/// The GCP table definitions, in registration order.
pub fn tables() -> Vec<&'static TableDef> {
    crate::framework::registry::defs(TABLES)
}

/// The GCP table named `name`.
pub fn table(name: &str) -> Option<&'static TableDef> {
    tables().into_iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn tables_are_well_formed() {
        let all = tables();
        let names: HashSet<_> = all.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), all.len(), "duplicate table name");
        for t in all {
            assert!(t.name.starts_with("gcp_"), "{}", t.name);
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
            // The flattened binding table is a view over policies, not a resource.
            if t.name == "gcp_iam_effective_binding" {
                continue;
            }
            for std in ["title", "akas"] {
                assert!(t.column_index(std).is_some(), "{}: no {std}", t.name);
            }
        }
    }

    #[test]
    fn steampipe_standard_columns() {
        for t in [
            "gcp_iam_policy",
            "gcp_service_account",
            "gcp_iam_role",
            "gcp_service_account_key",
        ] {
            let def = table(t).unwrap_or_else(|| panic!("{t}"));
            for c in ["location", "project"] {
                assert!(def.column_index(c).is_some(), "{t}.{c}");
            }
        }
        let p = table("gcp_project").unwrap_or_else(|| panic!("gcp_project"));
        assert!(p.column_index("tags").is_some());
        assert!(
            p.column_index("location").is_none(),
            "Steampipe's gcp_project has no location"
        );
    }
}
