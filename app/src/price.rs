//! The one price record of the system: the value of a Kafka message, a row of the CSV, a point on a chart.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// What every record this system makes says in its `source` field.
pub const SOURCE: &str = "electricity-price-monitor";

/// The price of one slot (15 minutes or an hour) in c/kWh incl. VAT, as it was known at `timestamp`.
///
/// The JSON field names follow porssisahko.net (`startDate`, `endDate`). In a Kafka message `timestamp` is
/// when the producer sent it; in the CSV the column is `received_timestamp`, when the consumer wrote it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceRecord {
    #[serde(rename = "timestamp", alias = "received_timestamp")]
    pub timestamp: DateTime<Utc>,
    pub price: f64,
    #[serde(rename = "startDate")]
    pub start_date: DateTime<Utc>,
    #[serde(rename = "endDate")]
    pub end_date: DateTime<Utc>,
    /// Who made the record. Ours all say [`SOURCE`]; sharing that one string keeps a million records in memory
    /// from holding a million copies of it.
    #[serde(deserialize_with = "shared_source")]
    pub source: Cow<'static, str>,
}

impl PriceRecord {
    /// A record of this system, stamped `timestamp`.
    pub fn new(timestamp: DateTime<Utc>, price: f64, start_date: DateTime<Utc>, end_date: DateTime<Utc>) -> Self {
        Self { timestamp, price, start_date, end_date, source: Cow::Borrowed(SOURCE) }
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

fn shared_source<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cow<'static, str>, D::Error> {
    let source = <Cow<'de, str>>::deserialize(deserializer)?;
    Ok(if source == SOURCE { Cow::Borrowed(SOURCE) } else { Cow::Owned(source.into_owned()) })
}
