//! The price monitor's server side: the pipeline that carries the prices, and the web server that shows them.
//!
//! Data flows one way: `pipeline` ((`fetch` or `sample` →) `price_file` → `producer` → Kafka → `consumer` → CSV
//! log) → `web` (the page, `api_v1`, `health`), with `metrics` counting along the way. Beside them, `alerts`:
//! the rules evaluated on the CSV log → Kafka → the notifier → webhooks, ntfy and MQTT; and `mqtt`, Home
//! Assistant's sensors. And `energy`, the second stream: the household's metering data, read from Datahub
//! exports (`import-energy`) → Kafka → its consumer → its CSV log → the cost of what it used and sold.

// The process: its options and the checks made before anything starts.
pub mod config;
pub mod kafka_security;
pub mod log_text;
pub mod preflight;
pub mod secret;
pub mod tariff_config;

pub mod alerts;
pub mod energy;
pub mod metrics;
pub mod mqtt;
pub mod pipeline;
pub mod replica;
pub mod web;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use config::{Command, Config};
use pipeline::{consumer, fetch, producer, sample, status::StatusBoard};

/// Runs `command` until `shutdown`; the parts of `all` run side by side and stop together.
pub async fn run(command: Command, config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    preflight::check_folders(&command, &config)?;
    preflight::check_kafka(&command, &config)?;
    let status = StatusBoard::new();
    match command {
        Command::Serve => web::serve(config, None, shutdown).await,
        Command::Produce => producer::run(config, status, shutdown).await,
        Command::Consume => consumers(config, status, shutdown).await,
        Command::ImportEnergy { files, kind } => energy::import::run(&config, &files, kind, &shutdown).await,
        Command::Fetch { once } => fetch::run(config, once, None, shutdown).await,
        Command::Sample => sample::run(&config),
        Command::Alerts => {
            if config.alerts_file.is_none() && config.mqtt.mqtt_url.is_none() {
                anyhow::bail!("`alerts` has nothing to do: set ALERTS_FILE (the rules) or MQTT_URL (Home Assistant)");
            }
            notify(&config, status, &shutdown).await
        }
        Command::All => all(config, status, shutdown).await,
        Command::Replica { name } => replica::run(config, name, status, shutdown).await,
    }
}

/// Everything in one process: the dashboard, the producer, the consumers, and the fetcher and the alerts when
/// they are set up.
async fn all(config: Config, status: Arc<StatusBoard>, shutdown: CancellationToken) -> anyhow::Result<()> {
    // One failing part stops the others: a half-running pipeline would look fine and do nothing.
    let stop_all = |result: anyhow::Result<()>| {
        shutdown.cancel();
        result
    };
    let fetcher = async {
        match config.source_url {
            Some(_) => stop_all(fetch::run(config.clone(), false, Some(status.clone()), shutdown.clone()).await),
            None => Ok(()),
        }
    };
    let notified = async {
        match config.alerts_file.is_some() || config.mqtt.mqtt_url.is_some() {
            true => stop_all(notify(&config, status.clone(), &shutdown).await),
            // Nothing to run: it must not stop the others by ending.
            false => Ok(()),
        }
    };
    let (web, producer, consumer, energy, fetcher, notified) = tokio::join!(
        async { stop_all(web::serve(config.clone(), Some(status.source()), shutdown.clone()).await) },
        async { stop_all(producer::run(config.clone(), status.clone(), shutdown.clone()).await) },
        async { stop_all(consumer::run(config.clone(), status.clone(), shutdown.clone()).await) },
        async { stop_all(energy::consume(config.clone(), shutdown.clone()).await) },
        fetcher,
        notified,
    );
    web.and(producer).and(consumer).and(energy).and(fetcher).and(notified)
}

/// The consumers of the prices and of the metered energy, side by side; one failing stops the other.
async fn consumers(config: Config, status: Arc<StatusBoard>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let stop_both = |result: anyhow::Result<()>| {
        shutdown.cancel();
        result
    };
    let (prices, energy) =
        tokio::join!(async { stop_both(consumer::run(config.clone(), status, shutdown.clone()).await) }, async {
            stop_both(energy::consume(config.clone(), shutdown.clone()).await)
        },);
    prices.and(energy)
}

/// The alerts (with ALERTS_FILE) and Home Assistant's sensors (with MQTT_URL), side by side until `shutdown`;
/// then the MQTT connection says it is going.
async fn notify(config: &Config, status: Arc<StatusBoard>, shutdown: &CancellationToken) -> anyhow::Result<()> {
    let rules = alerts::rules(config)?;
    let mqtt = mqtt::Mqtt::start(&config.mqtt, shutdown);
    let stop_both = |result: anyhow::Result<()>| {
        shutdown.cancel();
        result
    };
    let (alerted, home) = tokio::join!(
        async {
            match config.alerts_file {
                Some(_) => stop_both(alerts::run(config.clone(), rules, mqtt.clone(), status, shutdown.clone()).await),
                None => Ok(()),
            }
        },
        async {
            match &mqtt {
                Some(connection) => stop_both(mqtt::home_assistant::run(config, connection.clone(), shutdown).await),
                None => Ok(()),
            }
        },
    );
    if let Some(connection) = &mqtt {
        connection.close().await;
    }
    alerted.and(home)
}

/// Cancels `token` on Ctrl-C or SIGTERM.
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut term) => {
                    term.recv().await;
                }
                Err(_) => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => tracing::info!("Ctrl-C: stopping"),
            _ = term => tracing::info!("SIGTERM: stopping"),
        }
        token.cancel();
    });
}
