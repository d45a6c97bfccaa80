//! The producer: watches the price file and publishes every new or changed price to Kafka.
//!
//! A change is noticed through file-system events within milliseconds, or by the periodic check as a
//! fallback (events can be missed on network file systems, or when the directory is replaced). The MD5 of the
//! bytes decides whether anything changed; then only the slots whose price differs from the version read
//! before join the queue of revisions to send. Reading never waits for Kafka, and a revision leaves the queue
//! only when Kafka acknowledged it, so a broker that is away delays the prices but loses none of them, also
//! when the file is replaced meanwhile.

use std::{collections::HashSet, path::Path, sync::Arc, time::Duration};

use anyhow::Context;
use chrono::Utc;
use notify::{EventKind, RecursiveMode, Watcher};
use rdkafka::{
    error::KafkaError,
    producer::{FutureProducer, FutureRecord, Producer as _},
    util::Timeout,
};
use tokio::{sync::mpsc, task::JoinHandle, time::Instant};
use tokio_util::sync::CancellationToken;

use app::{PriceRecord, records::slots::SlotIndex};

use crate::{
    config::Config,
    metrics::{self, BadInput},
    pipeline::{
        backoff::Backoff,
        fingerprint::Fingerprint,
        kafka::{self, KafkaContext, TopicReady},
        price_file,
        status::StatusBoard,
    },
};

/// How long after a file-system event the file is read: the other events of the same write come first.
const EVENT_SETTLE: Duration = Duration::from_millis(10);

/// Runs the producer until `shutdown`.
pub async fn run(config: Config, status: Arc<StatusBoard>, shutdown: CancellationToken) -> anyhow::Result<()> {
    status.producer(|p| p.price_file = config.price_file.display().to_string());
    let (events_tx, mut events) = mpsc::unbounded_channel();
    // Kept alive for as long as the loop runs; without it the producer still polls.
    let _watcher = watch(&config.price_file, events_tx)
        .inspect_err(|e| tracing::warn!("not watching {} for events, only polling: {e:#}", config.price_file.display()))
        .ok();
    if kafka::ensure_topic(&config, &status, &shutdown).await? == TopicReady::ShutDown {
        return Ok(());
    }
    let mut publisher = PricePublisher::new(&config, status)?;
    tracing::info!(
        "producer watching {} (checked every {} s) for topic {}",
        config.price_file.display(),
        config.check_interval,
        config.topic
    );
    read_and_send(&mut publisher, &mut events, &config, &shutdown).await;
    tracing::info!("producer stopping");
    publisher.kafka.flush(Duration::from_secs(5)).ok();
    Ok(())
}

/// The first `limit` bytes of the file at `path`: enough to tell that a file is too large to be a price file,
/// without reading all of it.
async fn read_at_most(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut bytes = Vec::new();
    tokio::fs::File::open(path).await?.take(limit as u64).read_to_end(&mut bytes).await?;
    Ok(bytes)
}

/// Reads the file on every change and sends what it added, until `shutdown`. Reading and sending run side by
/// side: while Kafka is away and a round of sends waits for acknowledgements, every new version of the file is
/// still read, and its revisions join the queue.
async fn read_and_send(
    publisher: &mut PricePublisher,
    events: &mut mpsc::UnboundedReceiver<()>,
    config: &Config,
    shutdown: &CancellationToken,
) {
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
    let mut next_check = Instant::now();
    let mut round: Option<JoinHandle<Vec<Sent>>> = None;
    let mut resend_at: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            Some(()) = events.recv() => {
                // An editor or a copy writes in several steps: let them finish, and take one look. (A look
                // too early finds a half-written file, which is logged and read again on the next event.)
                tokio::time::sleep(EVENT_SETTLE).await;
                while events.try_recv().is_ok() {}
                publisher.read_file().await;
            }
            _ = tokio::time::sleep_until(next_check) => {
                publisher.read_file().await;
                next_check = Instant::now() + config.check_interval();
            }
            sent = async { round.as_mut().expect("a round in flight").await }, if round.is_some() => {
                round = None;
                // A round's records are in its task: a panic there must stop the producer, not drop them.
                match publisher.finish_round(sent.expect("a round of sends does not panic")) {
                    Ok(()) => backoff.reset(),
                    Err(e) => {
                        let delay = backoff.next_delay();
                        tracing::warn!("{e:#}; trying again in {delay:?}");
                        resend_at = Some(Instant::now() + delay);
                    }
                }
            }
            _ = tokio::time::sleep_until(resend_at.unwrap_or_else(Instant::now)), if resend_at.is_some() => {
                resend_at = None;
            }
        }
        if round.is_none() && resend_at.is_none() {
            round = publisher.start_round();
        }
    }
}

/// Sends a `()` whenever something happens to the file at `path` (created, written, renamed, removed).
fn watch(path: &Path, events: mpsc::UnboundedSender<()>) -> notify::Result<notify::RecommendedWatcher> {
    let name = path.file_name().map(ToOwned::to_owned);
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => ".".into(),
    };
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        // Our own reads are access events: reacting to them would loop.
        let relevant = matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_));
        if relevant && event.paths.iter().any(|p| p.file_name() == name.as_deref()) {
            let _ = events.send(());
        }
    })?;
    // The directory, not the file: editors and `mv` replace the file, and a watch on it would be lost.
    watcher.watch(&dir, RecursiveMode::NonRecursive)?;
    Ok(watcher)
}

