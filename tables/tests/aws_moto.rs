//! The live `aws` provider against moto: resources are created with the real AWS SDK (IAM,
//! S3) or with boto3 (EC2 and the CIS services, `fixtures/*.py`), then read back through
//! the tables with SQL.
//!
//! moto comes from the project's Python virtualenv. The test fails (it does not skip) when
//! moto cannot be started; install it with
//! `python3 -m venv .venv && .venv/bin/pip install 'moto[server]'` in the repository root,
//! or point `PATHWARDEN_MOTO_SERVER` at a `moto_server` executable.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::util::display::array_value_to_string;
use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use datafusion::prelude::{SessionConfig, SessionContext};
use pathwarden_tables::aws::{AwsConnectionConfig, AwsSource};
use pathwarden_tables::framework::{
    CloudTable, ConnectionRuntime, ErrorLog, FetchError, HydrateRef, ListRequest, Page, Row,
    RuntimeOptions, Source, TableDef,
};
use pathwarden_testkit::Moto;
use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

const ACCOUNT: &str = "123456789012";
const HOME: &str = "us-east-1";
const OTHER: &str = "eu-west-1";

/// moto, with an account free of AWS managed policies so listings are exact.
fn start_moto() -> TestResult<Moto> {
    Ok(Moto::start_with_env(&[(
        "MOTO_IAM_LOAD_MANAGED_POLICIES",
        "false",
    )]))
}

async fn sdk_config(url: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(url)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .load()
        .await
}

fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    )
}

/// What the test created, to compare the tables with.
#[derive(Debug, Default)]
struct Created {
    access_keys: BTreeMap<String, Vec<String>>,
    mfa_serial: String,
    s3_read_arn: String,
    admin_arn: String,
    vpc_id: String,
    web_sg: String,
    db_sg: String,
    instances: BTreeMap<String, String>,
    /// Every VPC and security group in both regions, moto's defaults included.
    all_vpcs: BTreeSet<String>,
    all_groups: BTreeSet<String>,
    /// ARN of the SAML provider `corp-idp`.
    saml_arn: String,
}

const SAML_METADATA: &str = r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#;

const TRUST_EC2: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
const TRUST_PARTNER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"STS:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"partner-42"}}}]}"#;
const S3_READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["S3:GetObject","s3:ListBucket"],"Resource":"*"}]}"#;
const ADMIN: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const INLINE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"EC2:Describe*","Resource":"*"}]}"#;

