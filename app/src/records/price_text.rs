//! A price record's two texts on the consumer's hot path, its Kafka message read and its CSV row written
//! without serde, for the one form this system writes.
//!
//! Of the 1.4 µs of CPU the consumer spent on a message, `serde_json::from_slice` took 400 ns and the csv
//! crate's serialiser 200 (`perf` on `scripts/bench.sh consumer`). A message written as the producer writes it,
//! field by field (`{"timestamp":"…Z","price":10.438,"startDate":"…Z","endDate":"…Z","source":"electricity-price-monitor"}`),
//! is read here in a third of that, and a record of this system's sources is written here too. Anything else
//! (another order, a space, an escape, a time with an offset or a fraction finer than nanoseconds, a number
//! longer than ryu writes, another source, a year past 9999) is `None` or `false`, and serde_json reads it, the
//! csv crate writes it: they alone decide what a message means and how a row is written, and the tests check
//! that wherever this reads or writes one, they read or write the same.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::records::{
    price::{PriceRecord, SAMPLE_SOURCE, SOURCE},
    rfc3339::{self, Fraction},
};

/// The record `bytes` hold, if they are a price message in the producer's form.
pub fn read_message(bytes: &[u8]) -> Option<PriceRecord> {
    let rest = bytes.strip_prefix(br#"{"timestamp":""#)?;
    let (timestamp, rest) = time(rest)?;
    let rest = rest.strip_prefix(br#","price":"#)?;
    let end = rest.iter().position(|&b| b == b',')?;
    let (price, rest) = (number(&rest[..end])?, &rest[end..]);
    let rest = rest.strip_prefix(br#","startDate":""#)?;
    let (start_date, rest) = time(rest)?;
    let rest = rest.strip_prefix(br#","endDate":""#)?;
    let (end_date, rest) = time(rest)?;
    let source = match rest.strip_prefix(br#","source":""#)?.strip_suffix(br#""}"#)? {
        text if text == SOURCE.as_bytes() => SOURCE,
        text if text == SAMPLE_SOURCE.as_bytes() => SAMPLE_SOURCE,
        _ => return None,
    };
    Some(PriceRecord { timestamp, price, start_date, end_date, source: Cow::Borrowed(source) })
}

/// Appends `record`'s CSV row, as the csv crate writes it in the log's columns, if its times are in the usual
/// form and its source is one of this system's; `false` (and nothing appended) if not.
pub fn write_row(record: &PriceRecord, out: &mut Vec<u8>) -> bool {
    if !matches!(record.source.as_ref(), SOURCE | SAMPLE_SOURCE) || !record.price.is_finite() {
        return false;
    }
    let start = out.len();
    if !rfc3339::write_usual(record.timestamp, Fraction::Auto, out) {
        return false;
    }
    out.push(b',');
    out.extend_from_slice(ryu::Buffer::new().format_finite(record.price).as_bytes());
    for t in [record.start_date, record.end_date] {
        out.push(b',');
        if !rfc3339::write_usual(t, Fraction::Millis, out) {
            out.truncate(start);
            return false;
        }
    }
    out.push(b',');
    out.extend_from_slice(record.source.as_bytes());
    out.push(b'\n');
    true
}

/// A time in the usual UTC form up to its closing quote, and what follows the quote. A string with an escape
/// is not one: its first quote is not where it ends, but a backslash is not a time's character either.
fn time(bytes: &[u8]) -> Option<(DateTime<Utc>, &[u8])> {
    let end = bytes.iter().position(|&b| b == b'"')?;
    Some((rfc3339::parse_usual(&bytes[..end])?, &bytes[end + 1..]))
}

/// The longest number ryu writes, as serde_json does for the producer: `-2.2250738585072014e-308`.
const LONGEST_NUMBER: usize = 24;

/// A finite number in JSON's grammar (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`), read correctly
/// rounded, as serde_json reads it with `float_roundtrip`. What JSON refuses and Rust reads (`.5`, `+1`, `01`,
/// `inf`) is `None`, and so is a number past `f64`'s range, which serde_json refuses, and one longer than the
/// producer writes: on hundreds of digits the two parsers can round a halfway case apart.
fn number(text: &[u8]) -> Option<f64> {
    if text.len() > LONGEST_NUMBER {
        return None;
    }
    let digits = |bytes: &[u8]| bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let unsigned = text.strip_prefix(b"-").unwrap_or(text);
    let whole = digits(unsigned);
    if whole == 0 || (whole > 1 && unsigned[0] == b'0') {
        return None;
    }
    let mut rest = &unsigned[whole..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = digits(fraction);
        rest = (n > 0).then(|| &fraction[n..])?;
    }
    if let Some(exponent) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let exponent = exponent.strip_prefix(b"+").or_else(|| exponent.strip_prefix(b"-")).unwrap_or(exponent);
        let n = digits(exponent);
        rest = (n > 0).then(|| &exponent[n..])?;
    }
    if !rest.is_empty() {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse::<f64>().ok().filter(|price| price.is_finite())
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;
    use proptest::prelude::*;

    use super::*;

    fn serde_reads(bytes: &[u8]) -> Option<PriceRecord> {
        serde_json::from_slice(bytes).ok()
    }

    /// A record received at `seconds` and `nanos` (as the producer stamps it, to the nanosecond) for the
    /// quarter-hour it falls in.
    fn record(seconds: i64, nanos: u32, price: f64, source: &'static str) -> PriceRecord {
        let start = DateTime::from_timestamp(seconds - seconds.rem_euclid(900), 0).unwrap();
        let received = DateTime::from_timestamp(seconds, nanos).unwrap();
        PriceRecord {
            source: Cow::Borrowed(source),
            ..PriceRecord::new(received, price, start, start + chrono::Duration::minutes(15))
        }
    }

    /// The same record, the price's sign included (`-0.0 == 0.0`, so `PartialEq` alone would not tell).
    fn same(a: &PriceRecord, b: &PriceRecord) -> bool {
        a == b && a.price.to_bits() == b.price.to_bits()
    }

    fn nanos() -> impl Strategy<Value = u32> {
        prop_oneof![
            Just(0u32),
            (0u32..1000).prop_map(|ms| ms * 1_000_000),
            (0u32..1_000_000).prop_map(|us| us * 1_000),
            0u32..1_000_000_000
        ]
    }

    #[test]
    fn the_producers_form_is_read_here() {
        let message = serde_json::to_vec(&record(1_767_566_253, 957_675_123, 10.438, SOURCE)).unwrap();
        assert!(String::from_utf8_lossy(&message).contains(r#""timestamp":"2026-01-04T22:37:33.957675123Z""#));
        assert!(same(&read_message(&message).unwrap(), &serde_reads(&message).unwrap()));
        let sample = serde_json::to_vec(&record(1_767_566_253, 0, -0.0, SAMPLE_SOURCE)).unwrap();
        let read = read_message(&sample).unwrap();
        assert_eq!(read.source, SAMPLE_SOURCE);
        assert!(read.price.is_sign_negative(), "-0.0 keeps its sign");
    }

    #[test]
    fn other_forms_are_left_to_serde_json() {
        let message =
            String::from_utf8(serde_json::to_vec(&record(1_767_566_253, 0, 10.438, SOURCE)).unwrap()).unwrap();
        // Halfway between two doubles, in more digits than any double needs: serde_json rounds it up.
        let long = format!("9007199254740993{}e-800", "0".repeat(800));
        for (what, changed, json) in [
            ("a space", message.replace(r#""price":"#, r#""price": "#), true),
            ("an offset", message.replace(r#"00.000Z","endDate""#, r#"00.000+00:00","endDate""#), true),
            ("an escape", message.replace("electricity-price-monitor", r"electricity\u002dprice-monitor"), true),
            ("another source", message.replace("electricity-price-monitor", "someone"), true),
            ("a trailing space", format!("{message} "), true),
            ("a number longer than the producer writes", message.replace("10.438", &long), true),
            ("a number Rust reads and JSON does not", message.replace("10.438", "+10.438"), false),
            ("a number past f64's range", message.replace("10.438", "1e400"), false),
        ] {
            assert_eq!(read_message(changed.as_bytes()), None, "{what}");
            assert_eq!(serde_reads(changed.as_bytes()).is_some(), json, "{what}: serde_json decides");
        }
    }

    proptest! {
        #[test]
        fn every_record_the_producer_writes_is_read_here_as_serde_json_reads_it(
            // Up to the last quarter-hour that ends in year 9999.
            seconds in 0i64..253_402_299_000,
            nanos in nanos(),
            price in prop_oneof![-1e3..1e4f64, any::<f64>().prop_filter("finite", |p| p.is_finite())],
            sample in any::<bool>(),
        ) {
            let record = record(seconds, nanos, price, if sample { SAMPLE_SOURCE } else { SOURCE });
            let message = serde_json::to_vec(&record).unwrap();
            let (read, serde) = (read_message(&message), serde_reads(&message));
            prop_assert!(read.as_ref().is_some_and(|read| same(read, &record)), "{:?}", read);
            prop_assert!(serde.as_ref().is_some_and(|serde| same(serde, &record)), "{:?}", serde);
        }
    }

    /// Every byte of a message replaced by every byte a JSON number or time is made of, JSON's punctuation and a
    /// few others: wherever this reads a record, serde_json reads the same one.
    #[test]
    fn a_changed_message_is_read_as_serde_json_reads_it_or_left_to_it() {
        let mut read_here = 0;
        for price in [10.438, -0.001, 1e21, 5e-324, 0.30000000000000004] {
            let message = serde_json::to_vec(&record(1_767_566_253, 957_675_123, price, SOURCE)).unwrap();
            for at in 0..message.len() {
                for byte in b"0123456789-+.eE,\":Z {}\\x\0\x7f\xc3\xff" {
                    let mut changed = message.clone();
                    changed[at] = *byte;
                    if let Some(read) = read_message(&changed) {
                        read_here += 1;
                        let serde = serde_reads(&changed);
                        assert!(
                            serde.as_ref().is_some_and(|serde| same(serde, &read)),
                            "{}",
                            String::from_utf8_lossy(&changed)
                        );
                    }
                }
            }
        }
        assert!(read_here > 1000, "the digits' changes are read here: {read_here}");
    }

    fn csv_crate_writes(record: &PriceRecord) -> Vec<u8> {
        let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        out.serialize(record).unwrap();
        out.into_inner().unwrap()
    }

    proptest! {
        /// Wherever this writes a row, the csv crate writes the same; this system's records it writes.
        #[test]
        fn a_row_is_written_as_the_csv_crate_writes_it(
            seconds in -65_000_000_000i64..300_000_000_000,
            nanos in nanos(),
            price in prop_oneof![-1e3..1e4f64, any::<f64>()],
            source in prop::sample::select(vec![SOURCE, SAMPLE_SOURCE, "elsewhere", "a, \"quoted\" one", ""]),
        ) {
            let record = record(seconds, nanos, price, source);
            let mut out = b"before".to_vec();
            let written = write_row(&record, &mut out);
            if written {
                prop_assert_eq!(&out[6..], &csv_crate_writes(&record)[..]);
            } else {
                prop_assert_eq!(&out[..], b"before");
            }
            let times = [record.timestamp, record.start_date, record.end_date];
            let usual = times.iter().all(|t| (0..=9999).contains(&t.year()));
            if usual && price.is_finite() && matches!(source, SOURCE | SAMPLE_SOURCE) {
                prop_assert!(written, "this system's record is written here");
            }
        }
    }

    #[test]
    fn numbers_are_read_in_jsons_grammar_only() {
        for (text, expected) in [
            ("0", Some(0.0)),
            ("-0", Some(-0.0)),
            ("10.438", Some(10.438)),
            ("1e21", Some(1e21)),
            ("1E+2", Some(100.0)),
            ("2.5e-3", Some(0.0025)),
            ("-2.2250738585072014e-308", Some(-2.2250738585072014e-308)),
            ("01", None),
            (".5", None),
            ("5.", None),
            ("+1", None),
            ("1e", None),
            ("-", None),
            ("inf", None),
            ("NaN", None),
            ("1e400", None),
            ("0.0000000000000000000000001", None),
        ] {
            let read = number(text.as_bytes());
            assert_eq!(read.map(f64::to_bits), expected.map(f64::to_bits), "{text}");
            if let Some(expected) = expected {
                let serde = serde_json::from_str::<f64>(text).unwrap();
                assert_eq!(serde.to_bits(), expected.to_bits(), "{text}: serde_json reads the same");
            }
        }
    }
}
