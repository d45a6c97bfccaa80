//! The dashboard's components.

mod charts;
mod dashboard;
#[cfg(feature = "hydrate")]
mod echarts;
mod panels;

pub use dashboard::Dashboard;
