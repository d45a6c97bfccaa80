//! The consumer: reads the topic and appends every new price revision to the CSV log.
//!
//! Offsets are committed only after the rows are written and flushed, so a crash between the two makes Kafka
//! deliver those messages again; the log's slot index then recognises them and adds no row. That is
//! at-least-once delivery with exactly one row per (slot, price) revision.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use anyhow::Context;
use rdkafka::{
    Message, Offset, TopicPartitionList,
    consumer::{CommitMode, Consumer, StreamConsumer},
    error::{KafkaError, KafkaResult},
    message::BorrowedMessage,
};
use tokio_util::sync::CancellationToken;

use app::{PriceRecord, csv_log::CsvLog};

use crate::{backoff::Backoff, config::Config, kafka, status::StatusBoard};

/// Most messages written and committed together.
const MAX_BATCH: usize = 1000;
/// How often the consumer measures its lag for the dashboard.
const LAG_EVERY: Duration = Duration::from_secs(10);
/// Log a progress line at least every this many messages.
const PROGRESS_EVERY: u64 = 100;

/// Runs the consumer until `shutdown`; then it commits what it wrote and leaves the group.
pub async fn run(config: Config, status: Arc<StatusBoard>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut log = CsvLog::open(&config.csv_path).context("opening the CSV log")?;
    tracing::info!(
        "consumer appending to {} ({} rows, {} slots already there)",
        config.csv_path.display(),
        log.rows(),
        log.index().len()
    );
    // Known to the dashboard from the start, with nothing written yet.
    status.consumer(|_| ());
    if !kafka::ensure_topic(&config, &status, &shutdown).await {
        return Ok(());
    }
    let consumer: Arc<StreamConsumer> = kafka::client_config(&config)
        .set("group.id", &config.group_id)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        // Offsets are stored and committed by hand, after the write.
        .set("enable.auto.offset.store", "false")
        .create()
        .map(Arc::new)
        .context("creating the Kafka consumer")?;
    consumer.subscribe(&[&config.topic]).context("subscribing to the topic")?;
    tracing::info!("consumer in group {} reading topic {}", config.group_id, config.topic);

    let mut progress = Progress::default();
    let mut written: BTreeMap<i32, i64> = BTreeMap::new();
    let mut lag_tick = tokio::time::interval(LAG_EVERY);
    let mut kafka_away = false;
    loop {
        let first = tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = lag_tick.tick() => {
                let lag = measure_lag(consumer.clone(), config.topic.clone(), written.clone()).await;
                status.consumer(|c| c.lag = lag);
                continue;
            }
            message = consumer.recv() => message,
        };
        let mut batch = vec![first];
        // Whatever else is already waiting goes into the same write and commit.
        while batch.len() < MAX_BATCH {
            match tokio::time::timeout(Duration::from_millis(20), consumer.recv()).await {
                Ok(message) => batch.push(message),
                Err(_) => break,
            }
        }

        let (records, offsets, kafka_error) = decode_batch(&batch);
        if let Some(e) = kafka_error.filter(|_| offsets.is_empty()) {
            // Only errors: Kafka is away. Say so once, and do not spin while librdkafka reconnects.
            if !std::mem::replace(&mut kafka_away, true) {
                tracing::warn!("Kafka: {e}; waiting for it to come back");
            }
            status.kafka_reachable(false);
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        if !offsets.is_empty() {
            status.kafka_reachable(true);
            if std::mem::take(&mut kafka_away) {
                tracing::info!("Kafka is back");
            }
        }
        let messages = records.len() as u64;
        let Some(rows) = append_until_written(&mut log, &records, &shutdown).await else {
            break; // shut down before the write succeeded: nothing of this batch is committed
        };
        if !offsets.is_empty() {
            commit(&consumer, &config.topic, &offsets, CommitMode::Async);
            written.extend(offsets);
        }
        progress.add(messages, rows as u64, log.rows());
        status.consumer(|c| {
            c.messages_read += batch.iter().filter(|m| m.is_ok()).count() as u64;
            c.rows_written += rows as u64;
        });
    }

    if !written.is_empty() {
        commit(&consumer, &config.topic, &written, CommitMode::Sync);
    }
    consumer.unsubscribe();
    tracing::info!("consumer stopped: {} messages read, {} rows written", progress.messages, progress.rows);
    Ok(())
}

