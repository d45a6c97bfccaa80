//! The one price record of the system: the value of a Kafka message, a row of the CSV, a point on a chart.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::records::rfc3339::{self, Fraction};

/// What every record this system makes says in its `source` field.
pub const SOURCE: &str = "electricity-price-monitor";

/// What the records of the shipped sample say instead, when it stands in for prices that could not be fetched
/// (`price-monitor sample`): the page then says that it shows sample data.
pub const SAMPLE_SOURCE: &str = "electricity-price-monitor/sample";

/// The price of one slot (15 minutes or an hour) in c/kWh incl. VAT, as it was known at `timestamp`.
///
/// The JSON field names follow porssisahko.net (`startDate`, `endDate`), and so does their form: written with
/// milliseconds (`2026-01-04T22:45:00.000Z`) as the price file and the original pipeline's CSV have them, since
/// other programs compare these strings; read with or without. `timestamp` is when the producer read the price
/// from the price file; the CSV calls that column `received_timestamp`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceRecord {
    #[serde(
        rename = "timestamp",
        alias = "received_timestamp",
        serialize_with = "received_time_text",
        deserialize_with = "received_time"
    )]
    pub timestamp: DateTime<Utc>,
    pub price: f64,
    #[serde(rename = "startDate", with = "slot_time")]
    pub start_date: DateTime<Utc>,
    #[serde(rename = "endDate", with = "slot_time")]
    pub end_date: DateTime<Utc>,
    /// Who made the record: [`SOURCE`], or [`SAMPLE_SOURCE`] for sample prices. Sharing those strings keeps a
    /// million records in memory from holding a million copies of them.
    #[serde(deserialize_with = "shared_source")]
    pub source: Cow<'static, str>,
}

impl PriceRecord {
    /// A record of this system, stamped `timestamp`.
    pub fn new(timestamp: DateTime<Utc>, price: f64, start_date: DateTime<Utc>, end_date: DateTime<Utc>) -> Self {
        Self { timestamp, price, start_date, end_date, source: Cow::Borrowed(SOURCE) }
    }

    /// Whether the record is a sample price standing in for real ones.
    pub fn is_sample(&self) -> bool {
        self.source == SAMPLE_SOURCE
    }

    /// Checks what every record must be, wherever it came from (a price file, a Kafka message): a finite price
    /// and a slot that starts before it ends.
    pub fn validate(&self) -> Result<(), InvalidRecord> {
        if !self.price.is_finite() {
            return Err(InvalidRecord::PriceNotFinite);
        }
        if self.start_date >= self.end_date {
            return Err(InvalidRecord::StartNotBeforeEnd);
        }
        Ok(())
    }

    /// Whether two records say the same thing about a slot, whenever they were made.
    pub fn same_price(&self, other: &Self) -> bool {
        self.start_date == other.start_date && self.end_date == other.end_date && self.price == other.price
    }

    /// The first instant after the slot. porssisahko.net v2 ends a slot at `…:14:59.999`, v1 at the next hour:
    /// both mean the slot lasts until the next one starts.
    pub fn slot_end(&self) -> DateTime<Utc> {
        use chrono::Timelike;
        if self.end_date.nanosecond() == 999_000_000 {
            self.end_date + chrono::Duration::milliseconds(1)
        } else {
            self.end_date
        }
    }

    /// Whether the slot's price applies at `t`.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start_date <= t && t < self.slot_end()
    }
}

/// Why a record cannot be a price of this system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRecord {
    #[error("the price is not a finite number")]
    PriceNotFinite,
    #[error("startDate is not before endDate")]
    StartNotBeforeEnd,
}

/// A slot's start or end as porssisahko.net writes it: RFC 3339 in UTC with milliseconds.
pub fn slot_time_text(t: DateTime<Utc>) -> String {
    rfc3339::text(t, Fraction::Millis)
}

mod slot_time {
    use chrono::{DateTime, Utc};
    use serde::{Deserializer, Serializer};

