//! The query layer's questions, asked of logs written for each test.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::{
    dashboard::{CHART_POINTS, DashboardData, HISTOGRAM_BINS, RECENT_ROWS, Warning},
    history::HistoryCache,
    now::Current,
    store::PriceStore,
    window::Window,
};
use crate::{
    figures::{
        format::DisplayZone,
        history::History,
        level::Level,
        view::{Resolution, Shown, View},
    },
    query::status::PipelineStatus,
    records::{
        csv_log::{CsvLog, CsvLogError},
        price::PriceRecord,
    },
};

fn dashboard(
    store: &PriceStore,
    now: DateTime<Utc>,
    zone: DisplayZone,
    hours: u32,
    pipeline: Option<PipelineStatus>,
    shown: &Shown,
) -> Result<DashboardData, CsvLogError> {
    store.read(|log| super::window::dashboard(log, now, zone, hours, pipeline, shown))
}

fn current(store: &PriceStore, now: DateTime<Utc>, zone: DisplayZone) -> Result<Current, CsvLogError> {
    store.read(|log| super::now::current(log, now, zone))
}

fn window(store: &PriceStore, now: DateTime<Utc>, hours: u32) -> Result<Window, CsvLogError> {
    store.read(|log| super::window::window(log, now, hours))
}

fn history(
    store: &PriceStore,
    cache: &HistoryCache,
    now: DateTime<Utc>,
    zone: DisplayZone,
    shown: &Shown,
) -> Result<History, CsvLogError> {
    store.read(|log| cache.history(log, now, zone, shown))
}

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
    let cache = HistoryCache::default();
    let first = history(&store, &cache, utc(3, 12, 0), zone, &spot).unwrap();
    assert_eq!(history(&store, &cache, utc(3, 13, 0), zone, &spot).unwrap(), first, "the same day and log: kept");
    let mwh = Shown {
        view: crate::figures::view::View { unit: crate::figures::view::Unit::EurosPerMwh, ..Default::default() },
        ..Default::default()
    };
    assert_ne!(history(&store, &cache, utc(3, 13, 0), zone, &mwh).unwrap().monthly, first.monthly, "another view");
    // A new row, with the spot view cached again first: computed again, with the row.
    assert_eq!(history(&store, &cache, utc(3, 13, 0), zone, &spot).unwrap(), first);
    let february = utc(3, 0, 0) + Duration::days(30);
    let row =
        PriceRecord::new(utc(3, 0, 0), 500.0, february, february + Duration::minutes(15) - Duration::milliseconds(1));
    CsvLog::open(dir.path().join("log.csv")).unwrap().append_new([row]).unwrap();
    let grown = history(&store, &cache, utc(3, 13, 0), zone, &spot).unwrap();
    assert_eq!(grown.monthly.len(), 2, "{:?}", grown.monthly);
    assert_ne!(history(&store, &cache, utc(4, 13, 0), zone, &spot).unwrap().today, grown.today, "a new day");
}

#[test]
fn the_window_is_the_last_hours_before_now_plus_the_known_future() {
    let (_dir, store) = store(4 * 48, utc(2, 13, 0)); // 3 Jan 00:00 .. 5 Jan 00:00 UTC
    let now = utc(4, 0, 0);
    let w = window(&store, now, 2).unwrap();
    assert_eq!(w.slots.first().unwrap().start_date, utc(3, 22, 0));
    assert_eq!(w.slots.last().unwrap().start_date, utc(4, 23, 45), "the future is always shown");
    assert_eq!(w.available_hours, 24);
}

#[test]
fn old_data_is_shown_up_to_its_end_instead_of_an_empty_window() {
    let (_dir, store) = store(4 * 48, utc(2, 13, 0));
    let w = window(&store, utc(20, 0, 0), 3).unwrap();
    assert_eq!(w.slots.first().unwrap().start_date, utc(4, 21, 0), "the last 3 hours of the data");
    assert_eq!(w.slots.len(), 12);
}

