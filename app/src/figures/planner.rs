//! When to use electricity: the cheapest run of a given length between two times (the planner's, the page's
//! "cheapest 1, 2 and 3 hours" and `/api/v1/cheapest` all ask this one), the cheapest single quarter hours,
//! and what a run costs.
//!
//! Everything is priced by the quarter hour: an hourly slot counts as four quarters at its price, so windows
//! of any length in 15-minute steps work on v1 and v2 files alike. Quarters are UTC-aligned, so a DST change
//! only changes how the times read, and a window never bridges a quarter without a price.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

use crate::records::price::PriceRecord;

/// The planner's step, and the shortest window.
pub const QUARTER: Duration = Duration::minutes(15);
/// The longest window: 12 hours.
pub const MAX_QUARTERS: u32 = 48;

/// A run of consecutive quarter hours and its average price.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub average: f64,
}

/// Prices by the quarter hour from `first`, `None` where no price is known.
#[derive(Clone, Debug, Default)]
pub struct Quarters {
    first: Option<DateTime<Utc>>,
    prices: Vec<Option<f64>>,
}

impl Quarters {
    /// The quarters of `slots` (start, end, price), in time order; slots that do not start on a quarter hour
    /// are left out.
    pub fn new(slots: impl IntoIterator<Item = (DateTime<Utc>, DateTime<Utc>, f64)>) -> Self {
        let mut quarters = Self::default();
        for (start, end, price) in slots {
            if start.duration_trunc(QUARTER).ok() != Some(start) {
                continue;
            }
            let first = *quarters.first.get_or_insert(start);
            let from = (start - first).num_minutes() / 15;
            let to = ((end - first).num_seconds() + 1) / (15 * 60); // ends at …:14:59.999 or on the quarter
            if from < 0 || to <= from {
                continue;
            }
            let (from, to) = (from as usize, to as usize);
            if quarters.prices.len() < to {
                quarters.prices.resize(to, None);
            }
            quarters.prices[from..to].fill(Some(price));
        }
        quarters
    }

    /// The quarters of `records`, in time order.
    pub fn of_records(records: &[PriceRecord]) -> Self {
        Self::new(records.iter().map(|r| (r.start_date, r.slot_end(), r.price)))
    }

    /// The index of the quarter containing `t`, clamped to the series.
    fn index(&self, t: DateTime<Utc>) -> Option<usize> {
        let first = self.first?;
        Some(((t - first).num_seconds().div_euclid(15 * 60)).clamp(0, self.prices.len() as i64) as usize)
    }

    /// When the last quarter ends.
    pub fn end(&self) -> Option<DateTime<Utc>> {
        self.first.map(|_| self.time(self.prices.len()))
    }

    fn time(&self, index: usize) -> DateTime<Utc> {
        self.first.expect("a series with quarters") + QUARTER * index as i32
    }

    /// The price of the quarter containing `t`, if known.
    fn at(&self, t: DateTime<Utc>) -> Option<f64> {
        let index = usize::try_from((t - self.first?).num_seconds().div_euclid(15 * 60)).ok()?;
        self.prices.get(index).copied().flatten()
    }

    /// The quarters of `from..to` (from a quarter hour) that have no price, as spans of missing quarters.
    pub fn missing(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        let mut t = from;
        while t < to {
            if self.at(t).is_none() {
                match spans.last_mut() {
                    Some((_, end)) if *end == t => *end = t + QUARTER,
                    _ => spans.push((t, t + QUARTER)),
                }
            }
            t += QUARTER;
        }
        spans
    }

    /// Until when every quarter has a price, from the one containing `at`; `None` when that one has none.
    pub fn known_until(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.at(at)?;
        let from = self.index(at)?;
        let gap = (from..self.prices.len()).find(|&i| self.prices[i].is_none()).unwrap_or(self.prices.len());
        Some(self.time(gap))
    }

