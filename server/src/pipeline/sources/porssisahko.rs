//! porssisahko.net, `https://api.porssisahko.net/v2/latest-prices.json` (quarter hours) or `/v1/…` (hours):
//! `{"prices":[{"price":10.438,"startDate":"2026-01-02T23:00:00.000Z","endDate":"2026-01-02T23:14:59.999Z"}]}`,
//! in c/kWh with VAT, three decimals; v2's slots end a millisecond before the next, v1's on the next hour. The
//! pipeline's own price file has the same shape, and one parser reads both (`price_file`). Documented at
//! <https://porssisahko.net/api>.

use serde_json::Value;

use super::{Format, Read, Slot};
use crate::pipeline::price_file;

pub struct Porssisahko;

impl Format for Porssisahko {
    fn name(&self) -> &'static str {
        "porssisahko.net"
    }

    fn recognises(&self, answer: &Value) -> bool {
        answer.get("prices").is_some_and(Value::is_array)
    }

    fn slots(&self, answer: &Value) -> Read {
        match price_file::from_value(answer.clone(), chrono::Utc::now()) {
            Ok(file) => Read {
                slots: file
                    .records
                    .iter()
                    .map(|r| Slot { start: r.start_date, end: r.slot_end(), price: r.price })
                    .collect(),
                skipped: file.skipped,
            },
            Err(e) => Read { slots: Vec::new(), skipped: vec![e.to_string()] },
        }
    }
}
