//! A small signed-request client for the AWS services whose tables only need a few read
//! calls (CloudTrail, Config, KMS, CloudWatch, CloudWatch Logs, SNS, RDS, EFS, Access
//! Analyzer, Security Hub).
//!
//! Why not one `aws-sdk-*` crate per service: each SDK crate costs between half a minute
//! and several minutes of compile time on the two-core build machines this project is
//! built and tested on, and these tables use two or three read calls per service. The
//! client speaks the three wire protocols those calls use (JSON 1.1 with `X-Amz-Target`,
//! REST-JSON, and the XML Query protocol), signs with `aws-sigv4` — the SDK's own signer —
//! and takes its credentials, region and endpoint from the connection's `SdkConfig`, so
//! profiles, the default chain, static test keys and role assumption behave exactly as
//! for the SDK-backed tables.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde_json::{Map, Value};

use super::json::put_tags;
use super::source::AwsSource;
use crate::framework::{FetchError, Page, Row};

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
}

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

/// A failed call as the service described it.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    /// Error code without namespace (`AccessDeniedException`), or `Http<status>`.
    pub code: String,
    /// Message from the service.
    pub message: String,
}

impl ApiError {
    /// Whether the error says the resource does not exist (or the feature is off).
    pub(crate) fn is_not_found(&self) -> bool {
        let c = self.code.as_str();
        c.contains("NotFound")
            || c.starts_with("NoSuch")
            || c == "ResourceNotFoundException"
            || c == "Http404"
    }

    /// The framework error for this failure of `api_call`.
    pub(crate) fn into_fetch(self, api_call: &str) -> FetchError {
        let api_call = api_call.to_string();
        let message = if self.message.is_empty() {
            self.code.clone()
        } else {
            format!("{}: {}", self.code, self.message)
        };
        match self.code.as_str() {
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthorizationError"
            | "UnrecognizedClientException"
            | "Http403" => FetchError::AccessDenied { api_call, message },
            "Throttling"
            | "ThrottlingException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "LimitExceededException"
            | "Http429" => FetchError::Throttled { api_call, message },
            _ => FetchError::Api { api_call, message },
        }
    }
}

fn transport(message: impl ToString) -> ApiError {
    ApiError {
        code: "Transport".into(),
        message: message.to_string(),
    }
}

/// The shared HTTP client (connection pool) of every signed call.
fn http() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new())
    })
}

