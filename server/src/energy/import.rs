//! `price-monitor import-energy`: the household's metering files onto the energy topic.
//!
//! Every file is read before anything is sent, so a bad file sends nothing. Each interval is one message, keyed
//! by kind, metering point and start, and stamped with the import's time. Sending the same file again is
//! harmless: the consumer adds only what differs from the log ([`app::records::revision`]). An interval marked
//! missing is counted and said, never sent as zero.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use chrono::Utc;
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

/// How long the import keeps trying to get every interval to Kafka before it gives up and says how many did
/// not arrive (they can be imported again: nothing is added twice).
const GIVE_UP_AFTER: Duration = Duration::from_secs(120);

/// Reads `files` as metering data of `kind` and sends their intervals to the energy topic.
pub async fn run(
    config: &Config,
    files: &[PathBuf],
    kind: EnergyKind,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let records = read_all(files, kind)?;
    let topic = topic_config(config);
    let ready = tokio::time::timeout(GIVE_UP_AFTER, kafka::ensure_topic(&topic, &StatusBoard::new(), shutdown)).await;
    let Ok(ready) = ready else {
        let (servers, waited) = (&topic.bootstrap_servers, GIVE_UP_AFTER.as_secs());
        anyhow::bail!("Kafka at {servers} did not answer within {waited} s: nothing was imported");
    };
    if ready? == TopicReady::ShutDown {
        anyhow::bail!("stopped before Kafka answered: nothing was imported");
    }
    let producer: FutureProducer<KafkaContext> = kafka::reliable_producer_config(&topic)
        .create_with_context(KafkaContext::new(&topic))
        .context("creating the energy's Kafka producer")?;
    let sent = send_all(&producer, &topic.topic, records, shutdown).await;
    producer.flush(Duration::from_secs(5)).ok();
    let (sent, left) = sent?;
    if left > 0 {
        anyhow::bail!("{left} of {} intervals did not reach Kafka; importing the files again sends them", sent + left);
    }
    tracing::info!("{sent} intervals of {} sent to topic {}", kind.word(), topic.topic);
    Ok(())
}

/// Every file's intervals as records stamped now; the first file that cannot be read stops it all.
fn read_all(files: &[PathBuf], kind: EnergyKind) -> anyhow::Result<Vec<EnergyRecord>> {
    let now = Utc::now();
    let mut records = Vec::new();
    for path in files {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let file =
            datahub::parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", path.display()))?;
        let point = file.metering_point.clone().unwrap_or_default();
        let span = match (file.readings.first(), file.readings.last()) {
            (Some(first), Some(last)) => format!(" from {} to {}", first.start.to_rfc3339(), last.end.to_rfc3339()),
            _ => String::new(),
        };
        tracing::info!(
            "{}: {} intervals of {}{span}, {} marked missing (not priced, not sent){}",
            path.display(),
            file.readings.len(),
            kind.word(),
            file.missing.len(),
            if point.is_empty() { String::new() } else { format!(", metering point {point}") }
        );
        records.extend(file.readings.into_iter().map(|r| EnergyRecord {
            timestamp: now,
            kind,
            metering_point: point.clone(),
            start: r.start,
            end: r.end,
            kwh: r.kwh,
        }));
    }
    Ok(records)
}

/// Sends `records`, and again those Kafka did not acknowledge, with backoff, until all arrived, [`GIVE_UP_AFTER`]
/// passed or `shutdown`: how many arrived, and how many did not.
async fn send_all(
    producer: &FutureProducer<KafkaContext>,
    topic: &str,
    mut records: Vec<EnergyRecord>,
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
        if started.elapsed() > GIVE_UP_AFTER {
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
