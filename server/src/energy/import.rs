//! `price-monitor import-energy`: the household's metering files onto the energy topic.
//!
//! Every file is read before anything is sent, so a bad file sends nothing. Each interval is one message, keyed
//! by kind, metering point and start, and stamped with the import's time. Sending the same file again is
//! harmless: the consumer adds only what differs from the log ([`app::records::revision`]). An interval marked
//! missing is counted and said, never sent as zero.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use chrono::{DateTime, Utc};
use rdkafka::{
    error::KafkaError,
    producer::{FutureProducer, FutureRecord, Producer as _},
    util::Timeout,
};
use tokio_util::sync::CancellationToken;

use app::records::energy::{EnergyKind, EnergyRecord};

use crate::{
    config::Config,
    energy::{datahub, topic_config},
    pipeline::{
        backoff::Backoff,
        kafka::{self, KafkaContext, TopicReady},
        status::StatusBoard,
    },
};

/// How long the command keeps trying to get every interval to Kafka before it gives up and says how many did
/// not arrive (they can be imported again: nothing is added twice).
const GIVE_UP_AFTER: Duration = Duration::from_secs(120);

/// Reads `files` as metering data of `kind` and sends their intervals to the energy topic.
pub async fn run(
    config: &Config,
    files: &[PathBuf],
    kind: EnergyKind,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let mut records = Vec::new();
    for path in files {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let file = Parsed::of(&path.display().to_string(), &bytes, kind, now)?;
        tracing::info!("{}", file.summary);
        records.extend(file.records);
    }
    let sent = Importer::new(config).send(records, GIVE_UP_AFTER, shutdown).await?;
    tracing::info!("{sent} intervals of {} sent to topic {}", kind.word(), config.energy_topic);
    Ok(())
}

/// One file's intervals, as records to send.
#[derive(Debug)]
pub struct Parsed {
    pub records: Vec<EnergyRecord>,
    /// The intervals marked missing: counted, not sent.
    pub missing: usize,
    /// A sentence on what the file holds, for the log.
    pub summary: String,
}

impl Parsed {
    /// Reads `bytes` (a file called `name`) as metering data of `kind`, its records stamped `now`: one
    /// sentence naming the line and the problem when it cannot be read.
    pub fn of(name: &str, bytes: &[u8], kind: EnergyKind, now: DateTime<Utc>) -> anyhow::Result<Self> {
        let file = datahub::parse(bytes).map_err(|e| anyhow::anyhow!("{name}: {e}; nothing was imported"))?;
        let point = file.metering_point.clone().unwrap_or_default();
        let span = match (file.readings.first(), file.readings.last()) {
            (Some(first), Some(last)) => format!(" from {} to {}", first.start.to_rfc3339(), last.end.to_rfc3339()),
            _ => String::new(),
        };
        let summary = format!(
            "{name}: {} intervals of {}{span}, {} marked missing (not priced, not sent){}",
            file.readings.len(),
            kind.word(),
            file.missing.len(),
            if point.is_empty() { String::new() } else { format!(", metering point {point}") }
        );
        let records = file.readings.into_iter().map(|r| EnergyRecord {
            timestamp: now,
            kind,
            metering_point: point.clone(),
            start: r.start,
            end: r.end,
            kwh: r.kwh,
        });
        Ok(Self { records: records.collect(), missing: file.missing.len(), summary })
    }
}

/// What puts intervals on the energy topic: the command's, and the page's upload's (one producer, made at
/// its first use, for every upload).
pub struct Importer {
    topic: Config,
    producer: tokio::sync::OnceCell<FutureProducer<KafkaContext>>,
}

impl Importer {
    pub fn new(config: &Config) -> Self {
        Self { topic: topic_config(config), producer: tokio::sync::OnceCell::new() }
    }

    /// Sends `records` until Kafka acknowledged each, or `give_up` passed: how many were sent, or a sentence
    /// on what was not.
    pub async fn send(
        &self,
        records: Vec<EnergyRecord>,
        give_up: Duration,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<usize> {
        let producer = tokio::time::timeout(give_up, self.producer(shutdown)).await;
        let Ok(producer) = producer else {
            let (servers, waited) = (&self.topic.bootstrap_servers, give_up.as_secs());
            anyhow::bail!("Kafka at {servers} did not answer within {waited} s: nothing was imported");
        };
        let producer = producer?;
        let sent = send_all(producer, &self.topic.topic, records, give_up, shutdown).await;
        producer.flush(Duration::from_secs(5)).ok();
        let (sent, left) = sent?;
        if left > 0 {
            anyhow::bail!("{left} of {} intervals did not reach Kafka; importing them again sends them", sent + left);
        }
        Ok(sent)
    }

    /// The producer, once the topic is there.
    async fn producer(&self, shutdown: &CancellationToken) -> anyhow::Result<&FutureProducer<KafkaContext>> {
        let topic = &self.topic;
        self.producer
            .get_or_try_init(|| async {
                if kafka::ensure_topic(topic, &StatusBoard::new(), shutdown).await? == TopicReady::ShutDown {
                    anyhow::bail!("stopped before Kafka answered: nothing was imported");
                }
                kafka::reliable_producer_config(topic)
                    .create_with_context(KafkaContext::new(topic))
                    .context("creating the energy's Kafka producer")
            })
            .await
    }
}

/// Sends `records`, and again those Kafka did not acknowledge, with backoff, until all arrived, `give_up`
/// passed or `shutdown`: how many arrived, and how many did not.
async fn send_all(
    producer: &FutureProducer<KafkaContext>,
    topic: &str,
    mut records: Vec<EnergyRecord>,
    give_up: Duration,
    shutdown: &CancellationToken,
) -> anyhow::Result<(usize, usize)> {
    let (started, mut sent) = (std::time::Instant::now(), 0);
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
    loop {
        let results = futures::future::join_all(records.iter().map(|r| send(producer, topic, r))).await;
        let before = records.len();
        let mut first_error = None;
        let mut failed = Vec::new();
        for (record, result) in records.into_iter().zip(results) {
            if let Err(e) = result {
                first_error.get_or_insert(e);
                failed.push(record);
            }
        }
        sent += before - failed.len();
        records = failed;
        let Some(error) = first_error else { return Ok((sent, 0)) };
        if started.elapsed() > give_up {
            return Ok((sent, records.len()));
        }
        let delay = backoff.next_delay();
        tracing::warn!(
            "{} interval(s) not acknowledged by Kafka yet: {error}; trying again in {delay:?}",
            records.len()
        );
        tokio::select! {
            _ = shutdown.cancelled() => return Ok((sent, records.len())),
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// Sends one interval and waits for Kafka's acknowledgement.
async fn send(producer: &FutureProducer<KafkaContext>, topic: &str, record: &EnergyRecord) -> Result<(), KafkaError> {
    let (key, payload) = (record.message_key(), serde_json::to_vec(record).expect("a reading always serialises"));
    producer
        .send(FutureRecord::to(topic).key(&key).payload(&payload), Timeout::After(Duration::from_secs(10)))
        .await
        .map(|_| ())
        .map_err(|(e, _)| e)
}
