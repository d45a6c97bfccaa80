//! Each day's prices over a span of days: `/api/v1/daily`, by the same rule as the history panel's daily chart.

use chrono::{Duration, NaiveDate};

use crate::{
    figures::{
        format::DisplayZone,
        history::{self, DayPrices},
        level,
        tariff::Tariff,
    },
    records::csv_log::CsvTail,
};

/// The local days from `first` to `last` (inclusive) that have prices, with their spot and total prices.
pub fn daily(log: &CsvTail, zone: DisplayZone, tariff: &Tariff, first: NaiveDate, last: NaiveDate) -> Vec<DayPrices> {
    let (start, end) = (zone.midnight(first), zone.midnight(last + Duration::days(1)));
    let local = zone.local_time(start - level::TRAILING - Duration::days(1), end + Duration::days(1));
    let prices = log
        .index()
        .prices_since(start - level::TRAILING)
        .take_while(|(slot, _)| *slot < end)
        .map(|(slot, spot)| (slot, spot, tariff.breakdown(spot, slot, &local).total));
    history::days(prices, &local, first, last)
}
