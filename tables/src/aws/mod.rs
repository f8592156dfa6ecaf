//! AWS tables (Steampipe's table and column names) and the live provider.
//!
//! Every table is declared in its own file as one [`AwsTable`] (definition plus list, get
//! and hydrate references); [`TABLES`] registers them, one line each.
//! Column names and types follow Steampipe's AWS plugin so that existing queries run
//! unchanged. Columns of Steampipe's tables that are left out, because the SDKs this
//! crate builds with cannot obtain them:
//!
//! - `aws_account`: the `organization_*` columns (they need AWS Organizations'
//!   DescribeOrganization, whose SDK is not a dependency).
//!
//! Where the Rust SDK has no serialisable types, JSON columns are rebuilt member by member
//! with the API's PascalCase names (see `json.rs`); a few deep structures carry the members
//! queries use rather than every member: `aws_ec2_instance.launch_template_data` (image,
//! type, key, profile, security groups, metadata options, monitoring, user data),
//! `aws_s3_bucket.lifecycle_rules`/`replication` (no nested `And` filters, replication
//! time or metrics) and `aws_s3_bucket.website_configuration` (no routing rules).
//!
//! Differences in how columns are filled: Steampipe fills `aws_iam_policy.description`
//! from ListPolicies (where it is always empty); here it comes from GetPolicy. The
//! `aws_iam_policy_attachment` entity columns are a hydrate call (ListEntitiesForPolicy)
//! instead of part of the listing, so queries that do not project them stay cheap, and
//! one row is returned per policy rather than per page of entities.
//!
//! IAM, S3 and STS calls go through the `aws-sdk-*` crates. The EC2 tables (instances,
//! VPCs, security groups and their rules, network ACLs, flow logs, regions, EBS
//! defaults) and the tables the CIS controls added for CloudTrail, Config, KMS,
//! CloudWatch (alarms), CloudWatch Logs (metric filters), SNS, RDS, EFS, Access Analyzer
//! and Security Hub go through `api.rs`, one signed-request client for the wire
//! protocols those services use, signed by `aws-sigv4` with the connection's own
//! credentials chain: an SDK crate per service would add many minutes to every cold
//! build on the two-core machines this is built on (`aws-sdk-ec2` alone took 225 s of
//! CPU), for a handful of read calls each. The EC2 JSON columns are rebuilt member by
//! member from the XML responses with the same PascalCase keys (`ec2_common.rs`). Columns of those Steampipe tables left out:
//! `aws_securityhub_hub.administrator_account`/`tags`, `aws_kms_key.multi_region_configuration`,
//! `aws_cloudtrail_trail.insight_selectors` and the `*_digest_*`/`*_notification_*` status
//! columns, `aws_efs_file_system.policy`, and most of `aws_rds_db_instance`'s rarely used
//! columns (parameter/option groups, pending changes, certificates).
//!
//! The standard columns `title`, `akas`, `partition`, `region`, `account_id` and `_ctx`
//! are appended to every table by `aws_columns!`. IAM tables report
//! region `global`, as Steampipe does.

/// The columns of an AWS table: the given ones followed by the standard Steampipe AWS
/// columns (`title`, `akas`, `partition`, `region`, `account_id`, `_ctx`).
///
/// It builds the whole slice because a macro cannot expand to several elements inside
/// an array literal.
macro_rules! aws_columns {
    ($($column:expr),* $(,)?) => {
        &[
            $($column,)*
            $crate::framework::def::col("title", $crate::framework::def::ColumnType::Text, "Title of the resource."),
            $crate::framework::def::col("akas", $crate::framework::def::ColumnType::Json, "Array of globally unique identifier strings (also known as) for the resource."),
            $crate::framework::def::col("partition", $crate::framework::def::ColumnType::Text, "The AWS partition in which the resource is located (aws, aws-cn, or aws-us-gov)."),
            $crate::framework::def::col("region", $crate::framework::def::ColumnType::Text, "The AWS Region in which the resource is located."),
            $crate::framework::def::col("account_id", $crate::framework::def::ColumnType::Text, "The AWS Account ID in which the resource is located."),
            $crate::framework::def::col("_ctx", $crate::framework::def::ColumnType::Json, "pathwarden context: the connection that produced the row."),
        ]
    };
}

