//! The price monitor's shared half: the price record, the CSV log, the server functions and the Leptos
//! components. The `ssr` feature builds the server side of it, `hydrate` the browser side.

pub mod api;
pub mod components;
pub mod dashboard;
pub mod format;
pub mod price;
pub mod slots;
pub mod stats;
pub mod status;

#[cfg(feature = "ssr")]
pub mod csv_log;
#[cfg(feature = "ssr")]
pub mod store;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

pub use price::PriceRecord;

/// Where the page loads ECharts from: `public/vendor/`, filled from the npm package by `npm ci`.
pub const ECHARTS_JS: &str = "/vendor/echarts.min.js";

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // ECharts must be defined before the WebAssembly bundle draws the first chart.
                <script src=ECHARTS_JS></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/price-monitor.css"/>
        <Title text="Electricity price monitor"/>
        <Router>
            <Routes fallback=|| "Page not found.".into_view()>
                // Async: the HTML is sent once the data is in it, so it reads right without JavaScript.
                <Route path=StaticSegment("") view=components::Dashboard ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
