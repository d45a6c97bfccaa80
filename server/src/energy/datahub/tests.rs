//! Datahub exports in each variant, written for these tests from the documented shape: both headers, with and
//! without a byte-order mark, Windows-1252, quarter hours and hours, missing rows, a DST day; and each mistake.

use chrono::{DateTime, Duration, Utc};

use super::*;

const NEW_HEADER: &str =
    "Mittauspisteen tunnus;Tuotteen tyyppi;Resoluutio;Yksikkötyyppi;Lukeman tyyppi;Alkuaika;Määrä;Laatu";
const OLD_HEADER: &str = "Mittauspisteen tunnus;Tuotteen tyyppi;Resoluutio;Yksikkötyyppi;Alkuaika;Määrä;Laatu";

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// A newer export: `rows` of (start, amount, quality).
fn new_export(point: &str, resolution: &str, rows: &[(&str, &str, &str)]) -> String {
    let mut text = format!("{NEW_HEADER}\n");
    for (start, amount, quality) in rows {
        text += &format!("{point};8716867000030;{resolution};kWh;BN02;{start};{amount};{quality}\n");
    }
    text
}

#[test]
fn a_newer_export_with_a_bom_reads_its_quarters_and_counts_the_missing_ones() {
    let text = new_export(
        "643007574000012345",
        "PT15M",
        &[
            ("2024-12-31T22:00:00Z", "0,460000", "OK"),
            ("2024-12-31T22:15:00Z", "0,512000", "OK"),
            ("2024-12-31T22:30:00Z", "null", "MISSING"),
            ("2024-12-31T22:45:00Z", "", "MISSING"),
            ("2024-12-31T23:00:00Z", "1,000000", "OK"),
        ],
    );
    let file = parse(&[b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()).unwrap();
    assert_eq!(file.metering_point.as_deref(), Some("643007574000012345"));
    let readings: Vec<_> = file.readings.iter().map(|r| (r.start, r.end - r.start, r.kwh)).collect();
    let quarter = Duration::minutes(15);
    assert_eq!(
        readings,
        [
            (utc("2024-12-31T22:00:00Z"), quarter, 0.46),
            (utc("2024-12-31T22:15:00Z"), quarter, 0.512),
            (utc("2024-12-31T23:00:00Z"), quarter, 1.0),
        ]
    );
    assert_eq!(file.missing, [utc("2024-12-31T22:30:00Z"), utc("2024-12-31T22:45:00Z")], "never read as zero");
}

#[test]
fn an_older_hourly_export_saved_again_by_a_spreadsheet_in_windows_1252() {
    let text = format!(
        "{OLD_HEADER}\n8,71687E+12;;PT1H;kWh;2022-09-30T21:00:00Z;0,64;OK\n8,71687E+12;;PT1H;kWh;2022-09-30T22:00:00Z;1,5;OK\n"
    );
    let (latin1, _, lossy) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!lossy && std::str::from_utf8(&latin1).is_err(), "the ä of the header is one byte, not UTF-8");
    let file = parse(&latin1).unwrap();
    assert_eq!(file.metering_point, None, "a spreadsheet's 8,71687E+12 is no id");
    let readings: Vec<_> = file.readings.iter().map(|r| (r.start, r.end, r.kwh)).collect();
    assert_eq!(
        readings,
        [
            (utc("2022-09-30T21:00:00Z"), utc("2022-09-30T22:00:00Z"), 0.64),
            (utc("2022-09-30T22:00:00Z"), utc("2022-09-30T23:00:00Z"), 1.5),
        ]
    );
}

#[test]
fn a_dst_day_has_92_or_100_quarters_as_given_in_utc() {
    // Helsinki's 29 March 2026 (clocks forward) runs from 22:00 UTC on the 28th to 21:00 UTC on the 29th.
    for (midnight, quarters) in [("2026-03-28T22:00:00Z", 92), ("2026-10-24T21:00:00Z", 100)] {
        let starts: Vec<String> = (0..quarters)
            .map(|i| (utc(midnight) + Duration::minutes(15 * i)).format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .collect();
        let rows: Vec<(&str, &str, &str)> = starts.iter().map(|s| (s.as_str(), "0,25", "OK")).collect();
        let file = parse(new_export("643007574000012345", "PT15M", &rows).as_bytes()).unwrap();
        assert_eq!(file.readings.len(), quarters as usize, "{midnight}");
        assert_eq!(file.readings.iter().map(|r| r.kwh).sum::<f64>(), 0.25 * quarters as f64);
    }
}

#[test]
fn a_plain_start_kwh_file_takes_its_step_from_its_starts() {
    let file =
        parse(b"start,kwh\n2026-01-15T00:00:00Z,0.5\n2026-01-15T01:00:00Z,0.25\n2026-01-15T02:00:00Z,0\n").unwrap();
    let spans: Vec<_> = file.readings.iter().map(|r| (r.end - r.start, r.kwh)).collect();
    assert_eq!(spans, [(Duration::hours(1), 0.5), (Duration::hours(1), 0.25), (Duration::hours(1), 0.0)]);
    assert_eq!(file.metering_point, None);
}

#[test]
fn the_same_interval_twice_with_the_same_amount_is_read_once() {
    let rows = [("2024-12-31T22:00:00Z", "0,46", "OK"), ("2024-12-31T22:00:00Z", "0,46", "OK")];
    assert_eq!(parse(new_export("1", "PT15M", &rows).as_bytes()).unwrap().readings.len(), 1);
}

#[test]
fn each_mistake_is_one_sentence_naming_its_line() {
    let row = |start: &str, amount: &str| new_export("1", "PT15M", &[(start, amount, "OK")]);
    let twice =
        new_export("1", "PT15M", &[("2024-12-31T22:00:00Z", "0,46", "OK"), ("2024-12-31T22:00:00Z", "0,5", "OK")]);
    let cases = [
        ("Alkuaika,Määrä\n2024-12-31T22:00:00Z,0.46\n".to_owned(), 1, "separated by commas"),
        ("Aika;Arvo\n2024-12-31T22:00:00Z;0,46\n".to_owned(), 1, "not a Datahub header"),
        (row("2024-12-31T22:00:00Z", "-0,46"), 2, "negative"),
        (row("2024-12-31T22:00:00Z", "paljon"), 2, "\"paljon\" is not a number"),
        (row("2024-12-31T22:07:00Z", "0,46"), 2, "not on the 15-minute grid"),
        (row("31.12.2024 22:00", "0,46"), 2, "not a UTC time like"),
        (new_export("1", "P1D", &[("2024-12-31T22:00:00Z", "1", "OK")]), 2, "neither PT15M nor PT1H"),
        (twice, 3, "given twice, with 0.5 kWh here and 0.46 kWh on line 2"),
        (String::new(), 1, "empty"),
        (format!("{NEW_HEADER}\n"), 2, "no intervals"),
    ];
    for (text, line, why) in cases {
        let error = parse(text.as_bytes()).unwrap_err();
        assert_eq!(error.line, line, "{error}");
        assert!(error.why.contains(why), "{error} (expected {why:?})");
    }
    // A long bad value is quoted clipped, not whole.
    let long = "9".repeat(500) + "x";
    let error = parse(row("2024-12-31T22:00:00Z", &long).as_bytes()).unwrap_err();
    assert!(error.to_string().len() < 200, "{error}");
}
