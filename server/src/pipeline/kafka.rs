//! What the producer and the consumer share about Kafka: client settings and the topic.

use std::time::Duration;

use anyhow::Context;
use rdkafka::{
    ClientConfig,
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    consumer::{BaseConsumer, Consumer},
    error::KafkaError,
    types::RDKafkaErrorCode,
};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    pipeline::{backoff::Backoff, status::StatusBoard},
};

/// Settings every client of ours starts from.
pub fn client_config(config: &Config) -> ClientConfig {
    let mut client = ClientConfig::new();
    client
        .set("bootstrap.servers", &config.bootstrap_servers)
        .set("client.id", "electricity-price-monitor")
        // A broker that is down is normal for a while (started later, restarting): retry, quietly.
        .set("reconnect.backoff.max.ms", "5000")
        .set("log.connection.close", "false");
    client
}

/// How [`ensure_topic`] ended, when it did not fail.
#[derive(Debug, PartialEq, Eq)]
pub enum TopicReady {
    /// The topic is there.
    Ready,
    /// Shut down before the broker answered: nothing more to do, and nothing went wrong.
    ShutDown,
}

/// Creates the topic unless it exists, retrying while the broker does not answer, until `shutdown`.
///
/// The topic is created explicitly because a broker's auto-created topics may have other partition counts,
/// and one partition keeps the prices in order. An error is a failure no retry mends: no admin client can be
/// made from the configuration.
pub async fn ensure_topic(
    config: &Config,
    status: &StatusBoard,
    shutdown: &CancellationToken,
) -> anyhow::Result<TopicReady> {
    let admin: AdminClient<DefaultClientContext> =
        client_config(config).create().context("creating a Kafka admin client")?;
    let min_insync = config.topic_min_insync_replicas.map(|n| n.to_string());
    let mut topic =
        NewTopic::new(&config.topic, config.topic_partitions, TopicReplication::Fixed(config.topic_replication));
    if let Some(n) = &min_insync {
        topic = topic.set("min.insync.replicas", n);
    }
    let options = AdminOptions::new().request_timeout(Some(Duration::from_secs(5)));
    let mut backoff = Backoff::default();
    loop {
        // Look before creating: a cluster may not let this client create topics (ACLs, a managed service, the
        // librdkafka mock cluster), while the topic is there already.
        let exists = tokio::select! {
            _ = shutdown.cancelled() => return Ok(TopicReady::ShutDown),
            exists = topic_exists(config) => exists,
        };
        if exists == Some(true) {
            status.kafka_reachable(true);
            return Ok(TopicReady::Ready);
        }
        let outcome = tokio::select! {
            _ = shutdown.cancelled() => return Ok(TopicReady::ShutDown),
            outcome = admin.create_topics([&topic], &options) => outcome,
        };
        status.kafka_reachable(outcome.is_ok());
        match outcome.as_deref() {
            Ok([Ok(_)]) => {
                tracing::info!(
                    topic = %config.topic,
                    "created topic with {} partition(s), {} replica(s), min.insync.replicas {}",
                    config.topic_partitions,
                    config.topic_replication,
                    min_insync.as_deref().unwrap_or("of the broker")
                );
                return Ok(TopicReady::Ready);
            }
            Ok([Err((_, RDKafkaErrorCode::TopicAlreadyExists))]) => return Ok(TopicReady::Ready),
            Ok(other) => tracing::warn!(topic = %config.topic, "creating the topic failed: {other:?}"),
            Err(KafkaError::AdminOp(code)) => {
                tracing::warn!("Kafka at {} not reachable yet: {code}", config.bootstrap_servers)
            }
            Err(e) => tracing::warn!("Kafka at {} not reachable yet: {e}", config.bootstrap_servers),
        }
        let delay = backoff.next_delay();
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(TopicReady::ShutDown),
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// A client for asking the cluster about topics.
pub fn metadata_client(config: &Config) -> anyhow::Result<BaseConsumer> {
    let mut client = client_config(config);
    // Asking about a topic must not make the broker create it with its own defaults.
    client.set("allow.auto.create.topics", "false");
    client.create().context("creating a Kafka client for metadata")
}

/// Whether the topic exists: `None` when the broker did not answer.
async fn topic_exists(config: &Config) -> Option<bool> {
    let client = metadata_client(config);
    let topic = config.topic.clone();
    // The metadata request blocks: keep it off the async threads.
    tokio::task::spawn_blocking(move || {
        let consumer = client.ok()?;
        let metadata = consumer.fetch_metadata(Some(&topic), Duration::from_secs(5)).ok()?;
        Some(metadata.topics().iter().any(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty()))
    })
    .await
    .ok()
    .flatten()
}
