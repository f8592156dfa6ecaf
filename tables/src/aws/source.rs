//! The live `aws` provider: one [`AwsSource`] per configured connection.
//!
//! Credentials come from aws-config's default chain, a named profile, static keys (tests),
//! and optionally an STS AssumeRole (with ExternalId) on top. The account id is read once
//! with sts:GetCallerIdentity at connect time; the partition comes from the caller's ARN.
//! Each table's list/get/hydrate calls live beside its definition, referenced from its
//! registered [`AwsTable`]; this file holds what they share (clients, account, partition,
//! error mapping) and calls them through those references.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_iam::error::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;

use super::TABLES;
use crate::framework::registry::{self, HydrateRef};
use crate::framework::{FetchError, ListRequest, Page, Row, Source, TableDef};

/// Settings of one AWS connection.
#[derive(Clone, Default)]
pub struct AwsConnectionConfig {
    /// Connection (schema) name.
    pub name: String,
    /// Regions regional tables are listed in; the first is the default region. Empty means
    /// the default chain's region (or us-east-1).
    pub regions: Vec<String>,
    /// Named profile from the shared config/credentials files.
    pub profile: Option<String>,
    /// Role to assume (cross-account access) on top of the base credentials.
    pub role_arn: Option<String>,
    /// ExternalId passed when assuming `role_arn`.
    pub external_id: Option<String>,
    /// Endpoint for every service (a local emulator such as moto).
    pub endpoint_url: Option<String>,
    /// Static access key id (mainly for tests); used with `secret_access_key`.
    pub access_key_id: Option<String>,
    /// Static secret key (mainly for tests). Never logged.
    pub secret_access_key: Option<String>,
    /// Address buckets by path (`endpoint/bucket`) instead of by virtual host.
    pub s3_force_path_style: bool,
}

impl fmt::Debug for AwsConnectionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret key never leaves this struct, not even through Debug.
        f.debug_struct("AwsConnectionConfig")
            .field("name", &self.name)
            .field("regions", &self.regions)
            .field("profile", &self.profile)
            .field("role_arn", &self.role_arn)
            .field("external_id", &self.external_id.as_ref().map(|_| "<set>"))
            .field("endpoint_url", &self.endpoint_url)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("s3_force_path_style", &self.s3_force_path_style)
            .finish()
    }
}

/// Why a connection could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// The configuration is inconsistent.
    #[error("aws connection {connection}: {message}")]
    Config {
        /// Connection name.
        connection: String,
        /// What is wrong.
        message: String,
    },
    /// sts:GetCallerIdentity failed: no usable credentials, or the role could not be assumed.
    #[error(
        "aws connection {connection}: cannot identify the caller (sts:GetCallerIdentity): {message}"
    )]
    Identity {
        /// Connection name.
        connection: String,
        /// Error from STS.
        message: String,
    },
}

/// The live AWS provider of one connection.
pub struct AwsSource {
    pub(crate) connection: String,
    pub(crate) account_id: String,
    pub(crate) partition: String,
    pub(crate) regions: Vec<String>,
    pub(crate) default_region: String,
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) sdk: SdkConfig,
    pub(crate) endpoint_url: Option<String>,
    s3_force_path_style: bool,
    s3_clients: Mutex<HashMap<String, aws_sdk_s3::Client>>,
    /// Whether the `aws_organizations_*` tables call Organizations (false for the member
    /// accounts of an organization connection, which read it from its own account).
    pub(crate) reads_organization: bool,
}

impl fmt::Debug for AwsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsSource")
            .field("connection", &self.connection)
            .field("account_id", &self.account_id)
            .field("partition", &self.partition)
            .field("regions", &self.regions)
            .finish()
    }
}

