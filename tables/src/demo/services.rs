//! The regional services of the demo organisation that the CIS AWS Foundations
//! storage, logging, monitoring and networking controls read: IAM server certificates,
//! Access Analyzer, EBS default encryption, network ACLs, flow logs, CloudTrail,
//! Config, KMS, CloudWatch alarms and metric filters, SNS subscriptions, RDS, EFS and
//! Security Hub.
//!
//! Everything here is per account, region or VPC and fixed: it does not grow with the
//! number of principals and draws nothing from the random stream, so adding it changed
//! no other row. The planted misconfigurations are listed in `README.md`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::infra::{VpcRef, uuidish};
use super::model::{ACCOUNTS, DEV, PROD, SEC};
use super::org::REGIONS;
use super::util::{days, ec2_id, hex_tag, iam_id, obj, policy_std, put_common, put_tags, ts};
use crate::framework::Row;

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

/// The CIS 4.x log metric filters: control, filter and metric name, and the filter
/// pattern the benchmark gives (4.10 also lists ModifySecurityGroupRules).
pub const CIS_METRIC_FILTERS: [(&str, &str, &str, &str); 15] = [
    (
        "4.1",
        "cis-unauthorized-api-calls",
        "UnauthorizedAPICalls",
        r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#,
    ),
    (
        "4.2",
        "cis-console-signin-without-mfa",
        "ConsoleSigninWithoutMFA",
        r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
    ),
    (
        "4.3",
        "cis-root-account-usage",
        "RootAccountUsage",
        r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
    ),
    (
        "4.4",
        "cis-iam-policy-changes",
        "IAMPolicyChanges",
        "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
    ),
    (
        "4.5",
        "cis-cloudtrail-changes",
        "CloudTrailChanges",
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    ),
    (
        "4.6",
        "cis-console-signin-failures",
        "ConsoleSigninFailures",
        r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
    ),
    (
        "4.7",
        "cis-disable-or-delete-cmk",
        "DisableOrDeleteCMK",
        "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
    ),
    (
        "4.8",
        "cis-s3-bucket-policy-changes",
        "S3BucketPolicyChanges",
        "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
    ),
    (
        "4.9",
        "cis-aws-config-changes",
        "AWSConfigChanges",
        "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
    ),
    (
        "4.10",
        "cis-security-group-changes",
        "SecurityGroupChanges",
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }",
    ),
    (
        "4.11",
        "cis-nacl-changes",
        "NACLChanges",
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    ),
    (
        "4.12",
        "cis-network-gateway-changes",
        "NetworkGatewayChanges",
        "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
    ),
    (
        "4.13",
        "cis-route-table-changes",
        "RouteTableChanges",
        "{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }",
    ),
    (
        "4.14",
        "cis-vpc-changes",
        "VPCChanges",
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
    ),
    (
        "4.15",
        "cis-organizations-changes",
        "OrganizationsChanges",
        r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#,
    ),
];

/// The 4.1 pattern of CIS v1.2, without the delivery.logs and HeadBucket exclusions:
/// prod still uses it, so its 4.1 chain exists but does not match v3.0.0.
const OUTDATED_UNAUTHORIZED_PATTERN: &str =
    r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#;

fn acct(account: usize) -> &'static str {
    ACCOUNTS[account].id
}

/// Rows of the service tables, keyed by table name.
struct Out {
    epoch: DateTime<Utc>,
    rows: HashMap<&'static str, Vec<Row>>,
}

impl Out {
    fn push(&mut self, table: &'static str, row: Row) {
        self.rows.entry(table).or_default().push(row);
    }

    fn t(&self, seconds_ago: i64) -> String {
        ts(self.epoch, seconds_ago)
    }
}

/// `tags_src` in KMS's shape (`TagKey`/`TagValue`) and `tags`.
fn kms_tags(row: &mut Row, pairs: &[(&str, &str)]) {
    let (t, _) = super::util::tags(pairs);
    let src: Vec<Value> = pairs
        .iter()
        .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
        .collect();
    row.insert("tags".into(), t);
    row.insert("tags_src".into(), Value::Array(src));
}

/// Build the rows of every service table.
pub fn build(vpcs: &[VpcRef], epoch: DateTime<Utc>) -> HashMap<&'static str, Vec<Row>> {
    let mut out = Out {
        epoch,
        rows: HashMap::new(),
    };
    server_certificates(&mut out);
    access_analyzers(&mut out);
    ec2_regional_settings(&mut out);
    network_acls(&mut out, vpcs);
    flow_logs(&mut out, vpcs);
    trails(&mut out);
    config_recorders(&mut out);
    kms_keys(&mut out);
    monitoring(&mut out);
    rds_instances(&mut out, vpcs);
    efs_file_systems(&mut out);
    security_hubs(&mut out);
    out.rows
}

// ---------------------------------------------------------------- IAM server certificates

/// Server certificates: (account, name, path, uploaded days ago, expires days ago; a
/// negative age is in the future). The first expired 200 days before the epoch (CIS 1.19).
const SERVER_CERTIFICATES: [(usize, &str, &str, i64, i64); 3] = [
    (PROD, "acme-legacy-api-2019", "/", 2_400, 200),
    (PROD, "www-acme-example-2025", "/cloudfront/", 300, -1_500),
    (DEV, "dev-internal-wildcard", "/", 100, -1_800),
];

/// Number of IAM server certificates of an account (for the account summary).
pub fn server_certificate_count(account: usize) -> usize {
    SERVER_CERTIFICATES
        .iter()
        .filter(|c| c.0 == account)
        .count()
}

fn server_certificates(out: &mut Out) {
    for (account, name, path, uploaded, expires) in SERVER_CERTIFICATES {
        let a = acct(account);
        let arn = format!("arn:aws:iam::{a}:server-certificate{path}{name}");
        let mut row = obj(json!({
            "name": name,
            "arn": arn,
            "server_certificate_id": iam_id("ASCA", &arn),
            "path": path,
            "upload_date": out.t(days(uploaded)),
            "expiration": out.t(days(expires)),
        }));
        put_common(&mut row, name, &arn, "global", a);
        out.push("aws_iam_server_certificate", row);
    }
}

// ---------------------------------------------------------------- Access Analyzer

