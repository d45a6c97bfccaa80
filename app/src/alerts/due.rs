//! Which alerts the prices call for: each rule's happenings, each with a stable id, when it is to be sent and
//! until when sending it is of use.
//!
//! An alert's id is its rule's name and the period it is about (the period's start, the deadline, the day), so
//! that evaluating the same prices again, after a restart or a quarter later, gives the same ids: whoever
//! sends them remembers the ids, not the times it looked. A revised price changes an alert's figures, not its
//! id, which is how a correction is told from a new alert.

use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    alerts::rules::{Rule, RuleKind, Rules},
    figures::{
        format::{DisplayZone, LocalTime, price},
        planner::{self, QUARTER, Quarters},
        view::PriceBasis,
    },
    records::price::PriceRecord,
};

/// How far back a `below` or `above` period is looked for. A period already running at this horizon has an
/// unknown start, so it has no id and is left out: its alert was due when it started.
pub const LOOK_BACK: Duration = Duration::days(2);
/// A `stale` alert is of use for this long, unless prices come back first.
const STALE_KEPT: Duration = Duration::days(7);

/// One alert a rule calls for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The rule's name and the period: the same at every evaluation of the same happening.
    pub id: String,
    pub rule: String,
    /// The price the figures are in.
    pub price: PriceBasis,
    /// When it is to be sent.
    pub due: DateTime<Utc>,
    /// When sending it stops being of use.
    pub expires: DateTime<Utc>,
    pub event: Event,
}

/// What happened, with its figures (c/kWh).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Tomorrow's prices arrived: the day's average and its cheapest and dearest hour.
    TomorrowPublished { date: NaiveDate, average: f64, lowest: Hour, highest: Hour },
    /// A continuous period below or above the threshold.
    Period { above: bool, threshold: f64, start: DateTime<Utc>, end: DateTime<Utc>, average: f64 },
    /// The cheapest run that ends by `done_by`, against starting when the prices for it were known.
    CheapestRun {
        done_by: DateTime<Utc>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        average: f64,
        /// c/kWh saved against starting at `instead`.
        saving: Option<f64>,
        instead: DateTime<Utc>,
        /// The saving in euros, when the rule gives the run's kWh.
        saving_euros: Option<f64>,
    },
    /// The cheapest run starts now.
    RunStarts { start: DateTime<Utc>, end: DateTime<Utc>, average: f64 },
    /// No new price since `last_received`.
    Stale { last_received: DateTime<Utc> },
    /// Tomorrow's prices had not arrived at the rule's time.
    TomorrowMissing { date: NaiveDate },
}

/// One local hour's average.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hour {
    pub start: DateTime<Utc>,
    pub average: f64,
}

/// What the rules are evaluated on.
pub struct Facts<'a> {
    pub now: DateTime<Utc>,
    pub zone: DisplayZone,
    /// The spot prices from [`LOOK_BACK`] before now on, in time order, each with when it was received.
    pub spot: &'a [PriceRecord],
    /// The same slots at the total price.
    pub total: &'a [PriceRecord],
    /// When the last price arrived.
    pub last_received: Option<DateTime<Utc>>,
}

impl Facts<'_> {
    fn records(&self, basis: PriceBasis) -> &[PriceRecord] {
        match basis {
            PriceBasis::Spot => self.spot,
            PriceBasis::Total => self.total,
        }
    }

    /// When the last of the prices of `from..to` was received.
    fn known_at(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.spot.iter().filter(|r| r.start_date < to && r.slot_end() > from).map(|r| r.timestamp).max()
    }

    fn day(&self, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.zone.midnight(date), self.zone.midnight(date.succ_opt().unwrap_or(date)))
    }
}

/// Every alert `rules` call for in `facts`, the coming ones too, in the order they are due.
pub fn alerts(rules: &Rules, facts: &Facts) -> Vec<Alert> {
    let mut alerts: Vec<Alert> = rules.rules.iter().flat_map(|rule| rule_alerts(rule, facts)).collect();
    alerts.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
    alerts
}