/// `sts:GetCallerIdentity` with `sdk`'s credentials: the account and partition.
async fn identify(connection: &str, sdk: &SdkConfig) -> Result<(String, String), AwsError> {
    let identity = aws_sdk_sts::Client::new(sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::Identity {
            connection: connection.to_string(),
            message: error_message(&e),
        })?;
    let account_id = identity.account().unwrap_or_default().to_string();
    let partition = identity
        .arn()
        .unwrap_or_default()
        .split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_string();
    if account_id.is_empty() {
        return Err(AwsError::Identity {
            connection: connection.to_string(),
            message: "no account in the response".into(),
        });
    }
    Ok((account_id, partition))
}

impl AwsSource {
    /// Resolve credentials, assume the role if configured, and identify the account.
    pub async fn connect(cfg: AwsConnectionConfig) -> Result<AwsSource, AwsError> {
        let config_err = |message: &str| AwsError::Config {
            connection: cfg.name.clone(),
            message: message.to_string(),
        };
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &cfg.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(r) = cfg.regions.first() {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(url) = &cfg.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        match (&cfg.access_key_id, &cfg.secret_access_key) {
            (Some(id), Some(secret)) => {
                loader = loader.credentials_provider(Credentials::new(
                    id,
                    secret,
                    None,
                    None,
                    "pathwarden-static",
                ));
            }
            (None, None) => {}
            _ => {
                return Err(config_err(
                    "access_key_id and secret_access_key must be set together",
                ));
            }
        }
        let mut sdk = loader.load().await;
        let default_region = match (cfg.regions.first(), sdk.region()) {
            (Some(r), _) => r.clone(),
            (None, Some(r)) => r.to_string(),
            (None, None) => "us-east-1".to_string(),
        };
        if sdk.region().is_none() {
            sdk = sdk
                .to_builder()
                .region(Region::new(default_region.clone()))
                .build();
        }
        if let Some(role) = &cfg.role_arn {
            let mut builder = aws_config::sts::AssumeRoleProvider::builder(role)
                .session_name("pathwarden")
                .configure(&sdk);
            if let Some(ext) = &cfg.external_id {
                builder = builder.external_id(ext);
            }
            let provider = builder.build().await;
            sdk = sdk
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build();
        }
        let (account_id, partition) = identify(&cfg.name, &sdk).await?;
        tracing::info!(connection = %cfg.name, account_id = %account_id, partition = %partition, "aws connection ready");
        let regions = if cfg.regions.is_empty() {
            vec![default_region.clone()]
        } else {
            cfg.regions.clone()
        };
        Ok(AwsSource {
            connection: cfg.name,
            account_id,
            partition,
            regions,
            default_region,
            iam: aws_sdk_iam::Client::new(&sdk),
            sdk,
            endpoint_url: cfg.endpoint_url.clone(),
            s3_force_path_style: cfg.s3_force_path_style,
            s3_clients: Mutex::new(HashMap::new()),
            reads_organization: true,
        })
    }

    /// A connection to another account of the organization: `role_arn` assumed with this
    /// connection's credentials (so a role trusting this account, as
    /// `OrganizationAccountAccessRole` trusts the management account, accepts it), the same
    /// regions and endpoint. Fails when the role cannot be assumed or the credentials it
    /// gives belong to another account than `account_id`.
    pub async fn assume_into(
        &self,
        name: &str,
        account_id: &str,
        role_arn: &str,
        external_id: Option<&str>,
    ) -> Result<AwsSource, AwsError> {
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(role_arn)
            .session_name("pathwarden")
            .configure(&self.sdk);
        if let Some(ext) = external_id {
            builder = builder.external_id(ext);
        }
        let provider = builder.build().await;
        let sdk = self
            .sdk
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        let (got, partition) = identify(name, &sdk).await?;
        if got != account_id {
            return Err(AwsError::Identity {
                connection: name.to_string(),
                message: format!("{role_arn} gave credentials of account {got}"),
            });
        }
        tracing::info!(connection = %name, account_id = %got, "aws member account ready");
        Ok(AwsSource {
            connection: name.to_string(),
            account_id: got,
            partition,
            regions: self.regions.clone(),
            default_region: self.default_region.clone(),
            iam: aws_sdk_iam::Client::new(&sdk),
            sdk,
            endpoint_url: self.endpoint_url.clone(),
            s3_force_path_style: self.s3_force_path_style,
            s3_clients: Mutex::new(HashMap::new()),
            reads_organization: false,
        })
    }

    /// The account the credentials belong to.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The connection's IAM client (its credentials, role and endpoint).
    pub fn iam_client(&self) -> aws_sdk_iam::Client {
        self.iam.clone()
    }

    /// The partition of the account (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> &str {
        &self.partition
    }

