//! The cost arithmetic on a day of four quarters whose prices and fees are known, each figure worked out by
//! hand.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::figures::tariff::Transfer;

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

const FIRST: &str = "2026-01-15T10:00:00Z";

/// Four quarters from 10:00 UTC at 10, 2, −1 and 6 c/kWh (spot, with VAT).
fn spot() -> Quarters {
    let first = utc(FIRST);
    let q = Duration::minutes(15);
    Quarters::new(
        [10.0, 2.0, -1.0, 6.0].iter().enumerate().map(|(i, p)| (first + q * i as i32, first + q * (i as i32 + 1), *p)),
    )
}

/// A margin of 0.5, a transfer fee of 3 and the tax of 2.253 c/kWh without VAT: 7.220015 c/kWh with it.
fn tariff() -> Tariff {
    Tariff { margin: 0.5, transfer: Transfer::Single(3.0), tax: 2.253, ..Tariff::default() }
}

fn metered(quarter: i32, quarters: i32, kwh: f64) -> Metered {
    let start = utc(FIRST) + Duration::minutes(15) * quarter;
    Metered { start, end: start + Duration::minutes(15) * quarters, kwh }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn each_quarter_at_its_spot_price_and_the_fees() {
    let consumed = [metered(0, 1, 1.0), metered(1, 1, 2.0), metered(2, 1, 0.5), metered(3, 1, 0.0)];
    let bill = Bill::of(&consumed, &spot(), &tariff(), &LocalTime::utc());
    let totals: Vec<f64> = bill.bought.iter().map(|b| b.total).collect();
    for (total, expected) in totals.iter().zip([17.220015, 9.220015, 6.220015, 13.220015]) {
        assert!(close(*total, expected), "{totals:?}");
    }
    assert!(close(bill.kwh, 3.5));
    // 0.17220015 + 0.1844003 + 0.031100075 + 0
    assert!(close(bill.euros, 0.387700525), "{}", bill.euros);
    // Paid: (10 × 1 + 2 × 2 − 1 × 0.5) / 3.5 = 3.857142857…; flat: (10 + 2 − 1 + 6) / 4 = 4.25.
    assert!(close(bill.spot_paid().unwrap(), 13.5 / 3.5));
    assert!(close(bill.spot_plain().unwrap(), 4.25));
    let (cents, euros) = bill.timing_effect().unwrap();
    assert!(close(cents, 4.25 - 13.5 / 3.5) && close(euros, 0.01375), "{cents} {euros}");
    // At 8 c/kWh fixed: 3.5 kWh × (8 + (3 + 2.253) × 1.255) / 100.
    assert!(close(bill.at_fixed_price(8.0, &tariff(), &LocalTime::utc()), 3.5 * 14.592515 / 100.0));
    assert!(bill.unpriced.is_empty());
}

#[test]
fn an_hour_of_energy_is_priced_at_its_quarters_average_and_an_unknown_interval_is_reported() {
    let consumed = [metered(0, 4, 1.0), metered(4, 1, 3.0), metered(-1, 1, 1.0)];
    let bill = Bill::of(&consumed, &spot(), &tariff(), &LocalTime::utc());
    assert_eq!(bill.bought.len(), 1);
    assert!(close(bill.bought[0].spot, 4.25));
    assert!(close(bill.euros, (4.25 + 7.220015) / 100.0));
    assert_eq!(bill.unpriced, [metered(4, 1, 3.0), metered(-1, 1, 1.0)], "not priced at zero, not guessed");
    assert!(close(bill.kwh, 1.0), "the unpriced energy is not in the figures");
}

#[test]
fn production_is_worth_the_spot_price_without_vat_less_the_buyers_margin() {
    let produced = [metered(0, 1, 2.0), metered(2, 1, 1.0), metered(9, 1, 5.0)];
    let (euros, unpriced) = sold_value(&produced, &spot(), &tariff(), 0.3);
    // 2 kWh × (10 / 1.255 − 0.3) + 1 kWh × (−1 − 0.3): a negative price carries no VAT, and selling then costs.
    assert!(close(euros, (2.0 * (10.0 / 1.255 - 0.3) + (-1.3)) / 100.0), "{euros}");
    assert_eq!(unpriced, [metered(9, 1, 5.0)]);
}

#[test]
fn no_energy_has_no_averages() {
    let bill = Bill::of(&[], &spot(), &tariff(), &LocalTime::utc());
    assert_eq!((bill.spot_paid(), bill.spot_plain(), bill.timing_effect()), (None, None, None));
}
