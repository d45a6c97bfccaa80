//! The planner's question: when to run an appliance, and what it saves.

use chrono::{DateTime, Duration, Utc};

use crate::{
    figures::{
        format::DisplayZone,
        planner::{self, Answer, Ask, Quarters},
        view::Shown,
    },
    records::csv_log::CsvTail,
};

/// The planner's answer to `ask` at `now`, in the prices as `shown`; it looks a week ahead at the most.
pub fn plan(log: &CsvTail, now: DateTime<Utc>, zone: DisplayZone, shown: &Shown, ask: Ask) -> Answer {
    let index = log.index();
    let known_until = index.last().map_or(now, |last| last.slot_end());
    let from = ask.from.map_or(now, |f| f.min(now)) - Duration::hours(1);
    let until = ask.until.unwrap_or(known_until).clamp(from, now + Duration::days(7));
    let local = zone.local_time(from, until + Duration::days(1));
    let records = shown.records(index.range(from, until).collect(), &local);
    let quarters = Quarters::of_records(&records);
    planner::answer(&quarters, ask, now, known_until)
}
