//! `/api/v1`: the prices for scripts and home automation, in JSON, described by an OpenAPI document at
//! `/api/v1/openapi.json` that utoipa generates from these handlers and types.
//!
//! Prices are c/kWh with VAT (`spot`, `total`) and €/MWh without VAT (`exchange`, as the exchange quotes it).
//! Times are UTC; dates are days of the display time zone. The household's metered energy and its cost are in
//! `energy`.

pub mod calendar;
pub mod energy;
pub mod params;

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use app::{
    alerts::rules::Rules,
    figures::{
        format::{DisplayZone, LocalTime},
        history::DayPrices,
        level::Level,
        planner,
        ranking::RankedSlot,
        tariff::{Breakdown, Tariff},
        view::{PriceBasis, Resolution, Shown, View},
    },
    query::store::PriceStore,
    records::csv_log::CsvLogError,
};
use params::{BadRequest, CheapestQuery, DailyQuery, PricesQuery};

/// What the handlers read.
#[derive(Clone)]
pub struct Api {
    pub store: Arc<PriceStore>,
    pub zone: DisplayZone,
    pub tariff: Arc<Tariff>,
    /// The alert rules, whose periods the calendar shows.
    pub rules: Arc<Rules>,
}

/// The routes under `/api/v1`.
pub fn router(api: Api) -> Router {
    Router::new()
        .route("/now", get(now))
        .route("/prices", get(prices))
        .route("/cheapest", get(cheapest))
        .route("/daily", get(daily))
        .route("/calendar.ics", get(calendar::calendar))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(api)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Electricity price monitor API",
        description = "Finnish spot prices from the monitor's CSV log. Prices in c/kWh with VAT (spot, total) and \
                       EUR/MWh without VAT (exchange). Times in UTC, dates in the display time zone."
    ),
    paths(now, prices, cheapest, daily, calendar::calendar, energy::readings, energy::cost),
    components(schemas(
        Slot,
        Breakdown,
        Level,
        Prices,
        Cheapest,
        Window,
        Quarter,
        Day,
        Failure,
        Resolution,
        PriceBasis,
        energy::Readings,
        app::query::spending::Costs,
        app::query::spending::Period,
        app::records::energy::EnergyRecord,
        app::records::energy::EnergyKind
    ))
)]
pub struct ApiDoc;

/// One slot and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Spot price, c/kWh with VAT.
    pub spot: f64,
    /// What is paid: spot plus the configured fees with VAT, c/kWh.
    pub total: f64,
    /// Spot price as the exchange quotes it, EUR/MWh without VAT.
    pub exchange: f64,
    /// 1 for the cheapest slot of its day.
    pub rank: u32,
    /// Slots known that day.
    pub of: u32,
    /// The spot price against the average of the 7 days up to it, as the dashboard shows it.
    pub level: Level,
    /// The total taken apart.
    pub parts: Breakdown,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Prices {
    pub resolution: Resolution,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub prices: Vec<Slot>,
}

/// A run of quarters and its average price, c/kWh.
#[derive(Debug, Serialize, ToSchema)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub average: f64,
    /// What the run's energy (`kwh`, or `kw` × its hours) cost, euros, when one was given.
    pub cost_euros: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Quarter {
    pub start: DateTime<Utc>,
    pub price: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Cheapest {
    pub duration_minutes: u32,
    pub price: PriceBasis,
    pub best: Window,
    /// The same run starting in the current quarter, when its prices are known.
    pub now: Option<Window>,
    /// c/kWh saved on average by the best run against starting now.
    pub saving: Option<f64>,
    /// The `count` cheapest single quarters in the same span, in time order.
    pub cheapest_quarters: Vec<Quarter>,
}

/// One day's spot prices, c/kWh with VAT.
#[derive(Debug, Serialize, ToSchema)]
pub struct Day {
    pub date: NaiveDate,
    pub average: f64,
    pub min: f64,
    pub max: f64,
    /// The average total price.
    pub total_average: f64,
    pub slots: u32,
    /// The average spot price against the average of the 7 days up to the day's last slot, as the history
    /// panel's daily chart shows it.
    pub level: Level,
}

/// Why a request failed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Failure {
    pub error: String,
}

