//! `aws_vpc`: VPCs in each configured region.

use aws_sdk_ec2::types::{Filter, Vpc};
use serde_json::Value;

use super::AwsTable;
use super::json::{Obj, arr, put_tags, row, text};
use super::source::{AwsSource, api_err, is_not_found, qual_strings};
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

/// EC2 filters for the query's equality constraints on `(column, filter name)` pairs, so
/// that EC2 returns less; DataFusion still checks every row.
pub(crate) fn ec2_filters(req: &ListRequest, pairs: &[(&str, &str)]) -> Option<Vec<Filter>> {
    let filters: Vec<Filter> = pairs
        .iter()
        .filter_map(|(column, name)| {
            let values = qual_strings(req, column).filter(|v| !v.is_empty())?;
            Some(
                Filter::builder()
                    .name(*name)
                    .set_values(Some(values))
                    .build(),
            )
        })
        .collect();
    if filters.is_empty() {
        None
    } else {
        Some(filters)
    }
}

/// A page of EC2 rows and the response's continuation token (EC2 sends an empty token
/// on the last page of some calls).
pub(crate) fn ec2_page(rows: Vec<Row>, next_token: Option<&str>) -> Page {
    Page {
        rows,
        next: next_token.filter(|t| !t.is_empty()).map(str::to_string),
    }
}

/// EC2 tags as `(key, value)` pairs.
pub(crate) fn ec2_tag_pairs(
    tags: &[aws_sdk_ec2::types::Tag],
) -> impl Iterator<Item = (&str, &str)> {
    tags.iter()
        .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))
}

/// The `Name` tag, which Steampipe uses as the title of EC2 resources.
pub(crate) fn name_tag(tags: &[aws_sdk_ec2::types::Tag]) -> Option<&str> {
    tags.iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
}

fn cidr_state(s: Option<&aws_sdk_ec2::types::VpcCidrBlockState>) -> Value {
    s.map(|s| {
        Obj::new()
            .s("State", s.state())
            .s("StatusMessage", s.status_message())
            .build()
    })
    .unwrap_or(Value::Null)
}

fn vpc_row(src: &AwsSource, region: &str, v: &Vpc) -> Row {
    let id = v.vpc_id().unwrap_or_default();
    let owner = v.owner_id().unwrap_or(&src.account_id);
    let arn = src.arn("ec2", region, owner, &format!("vpc/{id}"));
    let mut r = row([
        ("vpc_id", Value::String(id.to_string())),
        ("arn", Value::String(arn.clone())),
        ("cidr_block", text(v.cidr_block())),
        ("state", text(v.state())),
        (
            "is_default",
            v.is_default().map(Value::Bool).unwrap_or(Value::Null),
        ),
        ("dhcp_options_id", text(v.dhcp_options_id())),
        ("instance_tenancy", text(v.instance_tenancy())),
        ("owner_id", text(v.owner_id())),
        (
            "cidr_block_association_set",
            arr(v.cidr_block_association_set(), |a| {
                Obj::new()
                    .s("AssociationId", a.association_id())
                    .s("CidrBlock", a.cidr_block())
                    .v("CidrBlockState", cidr_state(a.cidr_block_state()))
                    .build()
            }),
        ),
        (
            "ipv6_cidr_block_association_set",
            arr(v.ipv6_cidr_block_association_set(), |a| {
                Obj::new()
                    .s("AssociationId", a.association_id())
                    .s("Ipv6CidrBlock", a.ipv6_cidr_block())
                    .v("Ipv6CidrBlockState", cidr_state(a.ipv6_cidr_block_state()))
                    .s("Ipv6Pool", a.ipv6_pool())
                    .s("NetworkBorderGroup", a.network_border_group())
                    .build()
            }),
        ),
    ]);
    put_tags(&mut r, ec2_tag_pairs(v.tags()));
    let title = name_tag(v.tags()).unwrap_or(id).to_string();
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
    let filters = ec2_filters(
        req,
        &[
            ("cidr_block", "cidr"),
            ("dhcp_options_id", "dhcp-options-id"),
            ("owner_id", "owner-id"),
            ("state", "state"),
        ],
    );
    let out = src
        .ec2(Some(region))
        .describe_vpcs()
        .set_filters(filters)
        .set_next_token(token)
        .max_results(1000)
        .send()
        .await
        .map_err(|e| api_err("ec2:DescribeVpcs", e))?;
    let rows = out.vpcs().iter().map(|v| vpc_row(src, region, v)).collect();
    Ok(ec2_page(rows, out.next_token()))
}

/// ec2:DescribeVpcs for one VPC id.
pub(crate) async fn get(
    src: &AwsSource,
    region: Option<&str>,
    id: &str,
) -> Result<Option<Row>, FetchError> {
    let region = region.unwrap_or(&src.default_region);
    let out = match src
        .ec2(Some(region))
        .describe_vpcs()
        .vpc_ids(id)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(api_err("ec2:DescribeVpcs", e)),
    };
    Ok(out.vpcs().first().map(|v| vpc_row(src, region, v)))
}
