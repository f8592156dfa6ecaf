//! A small signed-request client for the AWS services whose tables only need a few read
//! calls (EC2, CloudTrail, Config, KMS, CloudWatch, CloudWatch Logs, SNS, RDS, EFS, Access
//! Analyzer, Security Hub).
//!
//! Why not one `aws-sdk-*` crate per service: each SDK crate costs between half a minute
//! and several minutes of compile time on the two-core build machines this project is
//! built and tested on (`aws-sdk-ec2` alone took 225 s of CPU, at the end of the release
//! build's serial tail), and these tables use a handful of read calls per service. The
//! client speaks the wire protocols those calls use (JSON 1.1 with `X-Amz-Target`,
//! REST-JSON, the XML Query protocol and EC2's variant of it), signs with `aws-sigv4` — the
//! SDK's own signer —
//! and takes its credentials, region and endpoint from the connection's `SdkConfig`, so
//! profiles, the default chain, static test keys and role assumption behave exactly as
//! for the SDK-backed tables.

use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde_json::{Map, Value};

use super::json::put_tags;
use super::source::AwsSource;
use crate::framework::rest::{Authorize, HttpRequest, HttpResponse, RestClient, shared_http};
use crate::framework::{Page, Row};

/// One AWS service as this client addresses it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Service {
    /// Host prefix of the regional endpoint (`monitoring` for CloudWatch).
    pub endpoint_prefix: &'static str,
    /// SigV4 signing name.
    pub signing_name: &'static str,
    /// Wire protocol.
    pub protocol: Protocol,
}

/// The wire protocols of the services above.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Protocol {
    /// `POST /` with `X-Amz-Target: <target_prefix>.<Action>` and a JSON body.
    Json {
        /// e.g. `TrentService` for KMS.
        target_prefix: &'static str,
        /// `1.1` or `1.0`.
        version: &'static str,
    },
    /// Resource paths with JSON responses.
    RestJson,
    /// `POST /` with a form body `Action=..&Version=..`; XML responses.
    Query {
        /// API version, e.g. `2014-10-31` for RDS.
        version: &'static str,
    },
    /// EC2's Query protocol: the same requests, but the response members sit directly in
    /// `<ActionResponse>` (no `<ActionResult>`), lists are `<item>` elements, and errors
    /// come as `<Response><Errors><Error>`.
    Ec2Query {
        /// API version, `2016-11-15`.
        version: &'static str,
    },
}

pub(crate) const EC2: Service = Service {
    endpoint_prefix: "ec2",
    signing_name: "ec2",
    protocol: Protocol::Ec2Query {
        version: "2016-11-15",
    },
};

pub(crate) const CLOUDTRAIL: Service = Service {
    endpoint_prefix: "cloudtrail",
    signing_name: "cloudtrail",
    protocol: Protocol::Json {
        target_prefix: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101",
        version: "1.1",
    },
};
pub(crate) const CONFIG: Service = Service {
    endpoint_prefix: "config",
    signing_name: "config",
    protocol: Protocol::Json {
        target_prefix: "StarlingDoveService",
        version: "1.1",
    },
};
pub(crate) const KMS: Service = Service {
    endpoint_prefix: "kms",
    signing_name: "kms",
    protocol: Protocol::Json {
        target_prefix: "TrentService",
        version: "1.1",
    },
};
pub(crate) const ORGANIZATIONS: Service = Service {
    endpoint_prefix: "organizations",
    signing_name: "organizations",
    protocol: Protocol::Json {
        target_prefix: "AWSOrganizationsV20161128",
        version: "1.1",
    },
};
pub(crate) const LOGS: Service = Service {
    endpoint_prefix: "logs",
    signing_name: "logs",
    protocol: Protocol::Json {
        target_prefix: "Logs_20140328",
        version: "1.1",
    },
};
pub(crate) const CLOUDWATCH: Service = Service {
    endpoint_prefix: "monitoring",
    signing_name: "monitoring",
    protocol: Protocol::Query {
        version: "2010-08-01",
    },
};
pub(crate) const SNS: Service = Service {
    endpoint_prefix: "sns",
    signing_name: "sns",
    protocol: Protocol::Query {
        version: "2010-03-31",
    },
};
pub(crate) const RDS: Service = Service {
    endpoint_prefix: "rds",
    signing_name: "rds",
    protocol: Protocol::Query {
        version: "2014-10-31",
    },
};
pub(crate) const EFS: Service = Service {
    endpoint_prefix: "elasticfilesystem",
    signing_name: "elasticfilesystem",
    protocol: Protocol::RestJson,
};
pub(crate) const ACCESS_ANALYZER: Service = Service {
    endpoint_prefix: "access-analyzer",
    signing_name: "access-analyzer",
    protocol: Protocol::RestJson,
};
pub(crate) const SECURITY_HUB: Service = Service {
    endpoint_prefix: "securityhub",
    signing_name: "securityhub",
    protocol: Protocol::RestJson,
};

