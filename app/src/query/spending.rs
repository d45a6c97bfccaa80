//! What the household's metered energy cost, as the page and `/api/v1/cost` show it: by month and in all
//! (`Costs`), and where the money went (`Spending`: by day, by hour of the day, the dearest intervals). The
//! types travel to the browser; `query::energy` computes them on the server.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::figures::{cost::Bought, format::LocalTime};

/// The costs of a span of local days: each month with metered energy, then the whole span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Costs {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub months: Vec<Period>,
    pub total: Period,
}

/// One period's energy, priced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Period {
    /// The month, `2026-01`, or `all` for the whole span.
    pub period: String,
    /// Energy bought, kWh (the intervals priced).
    pub kwh: f64,
    /// What it cost at the spot price of its slots with the fees, euros, without the monthly fees.
    pub euros: f64,
    /// How many months' basic fees the period carries: each month's share of its days in the span asked for.
    pub fee_months: f64,
    /// The basic fees of the contract and the network for those months, euros.
    pub fees_euros: f64,
    /// `euros` and `fees_euros`: the period's bill on the spot contract.
    pub bill_euros: f64,
    /// The average spot price paid, weighted by the energy, c/kWh.
    pub spot_paid: Option<f64>,
    /// The plain average spot price of the same intervals, c/kWh: what using the energy evenly would have paid.
    pub spot_plain: Option<f64>,
    /// What the timing of use saved (positive) or cost (negative) against using it evenly, c/kWh.
    pub timing_cents_per_kwh: Option<f64>,
    /// The same, euros.
    pub timing_euros: Option<f64>,
    /// What the same energy would have cost at the fixed price (`fixed`), euros, without the monthly fees.
    pub fixed_euros: Option<f64>,
    /// The bill on the fixed-price contract: `fixed_euros` with its basic fee and the network's, euros.
    pub fixed_bill_euros: Option<f64>,
    /// Energy sold, kWh (the intervals priced).
    pub sold_kwh: f64,
    /// What it earned: the spot price without VAT less the buyer's margin, euros.
    pub sold_euros: f64,
    /// `bill_euros` less `sold_euros`.
    pub net_euros: f64,
    /// Intervals left out of every figure because a slot of theirs has no price.
    pub unpriced: u32,
}

/// The basic fees of a month's bill, euros with VAT: the spot contract's, the network's (paid on either
/// contract) and the fixed-price contract's it is compared with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MonthlyFees {
    pub contract: f64,
    pub network: f64,
    pub fixed_contract: f64,
}

/// Where the money for the consumption went.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spending {
    /// Each local day with priced consumption, in order.
    pub days: Vec<DayCost>,
    /// Each local hour of the day (0–23) with priced consumption.
    pub hours: Vec<HourCost>,
    /// The intervals that cost the most, dearest first.
    pub dearest: Vec<Bought>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayCost {
    pub date: NaiveDate,
    pub kwh: f64,
    pub euros: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HourCost {
    /// The local hour of the day, 0–23.
    pub hour: u32,
    pub kwh: f64,
    pub euros: f64,
}

/// The page's "Your electricity" section: the costs of every day with metered energy, where the money went,
/// and the local times to show them in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnergyCard {
    pub costs: Costs,
    pub spending: Spending,
    /// The fixed price compared with, c/kWh, if one is set.
    pub fixed: Option<f64>,
    pub fees: MonthlyFees,
    pub zone: LocalTime,
}
