//! Fuzzing, a fixed number of cases per run: the price file parser and the server function's input decoding
//! never panic and never answer a caller's mistake with a 5xx, whatever they are given.

use axum::{
    body::Body,
    http::{Request, header},
};
use leptos::config::LeptosOptions;
use proptest::prelude::*;
use tower::ServiceExt;

use app::query::dashboard::{MAX_HOURS, parse_hours};
use server::{
    pipeline::price_file,
    web::{ServerContext, router},
};

const CASES: u32 = 512;

/// JSON values of any shape, small enough to parse quickly.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[ -~]{0,30}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("2026-01-03T10:00:00.000Z")),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("prices".to_owned()),
                    Just("price".to_owned()),
                    Just("startDate".to_owned()),
                    Just("endDate".to_owned()),
                    "[a-z]{1,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn the_parser_takes_any_bytes_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = price_file::parse(&bytes, chrono::Utc::now());
    }

    #[test]
    fn the_parser_takes_any_json_and_keeps_only_valid_records(value in json()) {
        let wrapped = serde_json::json!({ "prices": value.clone() });
        for candidate in [value, wrapped] {
            if let Ok(file) = price_file::parse(candidate.to_string().as_bytes(), chrono::Utc::now()) {
                for record in &file.records {
                    prop_assert!(record.validate().is_ok());
                }
                prop_assert!(file.records.windows(2).all(|w| w[0].start_date < w[1].start_date));
            }
        }
    }

    #[test]
    fn hours_are_accepted_exactly_when_they_are_a_whole_number_in_range(text in "\\PC{0,12}|[ +0-9]{0,10}") {
        // The rule written out digit by digit: an optional plus, decimal digits, a value from 1 to MAX_HOURS.
        let trimmed = text.trim();
        let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
        let significant = digits.trim_start_matches('0');
        let expected = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && significant.len() <= 6)
            .then(|| significant.parse::<u32>().unwrap_or(0))
            .filter(|hours| (1..=MAX_HOURS).contains(hours));
        prop_assert_eq!(parse_hours(&text).ok(), expected, "{:?}", text);
    }
}

#[test]
fn any_form_posted_to_the_server_function_gets_a_2xx_or_4xx() {
    let dir = tempfile::tempdir().unwrap();
    let options = LeptosOptions::builder().output_name("price-monitor").build();
    let path = dir.path().join("none.csv");
    let context = ServerContext::reading(&path);
    let site = router(options, context);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let form = prop_oneof!["[ -~]{0,40}", "hours=[ -~]{0,20}", "(hours=[0-9%a-fA-F+-]{0,6}&?){0,4}"];
    proptest!(ProptestConfig::with_cases(CASES), |(body in form, json in any::<bool>())| {
        let content_type = if json { "application/json" } else { "application/x-www-form-urlencoded" };
        let request = Request::post("/api/dashboard")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.clone()))
            .unwrap();
        let status = runtime.block_on(site.clone().oneshot(request)).unwrap().status();
        prop_assert!(status.is_success() || status.is_client_error(), "{body:?} ({content_type}): {status}");
    });
}
