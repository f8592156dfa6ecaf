//! `aws_vpc_network_acl`: network ACLs, per region.

use serde_json::Value;

use super::AwsTable;
use super::api::page;
use super::ec2_common::{
    bool_at, ec2_call, int_at, items_at, list_params, name_tag, object_at, put_ec2_tags, str_at,
    text_at,
};
use super::json::{Obj, arr, row};
use super::source::AwsSource;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_vpc_network_acl",
        description: "VPC network ACLs and their entries, per region.",
        service: "ec2",
        scope: Scope::Regional,
        columns: aws_columns![
            col("network_acl_id", Text, "Id of the network ACL."),
            col("arn", Text, "ARN of the network ACL."),
            col(
                "is_default",
                Bool,
                "Whether this is the VPC's default network ACL."
            ),
            col("vpc_id", Text, "VPC of the network ACL."),
            col("owner_id", Text, "Account that owns the network ACL."),
            col(
                "associations",
                Json,
                "Subnet associations of the network ACL."
            ),
            col(
                "entries",
                Json,
                "Rules (Egress, RuleNumber, RuleAction, Protocol, CidrBlock, PortRange, ...)."
            ),
            col(
                "tags_src",
                Json,
                "Tags as returned by EC2 ([{Key, Value}])."
            ),
            col("tags", Json, "Tags as a key/value object."),
        ],
        get_keys: &[],
        id_column: "network_acl_id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

fn acl_row(src: &AwsSource, region: &str, a: &Value) -> Row {
    let id = str_at(a, "networkAclId").unwrap_or_default();
    let owner = str_at(a, "ownerId").unwrap_or(&src.account_id);
    let arn = src.arn("ec2", region, owner, &format!("network-acl/{id}"));
    let mut r = row([
        ("network_acl_id", Value::String(id.to_string())),
        ("arn", Value::String(arn.clone())),
        ("is_default", bool_at(a, "default")),
        ("vpc_id", text_at(a, "vpcId")),
        ("owner_id", text_at(a, "ownerId")),
        (
            "associations",
            arr(&items_at(a, "associationSet"), |x| {
                Obj::new()
                    .v(
                        "NetworkAclAssociationId",
                        text_at(x, "networkAclAssociationId"),
                    )
                    .v("NetworkAclId", text_at(x, "networkAclId"))
                    .v("SubnetId", text_at(x, "subnetId"))
                    .build()
            }),
        ),
        (
            "entries",
            arr(&items_at(a, "entrySet"), |e| {
                Obj::new()
                    .v("CidrBlock", text_at(e, "cidrBlock"))
                    .v("Egress", bool_at(e, "egress"))
                    .v(
                        "IcmpTypeCode",
                        object_at(e, "icmpTypeCode", |c| {
                            Obj::new()
                                .v("Code", int_at(c, "code"))
                                .v("Type", int_at(c, "type"))
                                .build()
                        }),
                    )
                    .v("Ipv6CidrBlock", text_at(e, "ipv6CidrBlock"))
                    .v(
                        "PortRange",
                        object_at(e, "portRange", |p| {
                            Obj::new()
                                .v("From", int_at(p, "from"))
                                .v("To", int_at(p, "to"))
                                .build()
                        }),
                    )
                    .v("Protocol", text_at(e, "protocol"))
                    .v("RuleAction", text_at(e, "ruleAction"))
                    .v("RuleNumber", int_at(e, "ruleNumber"))
                    .build()
            }),
        ),
    ]);
    put_ec2_tags(&mut r, a);
    let title = name_tag(a).unwrap_or_else(|| id.to_string());
    src.common(&mut r, region, Value::String(title), vec![arn]);
    r
}

/// One page of ec2:DescribeNetworkAcls in the request's region.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let region = req.region.as_deref().unwrap_or(&src.default_region);
    let params = list_params(
        req,
        &[("network_acl_id", "network-acl-id"), ("vpc_id", "vpc-id")],
        token,
    );
    let out = ec2_call(src, region, "ec2:DescribeNetworkAcls", &params).await?;
    let rows = items_at(&out, "networkAclSet")
        .iter()
        .map(|a| acl_row(src, region, a))
        .collect();
    Ok(page(rows, &out, "nextToken"))
}
