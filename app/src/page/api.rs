//! Server functions: what the browser may ask the server for. Every parameter is checked on the server; a bad
//! one is answered with status 400 and a sentence saying what is allowed.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    page::wire::BrowserJson,
    query::dashboard::{DashboardData, HoursError},
};

/// Why a server function gave no answer. Its text is what the page shows; on the wire it is
/// `{"kind": "bad_request" | "log" | "call", "error": "…"}`, readable by any client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "error", rename_all = "snake_case")]
pub enum ApiError {
    /// A parameter outside what is allowed (status 400), and what is allowed.
    #[error("{0}")]
    BadRequest(String),
    /// The CSV log could not be read (status 500).
    #[error("reading the price log failed: {0}")]
    Log(String),
    /// The call itself failed: the network, or arguments the server could not decode.
    #[error("{0}")]
    Call(String),
}

impl From<crate::figures::view::ViewError> for ApiError {
    fn from(e: crate::figures::view::ViewError) -> Self {
        Self::BadRequest(e.to_string())
    }
}

impl From<HoursError> for ApiError {
    fn from(e: HoursError) -> Self {
        Self::BadRequest(e.to_string())
    }
}

impl FromServerFnError for ApiError {
    type Encoder = BrowserJson;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments the server cannot decode (missing, repeated) are the caller's mistake, like a bad value.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                #[cfg(feature = "ssr")]
                ssr::set_status(http::StatusCode::BAD_REQUEST);
                Self::BadRequest(value.to_string())
            }
            _ => Self::Call(value.to_string()),
        }
    }
}

/// The page's question as its URL asks it, one field per URL parameter: the history shown (`hours`), the view
/// (`price`, `res`, `unit`, see [`crate::figures::view::View`]) and the planner's inputs (`duration`, then `from`,
/// `until`, `kwh` or `kw`, and `count`). The browser sends the fields as they are, as form fields; the server
/// checks them once, in [`dashboard`], and a bad one is a 400 naming what is allowed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PageQuery {
    pub hours: String,
    pub price: Option<String>,
    pub res: Option<String>,
    pub unit: Option<String>,
    pub duration: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub kwh: Option<String>,
    pub kw: Option<String>,
    pub count: Option<String>,
}

