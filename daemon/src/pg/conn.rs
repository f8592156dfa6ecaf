//! One client connection: TLS negotiation, then the message loop, with replies coalesced
//! into one socket write per round trip.
//!
//! pgwire flushes after every backend message, so an extended-protocol statement
//! (Parse, Bind, Describe, Execute, Sync) cost four or five `sendto` calls and as many
//! client wake-ups. PostgreSQL itself buffers replies until Sync, Flush or a full buffer.
//! [`Coalesce`] does the same: flushes requested while handling Parse, Bind, Describe,
//! Execute and Close only move bytes into a buffer; the loop flushes for real after any
//! other message (Sync, Flush, Query, the startup exchange, COPY) and whenever the buffer
//! passes [`HIGH_WATER`], so big results still stream.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use pgwire::api::ErrorHandler;
use pgwire::api::{ClientInfo, PgWireConnectionState, PgWireServerHandlers};
use pgwire::messages::PgWireFrontendMessage;
use pgwire::messages::response::TransactionStatus;
use pgwire::tokio::server::{
    PgWireMessageServerCodec, negotiate_tls, process_error, process_message,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::codec::{Framed, FramedParts};

/// Bytes held back before they are written even without a flush.
pub const HIGH_WATER: usize = 64 * 1024;

/// Largest message before login, as PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
pub const MAX_STARTUP_MESSAGE: usize = 10_000;

/// Limits of one connection.
#[derive(Debug, Clone)]
pub struct ConnLimits {
    /// Time to finish TLS negotiation and authentication.
    pub startup_timeout: Duration,
    /// A logged-in session idle this long is closed.
    pub idle_timeout: Option<Duration>,
    /// Largest message after login.
    pub max_message_size: usize,
}

/// Checks the frontend message framing as bytes arrive, before pgwire buffers them: a
/// message may not announce more than the limit (10 kB before login, the configured size
/// after), and before login only startup, password/SASL and Terminate messages may come.
/// pgwire's codec otherwise buffers up to 1 GB for a message a client merely announces.
#[derive(Debug)]
pub struct FrameGuard {
    /// The next message has no type byte (startup, SSL/GSS requests).
    startup_format: bool,
    header: [u8; 8],
    header_len: usize,
    /// Body bytes of the current message still to come.
    remaining: u64,
    logged_in: bool,
    max_message_size: usize,
}

impl FrameGuard {
    /// A guard for a new connection (its first message is a startup-format one).
    pub fn new(max_message_size: usize) -> Self {
        FrameGuard {
            startup_format: true,
            header: [0; 8],
            header_len: 0,
            remaining: 0,
            logged_in: false,
            max_message_size,
        }
    }

    /// After login, the configured limit applies and any message type may come.
    pub fn set_logged_in(&mut self) {
        self.logged_in = true;
    }

    /// Account for `bytes` read from the client.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), String> {
        while !bytes.is_empty() {
            if self.remaining > 0 {
                let n = (self.remaining.min(bytes.len() as u64)) as usize;
                self.remaining -= n as u64;
                bytes = &bytes[n..];
                continue;
            }
            let need = if self.startup_format { 8 } else { 5 };
            let n = (need - self.header_len).min(bytes.len());
            self.header[self.header_len..self.header_len + n].copy_from_slice(&bytes[..n]);
            self.header_len += n;
            bytes = &bytes[n..];
            if self.header_len < need {
                continue;
            }
            self.header_len = 0;
            let limit = if self.logged_in {
                self.max_message_size
            } else {
                MAX_STARTUP_MESSAGE
            };
            if self.startup_format {
                let len = u32::from_be_bytes([
                    self.header[0],
                    self.header[1],
                    self.header[2],
                    self.header[3],
                ]) as usize;
                let code = u32::from_be_bytes([
                    self.header[4],
                    self.header[5],
                    self.header[6],
                    self.header[7],
                ]);
                if !(8..=MAX_STARTUP_MESSAGE).contains(&len) {
                    return Err(format!("invalid startup packet length {len}"));
                }
                self.remaining = (len - 8) as u64;
                // SSLRequest and GSSENCRequest are followed by another startup-format message.
                self.startup_format = code == 80_877_103 || code == 80_877_104;
            } else {
                let kind = self.header[0];
                let len = u32::from_be_bytes([
                    self.header[1],
                    self.header[2],
                    self.header[3],
                    self.header[4],
                ]) as usize;
                if len < 4 {
                    return Err(format!("invalid message length {len}"));
                }
                if len > limit {
                    return Err(if self.logged_in {
                        format!(
                            "message of {len} bytes is larger than server.max_message_size ({limit} bytes)"
                        )
                    } else {
                        format!("message of {len} bytes before authentication (at most {limit})")
                    });
                }
                if !self.logged_in && kind != b'p' && kind != b'X' {
                    return Err(format!(
                        "unexpected message type {:?} before authentication",
                        kind as char
                    ));
                }
                self.remaining = (len - 4) as u64;
            }
        }
        Ok(())
    }
}

