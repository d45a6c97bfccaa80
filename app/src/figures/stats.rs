//! What the dashboard computes from the slots it shows: summary figures, hourly averages in local
//! time and the distribution (the cheapest runs are the planner's, the levels
//! `level`'s). Pure functions of their inputs, so the
//! server and the tests get the same answers.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{figures::format::LocalTime, records::price::PriceRecord};

/// What the window's figures need of a slot: when it starts, and its price. The dashboard computes them on
/// [`Point`]s, a third the size of a record, since "all history" may be a million slots.
pub trait Priced {
    fn start(&self) -> DateTime<Utc>;
    fn price(&self) -> f64;
}

impl Priced for PriceRecord {
    fn start(&self) -> DateTime<Utc> {
        self.start_date
    }
    fn price(&self) -> f64 {
        self.price
    }
}

/// One slot's price at one instant: the lowest or highest of a window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PricePoint {
    pub price: f64,
    pub start: DateTime<Utc>,
}

/// Summary figures of a set of slots.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub count: usize,
    pub average: f64,
    pub median: f64,
    /// Population standard deviation.
    pub std_dev: f64,
    pub min: PricePoint,
    pub max: PricePoint,
}

impl Summary {
    /// `None` for no slots.
    pub fn of<T: Priced>(slots: &[T]) -> Option<Self> {
        let first = slots.first()?;
        let count = slots.len();
        // The sum, the lowest and the highest in one pass: "all" is up to 400 000 slots. The earliest slot wins
        // a tie: "the cheapest hour is at 03:00", not the last of equals.
        // -0.0 is the sum of nothing, as in `Iterator::sum`: prices that are all -0.0 average -0.0.
        let (mut sum, mut min, mut max) = (-0.0, first, first);
        for slot in slots {
            let price = slot.price();
            sum += price;
            if price < min.price() {
                min = slot;
            }
            if price > max.price() {
                max = slot;
            }
        }
        let average = sum / count as f64;
        let variance = slots.iter().map(|s| (s.price() - average).powi(2)).sum::<f64>() / count as f64;
        let median = median(slots.iter().map(T::price).collect());
        let point = |s: &T| PricePoint { price: s.price(), start: s.start() };
        Some(Self { count, average, median, std_dev: variance.sqrt(), min: point(min), max: point(max) })
    }
}

/// The middle of `prices`, or the mean of the two middle ones; found by selection, not a sort, since "all
/// history" may be a million prices.
fn median(mut prices: Vec<f64>) -> f64 {
    let count = prices.len();
    let (below, &mut upper, _) = prices.select_nth_unstable_by(count / 2, f64::total_cmp);
    if count % 2 == 1 {
        return upper;
    }
    let lower = below.iter().copied().max_by(f64::total_cmp).unwrap_or(upper);
    (lower + upper) / 2.0
}

/// The slot whose price applies at `now`.
pub fn current_slot(slots: &[PriceRecord], now: DateTime<Utc>) -> Option<&PriceRecord> {
    // Slots are in time order: the last one starting at or before now is the only candidate.
    let i = slots.partition_point(|s| s.start_date <= now);
    slots[..i].last().filter(|s| s.contains(now))
}

/// Average price of the slots starting on the local `date`; `None` without any.
pub fn day_average(slots: &[PriceRecord], local: &LocalTime, date: NaiveDate) -> Option<f64> {
    let prices: Vec<f64> = slots.iter().filter(|s| local.date(s.start_date) == date).map(|s| s.price).collect();
    (!prices.is_empty()).then(|| prices.iter().sum::<f64>() / prices.len() as f64)
}

/// Average, lowest and highest price of one hour of the day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HourStat {
    /// Hour of the day in the display time zone, 0–23.
    pub hour: u32,
    pub average: f64,
    pub min: f64,
    pub max: f64,
    pub count: usize,
}

/// Statistics per local hour of the day (slots grouped by their local start hour); hours without slots are
/// left out.
pub fn hourly_stats<T: Priced>(slots: &[T], local: &LocalTime) -> Vec<HourStat> {
    let mut hours: [HourStat; 24] = std::array::from_fn(|hour| HourStat {
        hour: hour as u32,
        average: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        count: 0,
    });
    // The hour is worked out once for each run of slots in one local hour, not once a slot: the window may hold
    // 400 000 of them, mostly in time order. In any order the sums are the same, each hour's in the slots' order.
    let mut rest = slots;
    while let Some(first) = rest.first() {
        let (hour, until) = local.hour_until(first.start());
        let stretch = first.start().timestamp()..until;
        // The first slot is the run's whatever `until` says: the loop always moves on.
        let run = 1 + rest[1..].iter().take_while(|slot| stretch.contains(&slot.start().timestamp())).count();
        let hour = &mut hours[hour as usize];
        for slot in &rest[..run] {
            let price = slot.price();
            // `average` holds the sum until the end.
            hour.average += price;
            hour.min = hour.min.min(price);
            hour.max = hour.max.max(price);
        }
        hour.count += run;
        rest = &rest[run..];
    }
    hours
        .into_iter()
        .filter(|hour| hour.count > 0)
        .map(|hour| HourStat { average: hour.average / hour.count as f64, ..hour })
        .collect()
}

