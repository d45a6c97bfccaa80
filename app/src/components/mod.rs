//! The dashboard's components.

mod dashboard;
#[cfg(feature = "hydrate")]
mod echarts;
mod price_chart;

pub use dashboard::Dashboard;
pub use price_chart::PriceChart;
