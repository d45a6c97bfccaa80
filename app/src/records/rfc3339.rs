//! The records' times as text, read and written without allocating: every price message the consumer takes
//! has three of them, and chrono's `String`s and `Display` were a third of what a row cost (measured with
//! `perf` on `scripts/bench.sh consumer`).
//!
//! The usual form, `2026-01-04T22:45:00.000Z`, `2026-01-04T13:17:33Z` or `2026-01-04T13:17:33.957675123Z`, is
//! written here; anything else (a year past 9999, a leap second) by chrono, which writes the same for the usual
//! form too, as the tests check.
//!
//! Reading is the same split: a time in UTC with `Z`, digits where the form has them, is read here; anything
//! else by chrono's RFC 3339 parser, which takes every form RFC 3339 allows. Here one takes 31 ns, chrono's 48
//! (release build, this machine), and a price message has three (`price_text` reads them here directly). The
//! tests check that both read the same time wherever this one reads one.

use std::fmt;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{
    Deserializer, Serializer,
    de::{self, Visitor},
};

/// The fractional seconds a time is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fraction {
    /// Always milliseconds, finer ones cut off: `chrono::SecondsFormat::Millis`.
    Millis,
    /// As many as the time has (none, 3, 6 or 9 digits): `chrono::SecondsFormat::AutoSi`, and what chrono's
    /// own `Serialize` writes.
    Auto,
}

/// `t` in UTC as RFC 3339 with `fraction`, `Z` for the offset.
pub fn text(t: DateTime<Utc>, fraction: Fraction) -> String {
    match Usual::of(t, fraction) {
        Some(usual) => usual.as_str().to_owned(),
        None => chrono_text(t, fraction),
    }
}

/// Serialises `t` as [`text`] writes it.
pub fn serialize<S: Serializer>(t: DateTime<Utc>, fraction: Fraction, serializer: S) -> Result<S::Ok, S::Error> {
    match Usual::of(t, fraction) {
        Some(usual) => serializer.serialize_str(usual.as_str()),
        None => serializer.serialize_str(&chrono_text(t, fraction)),
    }
}

/// Appends `t` to `out` as [`text`] writes it, if it is in the usual form; `false` (and nothing appended) if not.
#[cfg(feature = "ssr")]
pub(crate) fn write_usual(t: DateTime<Utc>, fraction: Fraction, out: &mut Vec<u8>) -> bool {
    let usual = Usual::of(t, fraction);
    if let Some(usual) = &usual {
        out.extend_from_slice(&usual.bytes[..usual.len]);
    }
    usual.is_some()
}

fn chrono_text(t: DateTime<Utc>, fraction: Fraction) -> String {
    let format = match fraction {
        Fraction::Millis => chrono::SecondsFormat::Millis,
        Fraction::Auto => chrono::SecondsFormat::AutoSi,
    };
    t.to_rfc3339_opts(format, true)
}

/// A time in the usual form, on the stack.
struct Usual {
    bytes: [u8; 30],
    len: usize,
}

impl Usual {
    fn of(t: DateTime<Utc>, fraction: Fraction) -> Option<Self> {
        // As stored: `DateTime`'s own accessors each apply the offset (none, for UTC) again.
        let utc = t.naive_utc();
        let (date, time) = (utc.date(), utc.time());
        let year = u32::try_from(date.year()).ok().filter(|&year| year <= 9999)?;
        let nanos = time.nanosecond();
        // The fraction's value and its digits, as chrono's `SecondsFormat` has them.
        let (fraction, width) = match fraction {
            _ if nanos >= 1_000_000_000 => return None, // a leap second
            Fraction::Millis => (nanos / 1_000_000, 3),
            Fraction::Auto if nanos == 0 => (0, 0),
            Fraction::Auto if nanos % 1_000_000 == 0 => (nanos / 1_000_000, 3),
            Fraction::Auto if nanos % 1_000 == 0 => (nanos / 1_000, 6),
            Fraction::Auto => (nanos, 9),
        };
        let mut bytes = *b"0000-00-00T00:00:00.000000000Z";
        for (range, value) in [
            (0..4, year),
            (5..7, date.month()),
            (8..10, date.day()),
            (11..13, time.hour()),
            (14..16, time.minute()),
            (17..19, time.second()),
        ] {
            digits(&mut bytes[range], value);
        }
        let len = match width {
            0 => 19,
            _ => {
                digits(&mut bytes[20..20 + width], fraction);
                20 + width
            }
        };
        bytes[len] = b'Z';
        Some(Self { bytes, len: len + 1 })
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("digits and ASCII punctuation")
    }
}

