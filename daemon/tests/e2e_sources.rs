//! End to end with the other providers: the `aws` provider against moto on
//! loopback (resources created with the real AWS SDK), the `gaad` offline import,
//! and an aggregator over both.

mod common;

use std::time::{Duration, Instant};

use common::{Daemon, Moto};

async fn sdk_config(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const ADMIN: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_provider_against_moto_and_gaad_and_aggregator() {
    let moto = Moto::start();
    let cfg = sdk_config(&moto.url()).await;
    let iam = aws_sdk_iam::Client::new(&cfg);
    iam.create_user()
        .user_name("e2e-alice")
        .send()
        .await
        .expect("create user");
    iam.create_user()
        .user_name("e2e-bob")
        .send()
        .await
        .expect("create user");
    iam.create_group()
        .group_name("e2e-admins")
        .send()
        .await
        .expect("create group");
    iam.add_user_to_group()
        .group_name("e2e-admins")
        .user_name("e2e-alice")
        .send()
        .await
        .expect("add to group");
    iam.create_role()
        .role_name("e2e-app")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("create role");
    let pol = iam
        .create_policy()
        .policy_name("e2e-admin")
        .policy_document(ADMIN)
        .send()
        .await
        .expect("create policy");
    let pol_arn = pol
        .policy()
        .and_then(|p| p.arn())
        .expect("policy arn")
        .to_string();
    iam.attach_group_policy()
        .group_name("e2e-admins")
        .policy_arn(&pol_arn)
        .send()
        .await
        .expect("attach");
    iam.create_access_key()
        .user_name("e2e-bob")
        .send()
        .await
        .expect("key");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("e2e-bucket")
        .send()
        .await
        .expect("bucket");

    let gaad = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tables/tests/fixtures/gaad.json"
    );
    let config = format!(
        r#"
[[connection]]
name = "cloud"
plugin = "aws"
regions = ["us-east-1"]
endpoint_url = "{}"
access_key_id_env = "PW_TEST_KEY"
secret_access_key_env = "PW_TEST_SECRET"
s3_force_path_style = true

[[connection]]
name = "offline"
plugin = "gaad"
path = "{gaad}"

[[connection]]
name = "everything"
plugin = "aggregator"
connections = ["cloud", "offline"]
"#,
        moto.url()
    );
    // SAFETY: set before the daemon (a child process) starts; this test's only env use.
    unsafe {
        std::env::set_var("PW_TEST_KEY", "testing");
        std::env::set_var("PW_TEST_SECRET", "testing");
    }
    let d = Daemon::start("sources", Some(&config), &[]);
    let c = d.client().await;

    let users: Vec<String> = c
        .query("select name from cloud.aws_iam_user order by name", &[])
        .await
        .expect("users")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(users, vec!["e2e-alice", "e2e-bob"]);
    let groups: Vec<String> = c
        .query("select name from cloud.aws_iam_group", &[])
        .await
        .expect("groups")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(groups, vec!["e2e-admins"]);
    let attached: String = c
        .query_one(
            "select attached_policy_arns::text from cloud.aws_iam_group where name = 'e2e-admins'",
            &[],
        )
        .await
        .expect("attached")
        .get(0);
    assert!(attached.contains(&pol_arn), "{attached}");
    let keys: i64 = c
        .query_one(
            "select count(*) from cloud.aws_iam_access_key where user_name = 'e2e-bob'",
            &[],
        )
        .await
        .expect("keys")
        .get(0);
    assert_eq!(keys, 1);
    let buckets: Vec<String> = c
        .query("select name from cloud.aws_s3_bucket", &[])
        .await
        .expect("buckets")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(buckets, vec!["e2e-bucket"]);

    // The offline GAAD import.
    let gaad_users: i64 = c
        .query_one("select count(*) from offline.aws_iam_user", &[])
        .await
        .expect("gaad")
        .get(0);
    assert!(gaad_users > 0);
    let gaad_roles: i64 = c
        .query_one("select count(*) from offline.aws_iam_role", &[])
        .await
        .expect("gaad")
        .get(0);
    // The aggregator is the union of both.
    let cloud_roles: i64 = c
        .query_one("select count(*) from cloud.aws_iam_role", &[])
        .await
        .expect("roles")
        .get(0);
    let all_roles: i64 = c
        .query_one("select count(*) from everything.aws_iam_role", &[])
        .await
        .expect("agg")
        .get(0);
    assert_eq!(all_roles, cloud_roles + gaad_roles);
    // Unqualified names resolve to the aggregator first.
    let unq: i64 = c
        .query_one("select count(*) from aws_iam_role", &[])
        .await
        .expect("unqualified")
        .get(0);
    assert_eq!(unq, all_roles);
}

/// `[neo4j] sync_on_start = true`: `serve` mirrors the graph in the background. With the
/// graph server down, SQL is still served and the failure is logged as a warning.
#[test]
fn sync_on_start_mirrors_in_the_background_and_survives_a_down_server() {
    let closed = common::free_port();
    let config = format!(
        "[[connection]]\nname = \"demo\"\nplugin = \"demo\"\nscale = 150\n\n\
         [neo4j]\nuri = \"redis://127.0.0.1:{closed}\"\nsync_on_start = true\n"
    );
    let d = Daemon::start("sync-on-start", Some(&config), &[]);
    let out = d.psql(&["-tA", "-c", "select count(*) > 0 from aws_iam_role"]);
    assert_eq!(out.trim(), "t", "SQL is served while the mirror runs");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let log = d.stderr();
        if log.contains("graph mirror: sync failed") {
            assert!(log.contains(&format!("127.0.0.1:{closed}")), "{log}");
            break;
        }
        assert!(Instant::now() < deadline, "no mirror attempt logged: {log}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