/// Publishes what changed in the price file, remembering what it read and what Kafka has not acknowledged yet.
struct PricePublisher {
    kafka: FutureProducer<KafkaContext>,
    path: std::path::PathBuf,
    topic: String,
    /// The latest price of each slot as read from the file: sent, or waiting to be.
    known: SlotIndex,
    /// Revisions read and not yet acknowledged, in the order they were read. A file replaced while Kafka is
    /// away loses none of them: each version's revisions wait here until Kafka has them.
    pending: Vec<PriceRecord>,
    /// The last file content read.
    read: Option<Fingerprint>,
    /// The last content that could not be read, so it is reported once, not on every tick.
    unreadable: Option<Fingerprint>,
    status: Arc<StatusBoard>,
    missing_reported: bool,
}

impl PricePublisher {
    fn new(config: &Config, status: Arc<StatusBoard>) -> anyhow::Result<Self> {
        let kafka = kafka::reliable_producer_config(config)
            // A file's revisions go out together anyway (one round of sends): waiting longer adds only latency.
            .set("linger.ms", "1")
            .create_with_context(KafkaContext::new(config))
            .context("creating the Kafka producer")?;
        Ok(Self {
            kafka,
            path: config.price_file.clone(),
            topic: config.topic.clone(),
            known: SlotIndex::default(),
            pending: Vec::new(),
            read: None,
            unreadable: None,
            status,
            missing_reported: false,
        })
    }

    /// Adds the revisions of a changed file to those waiting; a file that cannot be read is reported once.
    async fn read_file(&mut self) {
        let bytes = match read_at_most(&self.path, price_file::MAX_BYTES + 1).await {
            Ok(bytes) => bytes,
            Err(e) => {
                if !std::mem::replace(&mut self.missing_reported, true) {
                    tracing::warn!("cannot read the price file {}: {e}; waiting for it", self.path.display());
                }
                return;
            }
        };
        self.missing_reported = false;
        let fingerprint = Fingerprint::of(&bytes);
        if Some(fingerprint) == self.read || Some(fingerprint) == self.unreadable {
            return;
        }
        let file = match price_file::parse(&bytes, Utc::now()) {
            Ok(file) => file,
            Err(e) => {
                self.unreadable = Some(fingerprint);
                metrics::bad_input(BadInput::PriceFile, 1);
                tracing::warn!("{}: {e}; it is read again when it changes", self.path.display());
                return;
            }
        };
        for why in &file.skipped {
            tracing::warn!("{}: skipped {why}", self.path.display());
        }
        metrics::bad_input(BadInput::PriceEntry, file.skipped.len() as u64);
        let total = file.records.len();
        let changed: Vec<PriceRecord> = file.records.into_iter().filter(|r| self.known.is_new(r)).collect();
        tracing::info!(
            "change detected in {} (md5 {fingerprint}): {total} prices, {} new or changed",
            self.path.display(),
            changed.len()
        );
        for record in &changed {
            self.known.insert(record.clone());
        }
        self.pending.extend(changed);
        self.read = Some(fingerprint);
        self.status.producer(|p| p.last_change = Some(Utc::now()));
    }

    /// Sends a round of what is waiting, in a task of its own: the first waiting revision of each slot, so a
    /// slot revised twice while Kafka was away gets its revisions in the order they were made. `None` when
    /// nothing waits.
    fn start_round(&mut self) -> Option<JoinHandle<Vec<Sent>>> {
        if self.pending.is_empty() {
            return None;
        }
        let mut slots = HashSet::new();
        let (round, later): (Vec<PriceRecord>, Vec<PriceRecord>) =
            std::mem::take(&mut self.pending).into_iter().partition(|r| slots.insert(r.start_date));
        self.pending = later;
        let (kafka, topic) = (self.kafka.clone(), self.topic.clone());
        Some(tokio::spawn(async move {
            let sends = round.iter().map(|record| send(&kafka, &topic, record));
            let results = futures::future::join_all(sends).await;
            round.into_iter().zip(results).collect()
        }))
    }

    /// Counts what Kafka acknowledged; what it did not goes back to the front of the queue, before the later
    /// revisions of its slot. An error means some revisions still wait.
    fn finish_round(&mut self, sent: Vec<Sent>) -> anyhow::Result<()> {
        let (acknowledged, failed): (Vec<Sent>, Vec<Sent>) = sent.into_iter().partition(|(_, result)| result.is_ok());
        self.status.producer(|p| p.messages_sent += acknowledged.len() as u64);
        self.status.kafka_reachable(failed.is_empty());
        let first_error = failed.first().and_then(|(_, result)| result.as_ref().err()).map(ToString::to_string);
        let mut waiting: Vec<PriceRecord> = failed.into_iter().map(|(record, _)| record).collect();
        waiting.append(&mut self.pending);
        self.pending = waiting;
        if let Some(e) = first_error {
            anyhow::bail!("{} price(s) not acknowledged by Kafka yet: {e}", self.pending.len());
        }
        if self.pending.is_empty() {
            tracing::info!(
                "sent {} message(s) to topic {}; {} is published",
                acknowledged.len(),
                self.topic,
                self.path.display()
            );
        }
        Ok(())
    }
}

/// A revision and what Kafka said to it.
type Sent = (PriceRecord, Result<(), KafkaError>);

/// Sends one revision, keyed by its slot, and waits for Kafka's acknowledgement.
async fn send(kafka: &FutureProducer<KafkaContext>, topic: &str, record: &PriceRecord) -> Result<(), KafkaError> {
    let key = app::records::price::slot_time_text(record.start_date);
    let payload = serde_json::to_vec(record).expect("a price record always serialises");
    kafka
        .send(FutureRecord::to(topic).key(&key).payload(&payload), Timeout::After(Duration::from_secs(10)))
        .await
        .map(|_| ())
        .map_err(|(e, _)| e)
}