/// A failed call as the service described it (the shared REST layer's error).
pub(crate) use crate::framework::rest::ServiceError as ApiError;

/// The REST client every signed call goes through (pool, limits, metrics).
fn rest() -> &'static RestClient {
    static CLIENT: std::sync::OnceLock<RestClient> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| RestClient::new("aws", shared_http(), decode_error))
}

/// Percent-encode a query or form component as SigV4 expects (RFC 3986 unreserved kept).
pub(crate) fn encode(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

/// The DNS suffix of the partition `region` belongs to (every AWS partition, as the SDK's
/// partition table lists them: commercial, China, GovCloud, the ISO regions, European
/// Sovereign Cloud).
pub(crate) fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else if region.starts_with("us-isob-") {
        "sc2s.sgov.gov"
    } else if region.starts_with("us-isof-") || region.starts_with("eu-isof-") {
        "csp.hci.ic.gov"
    } else if region.starts_with("eu-isoe-") {
        "cloud.adc-e.uk"
    } else if region.starts_with("us-iso-") {
        "c2s.ic.gov"
    } else if region.starts_with("eusc-") {
        "amazonaws.eu"
    } else {
        "amazonaws.com"
    }
}

/// SigV4 signing of one request with the connection's credentials.
struct SigV4<'a> {
    sdk: &'a aws_config::SdkConfig,
    region: &'a str,
    name: &'static str,
}

#[async_trait::async_trait]
impl Authorize for SigV4<'_> {
    async fn authorize(&self, req: &mut HttpRequest) -> Result<(), ApiError> {
        let provider = self.sdk.credentials_provider().ok_or_else(|| {
            ApiError::failed("NoCredentials", "no credentials provider configured")
        })?;
        let creds = provider
            .provide_credentials()
            .await
            .map_err(|e| ApiError::failed("NoCredentials", format!("credentials: {e}")))?;
        let identity = creds.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(self.region)
            .name(self.name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| ApiError::failed("Signing", e))?
            .into();
        let host = req.host().to_string();
        req.headers.retain(|(k, _)| k != "host");
        req.headers.push(("host".into(), host));
        let signable = SignableRequest::new(
            req.method.as_str(),
            &req.url,
            req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(&req.body),
        )
        .map_err(|e| ApiError::failed("Signing", e))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| ApiError::failed("Signing", e))?
            .into_parts();
        for (k, v) in instructions.headers() {
            req.headers.push((k.to_ascii_lowercase(), v.to_string()));
        }
        Ok(())
    }
}

/// Code and message of a failed AWS response, in any of the wire formats: JSON
/// (`x-amzn-ErrorType` header, `__type`/`code`), or XML (`<Error><Code>`, EC2's
/// `<Response><Errors><Error><Code>` included).
fn decode_error(status: u16, headers: &[(String, String)], body: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(body);
    if text.trim_start().starts_with('<')
        && let Ok(doc) = roxmltree::Document::parse(&text)
    {
        let find = |name: &str| {
            doc.descendants()
                .find(|n| n.tag_name().name() == name)
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_string()
        };
        return (find("Code"), find("Message"));
    }
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| value.get(*n).and_then(Value::as_str))
            .map(str::to_string)
    };
    let raw = headers
        .iter()
        .find(|(k, _)| k == "x-amzn-errortype")
        .map(|(_, v)| v.clone())
        .or_else(|| field(&["__type", "code", "Code"]))
        .unwrap_or_else(|| format!("Http{status}"));
    // `aws.protocoltests#Code:http://...` and `com.amazonaws.kms#NotFoundException`.
    let code = raw
        .split(':')
        .next()
        .unwrap_or_default()
        .rsplit('#')
        .next()
        .unwrap_or_default()
        .to_string();
    let message = field(&["message", "Message"])
        .unwrap_or_else(|| text.chars().take(300).collect::<String>());
    (code, message)
}

