//! Offline import of `get-account-authorization-details`: exact rows through SQL, and
//! errors that name the file and the problem.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::util::display::array_value_to_string;
use datafusion::prelude::SessionContext;
use pathwarden_tables::aws;
use pathwarden_tables::catalog::TablesSchema;
use pathwarden_tables::framework::{ConnectionRuntime, ErrorLog, RuntimeOptions};
use pathwarden_tables::gaad::{self, GaadError};
use serde_json::{Value, json};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gaad.json")
}

fn context(account: Option<&str>) -> SessionContext {
    let source = gaad::load("offline", &fixture(), account).unwrap_or_else(|e| panic!("{e}"));
    let rt = ConnectionRuntime::new(
        Arc::new(source),
        RuntimeOptions::default(),
        Arc::new(ErrorLog::default()),
    );
    let ctx = SessionContext::new();
    let catalog = ctx.catalog("datafusion").expect("default catalog");
    catalog
        .register_schema("offline", Arc::new(TablesSchema::for_connection(&rt)))
        .expect("register schema");
    ctx
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

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

fn json_cell(rows: &[Vec<String>], row: usize, col: usize) -> Value {
    serde_json::from_str(&rows[row][col])
        .unwrap_or_else(|e| panic!("not JSON: {:?}: {e}", rows[row][col]))
}

#[tokio::test]
async fn users_groups_and_account() {
    let ctx = context(None);
    let rows = sql(&ctx, "select name, path, arn, account_id, region, partition, create_date, permissions_boundary_arn from offline.aws_iam_user order by name").await;
    assert_eq!(
        rows,
        strings(&[
            &[
                "alice",
                "/",
                "arn:aws:iam::123456789012:user/alice",
                "123456789012",
                "global",
                "aws",
                "2019-04-02T09:15:44Z",
                ""
            ],
            &[
                "bob",
                "/",
                "arn:aws:iam::123456789012:user/bob",
                "123456789012",
                "global",
                "aws",
                "2021-06-14T12:00:00Z",
                "arn:aws:iam::123456789012:policy/boundaries/DeveloperBoundary"
            ],
            &[
                "carol",
                "/",
                "arn:aws:iam::123456789012:user/carol",
                "123456789012",
                "global",
                "aws",
                "2022-01-10T08:30:00Z",
                ""
            ],
            &[
                "ci-bot",
                "/service/",
                "arn:aws:iam::123456789012:user/service/ci-bot",
                "123456789012",
                "global",
                "aws",
                "2020-11-20T17:45:12Z",
                ""
            ],
        ])
    );

    let rows = sql(
        &ctx,
        "select account_id, arn, title from offline.aws_account",
    )
    .await;
    assert_eq!(
        rows,
        strings(&[&["123456789012", "arn:aws:::123456789012", "123456789012"]])
    );

    // The URL-encoded inline policy is decoded, and its canonical form lower-cases actions.
    let rows = sql(&ctx, "select inline_policies, inline_policies_std, tags, tags_src, groups, mfa_enabled from offline.aws_iam_user where name = 'bob'").await;
    assert_eq!(
        json_cell(&rows, 0, 0),
        json!([{"PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "arn:aws:iam::123456789012:user/bob"}]}, "PolicyName": "self-service-inline"}])
    );
    assert_eq!(
        json_cell(&rows, 0, 1)[0]["PolicyDocument"]["Statement"][0]["Action"],
        json!(["iam:putuserpolicy"])
    );
    assert_eq!(json_cell(&rows, 0, 2), json!({}));
    assert_eq!(json_cell(&rows, 0, 3), json!([]));
    assert_eq!(json_cell(&rows, 0, 4)[0]["GroupName"], "developers");
    assert_eq!(
        json_cell(&rows, 0, 4)[0]["Arn"],
        "arn:aws:iam::123456789012:group/developers"
    );
    // GAAD does not say whether a user has MFA: unknown, not false.
    assert_eq!(rows[0][5], "");

    let rows = sql(
        &ctx,
        "select permissions_boundary_type from offline.aws_iam_user where name = 'bob'",
    )
    .await;
    assert_eq!(rows, strings(&[&["PermissionsBoundaryPolicy"]]));

    let rows = sql(
        &ctx,
        "select tags from offline.aws_iam_user where name = 'ci-bot'",
    )
    .await;
    assert_eq!(
        json_cell(&rows, 0, 0),
        json!({"Owner": "platform", "Purpose": "ci"})
    );

    let rows = sql(
        &ctx,
        "select name, attached_policy_arns, users from offline.aws_iam_group order by name",
    )
    .await;
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["admins", "auditors", "developers"]);
    assert_eq!(
        json_cell(&rows, 0, 1),
        json!(["arn:aws:iam::aws:policy/AdministratorAccess"])
    );
    let devs: BTreeSet<String> = json_cell(&rows, 2, 2)
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["UserName"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        devs,
        BTreeSet::from(["bob".to_string(), "carol".to_string()])
    );

    let rows = sql(
        &ctx,
        "select inline_policies_std from offline.aws_iam_group where name = 'developers'",
    )
    .await;
    // A single statement object becomes an array in the canonical form.
    assert_eq!(
        json_cell(&rows, 0, 0)[0]["PolicyDocument"]["Statement"][0]["Action"],
        json!(["logs:filterlogevents", "logs:get*"])
    );
}

#[tokio::test]
async fn roles_with_trust_policies_profiles_and_boundaries() {
    let ctx = context(None);
    let rows = sql(
        &ctx,
        "select name, path, role_last_used_region, instance_profile_arns, permissions_boundary_arn from offline.aws_iam_role order by name",
    )
    .await;
    assert_eq!(
        rows,
        strings(&[
            &[
                "AWSServiceRoleForSupport",
                "/aws-service-role/support.amazonaws.com/",
                "us-east-1",
                "[]",
                ""
            ],
            &[
                "app-server",
                "/",
                "",
                "[\"arn:aws:iam::123456789012:instance-profile/app-server\"]",
                ""
            ],
            &[
                "audit-readonly",
                "/",
                "",
                "[]",
                "arn:aws:iam::123456789012:policy/boundaries/DeveloperBoundary"
            ],
            &["deploy-admin", "/", "eu-west-1", "[]", ""],
        ])
    );

    // The trust policy given URL-encoded comes out decoded, canonical, and as IAM's text.
    let rows = sql(&ctx, "select assume_role_policy, assume_role_policy_std, assume_role_policy_document, inline_policies from offline.aws_iam_role where name = 'app-server'").await;
    assert_eq!(
        json_cell(&rows, 0, 0)["Statement"][0]["Principal"],
        json!({"Service": "ec2.amazonaws.com"})
    );
    assert_eq!(
        json_cell(&rows, 0, 1)["Statement"][0]["Principal"],
        json!({"Service": ["ec2.amazonaws.com"]})
    );
    assert_eq!(
        json_cell(&rows, 0, 1)["Statement"][0]["Action"],
        json!(["sts:assumerole"])
    );
    assert!(rows[0][2].starts_with("%7B%22Version%22"), "{}", rows[0][2]);
    assert_eq!(json_cell(&rows, 0, 3)[0]["PolicyName"], "read-app-bucket");

    let rows = sql(
        &ctx,
        "select assume_role_policy_std from offline.aws_iam_role where name = 'audit-readonly'",
    )
    .await;
    assert_eq!(
        json_cell(&rows, 0, 0)["Statement"][0]["Condition"],
        json!({"StringEquals": {"sts:externalid": ["audit-2022"]}})
    );

    // The escalation path in the fixture: ci-bot can pass the admin role to Lambda.
    let rows = sql(
        &ctx,
        "select inline_policies_std from offline.aws_iam_user where name = 'ci-bot'",
    )
    .await;
    let std = json_cell(&rows, 0, 0);
    assert_eq!(
        std[0]["PolicyDocument"]["Statement"][0]["Action"],
        json!(["iam:passrole"])
    );
    assert_eq!(
        std[0]["PolicyDocument"]["Statement"][0]["Resource"],
        json!(["arn:aws:iam::123456789012:role/deploy-admin"])
    );
    let rows = sql(
        &ctx,
        "select attached_policy_arns from offline.aws_iam_role where name = 'deploy-admin'",
    )
    .await;
    assert_eq!(
        json_cell(&rows, 0, 0),
        json!(["arn:aws:iam::aws:policy/AdministratorAccess"])
    );
}

#[tokio::test]
async fn policies_and_attachments() {
    let ctx = context(None);
    let rows = sql(
        &ctx,
        "select name, is_aws_managed, is_attachable, attachment_count, is_attached, default_version_id, permissions_boundary_usage_count \
         from offline.aws_iam_policy order by name",
    )
    .await;
    assert_eq!(
        rows,
        strings(&[
            &[
                "AWSSupportServiceRolePolicy",
                "true",
                "false",
                "1",
                "true",
                "v38",
                "0"
            ],
            &[
                "AdministratorAccess",
                "true",
                "true",
                "2",
                "true",
                "v1",
                "0"
            ],
            &[
                "DeveloperBoundary",
                "false",
                "true",
                "0",
                "false",
                "v1",
                "2"
            ],
            &["DeveloperTools", "false", "true", "2", "true", "v3", "0"],
            &["SecurityAudit", "true", "true", "2", "true", "v44", "0"],
        ])
    );

    // The default version's (URL-encoded) document is the policy.
    let rows = sql(&ctx, "select policy, policy_std, update_date from offline.aws_iam_policy where name = 'DeveloperTools'").await;
    let actions = json_cell(&rows, 0, 0)["Statement"][0]["Action"].clone();
    assert_eq!(
        actions,
        json!([
            "codebuild:StartBuild",
            "codebuild:BatchGetBuilds",
            "logs:GetLogEvents",
            "ecr:GetAuthorizationToken",
            "ecr:BatchGetImage"
        ])
    );
    assert_eq!(
        json_cell(&rows, 0, 1)["Statement"][0]["Action"],
        json!([
            "codebuild:batchgetbuilds",
            "codebuild:startbuild",
            "ecr:batchgetimage",
            "ecr:getauthorizationtoken",
            "logs:getlogevents"
        ])
    );
    assert_eq!(rows[0][2], "2024-08-19T16:20:00Z");

    let rows = sql(
        &ctx,
        "select policy_groups, policy_roles, policy_users from offline.aws_iam_policy_attachment \
         where policy_arn = 'arn:aws:iam::aws:policy/AdministratorAccess'",
    )
    .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        json_cell(&rows, 0, 0),
        json!([{"GroupId": "AGPAEXAMPLEADMINS0001", "GroupName": "admins"}])
    );
    assert_eq!(
        json_cell(&rows, 0, 1),
        json!([{"RoleId": "AROAEXAMPLEDEPLOY002", "RoleName": "deploy-admin"}])
    );
    assert_eq!(json_cell(&rows, 0, 2), json!([]));

    let rows = sql(&ctx, "select policy_users, policy_groups from offline.aws_iam_policy_attachment where policy_arn like '%DeveloperTools'").await;
    assert_eq!(
        json_cell(&rows, 0, 0),
        json!([{"UserId": "AIDAEXAMPLECIBOT00004", "UserName": "ci-bot"}])
    );
    assert_eq!(
        json_cell(&rows, 0, 1),
        json!([{"GroupId": "AGPAEXAMPLEDEVS00002", "GroupName": "developers"}])
    );
}

#[tokio::test]
async fn tables_the_file_cannot_fill_are_empty_and_account_can_be_overridden() {
    let ctx = context(Some("999999999999"));
    for t in [
        "aws_iam_access_key",
        "aws_iam_credential_report",
        "aws_s3_bucket",
        "aws_ec2_instance",
        "aws_vpc",
    ] {
        let rows = sql(&ctx, &format!("select count(*) from offline.{t}")).await;
        assert_eq!(rows[0][0], "0", "{t}");
    }
    let rows = sql(&ctx, "select distinct account_id from offline.aws_iam_role").await;
    assert_eq!(rows, strings(&[&["999999999999"]]));
    // Every table the source serves is an AWS table.
    assert_eq!(
        aws::tables().len(),
        ctx.catalog("datafusion")
            .and_then(|c| c.schema("offline"))
            .map(|s| s.table_names().len())
            .unwrap_or(0)
    );
}

fn write_temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pathwarden-gaad-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    p
}

#[test]
fn errors_name_the_file_and_the_problem() {
    let missing = Path::new("/nonexistent/gaad.json");
    let e = gaad::load("x", missing, None).expect_err("missing file must fail");
    assert!(matches!(e, GaadError::Read { .. }));
    assert!(e.to_string().contains("/nonexistent/gaad.json"), "{e}");

    let p = write_temp("broken.json", "{\"UserDetailList\": [");
    let e = gaad::load("x", &p, None).expect_err("broken JSON must fail");
    assert!(matches!(e, GaadError::Parse { .. }), "{e:?}");
    assert!(e.to_string().contains("broken.json"), "{e}");

    let p = write_temp("other.json", "{\"Buckets\": []}");
    let e = gaad::load("x", &p, None).expect_err("wrong shape must fail");
    assert!(matches!(e, GaadError::NotGaad { .. }), "{e:?}");

    let p = write_temp(
        "baddoc.json",
        r#"{"RoleDetailList": [{"RoleName": "r", "RoleId": "AROA1", "Arn": "arn:aws:iam::123456789012:role/r",
            "AssumeRolePolicyDocument": "%7B%22Version%22%3A"}]}"#,
    );
    let e = gaad::load("x", &p, None).expect_err("bad document must fail");
    let text = e.to_string();
    assert!(matches!(e, GaadError::Document { .. }), "{e:?}");
    assert!(
        text.contains("baddoc.json")
            && text.contains("RoleDetailList[0] (r).AssumeRolePolicyDocument"),
        "{text}"
    );

    let p = write_temp(
        "noacct.json",
        r#"{"Policies": [{"PolicyName": "P", "PolicyId": "ANPA1", "Arn": "arn:aws:iam::aws:policy/P"}]}"#,
    );
    let e = gaad::load("x", &p, None).expect_err("no account id must fail");
    assert!(matches!(e, GaadError::NoAccountId { .. }), "{e:?}");
    assert!(gaad::load("x", &p, Some("123456789012")).is_ok());
    let e = gaad::load("x", &p, Some("12345")).expect_err("short account id must fail");
    assert!(e.to_string().contains("12-digit"), "{e}");

    let p = write_temp(
        "baddate.json",
        r#"{"UserDetailList": [{"UserName": "u", "UserId": "AIDA1", "Arn": "arn:aws:iam::123456789012:user/u", "CreateDate": "yesterday"}]}"#,
    );
    let e = gaad::load("x", &p, None).expect_err("bad date must fail");
    assert!(
        e.to_string().contains("UserDetailList[0] (u).CreateDate"),
        "{e}"
    );
}

