//! `/api/v1/energy` and `/api/v1/cost`: the household's metered energy (imported with `import-energy`) and
//! what it cost at the spot prices of the price log, by month and in all.

use std::sync::Arc;

use axum::{Json, Router, extract::State, routing::get};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use app::{
    figures::{format::DisplayZone, tariff::Tariff},
    query::{
        energy::{self, Terms},
        spending::Costs,
        store::{EnergyStore, PriceStore},
    },
    records::energy::{EnergyKind, EnergyRecord},
};

use super::{
    ApiFailure, Params,
    params::{self, BadRequest, EnergyQuery},
};

/// What the handlers read.
#[derive(Clone)]
pub struct EnergyApi {
    pub prices: Arc<PriceStore>,
    pub energy: Arc<EnergyStore>,
    pub zone: DisplayZone,
    pub tariff: Arc<Tariff>,
    pub terms: Terms,
}

pub fn router(api: EnergyApi) -> Router {
    Router::new().route("/energy", get(readings)).route("/cost", get(cost)).with_state(api)
}

/// The metered intervals of a span of days.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readings {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Energy bought, kWh.
    pub consumption_kwh: f64,
    /// Energy sold, kWh.
    pub production_kwh: f64,
    /// The latest reading of each interval, in time order.
    pub intervals: Vec<EnergyRecord>,
}

impl EnergyApi {
    /// The days asked for, or those with metered energy; a 404 when there is none.
    fn days(&self, query: &EnergyQuery) -> Result<(NaiveDate, NaiveDate), ApiFailure> {
        let known = self.energy.read(|log| energy::days(log, self.zone))?;
        let given = |name, text: &Option<String>| text.as_deref().map(|t| params::date(name, t)).transpose();
        let (from, to) = (given("from", &query.from)?, given("to", &query.to)?);
        let (from, to) = match (from, to, known) {
            (Some(from), Some(to), _) => (from, to),
            (from, to, Some((first, last))) => {
                let to = to.unwrap_or(last);
                (from.unwrap_or_else(|| first.max(to - Duration::days(energy::MOST_DAYS - 1))), to)
            }
            (_, _, None) => {
                return Err(ApiFailure::NotKnown(
                    "no metered energy yet: import a Datahub export with `price-monitor import-energy FILE`".to_owned(),
                ));
            }
        };
        params::span(self.zone.midnight(from), self.zone.midnight(to + Duration::days(1)))?;
        Ok((from, to))
    }

    fn readings(&self, days: (NaiveDate, NaiveDate)) -> Result<Vec<EnergyRecord>, ApiFailure> {
        Ok(self.energy.read(|log| energy::readings_of_days(log, self.zone, days))?)
    }
}

/// The metered energy of a span of days.
#[utoipa::path(
    get,
    path = "/api/v1/energy",
    params(EnergyQuery),
    responses(
        (status = 200, body = Readings),
        (status = 400, body = super::Failure),
        (status = 404, description = "no metered energy imported", body = super::Failure)
    )
)]
pub async fn readings(
    State(api): State<EnergyApi>,
    Params(query): Params<EnergyQuery>,
) -> Result<Json<Readings>, ApiFailure> {
    let (from, to) = api.days(&query)?;
    let intervals = api.readings((from, to))?;
    let kwh = |kind| intervals.iter().filter(|r| r.kind == kind).map(|r| r.kwh).sum();
    let (consumption_kwh, production_kwh) = (kwh(EnergyKind::Consumption), kwh(EnergyKind::Production));
    Ok(Json(Readings { from, to, consumption_kwh, production_kwh, intervals }))
}

/// What the metered energy of a span of days cost at the spot price of each slot with the fees, against a
/// fixed price, what the timing of use saved, and what production earned; by month and in all.
#[utoipa::path(
    get,
    path = "/api/v1/cost",
    params(EnergyQuery),
    responses(
        (status = 200, body = Costs),
        (status = 400, body = super::Failure),
        (status = 404, description = "no metered energy imported", body = super::Failure)
    )
)]
pub async fn cost(State(api): State<EnergyApi>, Params(query): Params<EnergyQuery>) -> Result<Json<Costs>, ApiFailure> {
    if let Some(fixed) = query.fixed.filter(|f| !f.is_finite() || f.abs() > 1000.0) {
        return Err(BadRequest(format!("fixed must be a price in c/kWh, not {fixed}")).into());
    }
    let days = api.days(&query)?;
    let readings = api.readings(days)?;
    let terms = Terms { fixed: query.fixed.or(api.terms.fixed), ..api.terms };
    let pricing = api.prices.read(|log| energy::Pricing::new(log, api.zone, &api.tariff, terms, days))?;
    Ok(Json(energy::costs(&readings, &pricing)))
}
