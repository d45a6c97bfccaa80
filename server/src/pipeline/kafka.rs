//! What the producer and the consumer share about Kafka: client settings, the clients' callbacks and the topic.

use std::{sync::Mutex, time::Duration};

use anyhow::Context;
use rdkafka::{
    ClientConfig, ClientContext, TopicPartitionList,
    admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication},
    config::RDKafkaLogLevel,
    consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext},
    error::{KafkaError, KafkaResult},
    types::RDKafkaErrorCode,
};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    kafka_security::{self, KafkaSecurity},
    pipeline::{backoff::Backoff, status::StatusBoard},
};

/// Settings every client of ours starts from: the brokers, and how to log in to them.
pub fn client_config(config: &Config) -> ClientConfig {
    let mut client = ClientConfig::new();
    client
        .set("bootstrap.servers", &config.bootstrap_servers)
        .set("client.id", "electricity-price-monitor")
        // A broker that is down is normal for a while (started later, restarting): retry, quietly.
        .set("reconnect.backoff.max.ms", "5000")
        // librdkafka says a closed connection at level info, if at all: KafkaContext must hear it to tell a
        // plaintext client at a TLS port, and says the others at debug level.
        .set("log.connection.close", "true")
        .set_log_level(RDKafkaLogLevel::Info);
    config.kafka_security.apply(&mut client);
    client
}

/// Every client's callbacks. A connection refused for a reason of security (the login, a certificate, the
/// protocol) is said in words, once per process, and kept for whoever asks why the client gets no answer
/// (the readiness probe, the topic's creation); librdkafka keeps retrying meanwhile. A commit that fails is
/// logged, not lost from sight.
pub struct KafkaContext {
    security: KafkaSecurity,
    bootstrap: String,
    problem: Mutex<Option<String>>,
    /// Connections closed while asking for the API versions since the last answer: what a TLS listener does to
    /// a plaintext client every time, and a broker that stops may do once.
    closed_at_hello: std::sync::atomic::AtomicU32,
}

/// The last security problem logged by any client of this process: the producer, the consumer and the probes
/// meet the same refusal, and one line says it.
static LAST_SAID: Mutex<Option<String>> = Mutex::new(None);

impl KafkaContext {
    pub fn new(config: &Config) -> Self {
        Self {
            security: config.kafka_security.clone(),
            bootstrap: config.bootstrap_servers.clone(),
            problem: Mutex::new(None),
            closed_at_hello: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// Why this client's connections were last refused, if for a reason of security.
    pub fn problem(&self) -> Option<String> {
        self.problem.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The client got an answer: whatever was refused before is mended, and is said again if it comes back.
    pub fn answered(&self) {
        *self.problem.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        self.closed_at_hello.store(0, std::sync::atomic::Ordering::Relaxed);
        *LAST_SAID.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// Says and keeps the security problem in librdkafka's `text`, if it is one.
    fn security_problem(&self, text: &str) -> bool {
        let Some(sentence) = kafka_security::explain(text, &self.security, &self.bootstrap) else { return false };
        if kafka_security::is_closed_at_hello(text)
            && self.closed_at_hello.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0
        {
            // Once may be a broker going away: the second time, it is the listener.
            tracing::debug!(target: "librdkafka", "librdkafka: {text}");
            return true;
        }
        let mut said = LAST_SAID.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if said.as_deref() != Some(sentence.as_str()) {
            tracing::error!("{sentence}; retrying");
            *said = Some(sentence.clone());
        }
        *self.problem.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(sentence);
        true
    }
}

/// librdkafka reports a refused login through the error callback and a failed TLS handshake through its log:
/// both are looked at. A closed connection (a broker's idle reaper, a restart) is said at debug level; the
/// rest as librdkafka's default callbacks say it.
impl ClientContext for KafkaContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        if self.security_problem(message) {
            return;
        }
        let closed = fac == "FAIL" && matches!(level, RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info);
        if closed {
            tracing::debug!(target: "librdkafka", "librdkafka: {fac} {message}");
            return;
        }
        match level {
            RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical | RDKafkaLogLevel::Error => {
                tracing::error!(target: "librdkafka", "librdkafka: {fac} {message}")
            }
            RDKafkaLogLevel::Warning => tracing::warn!(target: "librdkafka", "librdkafka: {fac} {message}"),
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!(target: "librdkafka", "librdkafka: {fac} {message}")
            }
            RDKafkaLogLevel::Debug => tracing::debug!(target: "librdkafka", "librdkafka: {fac} {message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if self.security_problem(reason) {
            return;
        }
        // Where librdkafka's default callback says it: the log filter leaves it out unless RUST_LOG asks, since
        // librdkafka's own log lines say the same.
        tracing::error!(target: "rdkafka::client", "librdkafka: {error}: {reason}");
    }
}

impl ConsumerContext for KafkaContext {
    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => tracing::debug!("committed {offsets:?}"),
            Err(e) if nothing_new(&e) => tracing::debug!("nothing new to commit"),
            // The rows are on disk: at worst Kafka delivers them again and the log recognises them.
            Err(e) => tracing::warn!("committing offsets failed: {e}"),
        }
    }
}

