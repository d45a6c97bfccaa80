//! The household's questions of its metered energy: the readings of a span, and what they cost (the
//! consumption at the spot price of each slot with the fees, against a fixed price, and what the timing of use
//! saved) and earned (the production at the spot price less the buyer's margin), by month and in all.
//!
//! The energy log and the price log are two stores: the readings are taken from the one, then priced with the
//! other, never both locked at once.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Timelike, Utc};

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
    all.sort_by_key(|a| (a.start, a.kind));
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

/// The page's section: the costs and the spending of `readings`.
pub fn card(readings: &[EnergyRecord], pricing: &Pricing) -> EnergyCard {
    EnergyCard {
        costs: costs(readings, pricing),
        spending: spending(readings, pricing),
        fixed: pricing.terms.fixed,
        fees: pricing.terms.fees,
        zone: pricing.local.clone(),
    }
}

/// What the costs are compared with, and the fees of a month's bill.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Terms {
    /// A fixed price to compare with, c/kWh with VAT, in place of the spot price and the seller's margin.
    pub fixed: Option<f64>,
    /// What the buyer of production keeps, c/kWh.
    pub sell_margin: f64,
    pub fees: MonthlyFees,
}

pub use crate::query::spending::MonthlyFees;

/// What prices a span of local days' energy: the spot prices of those days (taken from the price log once),
/// their local times, the fees and the terms.
pub struct Pricing<'a> {
    quarters: Quarters,
    local: LocalTime,
    zone: DisplayZone,
    tariff: &'a Tariff,
    terms: Terms,
    days: (NaiveDate, NaiveDate),
}

impl<'a> Pricing<'a> {
    /// The spot prices of the local days `from` to `to` (and an hour on either side).
    pub fn new(
        prices: &CsvTail,
        zone: DisplayZone,
        tariff: &'a Tariff,
        terms: Terms,
        (from, to): (NaiveDate, NaiveDate),
    ) -> Self {
        let (start, end) = (zone.midnight(from), zone.midnight(to + Duration::days(1)));
        let slots = prices.index().range(start - Duration::hours(1), end + Duration::hours(1));
        let quarters = Quarters::new(slots.map(|r| (r.start_date, r.slot_end(), r.price)));
        let local = zone.local_time(start - Duration::days(1), end + Duration::days(1));
        Self { quarters, local, zone, tariff, terms, days: (from, to) }
    }

    /// The share of the month `(year, month)` among the days priced: what part of its monthly fees is billed.
    fn month_share(&self, (year, month): (i32, u32)) -> f64 {
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else { return 0.0 };
        let next = first + Months::new(1);
        let (start, end) = (first.max(self.days.0), next.min(self.days.1 + Duration::days(1)));
        (end - start).num_days().max(0) as f64 / (next - first).num_days() as f64
    }
}

/// Prices `readings` (of the pricing's days) by month and in all.
pub fn costs(readings: &[EnergyRecord], pricing: &Pricing) -> Costs {
    let mut months: BTreeMap<(i32, u32), Vec<&EnergyRecord>> = BTreeMap::new();
    for reading in readings {
        let date = pricing.zone.date(reading.start);
        months.entry((date.year(), date.month())).or_default().push(reading);
    }
    let months: Vec<Period> = months
        .into_iter()
        .map(|((y, m), of)| period(format!("{y:04}-{m:02}"), &of, pricing, pricing.month_share((y, m))))
        .collect();
    let share = months.iter().map(|m| m.fee_months).sum();
    let total = period("all".to_owned(), &readings.iter().collect::<Vec<_>>(), pricing, share);
    Costs { from: pricing.days.0, to: pricing.days.1, months, total }
}

/// The intervals of the spending's list of the dearest.
pub const DEAREST: usize = 5;

