//! The household's questions of its metered energy: the readings of a span, and what they cost (the
//! consumption at the spot price of each slot with the fees, against a fixed price, and what the timing of use
//! saved) and earned (the production at the spot price less the buyer's margin), by month and in all.
//!
//! The energy log and the price log are two stores: the readings are taken from the one, then priced with the
//! other, never both locked at once.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};

use crate::{
    figures::{
        cost::{Bill, Metered, sold_value},
        format::{DisplayZone, LocalTime},
        planner::Quarters,
        tariff::Tariff,
    },
    query::spending::{Costs, DayCost, EnergyCard, HourCost, Period, Spending},
    records::{
        csv_log::CsvTail,
        energy::{EnergyKind, EnergyRecord},
    },
};

/// The latest reading of every interval starting in `[from, to)`, both kinds, in time order.
pub fn readings(log: &CsvTail<EnergyRecord>, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<EnergyRecord> {
    let index = log.index();
    let mut all: Vec<EnergyRecord> = [EnergyKind::Consumption, EnergyKind::Production]
        .into_iter()
        .flat_map(|kind| index.range(kind, from, to).into_iter().cloned())
        .collect();
    all.sort_by(|a, b| (a.start, a.kind).cmp(&(b.start, b.kind)));
    all
}

/// The most days asked for at once, as `/api/v1` allows: a year and a month.
pub const MOST_DAYS: i64 = 400;

/// The local days with metered energy, first and last: at most the last [`MOST_DAYS`] of them.
pub fn days(log: &CsvTail<EnergyRecord>, zone: DisplayZone) -> Option<(NaiveDate, NaiveDate)> {
    let (first, last_end) = log.index().span()?;
    let last = zone.date(last_end - Duration::milliseconds(1));
    Some((zone.date(first).max(last - Duration::days(MOST_DAYS - 1)), last))
}

/// The readings of the local days `from` to `to`.
pub fn readings_of_days(
    log: &CsvTail<EnergyRecord>,
    zone: DisplayZone,
    (from, to): (NaiveDate, NaiveDate),
) -> Vec<EnergyRecord> {
    readings(log, zone.midnight(from), zone.midnight(to + Duration::days(1)))
}

/// The page's section: the costs and the spending of `readings` (of the local days `days`).
pub fn card(
    readings: &[EnergyRecord],
    prices: &CsvTail,
    zone: DisplayZone,
    tariff: &Tariff,
    terms: Terms,
    days: (NaiveDate, NaiveDate),
) -> EnergyCard {
    let (start, end) = (zone.midnight(days.0), zone.midnight(days.1 + Duration::days(1)));
    EnergyCard {
        costs: costs(readings, prices, zone, tariff, terms, days),
        spending: spending(readings, prices, zone, tariff, days),
        fixed: terms.fixed,
        zone: zone.local_time(start - Duration::days(1), end + Duration::days(1)),
    }
}

/// What the costs are compared with.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Terms {
    /// A fixed price to compare with, c/kWh with VAT, in place of the spot price and the seller's margin.
    pub fixed: Option<f64>,
    /// What the buyer of production keeps, c/kWh.
    pub sell_margin: f64,
}

/// Prices `readings` (of the local days `from` to `to`) with the price log's spot prices and `tariff`.
pub fn costs(
    readings: &[EnergyRecord],
    prices: &CsvTail,
    zone: DisplayZone,
    tariff: &Tariff,
    terms: Terms,
    (from, to): (NaiveDate, NaiveDate),
) -> Costs {
    let (quarters, local) = priced_span(prices, zone, (from, to));
    let mut months: BTreeMap<(i32, u32), Vec<&EnergyRecord>> = BTreeMap::new();
    for reading in readings {
        let date = zone.date(reading.start);
        months.entry((date.year(), date.month())).or_default().push(reading);
    }
    let priced = |name: String, of: &[&EnergyRecord]| period(name, of, &quarters, tariff, &local, terms);
    let total = priced("all".to_owned(), &readings.iter().collect::<Vec<_>>());
    let months = months.into_iter().map(|((y, m), of)| priced(format!("{y:04}-{m:02}"), &of)).collect();
    Costs { from, to, months, total }
}

