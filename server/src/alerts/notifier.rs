//! The notifier: reads the alerts' topic in its consumer group and delivers each alert to its channels, then
//! commits. A channel that is down is tried again with backoff until the alert is of no more use, then the
//! alert is logged as expired there. Every delivery is written to the journal before the commit, so an alert
//! Kafka hands over again after a crash is not sent again where it went.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::Context;
use app::alerts::delivery::{Delivery, Outcome};
use chrono::Utc;
use futures::FutureExt;
use rdkafka::{
    Message,
    consumer::{CommitMode, Consumer, StreamConsumer},
    message::BorrowedMessage,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{
    alerts::{channels::Channels, evaluator, journal::Journal, message::AlertMessage},
    config::Config,
    log_text::clipped,
    pipeline::{
        backoff::Backoff,
        kafka::{self, KafkaContext, TopicReady},
        status::StatusBoard,
    },
};

/// Retries of a channel that did not take an alert: soon at first, then every half minute.
const RETRY_MIN: Duration = Duration::from_millis(250);
const RETRY_MAX: Duration = Duration::from_secs(30);
/// How often finished deliveries are committed while no message comes.
const COMMIT_EVERY: Duration = Duration::from_millis(250);
/// How long a shutdown waits for a channel's answer to a request already sent.
const ANSWER_AT_SHUTDOWN: Duration = Duration::from_secs(5);

/// Runs until `shutdown`.
pub async fn run(
    config: &Config,
    channels: Channels,
    status: &StatusBoard,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let journal = Mutex::new(Journal::open(&config.alerts_log)?);
    let topic = evaluator::topic_config(config);
    if kafka::ensure_topic(&topic, status, shutdown).await? == TopicReady::ShutDown {
        return Ok(());
    }
    let consumer: StreamConsumer<KafkaContext> = kafka::client_config(config)
        .set("group.id", &config.alerts_group_id)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("session.timeout.ms", "10000")
        .create_with_context(KafkaContext::new(config))
        .context("creating the alerts' Kafka consumer")?;
    consumer.subscribe(&[&topic.topic]).context("subscribing to the alerts' topic")?;
    tracing::info!("alert notifier in group {} delivering from {}", config.alerts_group_id, topic.topic);
    let (channels, journal) = (Arc::new(channels), Arc::new(journal));
    let mut pending = VecDeque::new();
    let mut kafka_away = false;
    let mut tick = tokio::time::interval(COMMIT_EVERY);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {}
            message = consumer.recv() => match message {
                Ok(message) => {
                    kafka_away = false;
                    pending.push_back(start_delivery(&message, &channels, &journal, shutdown));
                }
                Err(e) => {
                    if !std::mem::replace(&mut kafka_away, true) {
                        tracing::warn!("alert notifier: Kafka: {e}; waiting for it to come back");
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            },
        }
        commit_finished(&consumer, &mut pending, CommitMode::Async);
    }
    // Deliveries under way see the shutdown at their next wait; one mid-request gets its answer first.
    let _ = tokio::time::timeout(ANSWER_AT_SHUTDOWN, async {
        for delivery in &mut pending {
            if let Some(handle) = delivery.handle.take() {
                delivery.done = handle.await.unwrap_or(false);
            }
        }
    })
    .await;
    commit_finished(&consumer, &mut pending, CommitMode::Sync);
    Ok(())
}

/// One message handed to the notifier by the topic, its delivery under way or done.
struct Handed {
    topic: String,
    partition: i32,
    offset: i64,
    handle: Option<JoinHandle<bool>>,
    /// Delivered everywhere, expired, or not an alert: its offset may be committed.
    done: bool,
}

/// Starts delivering `message` in a task of its own, so that a channel that is down holds up no other alert.
fn start_delivery(
    message: &BorrowedMessage<'_>,
    channels: &Arc<Channels>,
    journal: &Arc<Mutex<Journal>>,
    shutdown: &CancellationToken,
) -> Handed {
    let (topic, partition, offset) = (message.topic().to_owned(), message.partition(), message.offset());
    let mut delivery = Handed { topic, partition, offset, handle: None, done: true };
    match message.payload().map(serde_json::from_slice::<AlertMessage>) {
        Some(Ok(alert)) => {
            let (channels, journal, shutdown) = (channels.clone(), journal.clone(), shutdown.clone());
            delivery.handle = Some(tokio::spawn(async move { deliver(&alert, &channels, &journal, &shutdown).await }));
            delivery.done = false;
        }
        Some(Err(e)) => tracing::warn!(
            "a message on {} at offset {offset} is not an alert, skipped: {}",
            delivery.topic,
            clipped(&e.to_string())
        ),
        None => tracing::warn!("a message on {} at offset {offset} is empty, skipped", delivery.topic),
    }
    delivery
}

/// Commits the offsets of the deliveries that are done, in the order the messages came, up to the first still
/// under way: a crash then hands over again only what was not finished.
fn commit_finished(consumer: &StreamConsumer<KafkaContext>, pending: &mut VecDeque<Handed>, mode: CommitMode) {
    let mut stored = false;
    while let Some(front) = pending.front_mut() {
        if let Some(handle) = front.handle.take_if(|h| h.is_finished()) {
            // A delivery stopped by the shutdown is not done: it is handed over again after the restart.
            front.done = handle.now_or_never().and_then(Result::ok).unwrap_or(false);
        }
        if !front.done {
            break;
        }
        let done = pending.pop_front().expect("a front");
        if let Err(e) = consumer.store_offset(&done.topic, done.partition, done.offset) {
            tracing::warn!("storing the alerts' offset: {e}");
        }
        stored = true;
    }
    if stored && let Err(e) = kafka::commit_stored(consumer, mode) {
        tracing::warn!("committing the alerts' offset failed: {e}");
    }
}

/// Delivers `alert` to each of its channels, side by side; `false` when shut down before all took it.
async fn deliver(
    alert: &AlertMessage,
    channels: &Channels,
    journal: &Mutex<Journal>,
    shutdown: &CancellationToken,
) -> bool {
    let sends = alert.channels.iter().map(|name| deliver_to(name, alert, channels, journal, shutdown));
    futures::future::join_all(sends).await.into_iter().all(|done| done)
}

/// Delivers `alert` to the channel `name` unless the journal has it there (or another task is delivering it),
/// retrying until it expires or a later revision comes; `false` when shut down first.
async fn deliver_to(
    name: &str,
    alert: &AlertMessage,
    channels: &Channels,
    journal: &Mutex<Journal>,
    shutdown: &CancellationToken,
) -> bool {
    let (id, revision) = (&alert.alert.id, alert.revision);
    let lock = || journal.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !channels.has(name) {
        // Put on the topic under an earlier rule file: retrying would not bring the channel back.
        tracing::warn!("alert {id} is for channel {name}, which the rule file no longer has: not sent there");
        return true;
    }
    if !lock().claim(id, revision, name) {
        return true; // delivered already, or being delivered by the task of another copy
    }
    let mut backoff = Backoff::new(RETRY_MIN, RETRY_MAX);
    let mut failures = 0u32;
    let mut why = String::new();
    loop {
        let now = Utc::now();
        if now >= alert.alert.expires {
            tracing::error!("alert {id} expired before channel {name} took it ({failures} tries; last: {why})");
            record(&mut lock(), alert, name, Outcome::Expired);
            return true;
        }
        if lock().superseded(id, revision) {
            tracing::info!("alert {id} revision {revision} not sent to {name}: a correction came first");
            record(&mut lock(), alert, name, Outcome::Superseded);
            return true;
        }
        match channels.send(name, alert).await {
            Ok(()) => {
                record(&mut lock(), alert, name, Outcome::Delivered);
                tracing::info!("alert {id} (revision {revision}) delivered to {name}");
                return true;
            }
            Err(e) => {
                failures += 1;
                if failures == 1 {
                    tracing::warn!("channel {name} did not take alert {id}: {e}; trying again until it expires");
                }
                why = e;
            }
        }
        let left = (alert.alert.expires - now).to_std().unwrap_or_default();
        tokio::select! {
            _ = shutdown.cancelled() => {
                lock().release(id, revision, name);
                return false;
            }
            _ = tokio::time::sleep(backoff.next_delay().min(left)) => {}
        }
    }
}

/// Writes the outcome to the journal; a journal that cannot be written is said, and the alert counts as done
/// (it was), so it is committed.
fn record(journal: &mut Journal, alert: &AlertMessage, channel: &str, outcome: Outcome) {
    let delivery = Delivery {
        time: Utc::now(),
        id: alert.alert.id.clone(),
        revision: alert.revision,
        channel: channel.to_owned(),
        outcome,
        title: alert.title.clone(),
    };
    if let Err(e) = journal.record(&delivery) {
        tracing::error!("{e:#}: alert {} may be sent to {channel} again after a restart", delivery.id);
    }
}

#[cfg(test)]
mod tests {
    use app::alerts::{
        due::{Alert, Event},
        rules::Rules,
    };
    use app::figures::view::PriceBasis;

    use super::*;

    /// A channel that never takes the alert (nothing listens at its port) is tried until the alert expires;
    /// then the alert log says `expired`, and the delivery counts as done, so its offset is committed.
    #[tokio::test]
    async fn an_alert_no_channel_takes_is_retried_until_it_expires_and_logged_expired() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let rules = Rules::from_toml(
            "alerts.toml",
            &format!("[channel.down]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{closed}/hook\"\n"),
        )
        .unwrap();
        let channels = Channels::new(&rules, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.csv");
        let journal = Mutex::new(Journal::open(&path).unwrap());
        let now = Utc::now();
        let alert = AlertMessage {
            alert: Alert {
                id: "quiet/stale/2026-01-15T11:00Z".into(),
                rule: "quiet".into(),
                price: PriceBasis::Spot,
                due: now,
                expires: now + chrono::Duration::milliseconds(1500),
                event: Event::Stale { last_received: now - chrono::Duration::hours(30) },
            },
            revision: 1,
            title: "quiet: no new price".into(),
            text: "No new price for 30 hours.".into(),
            channels: vec!["down".into()],
        };
        let started = std::time::Instant::now();
        assert!(deliver(&alert, &channels, &journal, &CancellationToken::new()).await);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(1400) && took < Duration::from_secs(10), "{took:?}");
        let rows = crate::alerts::journal::recent(&path, 10).unwrap();
        let outcomes: Vec<_> = rows.iter().map(|d| (d.id.as_str(), d.channel.as_str(), d.outcome)).collect();
        assert_eq!(outcomes, [("quiet/stale/2026-01-15T11:00Z", "down", Outcome::Expired)]);
    }
}