impl PageQuery {
    /// The question of a URL's parameters; `hours` is `default_hours` when the URL does not say.
    pub fn from_url(params: &leptos_router::params::ParamsMap, default_hours: u32) -> Self {
        let get = |key: &str| params.get(key);
        Self {
            hours: get("hours").unwrap_or_else(|| default_hours.to_string()),
            price: get("price"),
            res: get("res"),
            unit: get("unit"),
            duration: get("duration"),
            from: get("from"),
            until: get("until"),
            kwh: get("kwh"),
            kw: get("kw"),
            count: get("count"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_travel_as_a_kind_and_a_sentence() {
        let json = serde_json::to_string(&ApiError::from(HoursError)).unwrap();
        assert_eq!(json, r#"{"kind":"bad_request","error":"hours must be a whole number from 1 to 100000"}"#);
        let log = ApiError::Log("disk on fire".into());
        assert_eq!(serde_json::from_str::<ApiError>(&serde_json::to_string(&log).unwrap()).unwrap(), log);
        assert_eq!(log.to_string(), "reading the price log failed: disk on fire");
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::Arc;

    use leptos::prelude::*;

    use super::{ApiError, PageQuery};
    use crate::{
        figures::{
            format::DisplayZone,
            planner::{self, Ask},
            tariff::Tariff,
            view::{Shown, View},
        },
        query::{history::HistoryCache, store::PriceStore},
        records::csv_log::CsvLogError,
    };

    /// The store the server provides as context; its absence is a bug in the server's set-up.
    pub fn store() -> Arc<PriceStore> {
        use_context::<Arc<PriceStore>>().expect("the server provides the price store")
    }

    /// The history panel's cache the server provides, shared by every page.
    pub fn history_cache() -> Arc<HistoryCache> {
        use_context::<Arc<HistoryCache>>().expect("the server provides the history cache")
    }

    /// The view the call asks for, with the tariff the server provides.
    pub fn shown(price: Option<String>, res: Option<String>, unit: Option<String>) -> Result<Shown, ApiError> {
        let view = View::from_query(price.as_deref(), res.as_deref(), unit.as_deref()).map_err(bad_request)?;
        let tariff = use_context::<Arc<Tariff>>().map(|t| (*t).clone()).unwrap_or_default();
        Ok(Shown { view, tariff })
    }

    /// The display zone the server provides.
    pub fn zone() -> DisplayZone {
        use_context::<DisplayZone>().unwrap_or_default()
    }

    /// The status of the response to the call being answered.
    pub fn set_status(status: http::StatusCode) {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status);
        }
    }

    /// A bad parameter: status 400 and the reason.
    pub fn bad_request(e: impl Into<ApiError>) -> ApiError {
        set_status(http::StatusCode::BAD_REQUEST);
        e.into()
    }

    /// What a [`PageQuery`] asks, checked: the history's hours, the view, and the planner's question when
    /// `duration` is given.
    pub struct Checked {
        pub hours: u32,
        pub shown: Shown,
        pub ask: Option<Ask>,
    }

    pub fn check(query: PageQuery, zone: DisplayZone) -> Result<Checked, ApiError> {
        let hours = crate::query::dashboard::parse_hours(&query.hours)?;
        let shown = shown(query.price.clone(), query.res.clone(), query.unit.clone())?;
        let ask = match query.duration.as_deref().filter(|d| !d.trim().is_empty()) {
            Some(duration) => Some(plan_ask(duration, &query, zone)?),
            None => None,
        };
        Ok(Checked { hours, shown, ask })
    }

    /// The planner's inputs from the page's form: times as its `datetime-local` fields write them, in the
    /// display zone.
    fn plan_ask(duration: &str, query: &PageQuery, zone: DisplayZone) -> Result<Ask, ApiError> {
        fn given(text: &Option<String>) -> Option<&str> {
            text.as_deref().map(str::trim).filter(|t| !t.is_empty())
        }
        let time = |name: &str, text: &Option<String>| -> Result<_, ApiError> {
            given(text)
                .map(|t| {
                    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
                        .map(|local| zone.instant(local))
                        .map_err(|_| ApiError::BadRequest(format!("{name} must be a local time like 2026-01-15T07:00")))
                })
                .transpose()
        };
        let number = |name: &str, text: &Option<String>| -> Result<Option<f64>, ApiError> {
            given(text)
                .map(|t| t.parse::<f64>().map_err(|_| ApiError::BadRequest(format!("{name} must be a number"))))
                .transpose()
        };
        let bad = |e: planner::InputError| ApiError::BadRequest(e.to_string());
        let count = number("count", &query.count)?.map(|c| c.clamp(0.0, 1e6) as usize);
        let quarters = planner::parse_duration(duration).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(Ask {
            quarters,
            from: time("from", &query.from)?,
            until: time("until", &query.until)?,
            kwh: planner::energy(number("kwh", &query.kwh)?, number("kw", &query.kw)?, quarters).map_err(bad)?,
            count: planner::check_count(count).map_err(bad)?,
        })
    }

    pub fn log_failed(e: CsvLogError) -> ApiError {
        tracing::error!("reading the price log: {e}");
        ApiError::Log(e.to_string())
    }
}

/// Everything the dashboard shows for the [`PageQuery`]: the last `hours` hours of history in the view asked,
/// and the planner's answer when the query asks the planner.
#[server(endpoint = "dashboard", output = crate::page::wire::JsonAnswer)]
pub async fn dashboard(#[server(flatten)] query: PageQuery) -> Result<DashboardData, ApiError> {
    let zone = ssr::zone();
    let ssr::Checked { hours, shown, ask } = ssr::check(query, zone).map_err(ssr::bad_request)?;
    let pipeline = use_context::<crate::query::status::StatusSource>().map(|source| source());
    let now = chrono::Utc::now();
    ssr::store()
        .read(|log| {
            let mut data = crate::query::window::dashboard(log, now, zone, hours, pipeline, &shown);
            data.plan = ask.map(|ask| crate::query::plan::plan(log, now, zone, &shown, ask));
            data
        })
        .map_err(ssr::log_failed)
}

/// The history panel: daily and monthly averages, today beside yesterday and a week ago, the last two weeks by
/// the hour; in the view `price` and `unit` choose.
#[server(endpoint = "history", output = crate::page::wire::JsonAnswer)]
pub async fn history(
    price: Option<String>,
    res: Option<String>,
    unit: Option<String>,
) -> Result<crate::figures::history::History, ApiError> {
    let shown = ssr::shown(price, res, unit)?;
    let (now, zone, cache) = (chrono::Utc::now(), ssr::zone(), ssr::history_cache());
    ssr::store().read(|log| cache.history(log, now, zone, &shown)).map_err(ssr::log_failed)
}

/// The alerts card: each rule with its next alert, and the last deliveries; `None` when there are neither
/// rules nor deliveries (no `ALERTS_FILE`), and the page shows no card.
#[server(endpoint = "alerts", output = crate::page::wire::JsonAnswer)]
pub async fn alerts_card() -> Result<Option<crate::alerts::card::AlertsCard>, ApiError> {
    use std::sync::Arc;
    let rules = use_context::<Arc<crate::alerts::rules::Rules>>().unwrap_or_default();
    let recent = use_context::<crate::alerts::delivery::DeliverySource>().map(|source| source()).unwrap_or_default();
    if rules.rules.is_empty() && recent.is_empty() {
        return Ok(None);
    }
    let tariff = use_context::<Arc<crate::figures::tariff::Tariff>>().unwrap_or_default();
    let (now, zone) = (chrono::Utc::now(), ssr::zone());
    ssr::store()
        .read(|log| Some(crate::query::alerts::card(log, now, zone, &tariff, &rules, recent)))
        .map_err(ssr::log_failed)
}

/// The "Your electricity" section: what the metered energy cost by month, against a fixed price, with its
/// timing and its sales, and where the money went; `None` before any energy was imported, and the page shows
/// no section.
#[server(endpoint = "energy", output = crate::page::wire::JsonAnswer)]
pub async fn energy_card() -> Result<Option<crate::query::spending::EnergyCard>, ApiError> {
    use std::sync::Arc;

    use crate::query::{energy, store::EnergyStore};
    let Some(store) = use_context::<Arc<EnergyStore>>() else { return Ok(None) };
    let terms = use_context::<energy::Terms>().unwrap_or_default();
    let tariff = use_context::<Arc<crate::figures::tariff::Tariff>>().unwrap_or_default();
    let zone = ssr::zone();
    let read = store.read(|log| energy::days(log, zone).map(|days| (days, energy::readings_of_days(log, zone, days))));
    let Some((days, readings)) = read.map_err(ssr::log_failed)? else { return Ok(None) };
    let pricing = ssr::store().read(|log| energy::Pricing::new(log, zone, &tariff, terms, days));
    Ok(Some(energy::card(&readings, &pricing.map_err(ssr::log_failed)?)))
}
