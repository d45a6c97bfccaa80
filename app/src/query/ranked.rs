//! The slots of a span, each with where it stands: the page's recent table and `/api/v1/prices` both ask this.

use chrono::{DateTime, Duration, Utc};

use crate::{
    figures::{
        format::DisplayZone,
        level,
        ranking::{self, RankedSlot},
        view::Shown,
    },
    records::csv_log::CsvTail,
};

/// The slots starting in `from..to` as `shown` (spot or total, by the quarter or the hour), in time order,
/// each ranked by its shown price within its local day and levelled by its spot price against the week
/// before it.
pub fn ranked(
    log: &CsvTail,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    zone: DisplayZone,
    shown: &Shown,
) -> Vec<RankedSlot> {
    // The week before for the levels, and whole days either side for the ranks.
    let (context_from, context_to) = (from - level::TRAILING - Duration::days(1), to + Duration::days(1));
    let local = zone.local_time(context_from, context_to);
    let spot = shown.spot_records(log.index().range(context_from, context_to).collect());
    let context = shown.priced_records(spot.clone(), &local);
    let standings = ranking::standings(&context, &spot, &local);
    context
        .into_iter()
        .zip(standings)
        .filter(|(slot, _)| from <= slot.start_date && slot.start_date < to)
        .map(|(slot, standing)| RankedSlot { slot, standing })
        .collect()
}
