//! Buckets, VPCs, security groups and instances of the demo organisation, produced
//! directly as rows (nothing else refers to them except by id).

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::model::{ACCOUNTS, DEV, PROD, SEC};
use super::org::{Org, REGIONS};
use super::util::{days, ec2_id, hex_tag, iam_id, obj, policy_std, put_common, put_tags, ts};
use crate::framework::Row;

/// Rows of the non-IAM tables.
#[derive(Debug, Default)]
pub struct Infra {
    /// `aws_s3_bucket`
    pub buckets: Vec<Row>,
    /// `aws_vpc`
    pub vpcs: Vec<Row>,
    /// `aws_vpc_security_group`
    pub security_groups: Vec<Row>,
    /// `aws_vpc_security_group_rule`
    pub security_group_rules: Vec<Row>,
    /// `aws_ec2_instance`
    pub instances: Vec<Row>,
    /// Every VPC, for the regional services that refer to them (network ACLs, flow
    /// logs, RDS).
    pub vpc_refs: Vec<VpcRef>,
}

/// A VPC as the regional services see it.
#[derive(Debug, Clone)]
pub struct VpcRef {
    /// Account index.
    pub account: usize,
    /// Region.
    pub region: &'static str,
    /// `vpc-...`
    pub vpc_id: String,
    /// Whether it is the region's default VPC (otherwise the account's main VPC).
    pub is_default: bool,
    /// IPv6 block, if any.
    pub ipv6: Option<&'static str>,
    /// Two subnets.
    pub subnets: [String; 2],
    /// The `db` security group (main VPCs only).
    pub db_group: Option<String>,
}