impl AwsSource {
    /// Base URL of `service` in `region`: the connection's endpoint override if any,
    /// else the regional endpoint in the region's partition.
    fn service_url(&self, service: &Service, region: &str) -> String {
        if let Some(url) = &self.endpoint_url {
            return url.trim_end_matches('/').to_string();
        }
        format!(
            "https://{}.{region}.{}",
            service.endpoint_prefix,
            dns_suffix(region)
        )
    }

    /// Send one signed request through the shared REST layer.
    async fn send_signed(
        &self,
        service: &Service,
        region: &str,
        req: HttpRequest,
    ) -> Result<HttpResponse, ApiError> {
        let signer = SigV4 {
            sdk: &self.sdk,
            region,
            name: service.signing_name,
        };
        rest().send(service.endpoint_prefix, &signer, req).await
    }

    /// A JSON-protocol call (`X-Amz-Target`), returning the response object.
    pub(crate) async fn call_json(
        &self,
        service: &Service,
        region: &str,
        action: &str,
        input: Value,
    ) -> Result<Value, ApiError> {
        let Protocol::Json {
            target_prefix,
            version,
        } = service.protocol
        else {
            return Err(ApiError::failed("Client", "not a JSON-protocol service"));
        };
        let req = HttpRequest::new(
            reqwest::Method::POST,
            format!("{}/", self.service_url(service, region)),
        )
        .header("content-type", format!("application/x-amz-json-{version}"))
        .header("x-amz-target", format!("{target_prefix}.{action}"))
        .body(serde_json::to_vec(&input).unwrap_or_default());
        self.send_signed(service, region, req).await?.json()
    }

    /// A REST-JSON GET of `path` with `query` parameters.
    pub(crate) async fn call_rest_get(
        &self,
        service: &Service,
        region: &str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ApiError> {
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let req = HttpRequest::new(
            reqwest::Method::GET,
            format!("{}{path}", self.service_url(service, region)),
        )
        .query(&query);
        self.send_signed(service, region, req).await?.json()
    }

    /// A Query-protocol call; returns the `<Action>Result` element (for EC2, the
    /// `<Action>Response` element) as JSON (see [`xml_to_json`]), with the elements named
    /// in `lists` read as lists.
    pub(crate) async fn call_query(
        &self,
        service: &Service,
        region: &str,
        action: &str,
        params: &[(&str, String)],
        lists: &[&str],
    ) -> Result<Value, ApiError> {
        let (version, ec2) = match service.protocol {
            Protocol::Query { version } => (version, false),
            Protocol::Ec2Query { version } => (version, true),
            _ => return Err(ApiError::failed("Client", "not a Query-protocol service")),
        };
        let mut form = vec![
            format!("Action={}", encode(action)),
            format!("Version={}", encode(version)),
        ];
        form.extend(
            params
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v))),
        );
        let req = HttpRequest::new(
            reqwest::Method::POST,
            format!("{}/", self.service_url(service, region)),
        )
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(form.join("&").into_bytes());
        let resp = self.send_signed(service, region, req).await?;
        let text = String::from_utf8_lossy(&resp.body);
        let doc = roxmltree::Document::parse(&text).map_err(|e| {
            ApiError::failed(
                format!("Http{}", resp.status),
                format!("unreadable XML response: {e}"),
            )
        })?;
        if ec2 {
            // As the SDK does, a response under another root is not taken for an empty one.
            let root = doc.root_element();
            let expected = format!("{action}Response");
            if root.tag_name().name() != expected {
                return Err(ApiError::failed(
                    format!("Http{}", resp.status),
                    format!(
                        "unexpected XML response: <{}> instead of <{expected}>",
                        root.tag_name().name()
                    ),
                ));
            }
            return Ok(xml_to_json(root, lists, "item"));
        }
        let result_name = format!("{action}Result");
        Ok(doc
            .root_element()
            .children()
            .find(|n| n.tag_name().name() == result_name)
            .map(|n| xml_to_json(n, lists, "member"))
            .unwrap_or(Value::Null))
    }
}

