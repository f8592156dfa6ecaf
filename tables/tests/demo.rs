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
    let declared: HashSet<&str> = aws::tables().iter().map(|d| d.name).collect();
    for name in org.rows.keys() {
        assert!(
            declared.contains(name),
            "demo produces rows for undeclared table {name}"
        );
    }
    for def in aws::tables() {
        let rows = org.table(def.name);
        assert!(!rows.is_empty(), "{} has no demo rows", def.name);
        let columns: HashSet<&str> = def.columns.iter().map(|c| c.name).collect();
        for r in rows {
            for k in r.keys() {
                assert!(
                    columns.contains(k.as_str()),
                    "{} row has undeclared column {k}",
                    def.name
                );
            }
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
         and metadata_options like '%\"HttpTokens\":\"optional\"%'",
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
         and policy_std like '%\"Action\":[\"*\"]%'",
    )
    .await;
    assert_eq!(
        col0(&rows),
        BTreeSet::from(["legacy-full-admin".to_string()])
    );
}
