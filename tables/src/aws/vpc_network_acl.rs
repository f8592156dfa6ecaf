//! `aws_vpc_network_acl`: network ACLs, per region.

use aws_sdk_ec2::types::NetworkAcl;
use serde_json::Value;

use super::AwsTable;
use super::json::{Obj, arr, put_tags, row, text};
use super::source::{AwsSource, api_err};
use super::vpc::{ec2_filters, ec2_page, ec2_tag_pairs, name_tag};
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

fn acl_row(src: &AwsSource, region: &str, a: &NetworkAcl) -> Row {
    let id = a.network_acl_id().unwrap_or_default();
    let owner = a.owner_id().unwrap_or(&src.account_id);
    let arn = src.arn("ec2", region, owner, &format!("network-acl/{id}"));
    let mut r = row([
        ("network_acl_id", Value::String(id.to_string())),
        ("arn", Value::String(arn.clone())),
        (
            "is_default",
            a.is_default().map(Value::Bool).unwrap_or(Value::Null),
        ),
        ("vpc_id", text(a.vpc_id())),
        ("owner_id", text(a.owner_id())),
        (
            "associations",
            arr(a.associations(), |x| {
                Obj::new()
                    .s("NetworkAclAssociationId", x.network_acl_association_id())
                    .s("NetworkAclId", x.network_acl_id())
                    .s("SubnetId", x.subnet_id())
                    .build()
            }),
        ),
        (
            "entries",
            arr(a.entries(), |e| {
                Obj::new()
                    .s("CidrBlock", e.cidr_block())
                    .b("Egress", e.egress())
                    .v(
                        "IcmpTypeCode",
                        e.icmp_type_code()
                            .map(|c| Obj::new().i("Code", c.code()).i("Type", c.r#type()).build())
                            .unwrap_or(Value::Null),
                    )
                    .s("Ipv6CidrBlock", e.ipv6_cidr_block())
                    .v(
                        "PortRange",
                        e.port_range()
                            .map(|p| Obj::new().i("From", p.from()).i("To", p.to()).build())
                            .unwrap_or(Value::Null),
                    )
                    .s("Protocol", e.protocol())
                    .s("RuleAction", e.rule_action())
                    .i("RuleNumber", e.rule_number())
                    .build()
            }),
        ),
    ]);
    put_tags(&mut r, ec2_tag_pairs(a.tags()));
    let title = name_tag(a.tags()).unwrap_or(id).to_string();
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
    let filters = ec2_filters(
        req,
        &[("network_acl_id", "network-acl-id"), ("vpc_id", "vpc-id")],
    );
    let out = src
        .ec2(Some(region))
        .describe_network_acls()
        .set_filters(filters)
        .set_next_token(token)
        .max_results(1000)
        .send()
        .await
        .map_err(|e| api_err("ec2:DescribeNetworkAcls", e))?;
    let rows = out
        .network_acls()
        .iter()
        .map(|a| acl_row(src, region, a))
        .collect();
    Ok(ec2_page(rows, out.next_token()))
}
