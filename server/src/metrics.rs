//! `/metrics` in the Prometheus text format, through the `metrics` facade and its Prometheus exporter.
//!
//! Events are counted where they happen (bad inputs, fetches, HTTP requests). What the pipeline's status
//! board and the CSV log already know (messages, rows, lag, the current price) is read from them at each
//! scrape, so that each number has one home.

use std::{sync::OnceLock, time::Instant};

use axum::{extract::Request, middleware::Next, response::Response};
use chrono::{DateTime, Utc};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use app::query::{now::Current, status::PipelineStatus};

pub const PRICE: &str = "price_monitor_price_cents_per_kwh";
pub const PRICE_LEVEL: &str = "price_monitor_price_level";
pub const TOMORROW_KNOWN: &str = "price_monitor_tomorrow_prices_known";
pub const PRODUCED: &str = "price_monitor_messages_produced_total";
pub const CONSUMED: &str = "price_monitor_messages_consumed_total";
pub const ROWS_WRITTEN: &str = "price_monitor_csv_rows_written_total";
pub const CONSUMER_LAG: &str = "price_monitor_consumer_lag_messages";
pub const SINCE_CHANGE: &str = "price_monitor_seconds_since_last_change";
pub const SINCE_RECEIVED: &str = "price_monitor_seconds_since_last_price_received";
pub const BAD_INPUTS: &str = "price_monitor_bad_inputs_skipped_total";
pub const FETCHES: &str = "price_monitor_fetches_total";
pub const SOURCE_SUCCESS: &str = "price_monitor_source_last_success_timestamp_seconds";
pub const SOURCE_IN_USE: &str = "price_monitor_source_in_use";
pub const HTTP_DURATION: &str = "price_monitor_http_request_duration_seconds";

/// Upper bounds of the HTTP duration histogram's buckets: a dashboard answers in milliseconds.
const HTTP_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Kinds of input that are skipped, each counted under `kind`.
#[derive(Clone, Copy, Debug)]
pub enum BadInput {
    /// A price file that is not one (not JSON, no `prices`, too large).
    PriceFile,
    /// One entry of a price file (a bad time or price, a repeated slot).
    PriceEntry,
    /// A Kafka message that is not a price record.
    Message,
    /// A line of the CSV log that is not a price record.
    CsvLine,
    /// A download from the price source that is not a price file.
    Download,
}

impl BadInput {
    fn label(self) -> &'static str {
        match self {
            Self::PriceFile => "price_file",
            Self::PriceEntry => "price_entry",
            Self::Message => "message",
            Self::CsvLine => "csv_line",
            Self::Download => "download",
        }
    }
}

/// Counts `n` skipped inputs of `kind`.
pub fn bad_input(kind: BadInput, n: u64) {
    counter!(BAD_INPUTS, "kind" => kind.label()).increment(n);
}

/// Counts a fetch from the price source by how it ended.
pub fn fetched(outcome: &'static str) {
    counter!(FETCHES, "outcome" => outcome).increment(1);
}

/// A price source answered with prices at `at`.
pub fn source_succeeded(url: &str, at: DateTime<Utc>) {
    gauge!(SOURCE_SUCCESS, "source" => url.to_owned()).set(at.timestamp() as f64);
}

/// Whether the price file last written holds prices of the source at `url`.
pub fn source_in_use(url: &str, in_use: bool) {
    gauge!(SOURCE_IN_USE, "source" => url.to_owned()).set(if in_use { 1.0 } else { 0.0 });
}

/// How often recorded histogram samples are folded into their buckets.
const UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// The process's recorder, installed on first use: the facade has one global recorder, and every router of
/// the process (tests build several) shares it.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), &HTTP_BUCKETS)
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed in this process");
        describe();
        // The exporter keeps every histogram sample until upkeep folds them into the buckets: without it, a
        // process nobody scrapes would grow with every request.
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".to_owned())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP);
                    upkeep.run_upkeep();
                }
            })
            .expect("starting the metrics upkeep thread");
        handle
    })
}