/// How a request fails: 400 for a bad parameter, 404 when the prices asked for are not known, 500 when the
/// log cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ApiFailure {
    #[error(transparent)]
    Bad(#[from] BadRequest),
    #[error("{0}")]
    NotKnown(String),
    #[error("reading the price log failed: {0}")]
    Log(#[from] CsvLogError),
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Bad(_) => StatusCode::BAD_REQUEST,
            Self::NotKnown(_) => StatusCode::NOT_FOUND,
            Self::Log(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(Failure { error: self.to_string() })).into_response()
    }
}

/// A query string that does not parse (an unknown resolution, a repeated or non-numeric parameter) is a 400
/// with the same JSON as any other mistake.
pub struct Params<T>(T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Params<T> {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(query) = Query::<T>::from_request_parts(parts, state).await.map_err(|e| {
            // Its text may quote the query: as much of it as any other answer does, and the reason.
            let why = crate::log_text::clipped_to(&e.body_text(), 2 * crate::log_text::IN_ANSWERS);
            BadRequest(format!("the query is not valid: {why}"))
        })?;
        Ok(Self(query))
    }
}

impl Api {
    fn local_time(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> LocalTime {
        self.zone.local_time(from - Duration::days(1), to + Duration::days(1))
    }

    /// Midnight starting `date` in the display zone.
    fn midnight(&self, date: NaiveDate) -> DateTime<Utc> {
        self.zone.midnight(date)
    }

    /// The slots starting in `from..to` at `resolution`, each with its standing and total: the page's recent
    /// table's question, at spot.
    fn slots(&self, from: DateTime<Utc>, to: DateTime<Utc>, resolution: Resolution) -> Result<Vec<Slot>, ApiFailure> {
        let shown =
            Shown { view: View { price: PriceBasis::Spot, resolution, ..View::default() }, tariff: Tariff::default() };
        let (zone, local) = (self.zone, self.local_time(from, to));
        let ranked = self.store.read(|log| app::query::ranked::ranked(log, from, to, zone, &shown))?;
        Ok(ranked.into_iter().map(|r| self.slot(r, &local)).collect())
    }

    fn slot(&self, ranked: RankedSlot, local: &LocalTime) -> Slot {
        let RankedSlot { slot, standing } = ranked;
        let b = self.tariff.breakdown(slot.price, slot.start_date, local);
        Slot {
            start: slot.start_date,
            end: slot.slot_end(),
            spot: slot.price,
            total: b.total,
            exchange: self.tariff.exchange_price(slot.price),
            rank: standing.rank,
            of: standing.of,
            level: standing.level,
            parts: b,
        }
    }
}

/// The slot of the current moment.
#[utoipa::path(get, path = "/api/v1/now", responses(
    (status = 200, body = Slot, description = "The slot containing now"),
    (status = 404, body = Failure, description = "No price is known for now"),
))]
async fn now(State(api): State<Api>) -> Result<Json<Slot>, ApiFailure> {
    // The slot of now as the page's card, /readyz and /metrics find it; then its figures as /prices gives them.
    let (now, zone) = (Utc::now(), api.zone);
    let current = api.store.read(|log| app::query::now::current(log, now, zone))?;
    let unknown = || ApiFailure::NotKnown("no price is known for now".to_owned());
    let slot = current.slot.ok_or_else(unknown)?;
    let slots = api.slots(slot.start_date, slot.start_date + Duration::seconds(1), Resolution::Quarter)?;
    slots.into_iter().next().map(Json).ok_or_else(unknown)
}

