//! Server functions: what the browser may ask the server for. Every parameter is checked on the server; a bad
//! one is answered with status 400 and a sentence saying what is allowed.

use leptos::{prelude::*, server_fn::codec::JsonEncoding};
use serde::{Deserialize, Serialize};

use crate::dashboard::{DashboardData, HoursError};

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

impl From<HoursError> for ApiError {
    fn from(e: HoursError) -> Self {
        Self::BadRequest(e.to_string())
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

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

    use super::ApiError;
    use crate::{csv_log::CsvLogError, dashboard::HoursError, store::PriceStore};

    /// The store the server provides as context; its absence is a bug in the server's set-up.
    pub fn store() -> Arc<PriceStore> {
        use_context::<Arc<PriceStore>>().expect("the server provides the price store")
    }

    /// The status of the response to the call being answered.
    pub fn set_status(status: http::StatusCode) {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status);
        }
    }

    /// A bad history length: status 400 and the reason.
    pub fn bad_hours(e: HoursError) -> ApiError {
        set_status(http::StatusCode::BAD_REQUEST);
        e.into()
    }

    pub fn log_failed(e: CsvLogError) -> ApiError {
        tracing::error!("reading the price log: {e}");
        ApiError::Log(e.to_string())
    }
}

/// Everything the dashboard shows for the last `hours` hours of history (a whole number, 1 to
/// [`crate::dashboard::MAX_HOURS`]).
#[server(endpoint = "dashboard")]
pub async fn dashboard(hours: String) -> Result<DashboardData, ApiError> {
    use chrono::Utc;

    use crate::dashboard::parse_hours;

    let hours = parse_hours(&hours).map_err(ssr::bad_hours)?;
    let zone = use_context::<crate::format::DisplayZone>().unwrap_or_default();
    let pipeline = use_context::<crate::status::StatusSource>().map(|source| source());
    ssr::store().dashboard(Utc::now(), zone, hours, pipeline).map_err(ssr::log_failed)
}