/// What one security-group rule allows traffic from (or to).
#[derive(Clone)]
enum Peer {
    V4(&'static str),
    V6(&'static str),
    Group(String),
    PrefixList(&'static str),
    Peered {
        group: String,
        owner: &'static str,
        vpc: String,
        pcx: String,
    },
}

#[derive(Clone)]
struct Rule {
    egress: bool,
    protocol: &'static str,
    ports: Option<(i64, i64)>,
    peer: Peer,
    description: Option<&'static str>,
}

fn ingress(
    protocol: &'static str,
    ports: Option<(i64, i64)>,
    peer: Peer,
    description: Option<&'static str>,
) -> Rule {
    Rule {
        egress: false,
        protocol,
        ports,
        peer,
        description,
    }
}

fn all_egress() -> Rule {
    Rule {
        egress: true,
        protocol: "-1",
        ports: None,
        peer: Peer::V4("0.0.0.0/0"),
        description: None,
    }
}

/// The VPCs of one account and region.
struct Network {
    account: usize,
    region: &'static str,
    main_vpc: String,
    subnets: [String; 2],
}

struct Ctx<'a> {
    out: &'a mut Infra,
}

impl Ctx<'_> {
    fn vpc(
        &mut self,
        account: usize,
        region: &'static str,
        cidr: &str,
        default: bool,
        name: Option<&str>,
        ipv6: Option<&str>,
    ) -> String {
        let acct = ACCOUNTS[account].id;
        let id = ec2_id("vpc", &format!("{acct}/{region}/{cidr}"));
        let arn = format!("arn:aws:ec2:{region}:{acct}:vpc/{id}");
        let mut row = obj(json!({
            "vpc_id": id,
            "arn": arn,
            "cidr_block": cidr,
            "state": "available",
            "is_default": default,
            "dhcp_options_id": ec2_id("dopt", &format!("{acct}/{region}")),
            "instance_tenancy": "default",
            "owner_id": acct,
            "cidr_block_association_set": [{
                "AssociationId": ec2_id("vpc-cidr-assoc", &id),
                "CidrBlock": cidr,
                "CidrBlockState": {"State": "associated"}
            }],
            "ipv6_cidr_block_association_set": ipv6.map(|block| json!([{
                "AssociationId": ec2_id("vpc-cidr-assoc", &format!("{id}/v6")),
                "Ipv6CidrBlock": block,
                "Ipv6CidrBlockState": {"State": "associated"},
                "Ipv6Pool": "Amazon",
                "NetworkBorderGroup": region
            }])),
        }));
        let title = name.map(str::to_string).unwrap_or_else(|| id.clone());
        match name {
            Some(n) => put_tags(
                &mut row,
                &[("Name", n), ("Environment", ACCOUNTS[account].env)],
            ),
            None => put_tags(&mut row, &[]),
        }
        put_common(&mut row, &title, &arn, region, acct);
        self.out.vpcs.push(row);
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn security_group(
        &mut self,
        account: usize,
        region: &'static str,
        vpc: &str,
        name: &str,
        description: &str,
        rules: Vec<Rule>,
        tags: &[(&str, &str)],
    ) -> String {
        let acct = ACCOUNTS[account].id;
        let id = ec2_id("sg", &format!("{acct}/{vpc}/{name}"));
        let arn = format!("arn:aws:ec2:{region}:{acct}:security-group/{id}");
        let mut perms_in = Vec::new();
        let mut perms_out = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            // Default groups reference themselves; resolve that now that the id is known.
            let peer = match &r.peer {
                Peer::Group(g) if g == "self" => Peer::Group(id.clone()),
                p => p.clone(),
            };
            let mut perm = serde_json::Map::new();
            if let Some((from, _)) = r.ports {
                perm.insert("FromPort".into(), json!(from));
            }
            perm.insert("IpProtocol".into(), json!(r.protocol));
            let desc = r.description.map(|d| json!(d));
            let with_desc = |mut v: Value| {
                if let (Some(d), Value::Object(m)) = (&desc, &mut v) {
                    m.insert("Description".into(), d.clone());
                }
                v
            };
            let (v4, v6, pl, pairs) = match &peer {
                Peer::V4(c) => (
                    vec![with_desc(json!({"CidrIp": c}))],
                    vec![],
                    vec![],
                    vec![],
                ),
                Peer::V6(c) => (
                    vec![],
                    vec![with_desc(json!({"CidrIpv6": c}))],
                    vec![],
                    vec![],
                ),
                Peer::PrefixList(p) => (
                    vec![],
                    vec![],
                    vec![with_desc(json!({"PrefixListId": p}))],
                    vec![],
                ),
                Peer::Group(g) => (
                    vec![],
                    vec![],
                    vec![],
                    vec![with_desc(json!({"GroupId": g, "UserId": acct}))],
                ),
                Peer::Peered {
                    group,
                    owner,
                    vpc,
                    pcx,
                } => (
                    vec![],
                    vec![],
                    vec![],
                    vec![with_desc(json!({
                        "GroupId": group, "UserId": owner, "VpcId": vpc,
                        "VpcPeeringConnectionId": pcx, "PeeringStatus": "active"
                    }))],
                ),
            };
            perm.insert("IpRanges".into(), Value::Array(v4));
            perm.insert("Ipv6Ranges".into(), Value::Array(v6));
            perm.insert("PrefixListIds".into(), Value::Array(pl));
            if let Some((_, to)) = r.ports {
                perm.insert("ToPort".into(), json!(to));
            }
            perm.insert("UserIdGroupPairs".into(), Value::Array(pairs));
            if r.egress {
                perms_out.push(Value::Object(perm));
            } else {
                perms_in.push(Value::Object(perm));
            }

            let rule_id = ec2_id("sgr", &format!("{id}/{i}"));
            let rule_arn = format!("arn:aws:ec2:{region}:{acct}:security-group-rule/{rule_id}");
            let (from, to) = r.ports.unwrap_or((-1, -1));
            let mut row = obj(json!({
                "security_group_rule_id": rule_id,
                "group_id": id,
                "is_egress": r.egress,
                "type": if r.egress { "egress" } else { "ingress" },
                "group_owner_id": acct,
                "description": r.description,
                "ip_protocol": r.protocol,
                "from_port": from,
                "to_port": to,
                "cidr_ipv4": match &peer { Peer::V4(c) => Some(*c), _ => None },
                "cidr_ipv6": match &peer { Peer::V6(c) => Some(*c), _ => None },
                "referenced_group_id": match &peer { Peer::Group(g) => Some(g.clone()), Peer::Peered { group, .. } => Some(group.clone()), _ => None },
                "referenced_peering_status": match &peer { Peer::Peered { .. } => Some("active"), _ => None },
                "referenced_user_id": match &peer { Peer::Group(_) => Some(acct), Peer::Peered { owner, .. } => Some(*owner), _ => None },
                "referenced_vpc_id": match &peer { Peer::Peered { vpc, .. } => Some(vpc.clone()), _ => None },
                "referenced_vpc_peering_connection_id": match &peer { Peer::Peered { pcx, .. } => Some(pcx.clone()), _ => None },
                "prefix_list_id": match &peer { Peer::PrefixList(p) => Some(*p), _ => None },
            }));
            put_common(&mut row, &rule_id, &rule_arn, region, acct);
            self.out.security_group_rules.push(row);
        }
        let mut row = obj(json!({
            "group_name": name,
            "group_id": id,
            "arn": arn,
            "description": description,
            "vpc_id": vpc,
            "owner_id": acct,
            "ip_permissions": perms_in,
            "ip_permissions_egress": perms_out,
        }));
        put_tags(&mut row, tags);
        put_common(&mut row, name, &arn, region, acct);
        self.out.security_groups.push(row);
        id
    }
}

/// AWS's default rules: all traffic from the group itself, all traffic out.
fn default_rules() -> Vec<Rule> {
    vec![
        ingress("-1", None, Peer::Group("self".into()), None),
        all_egress(),
    ]
}

fn bucket_acl(owner: &str, public_read: bool, log_delivery: bool) -> Value {
    let owner_id = hex_tag(owner, 64);
    let mut grants = vec![json!({
        "Grantee": {"DisplayName": owner, "ID": owner_id, "Type": "CanonicalUser"},
        "Permission": "FULL_CONTROL"
    })];
    if public_read {
        grants.push(json!({"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}));
    }
    if log_delivery {
        grants.push(json!({"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": "WRITE"}));
    }
    json!({"Grants": grants, "Owner": {"DisplayName": owner, "ID": owner_id}})
}

fn sse(kms_key: Option<&str>) -> Value {
    match kms_key {
        Some(k) => {
            json!({"Rules": [{"ApplyServerSideEncryptionByDefault": {"KMSMasterKeyID": k, "SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": true}]})
        }
        None => {
            json!({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": false}]})
        }
    }
}

fn deny_insecure_transport(bucket: &str) -> Value {
    json!({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    })
}

/// The settings of one bucket; everything not set is the hardened default.
struct Bucket {
    account: usize,
    region: &'static str,
    name: String,
    created: i64,
    policy: Option<Value>,
    policy_public: bool,
    versioning: bool,
    mfa_delete: bool,
    block_public: bool,
    encryption: Option<Value>,
    acl_public_read: bool,
    log_delivery: bool,
    lifecycle: Option<Value>,
    logging: Option<Value>,
    object_lock: Option<Value>,
    ownership: &'static str,
    replication: Option<Value>,
    website: Option<Value>,
    notifications: Value,
    tags: Vec<(String, String)>,
}

impl Bucket {
    fn new(account: usize, region: &'static str, name: &str, created_days: i64) -> Self {
        Bucket {
            account,
            region,
            name: name.to_string(),
            created: days(created_days),
            policy: None,
            policy_public: false,
            versioning: false,
            mfa_delete: false,
            block_public: true,
            encryption: Some(sse(None)),
            acl_public_read: false,
            log_delivery: false,
            lifecycle: None,
            logging: None,
            object_lock: None,
            ownership: "BucketOwnerEnforced",
            replication: None,
            website: None,
            notifications: json!({"EventBridgeConfiguration": null, "LambdaFunctionConfigurations": [], "QueueConfigurations": [], "TopicConfigurations": []}),
            tags: Vec::new(),
        }
    }

    fn into_row(self, epoch: DateTime<Utc>) -> Row {
        let acct = ACCOUNTS[self.account].id;
        let arn = format!("arn:aws:s3:::{}", self.name);
        let policy_std = self.policy.as_ref().map(policy_std);
        let mut row = obj(json!({
            "name": self.name,
            "arn": arn,
            "creation_date": ts(epoch, self.created),
            "bucket_policy_is_public": self.policy_public,
            "versioning_enabled": self.versioning,
            "versioning_mfa_delete": self.mfa_delete,
            "block_public_acls": self.block_public,
            "block_public_policy": self.block_public,
            "ignore_public_acls": self.block_public,
            "restrict_public_buckets": self.block_public,
            "event_notification_configuration": self.notifications,
            "server_side_encryption_configuration": self.encryption,
            "acl": bucket_acl(&format!("aws-{}", ACCOUNTS[self.account].alias), self.acl_public_read, self.log_delivery),
            "lifecycle_rules": self.lifecycle,
            "logging": self.logging,
            "object_lock_configuration": self.object_lock,
            "object_ownership_controls": {"Rules": [{"ObjectOwnership": self.ownership}]},
            "policy": self.policy,
            "policy_std": policy_std,
            "replication": self.replication,
            "website_configuration": self.website,
        }));
        let pairs: Vec<(&str, &str)> = self
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        put_tags(&mut row, &pairs);
        let name = row
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        put_common(&mut row, &name, &arn, self.region, acct);
        row
    }
}

fn planted_buckets() -> Vec<Bucket> {
    let prod = ACCOUNTS[PROD].id;
    let mut out = Vec::new();

    let mut b = Bucket::new(PROD, "us-east-1", "acme-prod-public-website", 1400);
    b.policy = Some(json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-prod-public-website/*"}]
    }));
    b.policy_public = true;
    b.block_public = false;
    b.website = Some(
        json!({"ErrorDocument": {"Key": "error.html"}, "IndexDocument": {"Suffix": "index.html"}, "RedirectAllRequestsTo": null, "RoutingRules": []}),
    );
    b.logging = Some(
        json!({"TargetBucket": "acme-prod-access-logs", "TargetGrants": [], "TargetPrefix": "website/"}),
    );
    b.tags = vec![
        ("Planted".into(), "cis".into()),
        ("Exposure".into(), "public-policy".into()),
    ];
    out.push(b);

    let mut b = Bucket::new(DEV, "eu-west-1", "acme-dev-shared-uploads", 1100);
    b.block_public = false;
    b.acl_public_read = true;
    b.ownership = "ObjectWriter";
    b.tags = vec![
        ("Planted".into(), "cis".into()),
        ("Exposure".into(), "public-acl".into()),
    ];
    out.push(b);

    let mut b = Bucket::new(PROD, "us-east-1", "acme-prod-legacy-exports", 2300);
    b.encryption = None;
    b.block_public = false;
    b.ownership = "ObjectWriter";
    b.tags = vec![("Planted".into(), "cis".into())];
    out.push(b);

    let mut b = Bucket::new(PROD, "us-east-1", "acme-prod-access-logs", 1500);
    b.versioning = true;
    b.log_delivery = true;
    b.ownership = "BucketOwnerPreferred";
    b.lifecycle = Some(
        json!([{"Expiration": {"Days": 365}, "Filter": {"Prefix": ""}, "ID": "expire-after-a-year", "Status": "Enabled"}]),
    );
    b.policy = Some(
        json!({"Version": "2012-10-17", "Statement": [deny_insecure_transport("acme-prod-access-logs")]}),
    );
    out.push(b);

    let mut b = Bucket::new(PROD, "us-east-1", "acme-prod-cloudtrail", 1500);
    b.versioning = true;
    b.mfa_delete = true;
    b.encryption = Some(sse(Some(&format!(
        "arn:aws:kms:us-east-1:{prod}:key/{}",
        uuidish("cloudtrail")
    ))));
    b.logging = Some(
        json!({"TargetBucket": "acme-prod-access-logs", "TargetGrants": [], "TargetPrefix": "cloudtrail/"}),
    );
    b.object_lock = Some(
        json!({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Days": 365, "Mode": "GOVERNANCE"}}}),
    );
    b.policy = Some(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::acme-prod-cloudtrail"},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::acme-prod-cloudtrail/AWSLogs/{prod}/*"), "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
        deny_insecure_transport("acme-prod-cloudtrail")
    ]}));
    b.replication = Some(json!({
        "Role": format!("arn:aws:iam::{prod}:role/service-role/s3-replication-cloudtrail"),
        "Rules": [{"DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Account": ACCOUNTS[SEC].id, "Bucket": "arn:aws:s3:::acme-security-cloudtrail-replica"}, "Filter": {"Prefix": ""}, "ID": "to-security-account", "Priority": 1, "Status": "Enabled"}]
    }));
    b.notifications = json!({"EventBridgeConfiguration": {}, "LambdaFunctionConfigurations": [], "QueueConfigurations": [], "TopicConfigurations": [
        {"Events": ["s3:ObjectCreated:*"], "Id": "new-trail-files", "TopicArn": format!("arn:aws:sns:us-east-1:{prod}:cloudtrail-delivery")}
    ]});
    out.push(b);

    let mut b = Bucket::new(SEC, "eu-west-1", "acme-security-cloudtrail-replica", 1450);
    b.versioning = true;
    b.encryption = Some(sse(Some(&format!(
        "arn:aws:kms:eu-west-1:{}:key/{}",
        ACCOUNTS[SEC].id,
        uuidish("replica")
    ))));
    b.policy = Some(
        json!({"Version": "2012-10-17", "Statement": [deny_insecure_transport("acme-security-cloudtrail-replica")]}),
    );
    out.push(b);

    let mut b = Bucket::new(DEV, "us-east-1", "acme-dev-terraform-state", 1600);
    b.versioning = true;
    b.encryption = Some(sse(Some(&format!(
        "arn:aws:kms:us-east-1:{}:key/{}",
        ACCOUNTS[DEV].id,
        uuidish("tfstate")
    ))));
    b.policy = Some(
        json!({"Version": "2012-10-17", "Statement": [deny_insecure_transport("acme-dev-terraform-state")]}),
    );
    out.push(b);

    let mut b = Bucket::new(PROD, "eu-west-1", "acme-prod-partner-share", 700);
    b.policy = Some(json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "PartnerRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::acme-prod-partner-share", "arn:aws:s3:::acme-prod-partner-share/*"]
    }]}));
    b.tags = vec![("Partner".into(), "globex".into())];
    out.push(b);

    // CloudTrail buckets of the other accounts. Dev's has no server access logging
    // (CIS 3.4); the security account's logs to its own access-log bucket.
    let dev = ACCOUNTS[DEV].id;
    let mut b = Bucket::new(DEV, "us-east-1", "acme-dev-cloudtrail-logs", 1200);
    b.versioning = true;
    b.policy = Some(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::acme-dev-cloudtrail-logs"},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::acme-dev-cloudtrail-logs/AWSLogs/{dev}/*"), "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}
    ]}));
    b.tags = vec![("Planted".into(), "cis".into())];
    out.push(b);

    let sec = ACCOUNTS[SEC].id;
    let mut b = Bucket::new(SEC, "us-east-1", "acme-security-access-logs", 1460);
    b.versioning = true;
    b.log_delivery = true;
    b.ownership = "BucketOwnerPreferred";
    b.lifecycle = Some(
        json!([{"Expiration": {"Days": 730}, "Filter": {"Prefix": ""}, "ID": "expire-after-two-years", "Status": "Enabled"}]),
    );
    b.policy = Some(
        json!({"Version": "2012-10-17", "Statement": [deny_insecure_transport("acme-security-access-logs")]}),
    );
    out.push(b);

    let mut b = Bucket::new(SEC, "us-east-1", "acme-security-cloudtrail", 1460);
    b.versioning = true;
    b.encryption = Some(sse(Some(&format!(
        "arn:aws:kms:us-east-1:{sec}:key/{}",
        uuidish("security-cloudtrail")
    ))));
    b.logging = Some(
        json!({"TargetBucket": "acme-security-access-logs", "TargetGrants": [], "TargetPrefix": "cloudtrail/"}),
    );
    b.object_lock = Some(
        json!({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Days": 400, "Mode": "COMPLIANCE"}}}),
    );
    b.policy = Some(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::acme-security-cloudtrail"},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::acme-security-cloudtrail/AWSLogs/{sec}/*"), "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
        deny_insecure_transport("acme-security-cloudtrail")
    ]}));
    out.push(b);
    out
}

/// A UUID-shaped string derived from a seed (KMS key ids, client tokens).
pub fn uuidish(seed: &str) -> String {
    let h = hex_tag(seed, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Extra knobs of the few instances that show rarely used columns.
#[derive(Default, Clone)]
struct Special {
    public_ip: Option<String>,
    imds_v1: bool,
    stopped: bool,
    windows: bool,
    spot: bool,
    paravirtual: bool,
    outpost: bool,
    partition_group: bool,
    ipv6: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn instance_row(
    epoch: DateTime<Utc>,
    account: usize,
    region: &'static str,
    name: &str,
    vpc: &str,
    subnet: &str,
    sg: (&str, &str),
    profile: Option<(String, String)>,
    launched_days: i64,
    ip_host: u32,
    instance_type: &str,
    s: &Special,
) -> Row {
    let acct = ACCOUNTS[account].id;
    let id = ec2_id("i", &format!("{acct}/{region}/{name}"));
    let arn = format!("arn:aws:ec2:{region}:{acct}:instance/{id}");
    let az = format!(
        "{region}{}",
        if ip_host.is_multiple_of(2) { "a" } else { "b" }
    );
    let private_ip = format!(
        "10.{}.{}.{}",
        10 + account * 10 + usize::from(region == "eu-west-1"),
        (ip_host / 250) % 250,
        ip_host % 250 + 4
    );
    let dns_suffix = if region == "us-east-1" {
        "ec2.internal".to_string()
    } else {
        format!("{region}.compute.internal")
    };
    let private_dns = format!("ip-{}.{dns_suffix}", private_ip.replace('.', "-"));
    let public_dns = s
        .public_ip
        .as_ref()
        .map(|ip| {
            let zone = if region == "us-east-1" {
                "compute-1".to_string()
            } else {
                format!("{region}.compute")
            };
            format!("ec2-{}.{zone}.amazonaws.com", ip.replace('.', "-"))
        })
        .unwrap_or_default();
    let launch = ts(epoch, days(launched_days));
    let (state, code) = if s.stopped {
        ("stopped", 80)
    } else {
        ("running", 16)
    };
    let stop_time = ts(epoch, days(launched_days / 3));
    let eni = ec2_id("eni", &id);
    let volume = ec2_id("vol", &id);
    let metadata = json!({
        "HttpEndpoint": "enabled",
        "HttpProtocolIpv6": "disabled",
        "HttpPutResponseHopLimit": if s.imds_v1 { 1 } else { 2 },
        "HttpTokens": if s.imds_v1 { "optional" } else { "required" },
        "InstanceMetadataTags": "disabled",
        "State": "applied"
    });
    let groups = json!([{"GroupId": sg.0, "GroupName": sg.1}]);
    let association = s
        .public_ip
        .as_ref()
        .map(|ip| json!({"IpOwnerId": "amazon", "PublicDnsName": public_dns, "PublicIp": ip}));
    let image = ec2_id(
        "ami",
        if s.windows {
            "windows-2019"
        } else if s.paravirtual {
            "amzn-pv"
        } else {
            "al2023"
        },
    );
    let mut row = obj(json!({
        "instance_id": id,
        "arn": arn,
        "instance_type": instance_type,
        "instance_state": state,
        "monitoring_state": if ip_host.is_multiple_of(4) { "enabled" } else { "disabled" },
        "disable_api_termination": ip_host.is_multiple_of(5),
        "ami_launch_index": 0,
        "architecture": if instance_type.split('.').next().is_some_and(|f| f.ends_with('g')) { "arm64" } else { "x86_64" },
    }));
    row.extend(obj(json!({
        "boot_mode": if s.windows { "uefi" } else if s.paravirtual { "legacy-bios" } else { "uefi-preferred" },
        "current_instance_boot_mode": if s.windows { "uefi" } else { "legacy-bios" },
        "ipv6_address": s.ipv6,
        "capacity_reservation_id": if s.outpost { Some(ec2_id("cr", &id)) } else { None },
        "capacity_reservation_specification": {"CapacityReservationPreference": "open"},
        "client_token": if ip_host.is_multiple_of(3) { Some(uuidish(&id)) } else { None },
        "cpu_options_core_count": 1 + (ip_host % 4) as i64,
        "cpu_options_threads_per_core": 2,
    })));
    row.extend(obj(json!({
        "ebs_optimized": !s.paravirtual,
        "ena_support": !s.paravirtual,
        "hypervisor": "xen",
        "iam_instance_profile_arn": profile.as_ref().map(|p| p.0.clone()),
        "iam_instance_profile_id": profile.as_ref().map(|p| p.1.clone()),
        "image_id": image,
        "instance_initiated_shutdown_behavior": "stop",
        "instance_lifecycle": if s.spot { Some("spot") } else { None },
    })));
    row.extend(obj(json!({
        "kernel_id": if s.paravirtual { Some(ec2_id("aki", region)) } else { None },
        "key_name": if s.windows { "ops-windows-2022" } else { "ops-2023" },
        "launch_time": launch,
        "outpost_arn": if s.outpost { Some(format!("arn:aws:outposts:{region}:{acct}:outpost/{}", ec2_id("op", acct))) } else { None },
        "placement_affinity": if s.outpost { Some("host") } else { None },
        "placement_availability_zone": az,
        "placement_group_id": if s.partition_group { Some(ec2_id("pg", &id)) } else { None },
        "placement_group_name": if s.partition_group { Some("hpc-partitions") } else { None },
    })));
    row.extend(obj(json!({
        "placement_host_id": if s.outpost { Some(ec2_id("h", &id)) } else { None },
        "placement_host_resource_group_arn": if s.outpost { Some(format!("arn:aws:resource-groups:{region}:{acct}:group/edge-hosts")) } else { None },
        "placement_partition_number": if s.partition_group { Some(2) } else { None },
        "placement_tenancy": if s.outpost { "host" } else { "default" },
        "platform": if s.windows { Some("windows") } else { None },
        "platform_details": if s.windows { "Windows" } else { "Linux/UNIX" },
        "private_ip_address": private_ip,
        "private_dns_name": private_dns,
    })));
    row.extend(obj(json!({
        "public_dns_name": public_dns,
        "public_ip_address": s.public_ip,
    })));
    row.extend(obj(json!({
        "ram_disk_id": if s.paravirtual { Some(ec2_id("ari", region)) } else { None },
        "root_device_name": if s.paravirtual { "/dev/sda1" } else { "/dev/xvda" },
        "root_device_type": "ebs",
        "source_dest_check": true,
        "spot_instance_request_id": if s.spot { Some(ec2_id("sir", &id)) } else { None },
        "sriov_net_support": "simple",
        "state_code": code,
        "state_transition_reason": if s.stopped { format!("User initiated ({} GMT)", stop_time.replace('T', " ").trim_end_matches('Z')) } else { String::new() },
    })));
    row.extend(obj(json!({
        "state_transition_time": if s.stopped { Some(stop_time.clone()) } else { None },
        "subnet_id": subnet,
        "tpm_support": if s.windows { Some("v2.0") } else { None },
        "usage_operation": if s.windows { "RunInstances:0002" } else { "RunInstances" },
        "usage_operation_update_time": launch,
        "user_data": if ip_host.is_multiple_of(2) { Some(format!("#!/bin/bash\nyum update -y\n/opt/app/bin/start --service {name}\n")) } else { None },
        "virtualization_type": if s.paravirtual { "paravirtual" } else { "hvm" },
        "vpc_id": vpc,
    })));
    row.extend(obj(json!({
        "block_device_mappings": [{"DeviceName": if s.paravirtual { "/dev/sda1" } else { "/dev/xvda" }, "Ebs": {"AttachTime": launch, "DeleteOnTermination": true, "Status": "attached", "VolumeId": volume}}],
        "elastic_gpu_associations": if s.windows { Some(json!([{"ElasticGpuAssociationId": ec2_id("egpu-assoc", &id), "ElasticGpuAssociationState": "ASSOCIATED", "ElasticGpuAssociationTime": launch, "ElasticGpuId": ec2_id("egpu", &id)}])) } else { None },
        "elastic_inference_accelerator_associations": if s.outpost { Some(json!([{"ElasticInferenceAcceleratorArn": format!("arn:aws:elastic-inference:{region}:{acct}:elastic-inference-accelerator/{}", ec2_id("eia", &id)), "ElasticInferenceAcceleratorAssociationId": ec2_id("eia-assoc", &id), "ElasticInferenceAcceleratorAssociationState": "associated", "ElasticInferenceAcceleratorAssociationTime": launch}])) } else { None },
        "enclave_options": {"Enabled": false},
        "hibernation_options": {"Configured": false},
        "state_reason": if s.stopped { Some(json!({"Code": "Client.UserInitiatedShutdown", "Message": "Client.UserInitiatedShutdown: User initiated shutdown"})) } else { None },
        "launch_template_data": {
            "ImageId": image, "InstanceType": instance_type, "KeyName": if s.windows { "ops-windows-2022" } else { "ops-2023" },
            "MetadataOptions": {"HttpEndpoint": "enabled", "HttpTokens": if s.imds_v1 { "optional" } else { "required" }},
            "Monitoring": {"Enabled": ip_host.is_multiple_of(4)},
            "Placement": {"AvailabilityZone": az, "Tenancy": "default"},
            "NetworkInterfaces": [{"DeviceIndex": 0, "Groups": [sg.0], "SubnetId": subnet}]
        },
        "licenses": if s.windows { Some(json!([{"LicenseConfigurationArn": format!("arn:aws:license-manager:{region}:{acct}:license-configuration:lic-{}", hex_tag(&id, 32))}])) } else { None },
    })));
    row.extend(obj(json!({
        "maintenance_options": {"AutoRecovery": "default", "RebootMigration": "default"},
        "metadata_options": metadata,
        "network_interfaces": [{
            "Association": association,
            "Attachment": {"AttachTime": launch, "AttachmentId": ec2_id("eni-attach", &id), "DeleteOnTermination": true, "DeviceIndex": 0, "NetworkCardIndex": 0, "Status": "attached"},
            "Description": "",
            "Groups": groups,
            "InterfaceType": "interface",
            "Ipv6Addresses": s.ipv6.as_ref().map(|a| json!([{"Ipv6Address": a}])).unwrap_or_else(|| json!([])),
            "MacAddress": format!("0a:{}:{}:{}:{}:{}", &hex_tag(&id, 10)[0..2], &hex_tag(&id, 10)[2..4], &hex_tag(&id, 10)[4..6], &hex_tag(&id, 10)[6..8], &hex_tag(&id, 10)[8..10]),
            "NetworkInterfaceId": eni,
            "OwnerId": acct,
            "PrivateDnsName": private_dns,
            "PrivateIpAddress": private_ip,
            "SourceDestCheck": true,
            "Status": "in-use",
            "SubnetId": subnet,
            "VpcId": vpc
        }],
        "private_dns_name_options": {"EnableResourceNameDnsAAAARecord": false, "EnableResourceNameDnsARecord": false, "HostnameType": "ip-name"},
        "product_codes": if s.windows { Some(json!([{"ProductCodeId": "8fqhzqz3g0a6b6kxl3z6pnk4a", "ProductCodeType": "marketplace"}])) } else { None },
        "security_groups": groups,
        "instance_status": if s.stopped { None } else { Some(json!({
            "AvailabilityZone": az, "InstanceId": id, "InstanceState": {"Code": 16, "Name": "running"},
            "InstanceStatus": {"Details": [{"Name": "reachability", "Status": "passed"}], "Status": "ok"},
            "SystemStatus": {"Details": [{"Name": "reachability", "Status": "passed"}], "Status": "ok"}
        })) },
    })));
    put_tags(
        &mut row,
        &[("Name", name), ("Environment", ACCOUNTS[account].env)],
    );
    put_common(&mut row, name, &arn, region, acct);
    row
}

impl Infra {
    /// Build every bucket, network and instance of `org`.
    pub fn build(org: &Org, rng: &mut StdRng, epoch: DateTime<Utc>) -> Infra {
        let mut out = Infra::default();
        let mut ctx = Ctx { out: &mut out };

        // Networks: a default VPC and a main VPC per account and region.
        let mut networks: Vec<Network> = Vec::new();
        for account in [PROD, DEV, SEC] {
            for (r, &region) in REGIONS.iter().enumerate() {
                let default_vpc = ctx.vpc(account, region, "172.31.0.0/16", true, None, None);
                let cidr = format!("10.{}.0.0/16", 10 + account * 10 + r);
                let name = format!("{}-{}-main", ACCOUNTS[account].env, region);
                let ipv6 = (account == PROD && r == 0).then_some("2600:1f18:4a3:6e00::/56");
                let main = ctx.vpc(account, region, &cidr, false, Some(&name), ipv6);
                // The default VPC's default group keeps AWS's rules everywhere; the
                // main VPC's default group was emptied only in the security account.
                ctx.security_group(
                    account,
                    region,
                    &default_vpc,
                    "default",
                    "default VPC security group",
                    default_rules(),
                    &[],
                );
                let main_default_rules = if account == SEC {
                    Vec::new()
                } else {
                    default_rules()
                };
                ctx.security_group(
                    account,
                    region,
                    &main,
                    "default",
                    "default VPC security group",
                    main_default_rules,
                    &[],
                );
                let subnets = [
                    ec2_id("subnet", &format!("{main}/a")),
                    ec2_id("subnet", &format!("{main}/b")),
                ];
                ctx.out.vpc_refs.push(VpcRef {
                    account,
                    region,
                    vpc_id: default_vpc.clone(),
                    is_default: true,
                    ipv6: None,
                    subnets: [
                        ec2_id("subnet", &format!("{default_vpc}/a")),
                        ec2_id("subnet", &format!("{default_vpc}/b")),
                    ],
                    db_group: None,
                });
                ctx.out.vpc_refs.push(VpcRef {
                    account,
                    region,
                    vpc_id: main.clone(),
                    is_default: false,
                    ipv6,
                    subnets: subnets.clone(),
                    db_group: None,
                });
                networks.push(Network {
                    account,
                    region,
                    main_vpc: main,
                    subnets,
                });
            }
        }
        let net = |account: usize, region: &str| {
            networks
                .iter()
                .find(|n| n.account == account && n.region == region)
        };

        // Named groups per main VPC, plus the planted open ones.
        let scanner_vpc = net(SEC, "us-east-1")
            .map(|n| n.main_vpc.clone())
            .unwrap_or_default();
        let scanner_sg = ec2_id("sg", &format!("{}/{scanner_vpc}/scanner", ACCOUNTS[SEC].id));
        for n in &networks {
            let web = ctx.security_group(
                n.account,
                n.region,
                &n.main_vpc,
                "web-alb",
                "Public load balancers",
                vec![
                    ingress(
                        "tcp",
                        Some((443, 443)),
                        Peer::V4("0.0.0.0/0"),
                        Some("HTTPS from anywhere"),
                    ),
                    ingress(
                        "tcp",
                        Some((80, 80)),
                        Peer::V4("0.0.0.0/0"),
                        Some("HTTP redirect"),
                    ),
                    all_egress(),
                ],
                &[("Tier", "web")],
            );
            let mut app_rules = vec![ingress(
                "tcp",
                Some((8080, 8080)),
                Peer::Group(web.clone()),
                Some("From the load balancers"),
            )];
            if n.account == PROD && n.region == "us-east-1" {
                app_rules.push(ingress(
                    "tcp",
                    Some((443, 443)),
                    Peer::Peered {
                        group: scanner_sg.clone(),
                        owner: ACCOUNTS[SEC].id,
                        vpc: scanner_vpc.clone(),
                        pcx: ec2_id("pcx", "prod-security"),
                    },
                    Some("Security scanner over peering"),
                ));
            }
            app_rules.push(Rule {
                egress: true,
                protocol: "tcp",
                ports: Some((443, 443)),
                peer: Peer::PrefixList("pl-63a5400a"),
                description: Some("S3 gateway endpoint"),
            });
            app_rules.push(all_egress());
            let app = ctx.security_group(
                n.account,
                n.region,
                &n.main_vpc,
                "app",
                "Application tier",
                app_rules,
                &[("Tier", "app")],
            );
            let db = ctx.security_group(
                n.account,
                n.region,
                &n.main_vpc,
                "db",
                "Databases",
                vec![ingress(
                    "tcp",
                    Some((5432, 5432)),
                    Peer::Group(app),
                    Some("PostgreSQL from the app tier"),
                )],
                &[("Tier", "db")],
            );
            if let Some(v) = ctx.out.vpc_refs.iter_mut().find(|v| v.vpc_id == n.main_vpc) {
                v.db_group = Some(db);
            }
            if n.account == SEC && n.region == "us-east-1" {
                ctx.security_group(
                    n.account,
                    n.region,
                    &n.main_vpc,
                    "scanner",
                    "Posture scanner",
                    vec![all_egress()],
                    &[],
                );
            }
        }
        let prod_east = net(PROD, "us-east-1");
        let dev_west = net(DEV, "eu-west-1");
        let dev_east = net(DEV, "us-east-1");
        let planted_sg = |ctx: &mut Ctx,
                          n: Option<&Network>,
                          name: &str,
                          desc: &str,
                          rules: Vec<Rule>|
         -> String {
            match n {
                Some(n) => ctx.security_group(
                    n.account,
                    n.region,
                    &n.main_vpc,
                    name,
                    desc,
                    rules,
                    &[("Planted", "cis")],
                ),
                None => String::new(),
            }
        };
        let ssh_open = planted_sg(
            &mut ctx,
            prod_east,
            "bastion-ssh-open",
            "Bastion SSH",
            vec![
                ingress(
                    "tcp",
                    Some((22, 22)),
                    Peer::V4("0.0.0.0/0"),
                    Some("SSH from anywhere (temporary)"),
                ),
                ingress("tcp", Some((22, 22)), Peer::V6("::/0"), None),
                all_egress(),
            ],
        );
        let rdp_open = planted_sg(
            &mut ctx,
            dev_west,
            "legacy-rdp-open",
            "Windows jump host",
            vec![
                ingress(
                    "tcp",
                    Some((3389, 3389)),
                    Peer::V4("0.0.0.0/0"),
                    Some("RDP"),
                ),
                all_egress(),
            ],
        );
        planted_sg(
            &mut ctx,
            dev_east,
            "debug-all-open",
            "Opened while debugging, never closed",
            vec![
                ingress("-1", None, Peer::V4("0.0.0.0/0"), None),
                all_egress(),
            ],
        );

        // One application group per team, in the team's main VPC.
        let mut team_sg: Vec<(String, String)> = Vec::with_capacity(org.teams.len());
        for (t, team) in org.teams.iter().enumerate() {
            let region = REGIONS[t % 2];
            let name = format!("team-{}-app", team.name);
            let id = match net(team.account, region) {
                Some(n) => ctx.security_group(
                    n.account,
                    n.region,
                    &n.main_vpc,
                    &name,
                    &format!("{} services", team.name),
                    vec![
                        ingress(
                            "tcp",
                            Some((8443, 8443)),
                            Peer::V4("10.0.0.0/8"),
                            Some("Internal HTTPS"),
                        ),
                        all_egress(),
                    ],
                    &[("Team", &team.name)],
                ),
                None => String::new(),
            };
            team_sg.push((id, name));
        }

        // Buckets.
        let planted = planted_buckets();
        let mut buckets: Vec<Bucket> = planted;
        for (t, team) in org.teams.iter().enumerate() {
            let name = format!(
                "acme-{}-data-{}",
                team.name,
                hex_tag(&format!("{}/{}", ACCOUNTS[team.account].id, team.name), 6)
            );
            let mut b = Bucket::new(
                team.account,
                REGIONS[t % 2],
                &name,
                rng.random_range(30..1800),
            );
            b.versioning = rng.random_bool(0.5);
            b.block_public = rng.random_bool(0.85);
            if rng.random_bool(0.1) {
                b.encryption = Some(sse(Some(&format!(
                    "arn:aws:kms:{}:{}:key/{}",
                    REGIONS[t % 2],
                    ACCOUNTS[team.account].id,
                    uuidish(&name)
                ))));
            }
            if rng.random_bool(0.4) {
                b.logging = Some(
                    json!({"TargetBucket": "acme-prod-access-logs", "TargetGrants": [], "TargetPrefix": format!("{name}/")}),
                );
            }
            if rng.random_bool(0.3) {
                b.policy = Some(
                    json!({"Version": "2012-10-17", "Statement": [deny_insecure_transport(&name)]}),
                );
            }
            if rng.random_bool(0.3) {
                b.lifecycle = Some(
                    json!([{"Filter": {"Prefix": "tmp/"}, "ID": "expire-tmp", "Status": "Enabled", "Expiration": {"Days": 30}}]),
                );
            }
            b.tags = vec![("Team".into(), team.name.clone())];
            buckets.push(b);
        }
        for b in buckets {
            ctx.out.buckets.push(b.into_row(epoch));
        }

        // Instances: the planted ones, then a few per hundred principals.
        let profile_of = |role: usize| -> (String, String) {
            let r = &org.roles[role];
            let arn = r.instance_profile_arn();
            let id = iam_id("AIPA", &arn);
            (arn, id)
        };
        let find_role = |account: usize, name: &str| {
            org.roles
                .iter()
                .position(|r| r.account == account && r.name == name)
        };
        let first_team_sg = team_sg.first().map(|s| s.0.clone()).unwrap_or_default();
        let second_team_sg = team_sg.get(1).map(|s| s.0.clone()).unwrap_or_default();
        let mut host = 10u32;
        let mut push = |ctx: &mut Ctx,
                        account: usize,
                        region: &'static str,
                        name: &str,
                        sg: (&str, &str),
                        profile: Option<(String, String)>,
                        launched: i64,
                        ty: &str,
                        s: Special| {
            if let Some(n) = net(account, region) {
                host += 1;
                let subnet = &n.subnets[(host % 2) as usize];
                let row = instance_row(
                    epoch,
                    account,
                    region,
                    name,
                    &n.main_vpc,
                    subnet,
                    sg,
                    profile,
                    launched,
                    host,
                    ty,
                    &s,
                );
                ctx.out.instances.push(row);
            }
        };
        push(
            &mut ctx,
            PROD,
            "us-east-1",
            "bastion-prod",
            (ssh_open.as_str(), "bastion-ssh-open"),
            find_role(PROD, "bastion-ssm").map(profile_of),
            800,
            "t3.micro",
            Special {
                public_ip: Some("54.210.17.33".into()),
                imds_v1: true,
                ..Special::default()
            },
        );
        push(
            &mut ctx,
            DEV,
            "eu-west-1",
            "legacy-windows-jump",
            (rdp_open.as_str(), "legacy-rdp-open"),
            None,
            1300,
            "m5.large",
            Special {
                public_ip: Some("34.245.88.12".into()),
                imds_v1: true,
                windows: true,
                ..Special::default()
            },
        );
        push(
            &mut ctx,
            SEC,
            "us-east-1",
            "ci-runner-01",
            (scanner_sg.as_str(), "scanner"),
            find_role(SEC, "ci-runner").map(profile_of),
            20,
            "c6g.large",
            Special {
                spot: true,
                ..Special::default()
            },
        );
        push(
            &mut ctx,
            PROD,
            "eu-west-1",
            "legacy-pv-batch",
            (first_team_sg.as_str(), "team-app"),
            None,
            2600,
            "m1.large",
            Special {
                paravirtual: true,
                stopped: true,
                ..Special::default()
            },
        );
        push(
            &mut ctx,
            PROD,
            "us-east-1",
            "outpost-edge-01",
            (ssh_open.as_str(), "bastion-ssh-open"),
            None,
            400,
            "m5.xlarge",
            Special {
                outpost: true,
                ..Special::default()
            },
        );
        push(
            &mut ctx,
            DEV,
            "us-east-1",
            "hpc-node-1",
            (second_team_sg.as_str(), "team-app"),
            None,
            90,
            "c5n.18xlarge",
            Special {
                partition_group: true,
                ipv6: Some("2600:1f18:4a3:6e01::1f".into()),
                ..Special::default()
            },
        );
        let ordinary = 6 + org.principal_count() / 100;
        let types = [
            "t3.medium",
            "m6i.large",
            "c6g.xlarge",
            "r6i.large",
            "t4g.small",
            "m5.large",
        ];
        for i in 0..ordinary {
            if org.teams.is_empty() {
                break;
            }
            let t = rng.random_range(0..org.teams.len());
            let team = &org.teams[t];
            let region = REGIONS[t % 2];
            let s = Special {
                public_ip: rng.random_bool(0.05).then(|| {
                    format!(
                        "3.{}.{}.{}",
                        rng.random_range(80..95),
                        rng.random_range(0..255),
                        rng.random_range(1..255)
                    )
                }),
                imds_v1: rng.random_bool(0.12),
                stopped: rng.random_bool(0.15),
                ..Special::default()
            };
            let profile = team.instance_role.map(profile_of);
            let name = format!(
                "{}-{}-{:03}",
                team.name,
                ["api", "worker", "batch"][i % 3],
                i
            );
            let ty = types[rng.random_range(0..types.len())];
            let launched = rng.random_range(1..900);
            let (sg_id, sg_name) = &team_sg[t];
            push(
                &mut ctx,
                team.account,
                region,
                &name,
                (sg_id.as_str(), sg_name.as_str()),
                profile,
                launched,
                ty,
                s,
            );
        }
        out
    }
}
