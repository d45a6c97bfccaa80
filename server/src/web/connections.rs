//! Accepting connections with bounds: how many may be open at once, and how long a client may take to send a
//! request's headers. `axum::serve` has neither (hyper's header timeout needs a timer it does not set), so a
//! client that opens connections and never finishes a request would hold them for ever.
//!
//! HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which a proxy in front would end, and hyper's
//! version-sniffing server waits for a client's first bytes without any timer, where its HTTP/1 server starts
//! the header timeout as soon as the connection is open.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo, http::Request};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Connections open at once; one more waits in the listen backlog until one closes. A page keeps one or two.
pub const MAX_CONNECTIONS: usize = 1024;

/// A client that has not sent a request's headers this long after connecting (or after its last answer, on a
/// kept-alive connection) is disconnected.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(15);
// A client that has not sent its headers within 10 to 30 s is gone or stalling on purpose.
const _: () = assert!(HEADER_TIMEOUT.as_secs() >= 10 && HEADER_TIMEOUT.as_secs() <= 30);

/// How many connections may be open, and how long a client may take over a request's headers.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

impl Default for Bounds {
    fn default() -> Self {
        Self { max_connections: MAX_CONNECTIONS, header_timeout: HEADER_TIMEOUT }
    }
}

/// How long open connections get to finish their requests at shutdown.
const DRAIN: Duration = Duration::from_secs(5);

/// Serves `router` on `listener` within `bounds` until `shutdown`, each request knowing its client's address
/// ([`ConnectInfo`]).
pub async fn serve(listener: TcpListener, router: Router, bounds: Bounds, shutdown: CancellationToken) {
    let open = Arc::new(Semaphore::new(bounds.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(bounds.header_timeout);
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = accept(&listener, &open) => accepted,
        };
        let Some((stream, client, permit)) = accepted else { continue };
        let service = router.clone().map_request(move |request: Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(client));
            request
        });
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection from {client}: {e}");
            }
            drop(permit);
        });
    }
    drop(listener); // a client connecting now is refused at once rather than left waiting in the backlog
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::info!("connections still open after {} s: they end with the process", DRAIN.as_secs());
    }
}

/// The next connection, once fewer than the most allowed are open. A failed accept (the process is out of
/// file descriptors, say) is logged and retried after a moment instead of in a busy loop.
async fn accept(
    listener: &TcpListener,
    open: &Arc<Semaphore>,
) -> Option<(tokio::net::TcpStream, SocketAddr, tokio::sync::OwnedSemaphorePermit)> {
    let permit = open.clone().acquire_owned().await.expect("the semaphore is never closed");
    match listener.accept().await {
        Ok((stream, client)) => Some((stream, client, permit)),
        Err(e) => {
            tracing::warn!("accepting a connection failed: {e}");
            tokio::time::sleep(Duration::from_millis(100)).await;
            None
        }
    }
}
