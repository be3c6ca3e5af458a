//! `live --serve`: a small HTTP server that shows a live run in a browser.
//!
//! It serves three things on one address:
//! - `GET /`: the live page (`live.html`, `live.js`, `report.css`, compiled in);
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
//! Written over `std::net` rather than with an HTTP crate: it answers three
//! GET routes without bodies, one of them a response that lasts the whole run,
//! and it must join every thread it started on stop. tiny_http (0.12) hands
//! connections to a pool of detached threads that cannot be joined and that a
//! browser's kept-alive connection holds blocked on a read; here every answer
//! closes its connection and stop shuts every open socket down.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

const LIVE_HTML: &str = include_str!("live.html");
const LIVE_JS: &str = include_str!("live.js");
const CSS: &str = include_str!("report.css");

/// How often the accept loop looks for a stop.
const POLL: Duration = Duration::from_millis(20);
/// A request's head must arrive within this.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// A browser that stops reading is dropped after this.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// A comment on an idle stream, so a closed tab is noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(10);
/// Events kept for streams that fall behind; further back they get the state again.
const KEPT_EVENTS: usize = 4096;
/// Seconds between two points of a group's history.
const HISTORY_EVERY_S: f64 = 0.2;

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
    /// `(seq, the event as one SSE message)`, oldest first.
    events: VecDeque<(u64, Arc<str>)>,
    seq: u64,
}

struct Shared {
    inner: Mutex<Inner>,
    changed: Condvar,
    stopping: AtomicBool,
    page: String,
    /// Each connection's thread, with a handle on its socket to shut it down on stop.
    connections: Mutex<Vec<(TcpStream, JoinHandle<()>)>>,
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
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves the live page on `addr` (see [`resolve`]); a non-loopback
    /// address is refused unless `allow_remote`.
    pub fn start(addr: &str, allow_remote: bool) -> Result<Server, ServeError> {
        Server::start_with_page(addr, allow_remote, live_page())
    }