/// Where the money for the consumption among `readings` (of the pricing's days) went.
pub fn spending(readings: &[EnergyRecord], pricing: &Pricing) -> Spending {
    let consumed = metered(readings.iter(), EnergyKind::Consumption);
    let bill = Bill::of(&consumed, &pricing.quarters, pricing.tariff, &pricing.local);
    let zone = pricing.zone;
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

/// The readings of `kind` as metered intervals.
fn metered<'a>(readings: impl Iterator<Item = &'a EnergyRecord>, kind: EnergyKind) -> Vec<Metered> {
    readings.filter(|r| r.kind == kind).map(|r| Metered { start: r.start, end: r.end, kwh: r.kwh }).collect()
}

/// One period's figures: `fee_months` is how many months' basic fees its bill carries.
fn period(name: String, readings: &[&EnergyRecord], pricing: &Pricing, fee_months: f64) -> Period {
    let Pricing { quarters, local, tariff, terms, .. } = pricing;
    let of = |kind| metered(readings.iter().copied(), kind);
    let (consumed, produced) = (of(EnergyKind::Consumption), of(EnergyKind::Production));
    let bill = Bill::of(&consumed, quarters, tariff, local);
    let (sold_euros, unsold) = sold_value(&produced, quarters, tariff, terms.sell_margin);
    let kwh = |metered: &[Metered]| metered.iter().map(|m| m.kwh).sum::<f64>();
    let timing = bill.timing_effect();
    let fees = terms.fees;
    let fees_euros = fee_months * (fees.contract + fees.network);
    let fixed_euros = terms.fixed.map(|fixed| bill.at_fixed_price(fixed, tariff, local));
    Period {
        period: name,
        kwh: bill.kwh,
        euros: bill.euros,
        fee_months,
        fees_euros,
        bill_euros: bill.euros + fees_euros,
        spot_paid: bill.spot_paid(),
        spot_plain: bill.spot_plain(),
        timing_cents_per_kwh: timing.map(|t| t.0),
        timing_euros: timing.map(|t| t.1),
        fixed_euros,
        fixed_bill_euros: fixed_euros.map(|euros| euros + fee_months * (fees.fixed_contract + fees.network)),
        sold_kwh: kwh(&produced) - kwh(&unsold),
        sold_euros,
        net_euros: bill.euros + fees_euros - sold_euros,
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
        // Basic fees: 3.10 € a month for the spot contract, 6.20 for the fixed one, 27.90 for the network.
        let fees = MonthlyFees { contract: 3.1, network: 27.9, fixed_contract: 6.2 };
        let terms = Terms { fixed: Some(15.0), sell_margin: 0.3, fees };
        let (from, to) = (NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        let tariff = Tariff::default();
        let pricing = Pricing::new(&log, DisplayZone::default(), &tariff, terms, (from, to));
        let costs = costs(&readings, &pricing);

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
        // One day of January's 31 carries 1/31 of its fees: 31 € / 31 on spot, 34.10 € / 31 on the fixed price.
        assert!(close(january.fee_months, 1.0 / 31.0) && close(january.fees_euros, 1.0), "{january:?}");
        assert!(close(january.bill_euros, 1.20) && close(january.fixed_bill_euros.unwrap(), 0.60 + 1.10));
        assert!(close(january.net_euros, 1.20 - january.sold_euros));
        // February: 20 + 24 + 28 c = 0.72 €; the quarter at 01:15 local has no price: left out and counted.
        assert!(close(february.kwh, 3.0) && close(february.euros, 0.72), "{february:?}");
        assert_eq!((february.unpriced, february.sold_kwh), (1, 0.0));
        assert!(close(all.kwh, 7.0) && close(all.euros, 0.92) && all.unpriced == 1, "{all:?}");
        assert!(close(all.fixed_euros.unwrap(), 7.0 * 0.15));
        // February's one day of 28: 31 € / 28; the whole span carries both months' shares.
        assert!(close(february.fees_euros, 31.0 / 28.0) && close(all.fees_euros, 1.0 + 31.0 / 28.0), "{all:?}");
        assert!(close(all.bill_euros, 0.92 + all.fees_euros));

        // Where the money went: two days, the hours 23, 00 and 01 (local), the dearest interval first.
        let spent = spending(&readings, &pricing);
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
