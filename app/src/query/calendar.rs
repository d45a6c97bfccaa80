//! The calendar's question: each day's cheapest run of a length, and the periods of the alert rules, as events
//! a phone's calendar can subscribe to.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::{
    alerts::{due::Event, rules::Rules},
    figures::{
        format::{DisplayZone, price},
        planner::{self, Quarters},
        tariff::Tariff,
        view::{PriceBasis, Shown, View},
    },
    query,
    records::csv_log::CsvTail,
};

/// How many days back the calendar starts: yesterday's runs stay on it for a look back.
const DAYS_BACK: u64 = 1;

/// One event: an id that stays the same when its times are revised, its span and its words.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarEvent {
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
}

/// What the calendar is asked for: the run's length and the price it is ranked by.
#[derive(Clone, Copy, Debug)]
pub struct Ask {
    pub quarters: u32,
    pub price: PriceBasis,
}

/// Each local day's cheapest run as `ask` says, from yesterday to the last day with prices, then each rule's
/// periods and runs.
pub fn calendar(
    log: &CsvTail,
    now: DateTime<Utc>,
    zone: DisplayZone,
    tariff: &Tariff,
    ask: Ask,
    rules: &Rules,
) -> Vec<CalendarEvent> {
    let mut events = cheapest_runs(log, now, zone, tariff, ask);
    let local = zone.local_time(now - Duration::days(3), now + Duration::days(4));
    for alert in query::alerts::alerts(log, now, zone, tariff, rules) {
        let (start, end) = match alert.event {
            Event::Period { start, end, .. } | Event::CheapestRun { start, end, .. } => (start, end),
            // A moment, not a span: said by the alerts, not the calendar.
            _ => continue,
        };
        events.push(CalendarEvent {
            uid: format!("{}@price-monitor", alert.id),
            start,
            end,
            summary: alert.title(&local),
            description: alert.text(&local),
        });
    }
    events
}

fn cheapest_runs(
    log: &CsvTail,
    now: DateTime<Utc>,
    zone: DisplayZone,
    tariff: &Tariff,
    ask: Ask,
) -> Vec<CalendarEvent> {
    let index = log.index();
    let first_day: NaiveDate = zone.date(now) - chrono::Days::new(DAYS_BACK);
    let from = zone.midnight(first_day);
    let Some(known_until) = index.last().map(|last| last.slot_end()) else { return Vec::new() };
    let local = zone.local_time(from - Duration::days(1), known_until + Duration::days(1));
    let shown = Shown { view: View { price: ask.price, ..View::default() }, tariff: tariff.clone() };
    let quarters = Quarters::of_records(&shown.records(index.since(from).collect(), &local));
    let basis = match ask.price {
        PriceBasis::Spot => "spot price",
        PriceBasis::Total => "total price",
    };
    let length = planner::duration_text(ask.quarters);
    first_day
        .iter_days()
        .map(|date| (date, zone.midnight(date), zone.midnight(date + chrono::Days::new(1))))
        .take_while(|(_, midnight, _)| *midnight < known_until)
        .filter_map(|(date, midnight, next)| {
            let run = quarters.cheapest_window(ask.quarters, midnight, next)?;
            Some(CalendarEvent {
                uid: format!("cheapest-{}m-{date}@price-monitor", ask.quarters * 15),
                start: run.start,
                end: run.end,
                summary: format!("Cheapest {length}: {} c/kWh", price(run.average)),
                description: format!(
                    "The cheapest {length} of {} at the {basis}: {} c/kWh on average, {} to {}.",
                    date.format("%a %-d %b"),
                    price(run.average),
                    local.time(run.start),
                    local.time(run.end)
                ),
            })
        })
        .collect()
}
