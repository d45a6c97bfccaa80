//! What the dashboard page shows: the data the store computes and the server functions serve, the limits of a
//! request, and the warnings a person should read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    figures::{
        format::LocalTime,
        level::Level,
        planner::CheapestWindow,
        ranking::RankedSlot,
        stats::{Bin, HourStat, Summary},
        tariff::Tariff,
        view::View,
    },
    query::status::PipelineStatus,
    records::price::PriceRecord,
};

/// The longest history one request may ask for, in hours (about eleven years).
pub const MAX_HOURS: u32 = 100_000;
/// The history shown when the URL does not say.
pub const DEFAULT_HOURS: u32 = 48;
/// Bars of the price distribution.
pub const HISTOGRAM_BINS: usize = 30;
/// Lengths of the cheapest windows looked for, in hours.
pub const CHEAPEST_HOURS: [u32; 3] = [1, 2, 3];
/// Most points of a series the server sends for a chart; a longer window is down-sampled
/// ([`crate::figures::stats::downsample`]). A chart a few thousand pixels wide shows no more.
pub const CHART_POINTS: usize = 2000;
/// How many slots the recent-data table lists.
pub const RECENT_ROWS: usize = 20;
/// Local hour after which tomorrow's prices are expected (Nord Pool publishes around 13:00 CET).
pub const TOMORROW_EXPECTED_HOUR: u32 = 14;

/// Everything the page shows, computed in one pass over one state of the log so that the numbers agree, in
/// parts that match the page's: the cards, the charts, the recent table, the cheapest hours, the log's facts,
/// the warnings, the pipeline and the planner. One answer rather than one per part: the page refreshes them
/// together every 10 s, and one request then costs one read of the log and one round trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub now: DateTime<Utc>,
    /// The display time zone over the times shown, for the page to read them in.
    pub zone: LocalTime,
    /// How the prices are shown: every figure is in this view.
    pub view: View,
    /// The fees the totals include, for the page to take a total apart.
    pub tariff: Tariff,
    /// Hours of history shown before the latest data (or now, if that is earlier).
    pub hours: u32,
    /// Hours of history there are, for the slider's upper end.
    pub available_hours: u32,
    pub cards: Cards,
    pub charts: Charts,
    /// The [`RECENT_ROWS`] slots up to the current one (or the window's last, when they are all past), newest
    /// first, with their standing.
    pub recent: Vec<RankedSlot>,
    /// The cheapest 1, 2 and 3 hours ahead ([`CHEAPEST_HOURS`]).
    pub cheapest: Vec<CheapestWindow>,
    pub log: LogFacts,
    pub warnings: Vec<Warning>,
    pub pipeline: Option<PipelineStatus>,
    /// The planner's answer, when the URL asks it something.
    pub plan: Option<crate::figures::planner::Answer>,
}

/// The stat cards: the price of now and its level, the window's figures, today's and tomorrow's average.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cards {
    pub current: Option<PriceRecord>,
    /// The current slot's level.
    pub current_level: Option<Level>,
    pub summary: Option<Summary>,
    pub today_average: Option<f64>,
    pub tomorrow_average: Option<f64>,
}

/// The window's three charts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Charts {
    /// The trend chart: the latest price of each slot in the window with its level, oldest first, known future
    /// slots included; down-sampled to at most [`CHART_POINTS`] (each run's cheapest and dearest slot) when the
    /// window has more.
    pub trend: Vec<TrendPoint>,
    /// Slots in the window, all of which the figures are computed on.
    pub window_slots: usize,
    pub hourly: Vec<HourStat>,
    pub histogram: Vec<Bin>,
}

/// What the log holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogFacts {
    /// Rows in the CSV log (every revision).
    pub total_records: u64,
    /// Distinct slots known.
    pub total_slots: usize,
    pub last_received: Option<DateTime<Utc>>,
}

/// One point of the trend chart: when its slot starts, its price as shown, and its level. A triple on the wire,
/// to keep long windows small.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint(pub DateTime<Utc>, pub f64, pub Level);

impl DashboardData {
    /// The window's average price, the trend chart's dashed line; 0 without slots.
    pub fn average(&self) -> f64 {
        self.cards.summary.as_ref().map_or(0.0, |s| s.average)
    }
}

/// Something about the data a person should know; the page words it in the display time zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Warning {
    /// The known prices end before now.
    PricesEnd { at: DateTime<Utc> },
    /// Nothing has arrived for longer than a day's publishing cycle.
    NothingReceived { hours: i64, last: DateTime<Utc> },
    /// After [`TOMORROW_EXPECTED_HOUR`] local time, tomorrow is still unknown.
    TomorrowMissing,
    /// Lines of the CSV log that are not price records (edited by hand, say): how many, and the first numbers.
    LinesSkipped { count: u64, lines: Vec<u64> },
    /// A day of the display zone (today or tomorrow) has prices, but not for every quarter: how many of its
    /// quarters have none, of how many, and the spans without.
    SlotsMissing { date: chrono::NaiveDate, missing: u32, of: u32, spans: Vec<(DateTime<Utc>, DateTime<Utc>)> },
    /// The price of now is a sample price ([`crate::records::price::SAMPLE_SOURCE`]): the source could not be reached.
    SampleData,
}

/// Reads a requested history length: a whole number of hours from 1 to [`MAX_HOURS`].
pub fn parse_hours(text: &str) -> Result<u32, HoursError> {
    text.trim().parse::<u32>().ok().filter(|hours| (1..=MAX_HOURS).contains(hours)).ok_or(HoursError)
}

/// A history length that is not a whole number of hours from 1 to [`MAX_HOURS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("hours must be a whole number from 1 to {MAX_HOURS}")]
pub struct HoursError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_outside_1_to_max_or_not_numbers_are_refused_with_the_allowed_range() {
        assert_eq!(parse_hours("1"), Ok(1));
        assert_eq!(parse_hours(" 48 "), Ok(48));
        assert_eq!(parse_hours("100000"), Ok(MAX_HOURS));
        for bad in ["0", "100001", "-3", "abc", "", "1.5"] {
            assert_eq!(parse_hours(bad), Err(HoursError), "{bad:?}");
        }
        assert_eq!(HoursError.to_string(), "hours must be a whole number from 1 to 100000");
    }
}
