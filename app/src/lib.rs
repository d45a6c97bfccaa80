//! The price monitor's shared half: the price record and the CSV log (`records`), the figures computed from
//! them (`figures`), the alerts they call for (`alerts`), the questions the page and the API ask (`query`), and
//! the page itself with its server functions (`page`). The `ssr` feature builds the server side of it,
//! `hydrate` the browser side.

// In the order the data takes: the record and its log, the figures computed from records, the questions the
// page and the API ask of the log, and the page.
pub mod alerts;
pub mod figures;
pub mod page;
pub mod query;
pub mod records;

use leptos::{nonce::use_nonce, prelude::*};
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

pub use records::price::PriceRecord;

/// ECharts, relative to the site root: the part the charts use, bundled from npm by `npm ci`
/// (`scripts/build-vendor.mjs`) into `public/vendor/`, which cargo-leptos copies into the site.
pub const ECHARTS_FILE: &str = "vendor/echarts.js";

/// The `site_pkg_dir` under which the server serves a build whose files digest to `version`: every file the
/// page loads is then under `/v/<version>/`.
pub fn versioned_pkg_dir(version: &str, pkg_dir: &str) -> String {
    format!("v/{version}/{pkg_dir}")
}

/// The URL prefix of the files the page loads: `/v/<version>/` when the server versions them, else `/`.
fn asset_prefix(options: &LeptosOptions) -> String {
    match options.site_pkg_dir.strip_prefix("v/").and_then(|rest| rest.split_once('/')) {
        Some((version, _)) => format!("/v/{version}/"),
        None => "/".to_owned(),
    }
}

/// The page's Content-Security-Policy: scripts from the site and inline ones only with this answer's `nonce`
/// (Leptos' hydration scripts carry it), WebAssembly compiled, nothing framing the page or loaded from
/// elsewhere. Styles may be inline: Leptos and ECharts set `style` attributes. `dev` allows the websocket of
/// `cargo leptos watch`'s reload.
pub fn page_policy(nonce: &str, dev: bool) -> String {
    let reload = if dev { " ws:" } else { "" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'{reload}; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Sets the page's policy on the answer being rendered, with the nonce Leptos made for it.
#[cfg(feature = "ssr")]
fn set_page_policy(options: &LeptosOptions) {
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else { return };
    let policy = page_policy(&nonce, options.env == leptos::config::Env::DEV);
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_policy(&options);
    let prefix = asset_prefix(&options);
    let css = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // In the shell, not the app, so that its URL can carry the server's version. The id lets
                // `cargo leptos watch` swap it when the CSS changes.
                <link rel="stylesheet" id="leptos" href=css/>
                // ECharts must be defined before the WebAssembly bundle draws the first chart. A module, it
                // runs before the hydration module (module scripts run in the document's order once it is
                // parsed), and the page's HTML is shown without waiting for it. As a module it is parsed once
                // (scripts/build-vendor.mjs says why that matters).
                <script type="module" src=format!("{prefix}{ECHARTS_FILE}") nonce=use_nonce()></script>
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
        <Title text="Electricity price monitor"/>
        <Router>
            <Routes fallback=|| "Page not found.".into_view()>
                // Async: the HTML is sent once the data is in it, so it reads right without JavaScript.
                <Route path=StaticSegment("") view=page::Dashboard ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