fn access_analyzers(out: &mut Out) {
    // (account, region, name, type, status, status reason)
    type Analyzer = (
        usize,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
    );
    let analyzers: [Analyzer; 6] = [
        (PROD, EAST, "acme-prod-account", "ACCOUNT", "ACTIVE", None),
        // Prod eu-west-1 has none (CIS 1.20).
        (DEV, EAST, "ConsoleAnalyzer-dev", "ACCOUNT", "ACTIVE", None),
        // Dev's eu-west-1 analyzer stopped when trusted access was turned off (CIS 1.20).
        (
            DEV,
            WEST,
            "dev-eu-analyzer",
            "ACCOUNT",
            "DISABLED",
            Some("AWS_SERVICE_ACCESS_DISABLED"),
        ),
        (
            SEC,
            EAST,
            "acme-organization",
            "ORGANIZATION",
            "ACTIVE",
            None,
        ),
        (
            SEC,
            WEST,
            "acme-organization",
            "ORGANIZATION",
            "ACTIVE",
            None,
        ),
        (
            SEC,
            EAST,
            "acme-unused-access",
            "ORGANIZATION_UNUSED_ACCESS",
            "ACTIVE",
            None,
        ),
    ];
    for (account, region, name, kind, status, reason) in analyzers {
        let a = acct(account);
        let arn = format!("arn:aws:access-analyzer:{region}:{a}:analyzer/{name}");
        let active = status == "ACTIVE";
        let last = active.then(|| match account {
            PROD => "arn:aws:s3:::acme-prod-partner-share".to_string(),
            DEV => format!("arn:aws:iam::{a}:role/xacct-dev-deployer"),
            _ => format!("arn:aws:iam::{}:role/xacct-trust-dev-root", acct(PROD)),
        });
        let mut row = obj(json!({
            "name": name,
            "arn": arn,
            "type": kind,
            "status": status,
            "created_at": out.t(days(700 - 100 * account as i64)),
            "last_resource_analyzed": last,
            "last_resource_analyzed_at": active.then(|| out.t(3_600 * (account as i64 + 1))),
            "status_reason": reason.map(|c| json!({"Code": c})),
            "tags": if account == SEC { json!({"Owner": "security"}) } else { json!({}) },
        }));
        put_common(&mut row, name, &arn, region, a);
        out.push("aws_accessanalyzer_analyzer", row);
    }
}

// ---------------------------------------------------------------- EBS default encryption

fn ec2_regional_settings(out: &mut Out) {
    for account in [PROD, DEV, SEC] {
        for region in REGIONS {
            let a = acct(account);
            // Dev us-east-1 never turned EBS encryption by default on (CIS 2.2.1).
            let enabled = !(account == DEV && region == EAST);
            let mut row = obj(json!({
                "default_ebs_encryption_enabled": enabled,
                "default_ebs_encryption_key": "alias/aws/ebs",
            }));
            put_common(
                &mut row,
                region,
                &format!("arn:aws::{region}:{a}"),
                region,
                a,
            );
            out.push("aws_ec2_regional_settings", row);
        }
    }
}

// ---------------------------------------------------------------- network ACLs

fn entry(egress: bool, number: i64, action: &str, protocol: &str, cidr: &str) -> Value {
    let mut e = json!({
        "Egress": egress,
        "Protocol": protocol,
        "RuleAction": action,
        "RuleNumber": number,
    });
    let key = if cidr.contains(':') {
        "Ipv6CidrBlock"
    } else {
        "CidrBlock"
    };
    e[key] = json!(cidr);
    e
}

fn tcp(egress: bool, number: i64, cidr: &str, from: i64, to: i64) -> Value {
    let mut e = entry(egress, number, "allow", "6", cidr);
    e["PortRange"] = json!({"From": from, "To": to});
    e
}

/// The two `*` rules every network ACL ends with.
fn deny_rest(entries: &mut Vec<Value>, ipv6: bool) {
    entries.push(entry(false, 32767, "deny", "-1", "0.0.0.0/0"));
    entries.push(entry(true, 32767, "deny", "-1", "0.0.0.0/0"));
    if ipv6 {
        entries.push(entry(false, 32768, "deny", "-1", "::/0"));
        entries.push(entry(true, 32768, "deny", "-1", "::/0"));
    }
}

fn network_acls(out: &mut Out, vpcs: &[VpcRef]) {
    for v in vpcs {
        let a = acct(v.account);
        let ipv6 = v.ipv6.is_some();
        // (name, default, entries, associated subnets, tags)
        type Acl<'a> = (
            String,
            bool,
            Vec<Value>,
            Vec<&'a String>,
            Vec<(&'a str, &'a str)>,
        );
        let mut acls: Vec<Acl<'_>> = Vec::new();
        if v.is_default {
            // Default VPCs keep AWS's default ACL: everything in and out (CIS 5.1).
            let mut entries = vec![
                entry(false, 100, "allow", "-1", "0.0.0.0/0"),
                entry(true, 100, "allow", "-1", "0.0.0.0/0"),
            ];
            deny_rest(&mut entries, false);
            acls.push((
                "default".into(),
                true,
                entries,
                v.subnets.iter().collect(),
                vec![],
            ));
        } else {
            // Main VPCs: the default ACL was tightened to web traffic, the VPC range and
            // return traffic on Linux ephemeral ports (which leave out 22 and 3389).
            let mut entries = vec![
                tcp(false, 100, "0.0.0.0/0", 443, 443),
                tcp(false, 110, "0.0.0.0/0", 80, 80),
                tcp(false, 120, "0.0.0.0/0", 32768, 65535),
                entry(false, 130, "allow", "-1", "10.0.0.0/8"),
                entry(true, 100, "allow", "-1", "0.0.0.0/0"),
            ];
            if let Some(_block) = v.ipv6 {
                entries.push(tcp(false, 101, "::/0", 443, 443));
                entries.push(entry(true, 101, "allow", "-1", "::/0"));
            }
            let mut tags = vec![];
            if v.account == DEV && v.region == WEST {
                // Opened for legacy-windows-jump and never closed (CIS 5.1).
                entries.push(tcp(false, 140, "0.0.0.0/0", 3389, 3389));
                tags.push(("Planted", "cis"));
            }
            deny_rest(&mut entries, ipv6);
            let assoc: Vec<&String> = if v.account == PROD && v.region == EAST {
                vec![&v.subnets[1]]
            } else {
                v.subnets.iter().collect()
            };
            acls.push(("default".into(), true, entries, assoc, tags));
            if v.account == PROD && v.region == EAST {
                // The bastion subnet's ACL lets SSH in from anywhere (CIS 5.1).
                let mut entries = vec![
                    tcp(false, 100, "0.0.0.0/0", 22, 22),
                    tcp(false, 101, "::/0", 22, 22),
                    tcp(false, 110, "0.0.0.0/0", 32768, 65535),
                    entry(true, 100, "allow", "-1", "0.0.0.0/0"),
                    entry(true, 101, "allow", "-1", "::/0"),
                ];
                deny_rest(&mut entries, true);
                acls.push((
                    "bastion-public".into(),
                    false,
                    entries,
                    vec![&v.subnets[0]],
                    vec![("Name", "bastion-public"), ("Planted", "cis")],
                ));
            }
        }
        for (name, is_default, entries, subnets, tags) in acls {
            let id = ec2_id("acl", &format!("{}/{name}", v.vpc_id));
            let arn = format!("arn:aws:ec2:{}:{a}:network-acl/{id}", v.region);
            let associations: Vec<Value> = subnets
                .iter()
                .map(|s| {
                    json!({
                        "NetworkAclAssociationId": ec2_id("aclassoc", &format!("{id}/{s}")),
                        "NetworkAclId": id,
                        "SubnetId": s,
                    })
                })
                .collect();
            let mut row = obj(json!({
                "network_acl_id": id,
                "arn": arn,
                "is_default": is_default,
                "vpc_id": v.vpc_id,
                "owner_id": a,
                "associations": associations,
                "entries": entries,
            }));
            put_tags(&mut row, &tags);
            let title = tags
                .iter()
                .find(|(k, _)| *k == "Name")
                .map(|(_, n)| n.to_string())
                .unwrap_or_else(|| id.clone());
            put_common(&mut row, &title, &arn, v.region, a);
            out.push("aws_vpc_network_acl", row);
        }
    }
}

