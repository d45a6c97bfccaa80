//! The dashboard's HTTP surface: server functions, the server-rendered page and the CSV download, with valid
//! and invalid parameters, on a log made from the shipped sample file.

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use tower::ServiceExt;

use app::{
    api::DashboardData,
    csv_log::CsvLog,
    store::{DisplayTz, PriceStore},
};
use server::web::{Shared, router};

struct Site {
    router: Router,
    _dir: tempfile::TempDir,
}

/// The dashboard over a CSV log holding the 192 sample prices.
fn site() -> Site {
    let sample = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/latest-prices.json")).unwrap();
    site_with(server::price_file::parse(&sample, chrono::Utc::now()).unwrap().records)
}

fn site_with(records: Vec<app::PriceRecord>) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prices.csv");
    if !records.is_empty() {
        CsvLog::open(&path).unwrap().append_new(records).unwrap();
    }
    let options = LeptosOptions::builder().output_name("price-monitor").build();
    let shared =
        Shared { store: Arc::new(PriceStore::new(&path)), tz: DisplayTz(chrono_tz::Europe::Helsinki), status: None };
    Site { router: router(options, shared), _dir: dir }
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
    assert_eq!(data.slots.len(), 24);
    assert_eq!(data.total_records, 192);
    assert_eq!(data.tz, "Europe/Helsinki");
    assert_eq!(data.hourly.len(), 6);
    let summary = data.summary.unwrap();
    let expected = data.slots.iter().map(|s| s.price).sum::<f64>() / 24.0;
    assert!((summary.average - expected).abs() < 1e-9);
    assert!(data.warnings.iter().any(|w| w.contains("known prices end")), "{:?}", data.warnings);

    let (status, body) = call(&site, "dashboard", "hours=100000").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(serde_json::from_str::<DashboardData>(&body).unwrap().slots.len(), 192);
}

#[tokio::test]
async fn out_of_range_or_malformed_hours_get_a_clear_400() {
    let site = site();
    for form in ["hours=0", "hours=100001"] {
        let (status, body) = call(&site, "dashboard", form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form}: {body}");
        assert!(body.contains("hours must be a whole number from 1 to 100000"), "{form}: {body}");
        let (status, _) = call(&site, "price_history", form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    for form in ["hours=abc", "hours=-3", "hours=1.5"] {
        let (status, body) = call(&site, "dashboard", form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form}: {body}");
        assert!(body.contains("hours must be a whole number from 1 to 100000, not"), "{form}: {body}");
    }
    let (status, body) = call(&site, "dashboard", "").await;
    assert!(status.is_client_error() || status.is_server_error(), "no hours at all: {status}");
    assert!(!body.contains("panicked"), "{body}");
}

#[tokio::test]
async fn history_hourly_stats_and_summary_endpoints() {
    let site = site();
    let (status, body) = call(&site, "price_history", "hours=1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let history: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[3]["startDate"], "2026-01-04T22:45:00.000Z");

    let (status, body) = call(&site, "hourly_stats", "hours=48").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hourly: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(hourly.len(), 24);
    // The sample's first slot, 23:00 UTC, is 01:00 in Helsinki: hour 0 is the 22:00 UTC quarter-hours.
    assert_eq!(hourly[0]["hour"], 0);
    assert_eq!(hourly[0]["count"], 8);

    let (status, body) = call(&site, "price_summary", "hours=48").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let summary: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(summary["count"], 192);
    assert_eq!(summary["min"]["price"], 4.393);
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
    let site = site_with(Vec::new());
    let (status, html) = get(&site, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No prices yet"), "{html}");
    assert!(html.contains("scripts/run.sh"), "{html}");
    assert!(!html.contains(r#"class="error""#), "an empty log is not an error: {html}");
    let (status, body) = call(&site, "dashboard", "hours=48").await;
    assert_eq!(status, StatusCode::OK);
    assert!(serde_json::from_str::<DashboardData>(&body).unwrap().slots.is_empty());
}
