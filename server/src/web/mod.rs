//! The dashboard's web server: server-side rendering, server functions, the CSV download and static files.

use std::sync::Arc;

use anyhow::Context;
use axum::{
    Router,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use app::{
    App,
    alerts::{delivery::DeliverySource, rules::Rules},
    figures::{format::DisplayZone, tariff::Tariff},
    query::{
        dashboard::{DEFAULT_HOURS, parse_hours},
        energy::Terms,
        history::HistoryCache,
        now::{self, Current},
        status::{PipelineStatus, StatusSource},
        store::{EnergyStore, PriceStore},
        window,
    },
    records::csv_log,
    shell,
};

use tower_http::compression::CompressionLayer;

pub mod api_v1;
pub mod assets;
pub mod connections;
pub mod guard;
pub mod health;
pub mod upload;

use health::KafkaProbe;

use crate::{config::Config, energy::import::Importer, metrics, pipeline::kafka};

/// What every request's server functions can reach, given to them as Leptos context.
#[derive(Clone)]
pub struct ServerContext {
    pub store: Arc<PriceStore>,
    /// The history panel's last answer, shared by every page.
    pub history: Arc<HistoryCache>,
    pub zone: DisplayZone,
    /// The pipeline's status when the producer and consumer run in this process.
    pub status: Option<StatusSource>,
    /// What `/readyz` checks besides the data.
    pub checks: health::Checks,
    /// The fees added to the spot price.
    pub tariff: Arc<Tariff>,
    /// How often one client may ask for the CSV download and `/api/v1`.
    pub rate_limit: guard::RateLimit,
    /// The alert rules, for the calendar feed and the page's card.
    pub rules: Arc<Rules>,
    /// The last alerts the notifier logged, for the page's card.
    pub deliveries: Option<DeliverySource>,
    /// The household's metered energy, and what its cost is compared with.
    pub energy: Arc<EnergyStore>,
    pub terms: Terms,
    /// Where the page's uploaded metering files go: the energy topic, or nowhere without Kafka.
    pub importer: Option<Arc<Importer>>,
    /// The server's, for an upload waiting on Kafka.
    pub shutdown: CancellationToken,
}

impl ServerContext {
    /// A dashboard of the CSV log at `csv_path` alone: no pipeline in the process, no fees, Helsinki time.
    pub fn reading(csv_path: &std::path::Path) -> Self {
        Self {
            store: Arc::new(PriceStore::new(csv_path)),
            history: Arc::default(),
            zone: DisplayZone::default(),
            status: None,
            checks: health::Checks::reader(csv_path),
            tariff: Arc::default(),
            rate_limit: guard::RateLimit::per_minute(guard::DEFAULT_RATE_LIMIT),
            rules: Arc::default(),
            deliveries: None,
            energy: Arc::new(EnergyStore::new(csv_path.with_file_name("energy.csv"))),
            terms: Terms::default(),
            importer: None,
            shutdown: CancellationToken::new(),
        }
    }

    fn provide(&self) {
        provide_context(self.store.clone());
        provide_context(self.history.clone());
        provide_context(self.zone);
        provide_context(self.tariff.clone());
        provide_context(self.rules.clone());
        provide_context(self.energy.clone());
        provide_context(self.terms);
        if let Some(status) = &self.status {
            provide_context(status.clone());
        }
        if let Some(deliveries) = &self.deliveries {
            provide_context(deliveries.clone());
        }
    }

    /// What the log says of now and how the pipeline is: the figures `/readyz` and `/metrics` report.
    fn snapshot(&self) -> (Result<Current, String>, Option<PipelineStatus>) {
        let pipeline = self.status.as_ref().map(|status| status());
        let (now, zone) = (chrono::Utc::now(), self.zone);
        let current = self.store.read(|log| now::current(log, now, zone));
        (current.map_err(|e| e.to_string()), pipeline)
    }
}

/// The axum router of the dashboard: compressed answers within the bounds of [`guard`], and the site's files
/// under a versioned URL when they are there (see [`assets`]).
pub fn router(mut options: LeptosOptions, server_context: ServerContext) -> Router {
    let site_root = std::path::PathBuf::from(options.site_root.as_ref());
    let versioned = match assets::site_version(&site_root, &options.site_pkg_dir, &options.output_name) {
        Ok(version) => {
            options.site_pkg_dir = app::versioned_pkg_dir(&version, &options.site_pkg_dir).into();
            tracing::info!("site files of version {version} served from {}", site_root.display());
            Router::new().nest_service(&format!("{}{version}", assets::VERSIONED), assets::serve_dir(&site_root))
        }
        Err(why) => {
            tracing::warn!("the site's files are served unversioned, checked on every use: {why}");
            Router::new()
        }
    };
    let routes = generate_route_list(App);
    let store = server_context.store.clone();
    let ops = operations(server_context.clone());
    let api = api_v1::Api {
        store: store.clone(),
        zone: server_context.zone,
        tariff: server_context.tariff.clone(),
        rules: server_context.rules.clone(),
    };
    let energy = api_v1::energy::EnergyApi {
        prices: store.clone(),
        energy: server_context.energy.clone(),
        zone: server_context.zone,
        tariff: server_context.tariff.clone(),
        terms: server_context.terms,
    };
    let limited = server_context.rate_limit.clone();
    let upload = upload::Upload {
        importer: server_context.importer.clone(),
        energy: server_context.energy.clone(),
        shutdown: server_context.shutdown.clone(),
    };
    let context = move || server_context.provide();
    let costly = Router::new()
        .route("/download.csv", get(download).with_state(store))
        .nest("/api/v1", api_v1::router(api).merge(api_v1::energy::router(energy)));
    let router = Router::new()
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(context, shell))
        .with_state(options)
        .merge(limited.around(costly))
        .merge(versioned)
        .merge(ops);
    let router = guard::small_bodies(router)
        .merge(limited.around(upload::router(upload)))
        .layer(axum::middleware::from_fn(assets::cache_rules))
        .layer(CompressionLayer::new());
    guard::bounded(router, guard::REQUEST_TIMEOUT).layer(axum::middleware::from_fn(metrics::time_requests))
}