/// The price records of a batch, per partition the offset of its last message, and the last error the batch
/// held instead of a message. A message that is not a price record is logged and skipped: it counts as handled,
/// so it is committed with the rest.
fn decode_batch(
    batch: &[KafkaResult<BorrowedMessage<'_>>],
) -> (Vec<PriceRecord>, BTreeMap<i32, i64>, Option<KafkaError>) {
    let mut records = Vec::with_capacity(batch.len());
    let mut offsets = BTreeMap::new();
    let mut error = None;
    for message in batch {
        match message {
            Ok(message) => {
                offsets.insert(message.partition(), message.offset());
                match decode(message) {
                    Ok(record) => records.push(record),
                    Err(why) => tracing::warn!(
                        partition = message.partition(),
                        offset = message.offset(),
                        "skipping a message that is not a price record: {why}"
                    ),
                }
            }
            Err(e) => error = Some(e.clone()),
        }
    }
    (records, offsets, error)
}

/// Appends `records` to the log, retrying with backoff while the write fails (a full disk, say); returns the
/// rows written, or `None` when shut down first.
async fn append_until_written(
    log: &mut CsvLog,
    records: &[PriceRecord],
    shutdown: &CancellationToken,
) -> Option<usize> {
    let mut backoff = Backoff::default();
    loop {
        match log.append_new(records.iter().cloned()) {
            Ok(rows) => return Some(rows),
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::error!("writing the CSV log failed: {e}; trying again in {delay:?}");
                tokio::select! {
                    _ = shutdown.cancelled() => return None,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

/// Messages in the assigned partitions after the last one written, or `None` if the broker does not say.
async fn measure_lag(consumer: Arc<StreamConsumer>, topic: String, written: BTreeMap<i32, i64>) -> Option<i64> {
    // The watermark request blocks: keep it off the async threads.
    tokio::task::spawn_blocking(move || {
        let assignment = consumer.assignment().ok()?;
        let mut lag = 0;
        for element in assignment.elements_for_topic(&topic) {
            let partition = element.partition();
            let (low, high) = consumer.fetch_watermarks(&topic, partition, Duration::from_secs(1)).ok()?;
            let next = written.get(&partition).map_or(low, |last| last + 1);
            lag += (high - next).max(0);
        }
        Some(lag)
    })
    .await
    .ok()
    .flatten()
}

/// A message's value as a price record, checked.
fn decode(message: &BorrowedMessage<'_>) -> Result<PriceRecord, String> {
    let payload = message.payload().ok_or("the message has no value")?;
    let record: PriceRecord = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
    if !record.price.is_finite() {
        return Err("the price is not a finite number".into());
    }
    if record.start_date >= record.end_date {
        return Err("startDate is not before endDate".into());
    }
    Ok(record)
}

/// Commits, for each partition, the offset after the last message handled.
fn commit(consumer: &StreamConsumer, topic: &str, last: &BTreeMap<i32, i64>, mode: CommitMode) {
    let mut list = TopicPartitionList::new();
    for (&partition, &offset) in last {
        if let Err(e) = list.add_partition_offset(topic, partition, Offset::Offset(offset + 1)) {
            tracing::error!("cannot commit partition {partition}: {e}");
        }
    }
    if let Err(e) = consumer.commit(&list, mode) {
        // The rows are on disk: at worst they are delivered again and recognised as known.
        tracing::warn!("committing offsets failed: {e}");
    }
}

#[derive(Default)]
struct Progress {
    messages: u64,
    rows: u64,
    logged_at: u64,
}

impl Progress {
    fn add(&mut self, messages: u64, rows: u64, total_rows: u64) {
        self.messages += messages;
        self.rows += rows;
        if rows > 0 || self.messages - self.logged_at >= PROGRESS_EVERY {
            self.logged_at = self.messages;
            tracing::info!(
                "read {messages} message(s), wrote {rows} new row(s), {} already known; {total_rows} rows in the log",
                messages - rows
            );
        }
    }
}
