//! The shipped sample moved to the present: a first run that cannot reach the price source still shows a
//! current price, a cheapest run ahead and a filled history, and says that it is sample data.
//!
//! The sample is a real 48-hour file from January. Its prices are laid over every quarter hour from yesterday's
//! local midnight to the end of tomorrow by local time of day, so the day's shape (cheap nights, dear
//! mornings and evenings) stays where it was; the sample's days take turns for the three days shown.

use std::{collections::BTreeMap, path::Path};

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
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

/// The first instant of `date` in `zone`, also where a change of the clock skips midnight.
fn midnight(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    app::figures::format::DisplayZone(zone).midnight(date)
}

/// `price-monitor sample`: writes the re-dated sample to the price file unless that file holds real prices,
/// which it keeps. The folder exists: `preflight` made it.
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
        tracing::info!("{} holds real prices or a sample of today: kept", path.display());
    }
    Ok(())
}

/// Writes the sample re-dated to `now` in `zone` to `path` when there is no price file there, or only a sample
/// without a price for `now` (one written on an earlier day); whether it did. Real prices are never replaced,
/// however old: the producer would publish the sample's prices for their slots as new revisions, and the log's
/// real history of yesterday would read as sample data.
pub fn write_unless_current(path: &Path, now: DateTime<Utc>, zone: Tz) -> std::io::Result<bool> {
    if !replaceable(path, now) {
        return Ok(false);
    }
    price_file::write(path, redated(now, zone).as_bytes())?;
    Ok(true)
}

/// No file at `path`, or a sample without a price for `now`. A file that cannot be read or parsed is someone's
/// (half written, or edited): kept.
fn replaceable(path: &Path, now: DateTime<Utc>) -> bool {
    match std::fs::read(path) {
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        Ok(bytes) => price_file::parse(&bytes, now).is_ok_and(|file| {
            file.records.iter().all(PriceRecord::is_sample) && !file.records.iter().any(|r| r.contains(now))
        }),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Europe::Helsinki;

    use super::*;

    fn parsed(now: DateTime<Utc>) -> Vec<PriceRecord> {
        parsed_in(now, Helsinki)
    }

    fn parsed_in(now: DateTime<Utc>, zone: Tz) -> Vec<PriceRecord> {
        let file = price_file::parse(redated(now, zone).as_bytes(), now).unwrap();
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
    fn only_a_missing_file_or_a_sample_of_another_day_is_replaced_never_real_prices() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices/latest-prices.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let now = Utc::now();
        assert!(write_unless_current(&path, now, Helsinki).unwrap(), "no file: the sample");
        let written = std::fs::read(&path).unwrap();
        assert!(!write_unless_current(&path, now + Duration::hours(1), Helsinki).unwrap(), "today's sample: kept");
        assert_eq!(std::fs::read(&path).unwrap(), written);
        assert!(write_unless_current(&path, now + Duration::days(3), Helsinki).unwrap(), "an old sample: moved");
        std::fs::copy(price_file::SAMPLE, &path).unwrap();
        assert!(!write_unless_current(&path, now, Helsinki).unwrap(), "January's real prices, however old: kept");
        std::fs::write(&path, "{\"prices\": [").unwrap();
        assert!(!write_unless_current(&path, now, Helsinki).unwrap(), "half a file: someone's, kept");
    }

    #[test]
    fn a_zone_whose_clock_skips_midnight_has_a_first_instant_of_the_day() {
        // Santiago moves its clocks at midnight: 2026-09-06 starts at 01:00.
        let records = parsed_in(Utc.with_ymd_and_hms(2026, 9, 6, 12, 0, 0).unwrap(), chrono_tz::America::Santiago);
        assert!(records.len() >= 3 * 96 - 4, "{}", records.len());
    }
}