mod api;
mod ec2_common;
mod iam_common;
mod json;
pub mod policy;
pub mod source;

pub use organizations::OrgMember;
pub use source::{AwsConnectionConfig, AwsError, AwsSource};

use crate::framework::TableDef;
use crate::framework::registry::{self, Hydrate, Table};

/// An AWS table: its definition and its typed list, get and hydrate calls.
pub type AwsTable = Table<AwsSource>;
/// A hydrate call of an AWS table.
pub type AwsHydrate = Hydrate<AwsSource>;

/// Declares each table module and registers its tables, so that adding a table is its file
/// and one line here.
macro_rules! register_tables {
    ($($module:ident: $($table:ident),+;)*) => {
        $(pub mod $module;)*

        /// Every AWS table, in registration order.
        pub static TABLES: &[&AwsTable] = &[$($(&$module::$table,)+)*];
    };
}

register_tables! {
    // module: the tables it declares. One line per table file.
    // Every AWS table, in registration order: one line per table.
    account: TABLE;
    region: TABLE;
    iam_user: TABLE;
    iam_group: TABLE;
    iam_role: TABLE;
    iam_policy: TABLE;
    iam_policy_attachment: TABLE;
    iam_access_key: TABLE;
    iam_account_summary: TABLE;
    iam_account_password_policy: TABLE;
    iam_credential_report: TABLE;
    iam_virtual_mfa_device: TABLE;
    iam_saml_provider: TABLE;
    s3_bucket: TABLE;
    ec2_instance: TABLE;
    vpc: TABLE;
    vpc_security_group: TABLE;
    vpc_security_group_rule: TABLE;
    // Tables the CIS AWS Foundations controls need.
    iam_server_certificate: TABLE;
    accessanalyzer_analyzer: TABLE;
    ec2_regional_settings: TABLE;
    vpc_network_acl: TABLE;
    vpc_flow_log: TABLE;
    cloudtrail_trail: TABLE;
    config_configuration_recorder: TABLE;
    kms_key: TABLE;
    cloudwatch: ALARM_TABLE, METRIC_FILTER_TABLE;
    sns_topic_subscription: TABLE;
    rds_db_instance: TABLE;
    efs_file_system: TABLE;
    securityhub_hub: TABLE;
    // Organizations: accounts, units and the SCPs/RCPs that govern them.
    organizations: ACCOUNT_TABLE, ROOT_TABLE, OU_TABLE, POLICY_TABLE, POLICY_TARGET_TABLE;
}

/// Every AWS table definition, in registration order.
pub fn tables() -> Vec<&'static TableDef> {
    registry::defs(TABLES)
}