// ---------------------------------------------------------------- flow logs

const FLOW_LOG_FORMAT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

fn flow_logs(out: &mut Out, vpcs: &[VpcRef]) {
    for v in vpcs {
        let a = acct(v.account);
        let region = v.region;
        // The security account logs every VPC to the central archive; prod and dev log
        // their main VPCs to CloudWatch Logs except dev eu-west-1 (CIS 3.7). Default
        // VPCs of prod and dev have none.
        let mut logs: Vec<(String, &str, Option<&str>)> = Vec::new();
        if v.account == SEC {
            logs.push((v.vpc_id.clone(), "ALL", None));
        } else if !v.is_default {
            if v.account == DEV && region == WEST {
                // Only rejected traffic of one subnet: not a VPC flow log.
                logs.push((v.subnets[0].clone(), "REJECT", None));
            } else if v.account == DEV {
                logs.push((v.vpc_id.clone(), "ALL", Some("Access error")));
            } else {
                logs.push((v.vpc_id.clone(), "ALL", None));
            }
        }
        for (resource, traffic, error) in logs {
            let id = ec2_id("fl", &format!("{a}/{resource}"));
            let (dest_type, dest, group, role) = if v.account == SEC {
                (
                    "s3",
                    "arn:aws:s3:::acme-log-archive-flow-logs/security/".to_string(),
                    None,
                    None,
                )
            } else {
                let group = format!("/vpc/flow-logs/{}-{region}", ACCOUNTS[v.account].env);
                (
                    "cloud-watch-logs",
                    format!("arn:aws:logs:{region}:{a}:log-group:{group}"),
                    Some(group),
                    Some(format!("arn:aws:iam::{a}:role/vpc-flow-logs-delivery")),
                )
            };
            let mut row = obj(json!({
                "flow_log_id": id,
                "creation_time": out.t(days(400 + 30 * v.account as i64)),
                "deliver_logs_error_message": error,
                "deliver_logs_permission_arn": role,
                "deliver_logs_status": if error.is_some() { "FAILED" } else { "SUCCESS" },
                "flow_log_status": "ACTIVE",
                "log_group_name": group,
                "resource_id": resource,
                "traffic_type": traffic,
                "log_destination_type": dest_type,
                "log_destination": dest,
                "log_format": FLOW_LOG_FORMAT,
                "max_aggregation_interval": if v.account == SEC { 60 } else { 600 },
            }));
            put_tags(&mut row, &[("Environment", ACCOUNTS[v.account].env)]);
            put_common(
                &mut row,
                &id,
                &format!("arn:aws:ec2:{region}:{a}:vpc-flow-log/{id}"),
                region,
                a,
            );
            out.push("aws_vpc_flow_log", row);
        }
    }
}

// ---------------------------------------------------------------- CloudTrail

struct Trail {
    account: usize,
    name: &'static str,
    home: &'static str,
    multi_region: bool,
    validation: bool,
    logging: bool,
    log_group: Option<&'static str>,
    kms_key: Option<String>,
    bucket: &'static str,
    prefix: Option<&'static str>,
    sns: Option<String>,
    selectors: Option<Value>,
    advanced: Option<Value>,
    insights: bool,
    cloudwatch_error: Option<&'static str>,
    delivery_error: Option<&'static str>,
    stopped_days: Option<i64>,
}

fn kms_arn(account: usize, region: &str, seed: &str) -> String {
    format!(
        "arn:aws:kms:{region}:{}:key/{}",
        acct(account),
        uuidish(seed)
    )
}

