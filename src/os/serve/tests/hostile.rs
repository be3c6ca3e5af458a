//! Requests a server on a developer's machine must survive: many streams at
//! once, a client that stops reading or never sends a request, an oversized
//! header, paths outside the routes, HTTP/1.0, a foreign `Host` (DNS
//! rebinding) and more connections than the cap.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::super::routes::is_loopback_host;
use super::super::*;
use super::{PAGE, get, start};

/// Bounds a read that must end, far above any real answer: a hang fails the test.
const HANG: Duration = Duration::from_secs(60);

/// Sends `request` and reads the whole answer (every answer closes its connection).
fn exchange(server: &Server, request: &str) -> String {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(HANG)).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text
}

/// A stream client that has received the first event (the state).
fn open_stream(server: &Server) -> BufReader<TcpStream> {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(HANG)).unwrap();
    write!(s, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut reader = BufReader::new(s);
    next_data(&mut reader).expect("the state comes first");
    reader
}

/// The next `data:` line of a stream, or `None` at its end.
fn next_data(reader: &mut BufReader<TcpStream>) -> Option<Value> {
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(data) = line.strip_prefix("data: ") {
            return Some(serde_json::from_str(data).unwrap());
        }
    }
}

#[test]
fn fifty_concurrent_streams_each_get_every_event_and_end_on_stop() {
    let server = start("127.0.0.1:0").unwrap();
    let mut clients: Vec<_> = (0..50).map(|_| open_stream(&server)).collect();
    server.publish(json!({"type": "note", "text": "to all"}));
    for client in &mut clients {
        let event = next_data(client).expect("the note arrives");
        assert_eq!(event["text"], "to all");
        assert_eq!(event["seq"], 1);
    }
    server.stop();
    for client in &mut clients {
        assert!(
            next_data(client).is_none(),
            "the stream ended with the server"
        );
    }
}

#[test]
fn a_client_that_stops_reading_neither_blocks_publishing_nor_others_and_is_dropped() {
    let server = start("127.0.0.1:0").unwrap();
    let mut slow = TcpStream::connect(server.addr()).unwrap();
    write!(slow, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    // Far more than the socket buffers hold: the server's writes to it stall.
    let filler = "x".repeat(20_000);
    for i in 0..2000 {
        server.publish(json!({"type": "note", "text": filler, "i": i}));
    }
    let (head, state) = get(&server, "/state");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let state: Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["seq"], 2000);
    // Once its writes have waited WRITE_TIMEOUT, the server drops it: reading
    // now finds the stream's end (or a reset), not a stream that goes on.
    std::thread::sleep(WRITE_TIMEOUT + Duration::from_secs(1));
    slow.set_read_timeout(Some(HANG)).unwrap();
    let mut got = Vec::new();
    match slow.read_to_end(&mut got) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    assert!(got.len() < 2000 * 20_000, "the slow client got everything");
    server.stop();
}

#[test]
fn a_client_that_sends_no_request_is_dropped() {
    let server = start("127.0.0.1:0").unwrap();
    let mut idle = TcpStream::connect(server.addr()).unwrap();
    idle.set_read_timeout(Some(HANG)).unwrap();
    let mut got = Vec::new();
    match idle.read_to_end(&mut got) {
        Ok(_) => assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got)),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
}

#[test]
fn an_oversized_header_is_refused_and_the_server_goes_on() {
    let server = start("127.0.0.1:0").unwrap();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(HANG)).unwrap();
    let big = "a".repeat(1 << 20);
    // The server may close before all of it is sent: a failed write is expected.
    let _ = write!(
        s,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {big}\r\n\r\n"
    );
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer:.200}"
    );
    let (head, page) = get(&server, "/");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(page, PAGE);
}

#[test]
fn paths_and_methods_outside_the_routes_get_404_and_405() {
    let server = start("127.0.0.1:0").unwrap();
    for path in [
        "/../etc/passwd",
        "/state/more",
        "/%2e%2e/",
        "/events/x",
        "//",
    ] {
        let answer = exchange(
            &server,
            &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        );
        assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
        assert!(!answer.contains(PAGE), "{path}");
    }
    let answer = exchange(
        &server,
        "POST /state HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}",
    );
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    let answer = exchange(&server, "NOT-HTTP\r\n\r\n");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
}

#[test]
fn http_1_0_clients_are_answered_and_streamed_to() {
    let server = start("127.0.0.1:0").unwrap();
    server.publish(json!({"type": "note", "text": "before"}));
    let answer = exchange(&server, "GET /state HTTP/1.0\r\n\r\n");
    assert!(answer.starts_with("HTTP/1."), "{answer}");
    assert!(answer.contains(" 200 "), "{answer}");
    let (_, body) = answer.split_once("\r\n\r\n").unwrap();
    let state: Value = serde_json::from_str(body).unwrap();
    assert_eq!(state["notes"], json!(["before"]));

    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(HANG)).unwrap();
    write!(s, "GET /events HTTP/1.0\r\n\r\n").unwrap();
    let mut reader = BufReader::new(s);
    assert_eq!(next_data(&mut reader).unwrap()["notes"], json!(["before"]));
    server.publish(json!({"type": "note", "text": "after"}));
    assert_eq!(next_data(&mut reader).unwrap()["text"], "after");
    server.stop();
    assert!(next_data(&mut reader).is_none());
}

#[test]
fn a_foreign_host_is_refused_unless_remote_access_is_allowed() {
    let server = start("127.0.0.1:0").unwrap();
    let ask = |server: &Server, host: &str| {
        exchange(
            server,
            &format!("GET /state HTTP/1.1\r\nHost: {host}\r\n\r\n"),
        )
    };
    for host in [
        "attacker.example",
        "attacker.example:8000",
        "127.0.0.1.nip.io",
    ] {
        let answer = ask(&server, host);
        assert!(answer.starts_with("HTTP/1.1 403"), "{host}: {answer}");
        assert!(!answer.contains("\"schema\""), "{host}");
    }
    for host in ["localhost:8000", "127.0.0.1", "[::1]:9", "LOCALHOST."] {
        assert!(ask(&server, host).starts_with("HTTP/1.1 200"), "{host}");
    }
    let open = Server::start("127.0.0.1:0", true, PAGE.to_string(), super::FOLD).unwrap();
    assert!(ask(&open, "attacker.example").starts_with("HTTP/1.1 200"));

    assert!(is_loopback_host("app.localhost:80"));
    assert!(is_loopback_host("127.1.2.3"));
    assert!(!is_loopback_host("localhost.attacker.example"));
    assert!(!is_loopback_host("[::2]:80"));
    assert!(!is_loopback_host(""));
}

#[test]
fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let server = start("127.0.0.1:0").unwrap();
    let mut streams: Vec<_> = (0..MAX_CONNECTIONS).map(|_| open_stream(&server)).collect();
    let mut waiting = TcpStream::connect(server.addr()).unwrap();
    write!(waiting, "GET /state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut first = [0u8; 16];
    let early = waiting.read(&mut first);
    assert!(
        early.as_ref().is_err_and(|e| matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )),
        "answered beyond the cap: {early:?}"
    );
    // A slot frees: the waiting request is answered.
    drop(streams.pop());
    // A write makes the server notice the closed stream at once.
    server.publish(json!({"type": "note", "text": "wake"}));
    waiting.set_read_timeout(Some(HANG)).unwrap();
    let mut answer = String::new();
    waiting.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.stop();
}
