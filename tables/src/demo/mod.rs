//! The built-in synthetic organisation: three AWS accounts, a Google Cloud organization
//! (`gcp.rs`) and an Azure tenant (`azure.rs`), with users, groups, roles,
//! policies, credentials, buckets, networks and instances, including planted privilege
//! escalation paths, near misses and CIS misconfigurations (listed in `README.md` next
//! to this file). The same scale and seed always give the same rows.
//!
//! ```no_run
//! let org = pathwarden_tables::demo::generate(1_000, pathwarden_tables::demo::DEFAULT_SEED);
//! assert_eq!(org.principal_count(), 1_000);
//! let source = pathwarden_tables::demo::source("demo", 1_000);
//! ```

mod azure;
mod azure_scale;
mod emit;
mod gcp;
mod infra;
mod managed;
mod model;
mod org;
mod organization;
mod plants;
mod services;
mod util;

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use crate::framework::Row;
use crate::static_source::StaticSource;

pub use azure::{TENANT_ID as AZURE_TENANT_ID, azure_plants};
pub use gcp::{GCP_PLANTS, ORGANIZATION as GCP_ORGANIZATION};
pub use model::ACCOUNTS;
pub use org::REGIONS;
pub use plants::{ESCALATIONS, NEAR_MISSES};
pub use services::CIS_METRIC_FILTERS;

/// Seed used by [`source`] and the daemon's `--demo-scale`.
pub const DEFAULT_SEED: u64 = 0x5EED_0A11;

/// The instant every demo timestamp is measured back from (2026-01-01T00:00:00Z).
/// Fixed rather than "now" so that the same scale and seed give identical rows.
pub fn default_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// A generated organisation: rows per table, without the per-connection `_ctx` column.
#[derive(Debug)]
pub struct DemoOrg {
    /// Rows keyed by table name (`aws_iam_user`, ...).
    pub rows: HashMap<&'static str, Vec<Row>>,
    /// Users + roles generated.
    pub principals: usize,
    /// Users + roles that are planted; smaller scales are raised to this.
    pub planted_principals: usize,
}

impl DemoOrg {
    /// Number of principals (IAM users + roles) across the three accounts.
    pub fn principal_count(&self) -> usize {
        self.principals
    }

    /// Rows of one table (empty when the demo has none).
    pub fn table(&self, name: &str) -> &[Row] {
        self.rows.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Serve the organisation as connection `connection`: every AWS, GCP, Azure and Azure AD
    /// table, regions
    /// us-east-1 and eu-west-1, each row tagged with the connection in `_ctx`.
    pub fn into_source(self, connection: &str) -> StaticSource {
        let ctx = json!({"connection_name": connection, "plugin": "demo"});
        let mut rows = self.rows;
        for table_rows in rows.values_mut() {
            for r in table_rows.iter_mut() {
                r.insert("_ctx".into(), ctx.clone());
            }
        }
        let mut tables = crate::aws::tables();
        tables.extend(crate::gcp::tables());
        tables.extend(crate::azure::tables(crate::azure::AzurePlugin::Azure));
        tables.extend(crate::azure::tables(crate::azure::AzurePlugin::AzureAd));
        StaticSource::new(
            connection,
            "demo",
            REGIONS.iter().map(|r| r.to_string()).collect(),
            tables,
            rows,
        )
    }
}

/// Generate an organisation with `scale` principals (users + roles, about 60% users).
///
/// The planted principals are always present, so scales below
/// [`DemoOrg::planted_principals`] (about 60) produce exactly the planted set.
pub fn generate(scale: usize, seed: u64) -> DemoOrg {
    generate_at(scale, seed, default_epoch())
}

/// [`generate`] with timestamps measured back from `epoch` instead of 2026-01-01, so
/// that age-based checks ("not used in 90 days") keep their hits when run later.
pub fn generate_at(scale: usize, seed: u64, epoch: DateTime<Utc>) -> DemoOrg {
    let org = org::build(scale, seed, epoch);
    let mut rows: HashMap<&'static str, Vec<Row>> = services::build(&org.infra.vpc_refs, epoch);
    emit::iam_rows(&org, epoch, &mut rows);
    rows.insert("aws_s3_bucket", org.infra.buckets);
    rows.insert("aws_vpc", org.infra.vpcs);
    rows.insert("aws_vpc_security_group", org.infra.security_groups);
    rows.insert(
        "aws_vpc_security_group_rule",
        org.infra.security_group_rules,
    );
    rows.insert("aws_ec2_instance", org.infra.instances);
    organization::rows(&mut rows);
    rows.extend(gcp::rows(&epoch.to_rfc3339()));
    rows.extend(azure::rows(&epoch.to_rfc3339()));
    DemoOrg {
        rows,
        principals: org.users.len() + org.roles.len(),
        planted_principals: org.planted_principals,
    }
}

/// A synthetic Azure tenant of `principals` Entra principals (and nothing else), served as
/// `connection` with the Azure and Azure AD tables: what the Azure graph benchmark builds.
pub fn azure_scale_source(connection: &str, principals: usize) -> StaticSource {
    let ctx = json!({"connection_name": connection, "plugin": "demo"});
    let mut rows = azure_scale::rows(principals);
    for table_rows in rows.values_mut() {
        for r in table_rows.iter_mut() {
            r.insert("_ctx".into(), ctx.clone());
        }
    }
    let mut tables = crate::azure::tables(crate::azure::AzurePlugin::Azure);
    tables.extend(crate::azure::tables(crate::azure::AzurePlugin::AzureAd));
    StaticSource::new(connection, "demo", vec!["global".into()], tables, rows)
}

/// The demo organisation at `scale` with [`DEFAULT_SEED`], served as `connection`.
pub fn source(connection: &str, scale: usize) -> StaticSource {
    generate(scale, DEFAULT_SEED).into_source(connection)
}
