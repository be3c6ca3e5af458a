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

/// Checks that something accepts a TCP connection at `address` within `timeout`;
/// otherwise a usage error that names the address.
pub fn check_listening(address: &str, timeout: Duration) -> Result<(), UsageError> {
    let (host, port) = host_port(address)?;
    let unreachable = |why: String| {
        UsageError::new(format!(
            "no dask scheduler answered at {address} within {} s ({why})",
            timeout.as_secs_f64()
        ))
        .with_hint(HINT)
    };
    let targets: Vec<SocketAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| unreachable(format!("{host} does not resolve: {e}")))?
        .collect();
    let mut last = String::from("no address");
    for target in targets {
        match TcpStream::connect_timeout(&target, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(unreachable(last))
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
        let err = check_listening("tcp://127.0.0.1:1", Duration::from_secs(2)).unwrap_err();
        assert!(
            err.message
                .starts_with("no dask scheduler answered at tcp://127.0.0.1:1")
        );
    }

    #[test]
    fn a_listening_port_is_reachable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(check_listening(&format!("tcp://127.0.0.1:{port}"), CONNECT_TIMEOUT).is_ok());
    }
}