/// `value` in decimal, zero-padded to fill `out`.
fn digits(out: &mut [u8], mut value: u32) {
    for byte in out.iter_mut().rev() {
        *byte = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// `text` as RFC 3339 (`2026-01-04T22:45:00.000Z`, `2026-01-05T00:45:00+02:00`, …), in UTC.
pub fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    match parse_usual(text.as_bytes()) {
        Some(t) => Ok(t),
        None => DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f…]Z`, with one to nine fractional digits, as chrono reads it; `None` for any other
/// form (an offset, a lowercase letter, a leap second), and for a date or time that does not exist.
pub(crate) fn parse_usual(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let (head, fraction) = match bytes {
        [head @ .., b'Z'] if head.len() == 19 => (head, &[][..]),
        [head @ .., b'Z'] if head.len() > 20 && head[19] == b'.' => (&head[..19], &head[20..]),
        _ => return None,
    };
    if head[4] != b'-' || head[7] != b'-' || head[10] != b'T' || head[13] != b':' || head[16] != b':' {
        return None;
    }
    let field = |range: std::ops::Range<usize>| number(&head[range]);
    let date = chrono::NaiveDate::from_ymd_opt(field(0..4)? as i32, field(5..7)?, field(8..10)?)?;
    let nanos = match fraction.len() {
        0 => 0,
        digits @ 1..=9 => number(fraction)? * 10u32.pow(9 - digits as u32),
        _ => return None,
    };
    let second = field(17..19)?;
    if second > 59 {
        return None; // a leap second: chrono's
    }
    Some(date.and_hms_nano_opt(field(11..13)?, field(14..16)?, second, nanos)?.and_utc())
}

/// `digits` as a decimal number, if they are all digits (at most nine of them).
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &byte| byte.is_ascii_digit().then(|| value * 10 + u32::from(byte - b'0')))
}

/// Deserialises a string with `parse`, borrowing it where the format can (a JSON string without escapes, a CSV
/// field) instead of copying it into a `String` first. `expecting` names what the string should be.
pub fn deserialize_str<'de, D, T>(
    deserializer: D,
    expecting: &'static str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_str(StrVisitor { expecting, parse })
}

struct StrVisitor<F> {
    expecting: &'static str,
    parse: F,
}

impl<'de, T, F: FnOnce(&str) -> Result<T, String>> Visitor<'de> for StrVisitor<F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        (self.parse)(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_usual_forms_and_the_rest() {
        let t = Utc.with_ymd_and_hms(2026, 1, 4, 22, 45, 0).unwrap();
        assert_eq!(text(t, Fraction::Millis), "2026-01-04T22:45:00.000Z");
        assert_eq!(text(t, Fraction::Auto), "2026-01-04T22:45:00Z");
        let micros = t + chrono::Duration::microseconds(957_675);
        assert_eq!(text(micros, Fraction::Millis), "2026-01-04T22:45:00.957Z");
        assert_eq!(text(micros, Fraction::Auto), "2026-01-04T22:45:00.957675Z", "microseconds");
        let far = Utc.with_ymd_and_hms(12026, 1, 4, 22, 45, 0).unwrap();
        assert_eq!(text(far, Fraction::Millis), "+12026-01-04T22:45:00.000Z", "chrono's, past 9999");
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31).unwrap().and_hms_milli_opt(23, 59, 59, 1_500);
        let leap = leap.unwrap().and_utc();
        for fraction in [Fraction::Millis, Fraction::Auto] {
            assert_eq!(text(leap, fraction), chrono_text(leap, fraction), "a leap second, chrono's");
        }
    }

    proptest! {
        #[test]
        fn every_time_is_written_as_chrono_writes_it(
            // From before year 0 (-62 167 219 200 s), which chrono writes with a sign, to past 9999.
            seconds in -65_000_000_000i64..300_000_000_000,
            nanos in prop_oneof![
                Just(0u32),
                (0u32..1000).prop_map(|ms| ms * 1_000_000),
                (0u32..1_000_000).prop_map(|us| us * 1_000),
                0u32..1_000_000_000
            ],
        ) {
            let t = DateTime::from_timestamp(seconds, nanos).unwrap();
            for fraction in [Fraction::Millis, Fraction::Auto] {
                prop_assert_eq!(text(t, fraction), chrono_text(t, fraction));
            }
        }
    }

    proptest! {
        #[test]
        fn every_time_written_in_utc_is_read_as_chrono_reads_it(
            seconds in -65_000_000_000i64..300_000_000_000,
            nanos in prop_oneof![Just(0u32), (0u32..1000).prop_map(|ms| ms * 1_000_000), 0u32..1_000_000_000],
            digits in 0u32..=9,
        ) {
            let t = DateTime::from_timestamp(seconds, nanos).unwrap();
            // With exactly `digits` fractional digits, cut off as chrono cuts finer ones.
            let fraction = match digits {
                0 => String::new(),
                _ => format!(".{:0width$}", nanos / 10u32.pow(9 - digits), width = digits as usize),
            };
            let written = format!("{}{fraction}Z", t.format("%Y-%m-%dT%H:%M:%S"));
            let chronos = DateTime::parse_from_rfc3339(&written).map(|t| t.to_utc());
            prop_assert_eq!(parse(&written), chronos);
            if (0..=9999).contains(&t.year()) {
                prop_assert!(parse_usual(written.as_bytes()).is_some(), "{} is the usual form", written);
            }
        }
    }

    /// Every character of a usual time replaced by every ASCII character and two that are not, with up to five
    /// characters cut off its end: wherever this parser reads a time, chrono reads the same.
    #[test]
    fn a_changed_time_is_read_as_chrono_reads_it_or_left_to_chrono() {
        let usual = "2026-01-04T22:45:00.957Z";
        let mut read_here = 0;
        for at in 0..usual.len() {
            for c in (0u8..0x80).map(char::from).chain(['é', '€']) {
                let mut text = usual.to_owned();
                text.replace_range(at..=at, c.encode_utf8(&mut [0; 4]));
                for cut in 0..6 {
                    let text: String = text.chars().take(usual.len() - cut).collect();
                    if let Some(t) = parse_usual(text.as_bytes()) {
                        read_here += 1;
                        assert_eq!(Ok(t), DateTime::parse_from_rfc3339(&text).map(|t| t.to_utc()), "{text}");
                    }
                }
            }
        }
        assert!(read_here > 100, "the digits' changes are read here: {read_here}");
    }

    #[test]
    fn dates_and_times_that_do_not_exist_are_not_read() {
        for text in ["2026-02-29T00:00:00Z", "2026-01-04T24:00:00Z", "2026-01-04T22:60:00Z", "2016-12-31T23:59:60Z"] {
            assert_eq!(parse_usual(text.as_bytes()), None, "{text}");
        }
        let leap = parse("2016-12-31T23:59:60.500Z").expect("chrono reads a leap second");
        assert_eq!(leap.nanosecond(), 1_500_000_000);
        assert!(parse("2026-01-04T22:45:00.Z").is_err(), "a point without digits");
        assert!(parse("2026-01-04T22:45:00.1234567890Z").is_ok(), "chrono's: ten digits");
    }

    #[test]
    fn a_string_is_parsed_borrowed_or_unescaped() {
        let parse = |json: &str| {
            let mut deserializer = serde_json::Deserializer::from_str(json);
            deserialize_str(&mut deserializer, "a word", |s| Ok::<_, String>(s.len()))
        };
        assert_eq!(parse(r#""plain""#).unwrap(), 5);
        assert_eq!(parse(r#""a\"b""#).unwrap(), 3, "escaped");
        let error = parse("12").unwrap_err().to_string();
        assert!(error.starts_with("invalid type: integer `12`, expected a word"), "{error}");
    }
}