/// One bar of the price distribution: slots with `from <= price < to` (the last bar includes `to`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub count: usize,
}

/// The distribution of prices in `bins` equal-width bins from the lowest to the highest price. All prices equal
/// make one bin; no prices, none.
pub fn histogram<T: Priced>(slots: &[T], bins: usize) -> Vec<Bin> {
    if slots.is_empty() {
        return Vec::new();
    }
    let (lo, hi) = slots
        .iter()
        .map(T::price)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), price| (lo.min(price), hi.max(price)));
    if lo == hi || bins == 0 {
        return vec![Bin { from: lo, to: hi, count: slots.len() }];
    }
    let width = (hi - lo) / bins as f64;
    let mut out: Vec<Bin> = (0..bins)
        .map(|i| Bin {
            from: lo + width * i as f64,
            to: if i + 1 == bins { hi } else { lo + width * (i + 1) as f64 },
            count: 0,
        })
        .collect();
    for slot in slots {
        // Never below `lo`, so the cast's truncation is the floor (without a call to libm's `floor` a slot).
        let i = (((slot.price() - lo) / width) as usize).min(bins - 1);
        out[i].count += 1;
    }
    out
}

/// One point of the trend chart: when its slot starts, and its price. A pair on the wire, to keep long
/// windows small.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point(pub DateTime<Utc>, pub f64);

impl Point {
    pub fn of(slot: &impl Priced) -> Self {
        Self(slot.start(), slot.price())
    }
}

impl Priced for Point {
    fn start(&self) -> DateTime<Utc> {
        self.0
    }
    fn price(&self) -> f64 {
        self.1
    }
}

