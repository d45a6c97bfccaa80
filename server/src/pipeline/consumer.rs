//! The consumer: reads a topic and appends every new revision to its CSV log: the prices to the price log, and
//! (`run_log`) the metered energy to its own.
//!
//! Offsets are committed only after the rows are written and flushed, so a crash between the two makes Kafka
//! deliver those messages again; the log's index then recognises them and adds no row. That is at-least-once
//! delivery with exactly one row per revision (of a slot's price, or an interval's amount).

use std::{collections::BTreeMap, path::Path, sync::Arc, time::Duration};

use anyhow::Context;
use futures::{FutureExt, StreamExt};
use rdkafka::{
    Message, Offset,
    consumer::{CommitMode, Consumer, StreamConsumer, stream_consumer::MessageStream},
    error::{KafkaError, KafkaResult},
    message::BorrowedMessage,
};
use tokio_util::sync::CancellationToken;

use app::records::csv_log::{CsvLog, CsvLogError, Logged};

use crate::{
    config::Config,
    log_text::clipped,
    metrics::{self, BadInput},
    pipeline::{
        backoff::Backoff,
        kafka::{self, KafkaContext, TopicReady},
        status::StatusBoard,
    },
};

/// Most messages written and committed together: one flush to disk each, which is most of what a row costs.
const MAX_BATCH: usize = 10_000;
/// How long a batch waits for one more message. Under load librdkafka has the next ones queued already, so
/// batches still fill up; a lone change waits only this long before it is written.
const BATCH_WINDOW: Duration = Duration::from_millis(2);
/// How often the consumer measures its lag for the dashboard.
const LAG_EVERY: Duration = Duration::from_secs(10);
/// Retries of a CSV write that failed: the disk is local, so the wait stays short once it is writable again.
const WRITE_RETRY_MIN: Duration = Duration::from_millis(200);
const WRITE_RETRY_MAX: Duration = Duration::from_secs(2);
/// Log a progress line at least every this many messages.
const PROGRESS_EVERY: u64 = 100;

type PriceConsumer = StreamConsumer<KafkaContext>;

/// Runs the price consumer until `shutdown`; then it commits what it wrote and leaves the group.
pub async fn run(config: Config, status: Arc<StatusBoard>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let csv = config.csv_path.clone();
    run_log::<app::PriceRecord>(config, &csv, status, shutdown).await
}

/// Runs a consumer of `config.topic` in `config.group_id` that appends records of `R` to the log at `csv`,
/// until `shutdown`.
pub async fn run_log<R: Logged + Send + 'static>(
    config: Config,
    csv: &Path,
    status: Arc<StatusBoard>,
    shutdown: CancellationToken,
) -> anyhow::Result<()>
where
    R::Index: Send,
{
    let Some(log) = open_log::<R>(csv, &shutdown).await? else {
        return Ok(());
    };
    tracing::info!("consumer of {} appending to {} ({} rows already there)", config.topic, csv.display(), log.rows());
    status.register_consumer();
    if kafka::ensure_topic(&config, &status, &shutdown).await? == TopicReady::ShutDown {
        return Ok(());
    }
    let consumer = Arc::new(create(&config)?);
    let progress = consume(&consumer, &config.topic, log, &status, &shutdown).await;
    if progress.messages > 0
        && let Err(e) = kafka::commit_stored(consumer.as_ref(), CommitMode::Sync)
    {
        tracing::warn!("committing offsets at shutdown failed: {e}");
    }
    consumer.unsubscribe();
    tracing::info!(
        "consumer stopped ({}): {} messages read, {} rows written",
        config.topic,
        progress.messages,
        progress.rows
    );
    Ok(())
}

