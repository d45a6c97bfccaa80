//! How the dashboard's server side scales with the history kept: for CSV logs of 10 k, 100 k and 1 M rows,
//! the time to load the log once, to follow a small append, to answer the `dashboard` server function for a
//! 48-hour window and for all history, and to cut a 48-hour window (the CSV download), plus the process's
//! memory. Prints figures; asserts nothing.
//!
//! Run: `cargo bench -p app --features ssr --bench store`

use std::{
    hint::black_box,
    io::Write,
    time::{Duration, Instant},
};

use app::{
    figures::format::DisplayZone,
    query::{dashboard::MAX_HOURS, store::PriceStore, window},
    records::{
        csv_log::{self, CsvTail},
        price::PriceRecord,
    },
};
use chrono::{DateTime, TimeZone, Utc};

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

fn slot(i: usize, received: DateTime<Utc>) -> PriceRecord {
    let start = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(15 * i as i64);
    let price = 8.0 + 6.0 * ((i as f64) / 37.0).sin() - if i.is_multiple_of(97) { 10.0 } else { 0.0 };
    PriceRecord::new(
        received,
        (price * 1000.0).round() / 1000.0,
        start,
        start + chrono::Duration::milliseconds(899_999),
    )
}

/// Median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

fn main() {
    let received = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    let zone = DisplayZone::default();
    println!(
        "{:>9} {:>9} {:>11} {:>13} {:>15} {:>15} {:>15} {:>9}",
        "rows", "CSV MiB", "load once", "follow +96", "dashboard 48h", "window 48h", "dashboard all", "RSS MiB"
    );
    for rows in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        let records: Vec<PriceRecord> = (0..rows).map(|i| slot(i, received)).collect();
        std::fs::write(&path, csv_log::document(&records)).unwrap();
        let size = std::fs::metadata(&path).unwrap().len() as f64 / (1024.0 * 1024.0);
        drop(records);

        let load = median(3, || {
            let mut tail = CsvTail::new(&path);
            black_box(tail.refresh().unwrap());
        });

        let store = PriceStore::new(&path);
        let last_start = slot(rows - 1, received).start_date;
        // "Now" a day before the last known slot: 48 h of history and a day of known future.
        let now = last_start - chrono::Duration::days(1);
        store.read(|log| window::window(log, now, 1)).unwrap();
        let rss = rss_mib();

        let mut appended = rows;
        let follow = median(5, || {
            let extra: Vec<PriceRecord> = (appended..appended + 96).map(|i| slot(i, received)).collect();
            let bytes = csv_log::document(&extra);
            let body = &bytes[csv_log::HEADER.len() + 1..];
            std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(body).unwrap();
            appended += 96;
            black_box(store.read(|log| window::window(log, now, 1)).unwrap());
        });
        let dashboard_48 = median(21, || {
            black_box(store.read(|log| window::dashboard(log, now, zone, 48, None, &Default::default())).unwrap());
        });
        let window_48 = median(21, || {
            black_box(store.read(|log| window::window(log, now, 48)).unwrap());
        });
        let dashboard_all = median(5, || {
            black_box(
                store.read(|log| window::dashboard(log, now, zone, MAX_HOURS, None, &Default::default())).unwrap(),
            );
        });
        println!(
            "{rows:>9} {size:>9.1} {:>11.1?} {:>13.1?} {:>15.1?} {:>15.1?} {:>15.1?} {rss:>9.0}",
            load, follow, dashboard_48, window_48, dashboard_all
        );
    }
}
