//! What "cheap" and "expensive" mean, for every card, chart, table, heatmap, metric and API field: a slot's
//! level is its spot price against the average spot price of the week up to and including it ([`TRAILING`]).
//! A period (an hour of the heatmap, a day of the daily chart) is levelled the same way: its average spot price
//! against the week up to its last slot.
//!
//! Why this rule and not the average of what is shown:
//! - A level must not change with the range the slider shows, or a slot is "cheap" on one page and "expensive"
//!   on the next; the week before a slot is the same whatever the window.
//! - It must not change when tomorrow's prices arrive: the week looks back only.
//! - A week holds weekdays and a weekend, which is what a household is used to paying.
//! - Spot, whether the page shows spot or totals, in c/kWh or €/MWh: the fees are the same whatever the market
//!   does, so a level says what the market does, and those switches leave it alone. By the hour, a slot is an
//!   hour, levelled by its average against the week of hours up to it.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::figures::stats::Priced;

/// How far back the average that levels are relative to reaches.
pub const TRAILING: Duration = Duration::days(7);

/// How a price compares with the week before it (see the module's rule). Serialised in snake case
/// (`very_cheap`) on every wire: the page's data and `/api/v1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    VeryCheap,
    Cheap,
    Normal,
    Expensive,
    VeryExpensive,
}

impl Level {
    /// Every level, cheapest first.
    pub const ALL: [Level; 5] = [Self::VeryCheap, Self::Cheap, Self::Normal, Self::Expensive, Self::VeryExpensive];

    /// The levels' upper bounds as ratios of the week's average: very cheap up to 60 % (inclusive), cheap up to
    /// 90 % (inclusive), normal below 115 %, expensive below 140 %, very expensive above.
    pub const BOUNDS: [f64; 4] = [0.6, 0.9, 1.15, 1.4];

    /// What the page says the levels are measured against.
    pub const RULE: &str = "against the average of the 7 days up to it";

    /// The level of `price` against `week`, the average of the week up to it (see [`Level::BOUNDS`]). With an
    /// average of zero or below the ratios mean nothing: negative prices are very cheap and the rest normal.
    pub fn of(price: f64, week: f64) -> Self {
        if week <= 0.0 {
            return if price < 0.0 { Self::VeryCheap } else { Self::Normal };
        }
        let ratio = price / week;
        let [very_cheap, cheap, normal, expensive] = Self::BOUNDS;
        if ratio <= very_cheap {
            Self::VeryCheap
        } else if ratio <= cheap {
            Self::Cheap
        } else if ratio < normal {
            Self::Normal
        } else if ratio < expensive {
            Self::Expensive
        } else {
            Self::VeryExpensive
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::VeryCheap => "very cheap",
            Self::Cheap => "cheap",
            Self::Normal => "normal",
            Self::Expensive => "expensive",
            Self::VeryExpensive => "very expensive",
        }
    }

    /// The CSS class, which is also the name of the stylesheet's colour variable (`--very-cheap`): the one
    /// table of level colours, which the charts read from the page.
    pub fn class(self) -> &'static str {
        match self {
            Self::VeryCheap => "very-cheap",
            Self::Cheap => "cheap",
            Self::Normal => "normal",
            Self::Expensive => "expensive",
            Self::VeryExpensive => "very-expensive",
        }
    }

    /// 0 for very cheap up to 4 for very expensive: the level as a number, for a chart's colour map and the
    /// `price_monitor_price_level` gauge.
    pub fn index(self) -> u8 {
        self as u8
    }
}

/// The average spot price of the week up to each slot of a series fed in time order: the running sum of the
/// slots less than [`TRAILING`] before the newest. Times are kept as Unix seconds: the dashboard feeds it every
/// slot of its window, up to 400 000 of them, and whole-second arithmetic is what keeps that pass short.
#[derive(Clone, Debug, Default)]
pub struct TrailingWeek {
    slots: VecDeque<(i64, f64)>,
    sum: f64,
}

impl TrailingWeek {
    /// Adds the slot starting at `start` (after every slot added before) and returns the average of the week up
    /// to and including it. The first week of a series has only what came before.
    pub fn push(&mut self, start: DateTime<Utc>, price: f64) -> f64 {
        let start = start.timestamp();
        let cutoff = start - TRAILING.num_seconds();
        self.slots.push_back((start, price));
        self.sum += price;
        while let Some(&(oldest, old_price)) = self.slots.front() {
            if oldest > cutoff {
                break;
            }
            self.slots.pop_front();
            self.sum -= old_price;
        }
        self.sum / self.slots.len() as f64
    }