/// Commits the offsets `consumer` has stored. Nothing stored since the last commit is not a failure, though
/// librdkafka answers it with `NoOffset`: at shutdown, say, right after the last batch's commit.
pub fn commit_stored<C: ConsumerContext>(consumer: &impl Consumer<C>, mode: CommitMode) -> KafkaResult<()> {
    match consumer.commit_consumer_state(mode) {
        Err(e) if nothing_new(&e) => Ok(()),
        result => result,
    }
}

/// librdkafka's answer to a commit when no offset was stored since the last one.
fn nothing_new(e: &KafkaError) -> bool {
    matches!(e, KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset))
}

/// Serves the callbacks waiting on `client`'s queue (the error callback of [`KafkaContext`], above all): a
/// client only asked for metadata is never polled otherwise, and would not know why it gets no answer.
pub fn serve_callbacks(client: &BaseConsumer<KafkaContext>) {
    while client.poll(Duration::ZERO).is_some() {}
}

/// How [`ensure_topic`] ended, when it did not fail.
#[derive(Debug, PartialEq, Eq)]
pub enum TopicReady {
    /// The topic is there.
    Ready,
    /// Shut down before the broker answered: nothing more to do, and nothing went wrong.
    ShutDown,
}

/// The retention of the app's topics: none ends.
pub const KEPT_FOR_GOOD: &str = "-1";

