//! The window's questions: the slots of the last N hours of history and the known future (the CSV download),
//! and everything the dashboard shows of them, computed in one pass so that the numbers agree.

use chrono::{DateTime, Duration, Utc};

use crate::{
    figures::{
        format::DisplayZone,
        level::{self, Level},
        planner::{self, Quarters},
        ranking::RankedSlot,
        stats::{self, Point, Summary},
        view::Shown,
    },
    query::{
        dashboard::{
            CHART_POINTS, CHEAPEST_HOURS, Cards, Charts, DashboardData, HISTOGRAM_BINS, LogFacts, RECENT_ROWS,
            TOMORROW_EXPECTED_HOUR, TrendPoint, Warning,
        },
        ranked,
        status::PipelineStatus,
    },
    records::{csv_log::CsvTail, price::PriceRecord},
};

/// No price has arrived for this long: something upstream is stuck (prices are published once a day).
const STALE_AFTER: Duration = Duration::hours(26);

/// The slots of a request's window. The history shown ends now, or where the known prices end if that is
/// earlier, so that an old file still shows its last `hours` hours instead of nothing.
#[derive(Debug)]
pub struct Window {
    pub slots: Vec<PriceRecord>,
    /// Hours from the first known slot to the end of the history shown.
    pub available_hours: u32,
}

/// The slots of the last `hours` hours of history and every later known slot.
pub fn window(log: &CsvTail, now: DateTime<Utc>, hours: u32) -> Window {
    let (from, available_hours) = window_start(log, now, hours);
    Window { slots: log.index().since(from).collect(), available_hours }
}

/// Everything the dashboard shows of the last `hours` hours, as `shown` asks (spot or total, by the quarter or
/// the hour, the unit).
pub fn dashboard(
    log: &CsvTail,
    now: DateTime<Utc>,
    zone: DisplayZone,
    hours: u32,
    pipeline: Option<PipelineStatus>,
    shown: &Shown,
) -> DashboardData {
    let (from, available_hours) = window_start(log, now, hours);
    let index = log.index();
    let window = LevelledWindow::of(log, from, shown);
    let (spot, levels) = (window.spot(), &window.levels);
    let (shown_from, shown_to) = times_shown(spot, log, now);
    let local = zone.local_time(shown_from, shown_to);
    let priced = shown.priced(spot, &local);
    let slots: &[Point] = &priced;
    let today = local.date(now);
    let tomorrow = today.succ_opt().unwrap_or(today);
    // Today, tomorrow and the coming hours may lie outside the window: take them from the index, 26 hours
    // back (today's midnight, on a 25-hour day too) and three days ahead being enough for any time zone.
    let days = shown.records(index.range(now - Duration::hours(26), now + Duration::days(3)).collect(), &local);
    let tomorrow_average = stats::day_average(&days, &local, tomorrow);
    let current = stats::current_slot(&days, now).cloned();
    let current_level =
        current.as_ref().and_then(|c| spot.binary_search_by(|p| p.0.cmp(&c.start_date)).ok().map(|i| levels[i]));
    let cards = Cards {
        summary: Summary::of(slots),
        current_level,
        current,
        today_average: stats::day_average(&days, &local, today),
        tomorrow_average,
    };
    let charts = Charts {
        trend: stats::downsample(slots, CHART_POINTS)
            .into_iter()
            .map(|i| TrendPoint(slots[i].0, slots[i].1, levels[i]))
            .collect(),
        window_slots: slots.len(),
        hourly: stats::hourly_stats(slots, &local),
        histogram: stats::histogram(slots, HISTOGRAM_BINS),
    };
    let coming = Quarters::of_records(&days);
    DashboardData {
        now,
        hours,
        available_hours,
        cards,
        charts,
        cheapest: CHEAPEST_HOURS.iter().filter_map(|&h| planner::cheapest_hours(&coming, now, h)).collect(),
        log: LogFacts { total_records: log.rows(), total_slots: index.len(), last_received: log.last_received() },
        warnings: [warnings(log, now, local.hour(now), tomorrow_average.is_some()), gaps(&coming, zone, now)].concat(),
        pipeline,
        recent: recent_rows(log, now, zone, shown),
        zone: local,
        view: shown.view,
        tariff: shown.tariff.clone(),
        plan: None,
    }
}

/// The window's slots at spot (by the hour, if shown so), each with its level; after the week before them,
/// which their levels are against.
struct LevelledWindow {
    /// The week before the window, then the window.
    points: Vec<Point>,
    /// Where the window starts in `points`. The week is not removed from the front: that would move every
    /// point of the window, up to 400 000 of them.
    first: usize,
    /// The level of each slot of the window.
    levels: Vec<Level>,
}