    use crate::records::rfc3339::{self, Fraction};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        rfc3339::serialize(*t, Fraction::Millis, serializer)
    }

    /// Any RFC 3339 time: with or without fractional seconds, in any offset. The RFC 3339 parser first: it
    /// reads the usual form several times faster than chrono's relaxed one, which still reads what it alone takes.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
        rfc3339::deserialize_str(deserializer, "an RFC 3339 time", |text| {
            rfc3339::parse(text).or_else(|_| text.parse::<DateTime<Utc>>()).map_err(|e| e.to_string())
        })
    }
}

/// As chrono's own `Serialize` writes it: RFC 3339 in UTC with as many fractional digits as it has.
fn received_time_text<S: serde::Serializer>(t: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    rfc3339::serialize(*t, Fraction::Auto, serializer)
}

/// RFC 3339, or the original pipeline's zone-less `2026-01-04T13:17:33.957675`, which it wrote in UTC.
fn received_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    rfc3339::deserialize_str(deserializer, "a time", |text| {
        rfc3339::parse(text)
            .or_else(|_| text.parse::<chrono::NaiveDateTime>().map(|t| t.and_utc()))
            .map_err(|e| format!("{text:?} is not a time: {e}"))
    })
}

/// This system's sources as the shared strings, without a copy; another source as its own.
fn shared_source<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cow<'static, str>, D::Error> {
    rfc3339::deserialize_str(deserializer, "a source", |source| {
        Ok(match source {
            SOURCE => Cow::Borrowed(SOURCE),
            SAMPLE_SOURCE => Cow::Borrowed(SAMPLE_SOURCE),
            _ => Cow::Owned(source.to_owned()),
        })
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_received_time_is_written_as_chronos_own_serialize_writes_it() {
        let second = Utc.with_ymd_and_hms(2026, 1, 4, 13, 17, 33).unwrap();
        for nanos in [0, 957_000_000, 957_675_000, 957_675_123, 1_000] {
            let t = second + chrono::Duration::nanoseconds(nanos);
            let record = PriceRecord::new(t, 1.0, second, second + chrono::Duration::minutes(15));
            let json = serde_json::to_value(&record).unwrap();
            assert_eq!(json["timestamp"], serde_json::to_value(t).unwrap(), "{nanos} ns");
            assert_eq!(serde_json::from_value::<PriceRecord>(json).unwrap().timestamp, t);
        }
    }

    #[test]
    fn a_slot_time_that_is_not_a_time_is_refused_with_chronos_reason() {
        let json = r#"{"timestamp":"2026-01-04T13:17:33Z","price":1.0,"startDate":"soon","endDate":"2026-01-04T22:59:59.999Z","source":"x"}"#;
        let error = serde_json::from_str::<PriceRecord>(json).unwrap_err().to_string();
        assert!(error.starts_with("input contains invalid characters"), "{error}");
        let relaxed_time = "2026-01-04T22:45:00 +00:00";
        assert!(DateTime::parse_from_rfc3339(relaxed_time).is_err(), "not RFC 3339 itself");
        let relaxed = json.replace("soon", relaxed_time);
        assert!(serde_json::from_str::<PriceRecord>(&relaxed).is_ok(), "the relaxed form is still read");
    }

    #[test]
    fn slot_times_are_written_with_milliseconds_and_read_with_or_without() {
        let start = Utc.with_ymd_and_hms(2026, 1, 4, 22, 45, 0).unwrap();
        let end = start + chrono::Duration::milliseconds(15 * 60_000 - 1);
        let received = Utc.with_ymd_and_hms(2026, 1, 4, 13, 17, 33).unwrap();
        let record = PriceRecord::new(received, 10.438, start, end);
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(
            json,
            r#"{"timestamp":"2026-01-04T13:17:33Z","price":10.438,"startDate":"2026-01-04T22:45:00.000Z","endDate":"2026-01-04T22:59:59.999Z","source":"electricity-price-monitor"}"#
        );
        assert_eq!(serde_json::from_str::<PriceRecord>(&json).unwrap(), record);
        let without_millis = json.replace("22:45:00.000Z", "22:45:00Z");
        assert_eq!(serde_json::from_str::<PriceRecord>(&without_millis).unwrap(), record);
        let other_offset = json.replace("2026-01-04T22:45:00.000Z", "2026-01-05T00:45:00+02:00");
        assert_eq!(serde_json::from_str::<PriceRecord>(&other_offset).unwrap(), record);
    }
}
