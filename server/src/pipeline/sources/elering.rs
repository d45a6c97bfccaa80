//! Elering's Nord Pool price API, `https://dashboard.elering.ee/api/nps/price?start=…&end=…`:
//! `{"success":true,"data":{"fi":[{"timestamp":1767394800,"price":83.17}],"ee":[…],"lv":[…],"lt":[…]}}`, each
//! slot by its start in Unix seconds, prices in €/MWh without VAT; Finland's are `fi`. The fetcher asks from
//! yesterday to the day after tomorrow when the URL gives no `start` ([`super::super::fetch`]). Documented at
//! <https://dashboard.elering.ee/assets/api-doc.html#/nps-controller/getPriceUsingGET>; quarter hours since
//! the delivery day of 1 October 2025.

use chrono::DateTime;
use serde_json::Value;

use super::{Format, Read, canonical, number, read_starts};

pub struct Elering;

impl Format for Elering {
    fn name(&self) -> &'static str {
        "Elering"
    }

    fn recognises(&self, answer: &Value) -> bool {
        answer.get("data").and_then(|d| d.get("fi")).is_some_and(Value::is_array)
    }

    fn slots(&self, answer: &Value) -> Read {
        let entries = answer["data"]["fi"].as_array().map(Vec::as_slice).unwrap_or_default();
        read_starts(entries, |entry| {
            let start = entry.get("timestamp").and_then(Value::as_i64).and_then(|s| DateTime::from_timestamp(s, 0));
            let start = start.ok_or_else(|| "no timestamp in Unix seconds".to_owned())?;
            Ok((start, canonical(number(entry, "price")?, start)))
        })
    }
}
