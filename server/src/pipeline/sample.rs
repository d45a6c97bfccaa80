//! The shipped sample moved to the present: a first run that cannot reach the price source still shows a
//! current price, a cheapest run ahead and a filled history, and says that it is sample data.
//!
//! The sample is a real 48-hour file from January. Its prices are laid over every quarter hour from yesterday's
//! local midnight to the end of tomorrow by local time of day, so the day's shape (cheap nights, dear
//! mornings and evenings) stays where it was; the sample's days take turns for the three days shown.

use std::{collections::BTreeMap, path::Path};

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use app::PriceRecord;

use crate::{config::Config, pipeline::price_file};

/// The sample file, in the binary: `price-monitor sample` works wherever the binary runs.
const SAMPLE: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/sample-prices.json"));

/// A price file in porssisahko.net's shape, marked as sample data.
#[derive(Serialize)]
struct SampleFile {
    sample: bool,
    prices: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    price: f64,
    #[serde(rename = "startDate")]
    start_date: String,
    #[serde(rename = "endDate")]
    end_date: String,
}

/// The sample's prices on every quarter hour of yesterday, today and tomorrow in `zone`, as of `now`: a price
/// file (newest first, as porssisahko.net lists them) whose records are sample prices.
pub fn redated(now: DateTime<Utc>, zone: Tz) -> String {
    let sample = price_file::parse(SAMPLE, now).expect("the shipped sample is a price file");
    let by_quarter = prices_by_quarter_of_day(&sample.records, zone);
    let today = now.with_timezone(&zone).date_naive();
    let yesterday = today - Duration::days(1);
    let (from, to) = (midnight(yesterday, zone), midnight(today + Duration::days(2), zone));
    let mut prices = Vec::new();
    let mut start = from;
    while start < to {
        let local = start.with_timezone(&zone);
        let day = (local.date_naive() - yesterday).num_days() as usize;
        let choices = &by_quarter[&quarter_of_day(local.hour(), local.minute())];
        prices.push(Entry {
            price: choices[day % choices.len()],
            start_date: app::records::price::slot_time_text(start),
            end_date: app::records::price::slot_time_text(start + Duration::milliseconds(15 * 60_000 - 1)),
        });
        start += Duration::minutes(15);
    }
    prices.reverse();
    serde_json::to_string_pretty(&SampleFile { sample: true, prices }).expect("a price file serialises")
}

/// The sample's prices at each local quarter of the day (0 to 95), its days in order.
fn prices_by_quarter_of_day(records: &[PriceRecord], zone: Tz) -> BTreeMap<u32, Vec<f64>> {
    let mut by_quarter: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for record in records {
        let local = record.start_date.with_timezone(&zone);
        by_quarter.entry(quarter_of_day(local.hour(), local.minute())).or_default().push(record.price);
    }
    assert_eq!(by_quarter.len(), 96, "the shipped sample covers every quarter hour of a day");
    by_quarter
}

fn quarter_of_day(hour: u32, minute: u32) -> u32 {
    hour * 4 + minute / 15
}

/// The first instant of `date` in `zone` (a day starts at midnight in every zone this monitor shows).
fn midnight(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    zone.from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .expect("midnight exists")
        .with_timezone(&Utc)
}

/// `price-monitor sample`: writes the re-dated sample to the price file, unless that file already has a price
/// for now (a fetch of an earlier run, say), which it keeps. The folder exists: `preflight` made it.
pub fn run(config: &Config) -> anyhow::Result<()> {
    let path = &config.price_file;
    let written = write_unless_current(path, Utc::now(), config.tz)
        .with_context(|| format!("cannot write the sample to {}", path.display()))?;
    if written {
        tracing::info!(
            "wrote the shipped sample, re-dated to yesterday, today and tomorrow, to {}: the page says it is sample \
             data",
            path.display()
        );
    } else {
        tracing::info!("{} has a price for now: keeping it instead of the sample", path.display());
    }
    Ok(())
}