/// The intervals of the spending's list of the dearest.
pub const DEAREST: usize = 5;

/// Where the money for the consumption among `readings` (of the local days `from` to `to`) went.
pub fn spending(
    readings: &[EnergyRecord],
    prices: &CsvTail,
    zone: DisplayZone,
    tariff: &Tariff,
    (from, to): (NaiveDate, NaiveDate),
) -> Spending {
    let (quarters, local) = priced_span(prices, zone, (from, to));
    let bill = Bill::of(&metered(readings.iter(), EnergyKind::Consumption), &quarters, tariff, &local);
    let (mut days, mut hours) = (BTreeMap::<NaiveDate, (f64, f64)>::new(), BTreeMap::<u32, (f64, f64)>::new());
    for bought in &bill.bought {
        let add = |sums: &mut (f64, f64)| (sums.0 += bought.metered.kwh, sums.1 += bought.euros);
        add(days.entry(zone.date(bought.metered.start)).or_default());
        add(hours.entry(bought.metered.start.with_timezone(&zone.0).hour()).or_default());
    }
    let mut dearest = bill.bought.clone();
    dearest.sort_by(|a, b| b.euros.total_cmp(&a.euros));
    Spending {
        days: days.into_iter().map(|(date, (kwh, euros))| DayCost { date, kwh, euros }).collect(),
        hours: hours.into_iter().map(|(hour, (kwh, euros))| HourCost { hour, kwh, euros }).collect(),
        dearest: dearest.into_iter().take(DEAREST).collect(),
    }
}

/// The spot prices of the local days `from` to `to` (and an hour on either side), and their local times.
fn priced_span(prices: &CsvTail, zone: DisplayZone, (from, to): (NaiveDate, NaiveDate)) -> (Quarters, LocalTime) {
    let (start, end) = (zone.midnight(from), zone.midnight(to + Duration::days(1)));
    let slots = prices.index().range(start - Duration::hours(1), end + Duration::hours(1));
    let quarters = Quarters::new(slots.map(|r| (r.start_date, r.slot_end(), r.price)));
    (quarters, zone.local_time(start - Duration::days(1), end + Duration::days(1)))
}

/// The readings of `kind` as metered intervals.
fn metered<'a>(readings: impl Iterator<Item = &'a EnergyRecord>, kind: EnergyKind) -> Vec<Metered> {
    readings.filter(|r| r.kind == kind).map(|r| Metered { start: r.start, end: r.end, kwh: r.kwh }).collect()
}

