//! What metered energy cost, interval by interval: each interval at the spot price of its slot plus the
//! tariff's fees, against a fixed price, and what the timing of use saved; and what energy fed to the grid was
//! worth.
//!
//! An interval is priced at the average spot price of the quarters it covers: a quarter at its own price, an
//! hour of energy (an older export) at the average of its four quarters, since the hour's energy is not known
//! quarter by quarter. An interval with any quarter unpriced is reported, not guessed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::figures::{
    format::LocalTime,
    planner::{QUARTER, Quarters},
    tariff::Tariff,
};

/// Energy over one interval, as metered.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metered {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub kwh: f64,
}

/// A consumed interval, priced (c/kWh with VAT; euros).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bought {
    pub metered: Metered,
    /// The average spot price of its quarters.
    pub spot: f64,
    /// The spot price with the fees.
    pub total: f64,
    pub euros: f64,
}

/// Consumption over a span, priced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Bill {
    pub bought: Vec<Bought>,
    /// Intervals without a price for every quarter: left out of every figure.
    pub unpriced: Vec<Metered>,
    pub kwh: f64,
    /// The priced intervals at the total price, euros, without the monthly fees.
    pub euros: f64,
}

impl Bill {
    /// Prices `consumed` (in time order) at the spot prices of `spot` with `tariff`'s fees.
    pub fn of(consumed: &[Metered], spot: &Quarters, tariff: &Tariff, local: &LocalTime) -> Self {
        let mut bill = Self::default();
        for metered in consumed {
            match interval_spot(spot, metered) {
                Some(price) => {
                    let total = tariff.breakdown(price, metered.start, local).total;
                    let euros = metered.kwh * total / 100.0;
                    bill.kwh += metered.kwh;
                    bill.euros += euros;
                    bill.bought.push(Bought { metered: *metered, spot: price, total, euros });
                }
                None => bill.unpriced.push(*metered),
            }
        }
        bill
    }

    /// The energy-weighted average spot price paid, c/kWh; `None` without energy.
    pub fn spot_paid(&self) -> Option<f64> {
        (self.kwh > 0.0).then(|| self.bought.iter().map(|b| b.metered.kwh * b.spot).sum::<f64>() / self.kwh)
    }

    /// The plain average spot price of the priced intervals' time, c/kWh: what a flat use would have paid.
    pub fn spot_plain(&self) -> Option<f64> {
        let minutes: i64 = self.bought.iter().map(|b| (b.metered.end - b.metered.start).num_minutes()).sum();
        (minutes > 0).then(|| {
            let weighted: f64 =
                self.bought.iter().map(|b| b.spot * (b.metered.end - b.metered.start).num_minutes() as f64).sum();
            weighted / minutes as f64
        })
    }

    /// What the timing of use saved (positive) or cost (negative) against a flat use of the same energy: in
    /// c/kWh, and in euros.
    pub fn timing_effect(&self) -> Option<(f64, f64)> {
        let effect = self.spot_plain()? - self.spot_paid()?;
        Some((effect, effect * self.kwh / 100.0))
    }

    /// What the same energy would have cost at a fixed price of `fixed` c/kWh with VAT, in place of the spot
    /// price and the seller's margin (the transfer fee and the tax stay), euros.
    pub fn at_fixed_price(&self, fixed: f64, tariff: &Tariff, local: &LocalTime) -> f64 {
        let no_energy = Tariff { margin: 0.0, ..tariff.clone() };
        self.bought
            .iter()
            .map(|b| b.metered.kwh * (fixed + no_energy.breakdown(0.0, b.metered.start, local).total) / 100.0)
            .sum()
    }
}

/// Production over a span, valued: the spot price without VAT (a household sells without VAT) less the
/// buyer's margin `sell_margin` (c/kWh), in euros; and the intervals without a price.
pub fn sold_value(produced: &[Metered], spot: &Quarters, tariff: &Tariff, sell_margin: f64) -> (f64, Vec<Metered>) {
    let mut unpriced = Vec::new();
    let mut euros = 0.0;
    for metered in produced {
        match interval_spot(spot, metered) {
            Some(price) => euros += metered.kwh * (tariff.exchange_price(price) / 10.0 - sell_margin) / 100.0,
            None => unpriced.push(*metered),
        }
    }
    (euros, unpriced)
}

/// The average spot price of the quarters of `metered`, when each has one.
fn interval_spot(spot: &Quarters, metered: &Metered) -> Option<f64> {
    let quarters = ((metered.end - metered.start).num_minutes() / QUARTER.num_minutes()) as u32;
    spot.window_at(metered.start, quarters.max(1)).filter(|w| w.start == metered.start).map(|w| w.average)
}

#[cfg(test)]
mod tests;
