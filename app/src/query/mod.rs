//! The questions asked of the log, each in one place that the page's server functions, `/api/v1`, `/readyz` and
//! `/metrics` all call: what the page shows (`dashboard`, computed by `window`), what the log says of now
//! (`now`), the planner's answer (`plan`), the slots of a span with where each stands (`ranked`), each day's
//! prices (`daily`), the history panel (`history`), the alerts the rules call for (`alerts`), the calendar
//! feed of cheap runs and the rules' periods (`calendar`), home automation's sensors (`sensors`), and the
//! household's metered energy and what it cost (`energy`). The store (`store`) only follows a log and hands it
//! to them.

pub mod dashboard;
pub mod spending;
pub mod status;

#[cfg(feature = "ssr")]
pub mod alerts;
#[cfg(feature = "ssr")]
pub mod calendar;
#[cfg(feature = "ssr")]
pub mod daily;
#[cfg(feature = "ssr")]
pub mod energy;
#[cfg(feature = "ssr")]
pub mod history;
#[cfg(feature = "ssr")]
pub mod now;
#[cfg(feature = "ssr")]
pub mod plan;
#[cfg(feature = "ssr")]
pub mod ranked;
#[cfg(feature = "ssr")]
pub mod sensors;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod window;

#[cfg(all(test, feature = "ssr"))]
mod tests;