/// The slots from `from` to `to`.
#[utoipa::path(get, path = "/api/v1/prices", params(PricesQuery), responses(
    (status = 200, body = Prices),
    (status = 400, body = Failure, description = "A parameter is not valid; the error says which and why"),
))]
async fn prices(State(api): State<Api>, Params(query): Params<PricesQuery>) -> Result<Json<Prices>, ApiFailure> {
    let midnight = |date| api.midnight(date);
    let from = match &query.from {
        Some(text) => params::time("from", text, midnight)?,
        None => api.midnight(api.zone.date(Utc::now())),
    };
    let to = match &query.to {
        Some(text) => params::time("to", text, midnight)?,
        None => from + Duration::days(2),
    };
    params::span(from, to)?;
    let resolution = query.resolution.unwrap_or_default();
    Ok(Json(Prices { resolution, from, to, prices: api.slots(from, to, resolution)? }))
}

/// The cheapest run of `duration` between `from` and `until`.
#[utoipa::path(get, path = "/api/v1/cheapest", params(CheapestQuery), responses(
    (status = 200, body = Cheapest),
    (status = 400, body = Failure, description = "A parameter is not valid; the error says which and why"),
    (status = 404, body = Failure, description = "No run of that length has known prices in the span"),
))]
async fn cheapest(State(api): State<Api>, Params(query): Params<CheapestQuery>) -> Result<Json<Cheapest>, ApiFailure> {
    let quarters = params::duration(&query.duration)?;
    let (count, kwh) = (params::count(query.count)?, params::energy(query.kwh, query.kw, quarters)?);
    let now = Utc::now();
    let midnight = |date| api.midnight(date);
    let from = query.from.as_deref().map(|t| params::time("from", t, midnight)).transpose()?;
    let until = match &query.until {
        Some(text) => params::time("until", text, midnight)?,
        None => from.unwrap_or(now) + Duration::days(3),
    };
    params::span(from.unwrap_or(now).min(now), until)?;
    let kind = query.price.unwrap_or(PriceBasis::Total);
    // The planner's own answer, as the page's planner gets it, in the prices asked for.
    let shown = Shown { view: View { price: kind, ..View::default() }, tariff: (*api.tariff).clone() };
    let ask = planner::Ask { quarters, from, until: Some(until), kwh, count };
    let zone = api.zone;
    let answer = api.store.read(|log| app::query::plan::plan(log, now, zone, &shown, ask))?;
    let plan = answer.plan.ok_or_else(|| {
        ApiFailure::NotKnown(format!("no run of {} minutes has known prices in that span", quarters * 15))
    })?;
    let window = |w: planner::Window| Window {
        start: w.start,
        end: w.end,
        average: w.average,
        cost_euros: kwh.map(|kwh| planner::cost_euros(kwh, w.average)),
    };
    Ok(Json(Cheapest {
        duration_minutes: quarters * 15,
        price: kind,
        saving: plan.saving(),
        best: window(plan.best),
        now: plan.now.map(window),
        cheapest_quarters: answer
            .cheapest_quarters
            .into_iter()
            .map(|(start, price)| Quarter { start, price })
            .collect(),
    }))
}

/// Each day's average, lowest and highest spot price.
#[utoipa::path(get, path = "/api/v1/daily", params(DailyQuery), responses(
    (status = 200, body = [Day]),
    (status = 400, body = Failure, description = "A parameter is not valid; the error says which and why"),
))]
async fn daily(State(api): State<Api>, Params(query): Params<DailyQuery>) -> Result<Json<Vec<Day>>, ApiFailure> {
    let today = api.zone.date(Utc::now());
    let to = query.to.as_deref().map(|t| params::date("to", t)).transpose()?.unwrap_or(today + Duration::days(1));
    let from = query.from.as_deref().map(|t| params::date("from", t)).transpose()?.unwrap_or(to - Duration::days(30));
    params::span(api.midnight(from), api.midnight(to + Duration::days(1)))?;
    let (zone, tariff) = (api.zone, &*api.tariff);
    let days = api.store.read(|log| app::query::daily::daily(log, zone, tariff, from, to))?;
    let day = |d: DayPrices| Day {
        date: d.date,
        average: d.spot.mean(),
        min: d.spot.min(),
        max: d.spot.max(),
        total_average: d.shown.mean(),
        slots: d.spot.slots(),
        level: d.level,
    };
    Ok(Json(days.into_iter().map(day).collect()))
}
