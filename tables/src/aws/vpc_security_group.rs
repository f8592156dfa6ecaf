//! `aws_vpc_security_group`: security groups with their rules as EC2 reports them.

use aws_sdk_ec2::types::{IpPermission, SecurityGroup};
use serde_json::Value;

use super::AwsTable;
use super::json::{Obj, arr, put_tags, row, text};
use super::source::{AwsSource, api_err, is_not_found};
use super::vpc::{ec2_filters, ec2_page, ec2_tag_pairs};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_vpc_security_group",
        description: "VPC security groups, per region.",
        service: "ec2",
        scope: Scope::Regional,
        columns: aws_columns![
            col("group_name", Text, "Security group name."),
            col("group_id", Text, "Security group id."),
            col("arn", Text, "ARN of the security group."),
            col("description", Text, "Description given to the group."),
            col("vpc_id", Text, "VPC the group belongs to."),
            col("owner_id", Text, "Account that owns the group."),
            col("ip_permissions", Json, "Inbound rules."),
            col("ip_permissions_egress", Json, "Outbound rules."),
            col(
                "tags_src",
                Json,
                "Tags as returned by EC2 ([{Key, Value}])."
            ),
            col("tags", Json, "Tags as a key/value object."),
        ],
        get_keys: &["group_id"],
        id_column: "group_id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: Some(|s, region, _, key| Box::pin(get(s, region, key))),
};

/// A security group rule set entry as EC2 describes it.
pub(crate) fn ip_permission_json(p: &IpPermission) -> Value {
    Obj::new()
        .i("FromPort", p.from_port())
        .s("IpProtocol", p.ip_protocol())
        .a("IpRanges", p.ip_ranges(), |r| {
            Obj::new()
                .s("CidrIp", r.cidr_ip())
                .s("Description", r.description())
                .build()
        })
        .a("Ipv6Ranges", p.ipv6_ranges(), |r| {
            Obj::new()
                .s("CidrIpv6", r.cidr_ipv6())
                .s("Description", r.description())
                .build()
        })
        .a("PrefixListIds", p.prefix_list_ids(), |r| {
            Obj::new()
                .s("Description", r.description())
                .s("PrefixListId", r.prefix_list_id())
                .build()
        })
        .i("ToPort", p.to_port())
        .a("UserIdGroupPairs", p.user_id_group_pairs(), |g| {
            Obj::new()
                .s("Description", g.description())
                .s("GroupId", g.group_id())
                .s("GroupName", g.group_name())
                .s("PeeringStatus", g.peering_status())
                .s("UserId", g.user_id())
                .s("VpcId", g.vpc_id())
                .s("VpcPeeringConnectionId", g.vpc_peering_connection_id())
                .build()
        })
        .build()
}

fn group_row(src: &AwsSource, region: &str, g: &SecurityGroup) -> Row {
    let id = g.group_id().unwrap_or_default();
    let owner = g.owner_id().unwrap_or(&src.account_id);
    let arn = g
        .security_group_arn()
        .map(str::to_string)
        .unwrap_or_else(|| src.arn("ec2", region, owner, &format!("security-group/{id}")));
    let mut r = row([
        ("group_name", text(g.group_name())),
        ("group_id", Value::String(id.to_string())),
        ("arn", Value::String(arn.clone())),
        ("description", text(g.description())),
        ("vpc_id", text(g.vpc_id())),
        ("owner_id", text(g.owner_id())),
        (
            "ip_permissions",
            arr(g.ip_permissions(), ip_permission_json),
        ),
        (
            "ip_permissions_egress",
            arr(g.ip_permissions_egress(), ip_permission_json),
        ),
    ]);
    put_tags(&mut r, ec2_tag_pairs(g.tags()));
    src.common(&mut r, region, text(g.group_name()), vec![arn]);
    r
}

/// One page of ec2:DescribeSecurityGroups in the request's region.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let region = req.region.as_deref().unwrap_or(&src.default_region);
    let filters = ec2_filters(
        req,
        &[
            ("description", "description"),
            ("group_name", "group-name"),
            ("owner_id", "owner-id"),
            ("vpc_id", "vpc-id"),
        ],
    );
    let out = src
        .ec2(Some(region))
        .describe_security_groups()
        .set_filters(filters)
        .set_next_token(token)
        .max_results(1000)
        .send()
        .await
        .map_err(|e| api_err("ec2:DescribeSecurityGroups", e))?;
    let rows = out
        .security_groups()
        .iter()
        .map(|g| group_row(src, region, g))
        .collect();
    Ok(ec2_page(rows, out.next_token()))
}

/// ec2:DescribeSecurityGroups for one group id.
pub(crate) async fn get(
    src: &AwsSource,
    region: Option<&str>,
    id: &str,
) -> Result<Option<Row>, FetchError> {
    let region = region.unwrap_or(&src.default_region);
    let out = match src
        .ec2(Some(region))
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(api_err("ec2:DescribeSecurityGroups", e)),
    };
    Ok(out
        .security_groups()
        .first()
        .map(|g| group_row(src, region, g)))
}
