//! What is computed from records, the same on the server and in the browser: times in the display zone, the
//! price shown (spot or total, the unit), statistics, levels, ranks, the planner's cheapest runs, the history.
//! And what metered energy cost (`cost`).

pub mod cost;
pub mod format;
pub mod history;
pub mod level;
pub mod planner;
pub mod ranking;
pub mod stats;
pub mod tariff;
pub mod view;