fn trail_specs() -> Vec<Trail> {
    vec![
        // Prod: multi-region, all management events, S3 object writes everywhere but
        // no object reads (CIS 3.9); the partial monitoring chain hangs off its group.
        Trail {
            account: PROD,
            name: "acme-prod-trail",
            home: EAST,
            multi_region: true,
            validation: true,
            logging: true,
            log_group: Some("aws-cloudtrail-logs-acme-prod"),
            kms_key: Some(kms_arn(PROD, EAST, "cloudtrail")),
            bucket: "acme-prod-cloudtrail",
            prefix: None,
            sns: Some(format!(
                "arn:aws:sns:{EAST}:{}:cloudtrail-delivery",
                acct(PROD)
            )),
            selectors: Some(json!([
                {"ReadWriteType": "All", "IncludeManagementEvents": true, "DataResources": [], "ExcludeManagementEventSources": []},
                {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": false, "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}], "ExcludeManagementEventSources": []}
            ])),
            advanced: None,
            insights: true,
            cloudwatch_error: None,
            delivery_error: None,
            stopped_days: None,
        },
        // Dev: write-only management events (CIS 3.1 and so 4.x), no validation (3.2),
        // no KMS key (3.5), a bucket without access logging (3.4), object writes of one
        // bucket only (3.8), no object reads (3.9).
        Trail {
            account: DEV,
            name: "acme-dev-trail",
            home: EAST,
            multi_region: true,
            validation: false,
            logging: true,
            log_group: Some("aws-cloudtrail-logs-acme-dev"),
            kms_key: None,
            bucket: "acme-dev-cloudtrail-logs",
            prefix: None,
            sns: None,
            selectors: Some(json!([
                {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": true, "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::acme-dev-terraform-state/"]}], "ExcludeManagementEventSources": []}
            ])),
            advanced: None,
            insights: false,
            cloudwatch_error: Some("AccessDeniedException"),
            delivery_error: None,
            stopped_days: None,
        },
        // A sandbox trail somebody stopped; its prefix is outside what the bucket
        // policy allows, so its last deliveries failed.
        Trail {
            account: DEV,
            name: "sandbox-eu-trail",
            home: WEST,
            multi_region: false,
            validation: false,
            logging: false,
            log_group: None,
            kms_key: None,
            bucket: "acme-dev-cloudtrail-logs",
            prefix: Some("sandbox"),
            sns: None,
            selectors: None,
            advanced: Some(json!([
                {"Name": "Management events selector", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
            ])),
            insights: false,
            cloudwatch_error: None,
            delivery_error: Some("AccessDenied"),
            stopped_days: Some(40),
        },
        // Security: the clean reference with the full CIS 4.x monitoring chain.
        Trail {
            account: SEC,
            name: "acme-security-trail",
            home: EAST,
            multi_region: true,
            validation: true,
            logging: true,
            log_group: Some("aws-cloudtrail-logs-acme-security"),
            kms_key: Some(kms_arn(SEC, EAST, "security-cloudtrail")),
            bucket: "acme-security-cloudtrail",
            prefix: Some("org"),
            sns: None,
            selectors: Some(json!([
                {"ReadWriteType": "All", "IncludeManagementEvents": true, "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}], "ExcludeManagementEventSources": []}
            ])),
            advanced: None,
            insights: false,
            cloudwatch_error: None,
            delivery_error: None,
            stopped_days: None,
        },
    ]
}

fn trails(out: &mut Out) {
    for t in trail_specs() {
        let a = acct(t.account);
        let arn = format!("arn:aws:cloudtrail:{}:{a}:trail/{}", t.home, t.name);
        // DescribeTrails with shadow trails lists a multi-region trail in every region.
        let regions: Vec<&str> = if t.multi_region {
            REGIONS.to_vec()
        } else {
            vec![t.home]
        };
        for region in regions {
            let mut row = obj(json!({
                "name": t.name,
                "arn": arn,
                "home_region": t.home,
                "is_multi_region_trail": t.multi_region,
                "log_file_validation_enabled": t.validation,
                "is_logging": t.logging,
                "log_group_arn": t.log_group.map(|g| format!("arn:aws:logs:{}:{a}:log-group:{g}:*", t.home)),
                "cloudwatch_logs_role_arn": t.log_group.map(|_| format!("arn:aws:iam::{a}:role/service-role/cloudtrail-to-cloudwatch-logs")),
                "has_custom_event_selectors": t.selectors.is_some() || t.advanced.is_some(),
                "has_insight_selectors": t.insights,
                "include_global_service_events": t.multi_region,
                "is_organization_trail": false,
                "kms_key_id": t.kms_key,
                "s3_bucket_name": t.bucket,
                "s3_key_prefix": t.prefix,
                "sns_topic_arn": t.sns,
                "latest_cloudwatch_logs_delivery_error": t.cloudwatch_error,
                "latest_cloudwatch_logs_delivery_time": t.log_group.map(|_| out.t(if t.cloudwatch_error.is_some() { days(12) } else { 240 })),
                "latest_delivery_error": t.delivery_error,
                "latest_delivery_time": out.t(t.stopped_days.map(days).unwrap_or(300)),
                "start_logging_time": out.t(days(900 + 100 * t.account as i64)),
                "stop_logging_time": t.stopped_days.map(|d| out.t(days(d))),
                "event_selectors": t.selectors,
                "advanced_event_selectors": t.advanced,
            }));
            let mut tags = vec![("Environment", ACCOUNTS[t.account].env)];
            if t.account == DEV {
                tags.push(("Planted", "cis"));
            }
            put_tags(&mut row, &tags);
            put_common(&mut row, t.name, &arn, region, a);
            out.push("aws_cloudtrail_trail", row);
        }
    }
}

// ---------------------------------------------------------------- Config

fn config_recorders(out: &mut Out) {
    for account in [PROD, DEV, SEC] {
        for region in REGIONS {
            // Dev never set Config up in eu-west-1 (CIS 3.3).
            if account == DEV && region == WEST {
                continue;
            }
            let a = acct(account);
            // Prod eu-west-1's recorder was stopped during a cost review (CIS 3.3).
            let recording = !(account == PROD && region == WEST);
            let started = out.t(days(800 - 50 * account as i64));
            let mut status = json!({
                "Name": "default",
                "LastStartTime": started,
                "Recording": recording,
                "LastStatus": "SUCCESS",
                "LastStatusChangeTime": out.t(900),
            });
            if !recording {
                status["LastStopTime"] = json!(out.t(days(61)));
                status["LastStatusChangeTime"] = json!(out.t(days(61)));
            }
            let arn = format!(
                "arn:aws:config:{region}:{a}:configuration-recorder/default/{}",
                hex_tag(&format!("{a}/{region}/recorder"), 16)
            );
            let mut row = obj(json!({
                "name": "default",
                "arn": arn,
                "recording_mode": {"RecordingFrequency": "CONTINUOUS", "RecordingModeOverrides": []},
                // Global resources (IAM) are recorded once, in us-east-1.
                "recording_group": {
                    "AllSupported": true,
                    "IncludeGlobalResourceTypes": region == EAST,
                    "ResourceTypes": [],
                    "ExclusionByResourceTypes": {"ResourceTypes": []},
                    "RecordingStrategy": {"UseOnly": "ALL_SUPPORTED_RESOURCE_TYPES"}
                },
                "role_arn": format!("arn:aws:iam::{a}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"),
                "status_recording": recording,
                "status": status,
            }));
            put_common(&mut row, "default", &arn, region, a);
            out.push("aws_config_configuration_recorder", row);
        }
    }
}

// ---------------------------------------------------------------- KMS

struct Key {
    account: usize,
    region: &'static str,
    seed: &'static str,
    alias: &'static str,
    description: &'static str,
    spec: &'static str,
    usage: &'static str,
    origin: &'static str,
    rotation: Option<bool>,
    pending_deletion: bool,
    multi_region: bool,
    created_days: i64,
}

impl Key {
    fn customer(
        account: usize,
        region: &'static str,
        seed: &'static str,
        alias: &'static str,
        description: &'static str,
        rotation: bool,
    ) -> Key {
        Key {
            account,
            region,
            seed,
            alias,
            description,
            spec: "SYMMETRIC_DEFAULT",
            usage: "ENCRYPT_DECRYPT",
            origin: "AWS_KMS",
            rotation: Some(rotation),
            pending_deletion: false,
            multi_region: false,
            created_days: 1_000,
        }
    }
}

fn customer_keys() -> Vec<Key> {
    let mut keys = vec![
        Key::customer(
            PROD,
            EAST,
            "cloudtrail",
            "alias/acme-prod-cloudtrail",
            "Encrypts the prod CloudTrail log files",
            true,
        ),
        Key::customer(
            PROD,
            EAST,
            "prod-rds",
            "alias/acme-prod-rds",
            "Encrypts the prod databases",
            true,
        ),
        // Rotation was never turned on (CIS 3.6).
        Key::customer(
            PROD,
            WEST,
            "legacy-exports",
            "alias/legacy-exports",
            "Partner export files (legacy)",
            false,
        ),
        Key::customer(
            DEV,
            EAST,
            "tfstate",
            "alias/terraform-state",
            "Encrypts the Terraform state bucket",
            true,
        ),
        Key::customer(
            SEC,
            EAST,
            "security-cloudtrail",
            "alias/acme-security-cloudtrail",
            "Encrypts the security account's CloudTrail log files",
            true,
        ),
        Key::customer(
            SEC,
            WEST,
            "replica",
            "alias/cloudtrail-replica",
            "Encrypts the replicated prod CloudTrail log files",
            true,
        ),
    ];
    // Imported key material: rotation does not apply (skip).
    let mut byok = Key::customer(
        PROD,
        EAST,
        "payments-byok",
        "alias/payments-tokenization",
        "Card tokenization, key material from the payments HSM",
        false,
    );
    byok.origin = "EXTERNAL";
    keys.push(byok);
    // Scheduled for deletion: skip.
    let mut scratch = Key::customer(
        DEV,
        WEST,
        "dev-scratch",
        "alias/dev-scratch",
        "Scratch key of a finished experiment",
        false,
    );
    scratch.pending_deletion = true;
    scratch.created_days = 200;
    keys.push(scratch);
    // Asymmetric signing key: no automatic rotation (skip).
    let mut signing = Key::customer(
        SEC,
        EAST,
        "release-signing",
        "alias/release-signing",
        "Signs release artifacts",
        false,
    );
    signing.spec = "RSA_2048";
    signing.usage = "SIGN_VERIFY";
    signing.rotation = None;
    signing.multi_region = true;
    keys.push(signing);
    keys
}

fn kms_keys(out: &mut Out) {
    let mut keys = customer_keys();
    let customer = keys.len();
    // AWS-managed keys of the services used, in every account and region.
    for account in [PROD, DEV, SEC] {
        for region in REGIONS {
            for (alias, what) in [
                ("alias/aws/s3", "S3 objects"),
                ("alias/aws/ebs", "EBS volumes"),
                ("alias/aws/rds", "RDS database"),
                ("alias/aws/elasticfilesystem", "EFS file systems"),
            ] {
                keys.push(Key {
                    account,
                    region,
                    seed: alias,
                    alias,
                    description: match what {
                        "S3 objects" => "Default key that protects my S3 objects when no other key is defined",
                        "EBS volumes" => "Default key that protects my EBS volumes when no other key is defined",
                        "EFS file systems" => "Default master key that protects my Amazon Elastic File System (EFS) filesystems when no other key is defined",
                        _ => "Default key that protects my RDS database volumes when no other key is defined",
                    },
                    spec: "SYMMETRIC_DEFAULT",
                    usage: "ENCRYPT_DECRYPT",
                    origin: "AWS_KMS",
                    rotation: Some(true),
                    pending_deletion: false,
                    multi_region: false,
                    created_days: 1_800,
                });
            }
        }
    }
    for (i, k) in keys.iter().enumerate() {
        let aws_managed = i >= customer;
        let a = acct(k.account);
        let id = if aws_managed {
            uuidish(&format!("{a}/{}/{}", k.region, k.seed))
        } else {
            uuidish(k.seed)
        };
        let id = if k.multi_region {
            format!("mrk-{}", id.replace('-', ""))
        } else {
            id
        };
        let arn = format!("arn:aws:kms:{}:{a}:key/{id}", k.region);
        let policy = if aws_managed {
            json!({"Version": "2012-10-17", "Id": "auto-key-policy", "Statement": [
                {"Sid": "Allow access through the service for all principals in the account that are authorized to use it",
                 "Effect": "Allow", "Principal": {"AWS": "*"},
                 "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                 "Resource": "*",
                 "Condition": {"StringEquals": {"kms:CallerAccount": a, "kms:ViaService": format!("{}.{}.amazonaws.com", match k.alias { "alias/aws/ebs" => "ec2", other => other.trim_start_matches("alias/aws/") }, k.region)}}},
                {"Sid": "Allow direct access to key metadata to the account", "Effect": "Allow",
                 "Principal": {"AWS": format!("arn:aws:iam::{a}:root")},
                 "Action": ["kms:Describe*", "kms:Get*", "kms:List*"], "Resource": "*"}
            ]})
        } else {
            json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [
                {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                 "Principal": {"AWS": format!("arn:aws:iam::{a}:root")},
                 "Action": "kms:*", "Resource": "*"}
            ]})
        };
        let state = if k.pending_deletion {
            "PendingDeletion"
        } else {
            "Enabled"
        };
        let created = out.t(days(k.created_days));
        let mut row = obj(json!({
            "id": id,
            "arn": arn,
            "key_manager": if aws_managed { "AWS" } else { "CUSTOMER" },
            "creation_date": created,
            "aws_account_id": a,
            "enabled": !k.pending_deletion,
            "customer_master_key_spec": k.spec,
            "description": k.description,
            "deletion_date": k.pending_deletion.then(|| out.t(-days(5))),
            "key_state": state,
            "key_usage": k.usage,
            "origin": k.origin,
            "valid_to": (k.origin == "EXTERNAL").then(|| out.t(-days(200))),
            "multi_region": k.multi_region,
            "aliases": [{
                "AliasArn": format!("arn:aws:kms:{}:{a}:{}", k.region, k.alias),
                "AliasName": k.alias,
                "TargetKeyId": id,
                "CreationDate": created,
                "LastUpdatedDate": created,
            }],
            "key_rotation_enabled": k.rotation,
            "policy_std": policy_std(&policy),
            "policy": policy,
        }));
        if aws_managed {
            kms_tags(&mut row, &[]);
        } else {
            kms_tags(
                &mut row,
                &[
                    ("Environment", ACCOUNTS[k.account].env),
                    ("ManagedBy", "terraform"),
                ],
            );
        }
        put_common(&mut row, &id, &arn, k.region, a);
        out.push("aws_kms_key", row);
    }
}

