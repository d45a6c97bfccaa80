//! The longer view: each day's and each month's average over the stored history, today beside yesterday and
//! the same weekday a week ago, and the last two weeks hour by hour; days and hours with their level.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::figures::{
    format::LocalTime,
    level::{Level, TrailingWeek},
    view::View,
};

/// Days of daily averages sent to the page.
pub const DAILY_DAYS: i64 = 60;
/// Days of the hour-by-day grid.
pub const HEATMAP_DAYS: i64 = 14;

/// One day's or one month's prices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Average {
    /// `2026-01-15` for a day, `2026-01` for a month.
    pub period: String,
    pub average: f64,
    pub min: f64,
    pub max: f64,
    /// Slots in the period.
    pub slots: u32,
}

/// Twenty-four local hours' averages of one day; `None` for an hour without prices.
pub type DayHours = [Option<f64>; 24];

/// One day's prices and its level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Day {
    pub prices: Average,
    pub level: Level,
}

/// One hour of the heatmap: its average price and its level. A pair on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hour(pub f64, pub Level);

/// What the history panel shows, in the page's view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub view: View,
    /// The last [`DAILY_DAYS`] days with prices, oldest first.
    pub daily: Vec<Day>,
    /// Every month with prices, oldest first.
    pub monthly: Vec<Average>,
    pub today: DayHours,
    pub yesterday: DayHours,
    /// The same weekday a week before today.
    pub week_ago: DayHours,
    /// The last [`HEATMAP_DAYS`] days up to tomorrow, newest first, by local hour; `None` for an hour without
    /// prices.
    pub heatmap: Vec<(NaiveDate, [Option<Hour>; 24])>,
}

/// Running sums of a period's prices: its average, lowest and highest.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sums {
    sum: f64,
    min: f64,
    max: f64,
    slots: u32,
}

impl Sums {
    pub fn add(&mut self, price: f64) {
        if self.slots == 0 {
            (self.min, self.max) = (price, price);
        }
        self.sum += price;
        self.min = self.min.min(price);
        self.max = self.max.max(price);
        self.slots += 1;
    }

    /// The average of the prices added; NaN before the first.
    pub fn mean(&self) -> f64 {
        self.sum / self.slots as f64
    }

    pub fn min(&self) -> f64 {
        self.min
    }

    pub fn max(&self) -> f64 {
        self.max
    }

    /// How many prices were added.
    pub fn slots(&self) -> u32 {
        self.slots
    }

    fn average(&self, period: String) -> Average {
        Average { period, average: self.mean(), min: self.min, max: self.max, slots: self.slots }
    }
}

/// A day's or an hour's prices as shown, and what its level needs: its spot prices and the average of the week
/// up to its last slot.
#[derive(Clone, Copy, Debug, Default)]
struct Levelled {
    shown: Sums,
    spot: Sums,
    week: f64,
}

impl Levelled {
    fn add(&mut self, shown: f64, spot: f64, week: f64) {
        self.shown.add(shown);
        self.spot.add(spot);
        self.week = week;
    }

    fn level(&self) -> Level {
        Level::of(self.spot.mean(), self.week)
    }

    fn hour(&self) -> Option<Hour> {
        (self.shown.slots > 0).then(|| Hour(self.shown.mean(), self.level()))
    }
}

/// One local day's prices: at spot and as shown, with the day's level (its average spot price against the week
/// up to its last slot). What the history panel's daily chart and `/api/v1/daily` show.
#[derive(Clone, Copy, Debug)]
pub struct DayPrices {
    pub date: NaiveDate,
    pub spot: Sums,
    pub shown: Sums,
    pub level: Level,
}

