//! The PostgreSQL wire-protocol server.

pub mod auth;
pub mod catalog;
pub mod conn;
pub mod errors;
pub mod plans;
pub mod session;
pub mod sql;

use std::fs::File;
use std::io::BufReader;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

use session::{ConnHandlers, Shared};

/// Load a TLS acceptor; any problem is an error (never a silent plaintext fallback).
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = rustls_pemfile::certs(&mut BufReader::new(
        File::open(cert)
            .with_context(|| format!("server.tls_cert: cannot open {}", cert.display()))?,
    ))
    .collect::<Result<Vec<_>, _>>()
    .with_context(|| format!("server.tls_cert: {} is not PEM", cert.display()))?;
    if certs.is_empty() {
        bail!("server.tls_cert: no certificate in {}", cert.display());
    }
    let key = rustls_pemfile::private_key(&mut BufReader::new(
        File::open(key)
            .with_context(|| format!("server.tls_key: cannot open {}", key.display()))?,
    ))
    .with_context(|| format!("server.tls_key: {} is not PEM", key.display()))?
    .with_context(|| format!("server.tls_key: no private key in {}", key.display()))?;
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("server.tls_cert/tls_key: certificate and key do not match")?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Accept pgwire connections until the listener is dropped.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    max_connections: usize,
) {
    // Column types clients read from pg_attribute: jsonb for JSON columns.
    catalog::install(&shared.engine.session(), crate::engine::CATALOG);
    let limiter = Arc::new(Semaphore::new(max_connections.max(1)));
    loop {
        let (socket, peer): (tokio::net::TcpStream, SocketAddr) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        let permit = match limiter.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                tracing::warn!(%peer, "connection refused: max_connections reached");
                continue;
            }
        };
        let shared = shared.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let handlers = Arc::new(ConnHandlers::new(shared, peer));
            if let Err(e) = conn::process_socket(socket, tls, handlers.clone()).await {
                tracing::debug!(%peer, error = %e, "connection ended with error");
            }
            handlers.close(None);
            drop(permit);
        });
    }
}
