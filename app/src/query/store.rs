//! The server's view of the CSV log: followed incrementally and kept in memory, shared by every request.
//!
//! A request first reads what the consumer appended since the last one (it may be another process), then
//! works on the slots of its window only: its cost grows with the window shown, not with the history kept.

use std::{path::PathBuf, sync::Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::{
    figures::{
        format::{DisplayZone, LocalTime},
        history::{self, History},
        level::{self, Level},
        planner::{self, Answer, Ask, Quarters},
        ranking::{self, RankedSlot},
        stats::{self, Point, Summary},
        view::Shown,
    },
    query::{
        dashboard::{
            CHART_POINTS, CHEAPEST_HOURS, DashboardData, HISTOGRAM_BINS, RECENT_ROWS, TOMORROW_EXPECTED_HOUR,
            TrendPoint, Warning,
        },
        status::PipelineStatus,
    },
    records::{
        csv_log::{CsvLogError, CsvTail},
        price::PriceRecord,
    },
};

/// What the log says of one moment: the slot of now, its level, and how fresh the log is.
#[derive(Clone, Debug, PartialEq)]
pub struct Current {
    pub now: DateTime<Utc>,
    /// The slot containing now.
    pub slot: Option<PriceRecord>,
    pub level: Option<Level>,
    /// Some price of tomorrow, in the display zone, is known.
    pub tomorrow_known: bool,
    /// Where the known prices end.
    pub prices_end: Option<DateTime<Utc>>,
    pub total_slots: usize,
    pub last_received: Option<DateTime<Utc>>,
    /// Lines of the log that are not records.
    pub lines_skipped: u64,
}

/// No price has arrived for this long: something upstream is stuck (prices are published once a day).
const STALE_AFTER: Duration = Duration::hours(26);

/// The CSV log as the dashboard sees it: followed as it grows, shared by every request.
#[derive(Debug)]
pub struct PriceStore {
    tail: Mutex<CsvTail>,
    /// The last history computed, and what it was computed from: it reads every slot, and only a new row, a new
    /// day or another view changes it, so page loads share it.
    history: Mutex<Option<(HistoryKey, History)>>,
}

/// What a [`History`] depends on.
#[derive(Debug, PartialEq)]
struct HistoryKey {
    rows: u64,
    today: chrono::NaiveDate,
    shown: Shown,
}

/// The slots of a request's window. The history shown ends now, or where the known prices end if that is
/// earlier, so that an old file still shows its last `hours` hours instead of nothing.
#[derive(Debug)]
pub struct Window {
    pub slots: Vec<PriceRecord>,
    /// Hours from the first known slot to the end of the history shown.
    pub available_hours: u32,
}

impl PriceStore {
    pub fn new(csv_path: impl Into<PathBuf>) -> Self {
        Self { tail: Mutex::new(CsvTail::new(csv_path)), history: Mutex::new(None) }
    }

    /// Catches up with what the consumer appended, then runs `f` on the log.
    fn with_fresh<T>(&self, f: impl FnOnce(&CsvTail) -> T) -> Result<T, CsvLogError> {
        // A panic while holding the lock leaves the tail consistent: refresh only advances after a full read.
        let mut tail = self.tail.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        tail.refresh()?;
        Ok(f(&tail))
    }

    /// The slots of the last `hours` hours of history and every later known slot.
    pub fn window(&self, now: DateTime<Utc>, hours: u32) -> Result<Window, CsvLogError> {
        self.with_fresh(|tail| window_of(tail, now, hours))
    }

    /// The latest revision of each slot starting in `from..to`, in time order.
    pub fn range(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<PriceRecord>, CsvLogError> {
        self.with_fresh(|tail| tail.index().range(from, to).collect())
    }

    /// Everything the dashboard shows, as `shown` asks (spot or total, by the quarter or the hour, the unit).
    pub fn dashboard(
        &self,
        now: DateTime<Utc>,
        zone: DisplayZone,
        hours: u32,
        pipeline: Option<PipelineStatus>,
        shown: &Shown,
    ) -> Result<DashboardData, CsvLogError> {
        self.with_fresh(|tail| {
            let (from, available_hours) = window_start(tail, now, hours);
            let index = tail.index();
            let (spot, levels) = levelled_window(tail, from, shown);
            let (shown_from, shown_to) = times_shown(&spot, tail, now);
            let local = zone.local_time(shown_from, shown_to);
            let slots = shown.priced(&spot, &local);
            let today = local.date(now);
            let tomorrow = today.succ_opt().unwrap_or(today);
            // Today, tomorrow and the coming hours may lie outside the window: take them from the index, a day
            // either side of now and two days ahead being enough for any time zone.
            let days = shown.records(index.range(now - Duration::days(1), now + Duration::days(3)).collect(), &local);
            let tomorrow_average = stats::day_average(&days, &local, tomorrow);
            let current = stats::current_slot(&days, now).cloned();
            DashboardData {
                now,
                hours,
                available_hours,
                summary: Summary::of(&slots),
                current_level: current
                    .as_ref()
                    .and_then(|c| spot.binary_search_by(|p| p.0.cmp(&c.start_date)).ok().map(|i| levels[i])),
                current,
                today_average: stats::day_average(&days, &local, today),
                tomorrow_average,
                hourly: stats::hourly_stats(&slots, &local),
                histogram: stats::histogram(&slots, HISTOGRAM_BINS),
                cheapest: {
                    let coming = Quarters::of_records(&days);
                    CHEAPEST_HOURS.iter().filter_map(|&h| planner::cheapest_hours(&coming, now, h)).collect()
                },
                total_records: tail.rows(),
                total_slots: index.len(),
                last_received: tail.last_received(),
                warnings: warnings(tail, now, local.hour(now), tomorrow_average.is_some()),
                pipeline,
                window_slots: slots.len(),
                recent: recent_rows(tail, now, shown, &local),
                trend: stats::downsample(&slots, CHART_POINTS)
                    .into_iter()
                    .map(|i| TrendPoint(slots[i].0, slots[i].1, levels[i]))
                    .collect(),
                zone: local,
                view: shown.view,
                tariff: shown.tariff.clone(),
                plan: None,
            }
        })
    }
}

impl PriceStore {
    /// What the log says of the moment `now`, as `/readyz` and `/metrics` ask: the slot of now and its level,
    /// and how fresh the log is; read from the index around now, not from the page's data.
    pub fn current(&self, now: DateTime<Utc>, zone: DisplayZone) -> Result<Current, CsvLogError> {
        self.with_fresh(|tail| {
            let index = tail.index();
            let slot = index.last_by(now).filter(|slot| slot.contains(now));
            let local = zone.local_time(now - Duration::days(1), now + Duration::days(3));
            let tomorrow = local.date(now).succ_opt();
            let ahead = index.range(now, now + Duration::days(3)).collect::<Vec<_>>();
            Current {
                now,
                level: slot.as_ref().and_then(|slot| {
                    // The week up to and with the slot itself, which is the last of these.
                    let to = slot.start_date + Duration::nanoseconds(1);
                    let week = index.range(slot.start_date - level::TRAILING - Duration::hours(1), to);
                    level::levels(&week.map(|r| Point(r.start_date, r.price)).collect::<Vec<_>>()).pop()
                }),
                slot,
                tomorrow_known: tomorrow.is_some_and(|day| stats::day_average(&ahead, &local, day).is_some()),
                prices_end: index.last().map(|last| last.slot_end()),
                total_slots: index.len(),
                last_received: tail.last_received(),
                lines_skipped: tail.skipped().count,
            }
        })
    }
}

impl PriceStore {
    /// The planner's answer to `ask` at `now`, in the prices as `shown`; it looks a week ahead at the most.
    pub fn plan(&self, now: DateTime<Utc>, zone: DisplayZone, shown: &Shown, ask: Ask) -> Result<Answer, CsvLogError> {
        self.with_fresh(|tail| {
            let index = tail.index();
            let known_until = index.last().map_or(now, |last| last.slot_end());
            let from = ask.from.map_or(now, |f| f.min(now)) - Duration::hours(1);
            let until = ask.until.unwrap_or(known_until).clamp(from, now + Duration::days(7));
            let local = zone.local_time(from, until + Duration::days(1));
            let records = shown.records(index.range(from, until).collect(), &local);
            let quarters = Quarters::of_records(&records);
            planner::answer(&quarters, ask, now, known_until)
        })
    }
}

impl PriceStore {
    /// The history panel at `now`, in the prices as `shown` (its resolution aside: averages are the same);
    /// computed again only when the log, the day or the view changed.
    pub fn history(&self, now: DateTime<Utc>, zone: DisplayZone, shown: &Shown) -> Result<History, CsvLogError> {
        self.with_fresh(|tail| {
            let key = HistoryKey { rows: tail.rows(), today: zone.date(now), shown: shown.clone() };
            let mut cached = self.history.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some((_, history)) = cached.as_ref().filter(|(k, _)| *k == key) {
                return history.clone();
            }
            let history = history_of(tail, now, zone, shown);
            *cached = Some((key, history.clone()));
            history
        })
    }
}

/// The history of the whole log at `now`.
fn history_of(tail: &CsvTail, now: DateTime<Utc>, zone: DisplayZone, shown: &Shown) -> History {
    let index = tail.index();
    let (Some(first), Some(last)) = (index.first(), index.last()) else {
        return history::history(std::iter::empty(), &LocalTime::utc(), now, shown.view);
    };
    let local = zone.local_time(first.start_date - Duration::days(1), last.slot_end().max(now) + Duration::days(1));
    let prices = index.prices_since(first.start_date).map(|(start, p)| (start, p, shown.price(p, start, &local)));
    history::history(prices, &local, now, shown.view)
}

/// The window's slots from `from` at spot (by the hour, if shown so), each with its level.
fn levelled_window(tail: &CsvTail, from: DateTime<Utc>, shown: &Shown) -> (Vec<Point>, Vec<Level>) {
    // The week before the window as well: each slot's level is against the week up to it.
    let spot = tail.index().prices_since(from - level::TRAILING).map(|(start, price)| Point(start, price));
    let mut spot = shown.spot_points(spot.collect());
    let mut levels = level::levels(&spot);
    let before = spot.partition_point(|p| p.0 < from);
    spot.drain(..before);
    levels.drain(..before);
    (spot, levels)
}

/// The [`RECENT_ROWS`] slots up to the one at `now` as shown (the last ones known, when they all lie before
/// `now`), newest first, each with its rank in its day and its level against the week before it.
fn recent_rows(tail: &CsvTail, now: DateTime<Utc>, shown: &Shown, local: &LocalTime) -> Vec<RankedSlot> {
    let index = tail.index();
    let Some(last) = index.last_by(now).or_else(|| index.first()) else { return Vec::new() };
    // Enough slots for the rows at either resolution: as many hours as rows.
    let first = last.start_date - Duration::hours(RECENT_ROWS as i64);
    let context_from = first - level::TRAILING - Duration::days(1);
    let spot = shown.spot_records(index.range(context_from, last.slot_end() + Duration::days(1)).collect());
    let context = shown.priced_records(spot.clone(), local);
    let standings = ranking::standings(&context, &spot, local);
    let upto = context.partition_point(|r| r.start_date <= last.start_date);
    let mut rows: Vec<RankedSlot> =
        context.into_iter().zip(standings).take(upto).map(|(slot, standing)| RankedSlot { slot, standing }).collect();
    rows.reverse();
    rows.truncate(RECENT_ROWS);
    rows
}

/// The stretch of time the page shows times of: the window, a day before now and the days ahead that the
/// figures look at, and when the last price arrived.
fn times_shown(slots: &[Point], tail: &CsvTail, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let from = [slots.first().map(|s| s.0), tail.last_received(), Some(now - Duration::days(1))];
    let to = [tail.index().last().map(|last| last.slot_end()), Some(now + Duration::days(3))];
    (from.into_iter().flatten().min().unwrap_or(now), to.into_iter().flatten().max().unwrap_or(now))
}

/// What a person should know about the log at `now`, `local_hour` o'clock in the display zone.
fn warnings(tail: &CsvTail, now: DateTime<Utc>, local_hour: u32, tomorrow_known: bool) -> Vec<Warning> {
    let index = tail.index();
    let mut warnings = Vec::new();
    if index.range(now - Duration::hours(1), now + Duration::seconds(1)).any(|r| r.contains(now) && r.is_sample()) {
        warnings.push(Warning::SampleData);
    }
    if let Some(last) = index.last().filter(|last| last.slot_end() <= now) {
        warnings.push(Warning::PricesEnd { at: last.slot_end() });
    }
    if let Some(last) = tail.last_received().filter(|r| now - *r > STALE_AFTER) {
        warnings.push(Warning::NothingReceived { hours: (now - last).num_hours(), last });
    }
    if local_hour >= TOMORROW_EXPECTED_HOUR && !tomorrow_known && !index.is_empty() {
        warnings.push(Warning::TomorrowMissing);
    }
    let skipped = tail.skipped();
    if skipped.count > 0 {
        warnings.push(Warning::LinesSkipped { count: skipped.count, lines: skipped.first.clone() });
    }
    warnings
}

fn window_of(tail: &CsvTail, now: DateTime<Utc>, hours: u32) -> Window {
    let (from, available_hours) = window_start(tail, now, hours);
    Window { slots: tail.index().since(from).collect(), available_hours }
}

/// Where the window of `hours` starts, and the hours of history there are.
fn window_start(tail: &CsvTail, now: DateTime<Utc>, hours: u32) -> (DateTime<Utc>, u32) {
    let index = tail.index();
    let anchor = index.last().map_or(now, |last| last.slot_end().min(now));
    let available_hours = index.first().map_or(1, |first| {
        let span = anchor - first.start_date;
        (span.num_minutes() as f64 / 60.0).ceil().max(1.0) as u32
    });
    (anchor - Duration::hours(hours.into()), available_hours)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::{
        figures::view::{Resolution, View},
        records::csv_log::CsvLog,
    };

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, d, h, m, 0).unwrap()
    }

    /// A log of quarter-hours from 2026-01-03 00:00 UTC, one price per quarter (i as the price).
    fn store(quarters: i64, received: DateTime<Utc>) -> (tempfile::TempDir, PriceStore) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        let records = (0..quarters).map(|i| {
            let s = utc(3, 0, 0) + Duration::minutes(15 * i);
            PriceRecord::new(received, i as f64, s, s + Duration::milliseconds(15 * 60_000 - 1))
        });
        CsvLog::open(&path).unwrap().append_new(records).unwrap();
        (dir, PriceStore::new(path))
    }

    #[test]
    fn the_history_is_kept_until_the_log_the_day_or_the_view_changes() {
        let (dir, store) = store(96, utc(2, 13, 0));
        let zone = DisplayZone::default();
        let spot = Shown::default();
        let first = store.history(utc(3, 12, 0), zone, &spot).unwrap();
        assert_eq!(store.history(utc(3, 13, 0), zone, &spot).unwrap(), first, "the same day and log: kept");
        let mwh = Shown {
            view: crate::figures::view::View { unit: crate::figures::view::Unit::EurosPerMwh, ..Default::default() },
            ..Default::default()
        };
        assert_ne!(store.history(utc(3, 13, 0), zone, &mwh).unwrap().monthly, first.monthly, "another view");
        // A new row, with the spot view cached again first: computed again, with the row.
        assert_eq!(store.history(utc(3, 13, 0), zone, &spot).unwrap(), first);
        let february = utc(3, 0, 0) + Duration::days(30);
        let row = PriceRecord::new(
            utc(3, 0, 0),
            500.0,
            february,
            february + Duration::minutes(15) - Duration::milliseconds(1),
        );
        CsvLog::open(dir.path().join("log.csv")).unwrap().append_new([row]).unwrap();
        let grown = store.history(utc(3, 13, 0), zone, &spot).unwrap();
        assert_eq!(grown.monthly.len(), 2, "{:?}", grown.monthly);
        assert_ne!(store.history(utc(4, 13, 0), zone, &spot).unwrap().today, grown.today, "a new day");
    }

    #[test]
    fn the_window_is_the_last_hours_before_now_plus_the_known_future() {
        let (_dir, store) = store(4 * 48, utc(2, 13, 0)); // 3 Jan 00:00 .. 5 Jan 00:00 UTC
        let now = utc(4, 0, 0);
        let w = store.window(now, 2).unwrap();
        assert_eq!(w.slots.first().unwrap().start_date, utc(3, 22, 0));
        assert_eq!(w.slots.last().unwrap().start_date, utc(4, 23, 45), "the future is always shown");
        assert_eq!(w.available_hours, 24);
    }

    #[test]
    fn old_data_is_shown_up_to_its_end_instead_of_an_empty_window() {
        let (_dir, store) = store(4 * 48, utc(2, 13, 0));
        let w = store.window(utc(20, 0, 0), 3).unwrap();
        assert_eq!(w.slots.first().unwrap().start_date, utc(4, 21, 0), "the last 3 hours of the data");
        assert_eq!(w.slots.len(), 12);
    }

    #[test]
    fn dashboard_figures_warnings_and_current_slot() {
        let (_dir, store) = store(4 * 48, utc(2, 13, 0));
        // 3 Jan 15:00 Helsinki = 13:00 UTC; tomorrow (4 Jan local) is known.
        let data = store.dashboard(utc(3, 13, 0), DisplayZone::default(), 48, None, &Shown::default()).unwrap();
        assert_eq!(data.current.as_ref().map(|c| c.start_date), Some(utc(3, 13, 0)));
        assert_eq!(data.total_records, 192);
        assert_eq!(data.total_slots, 192);
        assert_eq!(data.hourly.len(), 24);
        assert_eq!(data.histogram.len(), HISTOGRAM_BINS);
        assert_eq!(data.cheapest.len(), 3);
        assert_eq!(data.cheapest[0].start, utc(3, 13, 0), "prices rise with time: the cheapest hour is now");
        assert!(data.tomorrow_average.is_some());
        assert!(data.warnings.is_empty(), "{:?}", data.warnings);
        assert_eq!(data.zone.name, "Europe/Helsinki");

        // Two days after the data ends, with the last price received long ago.
        let late = store.dashboard(utc(7, 13, 0), DisplayZone::default(), 48, None, &Shown::default()).unwrap();
        assert!(late.current.is_none());
        assert_eq!(
            late.warnings,
            [
                Warning::PricesEnd { at: utc(5, 0, 0) },
                Warning::NothingReceived { hours: 120, last: utc(2, 13, 0) },
                Warning::TomorrowMissing,
            ]
        );
    }

    #[test]
    fn a_long_window_is_down_sampled_for_the_chart_and_its_figures_use_every_slot() {
        let (_dir, store) = store(4 * 24 * 60, utc(2, 13, 0)); // 60 days: 5760 slots
        let data = store.dashboard(utc(20, 0, 0), DisplayZone::default(), 100_000, None, &Shown::default()).unwrap();
        assert_eq!(data.window_slots, 5760);
        assert!(data.trend.len() <= CHART_POINTS && data.trend.len() > CHART_POINTS / 2, "{}", data.trend.len());
        assert_eq!(data.summary.as_ref().unwrap().max.price, 5759.0, "computed on every slot");
        assert_eq!(data.recent.len(), RECENT_ROWS);
        assert_eq!(data.recent[0].slot.price, 1632.0, "the slot of now first, 17 days of 96 quarters in");
        assert_eq!(data.recent[1].slot.price, 1631.0, "whole, not down-sampled");
    }

    #[test]
    fn a_spike_is_the_one_expensive_slot_at_either_resolution() {
        // Ten days at 10 c/kWh but one quarter at 30, on Jan 11 at 02:30 UTC.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        let spike = utc(11, 2, 30);
        let records = (0..4 * 24 * 10).map(|i| {
            let s = utc(3, 0, 0) + Duration::minutes(15 * i);
            PriceRecord::new(utc(2, 13, 0), if s == spike { 30.0 } else { 10.0 }, s, s + Duration::minutes(15))
        });
        CsvLog::open(&path).unwrap().append_new(records).unwrap();
        let store = PriceStore::new(path);
        let hourly = Shown { view: View { resolution: Resolution::Hour, ..View::default() }, ..Shown::default() };
        for (shown, step, spike) in [(Shown::default(), 15, spike), (hourly, 60, utc(11, 2, 0))] {
            let data = store.dashboard(utc(11, 12, 0), DisplayZone::default(), 48, None, &shown).unwrap();
            let level_at = |t| data.trend.iter().find(|p| p.0 == t).map(|p| p.2);
            assert_eq!(level_at(spike), Some(Level::VeryExpensive), "{step} min");
            assert_eq!(level_at(spike - Duration::minutes(step)), Some(Level::Normal), "{step} min, before");
            assert_eq!(level_at(spike + Duration::minutes(step)), Some(Level::Normal), "{step} min, after");
        }
    }

    #[test]
    fn the_current_moment_is_read_from_around_now_and_agrees_with_the_page() {
        let (_dir, store) = store(4 * 24 * 10, utc(2, 13, 0));
        let zone = DisplayZone::default();
        let last_second = utc(10, 6, 14) + Duration::milliseconds(59_500); // the slot's last second
        for now in [utc(3, 0, 5), utc(10, 6, 0), last_second, utc(12, 23, 59)] {
            let current = store.current(now, zone).unwrap();
            let page = store.dashboard(now, zone, 48, None, &Shown::default()).unwrap();
            assert_eq!(current.slot, page.current, "{now}");
            assert_eq!(current.level, page.current_level, "{now}");
            assert_eq!(current.tomorrow_known, page.tomorrow_average.is_some(), "{now}");
            assert_eq!((current.total_slots, current.last_received), (page.total_slots, page.last_received));
        }
        let after = store.current(utc(14, 0, 0), zone).unwrap();
        assert_eq!((after.slot, after.level, after.prices_end), (None, None, Some(utc(13, 0, 0))));
        assert!(!after.tomorrow_known);
    }

    #[test]
    fn the_card_the_table_and_the_chart_give_a_slot_one_level_whatever_the_window() {
        // Prices rising by one a quarter: each slot is dearer than its week, the dearer the later in the week.
        let (_dir, store) = store(4 * 24 * 10, utc(2, 13, 0));
        let now = utc(10, 6, 0);
        let levels: Vec<_> = [6, 48, 240]
            .into_iter()
            .map(|hours| {
                let data = store.dashboard(now, DisplayZone::default(), hours, None, &Shown::default()).unwrap();
                let current = data.current.as_ref().unwrap();
                let point = data.trend.iter().find(|p| p.0 == current.start_date).unwrap();
                assert_eq!(data.recent[0].slot.start_date, current.start_date, "the table starts at now");
                assert_eq!(Some(point.2), data.current_level, "the chart and the card");
                assert_eq!(Some(data.recent[0].standing.level), data.current_level, "the table and the card");
                data.current_level.unwrap()
            })
            .collect();
        // 7 days and 6 hours in: 696 against the average of slots 25 to 696, 360.5.
        assert_eq!(levels, [Level::VeryExpensive; 3]);
    }

    #[test]
    fn lines_that_are_not_records_are_named_in_a_warning() {
        let (dir, store) = store(8, utc(2, 13, 0));
        let path = dir.path().join("log.csv");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.insert_str(text.find('\n').unwrap() + 1, "garbage\n");
        text.push_str("2026-01-03T00:00:00Z,torn");
        std::fs::write(&path, text + "\n").unwrap();
        let data = store.dashboard(utc(3, 1, 0), DisplayZone::default(), 48, None, &Shown::default()).unwrap();
        assert_eq!(data.total_records, 8);
        assert_eq!(data.warnings, [Warning::LinesSkipped { count: 2, lines: vec![2, 11] }]);
    }

    #[test]
    fn sample_prices_are_named_as_such_while_the_price_of_now_is_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        let sample = (0..8).map(|i| {
            let s = utc(3, 0, 0) + Duration::minutes(15 * i);
            let mut record = PriceRecord::new(utc(2, 13, 0), 5.0, s, s + Duration::milliseconds(15 * 60_000 - 1));
            record.source = crate::records::price::SAMPLE_SOURCE.into();
            record
        });
        CsvLog::open(&path).unwrap().append_new(sample).unwrap();
        let store = PriceStore::new(&path);
        let warnings =
            |now| store.dashboard(now, DisplayZone::default(), 48, None, &Shown::default()).unwrap().warnings;
        assert_eq!(warnings(utc(3, 1, 0)), [Warning::SampleData]);
        // A real price of the same slot, a revision: the page no longer says sample.
        let real = PriceRecord::new(utc(3, 0, 50), 6.0, utc(3, 1, 0), utc(3, 1, 15) - Duration::milliseconds(1));
        CsvLog::open(&path).unwrap().append_new([real]).unwrap();
        assert_eq!(warnings(utc(3, 1, 0)), []);
        assert_eq!(warnings(utc(3, 1, 30)), [Warning::SampleData]);
    }

    #[test]
    fn an_empty_log_is_an_empty_dashboard() {
        let dir = tempfile::tempdir().unwrap();
        let store = PriceStore::new(dir.path().join("missing.csv"));
        let data = store.dashboard(utc(3, 13, 0), DisplayZone::default(), 48, None, &Shown::default()).unwrap();
        assert!(data.trend.is_empty() && data.summary.is_none() && data.current.is_none());
        assert!(data.warnings.is_empty());
        assert_eq!(data.total_records, 0);
    }
}
