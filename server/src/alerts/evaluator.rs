//! The evaluator: every few seconds, which alerts the rules call for now, and each one not yet on the topic
//! put there (or, when its figures changed since, its correction).
//!
//! Its memory is the topic itself, read from the start when it starts: each id's latest revision and its words.
//! So a restart, or a second look at the same prices, puts nothing on the topic twice.

use std::{collections::HashMap, sync::Arc, time::Duration};

use anyhow::Context;
use chrono::{DateTime, Utc};
use rdkafka::{
    Message, Offset, TopicPartitionList,
    consumer::{BaseConsumer, Consumer},
    producer::{FutureProducer, FutureRecord},
};
use tokio_util::sync::CancellationToken;

use app::{
    alerts::{due::Alert, rules::Rules},
    figures::format::DisplayZone,
    query::{self, store::PriceStore},
};

use crate::{
    alerts::message::AlertMessage,
    config::Config,
    log_text::clipped,
    pipeline::{
        backoff::Backoff,
        kafka::{self, KafkaContext, TopicReady},
        status::StatusBoard,
    },
};

/// How often the rules are evaluated: an alert is put on the topic at most this long after it is due.
const EVALUATE_EVERY: Duration = Duration::from_secs(5);
/// How long reading the topic back at start may take before it is tried again.
const READ_BACK_WITHIN: Duration = Duration::from_secs(30);

/// Each alert id on the topic: its latest revision, the words it was sent with, and until when it was of use.
type Memory = HashMap<String, Said>;

/// What the topic holds of one alert.
struct Said {
    revision: u32,
    words: String,
    expires: DateTime<Utc>,
}

/// The configuration of the alerts' topic: the prices' one with the alerts' name, in one partition (alerts
/// are few, and one partition keeps an alert's corrections after it).
pub fn topic_config(config: &Config) -> Config {
    Config { topic: config.alerts_topic.clone(), topic_partitions: 1, ..config.clone() }
}

/// Runs until `shutdown`.
pub async fn run(
    config: &Config,
    rules: Arc<Rules>,
    status: &StatusBoard,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let topic = topic_config(config);
    if kafka::ensure_topic(&topic, status, shutdown).await? == TopicReady::ShutDown {
        return Ok(());
    }
    let Some(mut memory) = read_back(&topic, shutdown).await? else { return Ok(()) };
    tracing::info!(
        "alert evaluator: {} rules, {} alerts already on topic {}",
        rules.rules.len(),
        memory.len(),
        topic.topic
    );
    let producer: FutureProducer<KafkaContext> = kafka::reliable_producer_config(config)
        .create_with_context(KafkaContext::new(config))
        .context("creating the alerts' Kafka producer")?;
    let store = PriceStore::new(&config.csv_path);
    let zone = DisplayZone(config.tz);
    let tariff = config.tariff.tariff().context("reading the tariff")?;
    let mut tick = tokio::time::interval(EVALUATE_EVERY);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            _ = tick.tick() => {}
        }
        let now = Utc::now();
        let alerts = match store.read(|log| query::alerts::alerts(log, now, zone, &tariff, &rules)) {
            Ok(alerts) => alerts,
            Err(e) => {
                tracing::warn!("alert evaluator: reading the price log failed: {e}");
                continue;
            }
        };
        let due = alerts.into_iter().filter(|a| a.due <= now && now < a.expires);
        let sent = put_on_topic(&producer, &topic.topic, due, &rules, zone, &mut memory).await;
        match sent {
            Ok(()) if std::mem::take(&mut failing) => tracing::info!("alerts reach Kafka again"),
            Ok(()) => {}
            Err(e) if !std::mem::replace(&mut failing, true) => {
                tracing::warn!("putting an alert on Kafka failed: {e}; trying again every {EVALUATE_EVERY:?}")
            }
            Err(_) => {}
        }
    }
}

