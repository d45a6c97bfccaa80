//! The dashboard's HTTP surface: server functions, the server-rendered page and the CSV download, with valid
//! and invalid parameters, on a log made from the shipped sample file.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use tower::ServiceExt;

use app::{
    query::dashboard::{DashboardData, Warning},
    records::csv_log::CsvLog,
};
use server::web::{ServerContext, assets::wasm_file, router};

struct Site {
    router: Router,
    _dir: tempfile::TempDir,
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

/// Held by each test's site: the tests of this file run one after the other. Run side by side, each on a
/// runtime of its own in one process, their server-side renders hung about 2 runs in 30 (no CPU used, no test
/// in particular); one at a time, none did in 40. The server itself runs one runtime and is tested under load
/// by the fault suite's 200 dashboards.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The dashboard over a CSV log holding the 192 sample prices.
fn site() -> Site {
    site_with(sample_records(), None)
}

fn sample_records() -> Vec<app::PriceRecord> {
    let sample = std::fs::read(server::pipeline::price_file::SAMPLE).unwrap();
    server::pipeline::price_file::parse(&sample, chrono::Utc::now()).unwrap().records
}

/// The dashboard over a CSV log of `records`, serving the site's files from `site_root` if given.
fn site_with(records: Vec<app::PriceRecord>, site_root: Option<&std::path::Path>) -> Site {
    let one_at_a_time = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prices.csv");
    if !records.is_empty() {
        CsvLog::open(&path).unwrap().append_new(records).unwrap();
    }
    let mut options = LeptosOptions::builder().output_name("price-monitor").build();
    if let Some(root) = site_root {
        options.site_root = root.to_str().unwrap().into();
    }
    let context = ServerContext::reading(&path);
    Site { router: router(options, context), _dir: dir, _one_at_a_time: one_at_a_time }
}

async fn send(site: &Site, request: Request<Body>) -> (StatusCode, String) {
    let response = site.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn call(site: &Site, endpoint: &str, form: &str) -> (StatusCode, String) {
    let request = Request::post(format!("/api/{endpoint}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(form.to_owned()))
        .unwrap();
    send(site, request).await
}

async fn get(site: &Site, uri: &str) -> (StatusCode, String) {
    send(site, Request::get(uri).body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn dashboard_answers_for_a_valid_range() {
    let site = site();
    let (status, body) = call(&site, "dashboard", "hours=6").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let data: DashboardData = serde_json::from_str(&body).unwrap();
    // The sample ends in January: the window ends with it, 6 h = 24 quarter-hours.
    assert_eq!((data.charts.window_slots, data.charts.trend.len()), (24, 24));
    assert_eq!(data.log.total_records, 192);
    assert_eq!(data.zone.name, "Europe/Helsinki");
    assert_eq!(data.charts.hourly.len(), 6);
    let summary = data.cards.summary.unwrap();
    let expected = data.charts.trend.iter().map(|p| p.1).sum::<f64>() / 24.0;
    assert!((summary.average - expected).abs() < 1e-9);
    assert!(data.warnings.iter().any(|w| matches!(w, Warning::PricesEnd { .. })), "{:?}", data.warnings);

    let (status, body) = call(&site, "dashboard", "hours=100000").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(serde_json::from_str::<DashboardData>(&body).unwrap().charts.trend.len(), 192);
}

#[tokio::test]
async fn out_of_range_or_malformed_hours_get_a_clear_400() {
    let site = site();
    for form in ["hours=0", "hours=100001"] {
        let (status, body) = call(&site, "dashboard", form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form}: {body}");
        assert!(body.contains("hours must be a whole number from 1 to 100000"), "{form}: {body}");
    }
    for form in ["hours=abc", "hours=-3", "hours=1.5"] {
        let (status, body) = call(&site, "dashboard", form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form}: {body}");
        assert!(body.contains("hours must be a whole number from 1 to 100000"), "{form}: {body}");
    }
    // A long input is not echoed back.
    let long = format!("hours={}", "9".repeat(5000));
    let (status, body) = call(&site, "dashboard", &long).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.len() < 300, "{} bytes: {body:.300}", body.len());
    // Arguments the server function cannot decode are the caller's mistake too.
    for (form, why) in
        [("", "missing field `hours`"), ("other=1", "missing field `hours`"), ("hours=1&hours=2", "Multiple values")]
    {
        let (status, body) = call(&site, "dashboard", form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form:?}: {body}");
        assert!(body.contains(r#""kind":"bad_request""#) && body.contains(why), "{form:?}: {body}");
    }
}

#[tokio::test]
async fn the_dashboard_carries_the_trend_recent_slots_hourly_stats_and_the_summary() {
    let site = site();
    let (status, body) = call(&site, "dashboard", "hours=48").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let data: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(data["charts"]["trend"].as_array().unwrap().len(), 192);
    assert_eq!(data["charts"]["trend"][191][0], "2026-01-04T22:45:00Z", "a point is a pair: start and price");
    assert_eq!(data["recent"][0]["slot"]["startDate"], "2026-01-04T22:45:00.000Z", "times as the source writes them");
    assert_eq!(data["recent"][0]["standing"]["of"], 4, "ranked within its Helsinki day: 5 January, 00:00-00:45");
    // The sample's first slot, 23:00 UTC, is 01:00 in Helsinki: hour 0 is the 22:00 UTC quarter-hours.
    assert_eq!(data["charts"]["hourly"].as_array().unwrap().len(), 24);
    assert_eq!(data["charts"]["hourly"][0]["hour"], 0);
    assert_eq!(data["charts"]["hourly"][0]["count"], 8);
    assert_eq!(data["cards"]["summary"]["count"], 192);
    assert_eq!(data["cards"]["summary"]["min"]["price"], 4.393);
}

/// The view's switches and the planner's inputs reach the server function as URL parameters do.
#[tokio::test]
async fn the_view_and_the_planner_are_parameters_of_the_server_function() {
    let site = site();
    let data = |form: &'static str| {
        let site = &site;
        async move {
            let (status, body) = call(site, "dashboard", form).await;
            assert_eq!(status, StatusCode::OK, "{form}: {body}");
            serde_json::from_str::<serde_json::Value>(&body).unwrap()
        }
    };
    let hourly = data("hours=48&res=hour").await;
    assert_eq!(hourly["charts"]["trend"].as_array().unwrap().len(), 48, "hourly averages");
    assert_eq!(hourly["view"]["resolution"], "hour");
    let exchange = data("hours=48&unit=eur_mwh").await;
    let min = exchange["cards"]["summary"]["min"]["price"].as_f64().unwrap();
    assert!((min - 4.393 / 1.255 * 10.0).abs() < 1e-9, "EUR/MWh without VAT: {min}");
    let total = data("hours=48&price=total").await;
    assert_eq!(total["cards"]["summary"]["min"]["price"], 4.393, "no fees configured: the total is the spot price");
    let planned = data("hours=48&duration=2h&kwh=3&count=4").await;
    assert_eq!(planned["plan"]["ask"]["quarters"], 8);
    assert!(planned["plan"]["plan"].is_null(), "the sample's prices are all in the past");
    assert!(data("hours=48").await["plan"].is_null(), "no duration, no plan");

    for (form, expected) in [
        ("hours=48&price=cheap", "price must be spot or total"),
        ("hours=48&res=day", "res must be 15min or hour"),
        ("hours=48&unit=kwh", "unit must be"),
        ("hours=48&duration=7m", "15-minute steps"),
        ("hours=48&duration=1h&kwh=-1", "kwh must be"),
        ("hours=48&duration=1h&until=tomorrow", "until must be a local time"),
    ] {
        let (status, body) = call(&site, "dashboard", form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form}: {body}");
        assert!(body.contains(expected), "{form}: {body}");
    }
}

#[tokio::test]
async fn the_page_has_the_numbers_before_any_script_runs() {
    let site = site();
    let (status, html) = get(&site, "/?hours=6").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<title>Electricity price monitor</title>"), "{html}");
    assert!(html.contains("Slots displayed"), "{html}");
    assert!(html.contains(r#"class="slots-displayed">24<"#), "{html}");
    assert!(html.contains("Recent data"));
    assert!(html.contains("Mon 5 Jan 00:45"), "the last slot (22:45 UTC) in Helsinki time: {html}");

    let (status, html) = get(&site, "/?hours=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the page renders, with the server function's status");
    assert!(html.contains("hours must be a whole number from 1 to 100000"), "{html}");
}

/// The charts' boxes take their place in the page as the server sends it, before any chart is drawn: had they
/// appeared only once the browser had the data, everything below them would move down as the page is read.
#[tokio::test]
async fn the_charts_boxes_are_in_the_page_before_any_script_runs() {
    let site = site();
    let (_, html) = get(&site, "/?hours=6").await;
    let section = html.find(CHARTS_SECTION).expect("the charts' section is in the page, not hidden");
    let charts = ["trend-chart", "hourly-chart", "histogram-chart"].map(|id| html.find(&format!("id=\"{id}\"")));
    assert!(charts.iter().all(|at| at.is_some_and(|at| at > section)), "{charts:?}");
    assert!(html.find("Recent data").is_some_and(|recent| charts.iter().all(|at| at.unwrap() < recent)));

    // Where there is nothing to draw, the stylesheet hides the boxes by the error before them (the empty state:
    // `before_any_data_the_page_explains_what_to_start`).
    let (_, html) = get(&site, "/?hours=0").await;
    assert!(before_the_charts(&html, r#"<p role="alert" class="error">"#), "{html}");
}

/// The charts' section as the server renders it: shown.
const CHARTS_SECTION: &str = r#"<section aria-label="Charts" class="charts">"#;

/// Whether `what` is in `html` before the charts' section, at its level: the stylesheet's `.empty ~ .charts`
/// and `.error ~ .charts:not(.answered)` hide the boxes by such an element.
fn before_the_charts(html: &str, what: &str) -> bool {
    let charts = html.find(CHARTS_SECTION).expect("the charts' section");
    html.find(what).is_some_and(|at| at < charts && closes_what_it_opens(&html[at..charts]))
}

/// Whether every element `html` opens is closed in it too, and it closes none it did not open: what comes after
/// it is at the level it started at. Comments and void elements open nothing.
fn closes_what_it_opens(html: &str) -> bool {
    const VOID: [&str; 8] = ["br", "hr", "img", "input", "link", "meta", "source", "wbr"];
    let mut depth = 0_i32;
    for tag in html.split('<').skip(1).map(|t| &t[..t.find('>').unwrap_or(t.len())]) {
        let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or("");
        if tag.starts_with('!') || tag.ends_with('/') || VOID.contains(&name) {
            continue;
        }
        depth += if tag.starts_with('/') { -1 } else { 1 };
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

#[tokio::test]
async fn the_selected_range_downloads_as_csv() {
    let site = site();
    let (status, body) = get(&site, "/download.csv?hours=6").await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "received_timestamp,price,startDate,endDate,source");
    assert_eq!(lines.len(), 25);
    assert!(lines[24].contains(",10.438,2026-01-04T22:45:00.000Z,"), "{}", lines[24]);

    for bad in ["/download.csv?hours=0", "/download.csv?hours=x"] {
        let (status, body) = get(&site, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body.contains("hours must be a whole number"), "{body}");
    }
}

#[tokio::test]
async fn before_any_data_the_page_explains_what_to_start() {
    let site = site_with(Vec::new(), None);
    let (status, html) = get(&site, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No prices yet"), "{html}");
    assert!(html.contains("scripts/run.sh"), "{html}");
    assert!(!html.contains(r#"class="error""#), "an empty log is not an error: {html}");
    assert!(before_the_charts(&html, r#"<section class="card empty">"#), "the empty charts are hidden: {html}");
    let (status, body) = call(&site, "dashboard", "hours=48").await;
    assert_eq!(status, StatusCode::OK);
    assert!(serde_json::from_str::<DashboardData>(&body).unwrap().charts.trend.is_empty());
}

/// What a caller may get wrong, each answered with a 4xx and a short sentence, never a 5xx.
#[tokio::test]
async fn thirty_bad_calls_get_a_4xx_and_a_short_answer_never_a_5xx() {
    let site = site();
    let long = "9".repeat(5000);
    let forms = [
        "hours=0",
        "hours=100001",
        "hours=-1",
        "hours=abc",
        "hours=1.5",
        "hours=",
        "hours=%20",
        "hours=1e3",
        "hours=0x10",
        "hours=99999999999999999999",
        "hours=%00",
        "hours=%FF%FE",
        "hours=6%0A7",
        "hours=NaN",
        "hours=∞",
        "",
        "other=6",
        "hours=1&hours=2",
        "hours",
        "&&&",
        "%",
        "hours=6&hours=",
    ];
    let mut calls: Vec<(String, Request<Body>)> = forms
        .iter()
        .map(|form| {
            let request = Request::post("/api/dashboard")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.to_string()))
                .unwrap();
            (format!("POST {form:?}"), request)
        })
        .collect();
    let long_form = format!("hours={long}");
    calls
        .push(("POST a 5000-digit hours".into(), Request::post("/api/dashboard").body(Body::from(long_form)).unwrap()));
    calls.push((
        "POST JSON".into(),
        Request::post("/api/dashboard")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"hours":6}"#))
            .unwrap(),
    ));
    for uri in [
        "/download.csv?hours=0",
        "/download.csv?hours=abc",
        "/download.csv?hours=1&hours=2",
        "/download.csv?hours=%FF",
        &format!("/download.csv?hours={long}"),
        "/?hours=0",
        "/?hours=abc",
        "/?hours=-5",
        "/api/nothing",
        "/no/such/page",
        "/pkg/../../etc/passwd",
    ] {
        calls.push((format!("GET {:.60}", uri), Request::get(uri).body(Body::empty()).unwrap()));
    }
    assert!(calls.len() >= 30, "{} calls", calls.len());
    for (what, request) in calls {
        let is_page = what.starts_with("GET /?");
        let (status, body) = send(&site, request).await;
        assert!(status.is_client_error(), "{what}: {status} {body:.200}");
        if !is_page && status != StatusCode::NOT_FOUND {
            assert!(body.len() < 300, "{what}: a short answer, not {} bytes: {body:.300}", body.len());
        }
    }
}

/// The sample dashboard over a site root that holds the files the page loads.
fn site_with_files() -> (Site, tempfile::TempDir) {
    let root = tempfile::tempdir().unwrap();
    let wasm = wasm_file("pkg", "price-monitor");
    for (file, content) in [
        ("pkg/price-monitor.js", "export default function init() {}"),
        (wasm.as_str(), "\0asm"),
        ("pkg/price-monitor.css", "body { margin: 0 }"),
        (app::ECHARTS_FILE, "globalThis.echarts = {};"),
        ("vendor/echarts.js.br", "compressed at build time"),
    ] {
        let path = root.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    (site_with(sample_records(), Some(root.path())), root)
}

async fn head_of(site: &Site, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, usize) {
    let response = site.router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().len())
}

#[tokio::test]
async fn the_page_loads_versioned_files_kept_a_year_and_is_itself_checked_on_every_use() {
    let (site, _root) = site_with_files();
    let (status, page) = get(&site, "/").await;
    assert_eq!(status, StatusCode::OK);
    let start = page.find("/v/").expect("versioned URLs in the page");
    let version = &page[start + 3..start + 19];
    assert!(version.chars().all(|c| c.is_ascii_hexdigit()), "{version}");
    // The server's name for the WebAssembly, which the page's, Leptos' own, must match.
    let wasm = wasm_file("pkg", "price-monitor");
    for file in ["pkg/price-monitor.js", &wasm, "pkg/price-monitor.css", app::ECHARTS_FILE] {
        let url = format!("/v/{version}/{file}");
        assert!(page.contains(&url), "the page loads {url}");
        let (status, headers, _) = head_of(&site, Request::get(&url).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable", "{url}");
    }
    let (_, headers, _) = head_of(&site, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "the page");
    let (status, headers, _) =
        head_of(&site, Request::get("/v/0123456789abcdef/pkg/x.js").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another version");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn without_its_files_the_page_loads_them_unversioned() {
    let (status, page) = get(&site(), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("\"/pkg/price-monitor.css\"") && page.contains("\"/vendor/echarts.js\""), "{page}");
    assert!(!page.contains("/v/"));
    // A module, so that the browser parses ECharts once (scripts/build-vendor.mjs).
    let tag = page.split("<script").find(|tag| tag.contains(app::ECHARTS_FILE)).unwrap();
    assert!(tag.starts_with(" type=\"module\"") && !tag.contains("defer"), "{tag}");
}

#[tokio::test]
async fn answers_are_compressed_for_clients_that_accept_it_and_the_api_is_never_stored() {
    let (site, _root) = site_with_files();
    let dashboard = |encoding: &'static str| {
        Request::post("/api/dashboard")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT_ENCODING, encoding)
            .body(Body::from("hours=48"))
            .unwrap()
    };
    let (_, plain, plain_len) = head_of(&site, dashboard("identity")).await;
    assert!(plain.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain[header::CACHE_CONTROL], "no-store");
    for encoding in ["br", "gzip"] {
        let (status, headers, len) = head_of(&site, dashboard(encoding)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_ENCODING], encoding);
        assert!(len * 4 < plain_len, "{encoding}: {len} bytes of {plain_len}");
    }
    let page = Request::get("/").header(header::ACCEPT_ENCODING, "br, gzip").body(Body::empty()).unwrap();
    let (_, headers, _) = head_of(&site, page).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "br", "the page too");

    // A file compressed at build time is sent as it is stored.
    let (_, page) = get(&site, "/").await;
    let url = page.split('"').find(|s| s.starts_with("/v/") && s.ends_with(app::ECHARTS_FILE)).unwrap().to_owned();
    let request = Request::get(&url).header(header::ACCEPT_ENCODING, "br").body(Body::empty()).unwrap();
    let response = site.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"compressed at build time");
}
