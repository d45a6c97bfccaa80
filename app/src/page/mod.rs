//! The page: its server functions (`api`, answered in JSON as `wire` encodes it) and its Leptos components.

pub mod api;
pub mod wire;

mod alerts;
mod charts;
mod controls;
mod dashboard;
#[cfg(feature = "hydrate")]
mod echarts;
pub mod energy;
mod history;
mod panels;
mod planner;

pub use dashboard::Dashboard;

/// Calls `refetch` every `ms` milliseconds while the component that calls this lives; in the browser only,
/// where the page refreshes its data (the server renders once).
fn refetch_every(ms: u64, refetch: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::*;
        if let Ok(handle) = set_interval_with_handle(refetch, std::time::Duration::from_millis(ms)) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ms, refetch);
}
