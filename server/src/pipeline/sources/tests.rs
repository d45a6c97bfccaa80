//! Each format read from answers written from its documented shape, and the one conversion: the same slot
//! from every format is the same price, as porssisahko.net shows it.

use chrono::{DateTime, Duration, Utc};

use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// €/MWh without VAT, and what porssisahko.net shows for it (c/kWh, VAT on positive prices only): an
/// ordinary price, a negative one, zero, one whose VAT lands on a half (0.1255), a high one.
const EXCHANGE: [(f64, f64); 5] = [(83.17, 10.438), (-11.6, -1.16), (0.0, 0.0), (1.0, 0.126), (250.0, 31.375)];

/// Five quarters from 22:00 UTC on 14 January 2026 (midnight in Helsinki).
fn starts() -> Vec<DateTime<Utc>> {
    (0..5).map(|i| utc("2026-01-14T22:00:00Z") + Duration::minutes(15 * i)).collect()
}

fn porssisahko() -> String {
    let entries: Vec<String> = starts()
        .iter()
        .zip(EXCHANGE)
        .map(|(start, (_, shown))| {
            let end = *start + Duration::minutes(15) - Duration::milliseconds(1);
            format!(r#"{{"price":{shown},"startDate":"{}","endDate":"{}"}}"#, slot(*start), slot(end))
        })
        .collect();
    format!(r#"{{"prices":[{}]}}"#, entries.join(","))
}

fn slot(t: DateTime<Utc>) -> String {
    app::records::price::slot_time_text(t)
}

/// As spot-hinta.fi answers: local times with their offset, €/kWh to five decimals, newest first.
fn spot_hinta() -> String {
    let helsinki = chrono_tz::Europe::Helsinki;
    let entries: Vec<String> = starts()
        .iter()
        .zip(EXCHANGE)
        .enumerate()
        .map(|(rank, (start, (eur_mwh, _)))| {
            let local = start.with_timezone(&helsinki).format("%Y-%m-%dT%H:%M:%S%:z");
            let with_tax = eur_mwh * 1.255; // spot-hinta.fi adds VAT to negative prices too
            format!(
                r#"{{"Rank":{},"DateTime":"{local}","PriceNoTax":{:.5},"PriceWithTax":{:.5}}}"#,
                rank + 1,
                eur_mwh / 1000.0,
                with_tax / 1000.0
            )
        })
        .rev()
        .collect();
    format!("[{}]", entries.join(","))
}

/// As Elering answers: Unix seconds, €/MWh, every country; Finland's are `fi`.
fn elering() -> String {
    let entries: Vec<String> = starts()
        .iter()
        .zip(EXCHANGE)
        .map(|(start, (eur_mwh, _))| format!(r#"{{"timestamp":{},"price":{eur_mwh}}}"#, start.timestamp()))
        .collect();
    let estonia = r#"[{"timestamp":1768428000,"price":999.0}]"#;
    format!(r#"{{"success":true,"data":{{"ee":{estonia},"fi":[{}],"lv":[],"lt":[]}}}}"#, entries.join(","))
}

#[test]
fn the_same_slots_from_every_format_are_the_same_prices() {
    let expected: Vec<Slot> = starts()
        .iter()
        .zip(EXCHANGE)
        .map(|(start, (_, price))| Slot { start: *start, end: *start + Duration::minutes(15), price })
        .collect();
    for (body, format) in [(porssisahko(), "porssisahko.net"), (spot_hinta(), "spot-hinta.fi"), (elering(), "Elering")]
    {
        let (read_as, read) = read(body.as_bytes()).unwrap();
        assert_eq!(read_as, format);
        assert!(read.skipped.is_empty(), "{format}: {:?}", read.skipped);
        assert_eq!(read.slots, expected, "{format}");
    }
}

#[test]
fn vat_follows_the_finnish_rates_by_the_helsinki_day() {
    // 100 €/MWh = 10 c/kWh before VAT.
    let cases = [
        ("2022-11-30T21:45:00Z", 12.4),  // 23:45 on 30 November 2022: 24 %
        ("2022-11-30T22:00:00Z", 11.0),  // 1 December: 10 %
        ("2023-04-30T21:00:00Z", 12.4),  // 1 May 2023, summer time: 24 % again
        ("2024-08-31T20:45:00Z", 12.4),  // 23:45 on 31 August 2024
        ("2024-08-31T21:00:00Z", 12.55), // 1 September 2024: 25.5 %
    ];
    for (at, shown) in cases {
        assert_eq!(canonical(100.0, utc(at)), shown, "{at}");
    }
}

#[test]
fn hourly_answers_make_hour_slots_and_a_missing_hour_stays_missing() {
    let hour = |h: i64| utc("2026-01-14T22:00:00Z") + Duration::hours(h);
    let entries: Vec<String> =
        [0, 1, 3].iter().map(|h| format!(r#"{{"timestamp":{},"price":50.0}}"#, hour(*h).timestamp())).collect();
    let body = format!(r#"{{"success":true,"data":{{"fi":[{}]}}}}"#, entries.join(","));
    let (_, read) = read(body.as_bytes()).unwrap();
    let spans: Vec<_> = read.slots.iter().map(|s| (s.start, s.end)).collect();
    assert_eq!(spans, [(hour(0), hour(1)), (hour(1), hour(2)), (hour(3), hour(4))]);
    assert_eq!(read.slots[0].price, 6.275);
}

#[test]
fn a_bad_entry_is_skipped_with_its_reason_and_a_bad_answer_is_refused() {
    let body = r#"[{"DateTime":"yesterday","PriceNoTax":0.01},{"DateTime":"2026-01-15T00:00:00+02:00","PriceNoTax":"x"},
        {"DateTime":"2026-01-15T00:15:00+02:00","PriceNoTax":0.05}]"#;
    let (_, read) = read(body.as_bytes()).unwrap();
    assert_eq!(read.slots.len(), 1);
    assert_eq!(read.skipped.len(), 2);
    assert!(
        read.skipped[0].starts_with("entry 0 ")
            && read.skipped[0].ends_with("no DateTime like 2025-10-01T00:00:00+03:00")
    );
    assert!(read.skipped[1].ends_with("no number PriceNoTax"), "{:?}", read.skipped);

    let refused = [
        ("<html>maintenance</html>", "not JSON"),
        (r#"{"hello":"world"}"#, "not a format the monitor reads"),
        (r#"{"prices":[]}"#, "no valid prices"),
        (r#"{"success":true,"data":{"fi":[]}}"#, "no valid prices"),
    ];
    for (body, why) in refused {
        let error = super::read(body.as_bytes()).unwrap_err();
        assert!(error.contains(why), "{body}: {error}");
    }
    let overlapping = r#"{"prices":[{"price":1,"startDate":"2026-01-15T00:00:00Z","endDate":"2026-01-15T01:00:00Z"},
        {"price":2,"startDate":"2026-01-15T00:15:00Z","endDate":"2026-01-15T00:29:59.999Z"}]}"#;
    assert!(super::read(overlapping.as_bytes()).unwrap_err().contains("overlapping"));
}

#[test]
fn spot_hintas_price_with_tax_alone_loses_its_vat_when_negative_and_a_huge_price_is_skipped() {
    let body = r#"[{"DateTime":"2026-01-15T00:00:00+02:00","PriceNoTax":null,"PriceWithTax":-0.01255},
        {"DateTime":"2026-01-15T00:15:00+02:00","PriceWithTax":0.12549},
        {"DateTime":"2026-01-15T00:30:00+02:00","PriceNoTax":1e306}]"#;
    let (_, read) = read(body.as_bytes()).unwrap();
    let prices: Vec<f64> = read.slots.iter().map(|s| s.price).collect();
    assert_eq!(prices, [-1.0, 12.549], "−1.255 with VAT is −1.00 without; a positive price as it is");
    assert_eq!(read.skipped.len(), 1, "{:?}", read.skipped);
    assert!(read.skipped[0].contains("out of range"), "{:?}", read.skipped);
}
