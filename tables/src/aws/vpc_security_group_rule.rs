//! `aws_vpc_security_group_rule`: one row per security group rule, inbound and outbound.

use aws_sdk_ec2::types::SecurityGroupRule;
use serde_json::Value;

use super::AwsTable;
use super::json::{row, text};
use super::source::{AwsSource, api_err, is_not_found};
use super::vpc::ec2_filters;
use super::vpc::ec2_page;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_vpc_security_group_rule",
        description: "Security group rules, one row per rule, per region.",
        service: "ec2",
        scope: Scope::Regional,
        columns: aws_columns![
            col("security_group_rule_id", Text, "Rule id."),
            col("group_id", Text, "Security group the rule belongs to."),
            col("is_egress", Bool, "True for outbound rules."),
            col("type", Text, "ingress or egress."),
            col(
                "group_owner_id",
                Text,
                "Account that owns the security group."
            ),
            col("description", Text, "Description given to the rule."),
            col(
                "ip_protocol",
                Text,
                "Protocol name or number; -1 means all."
            ),
            col(
                "from_port",
                Int,
                "First port of the range (ICMP type for ICMP); -1 for all."
            ),
            col(
                "to_port",
                Int,
                "Last port of the range (ICMP code for ICMP); -1 for all."
            ),
            col("cidr_ipv4", Cidr, "IPv4 range the rule allows."),
            col("cidr_ipv6", Cidr, "IPv6 range the rule allows."),
            col(
                "referenced_group_id",
                Text,
                "Security group the rule allows traffic from or to."
            ),
            col(
                "referenced_peering_status",
                Text,
                "Peering status when the referenced group is in a peered VPC."
            ),
            col(
                "referenced_user_id",
                Text,
                "Account of the referenced security group."
            ),
            col(
                "referenced_vpc_id",
                Text,
                "VPC of the referenced security group."
            ),
            col(
                "referenced_vpc_peering_connection_id",
                Text,
                "Peering connection to the referenced group's VPC."
            ),
            col(
                "prefix_list_id",
                Text,
                "Managed prefix list the rule allows."
            ),
        ],
        get_keys: &["security_group_rule_id"],
        id_column: "security_group_rule_id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: Some(|s, region, _, key| Box::pin(get(s, region, key))),
};

fn rule_row(src: &AwsSource, region: &str, r: &SecurityGroupRule) -> Row {
    let id = r.security_group_rule_id().unwrap_or_default();
    let egress = r.is_egress().unwrap_or(false);
    let referenced = r.referenced_group_info();
    let proto = r.ip_protocol().unwrap_or_default();
    // Steampipe's title and aka name the rule by direction, protocol, ports and peer.
    let mut hash = format!("{}_{}", if egress { "egress" } else { "ingress" }, proto);
    if let Some(from) = r.from_port() {
        hash = format!("{hash}_{}_{}", from, r.to_port().unwrap_or(from));
    }
    if let Some(c) = r.cidr_ipv4().or(r.cidr_ipv6()) {
        hash = format!("{hash}_{c}");
    } else if let Some(g) = referenced
        .and_then(|g| g.group_id())
        .filter(|g| Some(*g) == r.group_id())
    {
        hash = format!("{hash}_{g}");
    } else if let Some(p) = r.prefix_list_id() {
        hash = format!("{hash}_{p}");
    }
    let owner = r.group_owner_id().unwrap_or(&src.account_id);
    let aka = src.arn(
        "ec2",
        region,
        owner,
        &format!("security-group-rule/{id}:{hash}"),
    );
    let mut out = row([
        ("security_group_rule_id", Value::String(id.to_string())),
        ("group_id", text(r.group_id())),
        ("is_egress", Value::Bool(egress)),
        (
            "type",
            Value::String(if egress { "egress" } else { "ingress" }.to_string()),
        ),
        ("group_owner_id", text(r.group_owner_id())),
        ("description", text(r.description())),
        ("ip_protocol", text(r.ip_protocol())),
        (
            "from_port",
            r.from_port().map(Value::from).unwrap_or(Value::Null),
        ),
        (
            "to_port",
            r.to_port().map(Value::from).unwrap_or(Value::Null),
        ),
        ("cidr_ipv4", text(r.cidr_ipv4())),
        ("cidr_ipv6", text(r.cidr_ipv6())),
        (
            "referenced_group_id",
            text(referenced.and_then(|g| g.group_id())),
        ),
        (
            "referenced_peering_status",
            text(referenced.and_then(|g| g.peering_status())),
        ),
        (
            "referenced_user_id",
            text(referenced.and_then(|g| g.user_id())),
        ),
        (
            "referenced_vpc_id",
            text(referenced.and_then(|g| g.vpc_id())),
        ),
        (
            "referenced_vpc_peering_connection_id",
            text(referenced.and_then(|g| g.vpc_peering_connection_id())),
        ),
        ("prefix_list_id", text(r.prefix_list_id())),
    ]);
    src.common(
        &mut out,
        region,
        Value::String(format!("{id}_{hash}")),
        vec![aka],
    );
    out
}

/// One page of ec2:DescribeSecurityGroupRules in the request's region.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let region = req.region.as_deref().unwrap_or(&src.default_region);
    let filters = ec2_filters(req, &[("group_id", "group-id")]);
    let out = src
        .ec2(Some(region))
        .describe_security_group_rules()
        .set_filters(filters)
        .set_next_token(token)
        .max_results(1000)
        .send()
        .await
        .map_err(|e| api_err("ec2:DescribeSecurityGroupRules", e))?;
    let rows = out
        .security_group_rules()
        .iter()
        .map(|r| rule_row(src, region, r))
        .collect();
    Ok(ec2_page(rows, out.next_token()))
}

/// ec2:DescribeSecurityGroupRules for one rule id.
pub(crate) async fn get(
    src: &AwsSource,
    region: Option<&str>,
    id: &str,
) -> Result<Option<Row>, FetchError> {
    let region = region.unwrap_or(&src.default_region);
    let out = match src
        .ec2(Some(region))
        .describe_security_group_rules()
        .security_group_rule_ids(id)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(api_err("ec2:DescribeSecurityGroupRules", e)),
    };
    Ok(out
        .security_group_rules()
        .first()
        .map(|r| rule_row(src, region, r)))
}