/// An XML element of a Query-protocol response as JSON. Lists are never guessed from
/// child counts: an element named in `lists` (the call's list members, e.g. `DBInstances`)
/// and an element whose children are the protocol's list items (`member`, or `item` for
/// EC2) become arrays of their children, however many there are (none included);
/// text-only elements become strings; other elements become objects (a repeated child
/// name, a flattened list, collects into an array).
pub(crate) fn xml_to_json(node: roxmltree::Node<'_, '_>, lists: &[&str], item: &str) -> Value {
    let children: Vec<_> = node.children().filter(|n| n.is_element()).collect();
    let name = node.tag_name().name();
    if lists.contains(&name)
        || (!children.is_empty() && children.iter().all(|c| c.tag_name().name() == item))
    {
        return Value::Array(
            children
                .into_iter()
                .map(|c| xml_to_json(c, lists, item))
                .collect(),
        );
    }
    if children.is_empty() {
        return Value::String(node.text().unwrap_or_default().trim().to_string());
    }
    let mut map = Map::new();
    for c in children {
        let name = c.tag_name().name().to_string();
        let v = xml_to_json(c, lists, item);
        match map.get_mut(&name) {
            Some(Value::Array(a)) => a.push(v),
            Some(existing) => {
                let prev = existing.take();
                *existing = Value::Array(vec![prev, v]);
            }
            None => {
                map.insert(name, v);
            }
        }
    }
    Value::Object(map)
}

/// The items of a list member of a response (an array: see [`xml_to_json`]).
pub(crate) fn items(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    }
}

/// A page of rows whose continuation token is the response member `token_key`.
pub(crate) fn page(rows: Vec<Row>, out: &Value, token_key: &str) -> Page {
    Page {
        rows,
        next: out
            .get(token_key)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string),
    }
}

/// Text of a member of a JSON object.
pub(crate) fn s(v: &Value, key: &str) -> Value {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Value::String(s.clone()),
        Some(Value::Number(n)) => Value::String(n.to_string()),
        Some(Value::Bool(b)) => Value::String(b.to_string()),
        _ => Value::Null,
    }
}

/// A member of a JSON object as is (null when missing).
pub(crate) fn g(v: &Value, key: &str) -> Value {
    v.get(key).cloned().unwrap_or(Value::Null)
}