/// Opens the CSV log, retrying while its path cannot be written (a folder not mounted yet, say), or `None`
/// when shut down first. A file that is not a log of `R` is an error at once: retrying would not change it.
async fn open_log<R: Logged>(path: &Path, shutdown: &CancellationToken) -> anyhow::Result<Option<CsvLog<R>>> {
    let mut backoff = Backoff::new(WRITE_RETRY_MIN, WRITE_RETRY_MAX);
    loop {
        match CsvLog::<R>::open_log(path) {
            Ok(log) => return Ok(Some(log)),
            Err(e @ CsvLogError::Header { .. }) => return Err(e).context("opening the CSV log"),
            Err(e @ CsvLogError::Io { .. }) => {
                let delay = backoff.next_delay();
                tracing::error!("opening the CSV log {} failed: {e}; trying again in {delay:?}", path.display());
                tokio::select! {
                    _ = shutdown.cancelled() => return Ok(None),
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

/// A consumer in the group, subscribed to the topic, that commits only what it stored.
fn create(config: &Config) -> anyhow::Result<PriceConsumer> {
    let mut client = kafka::client_config(config);
    if let Some(instance) = &config.group_instance_id {
        client.set("group.instance.id", instance);
    }
    let consumer: PriceConsumer = client
        .set("group.id", &config.group_id)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        // After a broker outage the consumer joins again under a new member id, and the group waits for the old
        // one's session to expire before it gets its partitions back: 10 s (the broker's minimum is 6), not 45.
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "3000")
        // A message's offset is stored once its row is on disk, and only stored offsets are committed.
        .set("enable.auto.offset.store", "false")
        // Once its queue holds `queued.min.messages` (100 000), librdkafka waits this long before it fetches
        // again. The default, 1 s, left a consumer catching up idle most of the time: it empties such a queue in
        // a fifth of a second (the benchmark's million rows came in bursts with 0.9 s gaps between them).
        .set("fetch.queue.backoff.ms", "20")
        .create_with_context(KafkaContext::new(config))
        .context("creating the Kafka consumer")?;
    consumer.subscribe(&[&config.topic]).context("subscribing to the topic")?;
    tracing::info!("consumer in group {} reading topic {}", config.group_id, config.topic);
    Ok(consumer)
}

/// Reads, writes and commits batches until `shutdown`. A batch is appended on a thread of its own while the next
/// one is read and decoded (the two took about as long: `perf` on `scripts/bench.sh consumer`); the next is
/// appended only once the one before it is written, since the log's index judges it against that.
async fn consume<R: Logged + Send + 'static>(
    consumer: &Arc<PriceConsumer>,
    topic: &str,
    log: CsvLog<R>,
    status: &StatusBoard,
    shutdown: &CancellationToken,
) -> Progress
where
    R::Index: Send,
{
    let mut progress = Progress::default();
    let mut lag_tick = tokio::time::interval(LAG_EVERY);
    let mut kafka_away = false;
    let mut writer = Writer { log: Some(log), pending: None };
    // One stream for the consumer's life: `recv` would register and drop one for every message.
    let mut messages = consumer.stream();
    loop {
        let first = tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = lag_tick.tick() => {
                let lag = measure_lag(consumer.clone(), topic.to_owned()).await;
                status.consumer(|c| c.lag = lag);
                continue;
            }
            // A lone change is committed as soon as it is written, not when the next one comes.
            written = writer.written(), if writer.pending.is_some() => {
                if !writer.finish(written, consumer, topic, status, &mut progress) {
                    break;
                }
                continue;
            }
            message = messages.next() => message.expect("a Kafka stream does not end"),
        };
        let batch = Batch::<R>::decode(&next_batch(&mut messages, first).await);
        if !kafka_answered(&batch, topic, status, &mut kafka_away).await {
            continue;
        }
        if !writer.settle(consumer, topic, status, &mut progress).await {
            break;
        }
        writer.start(batch, shutdown);
    }
    writer.settle(consumer, topic, status, &mut progress).await;
    progress
}

/// Whether `batch` holds any message. Only errors mean Kafka is away: that is said once, and the caller does not
/// spin while librdkafka reconnects.
async fn kafka_answered<R>(batch: &Batch<R>, topic: &str, status: &StatusBoard, kafka_away: &mut bool) -> bool {
    if batch.last_offsets.is_empty() {
        if !std::mem::replace(kafka_away, true) {
            let error = batch.error.as_ref().map_or_else(|| "no messages".to_owned(), |e| e.to_string());
            tracing::warn!("Kafka ({topic}): {error}; waiting for it to come back");
        }
        status.kafka_reachable(false);
        tokio::time::sleep(Duration::from_millis(500)).await;
        return false;
    }
    status.kafka_reachable(true);
    if std::mem::take(kafka_away) {
        tracing::info!("Kafka is back ({topic})");
    }
    true
}

/// The log, or the batch being appended to it (which holds the log meanwhile).
struct Writer<R: Logged> {
    log: Option<CsvLog<R>>,
    pending: Option<Pending<R>>,
}

/// A batch being appended: the task, and what to commit once it is written.
struct Pending<R: Logged> {
    task: tokio::task::JoinHandle<(CsvLog<R>, Option<usize>)>,
    last_offsets: BTreeMap<i32, i64>,
    read: u64,
}

impl<R: Logged + Send + 'static> Writer<R>
where
    R::Index: Send,
{
    /// Starts appending `batch`'s records; the log must be free.
    fn start(&mut self, batch: Batch<R>, shutdown: &CancellationToken) {
        let log = self.log.take().expect("one batch is appended at a time");
        let task = tokio::spawn(append_until_written(log, batch.records, shutdown.clone()));
        self.pending = Some(Pending { task, last_offsets: batch.last_offsets, read: batch.read });
    }

    /// Waits for the pending batch's append (there must be one).
    async fn written(&mut self) -> (CsvLog<R>, Option<usize>) {
        let pending = self.pending.as_mut().expect("a batch is being appended");
        (&mut pending.task).await.expect("appending to the log does not panic")
    }

    /// Waits for the pending batch's append, if there is one, and finishes it as [`Writer::finish`] does;
    /// `false` when it was shut down before its rows were written.
    async fn settle(
        &mut self,
        consumer: &PriceConsumer,
        topic: &str,
        status: &StatusBoard,
        progress: &mut Progress,
    ) -> bool {
        if self.pending.is_none() {
            return true;
        }
        let written = self.written().await;
        self.finish(written, consumer, topic, status, progress)
    }

    /// Takes the log back from the pending batch's append and, if the rows were written, stores and commits
    /// its offsets; `false` when it was shut down before they were.
    fn finish(
        &mut self,
        (log, rows): (CsvLog<R>, Option<usize>),
        consumer: &PriceConsumer,
        topic: &str,
        status: &StatusBoard,
        progress: &mut Progress,
    ) -> bool {
        let pending = self.pending.take().expect("a batch was being appended");
        let total_rows = log.rows();
        self.log = Some(log);
        let Some(rows) = rows else {
            return false; // shut down before the write succeeded: nothing of this batch is committed
        };
        store_and_commit(consumer, topic, &pending.last_offsets);
        progress.add(pending.read, rows as u64, total_rows);
        status.consumer(|c| {
            c.messages_read += pending.read;
            c.rows_written += rows as u64;
        });
        true
    }
}

/// `first` and whatever else is already waiting, up to [`MAX_BATCH`]: one write and one commit for them all.
async fn next_batch<'a>(
    stream: &mut MessageStream<'a, KafkaContext>,
    first: KafkaResult<BorrowedMessage<'a>>,
) -> Vec<KafkaResult<BorrowedMessage<'a>>> {
    let mut messages = vec![first];
    while messages.len() < MAX_BATCH {
        // What librdkafka has queued already is taken without a timer; only an empty queue waits the window.
        let message = match stream.next().now_or_never() {
            Some(message) => message,
            None => match tokio::time::timeout(BATCH_WINDOW, stream.next()).await {
                Ok(message) => message,
                Err(_) => break,
            },
        };
        messages.push(message.expect("a Kafka stream does not end"));
    }
    messages
}

