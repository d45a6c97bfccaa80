//! Alerts on the server: the rule file read at start, then two parts side by side.
//!
//! `evaluator` → topic `electricity-alerts` → `notifier` → `channels` (webhook, ntfy, MQTT), with `journal` the
//! notifier's log of what went where. The evaluator works out from the CSV log which alerts are due
//! (`app::alerts`, through `app::query::alerts`) and puts each on the topic once, keyed by its id: it reads the
//! topic back at start to know what it put there. The notifier delivers them and commits only after delivery.
//! So an alert is sent once across restarts of either, waits in Kafka while a channel is down, and a revised
//! price sends a correction, not a second copy.

pub mod channels;
pub mod evaluator;
pub mod journal;
pub mod message;
pub mod notifier;

use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use app::alerts::rules::Rules;

use crate::{config::Config, mqtt::Mqtt, pipeline::status::StatusBoard};

/// The rules of `--alerts-file`, none without one. A file that cannot be read or does not read as rules stops
/// the start with a sentence naming its line.
pub fn rules(config: &Config) -> anyhow::Result<Rules> {
    let Some(path) = &config.alerts_file else { return Ok(Rules::default()) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("ALERTS_FILE: {} cannot be read", path.display()))?;
    let rules = Rules::from_toml(&path.display().to_string(), &text)?;
    tracing::info!("{} alert rules and {} channels from {}", rules.rules.len(), rules.channels.len(), path.display());
    Ok(rules)
}

/// Runs the evaluator and the notifier until `shutdown`; one failing stops the other.
pub async fn run(
    config: Config,
    rules: Rules,
    mqtt: Option<Arc<Mqtt>>,
    status: Arc<StatusBoard>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let rules = Arc::new(rules);
    let channels = channels::Channels::new(&rules, mqtt)?;
    let file = config.alerts_file.as_deref().unwrap_or(std::path::Path::new("")).display().to_string();
    tracing::info!("alerts: {} rules and {} channels from {file}", rules.rules.len(), rules.channels.len());
    let stop_both = |result: anyhow::Result<()>| {
        shutdown.cancel();
        result
    };
    let (evaluated, notified) =
        tokio::join!(async { stop_both(evaluator::run(&config, rules.clone(), &status, &shutdown).await) }, async {
            stop_both(notifier::run(&config, channels, &status, &shutdown).await)
        },);
    evaluated.and(notified)
}
