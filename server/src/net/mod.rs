//! The accept loop (issue 12 item 10): every TCP connection is counted
//! ([`conns`]: `max_connections`, `max_connections_per_ip`, refused by
//! closing it at accept) and served by hyper's HTTP/1 connection with a
//! header-read timeout (`header_read_timeout_ms`, against Slowloris), with
//! upgrades for the gateway. `axum::serve` has neither knob.

pub mod conns;
pub mod origin;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

pub use conns::{ConnLimits, Refused};

/// How one listener serves.
#[derive(Clone, Debug)]
pub struct Serving {
    /// Longest wait for a request's headers; then hyper closes the connection.
    pub header_read_timeout: Duration,
    /// The connection caps this listener counts against.
    pub limits: ConnLimits,
}

/// Serves `app` on `listener` until `shutdown` is cancelled; then stops
/// accepting, calls `on_shutdown` (the gateway's drain), lets every open
/// HTTP connection finish its request in flight (hyper's graceful
/// shutdown) and returns once they have. Upgraded sockets (the gateway)
/// are no longer HTTP connections: `on_shutdown` ends them. Handlers see
/// the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    opts: Serving,
    shutdown: CancellationToken,
    on_shutdown: impl FnOnce(),
) {
    let conns = TaskTracker::new();
    let closing = CancellationToken::new();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            () = shutdown.cancelled() => break,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                accept_error(e).await;
                continue;
            }
        };
        let guard = match opts.limits.admit(crate::client_ip::canonical(peer.ip())) {
            Ok(g) => g,
            Err(why) => {
                metrics::counter!("arena_connections_refused_total", "reason" => why.label())
                    .increment(1);
                tracing::debug!(%peer, reason = why.label(), "connection refused at accept");
                drop(tcp);
                continue;
            }
        };
        // Frames are small and latency-bound; writes are already batched per
        // flush, so Nagle's algorithm only adds delay (with delayed ACKs, up to 40 ms).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "TCP_NODELAY");
        }
        let io = TokioIo::new(conns::Counted::new(tcp, guard));
        let svc = TowerToHyperService::new(app.clone().map_request(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            },
        ));
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(opts.header_read_timeout);
        let closing = closing.clone();
        conns.spawn(async move {
            let conn = builder.serve_connection(io, svc).with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::trace!(error = %e, "connection ended");
                    }
                    return;
                }
                () = closing.cancelled() => {}
            }
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        });
    }
    drop(listener);
    on_shutdown();
    closing.cancel();
    conns.close();
    conns.wait().await;
}

/// An accept that failed: the peer's own trouble (reset before accept) is
/// skipped; anything else (out of file descriptors) is logged and waited
/// out for a second, as `axum::serve` does.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