    /// The `quarters`-long window starting with the quarter that contains `start`, when all its prices are known.
    pub fn window_at(&self, start: DateTime<Utc>, quarters: u32) -> Option<Window> {
        let from = self.index(start)?;
        let prices = self.prices.get(from..from + quarters as usize)?;
        let sum = prices.iter().try_fold(0.0, |sum, p| p.map(|p| sum + p))?;
        Some(Window {
            start: self.time(from),
            end: self.time(from + quarters as usize),
            average: sum / quarters as f64,
        })
    }

    /// The cheapest `quarters`-long window that starts no earlier than the quarter containing `earliest` and
    /// ends by `done_by`; the earliest of equally cheap ones.
    pub fn cheapest_window(&self, quarters: u32, earliest: DateTime<Utc>, done_by: DateTime<Utc>) -> Option<Window> {
        let (from, to) = (self.index(earliest)?, self.index(done_by + QUARTER - Duration::milliseconds(1))?);
        let n = quarters as usize;
        let mut best: Option<Window> = None;
        let mut sum = 0.0;
        let mut known = 0;
        for end in from..to {
            if let Some(p) = self.prices[end] {
                sum += p;
                known += 1;
            }
            if end >= from + n
                && let Some(p) = self.prices[end - n]
            {
                sum -= p;
                known -= 1;
            }
            let start = (end + 1).checked_sub(n).filter(|&s| s >= from);
            if let Some(start) = start.filter(|_| known == n && self.time(end + 1) <= done_by) {
                let average = sum / n as f64;
                if best.is_none_or(|b| average < b.average - 1e-9) {
                    best = Some(Window { start: self.time(start), end: self.time(end + 1), average });
                }
            }
        }
        best
    }

    /// The `n` cheapest quarters from the one containing `earliest` to `done_by`, in time order.
    pub fn cheapest_quarters(
        &self,
        n: usize,
        earliest: DateTime<Utc>,
        done_by: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, f64)> {
        let (Some(from), Some(to)) = (self.index(earliest), self.index(done_by)) else { return Vec::new() };
        let mut known: Vec<(usize, f64)> = (from..to).filter_map(|i| self.prices[i].map(|p| (i, p))).collect();
        known.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        known.truncate(n);
        known.sort_by_key(|(i, _)| *i);
        known.into_iter().map(|(i, p)| (self.time(i), p)).collect()
    }
}

/// The page's "cheapest 1, 2 and 3 hours": the cheapest run lasting `hours`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheapestWindow {
    pub hours: u32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub average: f64,
}

/// The cheapest `hours`-long run of known prices from the quarter containing `now` to the last known price,
/// found as the planner finds every run ([`Quarters::cheapest_window`]), so that the card and the planner
/// agree. `None` when the known future is shorter.
pub fn cheapest_hours(prices: &Quarters, now: DateTime<Utc>, hours: u32) -> Option<CheapestWindow> {
    let window = prices.cheapest_window(hours * 4, now, prices.end()?)?;
    Some(CheapestWindow { hours, start: window.start, end: window.end, average: window.average })
}

/// A plan for one run of an appliance: the cheapest window and what starting now would cost instead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub best: Window,
    /// The same length starting in the current quarter, when its prices are known.
    pub now: Option<Window>,
}

impl Plan {
    /// c/kWh saved on average by waiting for the best window.
    pub fn saving(&self) -> Option<f64> {
        self.now.map(|now| now.average - self.best.average)
    }
}

/// Plans a run of `quarters` quarter hours at `now`, between `earliest` (or now) and `done_by`.
pub fn plan(
    prices: &Quarters,
    quarters: u32,
    now: DateTime<Utc>,
    earliest: Option<DateTime<Utc>>,
    done_by: DateTime<Utc>,
) -> Option<Plan> {
    let earliest = earliest.map_or(now, |e| e.max(now));
    let best = prices.cheapest_window(quarters, earliest, done_by)?;
    Some(Plan { best, now: prices.window_at(now, quarters) })
}

