//! Fetching the price file from its source, against a local HTTP server that each test starts and scripts:
//! a normal answer, 304, 500, a slow answer, garbage, and tomorrow's prices appearing on a later fetch.

mod support;

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::{DurationRound, NaiveTime, Utc};
use server::pipeline::fetch::{FetchError, Fetched, Schedule, Sources};
use tokio_util::sync::CancellationToken;

/// How long a [`Answer::SlowDown`] takes: a slow network's, between a request and its answer.
const SLOW_DOWN_AFTER: Duration = Duration::from_millis(300);

/// What the local source answers next.
#[derive(Clone)]
enum Answer {
    /// 200 with this body and ETag (304 when the request names the ETag).
    Prices {
        body: String,
        etag: &'static str,
    },
    Status(u16),
    /// 429 Too Many Requests with `Retry-After: 1`, sent [`SLOW_DOWN_AFTER`] after the request came.
    SlowDown,
    /// 200 with a price file, after this long.
    Slow(Duration),
    /// 200 with this body and content type.
    Body(&'static str, &'static str),
}

/// A local HTTP server standing in for porssisahko.net, recording the headers of every request.
struct LocalSource {
    url: String,
    answer: Arc<Mutex<Answer>>,
    requests: Arc<Mutex<Vec<HeaderMap>>>,
    times: Arc<Mutex<Vec<std::time::Instant>>>,
}