fn rule_alerts(rule: &Rule, facts: &Facts) -> Vec<Alert> {
    let quarters = Quarters::of_records(facts.records(rule.price));
    let alert = |id: String, due, expires, event| Alert {
        id: format!("{}/{id}", rule.name),
        rule: rule.name.clone(),
        price: rule.price,
        due,
        expires,
        event,
    };
    match &rule.kind {
        RuleKind::TomorrowPublished => tomorrow_published(&quarters, facts)
            .map(|(due, expires, event)| alert(format!("tomorrow/{}", facts.zone.date(expires)), due, expires, event))
            .into_iter()
            .collect(),
        &RuleKind::Threshold { above, threshold, lead } => periods(&quarters, facts.now, above, threshold)
            .into_iter()
            .map(|(start, end, average)| {
                let event = Event::Period { above, threshold, start, end, average };
                alert(format!("{}/{}", if above { "above" } else { "below" }, stamp(start)), start - lead, end, event)
            })
            .collect(),
        &RuleKind::CheapestRun { quarters: length, done_by, kwh } => {
            let today = facts.zone.date(facts.now);
            let mut alerts = Vec::new();
            for date in today.iter_days().take(3) {
                let deadline = facts.zone.instant(date.and_time(done_by));
                let Some(run) = cheapest_run(&quarters, facts, length, deadline, kwh) else { continue };
                let Event::CheapestRun { start, end, average, .. } = run.1 else { continue };
                alerts.push(alert(format!("run/{}", stamp(deadline)), run.0, start, run.1));
                let starts = Event::RunStarts { start, end, average };
                alerts.push(alert(format!("start/{}", stamp(deadline)), start, start + QUARTER, starts));
            }
            alerts
        }
        &RuleKind::Stale { after, tomorrow_missing_at } => {
            let mut alerts = Vec::new();
            if let Some(last) = facts.last_received.filter(|last| *last + after <= facts.now) {
                let event = Event::Stale { last_received: last };
                alerts.push(alert(format!("stale/{}", stamp(last)), last + after, last + after + STALE_KEPT, event));
            }
            let today = facts.zone.date(facts.now);
            let tomorrow = today.succ_opt().unwrap_or(today);
            let at = tomorrow_missing_at.map(|time| facts.zone.instant(today.and_time(time)));
            if let Some(at) = at.filter(|at| *at <= facts.now) {
                let (from, to) = facts.day(tomorrow);
                if !covers(&quarters, from, to) {
                    let event = Event::TomorrowMissing { date: tomorrow };
                    alerts.push(alert(format!("missing/{tomorrow}"), at, from, event));
                }
            }
            alerts
        }
    }
}

/// A UTC time as an id's part: `2026-01-15T02:00Z`.
fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%MZ").to_string()
}

/// Every quarter of `from..to` has a price.
fn covers(quarters: &Quarters, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    let n = ((to - from).num_minutes() / QUARTER.num_minutes()) as u32;
    n > 0 && quarters.window_at(from, n).is_some_and(|w| w.start == from)
}

/// Tomorrow's prices, when all are known: when they were, until when that is news (tomorrow's start), and the
/// day's figures.
fn tomorrow_published(quarters: &Quarters, facts: &Facts) -> Option<(DateTime<Utc>, DateTime<Utc>, Event)> {
    let date = facts.zone.date(facts.now).succ_opt()?;
    let (from, to) = facts.day(date);
    if !covers(quarters, from, to) {
        return None;
    }
    let n = ((to - from).num_minutes() / QUARTER.num_minutes()) as u32;
    let average = quarters.window_at(from, n)?.average;
    // The local day's hours, 23 or 25 of them on a DST day; Finnish hours are whole UTC hours.
    let hours: Vec<Hour> = (0..)
        .map(|h| from + Duration::hours(h))
        .take_while(|start| *start < to)
        .filter_map(|start| quarters.window_at(start, 4).map(|w| Hour { start, average: w.average }))
        .collect();
    let lowest = *hours.iter().min_by(|a, b| a.average.total_cmp(&b.average))?;
    let highest = *hours.iter().rev().max_by(|a, b| a.average.total_cmp(&b.average))?;
    let due = facts.known_at(from, to).unwrap_or(facts.now);
    Some((due, from, Event::TomorrowPublished { date, average, lowest, highest }))
}

/// The continuous runs of known quarters below (or above) `threshold` that end after `now`: start, end and
/// average. A run that begins where the look-back does is left out (see [`LOOK_BACK`]).
fn periods(
    quarters: &Quarters,
    now: DateTime<Utc>,
    above: bool,
    threshold: f64,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, f64)> {
    let (Ok(horizon), Some(end)) = ((now - LOOK_BACK).duration_trunc(QUARTER), quarters.end()) else {
        return Vec::new();
    };
    let within = |p: f64| if above { p > threshold } else { p < threshold };
    let mut found = Vec::new();
    let mut run: Option<(DateTime<Utc>, f64, u32)> = None; // start, sum, quarters
    let mut t = horizon;
    while t <= end {
        // window_at clamps a time before the first quarter to it: only a window at `t` itself counts.
        let price = quarters.window_at(t, 1).filter(|w| w.start == t).map(|w| w.average);
        match (price.filter(|p| within(*p)), run) {
            (Some(p), Some((start, sum, n))) => run = Some((start, sum + p, n + 1)),
            (Some(p), None) => run = Some((t, p, 1)),
            (None, Some((start, sum, n))) => {
                if start > horizon && t > now {
                    found.push((start, t, sum / f64::from(n)));
                }
                run = None;
            }
            (None, None) => {}
        }
        t += QUARTER;
    }
    found
}