/// A boolean member, accepting the XML protocol's `"true"`/`"false"` text.
pub(crate) fn b(v: &Value, key: &str) -> Value {
    match v.get(key) {
        Some(Value::Bool(b)) => Value::Bool(*b),
        Some(Value::String(s)) => s.parse::<bool>().map(Value::Bool).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// A numeric member, accepting the XML protocol's text numbers.
pub(crate) fn n(v: &Value, key: &str) -> Value {
    match v.get(key) {
        Some(Value::Number(n)) => Value::Number(n.clone()),
        Some(Value::String(s)) => s
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| s.parse::<f64>().map(Value::from))
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// Insert `tags_src`/`tags` from an API tag list (`[{Key, Value}]` or `[{TagKey, TagValue}]`).
pub(crate) fn put_api_tags(row: &mut Row, tags: &[Value]) {
    let pairs = tag_pairs(tags);
    put_tags(row, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
}

/// `akas` of a resource whose ARN is `arn` (empty when it has none).
pub(crate) fn akas(arn: &Value) -> Vec<String> {
    arn.as_str()
        .map(|a| vec![a.to_string()])
        .unwrap_or_default()
}

/// Tags given as `[{Key, Value}]` (or `[{TagKey, TagValue}]`) as `(key, value)` pairs.
pub(crate) fn tag_pairs(tags: &[Value]) -> Vec<(String, String)> {
    tags.iter()
        .filter_map(|t| {
            let k = t.get("Key").or_else(|| t.get("TagKey"))?.as_str()?;
            let v = t
                .get("Value")
                .or_else(|| t.get("TagValue"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str, lists: &[&str]) -> Value {
        let doc = roxmltree::Document::parse(xml).unwrap();
        xml_to_json(doc.root_element(), lists, "member")
    }

    #[test]
    fn xml_lists_and_members() {
        let xml = r#"<DescribeAlarmsResult>
            <MetricAlarms><member><AlarmName>a</AlarmName><AlarmActions><member>arn:1</member></AlarmActions><OKActions/></member></MetricAlarms>
            <NextToken>t</NextToken></DescribeAlarmsResult>"#;
        let v = parse(xml, &["MetricAlarms", "OKActions"]);
        assert_eq!(v["NextToken"], "t");
        assert_eq!(v["MetricAlarms"][0]["AlarmName"], "a");
        assert_eq!(v["MetricAlarms"][0]["AlarmActions"][0], "arn:1");
        // A declared list with no items is an empty list, not an empty string.
        assert_eq!(v["MetricAlarms"][0]["OKActions"], serde_json::json!([]));
    }

    #[test]
    fn named_lists_do_not_depend_on_the_item_count() {
        let lists = &["DBInstances", "TagList"];
        let one = parse(
            "<R><DBInstances><DBInstance><Id>a</Id><TagList><Tag><Key>k</Key></Tag></TagList></DBInstance></DBInstances></R>",
            lists,
        );
        assert_eq!(items(one.get("DBInstances")).len(), 1);
        assert_eq!(one["DBInstances"][0]["Id"], "a");
        assert_eq!(one["DBInstances"][0]["TagList"][0]["Key"], "k");
        let two = parse(
            "<R><DBInstances><DBInstance><Id>a</Id></DBInstance><DBInstance><Id>b</Id></DBInstance></DBInstances></R>",
            lists,
        );
        assert_eq!(items(two.get("DBInstances"))[1]["Id"], "b");
        let none = parse("<R><DBInstances/></R>", lists);
        assert!(items(none.get("DBInstances")).is_empty());
        // A structure whose members happen to share a name is not taken for a list
        // unless the call says so.
        let s = parse("<R><Endpoint><Address>x</Address></Endpoint></R>", lists);
        assert_eq!(s["Endpoint"]["Address"], "x");
    }

    #[test]
    fn errors_of_every_wire_format_carry_the_bare_code() {
        let (code, msg) = decode_error(
            400,
            &[],
            br#"{"__type":"com.amazonaws.kms#NotFoundException","message":"no key"}"#,
        );
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("NotFoundException", "no key")
        );
        let (code, _) = decode_error(
            400,
            &[(
                "x-amzn-errortype".into(),
                "AccessDeniedException:http://x".into(),
            )],
            b"{}",
        );
        assert_eq!(code, "AccessDeniedException");
        let (code, msg) = decode_error(
            403,
            &[],
            b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>",
        );
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("AccessDenied", "not allowed")
        );
        let (code, msg) = decode_error(
            400,
            &[],
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>no vpc</Message></Error></Errors><RequestID>r</RequestID></Response>",
        );
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("InvalidVpcID.NotFound", "no vpc")
        );
        let (code, _) = decode_error(503, &[], b"");
        assert_eq!(code, "Http503");
    }

    #[test]
    fn ec2_lists_are_item_elements() {
        let doc = roxmltree::Document::parse(
            "<DescribeVpcsResponse><vpcSet><item><vpcId>a</vpcId><tagSet/></item></vpcSet>\
             <nextToken>t</nextToken></DescribeVpcsResponse>",
        )
        .unwrap();
        let v = xml_to_json(doc.root_element(), &[], "item");
        assert_eq!(items(v.get("vpcSet")).len(), 1);
        assert_eq!(v["vpcSet"][0]["vpcId"], "a");
        assert!(items(v["vpcSet"][0].get("tagSet")).is_empty());
        assert_eq!(v["nextToken"], "t");
        // `item` is not a list item of the other Query services.
        let v = xml_to_json(doc.root_element(), &[], "member");
        assert_eq!(v["vpcSet"]["item"]["vpcId"], "a");
    }

    #[test]
    fn endpoints_cover_every_partition() {
        assert_eq!(dns_suffix("eu-west-1"), "amazonaws.com");
        assert_eq!(dns_suffix("us-gov-west-1"), "amazonaws.com");
        assert_eq!(dns_suffix("cn-northwest-1"), "amazonaws.com.cn");
        assert_eq!(dns_suffix("us-iso-east-1"), "c2s.ic.gov");
        assert_eq!(dns_suffix("us-isob-east-1"), "sc2s.sgov.gov");
        assert_eq!(dns_suffix("eu-isoe-west-1"), "cloud.adc-e.uk");
        assert_eq!(dns_suffix("us-isof-south-1"), "csp.hci.ic.gov");
        assert_eq!(dns_suffix("eusc-de-east-1"), "amazonaws.eu");
    }

    #[test]
    fn scalar_helpers_accept_xml_text() {
        let v = serde_json::json!({"A": "true", "N": "5", "F": "1.5", "E": ""});
        assert_eq!(b(&v, "A"), Value::Bool(true));
        assert_eq!(n(&v, "N"), Value::from(5));
        assert_eq!(n(&v, "F"), Value::from(1.5));
        assert_eq!(s(&v, "E"), Value::Null);
    }
}
