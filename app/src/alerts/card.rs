//! What the page's alerts card shows: each rule, what it watches, where it sends and its next alert; and the
//! last deliveries the notifier logged.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{alerts::delivery::Delivery, figures::format::LocalTime};
#[cfg(feature = "ssr")]
use crate::{
    alerts::{
        due::Alert,
        rules::{Rule, RuleKind, Rules},
    },
    figures::{
        format::price,
        planner::{duration_text, minutes_text},
        view::PriceBasis,
    },
};

/// How many of the last deliveries the card lists.
pub const RECENT: usize = 10;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertsCard {
    pub rules: Vec<RuleLine>,
    /// The last deliveries, newest first.
    pub recent: Vec<Delivery>,
    /// The display zone over the card's times.
    pub zone: LocalTime,
}

/// One rule as the card lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleLine {
    pub name: String,
    /// What it watches, in words: "spot price below 5.00 c/kWh, 30 min before each period".
    pub watches: String,
    pub channels: Vec<String>,
    /// Its next alert not yet due, if the known prices call for one.
    pub next: Option<Coming>,
}

/// An alert to come.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coming {
    pub title: String,
    pub due: DateTime<Utc>,
}

/// The card of `rules`, their `alerts` (as [`crate::alerts::due::alerts`] lists them, in the order they are due)
/// at `now`, and the `recent` deliveries; `zone` covers the alerts' times and the deliveries'.
#[cfg(feature = "ssr")]
pub fn card(rules: &Rules, alerts: &[Alert], now: DateTime<Utc>, recent: Vec<Delivery>, zone: LocalTime) -> AlertsCard {
    let next = |rule: &Rule| {
        alerts.iter().find(|a| a.rule == rule.name && a.due > now).map(|a| Coming { title: a.title(&zone), due: a.due })
    };
    let rules = rules
        .rules
        .iter()
        .map(|rule| RuleLine {
            name: rule.name.clone(),
            watches: watches(rule),
            channels: rule.channels.clone(),
            next: next(rule),
        })
        .collect();
    AlertsCard { rules, recent: recent.into_iter().take(RECENT).collect(), zone }
}

/// What `rule` watches, in words.
#[cfg(feature = "ssr")]
pub fn watches(rule: &Rule) -> String {
    let basis = match rule.price {
        PriceBasis::Spot => "spot price",
        PriceBasis::Total => "total price",
    };
    match &rule.kind {
        RuleKind::TomorrowPublished => "tomorrow's prices, once they are out".to_owned(),
        RuleKind::Threshold { above, threshold, lead } => format!(
            "{basis} {} {} c/kWh, {} before each period",
            if *above { "above" } else { "below" },
            price(*threshold),
            minutes_text(lead.num_minutes())
        ),
        RuleKind::CheapestRun { quarters, done_by, kwh } => {
            let energy = kwh.map(|kwh| format!(", {kwh} kWh")).unwrap_or_default();
            format!(
                "the cheapest {} run done by {}{energy}, by its {basis}",
                duration_text(*quarters),
                done_by.format("%H:%M")
            )
        }
        RuleKind::Stale { after, tomorrow_missing_at } => {
            let missing = tomorrow_missing_at
                .map(|at| format!(", or tomorrow's prices still missing at {}", at.format("%H:%M")))
                .unwrap_or_default();
            format!("no new price for {}{missing}", minutes_text(after.num_minutes()))
        }
    }
}