impl LocalSource {
    async fn start(answer: Answer) -> Self {
        let answer = Arc::new(Mutex::new(answer));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let times = Arc::new(Mutex::new(Vec::new()));
        let (a, r, t) = (answer.clone(), requests.clone(), times.clone());
        let app = Router::new().route(
            "/v2/latest-prices.json",
            get(move |headers: HeaderMap| {
                let (answer, requests, times) = (a.clone(), r.clone(), t.clone());
                async move {
                    times.lock().unwrap().push(std::time::Instant::now());
                    requests.lock().unwrap().push(headers.clone());
                    let answer = answer.lock().unwrap().clone();
                    respond(answer, &headers).await
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v2/latest-prices.json", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, answer, requests, times }
    }

    fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    fn requests(&self) -> Vec<HeaderMap> {
        self.requests.lock().unwrap().clone()
    }
}

async fn respond(answer: Answer, headers: &HeaderMap) -> Response {
    match answer {
        Answer::Prices { body, etag } => {
            if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v == etag) {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            ([(header::ETAG, etag), (header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Answer::Status(code) => (StatusCode::from_u16(code).unwrap(), "the source has a bad day").into_response(),
        Answer::SlowDown => {
            tokio::time::sleep(SLOW_DOWN_AFTER).await;
            (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")], "slow down").into_response()
        }
        Answer::Slow(delay) => {
            tokio::time::sleep(delay).await;
            prices(0).into_response()
        }
        Answer::Body(body, content_type) => ([(header::CONTENT_TYPE, content_type)], body).into_response(),
    }
}

/// A price file of the two days from this quarter hour, prices `base + i / 1000`.
fn prices(base: u32) -> String {
    let now = Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap();
    support::price_file(now, 192, base as f64).0
}

fn source(url: &str) -> Sources {
    Sources::new(&[url.to_owned()], Duration::from_secs(2)).unwrap()
}

/// The prices of a price file (or an answer in porssisahko.net's shape): start, end and price of each.
fn prices_of(text: &str) -> Vec<(String, String, f64)> {
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let entry = |e: &serde_json::Value| {
        (
            e["startDate"].as_str().unwrap().to_owned(),
            e["endDate"].as_str().unwrap().to_owned(),
            e["price"].as_f64().unwrap(),
        )
    };
    value["prices"].as_array().unwrap().iter().map(entry).collect()
}

/// The prices of the price file at `path`.
fn read(path: &Path) -> Vec<(String, String, f64)> {
    prices_of(&std::fs::read_to_string(path).unwrap())
}

#[tokio::test]
async fn a_normal_answer_is_written_and_the_next_request_is_conditional() {
    let body = prices(5);
    let local = LocalSource::start(Answer::Prices { body: body.clone(), etag: "\"v1\"" }).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latest-prices.json");
    let mut source = source(&local.url);

    assert_eq!(source.fetch_into(&path, &Schedule::default()).await.unwrap(), Fetched::Written);
    assert_eq!(read(&path), prices_of(&body));
    assert_eq!(source.fetch_into(&path, &Schedule::default()).await.unwrap(), Fetched::NotModified);

    let requests = local.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].get(header::IF_NONE_MATCH).is_none(), "the first request is plain");
    assert_eq!(requests[1].get(header::IF_NONE_MATCH).unwrap(), "\"v1\"");
    let agent = requests[0].get(header::USER_AGENT).unwrap().to_str().unwrap();
    assert!(agent.starts_with("electricity-price-monitor/"), "{agent}");

    // The same content under a new ETag is not written again.
    local.answer(Answer::Prices { body: body.clone(), etag: "\"v2\"" });
    assert_eq!(source.fetch_into(&path, &Schedule::default()).await.unwrap(), Fetched::Unchanged);
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "no temporary file left");
}

/// Each bad answer is an error naming what was wrong, and the price file stays as it was.
#[tokio::test]
async fn bad_answers_leave_the_old_file_in_place() {
    let good = prices(7);
    let local = LocalSource::start(Answer::Prices { body: good.clone(), etag: "\"good\"" }).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latest-prices.json");
    let mut source = source(&local.url);
    source.fetch_into(&path, &Schedule::default()).await.unwrap();

    let truncated: &'static str = Box::leak(good[..good.len() / 2].to_owned().into_boxed_str());
    let cases: [(Answer, &str); 6] = [
        (Answer::Status(500), "500"),
        (Answer::Status(404), "404"),
        (Answer::Body("<html><body>Maintenance</body></html>", "text/html"), "not a price file"),
        (Answer::Body(truncated, "application/json"), "not a price file"),
        (Answer::Body(r#"{"prices":[]}"#, "application/json"), "no valid prices"),
        (Answer::Slow(Duration::from_secs(5)), "failed"),
    ];
    for (answer, expected) in cases {
        local.answer(answer);
        let started = std::time::Instant::now();
        let error = source.fetch_into(&path, &Schedule::default()).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
        assert!(error.to_string().contains(&local.url), "names the URL: {error}");
        assert!(started.elapsed() < Duration::from_secs(4), "the 2 s timeout holds: {:?}", started.elapsed());
        assert_eq!(read(&path), prices_of(&good), "after {error}");
    }
    assert!(
        matches!(source.fetch_into(&path, &Schedule::default()).await, Err(FetchError::Request { .. })),
        "still slow"
    );

    // A bad answer's validators are not kept: the good file comes back as a whole answer, not a 304.
    local.answer(Answer::Prices { body: good.clone(), etag: "\"good\"" });
    assert_eq!(source.fetch_into(&path, &Schedule::default()).await.unwrap(), Fetched::NotModified);
    let fresh = prices(9);
    local.answer(Answer::Prices { body: fresh.clone(), etag: "\"fresh\"" });
    assert_eq!(source.fetch_into(&path, &Schedule::default()).await.unwrap(), Fetched::Written);
    assert_eq!(read(&path), prices_of(&fresh));
}

#[tokio::test]
async fn a_source_that_does_not_answer_is_an_error_and_no_file_is_made() {
    let port = support::free_port();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latest-prices.json");
    let error = source(&format!("http://127.0.0.1:{port}/v2/latest-prices.json"))
        .fetch_into(&path, &Schedule::default())
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::Request { .. }), "{error}");
    assert!(!path.exists());
}

/// The schedule's publishing time at midnight makes tomorrow's prices always due: the first answer lacks
/// them, so the fetcher retries; the second has them, so it waits for the next day.
#[tokio::test]
async fn tomorrows_prices_appearing_on_a_later_fetch_end_the_retries() {
    let today_only = support::price_file(Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap(), 4, 3.0).0;
    let local = LocalSource::start(Answer::Prices { body: today_only, etag: "\"today\"" }).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latest-prices.json");
    let schedule = Schedule {
        publish: NaiveTime::MIN,
        retry_min: Duration::from_millis(300),
        retry_max: Duration::from_millis(600),
        min_interval: Duration::from_millis(100),
        ..Schedule::default()
    };
    let shutdown = CancellationToken::new();
    let fetcher = tokio::spawn({
        let (source, path, shutdown) = (source(&local.url), path.clone(), shutdown.clone());
        async move { server::pipeline::fetch::keep_fetching(source, &path, &schedule, None, &shutdown).await }
    });

    // Retries while tomorrow is missing: 304s against the first answer's ETag.
    up_to_5_s(|| local.requests().len() >= 3).await;
    let retries = local.requests().len();
    assert!(retries >= 3, "retried while tomorrow's prices were missing: {retries} requests");
    let with_tomorrow = prices(4);
    local.answer(Answer::Prices { body: with_tomorrow.clone(), etag: "\"tomorrow\"" });
    up_to_5_s(|| read(&path) == prices_of(&with_tomorrow)).await;
    assert_eq!(read(&path), prices_of(&with_tomorrow));
    let after = local.requests().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(local.requests().len(), after, "no more requests once tomorrow is known");

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), fetcher).await.unwrap().unwrap();
}

/// Waits until `done`, looking every 100 ms for up to 5 s; the caller asserts what it waited for.
async fn up_to_5_s(done: impl Fn() -> bool) {
    for _ in 0..50 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A source that fails at first is asked again soon (here after 100 ms, then 200, 400), not on the 15-minute
/// schedule; one that says 429 with Retry-After is not asked before it.
#[tokio::test]
async fn a_failing_source_is_retried_soon_and_retry_after_is_obeyed() {
    let local = LocalSource::start(Answer::Status(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latest-prices.json");
    let schedule = Schedule { failure_min: Duration::from_millis(100), ..Schedule::default() };
    let shutdown = CancellationToken::new();
    let fetcher = tokio::spawn({
        let (source, path, shutdown, schedule) = (source(&local.url), path.clone(), shutdown.clone(), schedule.clone());
        async move { server::pipeline::fetch::keep_fetching(source, &path, &schedule, None, &shutdown).await }
    });
    up_to_5_s(|| local.requests().len() >= 4).await;
    let times = local.times.lock().unwrap().clone();
    assert!(times.len() >= 4, "retried within seconds, not on the 15-minute schedule: {} requests", times.len());
    let gaps: Vec<Duration> = times.windows(2).take(3).map(|w| w[1] - w[0]).collect();
    for (gap, least) in gaps.iter().zip([95, 190, 380]) {
        assert!(*gap >= Duration::from_millis(least), "each retry waits twice as long: {gaps:?}");
    }
    let body = prices(7);
    local.answer(Answer::Prices { body: body.clone(), etag: "\"up\"" });
    // The next retry is at most 2 s away (800 ms or 1.6 s, plus a quarter).
    up_to_5_s(|| std::fs::read_to_string(&path).is_ok_and(|text| prices_of(&text) == prices_of(&body))).await;
    assert_eq!(read(&path), prices_of(&body), "the file came with the first answer after the failures");
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), fetcher).await.unwrap().unwrap();

    let limited = LocalSource::start(Answer::SlowDown).await;
    let shutdown = CancellationToken::new();
    let fetcher = tokio::spawn({
        let (source, path, shutdown) = (source(&limited.url), path.clone(), shutdown.clone());
        async move { server::pipeline::fetch::keep_fetching(source, &path, &schedule, None, &shutdown).await }
    });
    up_to_5_s(|| limited.requests().len() >= 2).await;
    let times = limited.times.lock().unwrap().clone();
    assert!(times.len() >= 2, "asked again after Retry-After");
    // The second counts from the answer, which came SLOW_DOWN_AFTER after the request.
    assert!(
        times[1] - times[0] >= SLOW_DOWN_AFTER + Duration::from_secs(1),
        "not before the second it asked for, from its answer: {:?} between the requests",
        times[1] - times[0]
    );
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), fetcher).await.unwrap().unwrap();
}

/// `price-monitor fetch --once`: exit 0 with the file written, or non-zero with the reason.
#[tokio::test]
async fn fetch_once_from_the_command_line() {
    let body = prices(2);
    let local = LocalSource::start(Answer::Prices { body: body.clone(), etag: "\"a\"" }).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new-folder/latest-prices.json");
    let run = |url: String| {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_price-monitor"))
                .args(["fetch", "--once", "--source-url", &url, "--price-file"])
                .arg(&path)
                .env("NO_COLOR", "1")
                .output()
                .unwrap()
        })
    };
    let ok = run(local.url.clone()).await.unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(read(&path), prices_of(&body));

    local.answer(Answer::Status(503));
    let failed = run(local.url.clone()).await.unwrap();
    assert!(!failed.status.success());
    let said = String::from_utf8_lossy(&failed.stderr).into_owned() + &String::from_utf8_lossy(&failed.stdout);
    assert!(said.contains("503"), "{said}");
    assert_eq!(read(&path), prices_of(&body));

    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_price-monitor"))
        .args(["fetch", "--once"])
        .env_remove("SOURCE_URL")
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("SOURCE_URL"));
}

