//! The server's tests: real sockets on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use super::*;
// The live run's own fold: what the server is started with in use.
pub(super) use crate::lab::live::events::FOLD;

pub(super) const PAGE: &str = "<!DOCTYPE html><p>watch</p>";

pub(super) fn start(addr: &str) -> Result<Server, ServeError> {
    Server::start(addr, false, PAGE.to_string(), FOLD)
}

pub(super) fn get(server: &Server, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.to_string(), body.to_string())
}

#[test]
fn serves_the_page_the_state_and_a_stream_that_starts_with_the_state() {
    let server = start("127.0.0.1:0").unwrap();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    let (head, page) = get(&server, "/");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(page == PAGE);
    server.publish(
        json!({"type": "begin", "group": "py-threads", "workers": 2, "full_chunks": 100.0}),
    );
    server.publish(json!({"type": "tick", "group": "py-threads", "t_s": 0.5, "counts": [3, 4], "vs_one_worker": 0.5}));
    let (_, state) = get(&server, "/state");
    let state: Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["seq"], 2);
    assert_eq!(state["groups"][0]["counts"], json!([3, 4]));

    let mut events = TcpStream::connect(server.addr()).unwrap();
    write!(events, "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
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
                server.publish(
                    json!({"type": "tick", "group": "py-threads", "t_s": 1.0, "counts": [6, 8]}),
                );
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
    match start(&format!("127.0.0.1:{port}")) {
        Err(ServeError::AddressInUse { port: p, .. }) => assert_eq!(p, port),
        other => panic!("{:?}", other.map(|s| s.url())),
    }
    match start("0.0.0.0:0") {
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
    let server = start("127.0.0.1:0").unwrap();
    let mut events = TcpStream::connect(server.addr()).unwrap();
    write!(events, "GET /events HTTP/1.1\r\n\r\n").unwrap();
    let mut first = [0u8; 64];
    let _ = events.read(&mut first).unwrap();
    let shared = Arc::clone(&server.shared);
    // stop() runs on a thread of its own so that a hang fails the test (after a
    // bound far above any real stop) instead of hanging the suite.
    let (stopped, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        server.stop();
        let _ = stopped.send(());
    });
    done.recv_timeout(Duration::from_secs(60))
        .expect("stop() returns with a stream open");
    // The open stream was ended by the server: the client reads its end (or a
    // reset), not a read that waits on.
    events
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut rest = Vec::new();
    match events.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    assert_eq!(
        Arc::strong_count(&shared),
        1,
        "no thread holds the server any more"
    );
}

mod hostile;
