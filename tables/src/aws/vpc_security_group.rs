//! `aws_vpc_security_group`: security groups with their rules as EC2 reports them.

use serde_json::Value;

use super::AwsTable;
use super::api::page;
use super::ec2_common::{
    ec2_call, ec2_get, int_at, items_at, list_params, one, put_ec2_tags, str_at, text_at,
};
use super::json::{Obj, arr, row};
use super::source::AwsSource;
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
pub(crate) fn ip_permission_json(p: &Value) -> Value {
    Obj::new()
        .v("FromPort", int_at(p, "fromPort"))
        .v("IpProtocol", text_at(p, "ipProtocol"))
        .a("IpRanges", &items_at(p, "ipRanges"), |r| {
            Obj::new()
                .v("CidrIp", text_at(r, "cidrIp"))
                .v("Description", text_at(r, "description"))
                .build()
        })
        .a("Ipv6Ranges", &items_at(p, "ipv6Ranges"), |r| {
            Obj::new()
                .v("CidrIpv6", text_at(r, "cidrIpv6"))
                .v("Description", text_at(r, "description"))
                .build()
        })
        .a("PrefixListIds", &items_at(p, "prefixListIds"), |r| {
            Obj::new()
                .v("Description", text_at(r, "description"))
                .v("PrefixListId", text_at(r, "prefixListId"))
                .build()
        })
        .v("ToPort", int_at(p, "toPort"))
        .a("UserIdGroupPairs", &items_at(p, "groups"), |g| {
            Obj::new()
                .v("Description", text_at(g, "description"))
                .v("GroupId", text_at(g, "groupId"))
                .v("GroupName", text_at(g, "groupName"))
                .v("PeeringStatus", text_at(g, "peeringStatus"))
                .v("UserId", text_at(g, "userId"))
                .v("VpcId", text_at(g, "vpcId"))
                .v("VpcPeeringConnectionId", text_at(g, "vpcPeeringConnectionId"))
                .build()
        })
        .build()
}

fn group_row(src: &AwsSource, region: &str, g: &Value) -> Row {
    let id = str_at(g, "groupId").unwrap_or_default();
    let owner = str_at(g, "ownerId").unwrap_or(&src.account_id);
    let arn = str_at(g, "securityGroupArn")
        .map(str::to_string)
        .unwrap_or_else(|| src.arn("ec2", region, owner, &format!("security-group/{id}")));
    let mut r = row([
        ("group_name", text_at(g, "groupName")),
        ("group_id", Value::String(id.to_string())),
        ("arn", Value::String(arn.clone())),
        ("description", text_at(g, "groupDescription")),
        ("vpc_id", text_at(g, "vpcId")),
        ("owner_id", text_at(g, "ownerId")),
        (
            "ip_permissions",
            arr(&items_at(g, "ipPermissions"), ip_permission_json),
        ),
        (
            "ip_permissions_egress",
            arr(&items_at(g, "ipPermissionsEgress"), ip_permission_json),
        ),
    ]);
    put_ec2_tags(&mut r, g);
    src.common(&mut r, region, text_at(g, "groupName"), vec![arn]);
    r
}

/// One page of ec2:DescribeSecurityGroups in the request's region.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let region = req.region.as_deref().unwrap_or(&src.default_region);
    let params = list_params(
        req,
        &[
            ("description", "description"),
            ("group_name", "group-name"),
            ("owner_id", "owner-id"),
            ("vpc_id", "vpc-id"),
        ],
        token,
    );
    let out = ec2_call(src, region, "ec2:DescribeSecurityGroups", &params).await?;
    let rows = items_at(&out, "securityGroupInfo")
        .iter()
        .map(|g| group_row(src, region, g))
        .collect();
    Ok(page(rows, &out, "nextToken"))
}

/// ec2:DescribeSecurityGroups for one group id.
pub(crate) async fn get(
    src: &AwsSource,
    region: Option<&str>,
    id: &str,
) -> Result<Option<Row>, FetchError> {
    let region = region.unwrap_or(&src.default_region);
    let params = [one("GroupId", id)];
    let Some(out) = ec2_get(src, region, "ec2:DescribeSecurityGroups", &params).await? else {
        return Ok(None);
    };
    Ok(items_at(&out, "securityGroupInfo")
        .first()
        .map(|g| group_row(src, region, g)))
}