/// `/healthz`, `/readyz` and `/metrics`, for orchestrators and monitoring.
fn operations(context: ServerContext) -> Router {
    metrics::handle(); // installs the recorder before the first request is timed
    Router::new()
        .route("/healthz", get(health::healthz))
        .route(
            "/readyz",
            get(|State(context): State<ServerContext>| async move {
                let (data, _) = context.snapshot();
                health::readyz(&context.checks, data).await
            }),
        )
        .route(
            "/metrics",
            get(|State(context): State<ServerContext>| async move {
                let (data, pipeline) = context.snapshot();
                let text = metrics::render(data.ok().as_ref(), pipeline.as_ref(), chrono::Utc::now());
                ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
            }),
        )
        .with_state(context)
}

#[derive(Deserialize)]
struct DownloadQuery {
    hours: Option<String>,
}

/// `GET /download.csv?hours=N`: the latest revision of each slot the dashboard shows for N hours, as CSV.
async fn download(State(store): State<Arc<PriceStore>>, Query(query): Query<DownloadQuery>) -> Response {
    let hours = match query.hours.as_deref().map_or(Ok(DEFAULT_HOURS), parse_hours) {
        Ok(hours) => hours,
        Err(why) => return (StatusCode::BAD_REQUEST, why.to_string()).into_response(),
    };
    let now = chrono::Utc::now();
    match store.read(|log| window::window(log, now, hours)) {
        Ok(window) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"electricity_prices_{hours}h.csv\"")),
            ],
            csv_log::document(&window.slots),
        )
            .into_response(),
        Err(e) => {
            tracing::error!("download: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, format!("reading the price log failed: {e}")).into_response()
        }
    }
}

/// Connections that may wait to be accepted.
///
/// Every open page refreshes every 10 s, so dashboards opened together keep connecting together: the usual
/// 128 would drop some of 200 simultaneous connections, and a dropped SYN costs the browser a 1 s retransmit.
const ACCEPT_BACKLOG: u32 = 1024;

fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    // As std and tokio do: a restarted server can listen again while old connections linger in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(ACCEPT_BACKLOG)
}

/// The last rows of the notifier's log at `path` (written by this process or another on the same disk).
fn deliveries(path: std::path::PathBuf) -> DeliverySource {
    Arc::new(move || {
        crate::alerts::journal::recent(&path, app::alerts::card::RECENT).unwrap_or_else(|e| {
            tracing::warn!("the alerts card lists no alert: {e:#}");
            Vec::new()
        })
    })
}

/// Serves the dashboard at `config.addr` until `shutdown`.
pub async fn serve(config: Config, status: Option<StatusSource>, shutdown: CancellationToken) -> anyhow::Result<()> {
    // Site root, package name and so on come from cargo-leptos (env vars it sets at build and run time).
    let mut options = get_configuration(None).context("reading the Leptos configuration")?.leptos_options;
    options.site_addr = config.addr;
    if !config.without_site {
        let site_root = std::path::Path::new(options.site_root.as_ref());
        assets::check_site(site_root, &options.site_pkg_dir, &options.output_name)?;
    }
    let checks = match status {
        Some(_) => {
            health::Checks::pipeline(&config.csv_path, KafkaProbe::new(kafka::metadata_client(&config)?, &config.topic))
        }
        None => health::Checks::reader(&config.csv_path),
    };
    let context = ServerContext {
        store: Arc::new(PriceStore::new(&config.csv_path)),
        history: Arc::default(),
        zone: DisplayZone(config.tz),
        status,
        checks,
        tariff: Arc::new(config.tariff.tariff().context("reading the tariff")?),
        rate_limit: guard::RateLimit::per_minute(config.rate_limit),
        rules: Arc::new(crate::alerts::rules(&config)?),
        deliveries: Some(deliveries(config.alerts_log.clone())),
        energy: Arc::new(EnergyStore::new(config.energy_csv())),
        terms: config.terms(),
        importer: (!config.replica).then(|| Arc::new(Importer::new(&config))),
        shutdown: shutdown.clone(),
    };
    let listener = listen(config.addr).with_context(|| format!("listening on {}", config.addr))?;
    tracing::info!("dashboard at http://{} (times in {})", config.addr, config.tz);
    connections::serve(listener, router(options, context), connections::Bounds::default(), shutdown).await;
    Ok(())
}