/// Puts each of `due` on the topic that is not there with the same words; stops at the first failure, which
/// the next evaluation tries again.
async fn put_on_topic(
    producer: &FutureProducer<KafkaContext>,
    topic: &str,
    due: impl Iterator<Item = Alert>,
    rules: &Rules,
    zone: DisplayZone,
    memory: &mut Memory,
) -> anyhow::Result<()> {
    let now = Utc::now();
    // Every time an alert names, from a stale alert's last price (up to a week and its `after` back) on.
    let local = zone.local_time(now - chrono::Duration::days(10), now + chrono::Duration::days(4));
    for alert in due {
        let (title, text) = (alert.title(&local), alert.text(&local));
        let words = format!("{title}\n{text}");
        let revision = match memory.get(&alert.id) {
            Some(said) if said.words == words => continue,
            // A correction only while what it corrects is of use: a run already started is not planned again.
            Some(said) if said.expires <= now => continue,
            Some(said) => said.revision + 1,
            None => 1,
        };
        let channels = rules.rules.iter().find(|r| r.name == alert.rule).map(|r| r.channels.clone());
        let message = AlertMessage { alert, revision, title, text, channels: channels.unwrap_or_default() };
        let payload = serde_json::to_vec(&message)?;
        let record = FutureRecord::to(topic).key(&message.alert.id).payload(&payload);
        producer.send(record, Duration::from_secs(30)).await.map_err(|(e, _)| anyhow::anyhow!("{e}"))?;
        let what = if message.is_correction() { "correction" } else { "alert" };
        tracing::info!("{what} {} (revision {}) due: {}", message.alert.id, message.revision, message.title);
        memory.insert(message.alert.id, Said { revision, words, expires: message.alert.expires });
    }
    Ok(())
}

/// What the topic holds, read from its start, retried until Kafka answers; `None` when shut down first.
async fn read_back(config: &Config, shutdown: &CancellationToken) -> anyhow::Result<Option<Memory>> {
    let mut backoff = Backoff::default();
    loop {
        let reading = tokio::task::spawn_blocking({
            let config = config.clone();
            move || read_topic(&config)
        });
        let outcome = tokio::select! {
            _ = shutdown.cancelled() => return Ok(None),
            outcome = reading => outcome.context("reading the alerts' topic back")?,
        };
        match outcome {
            Ok(memory) => return Ok(Some(memory)),
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::warn!("reading the alerts' topic back failed: {e:#}; trying again in {delay:?}");
                tokio::select! {
                    _ = shutdown.cancelled() => return Ok(None),
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

/// Reads every partition of the alerts' topic from its start to its end as it is now.
fn read_topic(config: &Config) -> anyhow::Result<Memory> {
    let topic = &config.topic;
    let consumer: BaseConsumer<KafkaContext> = kafka::client_config(config)
        // Assigned, not subscribed: the group is never joined and nothing is committed.
        .set("group.id", format!("{}-read-back", config.alerts_group_id))
        .set("enable.auto.commit", "false")
        .create_with_context(KafkaContext::new(config))
        .context("creating a Kafka client to read the alerts back")?;
    let timeout = Duration::from_secs(10);
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let partitions: Vec<i32> = metadata.topics().iter().flat_map(|t| t.partitions().iter().map(|p| p.id())).collect();
    let mut ends = HashMap::new();
    let mut assignment = TopicPartitionList::new();
    for partition in partitions {
        let (low, high) = consumer.fetch_watermarks(topic, partition, timeout)?;
        if high > low {
            assignment.add_partition_offset(topic, partition, Offset::Beginning)?;
            ends.insert(partition, high);
        }
    }
    let mut memory = Memory::new();
    if ends.is_empty() {
        return Ok(memory);
    }
    consumer.assign(&assignment)?;
    let started = std::time::Instant::now();
    while !ends.is_empty() {
        anyhow::ensure!(
            started.elapsed() < READ_BACK_WITHIN,
            "the topic was not read to its end within {READ_BACK_WITHIN:?}"
        );
        let Some(message) = consumer.poll(Duration::from_millis(500)) else { continue };
        let message = message?;
        if ends.get(&message.partition()).is_some_and(|end| message.offset() + 1 >= *end) {
            ends.remove(&message.partition());
        }
        match message.payload().map(serde_json::from_slice::<AlertMessage>) {
            Some(Ok(alert)) => {
                let words = format!("{}\n{}", alert.title, alert.text);
                let newer = memory.get(&alert.alert.id).is_none_or(|said| alert.revision >= said.revision);
                if newer {
                    let said = Said { revision: alert.revision, words, expires: alert.alert.expires };
                    memory.insert(alert.alert.id, said);
                }
            }
            Some(Err(e)) => {
                tracing::warn!("a message on {topic} is not an alert, left out: {}", clipped(&e.to_string()))
            }
            None => {}
        }
    }
    Ok(memory)
}
