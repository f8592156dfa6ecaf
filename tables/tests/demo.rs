//! The demo organisation: determinism, shape against the declared tables, planted
//! principals, and Steampipe-style SQL over it through DataFusion.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use arrow::util::display::array_value_to_string;
use datafusion::prelude::SessionContext;
use pathwarden_tables::aws;
use pathwarden_tables::catalog::TablesSchema;
use pathwarden_tables::demo::{self, DEFAULT_SEED, ESCALATIONS, NEAR_MISSES};
use pathwarden_tables::framework::{ConnectionRuntime, ErrorLog, Row, RuntimeOptions};
use serde_json::Value;

fn rows_by_name<'a>(org: &'a demo::DemoOrg, table: &str) -> HashMap<String, &'a Row> {
    org.table(table)
        .iter()
        .filter_map(|r| {
            r.get("name")
                .and_then(Value::as_str)
                .map(|n| (n.to_string(), r))
        })
        .collect()
}

#[test]
fn same_scale_and_seed_give_identical_rows() {
    let a = demo::generate(600, 42);
    let b = demo::generate(600, 42);
    let c = demo::generate(600, 43);
    let mut differs = false;
    for def in aws::tables() {
        assert_eq!(
            a.table(def.name),
            b.table(def.name),
            "{} differs between runs",
            def.name
        );
        differs |= a.table(def.name) != c.table(def.name);
    }
    assert!(
        differs,
        "a different seed should give a different organisation"
    );
}

#[test]
fn rows_use_only_declared_columns_and_every_table_has_rows() {
    let org = demo::generate(1_000, DEFAULT_SEED);
    let azure = || {
        use pathwarden_tables::azure::{AzurePlugin, tables};
        tables(AzurePlugin::Azure)
            .into_iter()
            .chain(tables(AzurePlugin::AzureAd))
    };
    let declared: HashSet<&str> = aws::tables()
        .iter()
        .chain(pathwarden_tables::gcp::tables().iter())
        .copied()
        .chain(azure())
        .map(|d| d.name)
        .collect();
    for name in org.rows.keys() {
        assert!(
            declared.contains(name),
            "demo produces rows for undeclared table {name}"
        );
    }
    for def in aws::tables()
        .into_iter()
        .chain(pathwarden_tables::gcp::tables())
        .chain(azure())
    {
        let rows = org.table(def.name);
        assert!(!rows.is_empty(), "{} has no demo rows", def.name);
        for r in rows {
            let bad = def.undeclared_keys(r);
            assert!(
                bad.is_empty(),
                "{} row has undeclared columns {bad:?}",
                def.name
            );
        }
    }
}

#[test]
fn every_column_has_a_value_somewhere() {
    let source = demo::source("demo", 2_000);
    let mut missing = Vec::new();
    for def in aws::tables() {
        let rows = source.rows(def.name).map(|r| r.as_slice()).unwrap_or(&[]);
        for c in def.columns {
            if !rows
                .iter()
                .any(|r| r.get(c.name).is_some_and(|v| !v.is_null()))
            {
                missing.push(format!("{}.{}", def.name, c.name));
            }
        }
    }
    assert!(missing.is_empty(), "columns null in every row: {missing:?}");
}

#[test]
fn scale_is_the_exact_number_of_principals() {
    for scale in [100, 1_000, 10_000] {
        let org = demo::generate(scale, DEFAULT_SEED);
        assert_eq!(org.principal_count(), scale);
        let users = org.table("aws_iam_user").len();
        let roles = org.table("aws_iam_role").len();
        assert_eq!(users + roles, scale, "rows at scale {scale}");
        let share = users as f64 / scale as f64;
        assert!(
            (0.55..=0.65).contains(&share),
            "user share {share} at scale {scale}"
        );
    }
    // Below the planted set, the organisation is exactly the planted set.
    let small = demo::generate(10, DEFAULT_SEED);
    assert_eq!(small.principal_count(), small.planted_principals);
    assert!(small.planted_principals >= 10);
}

