//! Server functions: what the browser may ask the server for.

use leptos::prelude::*;

use crate::price::PriceRecord;

/// The latest revision of every known price slot, oldest first.
#[server]
pub async fn price_history() -> Result<Vec<PriceRecord>, ServerFnError> {
    let store = expect_context::<std::sync::Arc<crate::store::PriceStore>>();
    store.history().map_err(|e| ServerFnError::new(format!("reading the price log: {e}")))
}
