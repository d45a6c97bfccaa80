//! The dashboard's web server: server-side rendering, server functions and static files.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio_util::sync::CancellationToken;

use app::{App, shell, store::PriceStore};

use crate::config::Config;

/// The axum router of the dashboard, reading prices from `store`.
pub fn router(options: LeptosOptions, store: Arc<PriceStore>) -> Router {
    let routes = generate_route_list(App);
    let context = move || provide_context(store.clone());
    Router::new()
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(context, shell))
        .with_state(options)
}

/// Serves the dashboard at `config.addr` until `shutdown`.
pub async fn serve(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    // Site root, package name and so on come from cargo-leptos (env vars it sets at build and run time).
    let mut options = get_configuration(None).context("reading the Leptos configuration")?.leptos_options;
    options.site_addr = config.addr;
    let store = Arc::new(PriceStore::new(&config.csv_path));
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("listening on {}", config.addr))?;
    tracing::info!("dashboard at http://{}", config.addr);
    axum::serve(listener, router(options, store))
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
        .context("serving the dashboard")
}