// ---------------------------------------------------------------- CloudWatch and SNS

struct Alarm {
    account: usize,
    region: &'static str,
    name: String,
    description: String,
    metric: String,
    namespace: &'static str,
    statistic: &'static str,
    threshold: f64,
    period: i64,
    unit: Option<&'static str>,
    dimensions: Value,
    topic: String,
    state: &'static str,
}

fn topic(account: usize, region: &str, name: &str) -> String {
    format!("arn:aws:sns:{region}:{}:{name}", acct(account))
}

fn cis_alarm(account: usize, filter: &(&str, &str, &str, &str), topic_arn: String) -> Alarm {
    Alarm {
        account,
        region: EAST,
        name: filter.1.to_string(),
        description: format!("CIS AWS Foundations {}: {}", filter.0, filter.2),
        metric: filter.2.to_string(),
        namespace: "CISBenchmark",
        statistic: "Sum",
        threshold: 1.0,
        period: 300,
        unit: None,
        dimensions: json!([]),
        topic: topic_arn,
        // Root use and failed sign-ins happened lately in prod; everything else is quiet.
        state: if account == PROD && (filter.0 == "4.3" || filter.0 == "4.6") {
            "ALARM"
        } else {
            "OK"
        },
    }
}

fn monitoring(out: &mut Out) {
    // (account, log group, filter index into CIS_METRIC_FILTERS, pattern override)
    let mut filters: Vec<(usize, &str, usize, Option<&str>)> = Vec::new();
    let mut alarms: Vec<Alarm> = Vec::new();

    // Security: the whole chain for every control.
    let sec_topic = topic(SEC, EAST, "cis-security-alarms");
    for (i, f) in CIS_METRIC_FILTERS.iter().enumerate() {
        filters.push((SEC, "aws-cloudtrail-logs-acme-security", i, None));
        alarms.push(cis_alarm(SEC, f, sec_topic.clone()));
    }
    // Prod: 4.1 with the outdated pattern, 4.2-4.6 complete, 4.7 alarming to a topic
    // nobody confirmed, 4.8 a filter without an alarm, nothing for 4.9-4.15.
    let prod_topic = topic(PROD, EAST, "cis-alarms");
    for (i, f) in CIS_METRIC_FILTERS.iter().enumerate().take(8) {
        let pattern = (i == 0).then_some(OUTDATED_UNAUTHORIZED_PATTERN);
        filters.push((PROD, "aws-cloudtrail-logs-acme-prod", i, pattern));
        match i {
            0..=5 => alarms.push(cis_alarm(PROD, f, prod_topic.clone())),
            6 => alarms.push(cis_alarm(PROD, f, topic(PROD, EAST, "kms-alerts"))),
            _ => {}
        }
    }
    // Dev: root-use alerting on a trail that records write events only.
    let f = &CIS_METRIC_FILTERS[2];
    filters.push((DEV, "aws-cloudtrail-logs-acme-dev", 2, None));
    alarms.push(cis_alarm(DEV, f, topic(DEV, EAST, "dev-alerts")));

    // Ordinary alarms: database CPU in every account and region with a database.
    for (account, region, db) in RDS_ALARMED {
        alarms.push(Alarm {
            account,
            region,
            name: format!("rds-{db}-cpu-high"),
            description: format!("CPU of {db} above 80% for 15 minutes"),
            metric: "CPUUtilization".into(),
            namespace: "AWS/RDS",
            statistic: "Average",
            threshold: 80.0,
            period: 300,
            unit: Some("Percent"),
            dimensions: json!([{"Name": "DBInstanceIdentifier", "Value": db}]),
            topic: topic(account, region, "ops-alerts"),
            state: if db == "legacy-reporting" {
                "ALARM"
            } else {
                "OK"
            },
        });
    }

    for (account, group, i, pattern) in filters {
        let a = acct(account);
        let (_, name, metric, cis_pattern) = CIS_METRIC_FILTERS[i];
        let arn = format!("arn:aws:logs:{EAST}:{a}:log-group:{group}:metric-filter:{name}");
        let mut row = obj(json!({
            "name": name,
            "log_group_name": group,
            "creation_time": out.t(days(500 - 100 * account as i64)),
            "filter_pattern": pattern.unwrap_or(cis_pattern),
            "metric_transformation_name": metric,
            "metric_transformation_namespace": "CISBenchmark",
            "metric_transformation_value": "1",
        }));
        put_common(&mut row, name, &arn, EAST, a);
        out.push("aws_cloudwatch_log_metric_filter", row);
    }

    for al in alarms {
        let a = acct(al.account);
        let arn = format!("arn:aws:cloudwatch:{}:{a}:alarm:{}", al.region, al.name);
        let reason = if al.state == "ALARM" {
            format!(
                "Threshold Crossed: 1 out of the last 1 datapoints [{:.1}] was greater than or equal to the threshold ({:.1}).",
                al.threshold * 2.0,
                al.threshold
            )
        } else {
            "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].".to_string()
        };
        let mut row = obj(json!({
            "name": al.name,
            "arn": arn,
            "state_value": al.state,
            "state_reason": reason,
            "state_updated_timestamp": out.t(if al.state == "ALARM" { days(2) } else { days(30) }),
            "actions_enabled": true,
            "alarm_description": al.description,
            "comparison_operator": if al.namespace == "CISBenchmark" { "GreaterThanOrEqualToThreshold" } else { "GreaterThanThreshold" },
            "evaluation_periods": if al.namespace == "CISBenchmark" { 1 } else { 3 },
            "datapoints_to_alarm": if al.namespace == "CISBenchmark" { 1 } else { 3 },
            "metric_name": al.metric,
            "namespace": al.namespace,
            "period": al.period,
            "statistic": al.statistic,
            "threshold": al.threshold,
            "treat_missing_data": if al.namespace == "CISBenchmark" { "notBreaching" } else { "missing" },
            "unit": al.unit,
            "alarm_actions": [al.topic],
            "ok_actions": if al.namespace == "CISBenchmark" { json!([]) } else { json!([al.topic]) },
            "insufficient_data_actions": [],
            "dimensions": al.dimensions,
        }));
        put_common(&mut row, &al.name, &arn, al.region, a);
        out.push("aws_cloudwatch_alarm", row);
    }

    // Subscriptions. kms-alerts has only an unconfirmed one (CIS 4.7 in prod).
    let mut subs: Vec<(usize, &str, &str, &str, &str, bool)> = vec![
        (
            SEC,
            EAST,
            "cis-security-alarms",
            "email",
            "secops@acme.example",
            true,
        ),
        (
            SEC,
            EAST,
            "cis-security-alarms",
            "https",
            "https://events.pagerduty.com/integration/acme-secops/enqueue",
            true,
        ),
        (
            PROD,
            EAST,
            "cis-alarms",
            "email",
            "cloud-ops@acme.example",
            true,
        ),
        (
            PROD,
            EAST,
            "kms-alerts",
            "email",
            "key-custodians@acme.example",
            false,
        ),
        (
            PROD,
            EAST,
            "cloudtrail-delivery",
            "sqs",
            "arn:aws:sqs:us-east-1:111111111111:cloudtrail-ingest",
            true,
        ),
        (
            DEV,
            EAST,
            "dev-alerts",
            "lambda",
            "arn:aws:lambda:us-east-1:222222222222:function:alerts-to-slack",
            true,
        ),
    ];
    for account in [PROD, DEV, SEC] {
        for region in REGIONS {
            subs.push((
                account,
                region,
                "ops-alerts",
                "email",
                "oncall@acme.example",
                true,
            ));
        }
    }
    for (account, region, name, protocol, endpoint, confirmed) in subs {
        let a = acct(account);
        let topic_arn = topic(account, region, name);
        let sub = if confirmed {
            format!(
                "{topic_arn}:{}",
                uuidish(&format!("{topic_arn}/{protocol}/{endpoint}"))
            )
        } else {
            "PendingConfirmation".to_string()
        };
        let mut row = obj(json!({
            "subscription_arn": sub,
            "topic_arn": topic_arn,
            "owner": a,
            "protocol": protocol,
            "endpoint": endpoint,
        }));
        put_common(&mut row, &sub, &sub, region, a);
        out.push("aws_sns_topic_subscription", row);
    }
}