/// Percent-encode a query or form component as SigV4 expects (RFC 3986 unreserved kept).
pub(crate) fn encode(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

impl AwsSource {
    /// Base URL of `service` in `region`: the connection's endpoint override if any.
    fn service_url(&self, service: &Service, region: &str) -> String {
        if let Some(url) = &self.endpoint_url {
            return url.trim_end_matches('/').to_string();
        }
        let suffix = if self.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!("https://{}.{region}.{suffix}", service.endpoint_prefix)
    }

    /// Send one signed request and return the status and body.
    async fn send_signed(
        &self,
        service: &Service,
        region: &str,
        method: &str,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> Result<(u16, Vec<(String, String)>, Vec<u8>), ApiError> {
        let provider = self
            .sdk
            .credentials_provider()
            .ok_or_else(|| transport("no credentials provider configured"))?;
        let creds = provider
            .provide_credentials()
            .await
            .map_err(|e| transport(format!("credentials: {e}")))?;
        let identity = creds.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(service.signing_name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| transport(format!("signing: {e}")))?
            .into();
        let host = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_string();
        let mut all_headers: Vec<(&str, String)> = vec![("host", host)];
        all_headers.extend(headers);
        let signable = SignableRequest::new(
            method,
            url,
            all_headers.iter().map(|(k, v)| (*k, v.as_str())),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| transport(format!("signing: {e}")))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| transport(format!("signing: {e}")))?
            .into_parts();
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| transport(format!("method: {e}")))?;
        let mut req = http().request(method, url);
        for (k, v) in &all_headers {
            if *k != "host" {
                req = req.header(*k, v);
            }
        }
        for (k, v) in instructions.headers() {
            req = req.header(k, v);
        }
        let resp = req
            .body(body)
            .send()
            .await
            .map_err(|e| transport(format!("{e}")))?;
        let status = resp.status().as_u16();
        let resp_headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let bytes = resp.bytes().await.map_err(|e| transport(format!("{e}")))?;
        Ok((status, resp_headers, bytes.to_vec()))
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
            return Err(transport("not a JSON-protocol service"));
        };
        let url = format!("{}/", self.service_url(service, region));
        let headers = vec![
            ("content-type", format!("application/x-amz-json-{version}")),
            ("x-amz-target", format!("{target_prefix}.{action}")),
        ];
        let body = serde_json::to_vec(&input).map_err(transport)?;
        let (status, resp_headers, body) = self
            .send_signed(service, region, "POST", &url, headers, body)
            .await?;
        json_response(status, &resp_headers, &body)
    }

    /// A REST-JSON GET of `path` with `query` parameters.
    pub(crate) async fn call_rest_get(
        &self,
        service: &Service,
        region: &str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ApiError> {
        let mut url = format!("{}{path}", self.service_url(service, region));
        if !query.is_empty() {
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            url.push('?');
            url.push_str(&q.join("&"));
        }
        let (status, resp_headers, body) = self
            .send_signed(service, region, "GET", &url, Vec::new(), Vec::new())
            .await?;
        json_response(status, &resp_headers, &body)
    }

    /// A Query-protocol call; returns the `<Action>Result` element as JSON (see
    /// [`xml_to_json`]).
    pub(crate) async fn call_query(
        &self,
        service: &Service,
        region: &str,
        action: &str,
        params: &[(&str, String)],
    ) -> Result<Value, ApiError> {
        let Protocol::Query { version } = service.protocol else {
            return Err(transport("not a Query-protocol service"));
        };
        let url = format!("{}/", self.service_url(service, region));
        let mut form = vec![
            format!("Action={}", encode(action)),
            format!("Version={}", encode(version)),
        ];
        form.extend(
            params
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v))),
        );
        let headers = vec![(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        )];
        let (status, _, body) = self
            .send_signed(
                service,
                region,
                "POST",
                &url,
                headers,
                form.join("&").into_bytes(),
            )
            .await?;
        let text = String::from_utf8_lossy(&body);
        let doc = roxmltree::Document::parse(&text).map_err(|e| ApiError {
            code: format!("Http{status}"),
            message: format!("unreadable XML response: {e}"),
        })?;
        let root = doc.root_element();
        if !(200..300).contains(&status) || root.tag_name().name().ends_with("ErrorResponse") {
            let find = |name: &str| {
                root.descendants()
                    .find(|n| n.tag_name().name() == name)
                    .and_then(|n| n.text())
                    .unwrap_or_default()
                    .to_string()
            };
            let code = find("Code");
            return Err(ApiError {
                code: if code.is_empty() {
                    format!("Http{status}")
                } else {
                    code
                },
                message: find("Message"),
            });
        }
        let result_name = format!("{action}Result");
        Ok(root
            .children()
            .find(|n| n.tag_name().name() == result_name)
            .map(xml_to_json)
            .unwrap_or(Value::Null))
    }
}

fn json_response(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Value, ApiError> {
    let value: Value = if body.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(body).unwrap_or_else(|_| {
            Value::String(String::from_utf8_lossy(body).chars().take(300).collect())
        })
    };
    if (200..300).contains(&status) {
        return if value.is_string() {
            Err(ApiError {
                code: format!("Http{status}"),
                message: "response is not JSON".into(),
            })
        } else {
            Ok(value)
        };
    }
    let header_code = headers
        .iter()
        .find(|(k, _)| k == "x-amzn-errortype")
        .map(|(_, v)| v.clone());
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| value.get(*n).and_then(Value::as_str))
            .map(str::to_string)
    };
    let raw = header_code
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
    Err(ApiError {
        code,
        message: field(&["message", "Message"])
            .or_else(|| value.as_str().map(str::to_string))
            .unwrap_or_default(),
    })
}

