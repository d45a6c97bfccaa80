//! `/api/v1/calendar.ics` read back by an iCalendar parser (the `ical` crate, written apart from the one that
//! writes the feed): each day's cheapest run and a rule's period as events with stable UIDs, DTSTAMP and UTC
//! times, across the night the clocks go back; and a 400 for a bad duration.

use std::{io::BufReader, sync::Arc};

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use chrono::{DateTime, Duration, DurationRound, Utc};
use http_body_util::BodyExt;
use ical::parser::ical::component::IcalEvent;
use tower::ServiceExt;

use app::{
    PriceRecord,
    alerts::rules::Rules,
    figures::{format::DisplayZone, tariff::Tariff, view::PriceBasis},
    query::{
        calendar::{Ask, calendar},
        store::PriceStore,
    },
    records::csv_log::{CsvLog, CsvTail},
};
use server::web::api_v1::{Api, calendar::feed, router};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// Hourly prices from `first` at 10 c/kWh, except `cheap` hours (UTC) at 1.0.
fn hours(first: DateTime<Utc>, count: i64, cheap: &[DateTime<Utc>]) -> Vec<PriceRecord> {
    (0..count)
        .map(|h| {
            let start = first + Duration::hours(h);
            let price = if cheap.contains(&start) { 1.0 } else { 10.0 };
            PriceRecord::new(first - Duration::hours(12), price, start, start + Duration::hours(1))
        })
        .collect()
}

fn log_of(records: Vec<PriceRecord>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prices.csv");
    CsvLog::open(&path).unwrap().append_new(records).unwrap();
    (dir, path)
}

/// The events of an iCalendar text, as the parser reads them.
fn parse(text: &str) -> Vec<IcalEvent> {
    let mut calendars = ical::IcalParser::new(BufReader::new(text.as_bytes()));
    let calendar = calendars.next().expect("one calendar").expect("a calendar that parses");
    assert!(calendars.next().is_none());
    calendar.events
}

fn property<'a>(event: &'a IcalEvent, name: &str) -> &'a str {
    let found = event.properties.iter().find(|p| p.name == name);
    found.and_then(|p| p.value.as_deref()).unwrap_or_else(|| panic!("no {name} in {event:?}"))
}

#[test]
fn the_feed_parses_with_utc_times_across_the_night_the_clocks_go_back() {
    // Helsinki leaves summer time on 25 Oct 2026 at 04:00 (01:00 UTC): that day has 25 hours. Its cheap two
    // hours, 00:00–02:00 UTC, read 03:00 to 04:00 on the wall clock, which showed 03:00–04:00 twice.
    let cheap = [utc("2026-10-25T00:00:00Z"), utc("2026-10-25T01:00:00Z")];
    let (_dir, path) = log_of(hours(utc("2026-10-22T21:00:00Z"), 4 * 24 + 1, &cheap));
    let mut log = CsvTail::new(&path);
    log.refresh().unwrap();
    let rules =
        Rules::from_toml("alerts.toml", "[[rule]]\nname = \"cheap\"\nkind = \"below\"\nthreshold = 5\n").unwrap();
    let ask = Ask { quarters: 8, price: PriceBasis::Spot };
    let now = utc("2026-10-24T12:00:00Z");
    let events = calendar(&log, now, DisplayZone::default(), &Tariff::default(), ask, &rules);
    let text = feed(&events).to_string();
    let parsed = parse(&text);
    assert_eq!(parsed.len(), events.len());

    let by_uid = |uid: &str| {
        let found = parsed.iter().find(|e| property(e, "UID") == uid);
        found.unwrap_or_else(|| panic!("no {uid} in {text}"))
    };
    // Yesterday, today, the 25th and the 26th of Helsinki: a run each, then the rule's period.
    for date in ["2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26"] {
        by_uid(&format!("cheapest-120m-{date}@price-monitor"));
    }
    for uid in ["cheapest-120m-2026-10-25@price-monitor", "cheap/below/2026-10-25T00:00Z@price-monitor"] {
        let event = by_uid(uid);
        assert_eq!((property(event, "DTSTART"), property(event, "DTEND")), ("20261025T000000Z", "20261025T020000Z"));
        let stamp = property(event, "DTSTAMP");
        assert!(stamp.len() == 16 && stamp.ends_with('Z'), "{stamp}");
    }
    let run = by_uid("cheapest-120m-2026-10-25@price-monitor");
    assert_eq!(property(run, "SUMMARY"), "Cheapest 2 h: 1.00 c/kWh");
    assert!(property(run, "DESCRIPTION").contains("03:00 to 04:00."), "{run:?}");
    assert_eq!(parsed.len(), 5, "{text}");
}

#[tokio::test]
async fn the_endpoint_serves_text_calendar_and_refuses_a_bad_duration() {
    let first = Utc::now().duration_trunc(Duration::hours(1)).unwrap() - Duration::days(1);
    let (_dir, path) = log_of(hours(first, 72, &[]));
    let api = Api {
        store: Arc::new(PriceStore::new(&path)),
        zone: DisplayZone::default(),
        tariff: Arc::default(),
        rules: Arc::default(),
    };
    let ask = |uri: &str| {
        let router = router(api.clone());
        let request = Request::get(uri).body(Body::empty()).unwrap();
        async move {
            let response = router.oneshot(request).await.unwrap();
            let kind = response.headers().get(header::CONTENT_TYPE).unwrap().to_str().unwrap().to_owned();
            let status = response.status();
            (
                status,
                kind,
                String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap(),
            )
        }
    };
    let (status, kind, body) = ask("/calendar.ics?duration=90m&price=spot").await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "text/calendar; charset=utf-8"));
    let events = parse(&body);
    assert!((2..=4).contains(&events.len()), "{body}");
    assert!(events.iter().all(|e| property(e, "UID").starts_with("cheapest-90m-")), "{body}");

    let (status, _, body) = ask(&format!("/calendar.ics?duration={}", "9".repeat(500))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("duration must be 15 minutes to 12 hours") && body.len() < 300, "{body}");
}
