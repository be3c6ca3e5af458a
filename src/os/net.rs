//! Whether something listens at a network address, asked once with a bounded wait.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::error::UsageError;

/// How long connecting to a `--dask` scheduler may take before it counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

const HINT: &str = "start one with `dask scheduler --host 127.0.0.1 --port 8786` (and `dask worker tcp://127.0.0.1:8786`), \
     or leave out --dask for a LocalCluster";

/// `tcp://HOST:PORT`, `tls://HOST:PORT` or `HOST:PORT` → its host and port.
pub fn host_port(address: &str) -> Result<(String, u16), UsageError> {
    let bad = |why: &str| {
        UsageError::new(format!("--dask {address}: {why}"))
            .with_hint("give the scheduler's address as tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786")
    };
    let rest = match address.split_once("://") {
        Some(("tcp" | "tls", rest)) => rest,
        Some((scheme, _)) => {
            return Err(bad(&format!(
                "{scheme}:// is not supported, only tcp:// and tls://"
            )));
        }
        None => address,
    };
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| bad("no port"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port.parse().map_err(|_| bad("the port is not a number"))?;
    if host.is_empty() || port == 0 {
        return Err(bad("no host or port"));
    }
    Ok((host.to_string(), port))
}

/// Checks that a dask scheduler answers at `address` within `timeout`, before
/// anything is measured; otherwise a usage error that names the address.
///
/// Accepting a connection is not enough: an HTTP server or a silent listener
/// accepts too, and dask's client then waits on it forever or reads its bytes
/// as a frame length. A scheduler speaks first: on every new connection it
/// sends its handshake, one length-prefixed msgpack frame that holds
/// `pickle-protocol`. Over `tcp://` that frame is read here; `tls://` hides
/// it, so there only the connection is checked.
pub fn check_scheduler(address: &str, timeout: Duration) -> Result<(), UsageError> {
    let (host, port) = host_port(address)?;
    let started = std::time::Instant::now();
    let refuse = |why: String| {
        UsageError::new(format!("no dask scheduler answered at {address} ({why})")).with_hint(HINT)
    };
    let targets: Vec<SocketAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| refuse(format!("{host} does not resolve: {e}")))?
        .collect();
    let mut last = String::from("no address");
    let mut stream = None;
    for target in targets {
        match TcpStream::connect_timeout(&target, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e.to_string(),
        }
    }
    let Some(mut stream) = stream else {
        return Err(refuse(format!(
            "nothing accepted a connection within {} s: {last}",
            timeout.as_secs_f64()
        )));
    };
    if address.starts_with("tls://") {
        return Ok(());
    }
    let left = timeout
        .saturating_sub(started.elapsed())
        .clamp(Duration::from_secs(1), HANDSHAKE_WAIT);
    read_handshake(&mut stream, left).map_err(|why| {
        refuse(format!(
            "something listens there but is not a dask scheduler: {why}"
        ))
    })
}

/// How long a scheduler may take to send its handshake (it sends it at once).
const HANDSHAKE_WAIT: Duration = Duration::from_secs(5);

/// Most bytes a scheduler's handshake takes (it is under a hundred).
const MOST_HANDSHAKE_BYTES: u64 = 64 * 1024;

/// Reads dask's first frame from `stream` within `wait`: its 8-byte
/// little-endian length, then that many bytes, which must hold the handshake's
/// `pickle-protocol` key.
fn read_handshake(stream: &mut TcpStream, wait: Duration) -> Result<(), String> {
    use std::io::Read;
    let deadline = std::time::Instant::now() + wait;
    let mut read_exact = |buf: &mut [u8]| -> Result<(), String> {
        let mut got = 0;
        while got < buf.len() {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "no dask handshake within {:.0} s",
                    wait.as_secs_f64()
                ));
            }
            stream
                .set_read_timeout(Some(left))
                .map_err(|e| e.to_string())?;
            match stream.read(&mut buf[got..]) {
                Ok(0) => return Err("it closed the connection without a dask handshake".into()),
                Ok(n) => got += n,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(format!(
                        "no dask handshake within {:.0} s",
                        wait.as_secs_f64()
                    ));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(())
    };
    let mut length = [0u8; 8];
    read_exact(&mut length)?;
    let length = u64::from_le_bytes(length);
    if !(16..=MOST_HANDSHAKE_BYTES).contains(&length) {
        return Err(format!(
            "its first message is not a dask frame (length field {length})"
        ));
    }
    let mut frame = vec![0u8; length as usize];
    read_exact(&mut frame)?;
    let key = b"pickle-protocol";
    if frame.windows(key.len()).any(|w| w == key) {
        Ok(())
    } else {
        Err("its first message is not a dask handshake".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduler_addresses_are_read_with_or_without_a_scheme() {
        assert_eq!(
            host_port("tcp://127.0.0.1:8786").unwrap(),
            ("127.0.0.1".into(), 8786)
        );
        assert_eq!(host_port("node7:1").unwrap(), ("node7".into(), 1));
        assert_eq!(host_port("tcp://[::1]:9").unwrap(), ("::1".into(), 9));
        assert!(host_port("ucx://h:1").is_err());
        assert!(host_port("tcp://h").is_err());
        assert!(host_port("tcp://h:x").is_err());
    }

    #[test]
    fn a_closed_port_is_unreachable_and_named() {
        let err = check_scheduler("tcp://127.0.0.1:1", Duration::from_secs(2)).unwrap_err();
        assert!(
            err.message
                .starts_with("no dask scheduler answered at tcp://127.0.0.1:1"),
            "{}",
            err.message
        );
    }

    /// A listener on a free port that, on its first connection, sends `greeting` and holds on.
    fn listener_sending(greeting: Vec<u8>) -> (u16, std::thread::JoinHandle<()>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            use std::io::Write;
            let (mut conn, _) = listener.accept().unwrap();
            conn.write_all(&greeting).unwrap();
            // Held open until the client gives up, as a silent server would.
            let _ = std::io::Read::read(&mut conn, &mut [0u8; 1]);
        });
        (port, server)
    }

    #[test]
    fn a_listener_that_is_not_a_scheduler_is_refused_within_the_timeout() {
        for greeting in [Vec::new(), b"HTTP/1.0 400 Bad request\r\n\r\n".to_vec()] {
            let (port, server) = listener_sending(greeting);
            let started = std::time::Instant::now();
            let err = check_scheduler(&format!("tcp://127.0.0.1:{port}"), Duration::from_secs(1))
                .unwrap_err();
            assert!(
                err.message.contains("not a dask scheduler"),
                "{}",
                err.message
            );
            assert!(started.elapsed() < Duration::from_secs(30), "a hang bound");
            server.join().unwrap();
        }
    }

    #[test]
    fn a_scheduler_handshake_is_accepted() {
        // The frame layout a distributed scheduler sends first: total length,
        // frame count, frame length, then the msgpack handshake.
        let body = b"\x83\xabcompression\xc0\xa6python\x93\x03\x0b\x07\xafpickle-protocol\x05";
        let mut frame = Vec::new();
        frame.extend_from_slice(&1u64.to_le_bytes());
        frame.extend_from_slice(&(body.len() as u64).to_le_bytes());
        frame.extend_from_slice(body);
        let mut greeting = (frame.len() as u64).to_le_bytes().to_vec();
        greeting.extend_from_slice(&frame);
        let (port, server) = listener_sending(greeting);
        check_scheduler(&format!("tcp://127.0.0.1:{port}"), CONNECT_TIMEOUT).unwrap();
        server.join().unwrap();
    }
}
