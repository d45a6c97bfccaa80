//! The alerts' questions: which alerts the rules call for in the log, now and coming; and what the page's card
//! shows of them.

use chrono::{DateTime, Duration, Utc};

use crate::{
    alerts::{
        card::AlertsCard,
        delivery::Delivery,
        due::{self, Alert, Facts},
        rules::Rules,
    },
    figures::{
        format::DisplayZone,
        tariff::Tariff,
        view::{PriceBasis, Shown, View},
    },
    records::csv_log::CsvTail,
};

/// The alerts `rules` call for at `now`: those due and those coming, in the order they are due.
pub fn alerts(log: &CsvTail, now: DateTime<Utc>, zone: DisplayZone, tariff: &Tariff, rules: &Rules) -> Vec<Alert> {
    // An hour before the look-back too: a period running at the horizon must show that it started earlier.
    let from = now - due::LOOK_BACK - Duration::hours(1);
    let spot: Vec<_> = log.index().since(from).collect();
    let to = spot.last().map_or(now, |last| last.slot_end());
    let local = zone.local_time(from - Duration::days(1), to + Duration::days(1));
    let total = Shown { view: View { price: PriceBasis::Total, ..View::default() }, tariff: tariff.clone() }
        .records(spot.clone(), &local);
    let facts = Facts { now, zone, spot: &spot, total: &total, last_received: log.last_received() };
    due::alerts(rules, &facts)
}

/// The page's alerts card: the rules with their next alert, and the `recent` deliveries (newest first).
pub fn card(
    log: &CsvTail,
    now: DateTime<Utc>,
    zone: DisplayZone,
    tariff: &Tariff,
    rules: &Rules,
    recent: Vec<Delivery>,
) -> AlertsCard {
    let coming = alerts(log, now, zone, tariff, rules);
    let from = recent.iter().map(|d| d.time).min().unwrap_or(now).min(now);
    let to = coming.iter().map(|a| a.due).max().unwrap_or(now).max(now);
    crate::alerts::card::card(rules, &coming, now, recent, zone.local_time(from, to + Duration::days(1)))
}
