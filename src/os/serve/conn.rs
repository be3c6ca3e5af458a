//! Connections as the server accepts them: at most [`MAX_CONNECTIONS`] at
//! once, and none kept by a client that sends no request or stops reading.
//!
//! hyper as axum drives it has no timeouts of its own (they need a timer that
//! `axum::serve` does not set), so they live in the socket wrapper here: a
//! request head must arrive within [`READ_TIMEOUT`] of the accept, and a write
//! that cannot proceed for [`WRITE_TIMEOUT`] fails the connection.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep, sleep, sleep_until};

use super::{MAX_CONNECTIONS, READ_TIMEOUT, WRITE_TIMEOUT};

/// A TCP listener that accepts only while fewer than [`MAX_CONNECTIONS`] are open.
pub(super) struct Capped {
    listener: TcpListener,
    slots: Arc<Semaphore>,
}

impl Capped {
    pub(super) fn new(listener: TcpListener) -> Capped {
        Capped {
            listener,
            slots: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
        }
    }
}

impl Listener for Capped {
    type Io = Guarded;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Guarded, SocketAddr) {
        let slot = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        loop {
            match self.listener.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (Guarded::new(stream, slot), addr);
                }
                // Out of file descriptors, or a connection reset before it was
                // accepted: wait a little rather than spin.
                Err(_) => sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// A connection with its slot and its two timeouts.
pub(super) struct Guarded {
    stream: TcpStream,
    _slot: OwnedSemaphorePermit,
    /// Until the first byte of an answer is written: when the request head is due.
    head_due: Option<Pin<Box<Sleep>>>,
    /// Since when a write has been waiting on the client, if one is.
    write_stalled: Option<Pin<Box<Sleep>>>,
}

impl Guarded {
    fn new(stream: TcpStream, slot: OwnedSemaphorePermit) -> Guarded {
        Guarded {
            stream,
            _slot: slot,
            head_due: Some(Box::pin(sleep_until(Instant::now() + READ_TIMEOUT))),
            write_stalled: None,
        }
    }

    fn timed_out(what: &str) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, what.to_string())
    }

    /// A pending write: fails once it has waited [`WRITE_TIMEOUT`].
    fn poll_stall(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let stall = self
            .write_stalled
            .get_or_insert_with(|| Box::pin(sleep(WRITE_TIMEOUT)));
        match stall.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Self::timed_out("the client stopped reading")),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Pending => match this.head_due.as_mut().map(|due| due.as_mut().poll(cx)) {
                Some(Poll::Ready(())) => {
                    Poll::Ready(Err(Self::timed_out("no request head in time")))
                }
                _ => Poll::Pending,
            },
            ready => ready,
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.head_due = None;
        match Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Pending => this.poll_stall(cx).map(Err),
            ready => {
                this.write_stalled = None;
                ready
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.stream).poll_flush(cx) {
            Poll::Pending => this.poll_stall(cx).map(Err),
            ready => {
                this.write_stalled = None;
                ready
            }
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.head_due = None;
        match Pin::new(&mut this.stream).poll_write_vectored(cx, bufs) {
            Poll::Pending => this.poll_stall(cx).map(Err),
            ready => {
                this.write_stalled = None;
                ready
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
