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

#[test]
fn the_documented_negative_hour_of_24_november_2023_is_shown_without_vat() {
    // −500 €/MWh from 15:00 to 16:00 Helsinki time (13:00 UTC): porssisahko.net showed −50.0 c/kWh, not the
    // −62.0 that 24 % VAT would make (see `canonical`).
    assert_eq!(canonical(-500.0, utc("2023-11-24T13:00:00Z")), -50.0);
    assert_eq!(canonical(500.0, utc("2023-11-24T13:00:00Z")), 62.0);
}

/// Every quarter of the Helsinki day `date` as spot-hinta.fi (local times with their offset, which changes in
/// the night of a DST day) and Elering (Unix seconds) list it, at 10 €/MWh plus the quarter's number / 100.
fn dst_day(date: &str) -> (Vec<DateTime<Utc>>, String, String) {
    let zone = DisplayZone::default();
    let day: chrono::NaiveDate = date.parse().unwrap();
    let (from, to) = (zone.midnight(day), zone.midnight(day.succ_opt().unwrap()));
    let starts: Vec<_> = (0..).map(|i| from + Duration::minutes(15 * i)).take_while(|t| *t < to).collect();
    let helsinki = chrono_tz::Europe::Helsinki;
    let spot: Vec<String> = starts
        .iter()
        .enumerate()
        .map(|(i, start)| {
            let local = start.with_timezone(&helsinki).format("%Y-%m-%dT%H:%M:%S%:z");
            let no_tax = (10.0 + i as f64 / 100.0) / 1000.0;
            format!(
                r#"{{"Rank":1,"DateTime":"{local}","PriceNoTax":{no_tax:.5},"PriceWithTax":{:.5}}}"#,
                no_tax * 1.255
            )
        })
        .collect();
    let elering: Vec<String> = starts
        .iter()
        .enumerate()
        .map(|(i, start)| format!(r#"{{"timestamp":{},"price":{}}}"#, start.timestamp(), 10.0 + i as f64 / 100.0))
        .collect();
    let elering = format!(r#"{{"success":true,"data":{{"fi":[{}]}}}}"#, elering.join(","));
    (starts, format!("[{}]", spot.join(",")), elering)
}

#[test]
fn dst_days_read_from_spot_hinta_and_elering_have_92_and_100_quarters_in_order() {
    for (date, quarters) in [("2026-03-29", 92), ("2026-10-25", 100)] {
        let (starts, spot, elering) = dst_day(date);
        assert_eq!(starts.len(), quarters, "{date}");
        for (name, body) in [("spot-hinta.fi", spot), ("Elering", elering)] {
            let (format, read) = read(body.as_bytes()).unwrap();
            assert_eq!(format, name);
            assert!(read.skipped.is_empty(), "{date} {name}: {:?}", read.skipped);
            let got: Vec<_> = read.slots.iter().map(|s| s.start).collect();
            assert_eq!(got, starts, "{date} {name}: every quarter once, in time order");
            assert!(read.slots.iter().all(|s| s.end - s.start == Duration::minutes(15)), "{date} {name}");
            // The repeated (October) or skipped (March) hour's quarters keep their own prices.
            assert!(
                (read.slots[quarters - 1].price - canonical(10.0 + (quarters - 1) as f64 / 100.0, starts[0])).abs()
                    < 1e-9
            );
        }
    }
}
