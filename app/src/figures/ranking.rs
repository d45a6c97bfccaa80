//! Where each slot stands: its rank within its local day (1 = cheapest) and its level against the week before
//! it (the rule of [`crate::figures::level`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::figures::{
    format::LocalTime,
    level::{self, Level},
    stats::Priced,
};

/// A slot's standing among the others.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    /// 1 for the day's cheapest slot; slots of equal price share the better rank.
    pub rank: u32,
    /// Slots known that day.
    pub of: u32,
    pub level: Level,
}

/// A slot and where it stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankedSlot {
    pub slot: crate::records::price::PriceRecord,
    pub standing: Standing,
}

/// The standing of each slot of a series in `local` days: ranked by `shown` (the prices as the page or the
/// API shows them), levelled by `spot` (the same slots' spot prices, which levels are about). The series holds
/// the week before the slots that matter (for the levels) and the whole of their days (for the ranks).
pub fn standings<S: Priced, T: Priced>(shown: &[S], spot: &[T], local: &LocalTime) -> Vec<Standing> {
    debug_assert_eq!(shown.len(), spot.len(), "one series, two prices");
    day_ranks(shown, local)
        .into_iter()
        .zip(level::levels(spot))
        .map(|((rank, of), level)| Standing { rank, of, level })
        .collect()
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
pub fn hourly<T: Priced>(slots: &[T]) -> Vec<crate::figures::stats::Point> {
    let mut hours: Vec<crate::figures::stats::Point> = Vec::new();
    let mut count = 0;
    for slot in slots {
        let hour = hour_of(slot.start());
        match hours.last_mut() {
            Some(last) if last.0 == hour => {
                count += 1;
                last.1 += (slot.price() - last.1) / count as f64;
            }
            _ => {
                hours.push(crate::figures::stats::Point(hour, slot.price()));
                count = 1;
            }
        }
    }
    hours
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::stats::Point;

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
    fn ranks_follow_the_prices_shown_and_levels_the_spot_prices() {
        // A day-time transfer fee makes the second hour dearer in total, though it is cheaper at spot.
        let spot = series("2026-01-15T00:00:00Z", 60, &[10.0, 4.0]);
        let total = series("2026-01-15T00:00:00Z", 60, &[12.0, 13.0]);
        let s = standings(&total, &spot, &LocalTime::utc());
        assert_eq!(s.iter().map(|s| s.rank).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(s[1].level, Level::VeryCheap, "4 against (10 + 4) / 2");
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
