//! End to end with the `azure` and `azuread` providers: `pathwarden serve` with connections
//! authenticating through `azure_identity` — client secret and workload identity against a
//! local HTTPS Microsoft Entra token endpoint (`authority_host` + `ca_file`), managed
//! identity through the App Service endpoint, and the Azure CLI (a stand-in `az` on PATH) —
//! reading a local stand-in for ARM and Microsoft Graph, queried over pgwire.

mod common;

#[path = "../../tables/tests/azure_fake/mod.rs"]
mod azure_fake;

use std::io::BufReader;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use azure_fake::*;
use common::Daemon;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

fn openssl(dir: &Path, args: &[&str]) {
    let st = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is needed to make a test certificate");
    assert!(
        st.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

/// A test CA and a certificate for 127.0.0.1 signed by it: `(ca.pem, leaf.pem, leaf.key)`.
fn make_certs(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=pathwarden test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
    (
        dir.join("ca.pem"),
        dir.join("leaf.pem"),
        dir.join("leaf.key"),
    )
}

/// The fake's routes over TLS (the Entra authority host must be https).
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

async fn serve_tls(fake: &FakeAzure, cert: &Path, key: &Path) -> SocketAddr {
    let certs = rustls_pemfile::certs(&mut BufReader::new(
        std::fs::File::open(cert).expect("cert"),
    ))
    .collect::<Result<Vec<_>, _>>()
    .expect("cert pem");
    let key =
        rustls_pemfile::private_key(&mut BufReader::new(std::fs::File::open(key).expect("key")))
            .expect("key pem")
            .expect("a key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("tls versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = tcp.local_addr().expect("addr");
    let listener = TlsListener {
        tcp,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    };
    let app = fake.router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// A stand-in `az` that answers `az account get-access-token --scope S` as Azure CLI 2.54+
/// does, counting its runs in `az.calls`.
fn fake_az(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let script = format!(
        r#"#!/bin/sh
echo "$@" >> "{calls}"
scope=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--scope" ]; then scope="$2"; fi
  shift
done
case "$scope" in
  https://graph.microsoft.com/.default) token="{graph}" ;;
  https://management.azure.com/.default) token="{arm}" ;;
  *) echo "ERROR: unknown scope $scope" >&2; exit 1 ;;
esac
exp=$(( $(date +%s) + 3600 ))
printf '{{"accessToken": "%s", "expiresOn": "2030-01-01 00:00:00.000000", "expires_on": %s, "subscription": "{sub}", "tenant": "{tenant}", "tokenType": "Bearer"}}\n' "$token" "$exp"
"#,
        calls = dir.join("az.calls").display(),
        graph = GRAPH_TOKEN,
        arm = ARM_TOKEN,
        sub = SUB_A,
        tenant = TENANT,
    );
    let az = bin.join("az");
    std::fs::write(&az, script).expect("az script");
    Command::new("chmod")
        .arg("+x")
        .arg(&az)
        .status()
        .expect("chmod");
    bin
}

async fn rows(client: &tokio_postgres::Client, sql: &str) -> Vec<Vec<String>> {
    let msgs = client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    msgs.into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                (0..r.len())
                    .map(|i| r.get(i).unwrap_or_default().to_string())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_azure_connections_with_every_credential_kind() {
    let fake = azure_fake::start().await;
    fake.deny(&format!(
        "/subscriptions/{SUB_B}/providers/Microsoft.Authorization/roleAssignments"
    ));
    let dir = common::temp_dir("azure-e2e");
    let (ca, leaf, leaf_key) = make_certs(&dir);
    let tls = serve_tls(&fake, &leaf, &leaf_key).await;
    let token_file = dir.join("federated-token");
    std::fs::write(&token_file, FEDERATED_TOKEN).expect("token file");
    let bin = fake_az(&dir);
    let endpoints = format!(
        "{{ management = \"{}\", graph = \"{}\" }}",
        fake.endpoint("management"),
        fake.endpoint("graph")
    );
    let entra = format!(
        "authority_host = \"https://{tls}\"\nca_file = \"{}\"\ntenant_id = \"{TENANT}\"\n",
        ca.display()
    );
    let config = format!(
        r#"
[[connection]]
name = "az_secret"
plugin = "azure"
subscriptions = ["{SUB_A}"]
credential = "client_secret"
client_id = "{CLIENT_ID}"
client_secret_env = "AZ_TEST_SECRET"
endpoints = {endpoints}
{entra}
[[connection]]
name = "ad_secret"
plugin = "azuread"
credential = "client_secret"
client_id = "{CLIENT_ID}"
client_secret_env = "AZ_TEST_SECRET"
endpoints = {endpoints}
{entra}
[[connection]]
name = "az_workload"
plugin = "azure"
subscriptions = ["{SUB_A}"]
credential = "workload_identity"
client_id = "{CLIENT_ID}"
federated_token_file = "{token_file}"
endpoints = {endpoints}
{entra}
[[connection]]
name = "az_managed"
plugin = "azure"
subscriptions = ["{SUB_B}"]
credential = "managed_identity"
on_access_denied = "record"
endpoints = {endpoints}

[[connection]]
name = "ad_cli"
plugin = "azuread"
credential = "azure_cli"
tenant_id = "{TENANT}"
endpoints = {endpoints}
"#,
        token_file = token_file.display(),
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let identity_endpoint = fake.identity_endpoint();
    let daemon = tokio::task::spawn_blocking(move || {
        Daemon::start_with_env(
            "azure",
            Some(&config),
            &[],
            &[
                ("AZ_TEST_SECRET", CLIENT_SECRET),
                ("IDENTITY_ENDPOINT", &identity_endpoint),
                ("IDENTITY_HEADER", IDENTITY_HEADER),
                ("PATH", &path),
            ],
        )
    })
    .await
    .expect("start daemon");

    // The client secret and workload identity flows reached the HTTPS token endpoint with
    // the documented forms; managed identity asked the App Service endpoint with its header.
    let token_calls = fake.seen("/oauth2/v2.0/token");
    let secret_calls: Vec<_> = token_calls
        .iter()
        .filter(|s| s.body.contains("client_secret="))
        .collect();
    assert_eq!(
        secret_calls.len(),
        2,
        "az_secret (ARM) and ad_secret (Graph): {}",
        daemon.stderr()
    );
    assert!(
        secret_calls
            .iter()
            .all(|s| s.path == format!("/{TENANT}/oauth2/v2.0/token"))
    );
    assert!(secret_calls.iter().any(|s| {
        s.body
            .contains("scope=https%3A%2F%2Fmanagement.azure.com%2F.default")
    }));
    assert!(secret_calls.iter().any(|s| {
        s.body
            .contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default")
    }));
    assert_eq!(
        token_calls
            .iter()
            .filter(|s| s.body.contains("client_assertion=k8s.federated.token"))
            .count(),
        1,
        "workload identity"
    );
    let msi = fake.seen("/msi/token");
    assert_eq!(msi.len(), 1);
    assert!(
        msi[0]
            .query
            .contains("resource=https%3A%2F%2Fmanagement.azure.com"),
        "{:?}",
        msi[0]
    );
    // The secret never reaches the logs.
    assert!(!daemon.stderr().contains(CLIENT_SECRET));

    let client = daemon.client().await;
    let conns = rows(
        &client,
        "select name, plugin, tables from pathwarden.connection where plugin in ('azure', 'azuread') order by name",
    )
    .await;
    // Table counts from the registry, so a new table does not need this test changed.
    let ad = pathwarden_tables::azure::tables(pathwarden_tables::azure::AzurePlugin::AzureAd)
        .len()
        .to_string();
    let arm = pathwarden_tables::azure::tables(pathwarden_tables::azure::AzurePlugin::Azure)
        .len()
        .to_string();
    assert_eq!(
        conns,
        [
            ["ad_cli", "azuread", ad.as_str()],
            ["ad_secret", "azuread", ad.as_str()],
            ["az_managed", "azure", arm.as_str()],
            ["az_secret", "azure", arm.as_str()],
            ["az_workload", "azure", arm.as_str()],
        ]
    );

    let rgs = rows(
        &client,
        "select name, region from az_secret.azure_resource_group order by name",
    )
    .await;
    assert_eq!(
        rgs,
        [
            ["MC_aks_westeurope", "westeurope"],
            ["rg-data", "westeurope"],
            ["rg-web", "westeurope"]
        ]
    );
    let rgs = rows(
        &client,
        "select name from az_workload.azure_resource_group where tags ->> 'owner' is not null",
    )
    .await;
    assert_eq!(rgs, [["rg-web"]]);
    let rgs = rows(
        &client,
        "select name, subscription_id from az_managed.azure_resource_group",
    )
    .await;
    assert_eq!(rgs, [["rg-dev".to_string(), SUB_B.to_string()]]);

    // Steampipe-style JSON queries over the Graph tables.
    let admins = rows(
        &client,
        "select u.user_principal_name from ad_secret.azuread_directory_role r, \
         jsonb_array_elements_text(r.member_ids) m, ad_secret.azuread_user u \
         where r.display_name = 'Global Administrator' and u.id = m",
    )
    .await;
    assert_eq!(admins, [["alice@contoso.example"]]);
    let fic = rows(
        &client,
        "select display_name, f ->> 'issuer' from ad_cli.azuread_application, \
         jsonb_array_elements(federated_identity_credentials) f",
    )
    .await;
    assert_eq!(
        fic,
        [["deploy-app", "https://token.actions.githubusercontent.com"]]
    );
    let hostile = rows(
        &client,
        "select display_name from ad_cli.azuread_user where account_enabled = false",
    )
    .await;
    assert_eq!(hostile, [[HOSTILE_NAME]]);
    // The Azure CLI ran once for the Graph scope: its token is cached.
    let calls = std::fs::read_to_string(dir.join("az.calls")).unwrap_or_default();
    assert_eq!(calls.lines().count(), 1, "{calls}");
    assert!(calls.contains("--scope https://graph.microsoft.com/.default"));
    assert!(calls.contains(&format!("--tenant {TENANT}")));

    // A conditional role assignment, through the client-secret connection.
    let cond = rows(
        &client,
        "select principal_type, condition_version from az_secret.azure_role_assignment where condition is not null",
    )
    .await;
    assert_eq!(cond, [["ServicePrincipal", "2.0"]]);

    // Denied in record mode: no rows, and the denial is recorded, never silently empty.
    let denied = rows(
        &client,
        "select count(*) from az_managed.azure_role_assignment",
    )
    .await;
    assert_eq!(denied, [["0"]]);
    let errs = rows(
        &client,
        "select connection, table_name, api_call from pathwarden.pathwarden_error where connection = 'az_managed'",
    )
    .await;
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0][1], "azure_role_assignment");
    assert!(errs[0][2].contains("roleAssignments/read"), "{errs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_fails_start_up_naming_the_connection() {
    let fake = azure_fake::start().await;
    let dir = common::temp_dir("azure-bad-secret");
    let (ca, leaf, leaf_key) = make_certs(&dir);
    let tls = serve_tls(&fake, &leaf, &leaf_key).await;
    let cfg = dir.join("pathwarden.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[connection]]\nname = \"az_bad\"\nplugin = \"azure\"\ncredential = \"client_secret\"\n\
             tenant_id = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret_env = \"AZ_TEST_SECRET\"\n\
             authority_host = \"https://{tls}\"\nca_file = \"{}\"\nsubscriptions = [\"{SUB_A}\"]\n\
             endpoints = {{ management = \"{}\" }}\n",
            ca.display(),
            fake.endpoint("management")
        ),
    )
    .expect("write");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(common::bin())
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", common::free_port()),
                "--http-listen",
                &format!("127.0.0.1:{}", common::free_port()),
                "--config",
            ])
            .arg(&cfg)
            .current_dir(&dir)
            .env("AZ_TEST_SECRET", "wrong-secret-value")
            .output()
            .expect("run pathwarden")
    })
    .await
    .expect("join");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("azure connection az_bad"), "{err}");
    assert!(err.contains("AADSTS7000215"), "{err}");
    assert!(!err.contains("wrong-secret-value"), "{err}");
    assert_eq!(
        fake.seen("/oauth2/v2.0/token").len(),
        1,
        "the token endpoint was asked"
    );
}
