//! The questions asked of the log: what the page shows (`dashboard`), the pipeline's state (`status`), and, on the
//! server, the store that follows the log and answers them.

pub mod dashboard;
pub mod status;

#[cfg(feature = "ssr")]
pub mod store;
