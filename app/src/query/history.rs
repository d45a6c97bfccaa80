//! The history panel's question, answered from every slot of the log and kept until the log, the day or the
//! view changes: page loads share it.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::{
    figures::{
        format::{DisplayZone, LocalTime},
        history::{self, History},
        view::Shown,
    },
    records::csv_log::CsvTail,
};

/// The last history computed, and what it was computed from.
#[derive(Debug, Default)]
pub struct HistoryCache(Mutex<Option<(HistoryKey, History)>>);

/// What a [`History`] depends on.
#[derive(Debug, PartialEq)]
struct HistoryKey {
    rows: u64,
    today: chrono::NaiveDate,
    shown: Shown,
}

impl HistoryCache {
    /// The history panel of `log` at `now`, in the prices as `shown` (its resolution aside: averages are the
    /// same); computed again only when the log, the day or the view changed.
    pub fn history(&self, log: &CsvTail, now: DateTime<Utc>, zone: DisplayZone, shown: &Shown) -> History {
        let key = HistoryKey { rows: log.rows(), today: zone.date(now), shown: shown.clone() };
        let mut cached = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, history)) = cached.as_ref().filter(|(k, _)| *k == key) {
            return history.clone();
        }
        let history = history_of(log, now, zone, shown);
        *cached = Some((key, history.clone()));
        history
    }
}

/// The history of the whole log at `now`.
fn history_of(log: &CsvTail, now: DateTime<Utc>, zone: DisplayZone, shown: &Shown) -> History {
    let index = log.index();
    let (Some(first), Some(last)) = (index.first(), index.last()) else {
        return history::history(std::iter::empty(), &LocalTime::utc(), now, shown.view);
    };
    let local = zone.local_time(first.start_date - Duration::days(1), last.slot_end().max(now) + Duration::days(1));
    let prices = index.prices_since(first.start_date).map(|(start, p)| (start, p, shown.price(p, start, &local)));
    history::history(prices, &local, now, shown.view)
}
