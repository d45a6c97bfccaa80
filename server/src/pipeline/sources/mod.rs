//! The price sources' answers, each format behind [`Format`]: how an answer is recognised, and its slots in the
//! pipeline's one unit, c/kWh with VAT rounded to three decimals as porssisahko.net gives them ([`canonical`]).
//! The format is read from the answer, not from the URL, so a source at any address works.
//!
//! - `porssisahko`: porssisahko.net v2 (quarter hours) and v1 (hours), already in the pipeline's unit;
//! - `spot_hinta`: spot-hinta.fi's `TodayAndDayForward`, in €/kWh;
//! - `elering`: Elering's Nord Pool price API, in €/MWh without VAT.

use app::figures::format::DisplayZone;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Value;

use crate::log_text::clipped;

mod elering;
mod porssisahko;
mod spot_hinta;

/// One priced slot of an answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slot {
    pub start: DateTime<Utc>,
    /// The first instant after the slot.
    pub end: DateTime<Utc>,
    /// c/kWh with VAT, three decimals.
    pub price: f64,
}

/// One source format.
pub trait Format: Sync {
    /// Its name in logs, metrics and the price file.
    fn name(&self) -> &'static str;
    /// Whether `answer` has this format's shape.
    fn recognises(&self, answer: &Value) -> bool;
    /// The slots of an answer it recognises, and why each entry that could not be read was skipped.
    fn slots(&self, answer: &Value) -> Read;
}

/// What an answer holds.
#[derive(Debug, Default)]
pub struct Read {
    pub slots: Vec<Slot>,
    pub skipped: Vec<String>,
}

const FORMATS: [&dyn Format; 3] = [&porssisahko::Porssisahko, &spot_hinta::SpotHinta, &elering::Elering];

/// An answer's format and its slots in time order; an error says why it is not a price answer.
pub fn read(body: &[u8]) -> Result<(&'static str, Read), String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let answer: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let format = FORMATS.iter().find(|f| f.recognises(&answer)).ok_or_else(|| {
        "not a format the monitor reads (porssisahko.net v1 or v2, spot-hinta.fi or Elering)".to_owned()
    })?;
    let mut read = format.slots(&answer);
    // A price too large for its unit (×1000, ×1.255) is no price.
    let (finite, infinite): (Vec<Slot>, Vec<Slot>) = read.slots.into_iter().partition(|s| s.price.is_finite());
    read.skipped
        .extend(infinite.iter().map(|s| format!("the slot from {} has a price out of range", s.start.to_rfc3339())));
    read.slots = finite;
    read.slots.sort_by_key(|s| s.start);
    if read.slots.windows(2).any(|w| w[1].start < w[0].end) {
        return Err("it lists overlapping slots".to_owned());
    }
    if read.slots.is_empty() {
        return Err("it lists no valid prices".to_owned());
    }
    Ok((format.name(), read))
}

/// Finnish VAT on electricity at `at`: 24 %, 10 % from December 2022 to April 2023, 24 % again, 25.5 % from
/// September 2024 (each from Helsinki's midnight).
pub(super) fn vat(at: DateTime<Utc>) -> f64 {
    let from = |y, m| DisplayZone::default().midnight(NaiveDate::from_ymd_opt(y, m, 1).expect("a date"));
    if at >= from(2024, 9) {
        0.255
    } else if at >= from(2023, 5) {
        0.24
    } else if at >= from(2022, 12) {
        0.10
    } else {
        0.24
    }
}

/// A price in €/MWh without VAT as porssisahko.net shows it: c/kWh, VAT added to a positive price only, rounded
/// half away from zero to three decimals.
///
/// Negative prices: the Finnish Tax Administration charges no VAT on what a consumer is paid for a negative
/// price, and porssisahko.net shows them without it. Its published files show the −500 €/MWh hour of
/// 24 November 2023 (15–16 Helsinki time) as −50.0 c/kWh, where 24 % VAT would have made it −62.0 (a test
/// checks that hour). spot-hinta.fi does add VAT to negative prices (see `spot_hinta`). The formats:
/// porssisahko.net's <https://porssisahko.net/api>, spot-hinta.fi's <https://api.spot-hinta.fi/swagger/ui>,
/// Elering's <https://dashboard.elering.ee/assets/api-doc.html#/nps-controller/getPriceUsingGET>.
pub fn canonical(eur_per_mwh: f64, start: DateTime<Utc>) -> f64 {
    let cents = eur_per_mwh / 10.0;
    let with_vat = if cents > 0.0 { cents * (1.0 + vat(start)) } else { cents };
    round3(with_vat)
}

/// Three decimals, half away from zero; a tiny offset first, so that a product like 8.2 × 1.255 = 10.290999…
/// in binary rounds as its decimal value does.
pub fn round3(x: f64) -> f64 {
    let scaled = x * 1000.0;
    (scaled + scaled.signum() * 1e-6).round() / 1000.0
}

/// An entry's field that must be a number.
fn number(entry: &Value, field: &str) -> Result<f64, String> {
    entry.get(field).and_then(Value::as_f64).filter(|n| n.is_finite()).ok_or_else(|| format!("no number {field}"))
}

/// Reads each entry with `entry`: a slot's start and price, or why not.
fn read_starts(entries: &[Value], entry: impl Fn(&Value) -> Result<(DateTime<Utc>, f64), String>) -> Read {
    let mut priced = Vec::with_capacity(entries.len());
    let mut skipped = Vec::new();
    for (i, value) in entries.iter().enumerate() {
        match entry(value) {
            Ok(slot) => priced.push(slot),
            Err(why) => skipped.push(format!("entry {i} {}: {why}", clipped(&value.to_string()))),
        }
    }
    Read { slots: from_starts(priced), skipped }
}

/// Slots given by their starts only: each as long as the shortest gap between two starts (15 minutes or an
/// hour; an hour if there is one slot), so that a missing slot stays missing.
fn from_starts(mut priced: Vec<(DateTime<Utc>, f64)>) -> Vec<Slot> {
    priced.sort_by_key(|(start, _)| *start);
    let step = priced.windows(2).map(|w| w[1].0 - w[0].0).filter(|d| *d > Duration::zero()).min();
    let step = step.unwrap_or(Duration::hours(1)).min(Duration::hours(1));
    priced.iter().map(|&(start, price)| Slot { start, end: start + step, price }).collect()
}

#[cfg(test)]
mod tests;