#[test]
fn planted_principals_exist_at_every_scale() {
    for scale in [10, 500, 10_000] {
        let org = demo::generate(scale, 9);
        let users = rows_by_name(&org, "aws_iam_user");
        let roles = rows_by_name(&org, "aws_iam_role");
        for name in ESCALATIONS.iter().chain(NEAR_MISSES) {
            assert!(users.contains_key(*name), "{name} missing at scale {scale}");
        }
        for role in [
            "prod-admin",
            "lambda-admin-exec",
            "ec2-admin-instance-role",
            "cfn-admin-deploy-role",
            "glue-admin-role",
            "chain-hop-a",
            "chain-hop-b-admin",
            "xacct-trust-dev-root",
            "lambda-basic-logging",
        ] {
            assert!(
                roles.contains_key(role),
                "role {role} missing at scale {scale}"
            );
        }
    }
}

#[test]
fn planted_documents_say_what_the_readme_says() {
    let org = demo::generate(50, DEFAULT_SEED);
    let users = rows_by_name(&org, "aws_iam_user");
    let roles = rows_by_name(&org, "aws_iam_role");

    let glue = users["esc-passrole-glue"];
    let std = glue["inline_policies_std"].to_string();
    assert!(
        std.contains("\"iam:passrole\"") && std.contains("glue:createdevendpoint"),
        "{std}"
    );
    assert!(std.contains("arn:aws:iam::111111111111:role/glue-admin-role"));

    let boundary = users["nearmiss-permissions-boundary"];
    assert_eq!(
        boundary["permissions_boundary_arn"],
        "arn:aws:iam::111111111111:policy/boundaries/developer-boundary"
    );

    let chain = roles["chain-hop-b-admin"];
    assert_eq!(
        chain["assume_role_policy"]["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::111111111111:role/chain-hop-a"
    );
    assert_eq!(
        chain["attached_policy_arns"],
        serde_json::json!(["arn:aws:iam::aws:policy/AdministratorAccess"])
    );

    let xacct = roles["xacct-trust-dev-root"];
    assert_eq!(
        xacct["assume_role_policy_std"]["Statement"][0]["Principal"]["AWS"],
        serde_json::json!(["arn:aws:iam::222222222222:root"])
    );

    // The trust text is URL-encoded and decodes to the trust object.
    for r in org.table("aws_iam_role") {
        let text = r["assume_role_policy_document"]
            .as_str()
            .unwrap_or_default();
        let decoded: Value = serde_json::from_str(
            &urlencoding::decode(text)
                .map(|c| c.into_owned())
                .unwrap_or_default(),
        )
        .unwrap_or(Value::Null);
        assert_eq!(decoded, r["assume_role_policy"], "role {}", r["name"]);
    }
}

#[test]
fn references_between_tables_resolve() {
    let org = demo::generate(3_000, 5);
    let policies: HashSet<(String, String)> = org
        .table("aws_iam_policy")
        .iter()
        .map(|p| {
            (
                p["account_id"].as_str().unwrap_or("").to_string(),
                p["arn"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for table in ["aws_iam_user", "aws_iam_group", "aws_iam_role"] {
        for r in org.table(table) {
            let account = r["account_id"].as_str().unwrap_or("").to_string();
            for arn in r["attached_policy_arns"].as_array().into_iter().flatten() {
                let arn = arn.as_str().unwrap_or("").to_string();
                assert!(
                    policies.contains(&(account.clone(), arn.clone())),
                    "{table} {} attaches unknown {arn}",
                    r["name"]
                );
            }
        }
    }
    let profiles: HashSet<String> = org
        .table("aws_iam_role")
        .iter()
        .flat_map(|r| {
            r["instance_profile_arns"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let groups: HashSet<String> = org
        .table("aws_vpc_security_group")
        .iter()
        .map(|g| g["group_id"].as_str().unwrap_or("").to_string())
        .collect();
    let mut with_profile = 0;
    for i in org.table("aws_ec2_instance") {
        if let Some(p) = i["iam_instance_profile_arn"].as_str() {
            with_profile += 1;
            assert!(
                profiles.contains(p),
                "instance {} uses unknown profile {p}",
                i["instance_id"]
            );
            assert!(
                !p.ends_with("/ec2-admin-instance-role"),
                "no instance runs with the planted admin profile"
            );
        }
        for g in i["security_groups"].as_array().into_iter().flatten() {
            let id = g["GroupId"].as_str().unwrap_or("");
            assert!(
                groups.contains(id),
                "instance {} in unknown group {id}",
                i["instance_id"]
            );
        }
    }
    assert!(
        with_profile > 3,
        "some instances should carry instance profiles"
    );
    // Group membership is consistent in both directions.
    let users = rows_by_name(&org, "aws_iam_user");
    for g in org.table("aws_iam_group") {
        for m in g["users"].as_array().into_iter().flatten() {
            let name = m["UserName"].as_str().unwrap_or("");
            let u = users
                .get(name)
                .unwrap_or_else(|| panic!("group member {name} is not a user"));
            assert!(
                u["groups"]
                    .to_string()
                    .contains(g["arn"].as_str().unwrap_or("?"))
            );
        }
    }
}

async fn sql(ctx: &SessionContext, query: &str) -> Vec<Vec<String>> {
    let batches = ctx
        .sql(query)
        .await
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    let mut out = Vec::new();
    for b in batches {
        for row in 0..b.num_rows() {
            out.push(
                (0..b.num_columns())
                    .map(|c| array_value_to_string(b.column(c), row).unwrap_or_default())
                    .collect(),
            );
        }
    }
    out
}

fn col0(rows: &[Vec<String>]) -> BTreeSet<String> {
    rows.iter().map(|r| r[0].clone()).collect()
}

fn context(scale: usize) -> SessionContext {
    let source = demo::source("demo", scale);
    let rt = ConnectionRuntime::new(
        Arc::new(source),
        RuntimeOptions::default(),
        Arc::new(ErrorLog::default()),
    );
    let ctx = SessionContext::new();
    let catalog = ctx.catalog("datafusion").expect("default catalog");
    catalog
        .register_schema("demo", Arc::new(TablesSchema::for_connection(&rt)))
        .expect("register schema");
    ctx
}

#[tokio::test]
async fn steampipe_style_queries_find_the_plants() {
    let ctx = context(2_000);

    // Key lookup.
    let rows = sql(
        &ctx,
        "select name, arn, account_id from demo.aws_iam_user where name = 'esc-passrole-glue'",
    )
    .await;
    assert_eq!(
        rows,
        vec![vec![
            "esc-passrole-glue".to_string(),
            "arn:aws:iam::111111111111:user/esc-passrole-glue".to_string(),
            "111111111111".to_string(),
        ]]
    );

    // Principal count through SQL equals the scale.
    let rows = sql(&ctx, "select (select count(*) from demo.aws_iam_user) + (select count(*) from demo.aws_iam_role)").await;
    assert_eq!(rows[0][0], "2000");

    // CIS 1.10: console users without MFA.
    let no_mfa = col0(&sql(&ctx, "select user_name from demo.aws_iam_credential_report where password_enabled and not mfa_active").await);
    assert!(
        no_mfa.contains("cis-console-no-mfa") && no_mfa.contains("ops-admin-carol"),
        "{no_mfa:?}"
    );
    assert!(!no_mfa.contains("admin-alice"));

    // CIS 1.4: root access keys.
    let rows = sql(&ctx, "select account_id from demo.aws_iam_credential_report where user_name = '<root_account>' and access_key_1_active").await;
    assert_eq!(col0(&rows), BTreeSet::from(["111111111111".to_string()]));

    // CIS 1.5: root without MFA.
    let rows = sql(&ctx, "select account_id from demo.aws_iam_credential_report where user_name = '<root_account>' and not mfa_active").await;
    assert_eq!(col0(&rows), BTreeSet::from(["111111111111".to_string()]));

    // CIS 1.8/1.9: weak password policy.
    let rows = sql(&ctx, "select account_id from demo.aws_iam_account_password_policy where minimum_password_length < 14 or not require_symbols").await;
    assert_eq!(col0(&rows), BTreeSet::from(["222222222222".to_string()]));

    // CIS 1.14: active keys older than 90 days (relative to the demo epoch).
    let stale = col0(&sql(&ctx, "select user_name from demo.aws_iam_access_key where status = 'Active' and create_date < timestamp '2025-10-03T00:00:00Z'").await);
    assert!(stale.contains("cis-stale-access-key") && stale.contains("svc-legacy-soap"));
    assert!(!stale.contains("cis-two-active-keys"));

    // CIS 1.12: credentials unused for 45 days.
    let unused = col0(&sql(&ctx, "select user_name from demo.aws_iam_credential_report where password_enabled and password_last_used < timestamp '2025-11-17T00:00:00Z'").await);
    assert!(unused.contains("cis-unused-credentials"));

    // Public buckets: only the planted ones.
    let rows = sql(
        &ctx,
        "select name from demo.aws_s3_bucket where bucket_policy_is_public",
    )
    .await;
    assert_eq!(
        col0(&rows),
        BTreeSet::from(["acme-prod-public-website".to_string()])
    );
    let rows = sql(
        &ctx,
        "select name from demo.aws_s3_bucket where acl like '%global/AllUsers%'",
    )
    .await;
    assert_eq!(
        col0(&rows),
        BTreeSet::from(["acme-dev-shared-uploads".to_string()])
    );
    let rows = sql(
        &ctx,
        "select name from demo.aws_s3_bucket where server_side_encryption_configuration is null",
    )
    .await;
    assert_eq!(
        col0(&rows),
        BTreeSet::from(["acme-prod-legacy-exports".to_string()])
    );

    // CIS 5.2: ingress from 0.0.0.0/0 to port 22.
    let rows = sql(
        &ctx,
        "select distinct g.group_name from demo.aws_vpc_security_group_rule r \
         join demo.aws_vpc_security_group g on g.group_id = r.group_id \
         where r.type = 'ingress' and r.cidr_ipv4 = '0.0.0.0/0' \
           and (r.ip_protocol = '-1' or (r.from_port <= 22 and r.to_port >= 22))",
    )
    .await;
    assert_eq!(
        col0(&rows),
        BTreeSet::from(["bastion-ssh-open".to_string(), "debug-all-open".to_string()])
    );
    let rows = sql(&ctx, "select count(*) from demo.aws_vpc_security_group_rule where type = 'ingress' and cidr_ipv6 = '::/0' and from_port = 22").await;
    assert_eq!(rows[0][0], "1");

    // CIS 5.4: default security groups with rules (all but the security account's main VPC ones).
    let rows = sql(
        &ctx,
        "select account_id, count(*) from demo.aws_vpc_security_group \
         where group_name = 'default' and (ip_permissions <> '[]' or ip_permissions_egress <> '[]') \
         group by account_id order by account_id",
    )
    .await;
    assert_eq!(
        rows,
        vec![
            vec!["111111111111".to_string(), "4".to_string()],
            vec!["222222222222".to_string(), "4".to_string()],
            vec!["333333333333".to_string(), "2".to_string()],
        ]
    );

    // Instances with a public IP and IMDSv1.
    let rows = sql(
        &ctx,
        "select title from demo.aws_ec2_instance where public_ip_address is not null \
         and metadata_options like '%\"HttpTokens\": \"optional\"%'",
    )
    .await;
    let titles = col0(&rows);
    assert!(
        titles.contains("bastion-prod") && titles.contains("legacy-windows-jump"),
        "{titles:?}"
    );

    // Regional tables honour the region qualifier.
    let rows = sql(
        &ctx,
        "select count(*) from demo.aws_vpc where region = 'eu-west-1'",
    )
    .await;
    assert_eq!(rows[0][0], "6");

    // Policies that grant everything, attached somewhere (CIS 1.16).
    let rows = sql(
        &ctx,
        "select name from demo.aws_iam_policy where not is_aws_managed and is_attached \
         and policy_std like '%\"Action\": [\"*\"]%'",
    )
    .await;
    assert_eq!(
        col0(&rows),
        BTreeSet::from(["legacy-full-admin".to_string()])
    );
}

/// The tables of the CIS services (CloudTrail, Config, KMS, ...), which are fixed per
/// account, region and VPC.
const SERVICE_TABLES: [&str; 14] = [
    "aws_iam_server_certificate",
    "aws_accessanalyzer_analyzer",
    "aws_ec2_regional_settings",
    "aws_vpc_network_acl",
    "aws_vpc_flow_log",
    "aws_cloudtrail_trail",
    "aws_config_configuration_recorder",
    "aws_kms_key",
    "aws_cloudwatch_alarm",
    "aws_cloudwatch_log_metric_filter",
    "aws_sns_topic_subscription",
    "aws_rds_db_instance",
    "aws_efs_file_system",
    "aws_securityhub_hub",
];

#[test]
fn service_tables_do_not_grow_with_principals() {
    let small = demo::generate(10, DEFAULT_SEED);
    let large = demo::generate(5_000, 77);
    for t in SERVICE_TABLES {
        assert!(!small.table(t).is_empty(), "{t} is empty");
        assert_eq!(
            small.table(t),
            large.table(t),
            "{t} depends on scale or seed"
        );
    }
}

fn s<'a>(r: &'a Row, k: &str) -> &'a str {
    r.get(k).and_then(Value::as_str).unwrap_or_default()
}

fn b(r: &Row, k: &str) -> bool {
    r.get(k).and_then(Value::as_bool).unwrap_or(false)
}

/// (account, region) pairs of `table`'s rows that satisfy `keep`.
fn where_rows(
    org: &demo::DemoOrg,
    table: &str,
    keep: impl Fn(&Row) -> bool,
) -> BTreeSet<(String, String)> {
    org.table(table)
        .iter()
        .filter(|r| keep(r))
        .map(|r| (s(r, "account_id").to_string(), s(r, "region").to_string()))
        .collect()
}

fn names(
    org: &demo::DemoOrg,
    table: &str,
    column: &str,
    keep: impl Fn(&Row) -> bool,
) -> BTreeSet<String> {
    org.table(table)
        .iter()
        .filter(|r| keep(r))
        .map(|r| s(r, column).to_string())
        .collect()
}

fn pair(a: &str, r: &str) -> (String, String) {
    (a.to_string(), r.to_string())
}

fn strings(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn cis_service_plants_are_where_the_readme_says() {
    const PROD: &str = "111111111111";
    const DEV: &str = "222222222222";
    const SEC: &str = "333333333333";
    let org = demo::generate(300, DEFAULT_SEED);
    let epoch = demo::default_epoch().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);

    // 1.19: one expired server certificate.
    assert_eq!(
        names(&org, "aws_iam_server_certificate", "name", |r| s(
            r,
            "expiration"
        ) < epoch
            .as_str()),
        strings(&["acme-legacy-api-2019"])
    );
    // 1.20: regions without an ACTIVE analyzer.
    let active = where_rows(&org, "aws_accessanalyzer_analyzer", |r| {
        s(r, "status") == "ACTIVE"
    });
    let mut missing = BTreeSet::new();
    for a in [PROD, DEV, SEC] {
        for r in demo::REGIONS {
            if !active.contains(&pair(a, r)) {
                missing.insert(pair(a, r));
            }
        }
    }
    assert_eq!(
        missing,
        BTreeSet::from([pair(PROD, "eu-west-1"), pair(DEV, "eu-west-1")])
    );
    // 2.2.1
    assert_eq!(org.table("aws_ec2_regional_settings").len(), 6);
    assert_eq!(
        where_rows(&org, "aws_ec2_regional_settings", |r| !b(
            r,
            "default_ebs_encryption_enabled"
        )),
        BTreeSet::from([pair(DEV, "us-east-1")])
    );
    // 2.3.x and 2.4.1
    let db = |keep: &dyn Fn(&Row) -> bool| {
        names(&org, "aws_rds_db_instance", "db_instance_identifier", keep)
    };
    assert_eq!(
        db(&|r| !b(r, "storage_encrypted")),
        strings(&["legacy-reporting"])
    );
    assert_eq!(
        db(&|r| !b(r, "auto_minor_version_upgrade")),
        strings(&["billing-ledger"])
    );
    assert_eq!(
        db(&|r| b(r, "publicly_accessible")),
        strings(&["dev-analytics-pg"])
    );
    assert_eq!(
        names(&org, "aws_efs_file_system", "name", |r| !b(r, "encrypted")),
        strings(&["ml-scratch"])
    );

    // CloudTrail: multi-region trails are listed in every region (shadow trails).
    let trails = org.table("aws_cloudtrail_trail");
    for t in trails.iter().filter(|t| b(t, "is_multi_region_trail")) {
        let regions = names(&org, "aws_cloudtrail_trail", "region", |r| {
            s(r, "arn") == s(t, "arn")
        });
        assert_eq!(regions, strings(&demo::REGIONS), "{}", s(t, "name"));
    }
    let home = |keep: &dyn Fn(&Row) -> bool| {
        names(&org, "aws_cloudtrail_trail", "name", |r| {
            s(r, "region") == s(r, "home_region") && keep(r)
        })
    };
    // 3.1: accounts with a logging multi-region trail recording all management events.
    let all_events: BTreeSet<String> = trails
        .iter()
        .filter(|t| b(t, "is_logging") && b(t, "is_multi_region_trail"))
        .filter(|t| {
            t["event_selectors"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["ReadWriteType"] == "All" && e["IncludeManagementEvents"] == true)
        })
        .map(|t| s(t, "account_id").to_string())
        .collect();
    assert_eq!(all_events, strings(&[PROD, SEC]));
    // 3.2 / 3.5
    let dev_trails = strings(&["acme-dev-trail", "sandbox-eu-trail"]);
    assert_eq!(home(&|r| !b(r, "log_file_validation_enabled")), dev_trails);
    assert_eq!(home(&|r| r["kms_key_id"].is_null()), dev_trails);
    // 3.4: trail buckets exist and only dev's lacks access logging.
    let buckets = rows_by_name(&org, "aws_s3_bucket");
    let unlogged: BTreeSet<String> = trails
        .iter()
        .map(|t| {
            let bucket = buckets
                .get(s(t, "s3_bucket_name"))
                .unwrap_or_else(|| panic!("trail bucket {} is missing", s(t, "s3_bucket_name")));
            (
                s(t, "s3_bucket_name").to_string(),
                bucket["logging"].is_null(),
            )
        })
        .filter(|(_, unlogged)| *unlogged)
        .map(|(n, _)| n)
        .collect();
    assert_eq!(unlogged, strings(&["acme-dev-cloudtrail-logs"]));
    // 3.3: regions without a recording recorder.
    let recording = where_rows(&org, "aws_config_configuration_recorder", |r| {
        r["status"]["Recording"] == true && r["recording_group"]["AllSupported"] == true
    });
    assert_eq!(recording.len(), 4);
    assert!(
        !recording.contains(&pair(PROD, "eu-west-1"))
            && !recording.contains(&pair(DEV, "eu-west-1"))
    );
    // 3.6: one enabled customer symmetric key without rotation.
    let keys = org.table("aws_kms_key");
    let unrotated: Vec<&Row> = keys
        .iter()
        .filter(|k| {
            s(k, "key_manager") == "CUSTOMER"
                && s(k, "customer_master_key_spec") == "SYMMETRIC_DEFAULT"
        })
        .filter(|k| s(k, "origin") == "AWS_KMS" && s(k, "key_state") == "Enabled")
        .filter(|k| k["key_rotation_enabled"] == false)
        .collect();
    assert_eq!(unrotated.len(), 1);
    assert_eq!(
        unrotated[0]["aliases"][0]["AliasName"],
        "alias/legacy-exports"
    );
    // Every KMS key a trail, bucket, database or file system names exists.
    let key_arns: HashSet<&str> = keys.iter().map(|k| s(k, "arn")).collect();
    let mut named = Vec::new();
    named.extend(trails.iter().filter_map(|t| t["kms_key_id"].as_str()));
    named.extend(
        org.table("aws_rds_db_instance")
            .iter()
            .filter_map(|d| d["kms_key_id"].as_str()),
    );
    named.extend(
        org.table("aws_efs_file_system")
            .iter()
            .filter_map(|f| f["kms_key_id"].as_str()),
    );
    for name in [
        "acme-prod-cloudtrail",
        "acme-security-cloudtrail",
        "acme-security-cloudtrail-replica",
        "acme-dev-terraform-state",
    ] {
        named.extend(
            buckets[name]["server_side_encryption_configuration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
                .as_str(),
        );
    }
    assert!(named.len() >= 10);
    for k in named {
        assert!(key_arns.contains(k), "unknown KMS key {k}");
    }
    // 3.7: VPCs without an active VPC flow log.
    let logged: HashSet<&str> = org
        .table("aws_vpc_flow_log")
        .iter()
        .map(|f| s(f, "resource_id"))
        .collect();
    let unlogged: Vec<&Row> = org
        .table("aws_vpc")
        .iter()
        .filter(|v| !logged.contains(s(v, "vpc_id")))
        .collect();
    assert_eq!(unlogged.len(), 5);
    assert!(unlogged.iter().all(|v| s(v, "account_id") != SEC));
    // Network ACLs: one per VPC plus the bastion's; all name real VPCs and subnets.
    let vpcs: HashSet<&str> = org
        .table("aws_vpc")
        .iter()
        .map(|v| s(v, "vpc_id"))
        .collect();
    let acls = org.table("aws_vpc_network_acl");
    assert_eq!(acls.len(), vpcs.len() + 1);
    assert!(acls.iter().all(|a| vpcs.contains(s(a, "vpc_id"))));
    // 5.1: ACLs with an inbound allow from anywhere to 22/3389 or all traffic.
    let open: Vec<&Row> = acls
        .iter()
        .filter(|a| {
            a["entries"].as_array().into_iter().flatten().any(|e| {
                let anywhere = e["CidrBlock"] == "0.0.0.0/0" || e["Ipv6CidrBlock"] == "::/0";
                let from = e["PortRange"]["From"].as_i64().unwrap_or(0);
                let to = e["PortRange"]["To"].as_i64().unwrap_or(-1);
                let admin =
                    e["Protocol"] == "-1" || [22, 3389].iter().any(|p| (from..=to).contains(p));
                e["Egress"] == false && e["RuleAction"] == "allow" && anywhere && admin
            })
        })
        .collect();
    assert_eq!(open.len(), 8, "six default-VPC ACLs and two planted ones");
    assert!(open.iter().any(|a| a["tags"]["Name"] == "bastion-public"));
    assert!(open.iter().filter(|a| !b(a, "is_default")).count() == 1);
    // 4.16
    assert_eq!(org.table("aws_securityhub_hub").len(), 5);
    assert!(!where_rows(&org, "aws_securityhub_hub", |_| true).contains(&pair(DEV, "eu-west-1")));
}

#[test]
fn cis_monitoring_chain_is_complete_only_in_the_security_account() {
    let org = demo::generate(10, DEFAULT_SEED);
    let filters = org.table("aws_cloudwatch_log_metric_filter");
    let alarms = org.table("aws_cloudwatch_alarm");
    let confirmed: HashSet<&str> = org
        .table("aws_sns_topic_subscription")
        .iter()
        .filter(|s| {
            s["subscription_arn"]
                .as_str()
                .is_some_and(|a| a.starts_with("arn:"))
        })
        .map(|x| s(x, "topic_arn"))
        .collect();
    // Per account: the CIS controls whose filter (with the benchmark's pattern) has an
    // alarm notifying a topic with a confirmed subscription.
    let chained = |account: &str| -> BTreeSet<&str> {
        demo::CIS_METRIC_FILTERS
            .iter()
            .filter(|(_, name, metric, pattern)| {
                filters.iter().any(|f| {
                    s(f, "account_id") == account
                        && s(f, "name") == *name
                        && s(f, "filter_pattern") == *pattern
                }) && alarms.iter().any(|a| {
                    s(a, "account_id") == account
                        && s(a, "metric_name") == *metric
                        && a["alarm_actions"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|t| t.as_str().is_some_and(|t| confirmed.contains(t)))
                })
            })
            .map(|(control, ..)| *control)
            .collect()
    };
    let all: BTreeSet<&str> = demo::CIS_METRIC_FILTERS.iter().map(|c| c.0).collect();
    assert_eq!(chained("333333333333"), all);
    assert_eq!(
        chained("111111111111"),
        BTreeSet::from(["4.2", "4.3", "4.4", "4.5", "4.6"])
    );
    assert_eq!(
        chained("222222222222"),
        BTreeSet::from(["4.3"]),
        "dev's chain exists, its trail does not qualify"
    );
}
