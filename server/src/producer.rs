//! The producer: watches the price file and publishes every new or changed price to Kafka.
//!
//! A change is noticed through file-system events within milliseconds, or by the periodic check as a
//! fallback (events can be missed on network file systems, or when the directory is replaced). The MD5 of the
//! bytes decides whether anything changed; then only the slots whose price differs from what Kafka last
//! acknowledged are sent. The file counts as published only when every message was acknowledged, so a broker
//! that is down delays the prices but loses none of them.

use std::{path::Path, sync::Arc, time::Duration};

use anyhow::Context;
use chrono::Utc;
use notify::{EventKind, RecursiveMode, Watcher};
use rdkafka::{
    producer::{FutureProducer, FutureRecord, Producer as _},
    util::Timeout,
};
use tokio::{sync::mpsc, time::Instant};
use tokio_util::sync::CancellationToken;

use app::{PriceRecord, slots::SlotIndex};

use crate::{
    backoff::Backoff,
    config::Config,
    fingerprint::Fingerprint,
    kafka::{self, TopicReady},
    price_file,
    status::StatusBoard,
};

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

    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
    let mut next_check = Instant::now();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            Some(()) = events.recv() => {
                // An editor or a copy writes in several steps: let them finish, and take one look.
                tokio::time::sleep(Duration::from_millis(50)).await;
                while events.try_recv().is_ok() {}
            }
            _ = tokio::time::sleep_until(next_check) => {}
        }
        // While Kafka is away a check waits for acknowledgements: a shutdown must not wait for them.
        let checked = tokio::select! {
            _ = shutdown.cancelled() => break,
            checked = publisher.check() => checked,
        };
        next_check = match checked {
            Ok(()) => {
                backoff.reset();
                Instant::now() + config.check_interval()
            }
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::warn!("{e:#}; trying again in {delay:?}");
                Instant::now() + delay
            }
        };
    }
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

/// Publishes what changed in the price file, remembering what Kafka acknowledged.
struct PricePublisher {
    kafka: FutureProducer,
    path: std::path::PathBuf,
    topic: String,
    /// The latest price of each slot that Kafka acknowledged.
    delivered: SlotIndex,
    /// The file content whose every price Kafka acknowledged.
    published: Option<Fingerprint>,
    /// The last content that could not be read, so it is reported once, not on every tick.
    unreadable: Option<Fingerprint>,
    status: Arc<StatusBoard>,
    missing_reported: bool,
}

impl PricePublisher {
    fn new(config: &Config, status: Arc<StatusBoard>) -> anyhow::Result<Self> {
        let kafka = kafka::client_config(config)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            // Fail a delivery after 30 s instead of librdkafka's 5 min: the loop retries with backoff and
            // says so in the log, rather than hanging silently.
            .set("message.timeout.ms", "30000")
            .set("linger.ms", "5")
            .create()
            .context("creating the Kafka producer")?;
        Ok(Self {
            kafka,
            path: config.price_file.clone(),
            topic: config.topic.clone(),
            delivered: SlotIndex::default(),
            published: None,
            unreadable: None,
            status,
            missing_reported: false,
        })
    }

    /// Reads the file and publishes what changed. An error means some prices are not delivered yet.
    async fn check(&mut self) -> anyhow::Result<()> {
        let bytes = match read_at_most(&self.path, price_file::MAX_BYTES + 1).await {
            Ok(bytes) => bytes,
            Err(e) => {
                if !std::mem::replace(&mut self.missing_reported, true) {
                    tracing::warn!("cannot read the price file {}: {e}; waiting for it", self.path.display());
                }
                return Ok(());
            }
        };
        self.missing_reported = false;
        let fingerprint = Fingerprint::of(&bytes);
        if Some(fingerprint) == self.published || Some(fingerprint) == self.unreadable {
            return Ok(());
        }
        let file = match price_file::parse(&bytes, Utc::now()) {
            Ok(file) => file,
            Err(e) => {
                self.unreadable = Some(fingerprint);
                tracing::warn!("{}: {e}; it is read again when it changes", self.path.display());
                return Ok(());
            }
        };
        for why in &file.skipped {
            tracing::warn!("{}: skipped {why}", self.path.display());
        }
        let total = file.records.len();
        let changed: Vec<PriceRecord> = file.records.into_iter().filter(|r| self.delivered.is_new(r)).collect();
        tracing::info!(
            "change detected in {} (md5 {fingerprint}): {total} prices, {} new or changed",
            self.path.display(),
            changed.len()
        );

        let attempted = changed.len();
        self.publish(changed).await?;
        self.published = Some(fingerprint);
        tracing::info!("sent {attempted} message(s) to topic {}; {} is published", self.topic, self.path.display());
        Ok(())
    }

    /// Sends `changed` and waits for every acknowledgement; what Kafka acknowledged counts as delivered even
    /// when the rest failed, so a retry sends only the rest.
    async fn publish(&mut self, changed: Vec<PriceRecord>) -> anyhow::Result<()> {
        let results = futures::future::join_all(changed.iter().map(|record| self.send(record))).await;
        self.status.producer(|p| p.last_change = Some(Utc::now()));
        let mut failed = 0;
        let mut first_error = None;
        for (record, result) in changed.into_iter().zip(results) {
            match result {
                Ok(()) => {
                    self.delivered.insert(record);
                    self.status.producer(|p| p.messages_sent += 1);
                }
                Err(e) => {
                    failed += 1;
                    first_error.get_or_insert(e);
                }
            }
        }
        self.status.kafka_reachable(first_error.is_none());
        match first_error {
            Some(e) => anyhow::bail!("{failed} price(s) not acknowledged by Kafka: {e}"),
            None => Ok(()),
        }
    }

    async fn send(&self, record: &PriceRecord) -> Result<(), rdkafka::error::KafkaError> {
        let key = app::price::slot_time_text(record.start_date);
        let payload = serde_json::to_vec(record).expect("a price record always serialises");
        self.kafka
            .send(FutureRecord::to(&self.topic).key(&key).payload(&payload), Timeout::After(Duration::from_secs(10)))
            .await
            .map(|_| ())
            .map_err(|(e, _)| e)
    }
}
