//! Server functions: what the browser may ask the server for. Every parameter is checked on the server; a bad
//! one is answered with status 400 and a sentence saying what is allowed.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    price::PriceRecord,
    stats::{Bin, CheapestWindow, HourStat, Summary},
    status::PipelineStatus,
};

/// The longest history one request may ask for, in hours (about eleven years).
pub const MAX_HOURS: u32 = 100_000;
/// The history shown when the URL does not say.
pub const DEFAULT_HOURS: u32 = 48;
/// Bars of the price distribution.
pub const HISTOGRAM_BINS: usize = 30;
/// Lengths of the cheapest windows looked for, in hours.
pub const CHEAPEST_HOURS: [u32; 3] = [1, 2, 3];

/// Everything the page shows, computed in one pass over the window so the numbers agree with each other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub now: DateTime<Utc>,
    /// IANA name of the display time zone.
    pub tz: String,
    /// Hours of history shown before the latest data (or now, if that is earlier).
    pub hours: u32,
    /// Hours of history there are, for the slider's upper end.
    pub available_hours: u32,
    /// Latest revision of each slot in the window, oldest first; known future slots included.
    pub slots: Vec<PriceRecord>,
    pub summary: Option<Summary>,
    pub current: Option<PriceRecord>,
    pub today_average: Option<f64>,
    pub tomorrow_average: Option<f64>,
    pub hourly: Vec<HourStat>,
    pub histogram: Vec<Bin>,
    pub cheapest: Vec<CheapestWindow>,
    /// Rows in the CSV log (every revision).
    pub total_records: u64,
    /// Distinct slots known.
    pub total_slots: usize,
    pub last_received: Option<DateTime<Utc>>,
    /// Staleness and other things a person should know, in plain words.
    pub warnings: Vec<String>,
    pub pipeline: Option<PipelineStatus>,
}

/// Reads a requested history length: a whole number of hours from 1 to [`MAX_HOURS`].
pub fn parse_hours(text: &str) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|hours| (1..=MAX_HOURS).contains(hours))
        .ok_or_else(|| format!("hours must be a whole number from 1 to {MAX_HOURS}, not {text:?}"))
}

#[cfg(feature = "ssr")]
mod server {
    use std::sync::Arc;

    use leptos::prelude::*;

    use crate::store::{DisplayTz, PriceStore};

    pub fn store() -> Result<Arc<PriceStore>, ServerFnError> {
        use_context::<Arc<PriceStore>>().ok_or_else(|| ServerFnError::new("the price store is not configured"))
    }

    pub fn tz() -> chrono_tz::Tz {
        use_context::<DisplayTz>().map(|t| t.0).unwrap_or(chrono_tz::Europe::Helsinki)
    }

    /// A bad parameter: status 400 and the reason.
    pub fn bad_request(why: String) -> ServerFnError {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::BAD_REQUEST);
        }
        ServerFnError::new(why)
    }

    pub fn internal(e: impl std::fmt::Display) -> ServerFnError {
        tracing::error!("reading the price log: {e}");
        ServerFnError::new(format!("reading the price log failed: {e}"))
    }
}

/// Everything the dashboard shows for the last `hours` hours of history (a whole number, 1 to [`MAX_HOURS`]).
#[server(endpoint = "dashboard")]
pub async fn dashboard(hours: String) -> Result<DashboardData, ServerFnError> {
    let hours = parse_hours(&hours).map_err(server::bad_request)?;
    let status = use_context::<crate::status::StatusSource>().map(|source| source());
    server::store()?.dashboard(Utc::now(), server::tz(), hours, status).map_err(server::internal)
}

/// The latest revision of each slot of the last `hours` hours of history, and the known future.
#[server(endpoint = "price_history")]
pub async fn price_history(hours: String) -> Result<Vec<PriceRecord>, ServerFnError> {
    let hours = parse_hours(&hours).map_err(server::bad_request)?;
    server::store()?.window(Utc::now(), hours).map(|w| w.slots).map_err(server::internal)
}

/// Average, lowest and highest price per hour of the day (display time zone) over the last `hours` hours.
#[server(endpoint = "hourly_stats")]
pub async fn hourly_stats(hours: String) -> Result<Vec<HourStat>, ServerFnError> {
    let hours = parse_hours(&hours).map_err(server::bad_request)?;
    let window = server::store()?.window(Utc::now(), hours).map_err(server::internal)?;
    Ok(crate::stats::hourly_stats(&window.slots, server::tz()))
}

/// Count, average, median, standard deviation, lowest and highest price over the last `hours` hours.
#[server(endpoint = "price_summary")]
pub async fn price_summary(hours: String) -> Result<Option<Summary>, ServerFnError> {
    let hours = parse_hours(&hours).map_err(server::bad_request)?;
    let window = server::store()?.window(Utc::now(), hours).map_err(server::internal)?;
    Ok(Summary::of(&window.slots))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_outside_1_to_max_or_not_numbers_are_refused_with_the_allowed_range() {
        assert_eq!(parse_hours("1"), Ok(1));
        assert_eq!(parse_hours("100000"), Ok(MAX_HOURS));
        for bad in ["0", "100001", "-3", "abc", "", "1.5"] {
            let err = parse_hours(bad).unwrap_err();
            assert!(err.contains("from 1 to 100000") && err.contains(&format!("{bad:?}")), "{err}");
        }
    }
}
