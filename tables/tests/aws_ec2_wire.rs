//! The EC2 tables' wire protocol against a local EC2 endpoint that answers as EC2 does
//! and moto cannot: paging with `nextToken`, filters, per-region signing, and EC2's error
//! document for access denied, throttling and malformed ids. Calls go through
//! `ConnectionRuntime::call` exactly as a table scan makes them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use pathwarden_tables::aws::{AwsConnectionConfig, AwsSource};
use pathwarden_tables::framework::source::Quals;
use pathwarden_tables::framework::{
    ConnectionRuntime, ErrorLog, FetchError, ListRequest, Page, RetryPolicy, RuntimeOptions, Source,
};
use serde_json::Value;

const ACCOUNT: &str = "123456789012";

/// One request as the endpoint saw it.
#[derive(Debug, Clone)]
struct Seen {
    form: BTreeMap<String, String>,
    authorization: String,
}

/// Status and body of one answer.
type Answer = (u16, String);

/// The EC2 answers to give, in order, per action (the last one repeats).
#[derive(Clone, Default)]
struct Endpoint {
    answers: Arc<Mutex<BTreeMap<String, Vec<Answer>>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Endpoint {
    fn answer(&self, action: &str, answers: Vec<Answer>) {
        self.answers
            .lock()
            .unwrap()
            .insert(action.to_string(), answers);
    }

    /// The EC2 requests of `action` seen so far.
    fn seen(&self, action: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.form.get("Action").map(String::as_str) == Some(action))
            .cloned()
            .collect()
    }
}

fn parse_form(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            let decode = |s: &str| {
                urlencoding::decode(&s.replace('+', " "))
                    .map(|c| c.into_owned())
                    .unwrap_or_default()
            };
            (decode(k), decode(v))
        })
        .collect()
}

async fn handler(State(e): State<Endpoint>, headers: HeaderMap, body: String) -> Response {
    let form = parse_form(&body);
    let action = form.get("Action").cloned().unwrap_or_default();
    if action == "GetCallerIdentity" {
        return (
            StatusCode::OK,
            format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/scanner</Arn>\
                 <UserId>AIDAEXAMPLE</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult>\
                 <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>\
                 </GetCallerIdentityResponse>"
            ),
        )
            .into_response();
    }
    e.seen.lock().unwrap().push(Seen {
        form,
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
    });
    let (status, body) = {
        let mut answers = e.answers.lock().unwrap();
        match answers.get_mut(&action) {
            Some(list) if list.len() > 1 => list.remove(0),
            Some(list) if !list.is_empty() => list[0].clone(),
            _ => (400, error("InvalidAction", "not scripted")),
        }
    };
    (StatusCode::from_u16(status).unwrap(), body).into_response()
}

/// EC2's error document.
fn error(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
         <Message>{message}</Message></Error></Errors><RequestID>r-1</RequestID></Response>"
    )
}

/// A DescribeVpcs page with the given VPC ids and continuation token.
fn vpcs(ids: &[&str], next: Option<&str>) -> String {
    let items: String = ids
        .iter()
        .map(|id| {
            format!(
                "<item><vpcId>{id}</vpcId><ownerId>{ACCOUNT}</ownerId><state>available</state>\
                 <cidrBlock>10.0.0.0/16</cidrBlock><isDefault>false</isDefault>\
                 <tagSet><item><key>Name</key><value>net-{id}</value></item></tagSet></item>"
            )
        })
        .collect();
    let next = next.map_or("<nextToken/>".to_string(), |t| {
        format!("<nextToken>{t}</nextToken>")
    });
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
         <requestId>r-1</requestId><vpcSet>{items}</vpcSet>{next}</DescribeVpcsResponse>"
    )
}

async fn start() -> (Endpoint, Arc<AwsSource>, Arc<ConnectionRuntime>) {
    let endpoint = Endpoint::default();
    let app = Router::new()
        .route("/", post(handler))
        .with_state(endpoint.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    let source = Arc::new(
        AwsSource::connect(AwsConnectionConfig {
            name: "wire".into(),
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            endpoint_url: Some(format!("http://{addr}")),
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some("secret".into()),
            ..Default::default()
        })
        .await
        .expect("connects"),
    );
    let rt = ConnectionRuntime::new(
        source.clone(),
        RuntimeOptions {
            retry: RetryPolicy {
                min_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(50),
                max_retries: 3,
            },
            ..RuntimeOptions::default()
        },
        Arc::new(ErrorLog::default()),
    );
    (endpoint, source, rt)
}

/// One page of `table` in `region` through the runtime, as a scan lists it.
async fn list_page(
    rt: &ConnectionRuntime,
    source: &AwsSource,
    table: &str,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let def = pathwarden_tables::aws::table(table).expect("table");
    rt.call("ec2", || source.list_page(def, req, token.clone()))
        .await
}

fn in_region(region: &str) -> ListRequest {
    ListRequest {
        region: Some(region.into()),
        quals: Quals::default(),
    }
}

#[tokio::test]
async fn pages_follow_next_token_with_the_filters_and_the_region() {
    let (endpoint, source, rt) = start().await;
    endpoint.answer(
        "DescribeVpcs",
        vec![
            (200, vpcs(&["vpc-1", "vpc-2"], Some("page-2"))),
            (200, vpcs(&["vpc-3"], None)),
        ],
    );
    let req = ListRequest {
        region: Some("eu-west-1".into()),
        quals: Quals {
            equals: vec![("owner_id".into(), vec![Value::from(ACCOUNT)])],
        },
    };
    let first = list_page(&rt, &source, "aws_vpc", &req, None)
        .await
        .expect("first page");
    assert_eq!(first.next.as_deref(), Some("page-2"));
    let second = list_page(&rt, &source, "aws_vpc", &req, first.next.clone())
        .await
        .expect("second page");
    assert_eq!(second.next, None, "an empty nextToken ends the listing");
    let rows: Vec<_> = first.rows.iter().chain(&second.rows).collect();
    let ids: Vec<&str> = rows.iter().filter_map(|r| r["vpc_id"].as_str()).collect();
    assert_eq!(ids, ["vpc-1", "vpc-2", "vpc-3"]);
    assert_eq!(rows[0]["title"], "net-vpc-1");
    assert_eq!(rows[0]["is_default"], false);
    assert_eq!(rows[0]["region"], "eu-west-1");
    assert_eq!(
        rows[0]["arn"],
        format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/vpc-1")
    );
    assert_eq!(rows[0]["tags"], serde_json::json!({"Name": "net-vpc-1"}));

    let seen = endpoint.seen("DescribeVpcs");
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(s.form["Version"], "2016-11-15");
        assert_eq!(s.form["MaxResults"], "1000");
        assert_eq!(s.form["Filter.1.Name"], "owner-id");
        assert_eq!(s.form["Filter.1.Value.1"], ACCOUNT);
        assert!(
            s.authorization.contains("/eu-west-1/ec2/aws4_request"),
            "signed for the listed region and EC2: {}",
            s.authorization
        );
    }
    assert!(!seen[0].form.contains_key("NextToken"));
    assert_eq!(seen[1].form["NextToken"], "page-2");
}

