//! `price-monitor replica`: a dashboard that keeps its own copy of the logs, for running several behind a load
//! balancer.
//!
//! Each replica consumes the price and energy topics in consumer groups of its own, so each reads every message,
//! and appends them to its own logs with the one dedupe rule (`app::records::revision`). The rule is decided by
//! the topic's order alone, so every replica ends with the same rows as the writer's consumer. The topics the
//! app creates keep their messages for good (`pipeline::kafka::ensure_topic`), so a replica started last reads
//! the whole history. A replica whose log is empty (new, or its files lost) reads its topics from the start
//! even when its group has offsets committed: a log must never miss what its group already read.

use std::sync::Arc;

use anyhow::Context;
use rdkafka::{
    Offset, TopicPartitionList,
    consumer::{BaseConsumer, CommitMode, Consumer},
};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    energy,
    pipeline::{
        consumer,
        kafka::{self, KafkaContext, TopicReady},
        status::StatusBoard,
    },
    web,
};

/// Runs the replica called `name` (the host's name when unset) until `shutdown`: its consumers and its
/// dashboard; one failing stops the others.
pub async fn run(
    config: Config,
    name: Option<String>,
    status: Arc<StatusBoard>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let name = match name {
        Some(name) => name,
        None => host_name().context("naming the replica after its host (set --name or REPLICA_NAME)")?,
    };
    let config = Config { replica: true, ..groups_of(&config, &name) };
    tracing::info!("replica {name}: consumer groups {} and {}", config.group_id, config.energy_group_id);
    let stop_all = |result: anyhow::Result<()>| {
        shutdown.cancel();
        result
    };
    // The page is served at once, from the log as it is, while the consumers catch up (or Kafka is away).
    let energy_topic = energy::topic_config(&config);
    let (web, prices, energy) = tokio::join!(
        async { stop_all(web::serve(config.clone(), Some(status.source()), shutdown.clone()).await) },
        async {
            let consume = consumer::run(config.clone(), status.clone(), shutdown.clone());
            stop_all(caught_up(&config, &config.csv_path, &status, &shutdown, consume).await)
        },
        async {
            let consume = energy::consume(config.clone(), shutdown.clone());
            stop_all(caught_up(&energy_topic, &config.energy_csv(), &StatusBoard::new(), &shutdown, consume).await)
        },
    );
    web.and(prices).and(energy)
}

/// Runs `consume`, the consumer of `config.topic` into the log at `log`, once the topic is there: its group set
/// to the topic's start when the log is empty, and a warning said when the topic drops old messages.
async fn caught_up(
    config: &Config,
    log: &std::path::Path,
    status: &StatusBoard,
    shutdown: &CancellationToken,
    consume: impl Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    if kafka::ensure_topic(config, status, shutdown).await? == TopicReady::ShutDown {
        return Ok(());
    }
    warn_of_retention(config).await;
    if !has_rows(log) {
        let config = config.clone();
        tokio::task::spawn_blocking(move || from_the_start(&config)).await.context("the replica's start")??;
    }
    consume.await
}

/// Says so when the topic drops old messages: a replica started later would miss them.
async fn warn_of_retention(config: &Config) {
    match kafka::topic_retention(config).await {
        Ok(Some(ms)) if ms != kafka::KEPT_FOR_GOOD => tracing::warn!(
            "topic {} keeps a message for {ms} ms only: a replica started later misses older ones. Keep them for \
             good with kafka-configs.sh --alter --entity-type topics --entity-name {} --add-config retention.ms=-1",
            config.topic,
            config.topic
        ),
        Ok(_) => {}
        Err(e) => tracing::debug!("the topic's retention is not known: {e:#}"),
    }
}

/// `config` with the replica's own consumer groups.
pub fn groups_of(config: &Config, name: &str) -> Config {
    Config {
        group_id: format!("{}-replica-{name}", config.group_id),
        energy_group_id: format!("{}-replica-{name}", config.energy_group_id),
        // A static membership is one process's: replicas do not share one.
        group_instance_id: None,
        ..config.clone()
    }
}

/// The host's name: a container's is its id unless set.
fn host_name() -> anyhow::Result<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .context("the host's name is not known")?;
    Ok(name.trim().to_owned())
}