// ---------------------------------------------------------------- RDS

/// Databases with a CPU alarm: (account, region, identifier).
const RDS_ALARMED: [(usize, &str, &str); 4] = [
    (PROD, EAST, "orders-db"),
    (PROD, EAST, "legacy-reporting"),
    (PROD, WEST, "billing-ledger"),
    (SEC, EAST, "findings-db"),
];

struct Db {
    account: usize,
    region: &'static str,
    id: &'static str,
    engine: &'static str,
    version: &'static str,
    class: &'static str,
    cluster: Option<&'static str>,
    encrypted: bool,
    kms_seed: Option<&'static str>,
    public: bool,
    minor_upgrades: bool,
    multi_az: bool,
    storage: i64,
    created_days: i64,
}

fn databases() -> Vec<Db> {
    let db = |account, region, id, engine, version, class| Db {
        account,
        region,
        id,
        engine,
        version,
        class,
        cluster: None,
        encrypted: true,
        kms_seed: None,
        public: false,
        minor_upgrades: true,
        multi_az: false,
        storage: 100,
        created_days: 600,
    };
    let mut out = Vec::new();
    let mut d = db(PROD, EAST, "orders-db", "postgres", "16.4", "db.r6g.large");
    d.kms_seed = Some("prod-rds");
    d.multi_az = true;
    d.storage = 500;
    out.push(d);
    // Created before encryption was the default and never migrated (CIS 2.3.1).
    let mut d = db(
        PROD,
        EAST,
        "legacy-reporting",
        "mysql",
        "5.7.44",
        "db.m5.large",
    );
    d.encrypted = false;
    d.created_days = 2_200;
    out.push(d);
    // Pinned to a minor version after an upgrade broke an extension (CIS 2.3.2).
    let mut d = db(
        PROD,
        WEST,
        "billing-ledger",
        "postgres",
        "14.12",
        "db.m6g.large",
    );
    d.minor_upgrades = false;
    d.multi_az = true;
    out.push(d);
    let mut d = db(
        PROD,
        WEST,
        "catalog-aurora-instance-1",
        "aurora-postgresql",
        "15.4",
        "db.r6g.xlarge",
    );
    d.cluster = Some("catalog-aurora");
    d.storage = 1;
    out.push(d);
    // Opened to the internet for a BI tool trial (CIS 2.3.3).
    let mut d = db(
        DEV,
        EAST,
        "dev-analytics-pg",
        "postgres",
        "16.4",
        "db.t3.medium",
    );
    d.public = true;
    d.storage = 50;
    d.created_days = 150;
    out.push(d);
    let mut d = db(SEC, EAST, "findings-db", "postgres", "16.4", "db.t4g.large");
    d.multi_az = true;
    out.push(d);
    out
}