/// What a batch of messages holds.
struct Batch<R> {
    /// The records, in the order they came.
    records: Vec<R>,
    /// Per partition, the offset of the batch's last message.
    last_offsets: BTreeMap<i32, i64>,
    /// Messages read, price records or not.
    read: u64,
    /// The last error the batch held instead of a message.
    error: Option<KafkaError>,
}

impl<R: Logged> Batch<R> {
    /// A message that is not a record of `R` is logged and skipped: it counts as handled, so its offset is
    /// committed with the rest.
    fn decode(messages: &[KafkaResult<BorrowedMessage<'_>>]) -> Self {
        let mut batch =
            Batch { records: Vec::with_capacity(messages.len()), last_offsets: BTreeMap::new(), read: 0, error: None };
        let mut last_offsets = LastOffsets::default();
        for message in messages {
            match message {
                Ok(message) => {
                    batch.read += 1;
                    last_offsets.saw(message.partition(), message.offset());
                    match decode::<R>(message) {
                        Ok(record) => batch.records.push(record),
                        Err(why) => {
                            metrics::bad_input(BadInput::Message, 1);
                            tracing::warn!(
                                partition = message.partition(),
                                offset = message.offset(),
                                "skipping a message that is not {}: {}",
                                R::NAME,
                                clipped(&why)
                            )
                        }
                    }
                }
                Err(e) => batch.error = Some(e.clone()),
            }
        }
        batch.last_offsets = last_offsets.per_partition();
        batch
    }
}

/// The offset of the last message seen from each partition. Messages come in runs from one partition, so a run's
/// last offset is noted when the partition changes rather than a map entry written for every message.
#[derive(Default)]
struct LastOffsets {
    ended: BTreeMap<i32, i64>,
    current: Option<(i32, i64)>,
}

impl LastOffsets {
    fn saw(&mut self, partition: i32, offset: i64) {
        if let Some((before, its_offset)) = self.current.replace((partition, offset))
            && before != partition
        {
            self.ended.insert(before, its_offset);
        }
    }

