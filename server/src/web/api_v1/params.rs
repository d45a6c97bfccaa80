//! The query parameters of `/api/v1`, read and checked: each mistake gets a 400 and a sentence.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use app::figures::{
    planner,
    view::{PriceBasis, Resolution},
};

/// The longest span one request may cover.
pub const MAX_SPAN_DAYS: i64 = 400;

/// A request that cannot be answered as asked; the text is the sentence sent back.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

fn bad(text: impl Into<String>) -> BadRequest {
    BadRequest(text.into())
}

/// `?from=&to=&resolution=`
#[derive(Debug, Deserialize, IntoParams)]
pub struct PricesQuery {
    /// Start: an RFC 3339 time or a date (midnight in the display zone). Default: today's midnight.
    pub from: Option<String>,
    /// End (exclusive), as `from`. Default: two days after `from`.
    pub to: Option<String>,
    pub resolution: Option<Resolution>,
}

/// `?duration=&from=&until=`
#[derive(Debug, Deserialize, IntoParams)]
pub struct CheapestQuery {
    /// Length of the run: minutes in 15-minute steps from 15 to 720, written `90`, `90m`, `1h30m` or `2h`.
    pub duration: String,
    /// Earliest start, as `from` of `/prices`. Default: now (the current quarter counts).
    pub from: Option<String>,
    /// The run must be done by then. Default: three days after `from`.
    pub until: Option<String>,
    /// Also list this many cheapest single quarters in the same span (0–96).
    pub count: Option<usize>,
    /// Energy the run uses, kWh, for its cost in euros.
    pub kwh: Option<f64>,
    /// Or the appliance's power, kW: the energy is this × the run's hours.
    pub kw: Option<f64>,
    /// Which price the run is ranked by. Default: total.
    pub price: Option<PriceBasis>,
}

/// `?duration=&price=`
#[derive(Debug, Deserialize, IntoParams)]
pub struct CalendarQuery {
    /// Length of each day's cheapest run, as `duration` of `/cheapest`. Default: 2h.
    pub duration: Option<String>,
    /// Which price the runs are ranked by. Default: total.
    pub price: Option<PriceBasis>,
}

/// `?from=&to=` in dates.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DailyQuery {
    /// First day, `YYYY-MM-DD` in the display zone. Default: 30 days before `to`.
    pub from: Option<String>,
    /// Last day, included. Default: tomorrow.
    pub to: Option<String>,
}

/// `?from=&to=&fixed=` in dates, for the metered energy and its cost.
#[derive(Debug, Deserialize, IntoParams)]
pub struct EnergyQuery {
    /// First day, `YYYY-MM-DD` in the display zone. Default: the first day with metered energy.
    pub from: Option<String>,
    /// Last day, included. Default: the last day with metered energy.
    pub to: Option<String>,
    /// For `/cost`: a fixed price to compare with, c/kWh with VAT. Default: `--fixed-price`, if set.
    pub fixed: Option<f64>,
}

/// A time given as RFC 3339 or as a date, whose midnight `midnight` gives.
pub fn time(
    name: &str,
    text: &str,
    midnight: impl Fn(NaiveDate) -> DateTime<Utc>,
) -> Result<DateTime<Utc>, BadRequest> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    date(name, text).map(midnight)
}

/// A `YYYY-MM-DD` date.
pub fn date(name: &str, text: &str) -> Result<NaiveDate, BadRequest> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        let given = crate::log_text::clipped_to(text, crate::log_text::IN_ANSWERS);
        bad(format!("{name} must be a date like 2026-01-15 or a time like 2026-01-15T12:00:00Z, not {given:?}"))
    })
}

/// `from < to`, and not more than [`MAX_SPAN_DAYS`] apart.
pub fn span(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), BadRequest> {
    if from >= to {
        return Err(bad("from must be before to"));
    }
    if to - from > Duration::days(MAX_SPAN_DAYS) {
        return Err(bad(format!("from and to may be at most {MAX_SPAN_DAYS} days apart")));
    }
    Ok(())
}

/// A run's length in quarters (see [`planner::parse_duration`]).
pub fn duration(text: &str) -> Result<u32, BadRequest> {
    planner::parse_duration(text).map_err(|e| bad(e.to_string()))
}

/// How many single quarters to list.
pub fn count(count: Option<usize>) -> Result<usize, BadRequest> {
    planner::check_count(count).map_err(|e| bad(e.to_string()))
}

/// Energy in kWh, given or as power × the run's `quarters`.
pub fn energy(kwh: Option<f64>, kw: Option<f64>, quarters: u32) -> Result<Option<f64>, BadRequest> {
    planner::energy(kwh, kw, quarters).map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc_3339_or_dates_at_local_midnight() {
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap().and_utc() - Duration::hours(2);
        assert_eq!(
            time("from", "2026-01-15T12:00:00+02:00", midnight).unwrap().to_rfc3339(),
            "2026-01-15T10:00:00+00:00"
        );
        assert_eq!(time("from", "2026-01-15", midnight).unwrap().to_rfc3339(), "2026-01-14T22:00:00+00:00");
        let why = time("from", "yesterday", midnight).unwrap_err().to_string();
        assert!(why.starts_with("from must be a date"), "{why}");
        assert!(
            span(midnight(date("to", "2026-01-15").unwrap()), midnight(date("from", "2026-01-14").unwrap())).is_err()
        );
        let year = Duration::days(MAX_SPAN_DAYS + 1);
        assert!(span(Utc::now(), Utc::now() + year).unwrap_err().to_string().contains("at most"));
        assert!(
            count(Some(97)).is_err()
                && energy(Some(f64::NAN), None, 4).is_err()
                && energy(None, Some(-1.0), 4).is_err()
        );
    }
}
