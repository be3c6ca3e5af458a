//! `live --serve`: a small HTTP server that shows a live run in a browser.
//!
//! It serves three things on one address:
//! - `GET /`: the page it was started with (the live page, `render::html::live_page`);
//! - `GET /state`: the state so far as JSON, so a reload mid-run keeps it;
//! - `GET /events`: Server-Sent Events: the state first (event `state`), then
//!   every published event as a `message` with its `seq`.
//!
//! The run's side calls [`Server::publish`] with events (`start`, `note`,
//! `begin`, `tick`, `end`) and [`Server::finish`] with the final report; the
//! schema is in `web/README.md`. Publishing takes a lock, folds the event into
//! the state, serializes it once and wakes the streams: it never waits for a
//! browser. The server keeps serving after the run has ended, until
//! [`Server::stop`] (or drop), which ends every stream and joins every thread
//! it started.
//!
//! Built on axum (hyper and tokio) on one thread of its own with a
//! current-thread runtime: the run's workers never share a thread with it.
//! Every answer closes its connection; connections are capped
//! ([`MAX_CONNECTIONS`]); a client that sends no request head within
//! [`READ_TIMEOUT`] or stops reading for [`WRITE_TIMEOUT`] is dropped; without
//! `--allow-remote`, a request whose `Host` is not a loopback name is refused
//! (a page on another site cannot reach the server through DNS rebinding).

mod conn;
mod routes;

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

/// How published events fold into the state `/state` serves and every stream
/// starts with: the publisher's schema, which the server does not know.
#[derive(Clone, Copy)]
pub struct Fold {
    pub initial: fn() -> Value,
    pub apply: fn(&mut Value, &Value),
}

/// A request's head must arrive within this.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// A browser that stops reading is dropped after this.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// A comment on an idle stream, so a closed tab is noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(10);
/// Events kept for streams that fall behind; further back they get the state again.
const KEPT_EVENTS: usize = 4096;
/// Open connections at most; more wait in the kernel's queue until one closes.
pub const MAX_CONNECTIONS: usize = 128;
/// How long stop waits for streams to send what is pending before it closes them.
const GRACE: Duration = Duration::from_secs(2);

/// Why the server could not start.
#[derive(Debug)]
pub enum ServeError {
    /// The address could not be read or resolved.
    BadAddress {
        addr: String,
        why: String,
    },
    /// Not a loopback address, and remote access was not allowed.
    NotLoopback {
        addr: String,
    },
    /// Another program listens on this address.
    AddressInUse {
        addr: String,
        port: u16,
    },
    Bind {
        addr: String,
        source: io::Error,
    },
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::BadAddress { addr, why } => {
                write!(
                    f,
                    "cannot serve on {addr:?}: {why} (e.g. 127.0.0.1:8000, or a port alone)"
                )
            }
            ServeError::NotLoopback { addr } => write!(
                f,
                "{addr} is not a loopback address: anyone who can reach it could watch; pass --allow-remote to serve there anyway"
            ),
            ServeError::AddressInUse { addr, port } => write!(
                f,
                "port {port} is in use ({addr}); choose another port, or port 0 for a free one"
            ),
            ServeError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Bind { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The addresses `addr` names: `""` is 127.0.0.1 on a free port; a port alone
/// is that port on 127.0.0.1; an IP alone takes a free port; otherwise
/// `host:port` (`localhost:8000`, `[::1]:0`).
pub fn resolve(addr: &str) -> Result<Vec<SocketAddr>, ServeError> {
    let addr = addr.trim();
    let bad = |why: String| ServeError::BadAddress {
        addr: addr.to_string(),
        why,
    };
    if addr.is_empty() {
        return Ok(vec![SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0)]);
    }
    if let Ok(port) = addr.parse::<u16>() {
        return Ok(vec![SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port)]);
    }
    if let Ok(ip) = addr
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Ok(vec![SocketAddr::new(ip, 0)]);
    }
    let with_port = if addr
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        addr.to_string()
    } else {
        format!("{addr}:0")
    };
    let found: Vec<SocketAddr> = with_port
        .to_socket_addrs()
        .map_err(|e| bad(e.to_string()))?
        .collect();
    if found.is_empty() {
        return Err(bad("it resolves to no address".into()));
    }
    Ok(found)
}

