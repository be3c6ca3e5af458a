//! The three routes over plain sockets: each answer closes its connection, and
//! a stream ends when the server stops.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{Inner, KEEP_ALIVE, POLL, READ_TIMEOUT, Shared, WRITE_TIMEOUT};

pub(super) fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
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
    let mut stopping;
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
            // On stop, what was published is still sent ("finished" with it).
            stopping = shared.stopping.load(Ordering::SeqCst);
            if stopping && inner.seq == last {
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
        if stopping {
            return Ok(());
        }
    }
}
