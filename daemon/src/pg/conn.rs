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
use pgwire::tokio::server::{
    PgWireMessageServerCodec, negotiate_tls, process_error, process_message,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::codec::{Framed, FramedParts};

/// Bytes held back before they are written even without a flush.
pub const HIGH_WATER: usize = 64 * 1024;

/// How long a client has to finish TLS negotiation and authentication.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A transport whose flushes are deferred until [`Coalesce::set_deferred`] turns them back on.
pub struct Coalesce<T> {
    inner: T,
    buf: Vec<u8>,
    /// Bytes of `buf` already written to `inner`.
    written: usize,
    deferred: bool,
}

impl<T> Coalesce<T> {
    pub fn new(inner: T) -> Self {
        Coalesce {
            inner,
            buf: Vec::with_capacity(8 * 1024),
            written: 0,
            deferred: false,
        }
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
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
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

/// Serve one TCP client until it disconnects.
pub async fn process_socket<H: PgWireServerHandlers>(
    tcp: TcpStream,
    tls: Option<TlsAcceptor>,
    handlers: H,
) -> io::Result<()> {
    let startup = tokio::time::sleep(STARTUP_TIMEOUT);
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
    let mut parts = FramedParts::new::<pgwire::messages::PgWireBackendMessage>(
        Coalesce::new(old.io),
        old.codec,
    );
    parts.read_buf = old.read_buf;
    parts.write_buf = old.write_buf;
    let mut socket: Framed<_, PgWireMessageServerCodec<_>> = Framed::from_parts(parts);

    let startup_handler = handlers.startup_handler();
    let simple = handlers.simple_query_handler();
    let extended = handlers.extended_query_handler();
    let copy = handlers.copy_handler();
    let cancel = handlers.cancel_handler();
    let errors = handlers.error_handler();
    loop {
        let starting = matches!(
            socket.state(),
            PgWireConnectionState::AwaitingStartup
                | PgWireConnectionState::AuthenticationInProgress
        );
        let msg = if starting {
            tokio::select! {
                _ = &mut startup => None,
                m = socket.next() => m,
            }
        } else {
            socket.next().await
        };
        let Some(Ok(msg)) = msg else { break };
        // Terminate: close the connection (some clients wait for the server to do so).
        if matches!(msg, PgWireFrontendMessage::Terminate(_)) {
            break;
        }
        let is_extended = match socket.state() {
            PgWireConnectionState::CopyInProgress(extended) => extended,
            _ => msg.is_extended_query(),
        };
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