struct Inner {
    state: Value,
    fold: Fold,
    /// `(seq, the event as JSON)`, oldest first.
    events: VecDeque<(u64, Arc<str>)>,
    seq: u64,
}

struct Shared {
    inner: Mutex<Inner>,
    /// The last `seq` published: streams wait on it.
    published: watch::Sender<u64>,
    stopping: AtomicBool,
    allow_remote: bool,
    page: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running server; [`Server::stop`] or drop ends it.
pub struct Server {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `page` at `/` on `addr` (see [`resolve`]); a non-loopback
    /// address is refused unless `allow_remote`.
    pub fn start(
        addr: &str,
        allow_remote: bool,
        page: String,
        fold: Fold,
    ) -> Result<Server, ServeError> {
        let candidates = resolve(addr)?;
        if !allow_remote && candidates.iter().any(|a| !a.ip().is_loopback()) {
            return Err(ServeError::NotLoopback {
                addr: addr.to_string(),
            });
        }
        let listener = TcpListener::bind(&candidates[..]).map_err(|source| {
            if source.kind() == io::ErrorKind::AddrInUse {
                ServeError::AddressInUse {
                    addr: addr.to_string(),
                    port: candidates[0].port(),
                }
            } else {
                ServeError::Bind {
                    addr: addr.to_string(),
                    source,
                }
            }
        })?;
        let bound = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        let failed = |source: io::Error| ServeError::Bind {
            addr: addr.to_string(),
            source,
        };
        listener.set_nonblocking(true).map_err(failed)?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                state: (fold.initial)(),
                fold,
                events: VecDeque::new(),
                seq: 0,
            }),
            published: watch::Sender::new(0),
            stopping: AtomicBool::new(false),
            allow_remote,
            page,
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(failed)?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(failed)?
        };
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("gil-lab-serve".into())
                .spawn(move || routes::serve(runtime, listener, shared, stopped))
                .map_err(failed)?
        };
        Ok(Server {
            shared,
            addr: bound,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`: the page's address (loopback when bound to every interface).
    pub fn url(&self) -> String {
        let ip = match self.addr().ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::from(Ipv4Addr::LOCALHOST),
            ip if ip.is_unspecified() => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        match ip {
            IpAddr::V4(v4) => format!("http://{v4}:{}/", self.addr().port()),
            IpAddr::V6(v6) => format!("http://[{v6}]:{}/", self.addr().port()),
        }
    }

    /// Folds `event` (an object with a `type`) into the state and sends it to every stream.
    pub fn publish(&self, event: Value) {
        let mut inner = self.shared.lock();
        inner.seq += 1;
        let seq = inner.seq;
        let mut event = event;
        if let Some(o) = event.as_object_mut() {
            o.insert("seq".into(), json!(seq));
        }
        (inner.fold.apply)(&mut inner.state, &event);
        inner.state["seq"] = json!(seq);
        inner.events.push_back((seq, event.to_string().into()));
        if inner.events.len() > KEPT_EVENTS {
            inner.events.pop_front();
        }
        drop(inner);
        self.shared.published.send_replace(seq);
    }

    /// The run is over: `summary` (the live report's JSON) is shown and the page says "ended".
    /// The server keeps serving until [`Server::stop`].
    pub fn finish(&self, summary: Value) {
        self.publish(json!({"type": "finished", "summary": summary}));
    }

    /// The state so far, as `/state` serves it.
    #[cfg(test)]
    pub fn state(&self) -> Value {
        self.shared.lock().state.clone()
    }

    /// Ends every stream and connection and joins every thread the server started.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wakes every stream: each sends what is pending and ends.
        self.shared.published.send_modify(|_| {});
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests;