/// The indices of at most `max_points` of `slots` (at least 2), in time order, for a chart narrower than the
/// slots are many: the slots fall into equal runs, and each run gives its cheapest and its dearest slot, so a
/// spike of one quarter-hour stays visible however long the history.
pub fn downsample<T: Priced>(slots: &[T], max_points: usize) -> Vec<usize> {
    if slots.len() <= max_points {
        return (0..slots.len()).collect();
    }
    let run = slots.len().div_ceil(max_points.max(2) / 2);
    let mut chosen = Vec::with_capacity(max_points);
    for (r, slots) in slots.chunks(run).enumerate() {
        let by_price = |a: &(usize, &T), b: &(usize, &T)| a.1.price().total_cmp(&b.1.price());
        let (Some((low, _)), Some((high, _))) =
            (slots.iter().enumerate().min_by(by_price), slots.iter().enumerate().max_by(by_price))
        else {
            continue;
        };
        let (first, second) = (low.min(high), low.max(high));
        chosen.push(r * run + first);
        if second != first {
            chosen.push(r * run + second);
        }
    }
    chosen
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use chrono::{Duration, TimeZone, Timelike};
    use chrono_tz::Europe::Helsinki;

    use crate::figures::format::DisplayZone;

    /// Helsinki's offsets over the years the tests use.
    fn helsinki() -> LocalTime {
        let from = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        DisplayZone(Helsinki).local_time(from, from + Duration::days(3 * 365))
    }

    #[test]
    fn downsampling_keeps_at_most_the_points_asked_for_in_order_with_every_runs_extremes() {
        let start = Utc.with_ymd_and_hms(2026, 1, 3, 0, 0, 0).unwrap();
        let slot = |i: usize, price: f64| {
            let s = start + chrono::Duration::minutes(15 * i as i64);
            PriceRecord::new(start, price, s, s + chrono::Duration::minutes(15))
        };
        let few: Vec<PriceRecord> = (0..10).map(|i| slot(i, i as f64)).collect();
        assert_eq!(downsample(&few, 2000), (0..10).collect::<Vec<_>>(), "short windows whole");

        // 100 000 slots of a gentle wave, with one spike up and one down somewhere in the middle.
        let mut many: Vec<PriceRecord> = (0..100_000).map(|i| slot(i, (i as f64 / 500.0).sin())).collect();
        many[54_321].price = 99.0;
        many[77_777].price = -42.0;
        let points: Vec<Point> = downsample(&many, 2000).into_iter().map(|i| Point::of(&many[i])).collect();
        assert!(points.len() <= 2000 && points.len() > 1900, "{}", points.len());
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0), "in time order, no slot twice");
        assert!(points.iter().any(|p| p.1 == 99.0) && points.iter().any(|p| p.1 == -42.0), "spikes kept");
        let prices: Vec<f64> = points.iter().map(|p| p.1).collect();
        let max = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
        let min = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
        let all: Vec<f64> = many.iter().map(|p| p.price).collect();
        assert_eq!((min(&prices), max(&prices)), (min(&all), max(&all)));
        assert_eq!(serde_json::to_string(&points[0]).unwrap(), r#"["2026-01-03T00:00:00Z",0.0]"#);
        assert_eq!(downsample(&many, 3).len(), 2, "one run: its cheapest and dearest slot");
    }

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// Quarter-hour slots from `start` with the given prices, ending at `…:59.999` as v2 files do.
    fn quarters(start: DateTime<Utc>, prices: &[f64]) -> Vec<PriceRecord> {
        prices
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let s = start + Duration::minutes(15 * i as i64);
                PriceRecord::new(s, p, s, s + Duration::milliseconds(15 * 60_000 - 1))
            })
            .collect()
    }

    #[test]
    fn summary_median_and_std_dev() {
        let slots = quarters(utc(2026, 1, 3, 10, 0), &[4.0, 2.0, 8.0, 6.0]);
        let s = Summary::of(&slots).unwrap();
        assert_eq!(s.count, 4);
        assert_eq!(s.average, 5.0);
        assert_eq!(s.median, 5.0, "even count: mean of the middle two");
        assert!((s.std_dev - 5.0f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.min, PricePoint { price: 2.0, start: utc(2026, 1, 3, 10, 15) });
        assert_eq!(s.max.start, utc(2026, 1, 3, 10, 30));

        let odd = Summary::of(&quarters(utc(2026, 1, 3, 10, 0), &[3.0, -1.0, 10.0])).unwrap();
        assert_eq!(odd.median, 3.0);
        assert_eq!(odd.min.price, -1.0);
    }

    #[test]
    fn summary_of_nothing_and_of_one_slot() {
        assert!(Summary::of::<PriceRecord>(&[]).is_none());
        let one = Summary::of(&quarters(utc(2026, 1, 3, 10, 0), &[7.5])).unwrap();
        assert_eq!((one.average, one.median, one.std_dev, one.min.price, one.max.price), (7.5, 7.5, 0.0, 7.5, 7.5));
    }

    #[test]
    fn current_slot_at_its_boundaries() {
        let slots = quarters(utc(2026, 1, 3, 10, 0), &[1.0, 2.0]);
        let at = |t| current_slot(&slots, t).map(|s| s.price);
        assert_eq!(at(utc(2026, 1, 3, 10, 0)), Some(1.0));
        assert_eq!(at(utc(2026, 1, 3, 10, 15) - Duration::milliseconds(1)), Some(1.0));
        assert_eq!(at(utc(2026, 1, 3, 10, 15) - Duration::microseconds(500)), Some(1.0), "inside the last ms");
        assert_eq!(at(utc(2026, 1, 3, 10, 15)), Some(2.0));
        assert_eq!(at(utc(2026, 1, 3, 10, 30)), None, "after the known slots");
        assert_eq!(at(utc(2026, 1, 3, 9, 59)), None, "before them");
        // The seed showed the last row (tomorrow's last quarter) as the current price.
        assert_ne!(at(utc(2026, 1, 3, 10, 5)), slots.last().map(|s| s.price));
    }

    #[test]
    fn current_slot_across_the_dst_change() {
        // 2026-03-29 03:00 Helsinki (EET) becomes 04:00 (EEST): 01:00 UTC.
        let slots = quarters(utc(2026, 3, 29, 0, 45), &[1.0, 2.0]);
        assert_eq!(current_slot(&slots, utc(2026, 3, 29, 1, 0)).map(|s| s.price), Some(2.0));
        assert_eq!(slots[1].start_date.with_timezone(&Helsinki).hour(), 4, "local 04:00 right after 02:59");
    }

    #[test]
    fn hourly_stats_group_by_local_hour_not_utc() {
        // 22:00 UTC in winter is 00:00 in Helsinki.
        let slots = quarters(utc(2026, 1, 3, 22, 0), &[1.0, 2.0, 3.0, 6.0, 10.0]);
        let stats = hourly_stats(&slots, &helsinki());
        assert_eq!(stats.len(), 2);
        assert_eq!(stats[0], HourStat { hour: 0, average: 3.0, min: 1.0, max: 6.0, count: 4 });
        assert_eq!(stats[1].hour, 1);
        assert_eq!(stats[1].average, 10.0);
        assert_eq!(hourly_stats(&slots, &LocalTime::utc())[0].hour, 22);
    }

    #[test]
    fn hourly_stats_on_the_autumn_dst_day_merge_the_repeated_hour() {
        // 2026-10-25: local 03:00–04:00 happens twice (00:00 and 01:00 UTC).
        let slots = quarters(utc(2026, 10, 25, 0, 0), &[1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0]);
        let stats = hourly_stats(&slots, &helsinki());
        assert_eq!(stats, vec![HourStat { hour: 3, average: 2.0, min: 1.0, max: 3.0, count: 8 }]);
    }

    /// `hourly_stats` as it would be slot by slot: each slot's own hour, the prices summed in the slots' order.
    fn hourly_stats_slot_by_slot(slots: &[PriceRecord], local: &LocalTime) -> Vec<HourStat> {
        (0..24)
            .filter_map(|hour| {
                let prices: Vec<f64> =
                    slots.iter().filter(|s| local.hour(s.start_date) == hour).map(|s| s.price).collect();
                (!prices.is_empty()).then(|| HourStat {
                    hour,
                    average: prices.iter().sum::<f64>() / prices.len() as f64,
                    min: prices.iter().copied().fold(f64::INFINITY, f64::min),
                    max: prices.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    count: prices.len(),
                })
            })
            .collect()
    }

    #[test]
    fn hourly_stats_of_a_year_match_the_slot_by_slot_count_in_either_order() {
        // A year of quarters across both of Helsinki's changes, prices that repeat only after 97 slots; and the
        // same slots out of order, as a caller might hand them.
        let prices: Vec<f64> = (0..35_040).map(|i| ((i * 37) % 97) as f64 / 7.0 - 3.0).collect();
        let mut slots = quarters(utc(2026, 1, 1, 0, 0), &prices);
        let local = helsinki();
        assert_eq!(hourly_stats(&slots, &local), hourly_stats_slot_by_slot(&slots, &local));
        slots.reverse();
        slots.swap(5, 20_000);
        let shuffled = hourly_stats(&slots, &local);
        assert_eq!(shuffled, hourly_stats_slot_by_slot(&slots, &local));
        assert_eq!(shuffled.len(), 24);
    }

    #[test]
    fn histogram_edges() {
        let slots = quarters(utc(2026, 1, 3, 10, 0), &[0.0, 1.0, 2.0, 9.999, 10.0]);
        let bins = histogram(&slots, 10);
        assert_eq!(bins.len(), 10);
        assert_eq!((bins[0].from, bins[9].to), (0.0, 10.0));
        assert_eq!(bins[0].count, 1);
        assert_eq!(bins[1].count, 1, "1.0 starts the second bin");
        assert_eq!(bins[2].count, 1);
        assert_eq!(bins[9].count, 2, "the highest price falls in the last bin");
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 5);

        assert_eq!(
            histogram(&quarters(utc(2026, 1, 3, 10, 0), &[4.0, 4.0]), 30),
            vec![Bin { from: 4.0, to: 4.0, count: 2 }]
        );
        assert!(histogram::<PriceRecord>(&[], 30).is_empty());
        assert_eq!(histogram(&quarters(utc(2026, 1, 3, 10, 0), &[-3.0, 3.0]), 30).len(), 30);
    }

    #[test]
    fn the_current_slot_of_hourly_v1_slots() {
        let slots: Vec<PriceRecord> = (0..3)
            .map(|h| {
                let s = utc(2024, 5, 5, 10 + h, 0);
                PriceRecord::new(s, [3.0, 1.0, 2.0][h as usize], s, s + Duration::hours(1))
            })
            .collect();
        assert_eq!(current_slot(&slots, utc(2024, 5, 5, 11, 0)).unwrap().price, 1.0);
    }

    #[test]
    fn day_averages_use_the_local_date() {
        let slots = quarters(utc(2026, 1, 3, 21, 45), &[100.0, 1.0, 3.0]);
        let d = |day| NaiveDate::from_ymd_opt(2026, 1, day).unwrap();
        assert_eq!(day_average(&slots, &helsinki(), d(3)), Some(100.0), "21:45 UTC is 23:45 local");
        assert_eq!(day_average(&slots, &helsinki(), d(4)), Some(2.0));
        assert_eq!(day_average(&slots, &helsinki(), d(5)), None);
        assert_eq!(helsinki().date(utc(2026, 1, 3, 22, 0)), d(4));
    }
}