/// Writes the sample re-dated to `now` in `zone` to `path` unless the file there has a price for `now`; whether
/// it did.
pub fn write_unless_current(path: &Path, now: DateTime<Utc>, zone: Tz) -> std::io::Result<bool> {
    if has_price_for(path, now) {
        return Ok(false);
    }
    price_file::write(path, redated(now, zone).as_bytes())?;
    Ok(true)
}

fn has_price_for(path: &Path, now: DateTime<Utc>) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| price_file::parse(&bytes, now).ok())
        .is_some_and(|file| file.records.iter().any(|r| r.contains(now)))
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Helsinki;

    use super::*;

    fn parsed(now: DateTime<Utc>) -> Vec<PriceRecord> {
        let file = price_file::parse(redated(now, Helsinki).as_bytes(), now).unwrap();
        assert!(file.skipped.is_empty(), "{:?}", file.skipped);
        file.records
    }

    #[test]
    fn it_covers_yesterday_today_and_tomorrow_by_the_quarter_hour_as_sample_prices() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 8, 40, 0).unwrap();
        let records = parsed(now);
        assert_eq!(records.len(), 3 * 96);
        assert_eq!(records[0].start_date, Utc.with_ymd_and_hms(2026, 12, 1, 22, 0, 0).unwrap(), "yesterday 00:00");
        assert_eq!(records.last().unwrap().slot_end(), Utc.with_ymd_and_hms(2026, 12, 4, 22, 0, 0).unwrap());
        assert!(records.windows(2).all(|w| w[1].start_date - w[0].start_date == Duration::minutes(15)));
        assert!(records.iter().all(PriceRecord::is_sample));
        assert!(records.iter().any(|r| r.contains(now)), "a price for now");
    }

    #[test]
    fn each_price_comes_from_the_sample_at_the_same_local_time_of_day() {
        let now = Utc.with_ymd_and_hms(2026, 6, 20, 12, 0, 0).unwrap();
        let sample = price_file::parse(SAMPLE, now).unwrap().records;
        let at = |records: &[PriceRecord], hour, minute| -> Vec<f64> {
            let mut prices: Vec<f64> = records
                .iter()
                .filter(|r| {
                    let local = r.start_date.with_timezone(&Helsinki);
                    (local.hour(), local.minute()) == (hour, minute)
                })
                .map(|r| r.price)
                .collect();
            prices.sort_by(f64::total_cmp);
            prices.dedup();
            prices
        };
        let redated = parsed(now);
        for (hour, minute) in [(0, 0), (3, 15), (8, 0), (18, 45)] {
            assert_eq!(at(&redated, hour, minute), at(&sample, hour, minute), "{hour}:{minute:02} in summer time");
        }
    }

    #[test]
    fn a_day_that_changes_the_clock_has_its_92_or_100_quarters() {
        // 2026-10-25 has 25 hours in Helsinki: yesterday of the 26th.
        let records = parsed(Utc.with_ymd_and_hms(2026, 10, 26, 12, 0, 0).unwrap());
        assert_eq!(records.len(), 100 + 96 + 96);
        let records = parsed(Utc.with_ymd_and_hms(2026, 3, 29, 12, 0, 0).unwrap());
        assert_eq!(records.len(), 96 + 92 + 96);
    }

    #[test]
    fn a_price_file_with_a_price_for_now_is_kept_and_any_other_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices/latest-prices.json");
        let now = Utc::now();
        assert!(!has_price_for(&path, now), "no file");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::copy(price_file::SAMPLE, &path).unwrap();
        assert!(!has_price_for(&path, now), "January's prices");
        assert!(write_unless_current(&path, now, Helsinki).unwrap(), "replaced");
        assert!(has_price_for(&path, now));
        let written = std::fs::read(&path).unwrap();
        assert!(!write_unless_current(&path, now + Duration::hours(1), Helsinki).unwrap(), "kept");
        assert_eq!(std::fs::read(&path).unwrap(), written);
    }
}