/// Creates the topic unless it exists, retrying while the broker does not answer, until `shutdown`.
///
/// The topic is created explicitly because a broker's auto-created topics may have other partition counts,
/// and one partition keeps the prices in order. It keeps its messages for good (`retention.ms=-1`, where a
/// broker's default is a week): a dashboard replica started later reads the whole history from it, and the
/// topics are small (a year of quarter-hour prices is some 35 000 messages, about 7 MB). A topic made before
/// keeps its settings. An error is a failure no retry mends: no admin client can be made from the configuration.
pub async fn ensure_topic(
    config: &Config,
    status: &StatusBoard,
    shutdown: &CancellationToken,
) -> anyhow::Result<TopicReady> {
    let admin = admin_client(config)?;
    let min_insync = config.topic_min_insync_replicas.map(|n| n.to_string());
    let mut topic =
        NewTopic::new(&config.topic, config.topic_partitions, TopicReplication::Fixed(config.topic_replication))
            .set("retention.ms", KEPT_FOR_GOOD);
    if let Some(n) = &min_insync {
        topic = topic.set("min.insync.replicas", n);
    }
    let options = AdminOptions::new().request_timeout(Some(Duration::from_secs(5)));
    let metadata = std::sync::Arc::new(metadata_client(config)?);
    let mut backoff = Backoff::default();
    loop {
        // Look before creating: a cluster may not let this client create topics (ACLs, a managed service, the
        // librdkafka mock cluster), while the topic is there already.
        let exists = tokio::select! {
            _ = shutdown.cancelled() => return Ok(TopicReady::ShutDown),
            exists = topic_exists(&metadata, &config.topic) => exists,
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
            // A refused login or certificate was said once already, in words.
            Err(_) if metadata.context().problem().is_some() => {}
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

/// The settings of every producer of the app: idempotent, acknowledged by every in-sync replica, and a delivery
/// given up after 30 s instead of librdkafka's 5 min, so that the sender retries with backoff and says so in the
/// log rather than hanging silently.
pub fn reliable_producer_config(config: &Config) -> ClientConfig {
    let mut client = client_config(config);
    client.set("enable.idempotence", "true").set("acks", "all").set("message.timeout.ms", "30000");
    client
}

/// The topic's `retention.ms` as the cluster has it: how long it keeps a message (`-1`: for good).
pub async fn topic_retention(config: &Config) -> anyhow::Result<Option<String>> {
    let admin = admin_client(config)?;
    let options = AdminOptions::new().request_timeout(Some(Duration::from_secs(10)));
    let described = admin.describe_configs([&ResourceSpecifier::Topic(&config.topic)], &options).await?;
    let resource = described.into_iter().next().context("the cluster described no topic")?;
    let resource = resource.map_err(|code| anyhow::anyhow!("describing topic {}: {code}", config.topic))?;
    Ok(resource.get("retention.ms").and_then(|entry| entry.value.clone()))
}

/// A client for creating the topic.
fn admin_client(config: &Config) -> anyhow::Result<AdminClient<KafkaContext>> {
    client_config(config).create_with_context(KafkaContext::new(config)).context("creating a Kafka admin client")
}

/// A client for asking the cluster about topics.
pub fn metadata_client(config: &Config) -> anyhow::Result<BaseConsumer<KafkaContext>> {
    let mut client = client_config(config);
    // Asking about a topic must not make the broker create it with its own defaults.
    client.set("allow.auto.create.topics", "false");
    client.create_with_context(KafkaContext::new(config)).context("creating a Kafka client for metadata")
}

/// Whether the topic exists: `None` when the broker did not answer.
async fn topic_exists(client: &std::sync::Arc<BaseConsumer<KafkaContext>>, topic: &str) -> Option<bool> {
    let (client, topic) = (client.clone(), topic.to_owned());
    // The metadata request blocks: keep it off the async threads.
    tokio::task::spawn_blocking(move || {
        let answer = client.fetch_metadata(Some(&topic), Duration::from_secs(5));
        serve_callbacks(&client);
        let metadata = answer.ok()?;
        client.context().answered();
        Some(metadata.topics().iter().any(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty()))
    })
    .await
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    use rdkafka::{Offset, mocking::MockCluster};

    use super::*;

    #[test]
    fn a_commit_with_nothing_new_stored_is_no_failure() {
        let mock = MockCluster::new(1).unwrap();
        mock.create_topic("prices", 1, 1).unwrap();
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", mock.bootstrap_servers())
            .set("group.id", "commits")
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .create()
            .unwrap();
        let mut partitions = TopicPartitionList::new();
        partitions.add_partition_offset("prices", 0, Offset::Beginning).unwrap();
        consumer.assign(&partitions).unwrap();
        let no_offset = |result: KafkaResult<()>| result.is_err_and(|e| nothing_new(&e));

        // Nothing stored yet: librdkafka's NoOffset, which commit_stored takes for what it is.
        assert!(no_offset(consumer.commit_consumer_state(CommitMode::Sync)));
        commit_stored(&consumer, CommitMode::Sync).unwrap();
        // Something stored is committed...
        // (once the assignment has taken effect, which takes a poll or a few)
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while let Err(e) = consumer.store_offset("prices", 0, 4) {
            assert!(std::time::Instant::now() < deadline, "storing an offset: {e}");
            consumer.poll(Duration::from_millis(50));
        }
        commit_stored(&consumer, CommitMode::Sync).unwrap();
        let committed = consumer.committed(Duration::from_secs(10)).unwrap();
        assert_eq!(committed.find_partition("prices", 0).unwrap().offset(), Offset::Offset(5));
        // ...and committing it again is nothing new.
        assert!(no_offset(consumer.commit_consumer_state(CommitMode::Sync)));
        commit_stored(&consumer, CommitMode::Sync).unwrap();
    }
}