/// Columns of the tables the import fills that the document cannot know, so no row
/// carries them (they read as NULL).
const UNKNOWABLE: &[(&str, &str)] = &[
    ("aws_iam_user", "password_last_used"),
    ("aws_iam_user", "mfa_enabled"),
    ("aws_iam_user", "login_profile"),
    ("aws_iam_user", "mfa_devices"),
];

#[test]
fn rows_fill_exactly_the_declared_columns() {
    let source = gaad::load("offline", &fixture(), None).unwrap_or_else(|e| panic!("{e}"));
    let mut filled_tables = BTreeSet::new();
    let mut unfilled = Vec::new();
    for def in aws::tables() {
        let rows = source.rows(def.name).map(|r| r.as_slice()).unwrap_or(&[]);
        for r in rows {
            let bad = def.undeclared_keys(r);
            assert!(bad.is_empty(), "{}: undeclared keys {bad:?}", def.name);
        }
        if rows.is_empty() {
            continue;
        }
        filled_tables.insert(def.name);
        for c in def.columns {
            if !rows.iter().any(|r| r.contains_key(c.name))
                && !UNKNOWABLE.contains(&(def.name, c.name))
            {
                unfilled.push(format!("{}.{}", def.name, c.name));
            }
        }
    }
    assert!(
        unfilled.is_empty(),
        "declared columns no row carries: {unfilled:?}"
    );
    // The tables the module documentation says the import fills.
    assert_eq!(
        filled_tables,
        BTreeSet::from([
            "aws_account",
            "aws_iam_user",
            "aws_iam_group",
            "aws_iam_role",
            "aws_iam_policy",
            "aws_iam_policy_attachment",
        ])
    );
}