    fn per_partition(mut self) -> BTreeMap<i32, i64> {
        self.ended.extend(self.current);
        self.ended
    }
}

/// Stores the offset after each partition's last written message, and commits what is stored.
fn store_and_commit(consumer: &PriceConsumer, topic: &str, last_offsets: &BTreeMap<i32, i64>) {
    for (&partition, &offset) in last_offsets {
        // Fails only for a partition this consumer no longer owns; its new owner reads those messages again.
        if let Err(e) = consumer.store_offset(topic, partition, offset) {
            tracing::warn!("storing the offset of partition {partition}: {e}");
        }
    }
    if let Err(e) = kafka::commit_stored(consumer, CommitMode::Async) {
        tracing::warn!("committing offsets failed: {e}");
    }
}

/// Appends `records` to the log, retrying with backoff while the write fails (a full disk, say); returns the log
/// and the rows written, or `None` when shut down first. Each attempt runs where blocking is allowed: it syncs
/// the file to disk.
async fn append_until_written<R: Logged + Send + 'static>(
    mut log: CsvLog<R>,
    mut records: Vec<R>,
    shutdown: CancellationToken,
) -> (CsvLog<R>, Option<usize>)
where
    R::Index: Send,
{
    let mut backoff = Backoff::new(WRITE_RETRY_MIN, WRITE_RETRY_MAX);
    loop {
        let result;
        (log, records, result) = tokio::task::spawn_blocking(move || {
            let result = log.append_new(records.iter().cloned());
            (log, records, result)
        })
        .await
        .expect("appending to the log does not panic");
        match result {
            Ok(rows) => return (log, Some(rows)),
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::error!("writing the CSV log failed: {e}; trying again in {delay:?}");
                tokio::select! {
                    _ = shutdown.cancelled() => return (log, None),
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

/// Messages in the assigned partitions after the consumer's position, or `None` if the broker does not say.
async fn measure_lag(consumer: Arc<PriceConsumer>, topic: String) -> Option<i64> {
    // The watermark request blocks: keep it off the async threads.
    tokio::task::spawn_blocking(move || {
        let position = consumer.position().ok()?;
        let mut lag = 0;
        for element in position.elements_for_topic(&topic) {
            let partition = element.partition();
            let (low, high) = consumer.fetch_watermarks(&topic, partition, Duration::from_secs(1)).ok()?;
            let next = match element.offset() {
                Offset::Offset(next) => next,
                _ => low, // nothing read yet
            };
            lag += (high - next).max(0);
        }
        Some(lag)
    })
    .await
    .ok()
    .flatten()
}

/// A message's value as a record of `R`, checked.
fn decode<R: Logged>(message: &BorrowedMessage<'_>) -> Result<R, String> {
    let payload = message.payload().ok_or("the message has no value")?;
    let record = R::from_message(payload)?;
    record.check()?;
    Ok(record)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn last_offsets(seen: &[(i32, i64)]) -> BTreeMap<i32, i64> {
        let mut offsets = LastOffsets::default();
        for &(partition, offset) in seen {
            offsets.saw(partition, offset);
        }
        offsets.per_partition()
    }

    #[test]
    fn each_partitions_last_offset_is_kept_however_the_partitions_interleave() {
        assert_eq!(last_offsets(&[]), BTreeMap::new());
        assert_eq!(last_offsets(&[(0, 5), (0, 6), (0, 7)]), BTreeMap::from([(0, 7)]));
        assert_eq!(
            last_offsets(&[(0, 5), (1, 3), (0, 6), (2, 1), (2, 2), (1, 4)]),
            BTreeMap::from([(0, 6), (1, 4), (2, 2)])
        );
    }
}
