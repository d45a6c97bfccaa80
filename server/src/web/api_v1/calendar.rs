//! `/api/v1/calendar.ics`: each day's cheapest run and the alert rules' periods as an iCalendar feed
//! (RFC 5545) that a phone's calendar subscribes to. Times are UTC; each event's UID stays the same when its
//! times are revised, so a subscriber updates it instead of adding another.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use icalendar::{Calendar, Component, EventLike};

use app::{
    figures::view::PriceBasis,
    query::calendar::{self, Ask, CalendarEvent},
};

use super::{Api, ApiFailure, Params, params};
use crate::web::api_v1::params::CalendarQuery;

/// The run's length when the query does not say.
const DEFAULT_DURATION: &str = "2h";

/// Each day's cheapest run of `duration`, and the periods of the alert rules.
#[utoipa::path(get, path = "/api/v1/calendar.ics", params(CalendarQuery), responses(
    (status = 200, content_type = "text/calendar", body = String, description = "An iCalendar (RFC 5545) feed"),
    (status = 400, body = super::Failure, description = "A parameter is not valid; the error says which and why"),
))]
pub async fn calendar(State(api): State<Api>, Params(query): Params<CalendarQuery>) -> Result<Response, ApiFailure> {
    let quarters = params::duration(query.duration.as_deref().unwrap_or(DEFAULT_DURATION))?;
    let ask = Ask { quarters, price: query.price.unwrap_or(PriceBasis::Total) };
    let (now, zone, tariff, rules) = (Utc::now(), api.zone, &*api.tariff, &*api.rules);
    let events = api.store.read(|log| calendar::calendar(log, now, zone, tariff, ask, rules))?;
    let body = feed(&events).to_string();
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response())
}

/// The feed of `events`.
pub fn feed(events: &[CalendarEvent]) -> Calendar {
    let mut calendar = Calendar::new();
    calendar.name("Electricity prices").description("Cheap electricity runs and alert periods");
    for event in events {
        calendar.push(
            icalendar::Event::new()
                .uid(&event.uid)
                .summary(&event.summary)
                .description(&event.description)
                .starts(event.start)
                .ends(event.end)
                .done(),
        );
    }
    calendar.done()
}