fn rds_instances(out: &mut Out, vpcs: &[VpcRef]) {
    for d in databases() {
        let a = acct(d.account);
        let Some(vpc) = vpcs
            .iter()
            .find(|v| v.account == d.account && v.region == d.region && !v.is_default)
        else {
            continue;
        };
        let arn = format!("arn:aws:rds:{}:{a}:db:{}", d.region, d.id);
        let kms = d.encrypted.then(|| match d.kms_seed {
            Some(seed) => kms_arn(d.account, d.region, seed),
            None => format!(
                "arn:aws:kms:{}:{a}:key/{}",
                d.region,
                uuidish(&format!("{a}/{}/alias/aws/rds", d.region))
            ),
        });
        let port = match d.engine {
            "mysql" => 3306,
            _ => 5432,
        };
        let env = ACCOUNTS[d.account].env;
        let mut row = obj(json!({
            "db_instance_identifier": d.id,
            "arn": arn,
            "db_cluster_identifier": d.cluster,
            "status": "available",
            "class": d.class,
            "resource_id": iam_id("db-", &arn),
            "allocated_storage": d.storage,
            "auto_minor_version_upgrade": d.minor_upgrades,
            "availability_zone": format!("{}{}", d.region, if d.id.len() % 2 == 0 { "a" } else { "b" }),
            "backup_retention_period": if d.account == DEV { 1 } else { 14 },
            "copy_tags_to_snapshot": d.account != DEV,
            "db_name": if d.engine == "mysql" { "reports" } else { "app" },
            "db_subnet_group_name": format!("{env}-{}-db", d.region),
            "deletion_protection": d.account == PROD,
            "endpoint_address": format!("{}.{}.{}.rds.amazonaws.com", d.id, hex_tag(a, 12), d.region),
            "endpoint_port": port,
            "engine": d.engine,
            "engine_version": d.version,
            "iam_database_authentication_enabled": d.engine != "mysql",
            "create_time": out.t(days(d.created_days)),
            "kms_key_id": kms,
            "master_user_name": if d.engine == "mysql" { "admin" } else { "postgres" },
            "multi_az": d.multi_az,
            "publicly_accessible": d.public,
            "storage_encrypted": d.encrypted,
            "storage_type": if d.cluster.is_some() { "aurora" } else { "gp3" },
            "vpc_id": vpc.vpc_id,
            "vpc_security_groups": vpc.db_group.as_ref().map(|g| json!([{"Status": "active", "VpcSecurityGroupId": g}])).unwrap_or_else(|| json!([])),
        }));
        let mut tags = vec![("Environment", env)];
        if d.id == "legacy-reporting" || d.id == "billing-ledger" || d.public {
            tags.push(("Planted", "cis"));
        }
        put_tags(&mut row, &tags);
        put_common(&mut row, d.id, &arn, d.region, a);
        out.push("aws_rds_db_instance", row);
    }
}