/// `count` quarters from this one: at `5.02 × n` c/kWh in porssisahko.net's shape, and the same at `40 × n`
/// €/MWh without VAT in Elering's (40 €/MWh is 4 c/kWh, 5.02 with 25.5 % VAT).
fn two_formats(count: i64) -> (String, String) {
    let now = Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap();
    let quarter = chrono::Duration::minutes(15);
    let (mut porssisahko, mut elering) = (Vec::new(), Vec::new());
    for n in 1..=count {
        let start = now + quarter * (n as i32 - 1);
        let end = start + quarter - chrono::Duration::milliseconds(1);
        let text = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        porssisahko.push(format!(
            r#"{{"price":{:.3},"startDate":"{}","endDate":"{}"}}"#,
            5.02 * n as f64,
            text(start),
            text(end)
        ));
        elering.push(format!(r#"{{"timestamp":{},"price":{}}}"#, start.timestamp(), 40 * n));
    }
    (
        format!(r#"{{"prices":[{}]}}"#, porssisahko.join(",")),
        format!(r#"{{"success":true,"data":{{"fi":[{}]}}}}"#, elering.join(",")),
    )
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Which sources the price file at `path` names, with how many slots each gave.
fn sources_of(path: &Path) -> Vec<(String, String, u64)> {
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let source = |s: &serde_json::Value| {
        (s["url"].as_str().unwrap().to_owned(), s["format"].as_str().unwrap().to_owned(), s["slots"].as_u64().unwrap())
    };
    value["sources"].as_array().unwrap().iter().map(source).collect()
}

/// The first source answers 500: the second (Elering's format, at an address of its own) gives the prices.
/// Back, the first gives them again: the same prices, so switching adds no revision.
#[tokio::test]
async fn a_second_source_fills_in_while_the_first_is_down_with_the_same_prices() {
    let (porssisahko, elering) = two_formats(192);
    let first = LocalSource::start(Answer::Status(500)).await;
    let second = LocalSource::start(Answer::Body(leak(elering), "application/json")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latest-prices.json");
    let mut sources = Sources::new(&[first.url.clone(), second.url.clone()], Duration::from_secs(2)).unwrap();
    let schedule = Schedule::default();

    assert_eq!(sources.fetch_into(&path, &schedule).await.unwrap(), Fetched::Written);
    assert_eq!(read(&path), prices_of(&porssisahko), "Elering's €/MWh without VAT, as porssisahko.net shows them");
    assert_eq!(sources_of(&path), [(second.url.clone(), "Elering".to_owned(), 192)]);
    assert_eq!(sources.in_use(), [second.url.as_str()]);
    let status = sources.status();
    assert!(status[0].last_error.as_deref().is_some_and(|e| e.contains("500")), "{status:?}");
    assert_eq!((status[1].format.as_deref(), status[1].last_error.as_ref()), (Some("Elering"), None));

    first.answer(Answer::Prices { body: porssisahko.clone(), etag: "\"back\"" });
    assert_eq!(sources.fetch_into(&path, &schedule).await.unwrap(), Fetched::Written, "a new source named");
    assert_eq!(read(&path), prices_of(&porssisahko), "the same prices");
    assert_eq!(sources_of(&path), [(first.url.clone(), "porssisahko.net".to_owned(), 192)]);
    assert_eq!(second.requests().len(), 1, "with the first complete, the second is not asked");

    // Both down: an error, the file as it was.
    first.answer(Answer::Status(503));
    second.answer(Answer::Status(502));
    let error = sources.fetch_into(&path, &schedule).await.unwrap_err();
    assert!(error.to_string().contains(&first.url) && error.to_string().contains("503"), "the first's: {error}");
    assert_eq!(read(&path), prices_of(&porssisahko));
}

/// The first source lacks the end of the day that is due (a partial day, a late second auction): the second is
/// asked and fills in only the missing quarters; the fetcher says it is complete again.
#[tokio::test]
async fn a_partial_day_is_filled_in_from_the_next_source() {
    let (full, elering) = two_formats(200);
    // Tomorrow in Helsinki ends 92 to 196 quarters from now (a DST night has 92 or 100 quarters): the gaps fall
    // inside it whatever the time of day.
    let now = Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap();
    let zone = app::figures::format::DisplayZone::default();
    let tomorrow_ends = zone.midnight(zone.date(now) + chrono::Days::new(2));
    let due = ((tomorrow_ends - now).num_minutes() / 15) as u64;
    let mut partial: serde_json::Value = serde_json::from_str(&full).unwrap();
    let entries = partial["prices"].as_array_mut().unwrap();
    // Ten quarters missing in tomorrow's evening, and everything from its last two on.
    entries.drain(due as usize - 20..due as usize - 10);
    entries.truncate(due as usize - 12);
    let first = LocalSource::start(Answer::Prices { body: partial.to_string(), etag: "\"partial\"" }).await;
    let second = LocalSource::start(Answer::Body(leak(elering), "application/json")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latest-prices.json");
    let mut sources = Sources::new(&[first.url.clone(), second.url.clone()], Duration::from_secs(2)).unwrap();
    // Publishing at midnight: tomorrow's prices are always due, and the first source's stop short of them.
    let schedule = Schedule { publish: NaiveTime::MIN, ..Schedule::default() };
    sources.fetch_into(&path, &schedule).await.unwrap();
    assert_eq!(read(&path), prices_of(&full), "each quarter once, from one source or the other");
    assert_eq!(
        sources_of(&path),
        [
            (first.url.clone(), "porssisahko.net".to_owned(), due - 12),
            (second.url.clone(), "Elering".to_owned(), 212 - due)
        ]
    );
    let end = Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap() + chrono::Duration::minutes(15 * 200);
    assert_eq!(sources.prices_end(), Some(end), "complete to the last quarter");
}

/// `price-monitor all` whose source answers 500 at first has prices in the CSV within a minute: the failed
/// request is asked again after 30 s, not on the 15-minute schedule.
#[tokio::test]
async fn all_whose_source_fails_at_first_has_prices_within_a_minute() {
    let broker = support::Broker::start();
    let local = LocalSource::start(Answer::Status(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = support::config(dir.path(), &broker.bootstrap(), "fetch500", &[]);
    let started = std::time::Instant::now();
    let app = support::AppProcess::start_with(&config, "all", &["--source-url", &local.url]);
    // The failed fetch said so (not any line with a 500 in it: a port, a duration).
    app.lines_after(0, 1, Duration::from_secs(60), |l| l.contains("answered 500")).await;
    local.answer(Answer::Prices { body: prices(3), etag: "\"up\"" });
    support::wait_for_rows(&config, 192, Duration::from_secs(60)).await;
    // From the process's start: its first fetch failed, and the one after came within the minute.
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}\n{}", started.elapsed(), app.log());
    assert!(local.requests().len() >= 2);

    // The page's pipeline panel and /metrics say which source is in use and that it answered.
    let (_, page) = app.get("/");
    let line = format!("{} (porssisahko.net): in use, last answered ", local.url);
    assert!(page.contains(&line), "{line} in the pipeline panel:\n{page}");
    let (_, metrics) = app.get("/metrics");
    let in_use = format!("price_monitor_source_in_use{{source=\"{}\"}} 1", local.url);
    assert!(metrics.contains(&in_use), "{in_use} in:\n{metrics}");
    assert!(metrics.contains("price_monitor_source_last_success_timestamp_seconds{source="), "{metrics}");
    app.stop_cleanly("price-monitor all");
}

/// The same quarters in each format, each from a local server of its own: porssisahko.net's c/kWh with VAT,
/// spot-hinta.fi's €/kWh without VAT by Helsinki time, Elering's €/MWh by Unix time. Each gives the same price
/// file, so switching sources adds no revision.
#[tokio::test]
async fn each_format_from_a_local_server_gives_the_same_prices() {
    let (porssisahko, elering) = two_formats(96);
    let helsinki = chrono_tz::Europe::Helsinki;
    let now = Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap();
    let spot_hinta: Vec<String> = (1..=96)
        .map(|n| {
            let start = (now + chrono::Duration::minutes(15 * (n - 1))).with_timezone(&helsinki);
            let (no_tax, with_tax) = (0.04 * n as f64, 0.0502 * n as f64);
            format!(
                r#"{{"Rank":{n},"DateTime":"{}","PriceNoTax":{no_tax:.5},"PriceWithTax":{with_tax:.5}}}"#,
                start.format("%Y-%m-%dT%H:%M:%S%:z")
            )
        })
        .collect();
    let bodies = [porssisahko.clone(), format!("[{}]", spot_hinta.join(",")), elering];
    let dir = tempfile::tempdir().unwrap();
    for (i, body) in bodies.into_iter().enumerate() {
        let local = LocalSource::start(Answer::Body(leak(body), "application/json")).await;
        let path = dir.path().join(format!("prices-{i}.json"));
        let mut sources = Sources::new(std::slice::from_ref(&local.url), Duration::from_secs(2)).unwrap();
        assert_eq!(sources.fetch_into(&path, &Schedule::default()).await.unwrap(), Fetched::Written);
        assert_eq!(read(&path), prices_of(&porssisahko), "{:?}", sources_of(&path));
    }
}