fn period(
    name: String,
    readings: &[&EnergyRecord],
    quarters: &Quarters,
    tariff: &Tariff,
    local: &LocalTime,
    terms: Terms,
) -> Period {
    let of = |kind| metered(readings.iter().copied(), kind);
    let (consumed, produced) = (of(EnergyKind::Consumption), of(EnergyKind::Production));
    let bill = Bill::of(&consumed, quarters, tariff, local);
    let (sold_euros, unsold) = sold_value(&produced, quarters, tariff, terms.sell_margin);
    let kwh = |metered: &[Metered]| metered.iter().map(|m| m.kwh).sum::<f64>();
    let timing = bill.timing_effect();
    Period {
        period: name,
        kwh: bill.kwh,
        euros: bill.euros,
        spot_paid: bill.spot_paid(),
        spot_plain: bill.spot_plain(),
        timing_cents_per_kwh: timing.map(|t| t.0),
        timing_euros: timing.map(|t| t.1),
        fixed_euros: terms.fixed.map(|fixed| bill.at_fixed_price(fixed, tariff, local)),
        sold_kwh: kwh(&produced) - kwh(&unsold),
        sold_euros,
        net_euros: bill.euros - sold_euros,
        unpriced: (bill.unpriced.len() + unsold.len()) as u32,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::records::{csv_log::CsvLog, price::PriceRecord};

    fn at(minutes: i64) -> DateTime<Utc> {
        // 23:00 on 31 January in Helsinki.
        Utc.with_ymd_and_hms(2026, 1, 31, 21, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    fn reading(kind: EnergyKind, quarter: i64, kwh: f64) -> EnergyRecord {
        let start = at(15 * quarter);
        EnergyRecord {
            timestamp: at(-600),
            kind,
            metering_point: String::new(),
            start,
            end: start + Duration::minutes(15),
            kwh,
        }
    }

    #[test]
    fn each_month_is_priced_slot_by_slot_against_a_fixed_price_with_its_timing_and_its_sales() {
        // Eight quarters from 23:00 local on 31 January: 4, 8, 12, 16 c/kWh, then (1 February) 20 … 32.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        let prices = (0..8).map(|i| PriceRecord::new(at(-600), 4.0 * (i + 1) as f64, at(15 * i), at(15 * i + 15)));
        CsvLog::open(&path).unwrap().append_new(prices).unwrap();
        let mut log = CsvTail::new(&path);
        log.refresh().unwrap();
        use EnergyKind::{Consumption, Production};
        let mut readings: Vec<EnergyRecord> =
            [(0, 3.0), (1, 1.0), (2, 0.0), (3, 0.0), (4, 1.0), (5, 1.0), (6, 1.0), (9, 5.0)]
                .into_iter()
                .map(|(q, kwh)| reading(Consumption, q, kwh))
                .collect();
        readings.push(reading(Production, 0, 2.0));
        let terms = Terms { fixed: Some(15.0), sell_margin: 0.3 };
        let (from, to) = (NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        let costs = costs(&readings, &log, DisplayZone::default(), &Tariff::default(), terms, (from, to));

        let names: Vec<_> = costs.months.iter().map(|m| m.period.as_str()).collect();
        assert_eq!(names, ["2026-01", "2026-02"]);
        let (january, february, all) = (&costs.months[0], &costs.months[1], &costs.total);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        // January: 3 kWh at 4 and 1 at 8 c/kWh = 0.20 €; paid 5 c/kWh on average where the plain average of its
        // four quarters is 10: the timing saved 5 c/kWh, 0.20 €. At 15 c/kWh fixed: 0.60 €.
        assert!(close(january.kwh, 4.0) && close(january.euros, 0.20), "{january:?}");
        assert_eq!((january.spot_paid, january.spot_plain), (Some(5.0), Some(10.0)));
        assert!(close(january.timing_euros.unwrap(), 0.20) && close(january.fixed_euros.unwrap(), 0.60));
        // Sold: 2 kWh at 4 c/kWh with VAT = 4 / 1.255 without, less 0.3: 2 × 2.887251 c = 0.057745 €.
        assert!(close(january.sold_kwh, 2.0) && (january.sold_euros - 0.0577450199).abs() < 1e-9, "{january:?}");
        assert!(close(january.net_euros, 0.20 - january.sold_euros));
        // February: 20 + 24 + 28 c = 0.72 €; the quarter at 01:15 local has no price: left out and counted.
        assert!(close(february.kwh, 3.0) && close(february.euros, 0.72), "{february:?}");
        assert_eq!((february.unpriced, february.sold_kwh), (1, 0.0));
        assert!(close(all.kwh, 7.0) && close(all.euros, 0.92) && all.unpriced == 1, "{all:?}");
        assert!(close(all.fixed_euros.unwrap(), 7.0 * 0.15));

        // Where the money went: two days, the hours 23, 00 and 01 (local), the dearest interval first.
        let spent = spending(&readings, &log, DisplayZone::default(), &Tariff::default(), (from, to));
        let days: Vec<_> = spent.days.iter().map(|d| (d.date.to_string(), d.kwh)).collect();
        assert_eq!(days, [("2026-01-31".to_owned(), 4.0), ("2026-02-01".to_owned(), 3.0)]);
        let hours: Vec<_> = spent.hours.iter().map(|h| (h.hour, h.kwh)).collect();
        assert_eq!(hours, [(0, 3.0), (23, 4.0)]);
        assert!(close(spent.hours[0].euros, 0.72) && close(spent.hours[1].euros, 0.20));
        let dearest: Vec<_> = spent.dearest.iter().map(|i| (i.metered.start, i.total)).collect();
        assert_eq!(dearest[..2], [(at(90), 28.0), (at(75), 24.0)]);
        assert_eq!(spent.dearest.len(), DEAREST);
    }
}