    /// S3 client for a bucket's region: calls on a bucket must go to its own region.
    pub(crate) fn s3(&self, region: Option<&str>) -> aws_sdk_s3::Client {
        let region = region.unwrap_or(&self.default_region).to_string();
        let mut clients = self.s3_clients.lock().unwrap_or_else(|p| p.into_inner());
        clients
            .entry(region.clone())
            .or_insert_with(|| {
                let conf = aws_sdk_s3::config::Builder::from(&self.sdk)
                    .region(Region::new(region))
                    .force_path_style(self.s3_force_path_style)
                    .build();
                aws_sdk_s3::Client::from_conf(conf)
            })
            .clone()
    }

    /// The standard columns of a row in `region`, with `title` and `akas`.
    pub(crate) fn common(&self, row: &mut Row, region: &str, title: Value, akas: Vec<String>) {
        row.insert("title".into(), title);
        row.insert(
            "akas".into(),
            Value::Array(akas.into_iter().map(Value::String).collect()),
        );
        row.insert("partition".into(), Value::String(self.partition.clone()));
        row.insert("region".into(), Value::String(region.to_string()));
        row.insert("account_id".into(), Value::String(self.account_id.clone()));
        row.insert(
            "_ctx".into(),
            serde_json::json!({ "connection_name": self.connection }),
        );
    }

    /// `arn:<partition>:<service>:<region>:<account>:<resource>`.
    pub(crate) fn arn(&self, service: &str, region: &str, account: &str, resource: &str) -> String {
        format!(
            "arn:{}:{}:{}:{}:{}",
            self.partition, service, region, account, resource
        )
    }
}

/// The error code of a failed call (e.g. `NoSuchEntity`), if the service sent one.
pub(crate) fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.code()
}

/// Whether a failed call means "no such resource".
pub(crate) fn is_not_found<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    error_code(err).is_some_and(is_not_found_code)
}

/// Whether an error code means "no such resource". EC2's `*.Malformed` codes count: a
/// lookup by an id that cannot exist finds nothing.
pub(crate) fn is_not_found_code(code: &str) -> bool {
    code == "NoSuchEntity"
        || code == "NotFound"
        || code == "NoSuchBucket"
        || code.ends_with(".NotFound")
        || code.ends_with(".Malformed")
}

fn error_message<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_string(),
        // Transport and credential failures carry their cause in the error chain.
        _ => DisplayErrorContext(err).to_string(),
    }
}

/// Map a failed SDK call to the framework's error kinds.
pub(crate) fn api_err<E, R>(api_call: &str, err: SdkError<E, R>) -> FetchError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    // The SDK retries throttling itself; what reaches here is classified by the one
    // table of the REST layer, like every other provider's failures.
    crate::framework::rest::ServiceError {
        status: 0,
        code: err.code().unwrap_or_default().to_string(),
        message: error_message(&err),
        retry_after: None,
    }
    .into_fetch(api_call)
}

/// Text values of a query's equality constraint on `column`.
pub(crate) fn qual_strings(req: &ListRequest, column: &str) -> Option<Vec<String>> {
    req.quals.values(column).map(|vs| {
        vs.iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    })
}

/// The single boolean a query constrains `column` to, if any.
pub(crate) fn qual_bool(req: &ListRequest, column: &str) -> Option<bool> {
    match req.quals.values(column) {
        Some([Value::Bool(b)]) => Some(*b),
        _ => None,
    }
}

/// Text of a key value (keys arrive as JSON values).
pub(crate) fn key_text(key: &Value) -> Option<&str> {
    key.as_str()
}

