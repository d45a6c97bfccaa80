//! Where each slot stands: its rank within its local day (1 = cheapest) and its level against the average of
//! the week before it, as price watchers compare a price with what they are used to.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    format::LocalTime,
    stats::{Level, Priced},
};

/// How far back the average that levels are relative to reaches.
pub const TRAILING: Duration = Duration::days(7);

/// A slot's standing among the others.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    /// 1 for the day's cheapest slot; slots of equal price share the better rank.
    pub rank: u32,
    /// Slots known that day.
    pub of: u32,
    pub level: Level,
    /// The average of the slots in the [`TRAILING`] week up to and including this one.
    pub trailing_average: f64,
}

/// A slot and where it stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankedSlot {
    pub slot: crate::price::PriceRecord,
    pub standing: Standing,
}

/// The standing of each of `slots` (in time order) in `local` days. `context` holds the slots before them
/// (for the trailing average) and the rest of their first and last days (for the ranks); `slots` must be a
/// contiguous run of `context`, which may be `slots` itself.
pub fn standings<T: Priced>(context: &[T], slots: &[T], local: &LocalTime) -> Vec<Standing> {
    let ranks = day_ranks(context, local);
    let mut standings = Vec::with_capacity(slots.len());
    let offset = slots.first().map_or(0, |first| context.partition_point(|s| s.start() < first.start()));
    let (mut from, mut sum) = (0, 0.0);
    for (i, slot) in context.iter().enumerate().take(offset + slots.len()) {
        sum += slot.price();
        while context[from].start() <= slot.start() - TRAILING {
            sum -= context[from].price();
            from += 1;
        }
        if i >= offset {
            let trailing_average = sum / (i + 1 - from) as f64;
            let (rank, of) = ranks[i];
            standings.push(Standing { rank, of, level: Level::of(slot.price(), trailing_average), trailing_average });
        }
    }
    standings
}

/// (rank, slots that day) of each slot.
fn day_ranks<T: Priced>(slots: &[T], local: &LocalTime) -> Vec<(u32, u32)> {
    let mut ranks = vec![(0, 0); slots.len()];
    let mut day_start = 0;
    while day_start < slots.len() {
        let day: NaiveDate = local.date(slots[day_start].start());
        let day_end = day_start + slots[day_start..].partition_point(|s| local.date(s.start()) == day);
        let mut prices: Vec<f64> = slots[day_start..day_end].iter().map(Priced::price).collect();
        prices.sort_by(f64::total_cmp);
        for i in day_start..day_end {
            let cheaper = prices.partition_point(|p| *p < slots[i].price());
            ranks[i] = (cheaper as u32 + 1, (day_end - day_start) as u32);
        }
        day_start = day_end;
    }
    ranks
}

/// The start of `t`'s hour (UTC hours: the local ones in every zone a whole number of hours from UTC, as all of
/// Europe is).
pub fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

/// The hourly averages of `slots` (in time order): one point per hour with any price, averaged over the slots
/// it has (an hour missing quarters averages those it has).
pub fn hourly<T: Priced>(slots: &[T]) -> Vec<crate::stats::Point> {
    let mut hours: Vec<crate::stats::Point> = Vec::new();
    let mut count = 0;
    for slot in slots {
        let hour = hour_of(slot.start());
        match hours.last_mut() {
            Some(last) if last.0 == hour => {
                count += 1;
                last.1 += (slot.price() - last.1) / count as f64;
            }
            _ => {
                hours.push(crate::stats::Point(hour, slot.price()));
                count = 1;
            }
        }
    }
    hours
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Point;

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn series(first: &str, step_minutes: i64, prices: &[f64]) -> Vec<Point> {
        let first = t(first);
        prices.iter().enumerate().map(|(i, &p)| Point(first + Duration::minutes(step_minutes * i as i64), p)).collect()
    }

    #[test]
    fn ranks_restart_each_local_day_and_ties_share_the_better_rank() {
        // Helsinki in winter (UTC+2): 21:00 UTC is 23:00 on the 15th, 22:00 UTC is 00:00 on the 16th.
        let slots = series("2026-01-15T20:00:00Z", 60, &[5.0, -1.0, 3.0, 3.0, 2.0]);
        let s = standings(&slots, &slots, &LocalTime::fixed(7200));
        let ranks: Vec<(u32, u32)> = s.iter().map(|s| (s.rank, s.of)).collect();
        assert_eq!(ranks, [(2, 2), (1, 2), (2, 3), (2, 3), (1, 3)]);
    }

    #[test]
    fn levels_follow_the_trailing_week_not_the_future() {
        // A week at 10, then a day at 5 and 20: cheap and very expensive against the week before them.
        let mut prices = vec![10.0; 7 * 24];
        prices.extend([5.0, 20.0]);
        let slots = series("2026-01-01T00:00:00Z", 60, &prices);
        let tail = &slots[7 * 24..];
        let s = standings(&slots, tail, &LocalTime::utc());
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].level, Level::VeryCheap, "5 against about 10: {:?}", s[0]);
        assert_eq!(s[1].level, Level::VeryExpensive);
        assert!((s[0].trailing_average - (10.0 * 167.0 + 5.0) / 168.0).abs() < 1e-9, "the week up to and with it");
        // The first slot has only itself to go by.
        assert_eq!(standings(&slots, &slots[..1], &LocalTime::utc())[0].level, Level::Normal);
    }

    #[test]
    fn negative_prices_are_very_cheap_and_rank_first() {
        let slots = series("2026-01-15T00:00:00Z", 15, &[1.0, -0.5, 2.0, 1.5]);
        let s = standings(&slots, &slots, &LocalTime::utc());
        assert_eq!((s[1].rank, s[1].level), (1, Level::VeryCheap));
    }

    #[test]
    fn hourly_averages_take_the_quarters_an_hour_has() {
        let mut slots = series("2026-01-15T10:00:00Z", 15, &[1.0, 2.0, 3.0, 6.0, 8.0]);
        slots.push(Point(t("2026-01-15T12:30:00Z"), 4.0)); // 12:00 has only its third quarter
        let hours = hourly(&slots);
        assert_eq!(
            hours,
            [
                Point(t("2026-01-15T10:00:00Z"), 3.0),
                Point(t("2026-01-15T11:00:00Z"), 8.0),
                Point(t("2026-01-15T12:00:00Z"), 4.0)
            ]
        );
        // Hourly (v1) slots pass through.
        let v1 = series("2026-01-15T10:00:00Z", 60, &[1.0, -2.0]);
        assert_eq!(hourly(&v1), v1);
    }
}
