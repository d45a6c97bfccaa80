//! The web server's bounds, each with the status it gets: the security headers and the page's script policy,
//! a body too large (413), a request too slow (503), a client over its allowance (429 with Retry-After), a
//! client that never finishes its headers (disconnected), connections over the limit (kept waiting, never
//! dropped), 300 stalled connections beside a normal request, paths outside the site, and short error bodies.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    time::{Duration, Instant},
};

use axum::{Router, routing::get};
use leptos::config::LeptosOptions;
use tokio_util::sync::CancellationToken;

use app::records::csv_log::CsvLog;
use server::web::{
    ServerContext,
    connections::{self, Bounds},
    guard::{self, RateLimit},
    router,
};

/// One server at a time: the page's server-side render shares process-wide state (see tests/http.rs).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Served {
    addr: SocketAddr,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The dashboard over the sample's prices, its site's files in `site/` of its folder, with `limit` and
/// `bounds`.
async fn dashboard(limit: RateLimit, bounds: Bounds) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("prices.csv");
    let sample = std::fs::read(server::pipeline::price_file::SAMPLE).unwrap();
    let records = server::pipeline::price_file::parse(&sample, chrono::Utc::now()).unwrap().records;
    CsvLog::open(&csv).unwrap().append_new(records).unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("favicon.svg"), "<svg/>").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "the secret outside the site").unwrap();
    let mut options = LeptosOptions::builder().output_name("price-monitor").build();
    options.site_root = site.to_str().unwrap().into();
    let context = ServerContext { rate_limit: limit, ..ServerContext::reading(&csv) };
    serve(router(options, context), bounds, dir).await
}

async fn serve(router: Router, bounds: Bounds, dir: tempfile::TempDir) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    tokio::spawn(connections::serve(listener, router, bounds, shutdown.clone()));
    Served { addr, shutdown, _dir: dir }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