/// A run's length that is not 15 minutes to 12 hours in 15-minute steps.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("duration must be 15 minutes to {max} hours in 15-minute steps, like 90, 90m, 1h30m or 2h, not {text:?}", max = MAX_QUARTERS / 4)]
pub struct DurationError {
    text: String,
}

/// A span of time written `90` or `90m` (minutes), `1h30m`, `1h30` or `2h`, in minutes; `None` for anything
/// else. The planner's run lengths and the alert rules' spans are both written so.
pub fn parse_minutes(text: &str) -> Option<u32> {
    let trimmed = text.trim();
    let (hours, rest) = match trimmed.split_once('h') {
        Some((h, rest)) => (h.parse::<u32>().ok()?, rest),
        None => (0, trimmed),
    };
    let minutes = match rest.strip_suffix('m').unwrap_or(rest) {
        "" if trimmed.contains('h') => 0,
        m => m.parse::<u32>().ok()?,
    };
    hours.checked_mul(60)?.checked_add(minutes)
}

/// A run's length in quarters, written as [`parse_minutes`] reads.
pub fn parse_duration(text: &str) -> Result<u32, DurationError> {
    // The answer quotes what it was given, its first 40 characters at most.
    let why = || DurationError { text: text.chars().take(40).collect() };
    let total = parse_minutes(text).ok_or_else(why)?;
    let quarter = QUARTER.num_minutes() as u32;
    if total == 0 || total % quarter != 0 || total / quarter > MAX_QUARTERS {
        return Err(why());
    }
    Ok(total / quarter)
}

/// How a run of `quarters` reads: "45 min", "2 h", "1 h 30 min".
pub fn duration_text(quarters: u32) -> String {
    minutes_text(i64::from(quarters) * QUARTER.num_minutes())
}

/// How a span of whole minutes reads: "45 min", "26 h", "1 h 30 min".
pub fn minutes_text(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The most single quarters a plan lists.
pub const MAX_COUNT: usize = 96;

/// A planner input out of range; the text says what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(String);

/// Energy in kWh: finite, from 0 to 1000.
pub fn check_kwh(kwh: Option<f64>) -> Result<Option<f64>, InputError> {
    match kwh {
        Some(k) if !(k.is_finite() && (0.0..=1000.0).contains(&k)) => {
            Err(InputError(format!("kwh must be a number of kWh from 0 to 1000, not {k}")))
        }
        k => Ok(k),
    }
}

/// The energy a run of `quarters` uses: `kwh` as given, or `kw` (its power) × the run's hours; not both.
pub fn energy(kwh: Option<f64>, kw: Option<f64>, quarters: u32) -> Result<Option<f64>, InputError> {
    match (kwh, kw) {
        (Some(_), Some(_)) => Err(InputError("give kwh or kw, not both".to_owned())),
        (None, Some(kw)) if !(kw.is_finite() && (0.0..=100.0).contains(&kw)) => {
            Err(InputError(format!("kw must be a power in kW from 0 to 100, not {kw}")))
        }
        (None, Some(kw)) => Ok(Some(kw * f64::from(quarters) / 4.0)),
        (kwh, None) => check_kwh(kwh),
    }
}

/// How many single quarters to list: 0 to [`MAX_COUNT`].
pub fn check_count(count: Option<usize>) -> Result<usize, InputError> {
    match count.unwrap_or(0) {
        n if n <= MAX_COUNT => Ok(n),
        n => Err(InputError(format!("count must be 0 to {MAX_COUNT}, not {n}"))),
    }
}

/// What a person asks the planner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ask {
    pub quarters: u32,
    /// Earliest start; now when not given or past.
    pub from: Option<DateTime<Utc>>,
    /// Done by; the end of the known prices when not given.
    pub until: Option<DateTime<Utc>>,
    pub kwh: Option<f64>,
    /// Single cheapest quarters to list as well.
    pub count: usize,
}