    /// The level of `price` (one slot's, or a period's average) against the week up to the last slot added.
    pub fn level(&self, price: f64) -> Level {
        Level::of(price, self.sum / self.slots.len().max(1) as f64)
    }
}

/// The level of each of `slots` (spot prices, in time order) against the week up to it.
pub fn levels<T: Priced>(slots: &[T]) -> Vec<Level> {
    levels_after(&[], slots)
}

/// The level of each of `slots` (spot prices, in time order) against the week up to it, `earlier` being the
/// slots before them: the week before a window, whose own levels are not asked for.
pub fn levels_after<T: Priced>(earlier: &[T], slots: &[T]) -> Vec<Level> {
    let mut week = TrailingWeek::default();
    for slot in earlier {
        week.push(slot.start(), slot.price());
    }
    slots.iter().map(|s| Level::of(s.price(), week.push(s.start(), s.price()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::stats::Point;

    fn series(first: &str, step_minutes: i64, prices: &[f64]) -> Vec<Point> {
        let first: DateTime<Utc> = first.parse().unwrap();
        prices.iter().enumerate().map(|(i, &p)| Point(first + Duration::minutes(step_minutes * i as i64), p)).collect()
    }

    #[test]
    fn levels_are_ratios_of_the_weeks_average() {
        assert_eq!(Level::of(6.0, 10.0), Level::VeryCheap);
        assert_eq!(Level::of(6.01, 10.0), Level::Cheap);
        assert_eq!(Level::of(9.0, 10.0), Level::Cheap);
        assert_eq!(Level::of(11.49, 10.0), Level::Normal);
        assert_eq!(Level::of(11.5, 10.0), Level::Expensive);
        assert_eq!(Level::of(14.0, 10.0), Level::VeryExpensive);
        assert_eq!(Level::of(-1.0, 10.0), Level::VeryCheap);
        assert_eq!(Level::of(-1.0, -0.5), Level::VeryCheap, "a negative average");
        assert_eq!(Level::of(0.3, 0.0), Level::Normal);
        // Not prices, but defined: NaN and +∞ are very expensive, −∞ very cheap.
        assert_eq!(Level::of(f64::NAN, 10.0), Level::VeryExpensive);
        assert_eq!(Level::of(f64::INFINITY, 10.0), Level::VeryExpensive);
        assert_eq!(Level::of(f64::NEG_INFINITY, 10.0), Level::VeryCheap);
    }

    #[test]
    fn levels_follow_the_trailing_week_not_the_future() {
        // A week at 10, then an hour at 5 and one at 20: very cheap and very expensive against the week.
        let mut prices = vec![10.0; 7 * 24];
        prices.extend([5.0, 20.0]);
        let slots = series("2026-01-01T00:00:00Z", 60, &prices);
        let levels = levels(&slots);
        assert_eq!(levels[7 * 24..], [Level::VeryCheap, Level::VeryExpensive]);
        // The future does not count: the same week followed by a day at 100 gives the same first levels.
        let mut later = prices.clone();
        later.extend([100.0; 24]);
        assert_eq!(super::levels(&series("2026-01-01T00:00:00Z", 60, &later))[..prices.len()], levels[..]);
        // The first slot has only itself to go by.
        assert_eq!(levels[0], Level::Normal);
    }

    #[test]
    fn the_week_is_the_slots_less_than_seven_days_before_and_the_slot_itself() {
        let mut week = TrailingWeek::default();
        let first: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(week.push(first, 100.0), 100.0);
        assert_eq!(week.push(first + Duration::days(6), 10.0), 55.0, "six days on: both");
        assert_eq!(week.push(first + TRAILING, 4.0), 7.0, "seven days on: the first has left");
        assert_eq!(week.level(5.0), Level::Cheap, "5 against 7");
    }

    #[test]
    fn level_names_are_snake_case_on_the_wire_and_classes_in_kebab_case() {
        let names: Vec<String> = Level::ALL.iter().map(|l| serde_json::to_string(l).unwrap()).collect();
        assert_eq!(names, ["\"very_cheap\"", "\"cheap\"", "\"normal\"", "\"expensive\"", "\"very_expensive\""]);
        assert_eq!(Level::ALL.map(Level::index), [0, 1, 2, 3, 4]);
        assert!(Level::ALL.iter().all(|l| l.class() == l.label().replace(' ', "-")));
    }
}
