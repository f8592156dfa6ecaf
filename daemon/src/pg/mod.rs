//! The PostgreSQL wire-protocol server.

pub mod auth;
pub mod catalog;
pub mod conn;
pub mod copy;
pub mod errors;
pub mod functions;
pub mod gate;
pub mod plans;
pub mod savepoints;
pub use pathwarden_sqlext::frontend::search_path;
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

/// Close `conn` when the client behind `socket` goes away (FIN, reset), even while its
/// statement runs and nobody reads the socket, so the statement stops at once instead
/// of running for a client that left. Works on a duplicate of the socket's descriptor;
/// the returned task must be aborted when the connection ends (it holds the duplicate).
fn watch_disconnect(
    socket: &tokio::net::TcpStream,
    conn: Arc<session::ConnState>,
) -> Option<tokio::task::JoinHandle<()>> {
    use std::os::fd::AsFd;
    let dup = socket.as_fd().try_clone_to_owned().ok()?;
    let std_stream = std::net::TcpStream::from(dup);
    std_stream.set_nonblocking(true).ok()?;
    let watched = tokio::net::TcpStream::from_std(std_stream).ok()?;
    Some(tokio::spawn(async move {
        loop {
            match watched.ready(tokio::io::Interest::READABLE).await {
                Ok(r) if r.is_read_closed() || r.is_error() => break,
                Ok(_) => {
                    // Readable with data the connection has not read yet (a pipelined
                    // Sync): look again shortly.
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(_) => break,
            }
        }
        conn.close();
    }))
}

/// Accept pgwire connections until the listener is dropped.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    limits: conn::ConnLimits,
    max_startup_connections: usize,
) {
    // Connections that have not logged in; logged-in sessions count in `shared.slots`.
    let startup_slots = Arc::new(Semaphore::new(max_startup_connections.max(1)));
    loop {
        let (socket, peer): (tokio::net::TcpStream, SocketAddr) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                // Out of descriptors: give the others a moment to close.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        let permit = match startup_slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                tracing::warn!(%peer, "connection refused: server.max_startup_connections clients are logging in");
                tokio::spawn(refuse_busy(socket));
                continue;
            }
        };
        let shared = shared.clone();
        let tls = tls.clone();
        let limits = limits.clone();
        tokio::spawn(async move {
            use futures::FutureExt;
            let conn_state = Arc::new(session::ConnState::default());
            let watchdog = watch_disconnect(&socket, conn_state.clone());
            let handlers = Arc::new(ConnHandlers::new(shared, peer, conn_state));
            let served = std::panic::AssertUnwindSafe(conn::process_socket(
                socket,
                tls,
                handlers.clone(),
                limits,
                permit,
            ))
            .catch_unwind()
            .await;
            match served {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "connection ended with error"),
                Err(panic) => {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    tracing::error!(%peer, panic = %what, "connection handler panicked; connection closed");
                }
            }
            handlers.close();
            if let Some(w) = watchdog {
                w.abort();
            }
        });
    }
}

/// Answer a client refused for capacity with SQLSTATE 53300, as PostgreSQL does.
async fn refuse_busy(mut socket: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    let msg = b"sorry, too many clients already (server.max_startup_connections)";
    let mut body = Vec::new();
    for (field, value) in [
        (b'S', &b"FATAL"[..]),
        (b'V', b"FATAL"),
        (b'C', b"53300"),
        (b'M', msg),
    ] {
        body.push(field);
        body.extend_from_slice(value);
        body.push(0);
    }
    body.push(0);
    let mut frame = vec![b'E'];
    frame.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), socket.write_all(&frame)).await;
}