/// The planner's answer, in the prices as shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub ask: Ask,
    /// `None` when no run of that length has known prices between the earliest start and the end.
    pub plan: Option<Plan>,
    pub cheapest_quarters: Vec<(DateTime<Utc>, f64)>,
}

/// Answers `ask` at `now` from `prices`.
pub fn answer(prices: &Quarters, ask: Ask, now: DateTime<Utc>, known_until: DateTime<Utc>) -> Answer {
    let until = ask.until.unwrap_or(known_until);
    let earliest = ask.from.map_or(now, |f| f.max(now));
    Answer {
        plan: plan(prices, ask.quarters, now, ask.from, until),
        cheapest_quarters: prices.cheapest_quarters(ask.count, earliest, until),
        ask,
    }
}

/// What `kwh` cost at an average of `cents_per_kwh`, in euros.
pub fn cost_euros(kwh: f64, cents_per_kwh: f64) -> f64 {
    kwh * cents_per_kwh / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// Quarter-hour slots from `first` with these prices (v2 style: ending at …:14:59.999).
    fn quarters(first: &str, prices: &[f64]) -> Quarters {
        let first = t(first);
        Quarters::new(prices.iter().enumerate().map(|(i, &p)| {
            let start = first + QUARTER * i as i32;
            (start, start + QUARTER - Duration::milliseconds(1), p)
        }))
    }

    #[test]
    fn the_cheapest_window_of_each_length_and_the_earliest_of_ties() {
        let q = quarters("2026-01-15T10:00:00Z", &[5.0, 1.0, 2.0, 9.0, 1.0, 2.0, 0.5, 8.0]);
        let tie = quarters("2026-01-15T10:00:00Z", &[3.0, 1.0, 3.0, 1.0]);
        let first_of_ties = tie.cheapest_window(1, t("2026-01-15T10:00:00Z"), t("2026-01-15T11:00:00Z")).unwrap();
        assert_eq!(first_of_ties.start, t("2026-01-15T10:15:00Z"));
        let (from, to) = (t("2026-01-15T10:00:00Z"), t("2026-01-15T12:00:00Z"));
        let one = q.cheapest_window(1, from, to).unwrap();
        assert_eq!((one.start, one.average), (t("2026-01-15T11:30:00Z"), 0.5));
        let two = q.cheapest_window(2, from, to).unwrap();
        assert_eq!((two.start, two.end, two.average), (t("2026-01-15T11:15:00Z"), t("2026-01-15T11:45:00Z"), 1.25));
        let three = q.cheapest_window(3, from, to).unwrap();
        assert_eq!(three.start, t("2026-01-15T11:00:00Z"), "1 + 2 + 0.5");
        let all = q.cheapest_window(8, from, to).unwrap();
        assert_eq!(all.average, 28.5 / 8.0);
        assert!(q.cheapest_window(9, from, to).is_none(), "longer than what is known");
    }

    #[test]
    fn the_cheapest_hours_from_now_across_midnight() {
        // 22:00–02:00 UTC, the cheapest two hours straddle midnight.
        let mut prices = vec![9.0; 16];
        prices[6..14].fill(1.0); // 23:30–01:30
        let q = quarters("2026-01-03T22:00:00Z", &prices);
        let now = t("2026-01-03T22:05:00Z");
        let two = cheapest_hours(&q, now, 2).unwrap();
        assert_eq!((two.start, two.end, two.average), (t("2026-01-03T23:30:00Z"), t("2026-01-04T01:30:00Z"), 1.0));
        let one = cheapest_hours(&q, now, 1).unwrap();
        assert_eq!((one.hours, one.start), (1, t("2026-01-03T23:30:00Z")), "the earliest of equally cheap runs");
        let three = cheapest_hours(&q, now, 3).unwrap();
        assert!((three.average - (8.0 + 4.0 * 9.0) / 12.0).abs() < 1e-12, "{three:?}");
        assert!(cheapest_hours(&q, now, 5).is_none(), "only 4 h known");
        assert!(cheapest_hours(&Quarters::default(), now, 1).is_none(), "nothing known");
    }

    #[test]
    fn the_cheapest_hours_start_in_the_current_quarter_and_skip_gaps() {
        let prices = [0.0, 0.0, 0.0, 0.0, 5.0, 5.0, 5.0, 5.0];
        // At 10:20 the 10:15 quarter is current, the 10:00 one is past.
        let w = cheapest_hours(&quarters("2026-01-03T10:00:00Z", &prices), t("2026-01-03T10:20:00Z"), 1).unwrap();
        assert_eq!((w.start, w.average), (t("2026-01-03T10:15:00Z"), 1.25));
        // A hole at 10:45: the hours before it are too short, so the first whole hour starts after it.
        let holed = Quarters::new(prices.iter().enumerate().filter(|(i, _)| *i != 3).map(|(i, &p)| {
            let start = t("2026-01-03T10:00:00Z") + QUARTER * i as i32;
            (start, start + QUARTER - Duration::milliseconds(1), p)
        }));
        assert_eq!(cheapest_hours(&holed, t("2026-01-03T10:20:00Z"), 1).unwrap().start, t("2026-01-03T11:00:00Z"));
        assert!(cheapest_hours(&holed, t("2026-01-03T11:20:00Z"), 1).is_none(), "less than an hour known from 11:15");
    }

    #[test]
    fn the_cheapest_hours_of_hourly_slots() {
        let q = Quarters::new((0..3).map(|h| {
            let start = t("2024-05-05T10:00:00Z") + Duration::hours(h);
            (start, start + Duration::hours(1), [3.0, 1.0, 2.0][h as usize])
        }));
        let w = cheapest_hours(&q, t("2024-05-05T10:30:00Z"), 2).unwrap();
        assert_eq!((w.start, w.average), (t("2024-05-05T11:00:00Z"), 1.5));
    }

    #[test]
    fn earliest_start_and_done_by_bound_the_window() {
        let q = quarters("2026-01-15T10:00:00Z", &[1.0, 5.0, 5.0, 5.0, 5.0, 0.0]);
        let later = q.cheapest_window(1, t("2026-01-15T10:20:00Z"), t("2026-01-15T11:30:00Z")).unwrap();
        assert_eq!(later.start, t("2026-01-15T11:15:00Z"), "the earliest start's quarter counts, earlier ones not");
        let by_11 = q.cheapest_window(1, t("2026-01-15T10:20:00Z"), t("2026-01-15T11:00:00Z")).unwrap();
        assert_eq!((by_11.start, by_11.average), (t("2026-01-15T10:15:00Z"), 5.0), "must end by 11:00");
        assert!(q.cheapest_window(2, t("2026-01-15T10:00:00Z"), t("2026-01-15T10:20:00Z")).is_none());
    }

    #[test]
    fn windows_do_not_bridge_missing_prices() {
        let first = t("2026-01-15T10:00:00Z");
        let slot = |i: i32, p: f64| (first + QUARTER * i, first + QUARTER * (i + 1) - Duration::milliseconds(1), p);
        // Quarter 2 is missing: the two cheap quarters either side of it are not one window.
        let q = Quarters::new([slot(0, 9.0), slot(1, 0.0), slot(3, 0.0), slot(4, 9.0), slot(5, 1.0)]);
        let two = q.cheapest_window(2, first, first + Duration::hours(2)).unwrap();
        assert_eq!((two.start, two.average), (first, 4.5), "0 + gap + 0 is no window; 9 + 0 is, the first of two");
        assert!(q.window_at(first + QUARTER, 2).is_none());
    }

    #[test]
    fn hourly_slots_count_as_four_quarters_and_negative_prices_are_cheapest() {
        let hour = |h: u32, p: f64| {
            let start = t("2026-01-15T00:00:00Z") + Duration::hours(h.into());
            (start, start + Duration::hours(1), p)
        };
        let q = Quarters::new([hour(0, 4.0), hour(1, -2.0), hour(2, 3.0)]);
        let w = q.cheapest_window(6, t("2026-01-15T00:00:00Z"), t("2026-01-15T03:00:00Z")).unwrap();
        assert_eq!((w.start, w.end), (t("2026-01-15T01:00:00Z"), t("2026-01-15T02:30:00Z")));
        assert_eq!(w.average, (4.0 * -2.0 + 2.0 * 3.0) / 6.0);
        let cheapest = q.cheapest_quarters(5, t("2026-01-15T00:00:00Z"), t("2026-01-15T03:00:00Z"));
        assert_eq!(cheapest.len(), 5);
        assert_eq!(cheapest[0], (t("2026-01-15T01:00:00Z"), -2.0));
        assert_eq!(cheapest[4], (t("2026-01-15T02:00:00Z"), 3.0), "then the next cheapest, in time order");
    }

    #[test]
    fn across_a_dst_change_windows_run_in_real_time() {
        // 2026-10-25 01:00 UTC: Helsinki goes from 04:00 back to 03:00. A 2-hour window is 8 quarters of real
        // time, whatever the clocks show.
        let q = quarters("2026-10-24T23:00:00Z", &[3.0, 3.0, 3.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 5.0]);
        let w = q.cheapest_window(8, t("2026-10-24T23:00:00Z"), t("2026-10-25T02:15:00Z")).unwrap();
        assert_eq!((w.start, w.end, w.average), (t("2026-10-25T00:00:00Z"), t("2026-10-25T02:00:00Z"), 1.0));
    }

    #[test]
    fn a_plan_says_what_waiting_saves_and_what_a_run_costs() {
        let q = quarters("2026-01-15T10:00:00Z", &[10.0, 10.0, 2.0, 2.0]);
        let now = t("2026-01-15T10:05:00Z");
        let plan = plan(&q, 2, now, None, t("2026-01-15T11:00:00Z")).unwrap();
        assert_eq!(plan.best.start, t("2026-01-15T10:30:00Z"));
        assert_eq!(plan.now.unwrap().start, t("2026-01-15T10:00:00Z"), "the current quarter counts as now");
        assert_eq!(plan.saving(), Some(8.0));
        assert_eq!(cost_euros(1.5, plan.best.average), 0.03);
        let long = plan_or_none(&q, 4, now);
        assert_eq!(long.unwrap().saving(), Some(0.0), "the only 1-hour window is now");
    }

    #[test]
    fn durations_in_the_forms_people_write_them() {
        for (text, quarters) in [("15", 1), ("90m", 6), ("1h30m", 6), ("1h30", 6), ("2h", 8), ("12h", 48)] {
            assert_eq!(parse_duration(text), Ok(quarters), "{text}");
        }
        for bad in ["0", "10m", "12h15m", "13h", "", "h", "1.5h", "-15", "abc", "99999999999h"] {
            let why = parse_duration(bad).unwrap_err().to_string();
            assert!(why.contains("15-minute steps"), "{bad:?}: {why}");
        }
        assert_eq!([1, 8, 6].map(duration_text), ["15 min", "2 h", "1 h 30 min"]);
        assert_eq!(energy(None, Some(2.0), 6), Ok(Some(3.0)), "2 kW for 1 h 30 min");
        assert_eq!(energy(Some(1.5), None, 6), Ok(Some(1.5)));
        assert!(energy(Some(1.0), Some(1.0), 6).is_err() && energy(None, Some(-1.0), 6).is_err());
    }

    fn plan_or_none(q: &Quarters, n: u32, now: DateTime<Utc>) -> Option<Plan> {
        plan(q, n, now, None, now + Duration::hours(2))
    }
}
