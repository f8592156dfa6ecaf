//! Credentials of an Azure connection, through `azure_identity`: a client secret, workload
//! identity (a federated token file), managed identity, or the Azure CLI's login, each with
//! its HTTP transport wired to the project's reqwest ([`super::transport`]). Tokens are
//! cached here per scope (ARM and Microsoft Graph need one each) until five minutes before
//! they expire, so a credential that does not cache (the Azure CLI) is not run per request.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, Transport};
use azure_core::time::{Duration as TimeDelta, OffsetDateTime};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, ManagedIdentityCredentialOptions,
    UserAssignedId, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use tokio::sync::Mutex;

use super::transport::ReqwestTransport;

/// A token is renewed when it has less than this left.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// How a connection authenticates.
#[derive(Clone)]
pub enum AzureCredential {
    /// An application's client secret (`tenant_id` of the connection is required).
    ClientSecret {
        /// Application (client) id.
        client_id: String,
        /// The secret (read from the environment variable the config names).
        secret: String,
    },
    /// Workload identity: a federated token file exchanged for an Entra token
    /// (Kubernetes; defaults from `AZURE_CLIENT_ID` / `AZURE_FEDERATED_TOKEN_FILE`).
    WorkloadIdentity {
        /// Application (client) id.
        client_id: Option<String>,
        /// The projected service-account token file.
        token_file: Option<PathBuf>,
    },
    /// A managed identity (system-assigned, or the user-assigned one with this client id).
    ManagedIdentity {
        /// Client id of a user-assigned identity.
        client_id: Option<String>,
    },
    /// The account logged in to the Azure CLI (`az account get-access-token`).
    AzureCli,
    /// Any other `azure_core` credential (embedding, tests).
    Custom(Arc<dyn TokenCredential>),
}

impl fmt::Debug for AzureCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the secret.
        match self {
            AzureCredential::ClientSecret { client_id, .. } => f
                .debug_struct("ClientSecret")
                .field("client_id", client_id)
                .finish_non_exhaustive(),
            AzureCredential::WorkloadIdentity { client_id, .. } => f
                .debug_struct("WorkloadIdentity")
                .field("client_id", client_id)
                .finish_non_exhaustive(),
            AzureCredential::ManagedIdentity { client_id } => f
                .debug_struct("ManagedIdentity")
                .field("client_id", client_id)
                .finish(),
            AzureCredential::AzureCli => f.write_str("AzureCli"),
            AzureCredential::Custom(_) => f.write_str("Custom"),
        }
    }
}

impl AzureCredential {
    /// The name used in config and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            AzureCredential::ClientSecret { .. } => "client_secret",
            AzureCredential::WorkloadIdentity { .. } => "workload_identity",
            AzureCredential::ManagedIdentity { .. } => "managed_identity",
            AzureCredential::AzureCli => "azure_cli",
            AzureCredential::Custom(_) => "custom",
        }
    }
}

/// A connection's token source with a per-scope cache.
pub(crate) struct Auth {
    credential: Arc<dyn TokenCredential>,
    kind: &'static str,
    cache: Mutex<HashMap<&'static str, (String, OffsetDateTime)>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth").field("kind", &self.kind).finish()
    }
}

fn client_options(http: &reqwest::Client, authority_host: Option<&str>) -> ClientOptions {
    let mut options = ClientOptions {
        transport: Some(Transport::new(ReqwestTransport::new(http.clone()))),
        ..Default::default()
    };
    if let Some(host) = authority_host {
        let mut custom = CustomConfiguration::default();
        custom.authority_host = host.trim_end_matches('/').to_string();
        options.cloud = Some(Arc::new(CloudConfiguration::from(custom)));
    }
    options
}

/// `e`'s message and causes on one line (azure_core errors never carry the secret).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let next = s.to_string();
        if !msg.contains(&next) {
            msg.push_str(": ");
            msg.push_str(&next);
        }
        src = s.source();
    }
    msg.replace('\n', " ")
}

impl Auth {
    /// The `azure_identity` credential for `credential`, its token requests sent with `http`
    /// to `authority_host` (default: Microsoft Entra's public cloud).
    pub(crate) fn new(
        credential: &AzureCredential,
        tenant_id: Option<&str>,
        authority_host: Option<&str>,
        http: &reqwest::Client,
    ) -> Result<Auth, String> {
        let options = client_options(http, authority_host);
        let cred: Arc<dyn TokenCredential> = match credential {
            AzureCredential::ClientSecret { client_id, secret } => {
                let tenant = tenant_id.ok_or("client_secret needs tenant_id")?;
                ClientSecretCredential::new(
                    tenant,
                    client_id.clone(),
                    Secret::new(secret.clone()),
                    Some(ClientSecretCredentialOptions {
                        client_options: options,
                    }),
                )
                .map_err(|e| error_chain(&e))?
            }
            AzureCredential::WorkloadIdentity {
                client_id,
                token_file,
            } => {
                let mut o = WorkloadIdentityCredentialOptions {
                    client_id: client_id.clone(),
                    tenant_id: tenant_id.map(str::to_string),
                    token_file_path: token_file.clone(),
                    ..Default::default()
                };
                o.credential_options.client_options = options;
                WorkloadIdentityCredential::new(Some(o)).map_err(|e| error_chain(&e))?
            }
            AzureCredential::ManagedIdentity { client_id } => {
                ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                    user_assigned_id: client_id.clone().map(UserAssignedId::ClientId),
                    client_options: options,
                }))
                .map_err(|e| error_chain(&e))?
            }
            AzureCredential::AzureCli => AzureCliCredential::new(Some(AzureCliCredentialOptions {
                tenant_id: tenant_id.map(str::to_string),
                ..Default::default()
            }))
            .map_err(|e| error_chain(&e))?,
            AzureCredential::Custom(c) => c.clone(),
        };
        Ok(Auth {
            credential: cred,
            kind: credential.kind(),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// A bearer token for `scope` (`https://management.azure.com/.default`, ...).
    pub(crate) async fn token(&self, scope: &'static str) -> Result<String, String> {
        let mut cache = self.cache.lock().await;
        if let Some((token, expires)) = cache.get(scope) {
            let left = *expires - OffsetDateTime::now_utc();
            if left > TimeDelta::seconds(REFRESH_MARGIN.as_secs() as i64) {
                return Ok(token.clone());
            }
        }
        let t = self
            .credential
            .get_token(&[scope], None)
            .await
            .map_err(|e| format!("{} credential: {}", self.kind, error_chain(&e)))?;
        let token = t.token.secret().to_string();
        cache.insert(scope, (token.clone(), t.expires_on));
        Ok(token)
    }
}