/// Text of a row column.
pub(crate) fn row_str<'a>(row: &'a Row, column: &str) -> Option<&'a str> {
    row.get(column).and_then(Value::as_str)
}

/// A required row column, as the error a hydrate call returns when it is missing.
pub(crate) fn need<'a>(row: &'a Row, column: &str, api_call: &str) -> Result<&'a str, FetchError> {
    row_str(row, column).ok_or_else(|| FetchError::Api {
        api_call: api_call.to_string(),
        message: format!("row has no {column}"),
    })
}

impl AwsSource {
    /// The region a list call runs in: the partition's region, or the default one.
    pub(crate) fn list_region<'a>(&'a self, req: &'a ListRequest) -> &'a str {
        req.region.as_deref().unwrap_or(&self.default_region)
    }
}

#[async_trait]
impl Source for AwsSource {
    fn connection(&self) -> &str {
        &self.connection
    }

    fn plugin(&self) -> &str {
        "aws"
    }

    fn tables(&self) -> Vec<&'static TableDef> {
        super::tables()
    }

    fn regions(&self) -> Vec<String> {
        self.regions.clone()
    }

    fn supports_get(&self, table: &'static TableDef) -> bool {
        registry::supports_get(TABLES, table)
    }

    async fn list_page(
        &self,
        table: &'static TableDef,
        req: &ListRequest,
        token: Option<String>,
    ) -> Result<Page, FetchError> {
        registry::list_page(TABLES, self, table, req, token).await
    }

    async fn get(
        &self,
        table: &'static TableDef,
        region: Option<&str>,
        key_column: &str,
        key: &Value,
    ) -> Result<Option<Row>, FetchError> {
        let Some(key) = key_text(key) else {
            return Ok(None);
        };
        registry::get(TABLES, self, table, region, key_column, key).await
    }

    async fn hydrate(
        &self,
        table: &'static TableDef,
        hydrate: HydrateRef,
        region: Option<&str>,
        row: &Row,
    ) -> Result<Row, FetchError> {
        registry::run_hydrate(self, table, hydrate, region, row).await
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_iam::operation::get_role::GetRoleError;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    fn service_error(code: &str) -> SdkError<GetRoleError, ()> {
        let meta = ErrorMetadata::builder()
            .code(code)
            .message("from the service")
            .build();
        SdkError::service_error(GetRoleError::generic(meta), ())
    }

    #[test]
    fn error_codes_map_to_fetch_error_kinds() {
        for code in [
            "AccessDenied",
            "AccessDeniedException",
            "UnauthorizedOperation",
        ] {
            let e = api_err("iam:GetRole", service_error(code));
            assert!(
                matches!(&e, FetchError::AccessDenied { api_call, .. } if api_call == "iam:GetRole"),
                "{code}: {e:?}"
            );
        }
        for code in [
            "Throttling",
            "ThrottlingException",
            "RequestLimitExceeded",
            "SlowDown",
        ] {
            assert!(
                matches!(
                    api_err("iam:GetRole", service_error(code)),
                    FetchError::Throttled { .. }
                ),
                "{code}"
            );
        }
        let other = api_err("iam:GetRole", service_error("InvalidInput"));
        assert!(
            matches!(&other, FetchError::Api { message, .. } if message == "InvalidInput: from the service")
        );
    }

    #[test]
    fn not_found_codes() {
        for code in [
            "NoSuchEntity",
            "InvalidInstanceID.NotFound",
            "InvalidGroupId.Malformed",
            "NoSuchBucket",
        ] {
            assert!(is_not_found(&service_error(code)), "{code}");
        }
        assert!(!is_not_found(&service_error("AccessDenied")));
    }

    #[test]
    fn debug_output_hides_the_secret_key() {
        let cfg = AwsConnectionConfig {
            name: "prod".into(),
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some("wJalrXUtnFEMI/K7MDENG".into()),
            external_id: Some("ext-123".into()),
            ..Default::default()
        };
        let text = format!("{cfg:?}");
        assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
        assert!(!text.contains("ext-123"), "{text}");
        assert!(text.contains("prod"));
    }
}