/// Look up an AWS table definition by name.
pub fn table(name: &str) -> Option<&'static TableDef> {
    tables().into_iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::framework::{ColumnType, Scope};

    #[test]
    fn registered_tables_have_unique_names() {
        let all = tables();
        assert_eq!(all.len(), TABLES.len());
        assert!(!all.is_empty());
        let names: HashSet<_> = all.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), all.len(), "duplicate table name");
        assert!(all.iter().all(|t| t.name.starts_with("aws_")));
    }

    #[test]
    fn registrations_are_consistent() {
        for t in TABLES {
            let def = &t.def;
            assert_eq!(
                t.get.is_some(),
                !def.get_keys.is_empty(),
                "{}: a get call needs get keys and get keys need a get call",
                def.name
            );
            let hydrates = def.hydrates();
            let names: HashSet<&str> = hydrates.iter().map(|h| h.name()).collect();
            assert_eq!(
                names.len(),
                hydrates.len(),
                "{}: two hydrate calls share a name (their cache entries would collide)",
                def.name
            );
            for h in hydrates {
                assert!(
                    h.as_any().downcast_ref::<AwsHydrate>().is_some(),
                    "{}: hydrate {} is not an AWS call",
                    def.name,
                    h.name()
                );
            }
        }
    }

    #[test]
    fn column_names_are_unique_and_keys_exist() {
        for t in tables() {
            let mut seen = HashSet::new();
            for c in t.columns {
                assert!(
                    seen.insert(c.name),
                    "{}: duplicate column {}",
                    t.name,
                    c.name
                );
                assert!(
                    !c.description.is_empty(),
                    "{}.{} has no description",
                    t.name,
                    c.name
                );
                assert_eq!(
                    c.name,
                    c.name.to_lowercase(),
                    "{}.{} is not lower case",
                    t.name,
                    c.name
                );
            }
            for k in t.get_keys {
                assert!(
                    t.column_index(k).is_some(),
                    "{}: get key {k} is not a column",
                    t.name
                );
            }
            assert!(
                t.column_index(t.id_column).is_some(),
                "{}: id column {} missing",
                t.name,
                t.id_column
            );
            assert!(
                t.columns
                    .iter()
                    .find(|c| c.name == t.id_column)
                    .is_some_and(|c| c.hydrate.is_none()),
                "{}: id column must come from the list call",
                t.name
            );
            assert!(
                [
                    "iam",
                    "s3",
                    "ec2",
                    "sts",
                    "account",
                    "access-analyzer",
                    "organizations",
                    "cloudtrail",
                    "config",
                    "kms",
                    "cloudwatch",
                    "logs",
                    "sns",
                    "rds",
                    "elasticfilesystem",
                    "securityhub"
                ]
                .contains(&t.service),
                "{}: service {}",
                t.name,
                t.service
            );
        }
    }

    #[test]
    fn every_table_ends_with_the_common_columns() {
        let common = ["title", "akas", "partition", "region", "account_id", "_ctx"];
        for t in tables() {
            let tail: Vec<&str> = t.columns[t.columns.len() - common.len()..]
                .iter()
                .map(|c| c.name)
                .collect();
            assert_eq!(tail, common, "{}", t.name);
        }
    }

    #[test]
    fn scopes_follow_the_service() {
        for t in tables() {
            let want = if ["iam", "s3", "sts", "account", "organizations"].contains(&t.service)
                || t.name == "aws_region"
            {
                Scope::Global
            } else {
                Scope::Regional
            };
            assert_eq!(t.scope, want, "{}", t.name);
        }
    }

    #[test]
    fn steampipe_types_of_well_known_columns() {
        let ty = |t: &str, c: &str| {
            let def = table(t).unwrap_or_else(|| panic!("no table {t}"));
            def.columns[def
                .column_index(c)
                .unwrap_or_else(|| panic!("no column {t}.{c}"))]
            .ty
        };
        assert_eq!(
            ty("aws_iam_role", "assume_role_policy_std"),
            ColumnType::Json
        );
        assert_eq!(ty("aws_iam_role", "max_session_duration"), ColumnType::Int);
        assert_eq!(ty("aws_iam_user", "create_date"), ColumnType::Timestamp);
        assert_eq!(
            ty("aws_ec2_instance", "private_ip_address"),
            ColumnType::Inet
        );
        assert_eq!(ty("aws_vpc", "cidr_block"), ColumnType::Cidr);
        assert_eq!(
            ty("aws_vpc_security_group_rule", "cidr_ipv4"),
            ColumnType::Cidr
        );
        assert_eq!(ty("aws_s3_bucket", "versioning_enabled"), ColumnType::Bool);
        assert_eq!(
            ty("aws_iam_account_summary", "users_quota"),
            ColumnType::Int
        );
    }

    #[test]
    fn get_keys_match_steampipe() {
        let keys = |t: &str| table(t).map(|d| d.get_keys.to_vec()).unwrap_or_default();
        assert_eq!(keys("aws_iam_role"), ["name", "arn"]);
        assert_eq!(keys("aws_iam_user"), ["name", "arn"]);
        assert_eq!(keys("aws_iam_group"), ["name", "arn"]);
        assert_eq!(keys("aws_iam_policy"), ["arn"]);
        assert_eq!(keys("aws_ec2_instance"), ["instance_id"]);
        assert_eq!(keys("aws_vpc"), ["vpc_id"]);
        assert_eq!(keys("aws_vpc_security_group"), ["group_id"]);
        assert_eq!(
            keys("aws_vpc_security_group_rule"),
            ["security_group_rule_id"]
        );
        assert!(keys("aws_s3_bucket").is_empty());
    }
}
