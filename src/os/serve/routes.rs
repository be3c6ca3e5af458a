//! The three routes (`/`, `/state`, `/events`) on axum, the `Host` check, and
//! the thread that runs them until the server stops.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::Stream;
use tokio::sync::{oneshot, watch};

use super::conn::Capped;
use super::{GRACE, Inner, KEEP_ALIVE, Shared};

/// Runs the server on this thread until `stopped` fires; then streams get
/// [`GRACE`] to send what is pending before the runtime, and with it every
/// connection still open, is dropped.
pub(super) fn serve(
    runtime: tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    stopped: oneshot::Receiver<()>,
) {
    let app = router(shared);
    runtime.block_on(async move {
        let (stop_all, stop_seen) = watch::channel(false);
        let signal = {
            let mut stop_seen = stop_seen.clone();
            async move {
                let _ = stop_seen.wait_for(|s| *s).await;
            }
        };
        let server = axum::serve(Capped::new(listener), app).with_graceful_shutdown(signal);
        let mut server = std::pin::pin!(std::future::IntoFuture::into_future(server));
        tokio::select! {
            _ = &mut server => return,
            _ = stopped => {}
        }
        let _ = stop_all.send(true);
        let _ = tokio::time::timeout(GRACE, server).await;
    });
    drop(runtime);
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/index.html", get(page))
        .route("/state", get(state))
        .route("/events", get(events))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), guard))
        .with_state(shared)
}

/// Refuses a `Host` that is not a loopback name unless remote access was
/// allowed, and closes every connection after its answer.
async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or("\u{fffd}"));
    let mut response = if shared.allow_remote || host.is_none_or(is_loopback_host) {
        next.run(request).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "this server answers only requests for localhost, 127.0.0.1 or [::1]\n",
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `localhost`, `127.0.0.1`, `[::1]` (any port), or a name under `.localhost`.
pub(super) fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn page(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        shared.page.clone(),
    )
        .into_response()
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let body = shared.lock().state.to_string();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "not found: try /, /state or /events\n",
    )
        .into_response()
}

async fn events(State(shared): State<Arc<Shared>>) -> Response {
    let sse = Sse::new(stream(shared))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"));
    ([("x-accel-buffering", "no")], sse).into_response()
}

/// A stream's position: the last `seq` sent and what is ready to go.
struct Cursor {
    shared: Arc<Shared>,
    published: watch::Receiver<u64>,
    last: u64,
    ready: VecDeque<Event>,
    ended: bool,
}

/// The state (event `state`), then every event as a `message` with its `seq`
/// as id, until the server stops; a stream that fell behind the kept events
/// gets the state again.
fn stream(shared: Arc<Shared>) -> impl Stream<Item = Result<Event, Infallible>> {
    let mut published = shared.published.subscribe();
    published.mark_unchanged();
    let (first, last) = {
        let inner = shared.lock();
        (snapshot(&inner), inner.seq)
    };
    let cursor = Cursor {
        shared,
        published,
        last,
        ready: VecDeque::from([first]),
        ended: false,
    };
    futures_util::stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(event) = c.ready.pop_front() {
                return Some((Ok(event), c));
            }
            if c.ended {
                return None;
            }
            c.published.mark_unchanged();
            {
                let inner = c.shared.lock();
                let behind = inner.events.front().is_some_and(|(s, _)| *s > c.last + 1);
                if behind {
                    c.ready.push_back(snapshot(&inner));
                } else {
                    c.ready.extend(
                        inner
                            .events
                            .iter()
                            .filter(|(s, _)| *s > c.last)
                            .map(|(s, data)| Event::default().id(s.to_string()).data(&**data)),
                    );
                }
                c.last = inner.seq;
            }
            if !c.ready.is_empty() {
                continue;
            }
            // On stop, what was published is still sent ("finished" with it).
            if c.shared.stopping.load(Ordering::SeqCst) || c.published.changed().await.is_err() {
                c.ended = true;
            }
        }
    })
}

fn snapshot(inner: &Inner) -> Event {
    Event::default()
        .retry(std::time::Duration::from_millis(1000))
        .id(inner.seq.to_string())
        .event("state")
        .data(inner.state.to_string())
}
