//! spot-hinta.fi, `https://api.spot-hinta.fi/TodayAndDayForward?priceResolution=15`: an array of
//! `{"Rank":1,"DateTime":"2025-10-01T00:00:00+03:00","PriceNoTax":0.0123,"PriceWithTax":0.0154}`, prices in
//! €/kWh, each slot by its start in Finnish local time with its offset (quarter hours with
//! `priceResolution=15`, hours without). The price without tax is the exchange's price to the cent per MWh,
//! so it goes through the one conversion ([`super::canonical`]); `PriceWithTax` is read only when it is alone.

use chrono::DateTime;
use serde_json::Value;

use super::{Format, Read, canonical, number, read_starts, round3};

pub struct SpotHinta;

impl Format for SpotHinta {
    fn name(&self) -> &'static str {
        "spot-hinta.fi"
    }

    fn recognises(&self, answer: &Value) -> bool {
        answer.as_array().and_then(|a| a.first()).is_some_and(|first| {
            first.get("DateTime").is_some()
                && (first.get("PriceNoTax").is_some() || first.get("PriceWithTax").is_some())
        })
    }

    fn slots(&self, answer: &Value) -> Read {
        let entries = answer.as_array().map(Vec::as_slice).unwrap_or_default();
        read_starts(entries, |entry| {
            let text = entry.get("DateTime").and_then(Value::as_str).unwrap_or_default();
            let start = DateTime::parse_from_rfc3339(text)
                .map_err(|_| "no DateTime like 2025-10-01T00:00:00+03:00".to_owned())?
                .to_utc();
            let price = match entry.get("PriceNoTax") {
                Some(_) => canonical(number(entry, "PriceNoTax")? * 1000.0, start),
                None => round3(number(entry, "PriceWithTax")? * 100.0),
            };
            Ok((start, price))
        })
    }
}