    /// The same with another page at `/`.
    pub fn start_with_page(
        addr: &str,
        allow_remote: bool,
        page: String,
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
        listener
            .set_nonblocking(true)
            .map_err(|source| ServeError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                state: initial_state(),
                events: VecDeque::new(),
                seq: 0,
            }),
            changed: Condvar::new(),
            stopping: AtomicBool::new(false),
            page,
            connections: Mutex::new(Vec::new()),
        });
        let accept = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("gil-lab-serve".into())
                .spawn(move || accept_loop(&listener, &shared))
                .map_err(|source| ServeError::Bind {
                    addr: addr.to_string(),
                    source,
                })?
        };
        Ok(Server {
            shared,
            addr: bound,
            accept: Some(accept),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`: the page's address (loopback when bound to every interface).
    pub fn url(&self) -> String {
        let ip = match self.addr.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::from(Ipv4Addr::LOCALHOST),
            ip if ip.is_unspecified() => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        match ip {
            IpAddr::V4(v4) => format!("http://{v4}:{}/", self.addr.port()),
            IpAddr::V6(v6) => format!("http://[{v6}]:{}/", self.addr.port()),
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
        apply(&mut inner.state, &event);
        inner.state["seq"] = json!(seq);
        let message: Arc<str> = format!("id: {seq}\ndata: {event}\n\n").into();
        inner.events.push_back((seq, message));
        if inner.events.len() > KEPT_EVENTS {
            inner.events.pop_front();
        }
        drop(inner);
        self.shared.changed.notify_all();
    }

    /// The run is over: `summary` (the live report's JSON) is shown and the page says "ended".
    /// The server keeps serving until [`Server::stop`].
    pub fn finish(&self, summary: Value) {
        self.publish(json!({"type": "finished", "summary": summary}));
    }

    /// The state so far, as `/state` serves it.
    pub fn state(&self) -> Value {
        self.shared.lock().state.clone()
    }

    /// Ends every stream and connection and joins every thread the server started.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let connections: Vec<(TcpStream, JoinHandle<()>)> = self
            .shared
            .connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .collect();
        for (stream, _) in &connections {
            let _ = stream.shutdown(Shutdown::Both);
        }
        for (_, thread) in connections {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The live page with its script and style inlined.
pub fn live_page() -> String {
    LIVE_HTML
        .replacen("{{CSS}}", CSS, 1)
        .replacen("{{JS}}", LIVE_JS, 1)
}

fn initial_state() -> Value {
    json!({
        "schema": 1,
        "seq": 0,
        "status": "running",
        "run": null,
        "notes": [],
        "groups": [],
        "summary": null
    })
}

/// Folds one event into the state; the live page's script does the same with
/// the events it receives.
pub fn apply(state: &mut Value, event: &Value) {
    let fields = |skip: &[&str]| -> Value {
        let mut o = event.as_object().cloned().unwrap_or_default();
        for k in skip {
            o.remove(*k);
        }
        Value::Object(o)
    };
    match event["type"].as_str() {
        Some("start") => state["run"] = fields(&["type", "seq"]),
        Some("note") => {
            if let Some(notes) = state["notes"].as_array_mut() {
                notes.push(event["text"].clone());
            }
        }
        Some("begin") => {
            let mut g = fields(&["type", "seq", "group"]);
            g["id"] = event["group"].clone();
            g["status"] = json!("running");
            g["t_s"] = json!(0.0);
            g["history"] = json!([]);
            g["summary"] = Value::Null;
            if let Some(groups) = state["groups"].as_array_mut() {
                groups.retain(|x| x["id"] != event["group"]);
                groups.push(g);
            }
        }
        Some("tick") => {
            let Some(g) = group_mut(state, &event["group"]) else {
                return;
            };
            for (k, v) in fields(&["type", "seq", "group"])
                .as_object()
                .into_iter()
                .flatten()
            {
                g[k.as_str()] = v.clone();
            }
            if let (Some(t), Some(x)) = (event["t_s"].as_f64(), event["vs_one_worker"].as_f64()) {
                let last = g["history"]
                    .as_array()
                    .and_then(|h| h.last())
                    .and_then(|p| p[0].as_f64());
                if last.is_none_or(|l| t - l >= HISTORY_EVERY_S)
                    && let Some(h) = g["history"].as_array_mut()
                {
                    h.push(json!([t, x]));
                }
            }
        }
        Some("end") => {
            let Some(g) = group_mut(state, &event["group"]) else {
                return;
            };
            g["status"] = json!(if event["error"].is_string() {
                "failed"
            } else {
                "done"
            });
            g["summary"] = fields(&["type", "seq", "group"]);
        }
        Some("finished") => {
            state["status"] = json!("ended");
            state["summary"] = event["summary"].clone();
            for g in state["groups"].as_array_mut().into_iter().flatten() {
                if g["status"] == "running" {
                    g["status"] = json!("done");
                }
            }
        }
        _ => {}
    }
}

fn group_mut<'a>(state: &'a mut Value, id: &Value) -> Option<&'a mut Value> {
    state["groups"]
        .as_array_mut()?
        .iter_mut()
        .rev()
        .find(|g| g["id"] == *id)
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    while !shared.stopping.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let Ok(handle) = stream.try_clone() else {
                    continue;
                };
                let worker = Arc::clone(shared);
                let spawned = std::thread::Builder::new()
                    .name("gil-lab-serve-conn".into())
                    .spawn(move || {
                        let _ = answer(&stream, &worker);
                        // The list below holds a clone of the socket: close it for both.
                        let _ = stream.shutdown(Shutdown::Both);
                    });
                let mut connections = shared.connections.lock().unwrap_or_else(|e| e.into_inner());
                // Connections that have ended are joined here, so the list stays short.
                let (done, open): (Vec<_>, Vec<_>) =
                    connections.drain(..).partition(|(_, t)| t.is_finished());
                *connections = open;
                if let Ok(thread) = spawned {
                    connections.push((handle, thread));
                }
                drop(connections);
                for (_, t) in done {
                    let _ = t.join();
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

/// Reads a request's head: `(method, path)` without the query.
fn read_head(mut stream: &TcpStream) -> io::Result<(String, String)> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > 16 * 1024 {
            return Err(io::ErrorKind::InvalidData.into());
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut first = text.lines().next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    Ok((method, path))
}

fn respond(
    mut stream: &TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(body);
    }
    stream.write_all(&out)?;
    stream.flush()
}

fn answer(stream: &TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let (method, path) = read_head(stream)?;
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return respond(
            stream,
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            b"only GET\n",
            false,
        );
    }
    match path.as_str() {
        "/" | "/index.html" => respond(
            stream,
            "200 OK",
            "text/html; charset=utf-8",
            shared.page.as_bytes(),
            head_only,
        ),
        "/state" => {
            let body = shared.lock().state.to_string();
            respond(
                stream,
                "200 OK",
                "application/json",
                body.as_bytes(),
                head_only,
            )
        }
        "/events" if !head_only => stream_events(stream, shared),
        "/events" => respond(stream, "200 OK", "text/event-stream", b"", true),
        "/favicon.ico" => respond(stream, "204 No Content", "image/x-icon", b"", head_only),
        _ => respond(
            stream,
            "404 Not Found",
            "text/plain; charset=utf-8",
            b"not found: try /, /state or /events\n",
            head_only,
        ),
    }
}

/// The state, then every event, until the server stops or the browser goes away.
fn stream_events(mut stream: &TcpStream, shared: &Shared) -> io::Result<()> {
    let snapshot = |inner: &Inner| {
        format!(
            "retry: 1000\nid: {}\nevent: state\ndata: {}\n\n",
            inner.seq, inner.state
        )
    };
    let (first, mut last) = {
        let inner = shared.lock();
        (snapshot(&inner), inner.seq)
    };
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n",
    )?;
    stream.write_all(first.as_bytes())?;
    stream.flush()?;
    loop {
        let mut out = String::new();
        {
            let mut inner = shared.lock();
            while inner.seq == last && !shared.stopping.load(Ordering::SeqCst) {
                let (guard, waited) = shared
                    .changed
                    .wait_timeout(inner, KEEP_ALIVE)
                    .unwrap_or_else(|e| e.into_inner());
                inner = guard;
                if waited.timed_out() && inner.seq == last {
                    out.push_str(": keep-alive\n\n");
                    break;
                }
            }
            if shared.stopping.load(Ordering::SeqCst) {
                return Ok(());
            }
            let behind = inner.events.front().is_some_and(|(s, _)| *s > last + 1);
            if behind {
                out.push_str(&snapshot(&inner));
            } else {
                for (_, message) in inner.events.iter().filter(|(s, _)| *s > last) {
                    out.push_str(message);
                }
            }
            last = inner.seq;
        }
        stream.write_all(out.as_bytes())?;
        stream.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};

    fn get(server: &Server, path: &str) -> (String, String) {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.to_string(), body.to_string())
    }

    #[test]
    fn serves_the_page_the_state_and_a_stream_that_starts_with_the_state() {
        let server = Server::start("127.0.0.1:0", false).unwrap();
        assert!(server.url().starts_with("http://127.0.0.1:"));
        let (head, page) = get(&server, "/");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(page.contains("EventSource") && page.contains("<!DOCTYPE html>"));
        server.publish(
            json!({"type": "begin", "group": "py-threads", "workers": 2, "full_chunks": 100.0}),
        );
        server.publish(json!({"type": "tick", "group": "py-threads", "t_s": 0.5, "counts": [3, 4], "vs_one_worker": 0.5}));
        let (_, state) = get(&server, "/state");
        let state: Value = serde_json::from_str(&state).unwrap();
        assert_eq!(state["seq"], 2);
        assert_eq!(state["groups"][0]["counts"], json!([3, 4]));

        let mut events = TcpStream::connect(server.addr()).unwrap();
        write!(events, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut reader = BufReader::new(events.try_clone().unwrap());
        let mut data_lines = Vec::new();
        let mut line = String::new();
        while data_lines.len() < 2 {
            line.clear();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "stream ended early"
            );
            if let Some(data) = line.strip_prefix("data: ") {
                data_lines.push(serde_json::from_str::<Value>(data).unwrap());
                if data_lines.len() == 1 {
                    // The state arrived first; now an update.
                    server.publish(json!({"type": "tick", "group": "py-threads", "t_s": 1.0, "counts": [6, 8]}));
                }
            }
        }
        assert_eq!(
            data_lines[0]["groups"][0]["id"], "py-threads",
            "state first"
        );
        assert_eq!(data_lines[1]["seq"], 3);
        assert_eq!(data_lines[1]["counts"], json!([6, 8]));

        server.finish(json!({"groups": []}));
        assert_eq!(server.state()["status"], "ended");
        let (head, _) = get(&server, "/nowhere");
        assert!(
            head.starts_with("HTTP/1.1 404"),
            "still serving after the end"
        );
        // Stop ends the open stream, too (the reader sees its end), and stops listening.
        let addr = server.addr();
        server.stop();
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
        assert!(TcpStream::connect(addr).is_err());
    }

    #[test]
    fn a_port_in_use_and_a_remote_address_are_told_apart() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        match Server::start(&format!("127.0.0.1:{port}"), false) {
            Err(ServeError::AddressInUse { port: p, .. }) => assert_eq!(p, port),
            other => panic!("{:?}", other.map(|s| s.url())),
        }
        match Server::start("0.0.0.0:0", false) {
            Err(e @ ServeError::NotLoopback { .. }) => {
                assert!(e.to_string().contains("--allow-remote"))
            }
            other => panic!("{:?}", other.map(|s| s.url())),
        }
        assert!(matches!(
            resolve("no such host name.invalid:1"),
            Err(ServeError::BadAddress { .. })
        ));
        assert_eq!(resolve("").unwrap()[0].to_string(), "127.0.0.1:0");
        assert_eq!(resolve("8123").unwrap()[0].to_string(), "127.0.0.1:8123");
        assert_eq!(resolve("::1").unwrap()[0].to_string(), "[::1]:0");
    }

    #[test]
    fn stop_joins_every_thread_even_with_a_stream_open() {
        let server = Server::start("127.0.0.1:0", false).unwrap();
        let mut events = TcpStream::connect(server.addr()).unwrap();
        write!(events, "GET /events HTTP/1.1\r\n\r\n").unwrap();
        let mut first = [0u8; 64];
        let _ = events.read(&mut first).unwrap();
        let shared = Arc::clone(&server.shared);
        let begun = std::time::Instant::now();
        server.stop();
        assert!(
            begun.elapsed() < Duration::from_secs(2),
            "{:?}",
            begun.elapsed()
        );
        assert!(shared.connections.lock().unwrap().is_empty());
        assert_eq!(
            Arc::strong_count(&shared),
            1,
            "no thread holds the server any more"
        );
    }

    #[test]
    fn events_fold_into_the_state() {
        let mut state = initial_state();
        for e in [
            json!({"type": "start", "scenario": "threading", "duration_s": 2.0}),
            json!({"type": "note", "text": "hello"}),
            json!({"type": "begin", "group": "py-threads", "workers": 2}),
            json!({"type": "tick", "group": "py-threads", "t_s": 0.1, "counts": [1, 1], "vs_one_worker": 0.5}),
            json!({"type": "tick", "group": "py-threads", "t_s": 0.15, "counts": [2, 1], "vs_one_worker": 0.6}),
            json!({"type": "tick", "group": "py-threads", "t_s": 0.5, "counts": [5, 4], "vs_one_worker": 0.5}),
            json!({"type": "end", "group": "py-threads", "rate": 9.0, "error": null}),
        ] {
            apply(&mut state, &e);
        }
        let g = &state["groups"][0];
        assert_eq!(state["run"]["scenario"], "threading");
        assert_eq!(state["notes"], json!(["hello"]));
        assert_eq!(g["counts"], json!([5, 4]));
        assert_eq!(
            g["history"].as_array().unwrap().len(),
            2,
            "points 0.2 s apart"
        );
        assert_eq!(g["status"], "done");
        assert_eq!(g["summary"]["rate"], 9.0);
        apply(
            &mut state,
            &json!({"type": "finished", "summary": {"groups": []}}),
        );
        assert_eq!(state["status"], "ended");
    }
}