/// Each local day from `first` to `last` (inclusive) of `prices` ((start, spot price, price as shown), in time
/// order, from a week before `first` for the levels).
pub fn days(
    prices: impl Iterator<Item = (DateTime<Utc>, f64, f64)>,
    local: &LocalTime,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<DayPrices> {
    let mut week = TrailingWeek::default();
    let mut days = Days::new(first, last);
    for (start, spot, shown) in prices {
        days.add(local.date(start), shown, spot, week.push(start, spot));
    }
    days.finish()
}

/// The days from `first` to `last` as their prices arrive.
struct Days {
    first: NaiveDate,
    last: NaiveDate,
    days: Vec<(NaiveDate, Levelled)>,
}

impl Days {
    fn new(first: NaiveDate, last: NaiveDate) -> Self {
        Self { first, last, days: Vec::new() }
    }

    fn add(&mut self, date: NaiveDate, shown: f64, spot: f64, week_average: f64) {
        if self.first <= date && date <= self.last {
            period(&mut self.days, date).add(shown, spot, week_average);
        }
    }

    fn finish(self) -> Vec<DayPrices> {
        let day = |(date, l): (NaiveDate, Levelled)| DayPrices { date, spot: l.spot, shown: l.shown, level: l.level() };
        self.days.into_iter().map(day).collect()
    }
}

/// The sums of `key`'s period in `periods`, where prices arrive in time order: the last period's, or a new one's
/// when `key` starts another.
pub fn period<K: PartialEq, S: Default>(periods: &mut Vec<(K, S)>, key: K) -> &mut S {
    if periods.last().is_none_or(|(k, _)| *k != key) {
        periods.push((key, S::default()));
    }
    &mut periods.last_mut().expect("pushed").1
}

/// The history of `prices` ((start, spot price, price as shown), in time order) at `now` in `local` time.
pub fn history(
    prices: impl Iterator<Item = (DateTime<Utc>, f64, f64)>,
    local: &LocalTime,
    now: DateTime<Utc>,
    view: View,
) -> History {
    let today = local.date(now);
    let first_day = today - Duration::days(DAILY_DAYS - 1);
    let first_hour_day = today - Duration::days(HEATMAP_DAYS - 2); // up to tomorrow
    let mut week = TrailingWeek::default();
    let mut days = Days::new(first_day, today);
    let mut months: Vec<((i32, u32), Sums)> = Vec::new();
    let mut hours: Vec<(NaiveDate, [Levelled; 24])> = Vec::new();
    for (start, spot, price) in prices {
        let week_average = week.push(start, spot);
        let date = local.date(start);
        period(&mut months, (date.year(), date.month())).add(price);
        days.add(date, price, spot, week_average);
        if date >= first_hour_day.min(today - Duration::days(7)) {
            period(&mut hours, date)[local.hour(start) as usize].add(price, spot, week_average);
        }
    }
    let by_hour = |sums: &[Levelled; 24]| -> DayHours { std::array::from_fn(|h| sums[h].hour().map(|hour| hour.0)) };
    let day = |date: NaiveDate| hours.iter().find(|(d, _)| *d == date).map_or([None; 24], |(_, s)| by_hour(s));
    History {
        view,
        daily: days
            .finish()
            .into_iter()
            .map(|d| Day { prices: d.shown.average(d.date.to_string()), level: d.level })
            .collect(),
        monthly: months.iter().map(|((y, m), s)| s.average(format!("{y:04}-{m:02}"))).collect(),
        today: day(today),
        yesterday: day(today - Duration::days(1)),
        week_ago: day(today - Duration::days(7)),
        heatmap: hours
            .iter()
            .rev()
            .filter(|(d, _)| *d >= first_hour_day)
            .map(|(d, s)| (*d, std::array::from_fn(|h| s[h].hour())))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// Hourly prices from `first` for `hours` hours: the price is the hour's index.
    fn hourly(first: &str, hours: i64) -> Vec<(DateTime<Utc>, f64, f64)> {
        (0..hours).map(|h| (t(first) + Duration::hours(h), h as f64, h as f64)).collect()
    }

    #[test]
    fn days_months_and_the_three_days_side_by_side() {
        // Helsinki in winter (UTC+2): local days start at 22:00 UTC. 40 days of hours from 2026-01-01 local.
        let prices = hourly("2025-12-31T22:00:00Z", 40 * 24);
        let now = t("2026-02-09T10:00:00Z"); // the 40th local day, 2026-02-09
        let h = history(prices.into_iter(), &LocalTime::fixed(7200), now, View::default());
        assert_eq!(h.daily.len(), 40);
        assert_eq!(h.daily[0].prices.period, "2026-01-01");
        assert_eq!((h.daily[0].prices.min, h.daily[0].prices.max, h.daily[0].prices.average), (0.0, 23.0, 11.5));
        assert_eq!(h.monthly.iter().map(|m| m.period.as_str()).collect::<Vec<_>>(), ["2026-01", "2026-02"]);
        assert_eq!(h.monthly[0].slots, 31 * 24);
        assert_eq!(h.today[0], Some((39 * 24) as f64), "local midnight of today");
        assert_eq!(h.yesterday[23], Some((39 * 24 - 1) as f64));
        assert_eq!(h.week_ago[0], Some((32 * 24) as f64));
        assert_eq!(h.heatmap.len(), 13, "12 days before today and today; no prices tomorrow");
        assert_eq!(h.heatmap[0].0, NaiveDate::from_ymd_opt(2026, 2, 9).unwrap(), "newest first");
    }

    #[test]
    fn days_and_hours_are_levelled_by_spot_against_the_week_up_to_them() {
        // Eight days at 10 c/kWh spot, then a day at 5; shown with 100 of fees on top, which levels leave out.
        let first = t("2026-01-01T00:00:00Z");
        let prices = (0..9 * 24).map(|h| {
            let spot = if h < 8 * 24 { 10.0 } else { 5.0 };
            (first + Duration::hours(h), spot, spot + 100.0)
        });
        let h = history(prices, &LocalTime::utc(), t("2026-01-09T12:00:00Z"), View::default());
        let (before, last) = (&h.daily[h.daily.len() - 2], h.daily.last().unwrap());
        assert_eq!((last.prices.average, last.level), (105.0, Level::VeryCheap), "5 against about 9.3");
        assert_eq!((before.prices.average, before.level), (110.0, Level::Normal));
        assert_eq!(h.heatmap[0].1[0], Some(Hour(105.0, Level::VeryCheap)), "today's first hour, newest day first");
        assert_eq!(h.heatmap[1].1[23], Some(Hour(110.0, Level::Normal)));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_dst_day_has_23_hours_and_the_missing_one_stays_empty() {
        // 2026-03-29 in Helsinki: clocks go from 03:00 to 04:00; 92 quarter hours from 22:00 UTC the day before.
        let prices: Vec<(DateTime<Utc>, f64, f64)> =
            (0..92).map(|q| (t("2026-03-28T22:00:00Z") + Duration::minutes(15 * q), -1.0, -1.0)).collect();
        let zone = crate::figures::format::DisplayZone::default();
        let local = zone.local_time(t("2026-03-27T00:00:00Z"), t("2026-03-31T00:00:00Z"));
        let h = history(prices.into_iter(), &local, t("2026-03-29T12:00:00Z"), View::default());
        assert_eq!(h.daily.last().unwrap().prices.slots, 92);
        assert_eq!(h.daily.last().unwrap().prices.average, -1.0, "negative prices average as they are");
        let known: Vec<usize> = (0..24).filter(|&hour| h.today[hour].is_some()).collect();
        assert_eq!(known.len(), 23);
        assert!(!known.contains(&3), "03:00 does not exist that day");
        assert_eq!(h.yesterday, [None; 24]);
    }
}