#[test]
fn dashboard_figures_warnings_and_current_slot() {
    let (_dir, store) = store(4 * 48, utc(2, 13, 0));
    // 3 Jan 15:00 Helsinki = 13:00 UTC; tomorrow (4 Jan local) is known.
    let data = dashboard(&store, utc(3, 13, 0), DisplayZone::default(), 48, None, &Shown::default()).unwrap();
    assert_eq!(data.cards.current.as_ref().map(|c| c.start_date), Some(utc(3, 13, 0)));
    assert_eq!(data.log.total_records, 192);
    assert_eq!(data.log.total_slots, 192);
    assert_eq!(data.charts.hourly.len(), 24);
    assert_eq!(data.charts.histogram.len(), HISTOGRAM_BINS);
    assert_eq!(data.cheapest.len(), 3);
    assert_eq!(data.cheapest[0].start, utc(3, 13, 0), "prices rise with time: the cheapest hour is now");
    assert!(data.cards.tomorrow_average.is_some());
    // The log begins at 02:00 on 3 January in Helsinki: that day lacks its first two hours; the 4th is whole.
    let gap = Warning::SlotsMissing {
        date: chrono::NaiveDate::from_ymd_opt(2026, 1, 3).unwrap(),
        missing: 8,
        of: 96,
        spans: vec![(utc(2, 22, 0), utc(3, 0, 0))],
    };
    assert_eq!(data.warnings, [gap]);
    assert_eq!(data.zone.name, "Europe/Helsinki");

    // Two days after the data ends, with the last price received long ago.
    let late = dashboard(&store, utc(7, 13, 0), DisplayZone::default(), 48, None, &Shown::default()).unwrap();
    assert!(late.cards.current.is_none());
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
    let data = dashboard(&store, utc(20, 0, 0), DisplayZone::default(), 100_000, None, &Shown::default()).unwrap();
    assert_eq!(data.charts.window_slots, 5760);
    assert!(
        data.charts.trend.len() <= CHART_POINTS && data.charts.trend.len() > CHART_POINTS / 2,
        "{}",
        data.charts.trend.len()
    );
    assert_eq!(data.cards.summary.as_ref().unwrap().max.price, 5759.0, "computed on every slot");
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
        let data = dashboard(&store, utc(11, 12, 0), DisplayZone::default(), 48, None, &shown).unwrap();
        let level_at = |t| data.charts.trend.iter().find(|p| p.0 == t).map(|p| p.2);
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
        let current = current(&store, now, zone).unwrap();
        let page = dashboard(&store, now, zone, 48, None, &Shown::default()).unwrap();
        assert_eq!(current.slot, page.cards.current, "{now}");
        assert_eq!(current.level, page.cards.current_level, "{now}");
        assert_eq!(current.tomorrow_known, page.cards.tomorrow_average.is_some(), "{now}");
        assert_eq!((current.total_slots, current.last_received), (page.log.total_slots, page.log.last_received));
    }
    let after = current(&store, utc(14, 0, 0), zone).unwrap();
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
            let data = dashboard(&store, now, DisplayZone::default(), hours, None, &Shown::default()).unwrap();
            let current = data.cards.current.as_ref().unwrap();
            let point = data.charts.trend.iter().find(|p| p.0 == current.start_date).unwrap();
            assert_eq!(data.recent[0].slot.start_date, current.start_date, "the table starts at now");
            assert_eq!(Some(point.2), data.cards.current_level, "the chart and the card");
            assert_eq!(Some(data.recent[0].standing.level), data.cards.current_level, "the table and the card");
            data.cards.current_level.unwrap()
        })
        .collect();
    // 7 days and 6 hours in: 696 against the average of slots 25 to 696, 360.5.
    assert_eq!(levels, [Level::VeryExpensive; 3]);
}

/// The warnings but those of a day's missing quarters (a log of a few quarters has them).
fn no_gaps(warnings: Vec<Warning>) -> Vec<Warning> {
    warnings.into_iter().filter(|w| !matches!(w, Warning::SlotsMissing { .. })).collect()
}

#[test]
fn lines_that_are_not_records_are_named_in_a_warning() {
    let (dir, store) = store(8, utc(2, 13, 0));
    let path = dir.path().join("log.csv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.insert_str(text.find('\n').unwrap() + 1, "garbage\n");
    text.push_str("2026-01-03T00:00:00Z,torn");
    std::fs::write(&path, text + "\n").unwrap();
    let data = dashboard(&store, utc(3, 1, 0), DisplayZone::default(), 48, None, &Shown::default()).unwrap();
    assert_eq!(data.log.total_records, 8);
    assert_eq!(no_gaps(data.warnings), [Warning::LinesSkipped { count: 2, lines: vec![2, 11] }]);
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
        |now| no_gaps(dashboard(&store, now, DisplayZone::default(), 48, None, &Shown::default()).unwrap().warnings);
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
    let data = dashboard(&store, utc(3, 13, 0), DisplayZone::default(), 48, None, &Shown::default()).unwrap();
    assert!(data.charts.trend.is_empty() && data.cards.summary.is_none() && data.cards.current.is_none());
    assert!(data.warnings.is_empty());
    assert_eq!(data.log.total_records, 0);
}

#[test]
fn a_whole_25_hour_day_lacks_no_quarter_late_in_its_evening_and_a_gap_is_named() {
    // Helsinki's 25 October 2026 has 100 quarters, from 21:00 UTC on the 24th; the 26th follows with 96.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.csv");
    let first = Utc.with_ymd_and_hms(2026, 10, 24, 21, 0, 0).unwrap();
    let gap = first + Duration::minutes(15 * 150);
    let records = (0..196)
        .map(|i| first + Duration::minutes(15 * i))
        .filter(|s| *s != gap)
        .map(|s| PriceRecord::new(first, 5.0, s, s + Duration::milliseconds(15 * 60_000 - 1)));
    CsvLog::open(&path).unwrap().append_new(records).unwrap();
    let store = PriceStore::new(&path);
    // 23:30 on the 25th: more than 24 hours after its midnight.
    let late = Utc.with_ymd_and_hms(2026, 10, 25, 21, 30, 0).unwrap();
    let warnings = dashboard(&store, late, DisplayZone::default(), 48, None, &Shown::default()).unwrap().warnings;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 10, 26).unwrap();
    assert_eq!(
        warnings,
        [Warning::SlotsMissing { date, missing: 1, of: 96, spans: vec![(gap, gap + Duration::minutes(15))] }]
    );
}

#[test]
fn the_sensors_move_to_the_next_quarter_at_its_first_instant() {
    // Quarter i's price is i: 13:00 UTC on 3 January is quarter 52.
    let (_dir, store) = store(4 * 48, utc(2, 13, 0));
    let tariff = crate::figures::tariff::Tariff::default();
    let at = |now: DateTime<Utc>| {
        store.read(|log| crate::query::sensors::sensors(log, now, DisplayZone::default(), &tariff)).unwrap()
    };
    let before = at(utc(3, 13, 15) - Duration::milliseconds(1));
    let after = at(utc(3, 13, 15));
    assert_eq!((before.spot, after.spot), (Some(52.0), Some(53.0)));
    let (before_total, after_total) = (before.total.unwrap(), after.total.unwrap());
    assert!(after_total > before_total && after_total >= 53.0, "{before_total} then {after_total}");
}