fn describe() {
    describe_gauge!(PRICE, "The spot price of the current slot, c/kWh with VAT");
    describe_gauge!(
        PRICE_LEVEL,
        "The current slot's level, its spot price against the average of the 7 days up to it: 0 very cheap .. 4 very expensive"
    );
    describe_gauge!(TOMORROW_KNOWN, "1 when tomorrow's prices (display time zone) are in the CSV log");
    describe_counter!(PRODUCED, "Price messages Kafka acknowledged to the producer");
    describe_counter!(CONSUMED, "Messages the consumer read from the topic, price records or not");
    describe_counter!(ROWS_WRITTEN, "Rows the consumer appended to the CSV log");
    describe_gauge!(CONSUMER_LAG, "Messages in the topic the consumer has not read yet");
    describe_gauge!(SINCE_CHANGE, "Seconds since the producer last saw the price file change");
    describe_gauge!(SINCE_RECEIVED, "Seconds since the newest row of the CSV log was received");
    describe_counter!(BAD_INPUTS, "Inputs skipped because they are not prices, by kind");
    describe_counter!(FETCHES, "Fetches of the prices by what they did, and requests to a source that failed");
    describe_gauge!(SOURCE_SUCCESS, "When each price source last answered with prices (Unix time)");
    describe_gauge!(SOURCE_IN_USE, "1 for each price source whose prices the price file last written holds");
    describe_histogram!(HTTP_DURATION, metrics::Unit::Seconds, "Time to answer HTTP requests, by route group");
}

/// The text of `/metrics` at `now`: what the CSV log and the pipeline say, then everything counted.
pub fn render(current: Option<&Current>, pipeline: Option<&PipelineStatus>, now: DateTime<Utc>) -> String {
    let handle = handle();
    if let Some(current) = current {
        record_current(current, now);
    }
    if let Some(pipeline) = pipeline {
        record_pipeline(pipeline, now);
    }
    handle.render()
}

fn record_current(current: &Current, now: DateTime<Utc>) {
    if let Some(slot) = &current.slot {
        gauge!(PRICE).set(slot.price);
    }
    if let Some(level) = current.level {
        gauge!(PRICE_LEVEL).set(f64::from(level.index()));
    }
    gauge!(TOMORROW_KNOWN).set(if current.tomorrow_known { 1.0 } else { 0.0 });
    if let Some(received) = current.last_received {
        gauge!(SINCE_RECEIVED).set(seconds_between(received, now));
    }
    if current.lines_skipped > 0 {
        counter!(BAD_INPUTS, "kind" => BadInput::CsvLine.label()).absolute(current.lines_skipped);
    }
}

fn record_pipeline(pipeline: &PipelineStatus, now: DateTime<Utc>) {
    if let Some(producer) = &pipeline.producer {
        counter!(PRODUCED).absolute(producer.messages_sent);
        if let Some(change) = producer.last_change {
            gauge!(SINCE_CHANGE).set(seconds_between(change, now));
        }
    }
    if let Some(consumer) = &pipeline.consumer {
        counter!(CONSUMED).absolute(consumer.messages_read);
        counter!(ROWS_WRITTEN).absolute(consumer.rows_written);
        if let Some(lag) = consumer.lag {
            gauge!(CONSUMER_LAG).set(lag as f64);
        }
    }
}

fn seconds_between(earlier: DateTime<Utc>, later: DateTime<Utc>) -> f64 {
    (later - earlier).num_milliseconds().max(0) as f64 / 1000.0
}

/// Middleware timing every request into [`HTTP_DURATION`], labelled by a fixed group of routes (so that
/// random paths cannot grow the metric without bound), the method and the status.
pub async fn time_requests(request: Request, next: Next) -> Response {
    let route = route_group(request.uri().path());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    histogram!(HTTP_DURATION, "route" => route, "method" => method, "status" => status)
        .record(started.elapsed().as_secs_f64());
    response
}

fn route_group(path: &str) -> &'static str {
    match path {
        "/" => "page",
        "/healthz" => "healthz",
        "/readyz" => "readyz",
        "/metrics" => "metrics",
        "/download.csv" => "download",
        _ if path.starts_with("/api/") => "api",
        _ if path.starts_with(crate::web::assets::VERSIONED) || path.starts_with("/pkg/") => "static",
        _ => "other",
    }
}