impl LevelledWindow {
    /// The slots from `from`.
    fn of(log: &CsvTail, from: DateTime<Utc>, shown: &Shown) -> Self {
        let spot = log.index().prices_since(from - level::TRAILING).map(|(start, price)| Point(start, price));
        let points = shown.spot_points(spot.collect());
        let first = points.partition_point(|p| p.0 < from);
        let levels = level::levels_after(&points[..first], &points[first..]);
        Self { points, first, levels }
    }

    fn spot(&self) -> &[Point] {
        &self.points[self.first..]
    }
}

/// The [`RECENT_ROWS`] slots up to the one at `now` as shown (the last ones known, when they all lie before
/// `now`), newest first, each with its rank in its day and its level against the week before it.
fn recent_rows(log: &CsvTail, now: DateTime<Utc>, zone: DisplayZone, shown: &Shown) -> Vec<RankedSlot> {
    let index = log.index();
    let Some(last) = index.last_by(now).or_else(|| index.first()) else { return Vec::new() };
    // Enough slots for the rows at either resolution (as many hours as rows), and a week more where the log
    // has gaps.
    let first = last.start_date - Duration::hours(RECENT_ROWS as i64) - level::TRAILING;
    let mut rows = ranked::ranked(log, first, last.start_date + Duration::seconds(1), zone, shown);
    rows.reverse();
    rows.truncate(RECENT_ROWS);
    rows
}

/// The stretch of time the page shows times of: the window, 26 hours before now and the days ahead that the
/// figures look at, and when the last price arrived.
fn times_shown(slots: &[Point], log: &CsvTail, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let from = [slots.first().map(|s| s.0), log.last_received(), Some(now - Duration::hours(26))];
    let to = [log.index().last().map(|last| last.slot_end()), Some(now + Duration::days(3))];
    (from.into_iter().flatten().min().unwrap_or(now), to.into_iter().flatten().max().unwrap_or(now))
}

/// Today and tomorrow in `zone`, each when it has prices but not for every quarter. A day without any price is
/// no gap: tomorrow before its publication, say, which [`Warning::TomorrowMissing`] covers.
fn gaps(quarters: &Quarters, zone: DisplayZone, now: DateTime<Utc>) -> Vec<Warning> {
    let today = zone.date(now);
    [Some(today), today.succ_opt()]
        .into_iter()
        .flatten()
        .filter_map(|date| {
            let (from, to) = (zone.midnight(date), zone.midnight(date.succ_opt()?));
            let spans = quarters.missing(from, to);
            let missing = spans.iter().map(|(a, b)| ((*b - *a).num_minutes() / 15) as u32).sum();
            let of = ((to - from).num_minutes() / 15) as u32;
            (missing > 0 && missing < of).then_some(Warning::SlotsMissing { date, missing, of, spans })
        })
        .collect()
}

/// What a person should know about the log at `now`, `local_hour` o'clock in the display zone.
fn warnings(log: &CsvTail, now: DateTime<Utc>, local_hour: u32, tomorrow_known: bool) -> Vec<Warning> {
    let index = log.index();
    let mut warnings = Vec::new();
    if index.range(now - Duration::hours(1), now + Duration::seconds(1)).any(|r| r.contains(now) && r.is_sample()) {
        warnings.push(Warning::SampleData);
    }
    if let Some(last) = index.last().filter(|last| last.slot_end() <= now) {
        warnings.push(Warning::PricesEnd { at: last.slot_end() });
    }
    if let Some(last) = log.last_received().filter(|r| now - *r > STALE_AFTER) {
        warnings.push(Warning::NothingReceived { hours: (now - last).num_hours(), last });
    }
    if local_hour >= TOMORROW_EXPECTED_HOUR && !tomorrow_known && !index.is_empty() {
        warnings.push(Warning::TomorrowMissing);
    }
    let skipped = log.skipped();
    if skipped.count > 0 {
        warnings.push(Warning::LinesSkipped { count: skipped.count, lines: skipped.first.clone() });
    }
    warnings
}

/// Where the window of `hours` starts, and the hours of history there are.
fn window_start(log: &CsvTail, now: DateTime<Utc>, hours: u32) -> (DateTime<Utc>, u32) {
    let index = log.index();
    let anchor = index.last().map_or(now, |last| last.slot_end().min(now));
    let available_hours = index.first().map_or(1, |first| {
        let span = anchor - first.start_date;
        (span.num_minutes() as f64 / 60.0).ceil().max(1.0) as u32
    });
    (anchor - Duration::hours(hours.into()), available_hours)
}
