//! spot-hinta.fi, `https://api.spot-hinta.fi/TodayAndDayForward?priceResolution=15`: an array of
//! `{"Rank":1,"DateTime":"2025-10-01T00:00:00+03:00","PriceNoTax":0.0123,"PriceWithTax":0.0154}`, prices in
//! €/kWh, each slot by its start in Finnish local time with its offset (quarter hours with
//! `priceResolution=15`, hours without). The price without tax is the exchange's price to the cent per MWh,
//! so it goes through the one conversion ([`super::canonical`]); `PriceWithTax` is read only when it is alone,
//! and a negative one has its VAT taken off again (spot-hinta.fi adds VAT to negative prices, porssisahko.net
//! does not). Documented at <https://api.spot-hinta.fi/swagger/ui>; python-spothinta-api's fixtures show the
//! same shape (`PriceNoTax` −0.00003 with `PriceWithTax` −0.00004).

use chrono::DateTime;
use serde_json::Value;

use chrono::Utc;

use super::{Format, Read, canonical, number, read_starts, round3, vat};

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
            let price = match entry.get("PriceNoTax").filter(|v| !v.is_null()) {
                Some(_) => canonical(number(entry, "PriceNoTax")? * 1000.0, start),
                None => without_vat_if_negative(number(entry, "PriceWithTax")? * 100.0, start),
            };
            Ok((start, price))
        })
    }
}

/// A price with VAT in c/kWh as porssisahko.net shows it: a negative one without its VAT.
fn without_vat_if_negative(cents: f64, start: chrono::DateTime<Utc>) -> f64 {
    round3(if cents < 0.0 { cents / (1.0 + vat(start)) } else { cents })
}