async fn create_iam(sdk: &SdkConfig, c: &mut Created) -> TestResult {
    let iam = aws_sdk_iam::Client::new(sdk);
    iam.create_user()
        .user_name("alice")
        .path("/eng/")
        .send()
        .await?;
    iam.create_user().user_name("bob").send().await?;
    iam.create_user().user_name("carol").send().await?;
    iam.create_login_profile()
        .user_name("alice")
        .password("Sup3r-secret-pw!")
        .send()
        .await?;
    iam.create_group().group_name("admins").send().await?;
    iam.create_group().group_name("devs").send().await?;
    iam.add_user_to_group()
        .group_name("admins")
        .user_name("alice")
        .send()
        .await?;
    iam.add_user_to_group()
        .group_name("devs")
        .user_name("alice")
        .send()
        .await?;
    iam.add_user_to_group()
        .group_name("devs")
        .user_name("bob")
        .send()
        .await?;
    iam.create_role()
        .role_name("app-role")
        .assume_role_policy_document(TRUST_EC2)
        .description("runs the app")
        .send()
        .await?;
    iam.create_role()
        .role_name("partner-access")
        .path("/partners/")
        .assume_role_policy_document(TRUST_PARTNER)
        .send()
        .await?;
    iam.create_instance_profile()
        .instance_profile_name("app-profile")
        .send()
        .await?;
    iam.add_role_to_instance_profile()
        .instance_profile_name("app-profile")
        .role_name("app-role")
        .send()
        .await?;
    let s3_read = iam
        .create_policy()
        .policy_name("s3-read")
        .policy_document(S3_READ)
        .send()
        .await?;
    c.s3_read_arn = s3_read
        .policy()
        .and_then(|p| p.arn())
        .ok_or("no policy arn")?
        .to_string();
    let admin = iam
        .create_policy()
        .policy_name("admin-all")
        .policy_document(ADMIN)
        .send()
        .await?;
    c.admin_arn = admin
        .policy()
        .and_then(|p| p.arn())
        .ok_or("no policy arn")?
        .to_string();
    iam.attach_user_policy()
        .user_name("bob")
        .policy_arn(&c.s3_read_arn)
        .send()
        .await?;
    iam.attach_group_policy()
        .group_name("devs")
        .policy_arn(&c.s3_read_arn)
        .send()
        .await?;
    iam.attach_role_policy()
        .role_name("app-role")
        .policy_arn(&c.s3_read_arn)
        .send()
        .await?;
    iam.attach_group_policy()
        .group_name("admins")
        .policy_arn(&c.admin_arn)
        .send()
        .await?;
    iam.put_user_policy()
        .user_name("carol")
        .policy_name("carol-inline")
        .policy_document(INLINE)
        .send()
        .await?;
    iam.put_role_policy()
        .role_name("app-role")
        .policy_name("role-inline")
        .policy_document(INLINE)
        .send()
        .await?;
    iam.put_group_policy()
        .group_name("devs")
        .policy_name("devs-inline")
        .policy_document(INLINE)
        .send()
        .await?;
    for (user, n) in [("alice", 1), ("bob", 2)] {
        for _ in 0..n {
            let key = iam.create_access_key().user_name(user).send().await?;
            let id = key
                .access_key()
                .map(|k| k.access_key_id().to_string())
                .ok_or("no key")?;
            c.access_keys.entry(user.to_string()).or_default().push(id);
        }
    }
    let mfa = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("alice-mfa")
        .send()
        .await?;
    c.mfa_serial = mfa
        .virtual_mfa_device()
        .map(|d| d.serial_number().to_string())
        .ok_or("no mfa")?;
    iam.enable_mfa_device()
        .user_name("alice")
        .serial_number(&c.mfa_serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await?;
    let saml = iam
        .create_saml_provider()
        .name("corp-idp")
        .saml_metadata_document(SAML_METADATA)
        .send()
        .await?;
    c.saml_arn = saml.saml_provider_arn().ok_or("no saml arn")?.to_string();
    iam.update_account_password_policy()
        .minimum_password_length(14)
        .require_symbols(true)
        .send()
        .await?;
    Ok(())
}

async fn create_s3(url: &str) -> TestResult {
    use aws_sdk_s3::types::{
        BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration, Tag,
        Tagging,
    };
    let home = s3_client(&sdk_config(url, HOME).await);
    let other = s3_client(&sdk_config(url, OTHER).await);
    home.create_bucket().bucket("pw-public-data").send().await?;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pw-public-data/*"}]}"#;
    home.put_bucket_policy()
        .bucket("pw-public-data")
        .policy(policy)
        .send()
        .await?;
    let block = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(false)
        .restrict_public_buckets(false)
        .build();
    home.put_public_access_block()
        .bucket("pw-public-data")
        .public_access_block_configuration(block)
        .send()
        .await?;
    home.put_bucket_tagging()
        .bucket("pw-public-data")
        .tagging(
            Tagging::builder()
                .tag_set(Tag::builder().key("team").value("data").build()?)
                .build()?,
        )
        .send()
        .await?;
    other
        .create_bucket()
        .bucket("pw-private-logs")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(OTHER))
                .build(),
        )
        .send()
        .await?;
    Ok(())
}

/// The EC2 resources, created by `fixtures/moto_ec2_setup.py` with boto3.
fn create_ec2(url: &str, c: &mut Created) -> TestResult {
    let made = run_fixture("moto_ec2_setup.py", url)?;
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .ok_or("fixture output: not text")
    };
    c.vpc_id = text(&made["vpc_id"])?;
    c.web_sg = text(&made["web_sg"])?;
    c.db_sg = text(&made["db_sg"])?;
    for (id, region) in made["instances"]
        .as_object()
        .ok_or("fixture: no instances")?
    {
        c.instances.insert(id.clone(), text(region)?);
    }
    for v in made["all_vpcs"].as_array().ok_or("fixture: no VPCs")? {
        c.all_vpcs.insert(text(v)?);
    }
    for g in made["all_groups"].as_array().ok_or("fixture: no groups")? {
        c.all_groups.insert(text(g)?);
    }
    Ok(())
}

/// Delegates to the live source and counts list and get calls, to show which one a
/// query used.
#[derive(Debug)]
struct Counting {
    inner: AwsSource,
    lists: AtomicUsize,
    gets: AtomicUsize,
}

#[async_trait]
impl Source for Counting {
    fn connection(&self) -> &str {
        self.inner.connection()
    }
    fn plugin(&self) -> &str {
        self.inner.plugin()
    }
    fn tables(&self) -> Vec<&'static TableDef> {
        self.inner.tables()
    }
    fn regions(&self) -> Vec<String> {
        self.inner.regions()
    }
    fn supports_get(&self, table: &'static TableDef) -> bool {
        self.inner.supports_get(table)
    }
    async fn list_page(
        &self,
        table: &'static TableDef,
        req: &ListRequest,
        token: Option<String>,
    ) -> Result<Page, FetchError> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        self.inner.list_page(table, req, token).await
    }
    async fn get(
        &self,
        table: &'static TableDef,
        region: Option<&str>,
        key_column: &str,
        key: &Value,
    ) -> Result<Option<Row>, FetchError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get(table, region, key_column, key).await
    }
    async fn hydrate(
        &self,
        table: &'static TableDef,
        hydrate: HydrateRef,
        region: Option<&str>,
        row: &Row,
    ) -> Result<Row, FetchError> {
        self.inner.hydrate(table, hydrate, region, row).await
    }
}

/// Query results as text cells (`None` for SQL NULL).
async fn query(ctx: &SessionContext, sql: &str) -> TestResult<Vec<Vec<Option<String>>>> {
    let batches = ctx.sql(sql).await?.collect().await?;
    let mut rows = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            let mut cells = Vec::new();
            for c in b.columns() {
                cells.push(if c.is_null(r) {
                    None
                } else {
                    Some(array_value_to_string(c.as_ref(), r)?)
                });
            }
            rows.push(cells);
        }
    }
    Ok(rows)
}

/// The first column of every row.
async fn column(ctx: &SessionContext, sql: &str) -> TestResult<Vec<String>> {
    Ok(query(ctx, sql)
        .await?
        .into_iter()
        .map(|r| r.into_iter().next().flatten().unwrap_or_default())
        .collect())
}

/// The single JSON cell of a one-row, one-column query.
async fn json_cell(ctx: &SessionContext, sql: &str) -> TestResult<Value> {
    let rows = query(ctx, sql).await?;
    assert_eq!(rows.len(), 1, "{sql}: expected one row, got {rows:?}");
    match rows[0].first().cloned().flatten() {
        Some(text) => Ok(serde_json::from_str(&text)?),
        None => Ok(Value::Null),
    }
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn field_set(v: &Value, field: &str) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o.get(field).and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn session(source: Arc<dyn Source>) -> TestResult<(SessionContext, Arc<ConnectionRuntime>)> {
    let rt = ConnectionRuntime::new(
        source,
        RuntimeOptions::default(),
        Arc::new(ErrorLog::default()),
    );
    let ctx = SessionContext::new();
    for def in pathwarden_tables::aws::tables() {
        ctx.register_table(def.name, Arc::new(CloudTable::new(def, rt.clone())))?;
    }
    Ok((ctx, rt))
}

/// A session with the PostgreSQL dialect and JSON operators, as the daemon plans queries.
fn pg_session(source: Arc<dyn Source>) -> TestResult<(SessionContext, Arc<ConnectionRuntime>)> {
    let rt = ConnectionRuntime::new(
        source,
        RuntimeOptions::default(),
        Arc::new(ErrorLog::default()),
    );
    let config = SessionConfig::new().set_str("datafusion.sql_parser.dialect", "PostgreSQL");
    let ctx = SessionContext::new_with_config(config);
    pathwarden_sqlext::register(&ctx)?;
    for def in pathwarden_tables::aws::tables() {
        ctx.register_table(def.name, Arc::new(CloudTable::new(def, rt.clone())))?;
    }
    Ok((ctx, rt))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_tables_read_back_what_moto_holds() -> TestResult {
    let moto = start_moto()?;
    let admin_sdk = sdk_config(&moto.url(), HOME).await;
    let mut created = Created::default();
    create_iam(&admin_sdk, &mut created).await?;
    create_s3(&moto.url()).await?;
    create_ec2(&moto.url(), &mut created)?;

    let cfg = AwsConnectionConfig {
        name: "aws_moto".into(),
        regions: vec![HOME.into(), OTHER.into()],
        endpoint_url: Some(moto.url()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("moto-secret-value".into()),
        s3_force_path_style: true,
        ..Default::default()
    };
    assert!(
        !format!("{cfg:?}").contains("moto-secret-value"),
        "Debug must not show the secret key"
    );
    let source = AwsSource::connect(cfg).await?;
    assert_eq!(source.account_id(), ACCOUNT);
    assert_eq!(source.partition(), "aws");
    let counting = Arc::new(Counting {
        inner: source,
        lists: AtomicUsize::new(0),
        gets: AtomicUsize::new(0),
    });
    let (ctx, _rt) = session(counting.clone())?;

    // Account and regions.
    let account = query(
        &ctx,
        "select arn, account_id, region, _ctx from aws_account",
    )
    .await?;
    assert_eq!(account.len(), 1);
    assert_eq!(account[0][0].as_deref(), Some("arn:aws:::123456789012"));
    assert_eq!(account[0][1].as_deref(), Some(ACCOUNT));
    assert_eq!(account[0][2].as_deref(), Some("global"));
    assert!(
        account[0][3]
            .as_deref()
            .is_some_and(|c| c.contains("aws_moto"))
    );
    let available = column(
        &ctx,
        "select name from aws_region where steampipe_available order by name",
    )
    .await?;
    assert_eq!(available, vec![OTHER, HOME]);
    let default = column(&ctx, "select name from aws_region where steampipe_default").await?;
    assert_eq!(default, vec![HOME]);

    // Users with their groups, policies, MFA and login profile.
    let users = query(
        &ctx,
        "select name, arn, path, region, account_id from aws_iam_user order by name",
    )
    .await?;
    let names: Vec<_> = users
        .iter()
        .map(|r| r[0].clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    assert_eq!(
        users[0][1].as_deref(),
        Some("arn:aws:iam::123456789012:user/eng/alice")
    );
    assert_eq!(users[0][2].as_deref(), Some("/eng/"));
    assert!(
        users
            .iter()
            .all(|r| r[3].as_deref() == Some("global") && r[4].as_deref() == Some(ACCOUNT))
    );
    let alice_groups =
        json_cell(&ctx, "select groups from aws_iam_user where name = 'alice'").await?;
    assert_eq!(
        field_set(&alice_groups, "GroupName"),
        set(&["admins", "devs"])
    );
    let mfa = query(
        &ctx,
        "select name, mfa_enabled from aws_iam_user order by name",
    )
    .await?;
    let mfa: Vec<_> = mfa
        .iter()
        .map(|r| {
            (
                r[0].clone().unwrap_or_default(),
                r[1].clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        mfa,
        [
            ("alice".into(), "true".into()),
            ("bob".into(), "false".into()),
            ("carol".into(), "false".into())
        ]
    );
    let devices = json_cell(
        &ctx,
        "select mfa_devices from aws_iam_user where name = 'alice'",
    )
    .await?;
    assert_eq!(
        field_set(&devices, "SerialNumber"),
        set(&[created.mfa_serial.as_str()])
    );
    let profile = json_cell(
        &ctx,
        "select login_profile from aws_iam_user where name = 'alice'",
    )
    .await?;
    assert_eq!(profile["UserName"], "alice");
    assert_eq!(
        json_cell(
            &ctx,
            "select login_profile from aws_iam_user where name = 'bob'"
        )
        .await?,
        Value::Null
    );
    let bob_policies = json_cell(
        &ctx,
        "select attached_policy_arns from aws_iam_user where name = 'bob'",
    )
    .await?;
    assert_eq!(strings(&bob_policies), set(&[created.s3_read_arn.as_str()]));
    assert_eq!(
        json_cell(
            &ctx,
            "select attached_policy_arns from aws_iam_user where name = 'carol'"
        )
        .await?,
        Value::Null
    );
    let carol_inline = json_cell(
        &ctx,
        "select inline_policies_std from aws_iam_user where name = 'carol'",
    )
    .await?;
    assert_eq!(carol_inline[0]["PolicyName"], "carol-inline");
    assert_eq!(
        carol_inline[0]["PolicyDocument"]["Statement"][0]["Action"],
        serde_json::json!(["ec2:describe*"])
    );
    let carol_raw = json_cell(
        &ctx,
        "select inline_policies from aws_iam_user where name = 'carol'",
    )
    .await?;
    assert_eq!(
        carol_raw[0]["PolicyDocument"]["Statement"][0]["Action"],
        "EC2:Describe*"
    );

    // Groups.
    let groups = column(&ctx, "select name from aws_iam_group order by name").await?;
    assert_eq!(groups, ["admins", "devs"]);
    let devs_users = json_cell(&ctx, "select users from aws_iam_group where name = 'devs'").await?;
    assert_eq!(field_set(&devs_users, "UserName"), set(&["alice", "bob"]));
    let admins_policies = json_cell(
        &ctx,
        "select attached_policy_arns from aws_iam_group where name = 'admins'",
    )
    .await?;
    assert_eq!(
        strings(&admins_policies),
        set(&[created.admin_arn.as_str()])
    );
    let devs_inline = json_cell(
        &ctx,
        "select inline_policies from aws_iam_group where name = 'devs'",
    )
    .await?;
    assert_eq!(field_set(&devs_inline, "PolicyName"), set(&["devs-inline"]));

    // Roles: trust policies raw and canonical, policies, instance profiles.
    let roles = query(
        &ctx,
        "select name, arn, description from aws_iam_role order by name",
    )
    .await?;
    assert_eq!(roles.len(), 2, "{roles:?}");
    assert_eq!(roles[0][0].as_deref(), Some("app-role"));
    assert_eq!(roles[0][2].as_deref(), Some("runs the app"));
    assert_eq!(
        roles[1][1].as_deref(),
        Some("arn:aws:iam::123456789012:role/partners/partner-access")
    );
    let trust = json_cell(
        &ctx,
        "select assume_role_policy from aws_iam_role where name = 'app-role'",
    )
    .await?;
    assert_eq!(
        trust["Statement"]["Principal"]["Service"],
        "ec2.amazonaws.com"
    );
    let trust_std = json_cell(
        &ctx,
        "select assume_role_policy_std from aws_iam_role where name = 'partner-access'",
    )
    .await?;
    assert_eq!(
        trust_std["Statement"][0]["Action"],
        serde_json::json!(["sts:assumerole"])
    );
    assert_eq!(
        trust_std["Statement"][0]["Principal"]["AWS"],
        serde_json::json!(["arn:aws:iam::111122223333:root"])
    );
    assert_eq!(
        trust_std["Statement"][0]["Condition"]["StringEquals"]["sts:externalid"],
        serde_json::json!(["partner-42"])
    );
    let role_policies = json_cell(
        &ctx,
        "select attached_policy_arns from aws_iam_role where name = 'app-role'",
    )
    .await?;
    assert_eq!(
        strings(&role_policies),
        set(&[created.s3_read_arn.as_str()])
    );
    let role_inline = json_cell(
        &ctx,
        "select inline_policies from aws_iam_role where name = 'app-role'",
    )
    .await?;
    assert_eq!(field_set(&role_inline, "PolicyName"), set(&["role-inline"]));
    let profiles = json_cell(
        &ctx,
        "select instance_profile_arns from aws_iam_role where name = 'app-role'",
    )
    .await?;
    assert_eq!(
        strings(&profiles),
        set(&["arn:aws:iam::123456789012:instance-profile/app-profile"])
    );

    // Key lookups go to the get call, not a listing (fresh runtime: nothing cached).
    let (ctx, _fresh_rt) = session(counting.clone())?;
    let (lists, gets) = (
        counting.lists.load(Ordering::SeqCst),
        counting.gets.load(Ordering::SeqCst),
    );
    let by_name = column(&ctx, "select arn from aws_iam_role where name = 'app-role'").await?;
    assert_eq!(by_name, ["arn:aws:iam::123456789012:role/app-role"]);
    let by_arn = column(&ctx, "select name from aws_iam_role where arn = 'arn:aws:iam::123456789012:role/partners/partner-access'").await?;
    assert_eq!(by_arn, ["partner-access"]);
    let missing = column(
        &ctx,
        "select name from aws_iam_role where name = 'no-such-role'",
    )
    .await?;
    assert!(missing.is_empty());
    assert_eq!(
        counting.lists.load(Ordering::SeqCst),
        lists,
        "a key lookup must not list"
    );
    assert_eq!(counting.gets.load(Ordering::SeqCst), gets + 3);

    // Managed policies and their attachments.
    let policies = query(
        &ctx,
        "select name, is_aws_managed, attachment_count from aws_iam_policy order by name",
    )
    .await?;
    let policies: Vec<Vec<String>> = policies
        .into_iter()
        .map(|r| r.into_iter().map(Option::unwrap_or_default).collect())
        .collect();
    assert_eq!(
        policies,
        [
            vec!["admin-all", "false", "1"],
            vec!["s3-read", "false", "3"]
        ]
    );
    let std = json_cell(
        &ctx,
        &format!(
            "select policy_std from aws_iam_policy where arn = '{}'",
            created.s3_read_arn
        ),
    )
    .await?;
    assert_eq!(
        std["Statement"][0]["Action"],
        serde_json::json!(["s3:getobject", "s3:listbucket"])
    );
    let att = query(
        &ctx,
        &format!("select policy_users, policy_groups, policy_roles, is_attached from aws_iam_policy_attachment where policy_arn = '{}'", created.s3_read_arn),
    )
    .await?;
    assert_eq!(att.len(), 1);
    let cell = |i: usize| -> TestResult<Value> {
        Ok(serde_json::from_str(
            att[0][i].as_deref().unwrap_or("null"),
        )?)
    };
    assert_eq!(field_set(&cell(0)?, "UserName"), set(&["bob"]));
    assert_eq!(field_set(&cell(1)?, "GroupName"), set(&["devs"]));
    assert_eq!(field_set(&cell(2)?, "RoleName"), set(&["app-role"]));
    assert_eq!(att[0][3].as_deref(), Some("true"));

    // Access keys of every user.
    let keys = query(&ctx, "select user_name, access_key_id, status from aws_iam_access_key order by user_name, access_key_id").await?;
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &keys {
        assert_eq!(r[2].as_deref(), Some("Active"));
        got.entry(r[0].clone().unwrap_or_default())
            .or_default()
            .push(r[1].clone().unwrap_or_default());
    }
    let mut want = created.access_keys.clone();
    want.values_mut().for_each(|v| v.sort());
    assert_eq!(got, want);
    let only_bob = column(
        &ctx,
        "select access_key_id from aws_iam_access_key where user_name = 'bob'",
    )
    .await?;
    assert_eq!(only_bob.len(), 2);

    // Account-level IAM tables.
    let summary = query(
        &ctx,
        "select users, groups, roles, policies, account_mfa_enabled from aws_iam_account_summary",
    )
    .await?;
    assert_eq!(summary.len(), 1);
    assert_eq!(
        summary[0][..4]
            .iter()
            .map(|c| c.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["3", "2", "2", "2"]
    );
    assert_eq!(summary[0][4].as_deref(), Some("false"));
    let pw = query(
        &ctx,
        "select minimum_password_length, require_symbols from aws_iam_account_password_policy",
    )
    .await?;
    assert_eq!(pw, [vec![Some("14".to_string()), Some("true".to_string())]]);
    let report = column(&ctx, "select user_name from aws_iam_credential_report where user_name <> '<root_account>' order by user_name").await?;
    assert_eq!(report, ["alice", "bob", "carol"]);
    let mfa_devices = query(
        &ctx,
        "select serial_number, assignment_status, user_name from aws_iam_virtual_mfa_device",
    )
    .await?;
    assert_eq!(
        mfa_devices,
        [vec![
            Some(created.mfa_serial.clone()),
            Some("Assigned".into()),
            Some("alice".into())
        ]]
    );

    // Buckets: region, policy, public access block, tags.
    let buckets = query(
        &ctx,
        "select name, region, arn from aws_s3_bucket order by name",
    )
    .await?;
    assert_eq!(
        buckets,
        [
            vec![
                Some("pw-private-logs".into()),
                Some(OTHER.into()),
                Some("arn:aws:s3:::pw-private-logs".into())
            ],
            vec![
                Some("pw-public-data".into()),
                Some(HOME.into()),
                Some("arn:aws:s3:::pw-public-data".into())
            ],
        ]
    );
    let public = json_cell(
        &ctx,
        "select policy_std from aws_s3_bucket where name = 'pw-public-data'",
    )
    .await?;
    assert_eq!(
        public["Statement"][0]["Principal"],
        serde_json::json!({"AWS": ["*"]})
    );
    assert_eq!(
        json_cell(
            &ctx,
            "select policy from aws_s3_bucket where name = 'pw-private-logs'"
        )
        .await?,
        Value::Null
    );
    let blocks = query(&ctx, "select name, block_public_acls, block_public_policy, ignore_public_acls from aws_s3_bucket order by name").await?;
    assert_eq!(
        blocks[0][1..],
        [
            Some("false".into()),
            Some("false".into()),
            Some("false".into())
        ]
    );
    assert_eq!(
        blocks[1][1..],
        [
            Some("true".into()),
            Some("false".into()),
            Some("true".into())
        ]
    );
    let tags = json_cell(
        &ctx,
        "select tags from aws_s3_bucket where name = 'pw-public-data'",
    )
    .await?;
    assert_eq!(tags, serde_json::json!({"team": "data"}));

    // EC2 across both regions.
    let instances = query(
        &ctx,
        "select instance_id, region, instance_state, title from aws_ec2_instance",
    )
    .await?;
    let got: BTreeMap<String, String> = instances
        .iter()
        .map(|r| {
            (
                r[0].clone().unwrap_or_default(),
                r[1].clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(got, created.instances);
    let titles: BTreeSet<String> = instances.iter().filter_map(|r| r[3].clone()).collect();
    assert_eq!(titles, set(&["batch-1", "web-1", "web-2"]));
    assert!(
        instances.iter().all(|r| r[2].as_deref() == Some("running")),
        "{instances:?}"
    );
    let in_vpc = query(
        &ctx,
        &format!(
            "select title, security_groups from aws_ec2_instance where vpc_id = '{}'",
            created.vpc_id
        ),
    )
    .await?;
    assert_eq!(in_vpc.len(), 1);
    assert_eq!(in_vpc[0][0].as_deref(), Some("web-1"));
    let sg_json: Value = serde_json::from_str(in_vpc[0][1].as_deref().unwrap_or("null"))?;
    assert_eq!(
        field_set(&sg_json, "GroupId"),
        set(&[created.web_sg.as_str()])
    );
    let (web1_id, _) = created
        .instances
        .iter()
        .find(|(_, r)| r.as_str() == HOME)
        .ok_or("no home instance")?;
    let gets_before = counting.gets.load(Ordering::SeqCst);
    let by_id = column(
        &ctx,
        &format!("select instance_type from aws_ec2_instance where instance_id = '{web1_id}'"),
    )
    .await?;
    assert_eq!(by_id, ["t3.micro"]);
    assert!(
        counting.gets.load(Ordering::SeqCst) > gets_before,
        "instance_id lookups use DescribeInstances by id"
    );

    let vpcs: BTreeSet<String> = column(&ctx, "select vpc_id from aws_vpc")
        .await?
        .into_iter()
        .collect();
    assert_eq!(vpcs, created.all_vpcs);
    let mine = query(
        &ctx,
        &format!(
            "select cidr_block, title, region, is_default from aws_vpc where vpc_id = '{}'",
            created.vpc_id
        ),
    )
    .await?;
    assert_eq!(
        mine,
        [vec![
            Some("10.42.0.0/16".into()),
            Some("pw-vpc".into()),
            Some(HOME.into()),
            Some("false".into())
        ]]
    );

    let groups: BTreeSet<String> = column(&ctx, "select group_id from aws_vpc_security_group")
        .await?
        .into_iter()
        .collect();
    assert_eq!(groups, created.all_groups);
    let web_perms = json_cell(
        &ctx,
        &format!(
            "select ip_permissions from aws_vpc_security_group where group_id = '{}'",
            created.web_sg
        ),
    )
    .await?;
    let cidrs: BTreeSet<String> = web_perms
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| field_set(&p["IpRanges"], "CidrIp"))
        .collect();
    assert_eq!(cidrs, set(&["0.0.0.0/0", "10.0.0.0/8"]));

    let rules = query(
        &ctx,
        &format!(
            "select cidr_ipv4, from_port, to_port, ip_protocol from aws_vpc_security_group_rule where group_id = '{}' and not is_egress order by from_port",
            created.web_sg
        ),
    )
    .await?;
    assert_eq!(
        rules,
        [
            vec![
                Some("10.0.0.0/8".into()),
                Some("22".into()),
                Some("22".into()),
                Some("tcp".into())
            ],
            vec![
                Some("0.0.0.0/0".into()),
                Some("443".into()),
                Some("443".into()),
                Some("tcp".into())
            ],
        ]
    );
    let db_rule = query(
        &ctx,
        &format!("select referenced_group_id, from_port from aws_vpc_security_group_rule where group_id = '{}' and not is_egress", created.db_sg),
    )
    .await?;
    assert_eq!(
        db_rule,
        [vec![Some(created.web_sg.clone()), Some("5432".into())]]
    );

    // SAML providers: listed, and looked up by ARN with a get call.
    let saml = query(
        &ctx,
        "select arn, title, saml_metadata_document from aws_iam_saml_provider",
    )
    .await?;
    assert_eq!(
        saml,
        [vec![
            Some(created.saml_arn.clone()),
            Some("corp-idp".into()),
            Some(SAML_METADATA.into())
        ]]
    );
    let gets = counting.gets.load(Ordering::SeqCst);
    let by_arn = column(
        &ctx,
        &format!(
            "select title from aws_iam_saml_provider where arn = '{}'",
            created.saml_arn
        ),
    )
    .await?;
    assert_eq!(by_arn, vec!["corp-idp".to_string()]);
    assert_eq!(counting.gets.load(Ordering::SeqCst), gets + 1, "a get call");

    // Every column of every table, so every hydrate call runs once against moto.
    // Calls moto gets wrong, so their columns are skipped: ListMFADeviceTags answers 500,
    // and GetBucketNotificationConfiguration / GetBucketVersioning answer under a
    // `...Response` XML root that the SDK (rightly) rejects.
    let moto_gaps = [
        ("aws_iam_virtual_mfa_device", "tags"),
        ("aws_s3_bucket", "notification"),
        ("aws_s3_bucket", "versioning"),
    ];
    let tables: Vec<_> = pathwarden_tables::aws::tables()
        .into_iter()
        .filter(|d| !CIS_TABLES.contains(&d.name) && !d.name.starts_with("aws_organizations_"))
        .collect();
    every_column_of_every_table(&ctx, counting.as_ref(), &tables, &moto_gaps).await?;
    // This account belongs to no organization: the Organizations tables are empty, not
    // an error (AWSOrganizationsNotInUseException).
    for t in [
        "aws_organizations_account",
        "aws_organizations_root",
        "aws_organizations_organizational_unit",
        "aws_organizations_policy",
        "aws_organizations_policy_target",
    ] {
        let n = query(&ctx, &format!("select count(*) from {t}")).await?;
        assert_eq!(n[0][0].as_deref(), Some("0"), "{t}");
    }
    let acl_logging = query(
        &ctx,
        "select acl, logging from aws_s3_bucket where name = 'pw-public-data'",
    )
    .await?;
    let acl: Value = serde_json::from_str(acl_logging[0][0].as_deref().unwrap_or("null"))?;
    assert!(
        acl["Grants"].as_array().is_some_and(|g| !g.is_empty()),
        "{acl}"
    );
    assert_eq!(acl_logging[0][1], None, "logging is off");

    drop(moto);
    Ok(())
}

/// The tables the CIS controls added, filled by `cis_tables_read_back_what_moto_holds`.
const CIS_TABLES: &[&str] = &[
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

/// Select every column (except hydrate calls moto gets wrong) of every table: each must
/// return rows, the same number as a listing of its first column. Then the rows as the
/// table's calls build them: every key a declared column, every column filled by some
/// call.
async fn every_column_of_every_table(
    ctx: &SessionContext,
    source: &dyn Source,
    tables: &[&'static TableDef],
    moto_gaps: &[(&str, &str)],
) -> TestResult {
    for def in tables {
        let columns: Vec<&str> = def
            .columns
            .iter()
            .filter(|c| {
                !c.hydrate
                    .is_some_and(|h| moto_gaps.contains(&(def.name, h.name())))
            })
            .map(|c| c.name)
            .collect();
        let all = query(
            ctx,
            &format!("select {} from {}", columns.join(", "), def.name),
        )
        .await
        .map_err(|e| format!("{}: {e}", def.name))?;
        let first = def.columns[0].name;
        let listed = query(ctx, &format!("select {first} from {}", def.name)).await?;
        assert_eq!(all.len(), listed.len(), "{}", def.name);
        assert!(!all.is_empty(), "{} returned no rows", def.name);
        assert!(all.iter().all(|r| r.len() == columns.len()));
        rows_fill_exactly_the_declared_columns(source, def, moto_gaps).await?;
    }
    Ok(())
}

/// List the table (first page per region), run each of its hydrate calls on every row,
/// and fail on a key that is not a declared column (a typo: a value no query sees) or on
/// a declared column no call filled (a typo on the other side: a NULL forever).
async fn rows_fill_exactly_the_declared_columns(
    source: &dyn Source,
    def: &'static TableDef,
    moto_gaps: &[(&str, &str)],
) -> TestResult {
    let regions: Vec<Option<String>> = match def.scope {
        pathwarden_tables::Scope::Global => vec![None],
        pathwarden_tables::Scope::Regional => source.regions().into_iter().map(Some).collect(),
    };
    let hydrates: Vec<_> = def
        .hydrates()
        .into_iter()
        .filter(|h| !moto_gaps.contains(&(def.name, h.name())))
        .collect();
    let mut filled: BTreeSet<String> = BTreeSet::new();
    let mut rows = 0;
    for region in regions {
        let req = ListRequest {
            region: region.clone(),
            quals: Default::default(),
        };
        let page = source
            .list_page(def, &req, None)
            .await
            .map_err(|e| format!("{}: {e}", def.name))?;
        for row in page.rows.iter().take(5) {
            rows += 1;
            let bad = def.undeclared_keys(row);
            assert!(
                bad.is_empty(),
                "{}: list fills undeclared {bad:?}",
                def.name
            );
            filled.extend(row.keys().cloned());
            for &h in &hydrates {
                let extra = source
                    .hydrate(def, h, region.as_deref(), row)
                    .await
                    .map_err(|e| format!("{}.{}: {e}", def.name, h.name()))?;
                let stray: Vec<&str> = extra
                    .keys()
                    .map(String::as_str)
                    .filter(|k| !def.is_filled_by(k, Some(h)))
                    .collect();
                assert!(
                    stray.is_empty(),
                    "{}: hydrate {} fills {stray:?}, which are not its declared columns",
                    def.name,
                    h.name()
                );
                filled.extend(extra.keys().cloned());
            }
        }
    }
    assert!(rows > 0, "{}: no rows to check", def.name);
    let unfilled: Vec<&str> = def
        .columns
        .iter()
        .filter(|c| {
            !c.hydrate
                .is_some_and(|h| moto_gaps.contains(&(def.name, h.name())))
        })
        .map(|c| c.name)
        .filter(|c| !filled.contains(*c))
        .collect();
    assert!(
        unfilled.is_empty(),
        "{}: declared columns that no call fills: {unfilled:?}",
        def.name
    );
    Ok(())
}

/// What `fixtures/moto_cis_setup.py` created (its JSON output).
fn create_cis_resources(url: &str) -> TestResult<Value> {
    run_fixture("moto_cis_setup.py", url)
}

/// Run the boto3 script `fixtures/<script>` against moto at `url`; its JSON output.
fn run_fixture(script: &str, url: &str) -> TestResult<Value> {
    let python = std::env::var("PATHWARDEN_PYTHON")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").into());
    let path = format!("{}/tests/fixtures/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(&python)
        .args([&path, url])
        .output()
        .map_err(|e| {
            format!("cannot run {python} (set PATHWARDEN_PYTHON to a Python with boto3): {e}")
        })?;
    if !out.status.success() {
        return Err(format!("{script} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// The tables behind the CIS controls (CloudTrail, Config, KMS, CloudWatch, Logs, SNS,
/// RDS, EFS, Security Hub, network ACLs, flow logs, EBS defaults, server certificates),
/// filled with boto3 and read back through the signed-request client and the IAM SDK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cis_tables_read_back_what_moto_holds() -> TestResult {
    let moto = start_moto()?;
    let made = create_cis_resources(&moto.url())?;
    let cfg = AwsConnectionConfig {
        name: "aws_moto".into(),
        regions: vec![HOME.into(), OTHER.into()],
        endpoint_url: Some(moto.url()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".into()),
        s3_force_path_style: true,
        ..Default::default()
    };
    let source: Arc<dyn Source> = Arc::new(AwsSource::connect(cfg).await?);
    let (ctx, rt) = pg_session(source)?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();

    // KMS: keys per region, rotation and aliases through hydrate calls.
    let keys = query(
        &ctx,
        "select arn, region, key_manager, key_state, customer_master_key_spec, key_rotation_enabled, \
         aliases::text, tags::text, policy_std ->> 'Version' from aws_kms_key order by arn",
    )
    .await?;
    let arns: BTreeSet<String> = keys.iter().filter_map(|r| r[0].clone()).collect();
    let want: BTreeSet<String> = ["rotated", "unrotated", "other"]
        .iter()
        .map(|k| text(&made["kms"][*k]))
        .collect();
    assert_eq!(arns, want);
    for r in &keys {
        let arn = r[0].clone().unwrap_or_default();
        assert_eq!(r[2].as_deref(), Some("CUSTOMER"), "{r:?}");
        assert_eq!(r[3].as_deref(), Some("Enabled"), "{r:?}");
        assert_eq!(r[4].as_deref(), Some("SYMMETRIC_DEFAULT"), "{r:?}");
        let rotated = arn == text(&made["kms"]["rotated"]);
        assert_eq!(
            r[5].as_deref(),
            Some(if rotated { "true" } else { "false" }),
            "{r:?}"
        );
        assert_eq!(r[8].as_deref(), Some("2012-10-17"), "key policy: {r:?}");
        if arn == text(&made["kms"]["unrotated"]) {
            assert!(
                r[6].as_deref()
                    .unwrap_or_default()
                    .contains("alias/unrotated"),
                "{r:?}"
            );
            assert_eq!(r[7].as_deref(), Some(r#"{"team": "data"}"#));
        }
        let region = if arn == text(&made["kms"]["other"]) {
            OTHER
        } else {
            HOME
        };
        assert_eq!(r[1].as_deref(), Some(region), "{r:?}");
    }

    // CloudTrail: both trails in the home region; the multi-region one also as a shadow
    // trail in the other region; status and selectors through hydrate calls.
    let trails = query(
        &ctx,
        "select name, region, home_region, is_multi_region_trail, log_file_validation_enabled, \
         is_logging, kms_key_id, log_group_arn, s3_bucket_name, \
         event_selectors -> 0 ->> 'ReadWriteType' from aws_cloudtrail_trail order by region, name",
    )
    .await?;
    let names: Vec<(String, String)> = trails
        .iter()
        .map(|r| {
            (
                r[1].clone().unwrap_or_default(),
                r[0].clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (OTHER.to_string(), "main-trail".to_string()),
            (HOME.to_string(), "local-trail".to_string()),
            (HOME.to_string(), "main-trail".to_string()),
        ]
    );
    let main = &trails[2];
    assert_eq!(main[2].as_deref(), Some(HOME));
    assert_eq!(main[3].as_deref(), Some("true"));
    assert_eq!(main[4].as_deref(), Some("true"));
    assert_eq!(main[5].as_deref(), Some("true"), "is_logging: {main:?}");
    assert_eq!(
        main[6].as_deref(),
        Some(text(&made["kms"]["rotated"]).as_str())
    );
    assert!(
        main[7]
            .as_deref()
            .unwrap_or_default()
            .contains("trail-group")
    );
    assert_eq!(main[8].as_deref(), Some("trail-logs"));
    assert_eq!(main[9].as_deref(), Some("All"));
    let local = &trails[1];
    assert_eq!(local[3].as_deref(), Some("false"));
    assert_eq!(local[4].as_deref(), Some("false"));
    assert_eq!(local[6], None, "no KMS key: {local:?}");
    // The shadow copy reports the home region's status.
    assert_eq!(trails[0][5].as_deref(), Some("true"));

    // The CIS 4.x chain: metric filter -> alarm -> SNS subscription.
    let chain = query(
        &ctx,
        "select f.log_group_name, f.filter_pattern, a.name, s.protocol, s.endpoint \
         from aws_cloudwatch_log_metric_filter f \
         join aws_cloudwatch_alarm a on a.metric_name = f.metric_transformation_name \
         join aws_sns_topic_subscription s on a.alarm_actions ? s.topic_arn",
    )
    .await?;
    assert_eq!(chain.len(), 1, "{chain:?}");
    assert_eq!(chain[0][0].as_deref(), Some("trail-group"));
    assert_eq!(
        chain[0][1].as_deref(),
        Some(text(&made["metric_filter"]["pattern"]).as_str())
    );
    assert_eq!(chain[0][2].as_deref(), Some("unauthorized-api-calls"));
    assert_eq!(chain[0][3].as_deref(), Some("email"));
    assert_eq!(chain[0][4].as_deref(), Some("secops@example.com"));

    // Config recorder in the home region only, recording everything.
    let recorders = query(
        &ctx,
        "select region, name, status_recording, recording_group ->> 'AllSupported', \
         recording_group ->> 'IncludeGlobalResourceTypes', status ->> 'Recording' \
         from aws_config_configuration_recorder",
    )
    .await?;
    assert_eq!(
        recorders,
        vec![vec![
            Some(HOME.to_string()),
            Some("default".to_string()),
            Some("true".to_string()),
            Some("true".to_string()),
            Some("true".to_string()),
            Some("true".to_string()),
        ]]
    );

    // EBS encryption by default: on in the home region only.
    let ebs = query(
        &ctx,
        "select region, default_ebs_encryption_enabled from aws_ec2_regional_settings order by region",
    )
    .await?;
    assert_eq!(
        ebs,
        vec![
            vec![Some(OTHER.to_string()), Some("false".to_string())],
            vec![Some(HOME.to_string()), Some("true".to_string())],
        ]
    );

    // The NACL open to the world on port 22, and the VPC's flow log.
    let acls = query(
        &ctx,
        "select network_acl_id, entries from aws_vpc_network_acl",
    )
    .await?;
    let open: Vec<String> = acls
        .iter()
        .filter(|r| {
            let entries: Value =
                serde_json::from_str(r[1].as_deref().unwrap_or("[]")).unwrap_or_default();
            entries.as_array().into_iter().flatten().any(|e| {
                e["CidrBlock"] == "0.0.0.0/0"
                    && e["RuleAction"] == "allow"
                    && e["Egress"] == false
                    && e["PortRange"]["From"].as_i64().is_some_and(|p| p <= 22)
                    && e["PortRange"]["To"].as_i64().is_some_and(|p| p >= 22)
            })
        })
        .filter_map(|r| r[0].clone())
        .collect();
    assert_eq!(open, vec![text(&made["open_acl"])]);
    let flows = query(
        &ctx,
        "select flow_log_id, resource_id, traffic_type, log_group_name from aws_vpc_flow_log",
    )
    .await?;
    assert_eq!(
        flows,
        vec![vec![
            Some(text(&made["flow_log"])),
            Some(text(&made["vpc"])),
            Some("ALL".to_string()),
            Some("flow-logs".to_string()),
        ]]
    );

    // RDS (XML Query protocol) and EFS (REST-JSON).
    let dbs = query(
        &ctx,
        "select db_instance_identifier, engine, storage_encrypted, publicly_accessible, \
         auto_minor_version_upgrade, tags ->> 'team' from aws_rds_db_instance order by 1",
    )
    .await?;
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        dbs,
        vec![
            vec![
                s("legacy-db"),
                s("mysql"),
                s("false"),
                s("true"),
                s("false"),
                None
            ],
            vec![
                s("orders-db"),
                s("postgres"),
                s("true"),
                s("false"),
                s("true"),
                s("orders")
            ],
        ]
    );
    let fs = query(
        &ctx,
        "select file_system_id, encrypted, title from aws_efs_file_system order by encrypted",
    )
    .await?;
    assert_eq!(
        fs,
        vec![
            vec![
                Some(text(&made["efs"]["plain"])),
                s("false"),
                Some(text(&made["efs"]["plain"]))
            ],
            vec![
                Some(text(&made["efs"]["encrypted"])),
                s("true"),
                s("shared")
            ],
        ]
    );

    // Security Hub: a row only where it is enabled.
    let hubs = column(&ctx, "select region from aws_securityhub_hub").await?;
    assert_eq!(hubs, vec![HOME.to_string()]);

    // IAM server certificates.
    let certs = column(&ctx, "select arn from aws_iam_server_certificate").await?;
    assert_eq!(certs, vec![text(&made["server_certificate"])]);

    // moto has no Access Analyzer: the table must fail loudly, naming the call, rather
    // than look like "no analyzer" (which a CIS control would report as an alarm).
    let err = query(&ctx, "select name from aws_accessanalyzer_analyzer")
        .await
        .expect_err("access analyzer is not served by moto");
    assert!(
        err.to_string().contains("access-analyzer:ListAnalyzers"),
        "{err}"
    );
    let tables: Vec<_> = pathwarden_tables::aws::tables()
        .into_iter()
        .filter(|d| CIS_TABLES.contains(&d.name) && d.name != "aws_accessanalyzer_analyzer")
        .collect();
    // moto answers ec2:GetEbsDefaultKmsKeyId with a 500.
    every_column_of_every_table(
        &ctx,
        rt.source.as_ref(),
        &tables,
        &[("aws_ec2_regional_settings", "key")],
    )
    .await?;
    Ok(())
}

/// Organizations tables against an organization built in moto with boto3: the unit tree
/// with paths, accounts with their parents and tags, SCPs with content, and where each
/// policy is attached (listed per policy, and per target with a `target_id` filter).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_tables_read_back_the_organization() -> TestResult {
    let moto = start_moto()?;
    let python = std::env::var("PATHWARDEN_PYTHON")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").into());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/moto_org_setup.py"
    );
    let out = Command::new(&python).args([script, &moto.url()]).output()?;
    assert!(
        out.status.success(),
        "moto_org_setup.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout)?;
    let id = |k: &str| made[k].as_str().unwrap_or_default().to_string();
    let cfg = AwsConnectionConfig {
        name: "aws_org".into(),
        regions: vec![HOME.into()],
        endpoint_url: Some(moto.url()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".into()),
        ..Default::default()
    };
    let source: Arc<dyn Source> = Arc::new(AwsSource::connect(cfg).await?);
    let (ctx, _rt) = pg_session(source.clone())?;

    // Every column of every Organizations table is filled by some call.
    let org_tables: Vec<_> = pathwarden_tables::aws::tables()
        .into_iter()
        .filter(|d| d.name.starts_with("aws_organizations_"))
        .collect();
    assert_eq!(org_tables.len(), 5);
    every_column_of_every_table(&ctx, source.as_ref(), &org_tables, &[]).await?;

    let roots = query(&ctx, "select id, region from aws_organizations_root").await?;
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0][0].as_deref(), Some(id("root").as_str()));
    assert_eq!(roots[0][1].as_deref(), Some("global"));

    let units = query(
        &ctx,
        "select name, parent_id, path from aws_organizations_organizational_unit order by name",
    )
    .await?;
    let label = |k: &str| id(k).replace('-', "_");
    assert_eq!(
        units,
        vec![
            vec![
                Some("Payments".to_string()),
                Some(id("prod")),
                Some(format!(
                    "{}.{}.{}",
                    label("root"),
                    label("prod"),
                    label("payments")
                )),
            ],
            vec![
                Some("Prod".to_string()),
                Some(id("root")),
                Some(format!("{}.{}", label("root"), label("prod"))),
            ],
            vec![
                Some("Sandbox".to_string()),
                Some(id("root")),
                Some(format!("{}.{}", label("root"), label("sandbox"))),
            ],
        ]
    );

    let accounts = query(
        &ctx,
        "select id, parent_id, status, tags ->> 'team' from aws_organizations_account \
         where name in ('payments-prod', 'sandbox-1') order by name",
    )
    .await?;
    assert_eq!(accounts.len(), 2, "{accounts:?}");
    assert_eq!(accounts[0][0].as_deref(), Some(id("pay_account").as_str()));
    assert_eq!(accounts[0][1].as_deref(), Some(id("payments").as_str()));
    assert_eq!(accounts[0][2].as_deref(), Some("ACTIVE"));
    assert_eq!(accounts[0][3].as_deref(), Some("payments"));
    assert_eq!(accounts[1][1].as_deref(), Some(id("sandbox").as_str()));

    let policies = query(
        &ctx,
        "select name, aws_managed, content -> 'Statement' -> 0 ->> 'Effect', tags ->> 'owner' \
         from aws_organizations_policy order by name",
    )
    .await?;
    let names: Vec<&str> = policies.iter().filter_map(|r| r[0].as_deref()).collect();
    assert!(
        names.contains(&"deny-iam") && names.contains(&"sandbox-region"),
        "{names:?}"
    );
    let deny = policies
        .iter()
        .find(|r| r[0].as_deref() == Some("deny-iam"))
        .unwrap();
    assert_eq!(deny[1].as_deref(), Some("false"));
    assert_eq!(
        deny[2].as_deref(),
        Some("Deny"),
        "content is the parsed document"
    );
    assert_eq!(deny[3].as_deref(), Some("security"));

    let targets = query(
        &ctx,
        "select name, target_id, target_type from aws_organizations_policy_target \
         where not aws_managed order by name",
    )
    .await?;
    assert_eq!(
        targets,
        vec![
            vec![
                Some("deny-iam".to_string()),
                Some(id("prod")),
                Some("ORGANIZATIONAL_UNIT".to_string())
            ],
            vec![
                Some("sandbox-region".to_string()),
                Some(id("sandbox_account")),
                Some("ACCOUNT".to_string())
            ],
        ]
    );
    let for_target = query(
        &ctx,
        &format!(
            "select name, content ->> 'Version' from aws_organizations_policy_target \
             where target_id = '{}' and not aws_managed",
            id("sandbox_account")
        ),
    )
    .await?;
    assert_eq!(
        for_target,
        vec![vec![
            Some("sandbox-region".to_string()),
            Some("2012-10-17".to_string())
        ]]
    );
    Ok(())
}