#[tokio::test]
async fn unauthorized_operation_is_access_denied_and_not_retried() {
    let (endpoint, source, rt) = start().await;
    endpoint.answer(
        "DescribeSecurityGroups",
        vec![(
            403,
            error(
                "UnauthorizedOperation",
                "You are not authorized to perform this operation.",
            ),
        )],
    );
    let e = list_page(
        &rt,
        &source,
        "aws_vpc_security_group",
        &in_region("us-east-1"),
        None,
    )
    .await
    .unwrap_err();
    match &e {
        FetchError::AccessDenied { api_call, message } => {
            assert_eq!(api_call, "ec2:DescribeSecurityGroups");
            assert_eq!(
                message,
                "UnauthorizedOperation: You are not authorized to perform this operation."
            );
        }
        other => panic!("not access denied: {other:?}"),
    }
    assert_eq!(endpoint.seen("DescribeSecurityGroups").len(), 1);
}

#[tokio::test]
async fn request_limit_exceeded_is_retried() {
    let (endpoint, source, rt) = start().await;
    endpoint.answer(
        "DescribeVpcs",
        vec![
            (
                503,
                error("RequestLimitExceeded", "Request limit exceeded."),
            ),
            (200, vpcs(&["vpc-1"], None)),
        ],
    );
    let page = list_page(&rt, &source, "aws_vpc", &in_region("us-east-1"), None)
        .await
        .expect("succeeds after the retry");
    assert_eq!(page.rows.len(), 1);
    assert_eq!(endpoint.seen("DescribeVpcs").len(), 2);

    // Throttling that does not pass gives up as throttling, naming the call.
    endpoint.answer(
        "DescribeVpcs",
        vec![(
            503,
            error("RequestLimitExceeded", "Request limit exceeded."),
        )],
    );
    let e = list_page(&rt, &source, "aws_vpc", &in_region("us-east-1"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, FetchError::Throttled { api_call, .. } if api_call == "ec2:DescribeVpcs"),
        "{e:?}"
    );
}

#[tokio::test]
async fn lookups_by_unknown_or_malformed_ids_find_nothing() {
    let (endpoint, source, _rt) = start().await;
    let def = pathwarden_tables::aws::table("aws_vpc_security_group").expect("table");
    for code in ["InvalidGroup.NotFound", "InvalidGroupId.Malformed"] {
        endpoint.answer("DescribeSecurityGroups", vec![(400, error(code, "no"))]);
        let got = source
            .get(def, Some("us-east-1"), "group_id", &Value::from("sg-nope"))
            .await;
        assert!(matches!(got, Ok(None)), "{code}: {got:?}");
    }
    let seen = endpoint.seen("DescribeSecurityGroups");
    assert_eq!(seen[0].form["GroupId.1"], "sg-nope");
    // Any other failure of a lookup is an error.
    endpoint.answer(
        "DescribeSecurityGroups",
        vec![(400, error("InvalidParameterValue", "bad value"))],
    );
    let got = source
        .get(def, Some("us-east-1"), "group_id", &Value::from("sg-nope"))
        .await;
    assert!(
        matches!(&got, Err(FetchError::Api { message, .. }) if message == "InvalidParameterValue: bad value"),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_response_under_another_root_is_an_error_not_an_empty_page() {
    let (endpoint, source, rt) = start().await;
    endpoint.answer(
        "DescribeVpcs",
        vec![(200, "<SomethingElse><vpcSet/></SomethingElse>".into())],
    );
    let e = list_page(&rt, &source, "aws_vpc", &in_region("us-east-1"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, FetchError::Api { api_call, message } if api_call == "ec2:DescribeVpcs" && message.contains("SomethingElse")),
        "{e:?}"
    );
}
