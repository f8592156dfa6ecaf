//! `aws_vpc`: VPCs in each configured region.

use serde_json::Value;

use super::AwsTable;
use super::api::page;
use super::ec2_common::{
    bool_at, ec2_call, ec2_get, items_at, list_params, name_tag, object_at, one,
    put_ec2_tags, str_at, text_at,
};
use super::json::{Obj, arr, row};
use super::source::AwsSource;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_vpc",
        description: "Virtual private clouds, per region.",
        service: "ec2",
        scope: Scope::Regional,
        columns: aws_columns![
            col("vpc_id", Text, "VPC id."),
            col("arn", Text, "ARN of the VPC."),
            col("cidr_block", Cidr, "Primary IPv4 CIDR block."),
            col("state", Text, "pending or available."),
            col(
                "is_default",
                Bool,
                "Whether this is the region's default VPC."
            ),
            col("dhcp_options_id", Text, "Id of the DHCP option set in use."),
            col(
                "instance_tenancy",
                Text,
                "Default tenancy of instances launched in the VPC."
            ),
            col("owner_id", Text, "Account that owns the VPC."),
            col(
                "cidr_block_association_set",
                Json,
                "IPv4 CIDR blocks associated with the VPC."
            ),
            col(
                "ipv6_cidr_block_association_set",
                Json,
                "IPv6 CIDR blocks associated with the VPC."
            ),
            col(
                "tags_src",
                Json,
                "Tags as returned by EC2 ([{Key, Value}])."
            ),
            col("tags", Json, "Tags as a key/value object."),
        ],
        get_keys: &["vpc_id"],
        id_column: "vpc_id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: Some(|s, region, _, key| Box::pin(get(s, region, key))),
};

fn cidr_state(s: &Value) -> Value {
    Obj::new()
        .v("State", text_at(s, "state"))
        .v("StatusMessage", text_at(s, "statusMessage"))
        .build()
}

fn vpc_row(src: &AwsSource, region: &str, v: &Value) -> Row {
    let id = str_at(v, "vpcId").unwrap_or_default();
    let owner = str_at(v, "ownerId").unwrap_or(&src.account_id);
    let arn = src.arn("ec2", region, owner, &format!("vpc/{id}"));
    let mut r = row([
        ("vpc_id", Value::String(id.to_string())),
        ("arn", Value::String(arn.clone())),
        ("cidr_block", text_at(v, "cidrBlock")),
        ("state", text_at(v, "state")),
        ("is_default", bool_at(v, "isDefault")),
        ("dhcp_options_id", text_at(v, "dhcpOptionsId")),
        ("instance_tenancy", text_at(v, "instanceTenancy")),
        ("owner_id", text_at(v, "ownerId")),
        (
            "cidr_block_association_set",
            arr(&items_at(v, "cidrBlockAssociationSet"), |a| {
                Obj::new()
                    .v("AssociationId", text_at(a, "associationId"))
                    .v("CidrBlock", text_at(a, "cidrBlock"))
                    .v("CidrBlockState", object_at(a, "cidrBlockState", cidr_state))
                    .build()
            }),
        ),
        (
            "ipv6_cidr_block_association_set",
            arr(&items_at(v, "ipv6CidrBlockAssociationSet"), |a| {
                Obj::new()
                    .v("AssociationId", text_at(a, "associationId"))
                    .v("Ipv6CidrBlock", text_at(a, "ipv6CidrBlock"))
                    .v(
                        "Ipv6CidrBlockState",
                        object_at(a, "ipv6CidrBlockState", cidr_state),
                    )
                    .v("Ipv6Pool", text_at(a, "ipv6Pool"))
                    .v("NetworkBorderGroup", text_at(a, "networkBorderGroup"))
                    .build()
            }),
        ),
    ]);
    put_ec2_tags(&mut r, v);
    let title = name_tag(v).unwrap_or_else(|| id.to_string());
    src.common(&mut r, region, Value::String(title), vec![arn]);
    r
}

/// One page of ec2:DescribeVpcs in the request's region.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let region = req.region.as_deref().unwrap_or(&src.default_region);
    let params = list_params(
        req,
        &[
            ("cidr_block", "cidr"),
            ("dhcp_options_id", "dhcp-options-id"),
            ("owner_id", "owner-id"),
            ("state", "state"),
        ],
        token,
    );
    let out = ec2_call(src, region, "ec2:DescribeVpcs", &params).await?;
    let rows = items_at(&out, "vpcSet")
        .iter()
        .map(|v| vpc_row(src, region, v))
        .collect();
    Ok(page(rows, &out, "nextToken"))
}

/// ec2:DescribeVpcs for one VPC id.
pub(crate) async fn get(
    src: &AwsSource,
    region: Option<&str>,
    id: &str,
) -> Result<Option<Row>, FetchError> {
    let region = region.unwrap_or(&src.default_region);
    let Some(out) = ec2_get(src, region, "ec2:DescribeVpcs", &[one("VpcId", id)]).await? else {
        return Ok(None);
    };
    Ok(items_at(&out, "vpcSet")
        .first()
        .map(|v| vpc_row(src, region, v)))
}
