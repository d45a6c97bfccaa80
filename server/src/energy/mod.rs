//! The household's metered energy, the pipeline's second stream: a Datahub export (or a plain CSV) read into
//! intervals (`datahub`), put on its Kafka topic (`import`), and appended by its consumer to its own CSV log
//! with the price log's guarantees (the one consumer of `pipeline::consumer`, the one dedupe rule of
//! `app::records::revision`).

pub mod datahub;
pub mod import;

use tokio_util::sync::CancellationToken;

use app::records::energy::EnergyRecord;

use crate::{
    config::Config,
    pipeline::{consumer, status::StatusBoard},
};

/// `config` for the metered energy's topic and consumer group.
pub fn topic_config(config: &Config) -> Config {
    Config { topic: config.energy_topic.clone(), group_id: config.energy_group_id.clone(), ..config.clone() }
}

/// The metered energy's consumer, until `shutdown`: its topic into its CSV log. Its status is its own, apart
/// from the prices' pipeline status that the page shows.
pub async fn consume(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let csv = config.energy_csv();
    consumer::run_log::<EnergyRecord>(topic_config(&config), &csv, StatusBoard::new(), shutdown).await
}
