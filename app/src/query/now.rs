//! The question `/readyz`, `/metrics`, `/api/v1/now` and the page's card share: what the log says of one
//! moment.

use chrono::{DateTime, Duration, Utc};

use crate::{
    figures::{
        format::DisplayZone,
        level::{self, Level},
        stats::{self, Point},
    },
    records::{csv_log::CsvTail, price::PriceRecord},
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

/// What `log` says of the moment `now`: the slot of now and its level, and how fresh the log is; read from the
/// index around now, not from the page's data.
pub fn current(log: &CsvTail, now: DateTime<Utc>, zone: DisplayZone) -> Current {
    let index = log.index();
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
        last_received: log.last_received(),
        lines_skipped: log.skipped().count,
    }
}