/// A transport whose flushes are deferred until [`Coalesce::set_deferred`] turns them back on.
pub struct Coalesce<T> {
    inner: T,
    buf: Vec<u8>,
    /// Bytes of `buf` already written to `inner`.
    written: usize,
    deferred: bool,
    guard: Option<FrameGuard>,
}

impl<T> Coalesce<T> {
    pub fn new(inner: T) -> Self {
        Coalesce {
            inner,
            buf: Vec::with_capacity(8 * 1024),
            written: 0,
            deferred: false,
            guard: None,
        }
    }

    /// Check incoming framing with `guard`.
    pub fn with_guard(mut self, guard: FrameGuard) -> Self {
        self.guard = Some(guard);
        self
    }

    /// The frame guard, if any.
    pub fn guard_mut(&mut self) -> Option<&mut FrameGuard> {
        self.guard.as_mut()
    }

    /// While deferred, `poll_flush` only keeps bytes in the buffer.
    pub fn set_deferred(&mut self, deferred: bool) {
        self.deferred = deferred;
    }

    /// Bytes accepted but not yet written to the socket.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.written
    }
}

impl<T: AsyncWrite + Unpin> Coalesce<T> {
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.buf.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.buf[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.buf.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Coalesce<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if let Some(g) = this.guard.as_mut() {
            g.feed(&buf.filled()[before..])
                .map_err(|m| io::Error::new(io::ErrorKind::InvalidData, m))?;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Coalesce<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.pending() >= HIGH_WATER {
            ready!(this.poll_drain(cx))?;
        }
        this.buf.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.deferred && this.pending() < HIGH_WATER {
            return Poll::Ready(Ok(()));
        }
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// Replies to these wait in the buffer: the client follows them with Sync or Flush.
fn deferrable(msg: &PgWireFrontendMessage) -> bool {
    matches!(
        msg,
        PgWireFrontendMessage::Parse(_)
            | PgWireFrontendMessage::Bind(_)
            | PgWireFrontendMessage::Describe(_)
            | PgWireFrontendMessage::Execute(_)
            | PgWireFrontendMessage::Close(_)
    )
}

/// Tell the client why it is being disconnected (best effort).
async fn fatal<S>(socket: &mut S, code: &str, message: String)
where
    S: futures::Sink<pgwire::messages::PgWireBackendMessage> + Unpin,
{
    use pgwire::error::ErrorInfo;
    let info = ErrorInfo::new("FATAL".into(), code.into(), message);
    let _ = socket
        .send(pgwire::messages::PgWireBackendMessage::ErrorResponse(
            info.into(),
        ))
        .await;
}

/// Serve one TCP client until it disconnects. `preauth` is the client's pre-login slot,
/// released once it has logged in.
pub async fn process_socket(
    tcp: TcpStream,
    tls: Option<TlsAcceptor>,
    handlers: std::sync::Arc<super::session::ConnHandlers>,
    limits: ConnLimits,
    preauth: tokio::sync::OwnedSemaphorePermit,
) -> io::Result<()> {
    let mut preauth = Some(preauth);
    let startup = tokio::time::sleep(limits.startup_timeout);
    tokio::pin!(startup);
    let negotiated = tokio::select! {
        _ = &mut startup => return Ok(()),
        s = negotiate_tls(tcp, tls) => s?,
    };
    // A direct-TLS client without a configured acceptor: nothing to talk to.
    let Some(framed) = negotiated else {
        return Ok(());
    };
    let old = framed.into_parts();
    let mut guard = FrameGuard::new(limits.max_message_size);
    // Bytes pgwire already read while negotiating TLS (a plain startup packet, and
    // whatever the client sent right behind it).
    let early = guard.feed(&old.read_buf);
    let mut parts = FramedParts::new::<pgwire::messages::PgWireBackendMessage>(
        Coalesce::new(old.io).with_guard(guard),
        old.codec,
    );
    parts.read_buf = old.read_buf;
    parts.write_buf = old.write_buf;
    let mut socket: Framed<_, PgWireMessageServerCodec<_>> = Framed::from_parts(parts);
    if let Err(m) = early {
        tracing::debug!(error = %m, "refused connection");
        fatal(&mut socket, "08P01", m).await;
        return Ok(());
    }

    let startup_handler = handlers.startup_handler();
    let simple = handlers.simple_query_handler();
    let extended = handlers.extended_query_handler();
    let copy = handlers.copy_handler();
    let cancel = handlers.cancel_handler();
    let errors = handlers.error_handler();
    let mut savepoints = super::savepoints::Savepoints::default();
    loop {
        let starting = matches!(
            socket.state(),
            PgWireConnectionState::AwaitingStartup
                | PgWireConnectionState::AuthenticationInProgress
        );
        if !starting && preauth.is_some() && handlers.logged_in() {
            preauth = None;
            if let Some(g) = socket.get_mut().guard_mut() {
                g.set_logged_in();
            }
        }
        let msg = if starting {
            tokio::select! {
                _ = &mut startup => {
                    fatal(&mut socket, "08006", "authentication timeout (server.startup_timeout)".into()).await;
                    None
                }
                m = socket.next() => m,
            }
        } else if let Some(idle) = limits.idle_timeout {
            match tokio::time::timeout(idle, socket.next()).await {
                Ok(m) => m,
                Err(_) => {
                    fatal(
                        &mut socket,
                        "57P05",
                        "terminating connection due to idle-session timeout (server.idle_session_timeout)".into(),
                    )
                    .await;
                    None
                }
            }
        } else {
            socket.next().await
        };
        let msg = match msg {
            Some(Ok(m)) => m,
            Some(Err(e)) => {
                // A framing violation (oversized or out-of-place message) or garbage.
                let text = e.to_string();
                tracing::debug!(error = %text, "closing connection");
                let code = if text.contains("larger than") {
                    "54000"
                } else {
                    "08P01"
                };
                fatal(&mut socket, code, text).await;
                break;
            }
            None => break,
        };
        // Terminate: close the connection (some clients wait for the server to do so).
        if matches!(msg, PgWireFrontendMessage::Terminate(_)) {
            break;
        }
        let is_extended = match socket.state() {
            PgWireConnectionState::CopyInProgress(extended) => extended,
            _ => msg.is_extended_query(),
        };
        let failed = socket.transaction_status() == TransactionStatus::Error;
        let idle = socket.transaction_status() == TransactionStatus::Idle;
        match savepoints.observe(&msg, failed) {
            super::savepoints::Action::Recover => {
                socket.set_transaction_status(TransactionStatus::Transaction);
                handlers.unknown_savepoint(None);
            }
            super::savepoints::Action::Unknown(name) => {
                handlers.unknown_savepoint(Some((name, idle)));
            }
            super::savepoints::Action::None => {
                if matches!(
                    msg,
                    PgWireFrontendMessage::Query(_) | PgWireFrontendMessage::Execute(_)
                ) {
                    handlers.unknown_savepoint(None);
                }
            }
        }
        let defer = !starting && deferrable(&msg);
        socket.get_mut().set_deferred(defer);
        if let Err(mut e) = process_message(
            msg,
            &mut socket,
            startup_handler.clone(),
            simple.clone(),
            extended.clone(),
            copy.clone(),
            cancel.clone(),
        )
        .await
        {
            errors.on_error(&socket, &mut e);
            process_error(&mut socket, e, is_extended).await?;
        }
        if !defer {
            socket.flush().await?;
        }
    }
    // Whatever is still buffered goes out before the socket closes.
    socket.get_mut().set_deferred(false);
    let _ = socket.flush().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn deferred_flushes_hold_bytes_until_a_real_flush() {
        let (client, server) = tokio::io::duplex(1 << 20);
        let mut w = Coalesce::new(server);
        let mut client = client;
        w.set_deferred(true);
        w.write_all(b"one").await.unwrap();
        w.flush().await.unwrap();
        w.write_all(b"two").await.unwrap();
        w.flush().await.unwrap();
        let mut probe = [0u8; 8];
        let nothing =
            tokio::time::timeout(Duration::from_millis(50), client.read(&mut probe)).await;
        assert!(nothing.is_err(), "deferred bytes reached the peer early");
        assert_eq!(w.pending(), 6);
        w.set_deferred(false);
        w.flush().await.unwrap();
        let mut got = [0u8; 6];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"onetwo");
        assert_eq!(w.pending(), 0);
    }

    fn typed(kind: u8, len: u32) -> Vec<u8> {
        let mut v = vec![kind];
        v.extend_from_slice(&len.to_be_bytes());
        v
    }

    fn startup_packet() -> Vec<u8> {
        let body = b"user\0a\0\0";
        let mut v = ((8 + body.len()) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(&196_608u32.to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn frame_guard_limits_messages_before_and_after_login() {
        // A startup packet fed a byte at a time, then a SASL message: fine.
        let mut g = FrameGuard::new(1 << 20);
        for b in startup_packet() {
            g.feed(&[b]).unwrap();
        }
        let mut sasl = typed(b'p', 4 + 3);
        sasl.extend_from_slice(b"abc");
        g.feed(&sasl).unwrap();
        // A 1 GB query announced before login: refused at the header.
        let e = g.feed(&typed(b'Q', 1 << 30)).unwrap_err();
        assert!(e.contains("before authentication"), "{e}");
        // A Bind before login: refused whatever its size.
        let mut g = FrameGuard::new(1 << 20);
        g.feed(&startup_packet()).unwrap();
        let e = g.feed(&typed(b'B', 12)).unwrap_err();
        assert!(e.contains("unexpected message type"), "{e}");
        // After login: the configured limit.
        let mut g = FrameGuard::new(1 << 20);
        g.feed(&startup_packet()).unwrap();
        g.set_logged_in();
        let mut q = typed(b'Q', 4 + 9);
        q.extend_from_slice(b"select 1\0");
        g.feed(&q).unwrap();
        g.feed(&typed(b'Q', (1 << 20) + 1)).unwrap_err();
        // An SSLRequest is followed by a startup-format message; a huge startup is refused.
        let mut g = FrameGuard::new(1 << 20);
        let mut ssl = 8u32.to_be_bytes().to_vec();
        ssl.extend_from_slice(&80_877_103u32.to_be_bytes());
        g.feed(&ssl).unwrap();
        g.feed(&startup_packet()).unwrap();
        let mut g = FrameGuard::new(1 << 20);
        let mut huge = (1u32 << 30).to_be_bytes().to_vec();
        huge.extend_from_slice(&196_608u32.to_be_bytes());
        g.feed(&huge).unwrap_err();
    }

    #[tokio::test]
    async fn big_replies_stream_while_deferred() {
        let (mut client, server) = tokio::io::duplex(1 << 22);
        let mut w = Coalesce::new(server);
        w.set_deferred(true);
        let chunk = vec![7u8; 10_000];
        for _ in 0..20 {
            w.write_all(&chunk).await.unwrap();
            w.flush().await.unwrap();
        }
        // More than HIGH_WATER was written: some of it is on the wire already.
        assert!(w.pending() <= HIGH_WATER + chunk.len());
        let mut got = vec![0u8; 200_000 - w.pending()];
        client.read_exact(&mut got).await.unwrap();
        assert!(got.iter().all(|b| *b == 7));
        w.shutdown().await.unwrap();
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert_eq!(got.len() + rest.len(), 200_000);
    }
}
