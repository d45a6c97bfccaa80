//! Home automation's question: the figures a home shows as sensors, at one moment. The level is the page's
//! (the spot price against the 7 days up to it); "cheap" is that level being cheap or very cheap.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    figures::{format::DisplayZone, level::Level, ranking::RankedSlot, stats, tariff::Tariff, view::Shown},
    query::ranked,
    records::{csv_log::CsvTail, price::PriceRecord},
};

/// The sensors' values; `None` where the log does not know.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sensors {
    /// The spot price of now, c/kWh with VAT.
    pub spot: Option<f64>,
    /// What is paid now: spot plus the fees.
    pub total: Option<f64>,
    pub level: Option<Level>,
    /// The level of now is cheap or very cheap.
    pub cheap_now: bool,
    /// Where the next run of cheap slots after the current one starts.
    pub next_cheap_start: Option<DateTime<Utc>>,
    /// Today's and tomorrow's average spot price (local days), of the slots known.
    pub today_average: Option<f64>,
    pub tomorrow_average: Option<f64>,
    /// Tomorrow's slots.
    pub tomorrow: Vec<SlotPrice>,
}

/// One slot's prices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotPrice {
    pub start: DateTime<Utc>,
    pub spot: f64,
    pub total: f64,
}

/// What the sensors show at `now`.
pub fn sensors(log: &CsvTail, now: DateTime<Utc>, zone: DisplayZone, tariff: &Tariff) -> Sensors {
    let today = zone.date(now);
    let tomorrow = today.succ_opt().unwrap_or(today);
    let (from, to) = (zone.midnight(today), zone.midnight(tomorrow.succ_opt().unwrap_or(tomorrow)));
    let local = zone.local_time(from - Duration::days(1), to + Duration::days(1));
    let slots = ranked::ranked(log, from, to + Duration::days(1), zone, &Shown::default());
    let records: Vec<PriceRecord> = slots.iter().map(|s| s.slot.clone()).collect();
    let current = slots.iter().position(|s| s.slot.contains(now));
    let now_slot = current.map(|i| &slots[i]);
    let cheap = |s: &RankedSlot| matches!(s.standing.level, Level::VeryCheap | Level::Cheap);
    let next_cheap_start = current.and_then(|i| {
        let after = &slots[i + 1..];
        let mut previous_cheap = cheap(&slots[i]);
        after.iter().find_map(|s| {
            let starts = cheap(s) && !previous_cheap;
            previous_cheap = cheap(s);
            starts.then_some(s.slot.start_date)
        })
    });
    let total = |r: &PriceRecord| tariff.breakdown(r.price, r.start_date, &local).total;
    Sensors {
        spot: now_slot.map(|s| s.slot.price),
        total: now_slot.map(|s| total(&s.slot)),
        level: now_slot.map(|s| s.standing.level),
        cheap_now: now_slot.is_some_and(cheap),
        next_cheap_start,
        today_average: stats::day_average(&records, &local, today),
        tomorrow_average: stats::day_average(&records, &local, tomorrow),
        tomorrow: records
            .iter()
            .filter(|r| local.date(r.start_date) == tomorrow)
            .map(|r| SlotPrice { start: r.start_date, spot: r.price, total: total(r) })
            .collect(),
    }
}
