//! One `aws` connection for a whole organization, against moto: the management account
//! lists the member accounts, each member is scanned through `sts:AssumeRole`, members
//! are schemas and the connection is their aggregator, excluded units stay out, and the
//! privilege graph applies the organization's SCPs (a self-escalation that the Prod
//! unit's `deny-iam` SCP blocks is not reported; the same in the management account,
//! which SCPs do not govern, is).

mod common;

use common::{Daemon, Moto, run_python};
use serde_json::Value;

const MANAGEMENT: &str = "123456789012";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_scans_every_member_account_and_applies_scps() {
    let moto = Moto::start();
    let setup = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tables/tests/fixtures/moto_org_setup.py"
    );
    let out = std::process::Command::new(common::python())
        .args([setup, &moto.url()])
        .output()
        .expect("run moto_org_setup.py");
    assert!(
        out.status.success(),
        "moto_org_setup.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let org: Value = serde_json::from_slice(&out.stdout).expect("setup json");
    let id = |k: &str| org[k].as_str().unwrap_or_default().to_string();
    let (pay, sandbox) = (id("pay_account"), id("sandbox_account"));
    run_python(
        "moto_org_members.py",
        &[&moto.url(), MANAGEMENT, &pay, &sandbox],
    );

    let config = format!(
        r#"
[[connection]]
name = "org"
plugin = "aws"
regions = ["us-east-1"]
endpoint_url = "{}"
access_key_id_env = "PW_ORG_KEY"
secret_access_key_env = "PW_ORG_SECRET"
organization_accounts = {{ role_name = "OrganizationAccountAccessRole", exclude = ["{}"] }}
"#,
        moto.url(),
        id("sandbox")
    );
    let d = Daemon::start_with_env(
        "organization",
        Some(&config),
        &[],
        &[("PW_ORG_KEY", "testing"), ("PW_ORG_SECRET", "testing")],
    );
    let c = d.client().await;

    // The aggregator holds the management account and the payments member; the Sandbox
    // unit is excluded.
    let users: Vec<(String, String)> = c
        .query(
            "select account_id, name from org.aws_iam_user order by account_id, name",
            &[],
        )
        .await
        .unwrap_or_else(|e| panic!("users: {e}\n{}", d.stderr()))
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut expected = Vec::new();
    for account in [MANAGEMENT, pay.as_str()] {
        for name in ["escalator", "plain"] {
            expected.push((account.to_string(), name.to_string()));
        }
    }
    expected.sort();
    assert_eq!(users, expected, "{}", d.stderr());

    // Each account is its own schema, listed as a connection.
    let member: i64 = c
        .query_one(&format!("select count(*) from org_{pay}.aws_iam_user"), &[])
        .await
        .expect("member schema")
        .get(0);
    assert_eq!(member, 2);
    assert!(
        c.query(&format!("select 1 from org_{sandbox}.aws_iam_user"), &[])
            .await
            .is_err(),
        "the excluded account must not be a schema"
    );
    let conns: Vec<String> = c
        .query(
            "select name || ':' || detail from pathwarden.connection order by name",
            &[],
        )
        .await
        .expect("connections")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        conns.contains(&format!("org_{pay}:account of organization connection org")),
        "{conns:?}"
    );

    // The organization tables are read once, from the management account.
    let accounts: i64 = c
        .query_one("select count(*) from org.aws_organizations_account", &[])
        .await
        .expect("org accounts")
        .get(0);
    assert_eq!(accounts, 3, "management + two members, listed once");

    // SCPs in the graph: `deny-iam` on the Prod unit (above Payments) blocks the
    // payments escalator; the management account's escalator is not governed by SCPs.
    let admins: Vec<String> = c
        .query(
            "select distinct source_arn from pathwarden.attack_path where target = 'admin' order by 1",
            &[],
        )
        .await
        .unwrap_or_else(|e| panic!("attack_path: {e}\n{}", d.stderr()))
        .iter()
        .map(|r| r.get(0))
        .collect();
    let management_escalator = format!("arn:aws:iam::{MANAGEMENT}:user/escalator");
    let pay_escalator = format!("arn:aws:iam::{pay}:user/escalator");
    assert!(admins.contains(&management_escalator), "{admins:?}");
    assert!(
        !admins.contains(&pay_escalator),
        "the Prod unit's SCP denies iam:* in the payments account: {admins:?}"
    );

    // `doctor` checks the organization account by account.
    let out = std::process::Command::new(common::bin())
        .args(["doctor", "-c"])
        .arg(d.dir.join("pathwarden.toml"))
        .args(["--output", "json"])
        .env("PW_ORG_KEY", "testing")
        .env("PW_ORG_SECRET", "testing")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run doctor");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("doctor --output json ({e}): {stdout}"));
    let checked: std::collections::BTreeSet<String> = report
        .as_array()
        .unwrap_or_else(|| panic!("no checks: {report}"))
        .iter()
        .filter(|c| c["check"].as_str().is_some_and(|k| k.starts_with("table ")))
        .filter_map(|c| c["connection"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        checked,
        [format!("org_{MANAGEMENT}"), format!("org_{pay}")]
            .into_iter()
            .collect(),
        "{stdout}"
    );
}