/// An XML element as JSON: text-only elements become strings; `member` children and
/// repeated child names become arrays; other children become object members.
pub(crate) fn xml_to_json(node: roxmltree::Node<'_, '_>) -> Value {
    let children: Vec<_> = node.children().filter(|n| n.is_element()).collect();
    if children.is_empty() {
        return Value::String(node.text().unwrap_or_default().trim().to_string());
    }
    let first = children[0].tag_name().name();
    let all_same = children.iter().all(|c| c.tag_name().name() == first);
    if first == "member" || (all_same && children.len() > 1) {
        return Value::Array(children.into_iter().map(xml_to_json).collect());
    }
    let mut map = Map::new();
    for c in children {
        let name = c.tag_name().name().to_string();
        let v = xml_to_json(c);
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

/// The items of an XML-derived list wrapper such as `<DBInstances><DBInstance>..`,
/// which [`xml_to_json`] turns into an array (several items), an object holding the one
/// item under `item`, or an empty string (no items).
pub(crate) fn xml_list(v: Option<&Value>, item: &str) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(o)) => match o.get(item) {
            Some(Value::Array(a)) => a.clone(),
            Some(one) => vec![one.clone()],
            None => vec![Value::Object(o.clone())],
        },
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

    #[test]
    fn xml_lists_and_members() {
        let xml = r#"<DescribeAlarmsResponse xmlns="x"><DescribeAlarmsResult>
            <MetricAlarms><member><AlarmName>a</AlarmName><AlarmActions><member>arn:1</member></AlarmActions></member></MetricAlarms>
            <NextToken>t</NextToken></DescribeAlarmsResult></DescribeAlarmsResponse>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let result = doc.root_element().first_element_child().unwrap();
        let v = xml_to_json(result);
        assert_eq!(v["NextToken"], "t");
        assert_eq!(v["MetricAlarms"][0]["AlarmName"], "a");
        assert_eq!(v["MetricAlarms"][0]["AlarmActions"][0], "arn:1");
    }

    #[test]
    fn xml_single_and_many_items() {
        let one = roxmltree::Document::parse(
            "<R><DBInstances><DBInstance><Id>a</Id></DBInstance></DBInstances></R>",
        )
        .unwrap();
        let v = xml_to_json(one.root_element());
        assert_eq!(xml_list(v.get("DBInstances"), "DBInstance").len(), 1);
        let two = roxmltree::Document::parse(
            "<R><DBInstances><DBInstance><Id>a</Id></DBInstance><DBInstance><Id>b</Id></DBInstance></DBInstances></R>",
        )
        .unwrap();
        let v = xml_to_json(two.root_element());
        let items = xml_list(v.get("DBInstances"), "DBInstance");
        assert_eq!(items.len(), 2);
        assert_eq!(items[1]["Id"], "b");
        let none = roxmltree::Document::parse("<R><DBInstances/></R>").unwrap();
        let v = xml_to_json(none.root_element());
        assert!(xml_list(v.get("DBInstances"), "DBInstance").is_empty());
    }

    #[test]
    fn json_errors_carry_the_bare_code() {
        let body = br#"{"__type":"com.amazonaws.kms#NotFoundException","message":"no key"}"#;
        let e = json_response(400, &[], body).unwrap_err();
        assert_eq!(e.code, "NotFoundException");
        assert!(e.is_not_found());
        let e = json_response(
            400,
            &[(
                "x-amzn-errortype".into(),
                "AccessDeniedException:http://x".into(),
            )],
            b"{}",
        )
        .unwrap_err();
        assert!(matches!(
            e.into_fetch("kms:ListKeys"),
            FetchError::AccessDenied { .. }
        ));
        let e = json_response(400, &[], br#"{"__type":"ThrottlingException"}"#).unwrap_err();
        assert!(matches!(
            e.into_fetch("kms:ListKeys"),
            FetchError::Throttled { .. }
        ));
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