// ---------------------------------------------------------------- EFS

fn efs_file_systems(out: &mut Out) {
    // (account, region, name, encrypted key, one zone, throughput, provisioned MiB/s)
    type FileSystem = (
        usize,
        &'static str,
        &'static str,
        Option<String>,
        bool,
        &'static str,
        Option<f64>,
    );
    let systems: [FileSystem; 3] = [
        (
            PROD,
            EAST,
            "shared-media",
            Some(format!(
                "arn:aws:kms:{EAST}:{}:key/{}",
                acct(PROD),
                uuidish(&format!(
                    "{}/{EAST}/alias/aws/elasticfilesystem",
                    acct(PROD)
                ))
            )),
            false,
            "elastic",
            None,
        ),
        // Scratch space for notebooks, created without encryption (CIS 2.4.1).
        (DEV, EAST, "ml-scratch", None, true, "bursting", None),
        (
            SEC,
            WEST,
            "forensics-evidence",
            Some(kms_arn(SEC, WEST, "replica")),
            false,
            "provisioned",
            Some(64.0),
        ),
    ];
    for (account, region, name, key, one_zone, throughput, provisioned) in systems {
        let a = acct(account);
        let id = ec2_id("fs", &format!("{a}/{region}/{name}"));
        let arn = format!("arn:aws:elasticfilesystem:{region}:{a}:file-system/{id}");
        let size: i64 = 1_073_741_824 * (3 + 7 * account as i64);
        let mut row = obj(json!({
            "name": name,
            "file_system_id": id,
            "arn": arn,
            "owner_id": a,
            "creation_token": format!("terraform-{}", hex_tag(&id, 20)),
            "creation_time": out.t(days(500 + 10 * account as i64)),
            "life_cycle_state": "available",
            "availability_zone_name": one_zone.then(|| format!("{region}a")),
            "number_of_mount_targets": if one_zone { 1 } else { 2 },
            "performance_mode": "generalPurpose",
            "encrypted": key.is_some(),
            "kms_key_id": key,
            "throughput_mode": throughput,
            "provisioned_throughput_in_mibps": provisioned,
            "size_in_bytes": {"Timestamp": out.t(3_600), "Value": size, "ValueInIA": size / 4, "ValueInStandard": size - size / 4},
        }));
        let mut tags = vec![("Name", name), ("Environment", ACCOUNTS[account].env)];
        if key.is_none() {
            tags.push(("Planted", "cis"));
        }
        put_tags(&mut row, &tags);
        put_common(&mut row, name, &arn, region, a);
        out.push("aws_efs_file_system", row);
    }
}

// ---------------------------------------------------------------- Security Hub

fn security_hubs(out: &mut Out) {
    for account in [PROD, DEV, SEC] {
        for region in REGIONS {
            // Dev only enabled Security Hub in us-east-1 (CIS 4.16).
            if account == DEV && region == WEST {
                continue;
            }
            let a = acct(account);
            let arn = format!("arn:aws:securityhub:{region}:{a}:hub/default");
            let mut row = obj(json!({
                "hub_arn": arn,
                "auto_enable_controls": account != DEV,
                "control_finding_generator": "SECURITY_CONTROL",
                "subscribed_at": out.t(days(600 - 100 * account as i64)),
            }));
            put_common(&mut row, "default", &arn, region, a);
            out.push("aws_securityhub_hub", row);
        }
    }
}