fn url(served: &Served, path: &str) -> String {
    format!("http://{}{path}", served.addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_has_the_security_headers_and_the_page_allows_only_its_own_scripts() {
    let _one = ONE_AT_A_TIME.lock().await;
    let served = dashboard(RateLimit::per_minute(0), Bounds::default()).await;
    let page = client().get(url(&served, "/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let header = |response: &reqwest::Response, name: &str| {
        response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    };
    let policy = header(&page, "content-security-policy");
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap_or_default();
    assert!(nonce.len() >= 16, "a nonce in {policy:?}");
    let scripts = policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
    assert!(!scripts.contains("'unsafe-inline'") && !scripts.contains("'unsafe-eval'"), "{scripts}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    for (name, value) in
        [("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer"), ("x-frame-options", "DENY")]
    {
        assert_eq!(header(&page, name), value, "{name} on the page");
    }
    let html = page.text().await.unwrap();
    let inline_scripts = html.matches("<script").count();
    assert!(inline_scripts >= 2, "the page has scripts: {inline_scripts}");
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), inline_scripts, "every script carries the nonce");
    // A second answer has a nonce of its own.
    let again = client().get(url(&served, "/")).send().await.unwrap();
    assert_ne!(header(&again, "content-security-policy"), policy);

    for path in ["/api/v1/now", "/healthz", "/download.csv", "/favicon.svg", "/no-such-thing"] {
        let response = client().get(url(&served, path)).send().await.unwrap();
        assert_eq!(header(&response, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&response, "x-frame-options"), "DENY", "{path}");
        assert!(header(&response, "content-security-policy").contains("frame-ancestors 'none'"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_64_kb_is_refused_with_413_before_it_is_read() {
    let _one = ONE_AT_A_TIME.lock().await;
    let served = dashboard(RateLimit::per_minute(0), Bounds::default()).await;
    // Only the headers are sent: the answer comes without the body.
    let mut stream = TcpStream::connect(served.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST /api/dashboard HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n",
        guard::MAX_BODY + 1
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = [0; 64];
    let read = stream.read(&mut answer).unwrap();
    assert!(String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 413"), "{:?}", &answer[..read]);
    // A form of normal size is answered.
    let ok = client().post(url(&served, "/api/dashboard")).form(&[("hours", "48")]).send().await.unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_takes_too_long_ends_with_503() {
    let slow = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    );
    let served =
        serve(guard::bounded(slow, Duration::from_millis(300)), Bounds::default(), tempfile::tempdir().unwrap()).await;
    let started = Instant::now();
    let response = client().get(url(&served, "/slow")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(4), "ended at the timeout, not when the handler was done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_allowance_gets_429_with_retry_after_and_health_is_never_limited() {
    let _one = ONE_AT_A_TIME.lock().await;
    // 8 a minute: 2 at once, then one every 7.5 s.
    let served = dashboard(RateLimit::per_minute(8), Bounds::default()).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = client().get(url(&served, "/download.csv?hours=6")).send().await.unwrap();
        statuses.push((response.status().as_u16(), response.headers().get("retry-after").cloned()));
    }
    assert_eq!(statuses[0].0, 200);
    assert_eq!(statuses[1].0, 200);
    assert_eq!(statuses[2].0, 429, "{statuses:?}");
    let wait: u64 = statuses[2].1.as_ref().unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=8).contains(&wait), "Retry-After {wait}");
    let api = client().get(url(&served, "/api/v1/prices")).send().await.unwrap();
    assert_eq!(api.status(), 429, "/api/v1 shares the allowance");
    for path in ["/healthz", "/readyz", "/metrics", "/"] {
        for _ in 0..10 {
            let response = client().get(url(&served, path)).send().await.unwrap();
            assert_ne!(response.status(), 429, "{path} is not limited");
        }
    }
}

/// Opens a connection and sends half a request's headers.
fn stalled(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_finish_its_headers_is_disconnected() {
    let bounds = Bounds { header_timeout: Duration::from_secs(1), ..Bounds::default() };
    let ok = Router::new().route("/", get(|| async { "ok" }));
    let served = serve(ok, bounds, tempfile::tempdir().unwrap()).await;
    // Half a request's headers, and nothing at all.
    for half in [true, false] {
        let started = Instant::now();
        let mut stream = if half { stalled(served.addr) } else { TcpStream::connect(served.addr).unwrap() };
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut rest = Vec::new();
        let closed = stream.read_to_end(&mut rest);
        assert!(closed.is_ok(), "half headers {half}: the server closed the connection: {closed:?}");
        let after = started.elapsed();
        assert!(after >= Duration::from_millis(900) && after < Duration::from_secs(10), "half {half}: after {after:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_limit_wait_and_300_stalled_ones_do_not_delay_a_normal_request() {
    let _one = ONE_AT_A_TIME.lock().await;
    let served = dashboard(RateLimit::per_minute(0), Bounds::default()).await;
    let stalled_ones: Vec<TcpStream> = (0..300).map(|_| stalled(served.addr)).collect();
    let started = Instant::now();
    let health = client().get(url(&served, "/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5), "answered beside 300 stalled connections");
    let page = client().get(url(&served, "/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    drop(stalled_ones);

    // With room for 3: a fourth connection is accepted only when one closes, and then answered.
    let ok = Router::new().route("/", get(|| async { "ok" }));
    let bounds = Bounds { max_connections: 3, ..Bounds::default() };
    let small = serve(ok, bounds, tempfile::tempdir().unwrap()).await;
    let mut three: Vec<TcpStream> = (0..3).map(|_| stalled(small.addr)).collect();
    let fourth = tokio::spawn(client().get(url(&small, "/")).send());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!fourth.is_finished(), "the fourth waits while three are open");
    three.pop();
    let answer = tokio::time::timeout(Duration::from_secs(10), fourth).await.unwrap().unwrap().unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_path_outside_the_site_is_served() {
    let _one = ONE_AT_A_TIME.lock().await;
    let served = dashboard(RateLimit::per_minute(0), Bounds::default()).await;
    assert_eq!(client().get(url(&served, "/favicon.svg")).send().await.unwrap().text().await.unwrap(), "<svg/>");
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/%252e%252e%252fsecret.txt",
        "/..%5csecret.txt",
        "/%5c..%5csecret.txt",
        "/favicon.svg/../../secret.txt",
        "/v/0/../../secret.txt",
    ] {
        // Sent as written: a client library would resolve the dots itself.
        let mut stream = TcpStream::connect(served.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(!answer.contains("the secret outside the site"), "{path} served a file outside the site");
        assert!(!answer.starts_with("HTTP/1.0 5") && !answer.starts_with("HTTP/1.1 5"), "{path}: {answer:.80}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_bodies_quote_a_few_dozen_characters_of_what_they_were_given() {
    let _one = ONE_AT_A_TIME.lock().await;
    let served = dashboard(RateLimit::per_minute(0), Bounds::default()).await;
    let long = "x".repeat(5000);
    for path in [
        format!("/api/v1/prices?from={long}"),
        format!("/api/v1/daily?to={long}"),
        format!("/api/v1/cheapest?duration={long}"),
        format!("/api/v1/prices?resolution={long}"),
        format!("/download.csv?hours={long}"),
    ] {
        let response = client().get(url(&served, &path)).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path:.40}");
        let body = response.text().await.unwrap();
        assert!(body.len() < 300, "{path:.40}: {} bytes: {body:.120}", body.len());
        assert!(!body.contains(&"x".repeat(81)), "{path:.40} quotes too much");
    }
    let form = client().post(url(&served, "/api/dashboard")).form(&[("hours", "48"), ("duration", &long)]);
    let response = form.send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().len() < 300);
}