/// The cheapest run of `length` quarters ending by `deadline`, once every price up to the deadline is known:
/// when the alert is due (the moment they were known) and its figures. It starts no earlier than then, and no
/// earlier than a day before the deadline.
fn cheapest_run(
    quarters: &Quarters,
    facts: &Facts,
    length: u32,
    deadline: DateTime<Utc>,
    kwh: Option<f64>,
) -> Option<(DateTime<Utc>, Event)> {
    let day_before = deadline - Duration::days(1);
    if deadline <= facts.now || !covers(quarters, facts.now.duration_trunc(QUARTER).ok()?, deadline) {
        return None;
    }
    let known = facts.known_at(day_before, deadline)?;
    let instead = next_quarter(known.max(day_before));
    let best = quarters.cheapest_window(length, instead, deadline)?;
    let saving = quarters.window_at(instead, length).map(|now| now.average - best.average);
    let event = Event::CheapestRun {
        done_by: deadline,
        start: best.start,
        end: best.end,
        average: best.average,
        saving,
        instead,
        saving_euros: kwh.zip(saving).map(|(kwh, saving)| planner::cost_euros(kwh, saving)),
    };
    Some((known, event))
}

impl Alert {
    /// A line for a notification's title.
    pub fn title(&self, local: &LocalTime) -> String {
        let rule = &self.rule;
        match &self.event {
            Event::TomorrowPublished { .. } => format!("{rule}: tomorrow's prices are out"),
            Event::Period { above, threshold, start, .. } => {
                let side = if *above { "above" } else { "below" };
                format!("{rule}: {side} {} c/kWh from {}", price(*threshold), local.time(*start))
            }
            Event::CheapestRun { start, .. } => format!("{rule}: cheapest start {}", local.date_time(*start)),
            Event::RunStarts { .. } => format!("{rule}: start now"),
            Event::Stale { .. } => format!("{rule}: no new prices"),
            Event::TomorrowMissing { .. } => format!("{rule}: tomorrow's prices are missing"),
        }
    }

    /// The notification's text: the figures, in the display zone's time.
    pub fn text(&self, local: &LocalTime) -> String {
        let basis = match self.price {
            PriceBasis::Spot => "spot price",
            PriceBasis::Total => "total price",
        };
        let span =
            |start: &DateTime<Utc>, end: &DateTime<Utc>| format!("{} to {}", local.date_time(*start), local.time(*end));
        match &self.event {
            Event::TomorrowPublished { date, average, lowest, highest } => format!(
                "{}: the {basis} averages {} c/kWh; cheapest hour {} ({}), dearest {} ({}).",
                date.format("%a %-d %b"),
                price(*average),
                local.time(lowest.start),
                price(lowest.average),
                local.time(highest.start),
                price(highest.average),
            ),
            Event::Period { above, threshold, start, end, average } => format!(
                "From {}, the {basis} is {} {} c/kWh, {} on average.",
                span(start, end),
                if *above { "above" } else { "below" },
                price(*threshold),
                price(*average),
            ),
            Event::CheapestRun { done_by, start, end, average, saving, instead, saving_euros } => {
                let mut text = format!(
                    "The cheapest run done by {} is {}, at {} c/kWh on average",
                    local.date_time(*done_by),
                    span(start, end),
                    price(*average)
                );
                if let Some(saving) = saving {
                    text += &format!(": {} c/kWh less than starting at {}", price(*saving), local.time(*instead));
                }
                if let Some(euros) = saving_euros {
                    text += &format!(" ({euros:.2} €)");
                }
                text + "."
            }
            Event::RunStarts { start, end, average } => {
                format!("The cheapest run starts now: {}, at {} c/kWh on average.", span(start, end), price(*average))
            }
            Event::Stale { last_received } => {
                format!("No new price has arrived since {}.", local.date_time(*last_received))
            }
            Event::TomorrowMissing { date } => format!("No prices for {} have arrived yet.", date.format("%a %-d %b")),
        }
    }
}

/// `t`, or the start of the next quarter if `t` falls inside one: when a run can start at `t` the soonest.
fn next_quarter(t: DateTime<Utc>) -> DateTime<Utc> {
    match t.duration_trunc(QUARTER) {
        Ok(start) if start < t => start + QUARTER,
        _ => t,
    }
}