/// Whether the log at `path` holds a row: a line after its header. A log that cannot be read counts as empty
/// (the consumer then says why).
fn has_rows(path: &std::path::Path) -> bool {
    use std::io::BufRead;
    let Ok(file) = std::fs::File::open(path) else { return false };
    std::io::BufReader::new(file).lines().skip(1).map_while(Result::ok).any(|line| !line.trim().is_empty())
}

/// Sets the group's offsets on `config.topic` (which exists) to each partition's start: its consumer then reads
/// it all. Nothing else consumes in the replica's group, so no member's offsets are moved under it.
fn from_the_start(config: &Config) -> anyhow::Result<()> {
    let client: BaseConsumer<KafkaContext> = kafka::client_config(config)
        .set("group.id", &config.group_id)
        .set("enable.auto.commit", "false")
        .create_with_context(KafkaContext::new(config))
        .context("creating the replica's Kafka client")?;
    let timeout = std::time::Duration::from_secs(10);
    let started = std::time::Instant::now();
    // A topic made a moment ago may not show its partitions yet.
    let partitions = loop {
        let metadata = client.fetch_metadata(Some(&config.topic), timeout).context("reading the topic's partitions")?;
        let topic = metadata.topics().iter().find(|t| t.name() == config.topic);
        let partitions: Vec<i32> = topic
            .filter(|t| t.error().is_none())
            .map_or_else(Vec::new, |t| t.partitions().iter().map(|p| p.id()).collect());
        if !partitions.is_empty() {
            break partitions;
        }
        anyhow::ensure!(started.elapsed() < SETTLED_WITHIN, "topic {} shows no partition", config.topic);
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let (mut starts, mut messages) = (TopicPartitionList::new(), 0);
    for partition in partitions {
        let (low, high) = client.fetch_watermarks(&config.topic, partition, timeout)?;
        starts.add_partition_offset(&config.topic, partition, Offset::Offset(low))?;
        messages += high - low;
    }
    if messages > 0 {
        commit_when_alone(&client, &starts, &config.group_id)?;
        tracing::info!("the log of {} is empty: group {} reads it from the start", config.topic, config.group_id);
    }
    Ok(())
}

/// How long the start waits for the cluster to settle: a topic made a moment ago to show its partitions, and a
/// killed replica's member to leave its group (its session is `pipeline::consumer`'s 10 s).
const SETTLED_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Commits `offsets` for the group, once it has no member: a replica killed a moment ago is still one until
/// its session ends, and the broker takes offsets from outside a group only when it is empty.
fn commit_when_alone(
    client: &BaseConsumer<KafkaContext>,
    offsets: &TopicPartitionList,
    group: &str,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    loop {
        match client.commit(offsets, CommitMode::Sync) {
            Ok(()) => return Ok(()),
            Err(e) if started.elapsed() < SETTLED_WITHIN => {
                tracing::info!("group {group} is not empty yet ({e}): a replica of this name ran a moment ago");
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
            Err(e) => return Err(e).context(format!("setting group {group} to the topic's start")),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    #[test]
    fn a_replica_has_groups_of_its_own() {
        let config =
            crate::config::Cli::try_parse_from(["price-monitor", "--group-instance-id", "one"]).unwrap().config;
        let replica = groups_of(&config, "web-2");
        assert_eq!(replica.group_id, "electricity-price-consumer-replica-web-2");
        assert_eq!(replica.energy_group_id, "electricity-energy-consumer-replica-web-2");
        assert_eq!((replica.group_instance_id, replica.topic), (None, config.topic));
    }

    #[test]
    fn a_replica_is_named_after_its_host_or_as_given() {
        assert!(!host_name().unwrap().is_empty());
        let parsed = |name: &str| crate::config::Cli::try_parse_from(["price-monitor", "replica", "--name", name]);
        assert!(parsed("web-2.local_1").is_ok());
        for bad in ["", "a b", "x/y", &"n".repeat(65)] {
            let error = parsed(bad).unwrap_err().to_string();
            assert!(error.contains("is not a name of 1 to 64"), "{bad:?}: {error}");
        }
    }
}
