//! A local HTTP receiver for alerts (webhook or ntfy): it keeps what it was sent, can refuse its first requests
//! with 503, and can hold each request a while before answering, so that a notifier can be killed with a
//! delivery in flight.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post};

use super::AppProcess;

/// What a receiver was sent.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
}

#[derive(Clone, Default)]
pub struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    failures: Arc<AtomicUsize>,
    /// Requests refused so far.
    pub refused: Arc<AtomicUsize>,
    /// How long each request is held (after it was kept) before the answer.
    hold: Duration,
    /// Requests kept but not answered yet.
    pub in_flight: Arc<AtomicUsize>,
}

impl Receiver {
    /// One that answers 503 to its first `failures` requests, then 200.
    pub fn failing(failures: usize) -> Self {
        let receiver = Self::default();
        receiver.failures.store(failures, Ordering::SeqCst);
        receiver
    }

    /// One that keeps each request at once and answers 200 only after `hold`.
    pub fn holding(hold: Duration) -> Self {
        Self { hold, ..Self::default() }
    }

    /// Listens on `port` from now on.
    pub async fn serve(&self, port: u16) {
        async fn take(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
            if receiver.failures.load(Ordering::SeqCst) > 0 {
                receiver.failures.fetch_sub(1, Ordering::SeqCst);
                receiver.refused.fetch_add(1, Ordering::SeqCst);
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            let headers =
                headers.iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
            let body = String::from_utf8_lossy(&body).into_owned();
            receiver.got.lock().unwrap().push(Received { headers, body });
            if !receiver.hold.is_zero() {
                /// Counts a request as held until its handler ends: answered, or dropped by the server when
                /// the client went away (a killed notifier).
                struct Held(Arc<AtomicUsize>);
                impl Drop for Held {
                    fn drop(&mut self) {
                        self.0.fetch_sub(1, Ordering::SeqCst);
                    }
                }
                receiver.in_flight.fetch_add(1, Ordering::SeqCst);
                let _held = Held(receiver.in_flight.clone());
                tokio::time::sleep(receiver.hold).await;
            }
            StatusCode::OK
        }
        let app = Router::new().route("/{*path}", post(take)).with_state(self.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    }

    pub fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until it got `count` alerts; fails after `within`.
    pub async fn wait_for(&self, count: usize, within: Duration, app: &AppProcess) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.got();
            if got.len() >= count {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} of {count} alerts within {within:?}:\n{}",
                got.len(),
                app.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
