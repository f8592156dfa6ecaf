//! `aws_vpc_security_group_rule`: one row per security group rule, inbound and outbound.

use serde_json::Value;

use super::AwsTable;
use super::api::page;
use super::ec2_common::{
    bool_opt, ec2_call, ec2_get, int_at, items_at, list_params, one, str_at, text_at,
};
use super::json::row;
use super::source::AwsSource;
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

fn rule_row(src: &AwsSource, region: &str, r: &Value) -> Row {
    let id = str_at(r, "securityGroupRuleId").unwrap_or_default();
    let egress = bool_opt(r, "isEgress").unwrap_or(false);
    let referenced = r.get("referencedGroupInfo");
    let referenced_text = |key: &str| referenced.map_or(Value::Null, |g| text_at(g, key));
    let proto = str_at(r, "ipProtocol").unwrap_or_default();
    let from_port = int_at(r, "fromPort").as_i64();
    let to_port = int_at(r, "toPort").as_i64();
    // Steampipe's title and aka name the rule by direction, protocol, ports and peer.
    let mut hash = format!("{}_{}", if egress { "egress" } else { "ingress" }, proto);
    if let Some(from) = from_port {
        hash = format!("{hash}_{}_{}", from, to_port.unwrap_or(from));
    }
    if let Some(c) = str_at(r, "cidrIpv4").or(str_at(r, "cidrIpv6")) {
        hash = format!("{hash}_{c}");
    } else if let Some(g) = referenced
        .and_then(|g| str_at(g, "groupId"))
        .filter(|g| Some(*g) == str_at(r, "groupId"))
    {
        hash = format!("{hash}_{g}");
    } else if let Some(p) = str_at(r, "prefixListId") {
        hash = format!("{hash}_{p}");
    }
    let owner = str_at(r, "groupOwnerId").unwrap_or(&src.account_id);
    let aka = src.arn(
        "ec2",
        region,
        owner,
        &format!("security-group-rule/{id}:{hash}"),
    );
    let mut out = row([
        ("security_group_rule_id", Value::String(id.to_string())),
        ("group_id", text_at(r, "groupId")),
        ("is_egress", Value::Bool(egress)),
        (
            "type",
            Value::String(if egress { "egress" } else { "ingress" }.to_string()),
        ),
        ("group_owner_id", text_at(r, "groupOwnerId")),
        ("description", text_at(r, "description")),
        ("ip_protocol", text_at(r, "ipProtocol")),
        ("from_port", int_at(r, "fromPort")),
        ("to_port", int_at(r, "toPort")),
        ("cidr_ipv4", text_at(r, "cidrIpv4")),
        ("cidr_ipv6", text_at(r, "cidrIpv6")),
        ("referenced_group_id", referenced_text("groupId")),
        ("referenced_peering_status", referenced_text("peeringStatus")),
        ("referenced_user_id", referenced_text("userId")),
        ("referenced_vpc_id", referenced_text("vpcId")),
        (
            "referenced_vpc_peering_connection_id",
            referenced_text("vpcPeeringConnectionId"),
        ),
        ("prefix_list_id", text_at(r, "prefixListId")),
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
    let params = list_params(req, &[("group_id", "group-id")], token);
    let out = ec2_call(src, region, "ec2:DescribeSecurityGroupRules", &params).await?;
    let rows = items_at(&out, "securityGroupRuleSet")
        .iter()
        .map(|r| rule_row(src, region, r))
        .collect();
    Ok(page(rows, &out, "nextToken"))
}

/// ec2:DescribeSecurityGroupRules for one rule id.
pub(crate) async fn get(
    src: &AwsSource,
    region: Option<&str>,
    id: &str,
) -> Result<Option<Row>, FetchError> {
    let region = region.unwrap_or(&src.default_region);
    let params = [one("SecurityGroupRuleId", id)];
    let Some(out) = ec2_get(src, region, "ec2:DescribeSecurityGroupRules", &params).await? else {
        return Ok(None);
    };
    Ok(items_at(&out, "securityGroupRuleSet")
        .first()
        .map(|r| rule_row(src, region, r)))
}
