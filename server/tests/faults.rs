//! The fault suite: the release binary against Apache Kafka, with faults injected, counting what reaches the
//! CSV. Each scenario is a test of its own and prints one row of the table that `scripts/faults.sh` shows:
//! scenario | faults injected | revisions expected | rows | lost | duplicated | time to recover.
//!
//! Slow by design (a broker away for 60 s, say), so `#[ignore]`d in the everyday run:
//! `cargo test --release -p server --test faults -- --ignored --test-threads 1 --nocapture`.

mod support;

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use server::config::Config;
use support::*;

/// How long the pipeline may take to catch up after a fault ends.
const RECOVERY: Duration = Duration::from_secs(180);
const SETTLE: Duration = Duration::from_secs(3);

/// What a scenario expects in the CSV: a row per revision, and the lines people typed into it.
struct Expected<'a> {
    revisions: &'a [(String, f64)],
    /// Lines that are not price records, put there by hand (they are kept, not removed).
    hand_lines: usize,
}

impl<'a> From<&'a [(String, f64)]> for Expected<'a> {
    fn from(revisions: &'a [(String, f64)]) -> Self {
        Self { revisions, hand_lines: 0 }
    }
}

impl<'a> From<&'a Vec<(String, f64)>> for Expected<'a> {
    fn from(revisions: &'a Vec<(String, f64)>) -> Self {
        Self { revisions, hand_lines: 0 }
    }
}

/// Waits until the CSV has as many rows as `expected` revisions and nothing more comes, then prints one row
/// of the table for `scripts/faults.sh` to collect, and fails on anything lost, duplicated or torn. The time to
/// recover counts from `fault_ended`.
async fn settle_and_report<'a>(
    scenario: &str,
    faults: &str,
    expected: impl Into<Expected<'a>>,
    config: &Config,
    fault_ended: Instant,
) {
    let Expected { revisions: expected, hand_lines } = expected.into();
    wait_for_rows(config, expected.len() + hand_lines, RECOVERY).await;
    let recovered_in = fault_ended.elapsed();
    assert_rows_stay(config, expected.len() + hand_lines, SETTLE).await;
    let csv = std::fs::read_to_string(&config.csv_path).unwrap();
    let mut seen: BTreeMap<(String, u64), usize> = BTreeMap::new();
    let mut torn = 0;
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let Some(price) = fields.get(1).and_then(|p| p.parse::<f64>().ok()).filter(|_| fields.len() == 5) else {
            torn += 1;
            continue;
        };
        *seen.entry((fields[2].to_owned(), price.to_bits())).or_default() += 1;
    }
    let rows: usize = seen.values().sum::<usize>();
    let lost = expected.iter().filter(|(start, price)| !seen.contains_key(&(start.clone(), price.to_bits()))).count();
    let duplicated: usize = seen.values().map(|n| n - 1).sum();
    println!(
        "FAULT-ROW|{scenario}|{faults}|{}|{rows}|{lost}|{duplicated}|{:.1} s",
        expected.len(),
        recovered_in.as_secs_f64()
    );
    assert!(csv.ends_with('\n'), "{scenario}: the CSV ends in a torn line");
    assert_eq!(torn, hand_lines, "{scenario}: lines that are not price records");
    assert_eq!((lost, duplicated), (0, 0), "{scenario}: lost and duplicated revisions");
    assert_eq!(rows, expected.len(), "{scenario}: rows");
}

fn the_sample() -> (String, Vec<(String, f64)>) {
    let json = sample();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let expected = value["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["startDate"].as_str().unwrap().to_owned(), e["price"].as_f64().unwrap()))
        .collect();
    (json, expected)
}

/// `expected` with the revisions that `change_prices` makes of `starts` added.
fn revised(expected: &[(String, f64)], starts: &[&str]) -> Vec<(String, f64)> {
    let mut all = expected.to_vec();
    for (start, price) in expected {
        if starts.contains(&start.as_str()) {
            all.push((start.clone(), price + 1.25)); // as change_prices writes it
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by scripts/faults.sh"]
async fn kafka_absent_at_start_and_up_30_s_later() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &format!("127.0.0.1:{port}"), "late", &[]);
    let (json, expected) = the_sample();
    write_price_file(&config, &json);
    let mut app = AppProcess::start(&config);
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(app.is_running(), "waits for Kafka instead of exiting");
    assert_eq!(csv_rows(&config), 0);

    let _broker = Broker::start_on(port);
    let up = Instant::now();
    settle_and_report("1. Kafka absent at start, up 30 s later", "broker missing 30 s", &expected, &config, up).await;
    app.stop_cleanly("price-monitor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by scripts/faults.sh"]
async fn kafka_killed_for_60_s_while_the_file_changes_twice() {
    let mut broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "kill60", &[]);
    let (json, sample_expected) = the_sample();
    write_price_file(&config, &json);
    let mut app = AppProcess::start(&config);
    wait_for_rows(&config, sample_expected.len(), RECOVERY).await;

    broker.kill();
    let first = ["2026-01-03T00:00:00.000Z", "2026-01-03T12:15:00.000Z", "2026-01-04T22:45:00.000Z"];
    // The second change revises the same slots again, 20 s later: the first version's revisions exist only in
    // a file that is gone when Kafka comes back, after the producer's 30 s message timeout has failed them.
    let second = first;
    tokio::time::sleep(Duration::from_secs(10)).await;
    write_price_file(&config, change_prices(&json, &first));
    tokio::time::sleep(Duration::from_secs(20)).await;
    write_price_file(&config, change_prices(&change_prices(&json, &first), &second));
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(app.is_running());
    assert_eq!(csv_rows(&config), sample_expected.len(), "nothing can arrive while Kafka is down");

    broker.restart();
    let up = Instant::now();
    let once = revised(&sample_expected, &first);
    let twice: Vec<(String, f64)> = revised(&sample_expected, &second)
        .into_iter()
        .skip(sample_expected.len())
        .map(|(s, p)| (s, p + 1.25))
        .collect();
    let expected = [once, twice].concat();
    settle_and_report(
        "2. Kafka SIGKILLed 60 s, file changed twice",
        "kill -9, 60 s down, 2 changes",
        &expected,
        &config,
        up,
    )
    .await;
    app.stop_cleanly("price-monitor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by scripts/faults.sh"]
async fn producer_killed_mid_publish_of_a_10_000_slot_file() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "producerkill", &[]);
    let first = chrono::DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z").unwrap().to_utc();
    let (json, expected) = price_file(first, 10_000, 3.0);
    let consumer = AppProcess::start_part(&config, "consume");
    let producer = AppProcess::start_part(&config, "produce");
    let from = producer.logged();
    // Kill the producer while it publishes: it has read the file, and not yet said that it is published.
    write_price_file(&config, &json);
    producer.lines_after(from, 1, RECOVERY, |l| l.contains("change detected")).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let published = producer.log().contains("is published");
    producer.kill();
    assert!(!published, "the producer finished before it could be killed mid-publish");

    let restarted = Instant::now();
    let producer = AppProcess::start_part(&config, "produce");
    settle_and_report(
        "5. producer SIGKILLed mid-publish, 10 000 slots",
        "kill -9 20 ms into publishing",
        &expected,
        &config,
        restarted,
    )
    .await;
    producer.stop_cleanly("the producer");
    consumer.stop_cleanly("the consumer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by scripts/faults.sh"]
async fn consumer_killed_20_times_during_100_000_revisions() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    // Static membership: each restarted consumer takes the partition back at once.
    let config = config(dir.path(), &broker.bootstrap(), "consumerkill", &["--group-instance-id", "faults-consumer"]);
    let producer = AppProcess::start_part(&config, "produce");
    let mut consumer = AppProcess::start_part(&config, "consume");

    // 100 000 distinct revisions, ten files of 10 000 new slots written 2 s apart, while the consumer is
    // SIGKILLed and restarted at moments drawn from a fixed-seed sequence, 0.4 to 1.6 s apart.
    let (files, expected) = hundred_thousand_revisions();
    let writer = write_apart(&config, files, Duration::from_secs(2));
    let mut seed: u64 = 0x5eed;
    for _ in 0..20 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        tokio::time::sleep(Duration::from_millis(400 + (seed >> 33) % 1200)).await;
        consumer.kill();
        consumer = AppProcess::start_part(&config, "consume");
    }
    writer.await.unwrap();
    let last_kill = Instant::now();
    settle_and_report(
        "4. consumer SIGKILLed 20 times, 100 000 revisions",
        "20 × kill -9 of the consumer",
        &expected,
        &config,
        last_kill,
    )
    .await;
    producer.stop_cleanly("the producer");
    consumer.stop_cleanly("the consumer");
}

/// 100 000 distinct revisions as ten price files of 10 000 new slots each.
fn hundred_thousand_revisions() -> (Vec<String>, Vec<(String, f64)>) {
    let mut expected = Vec::new();
    let mut files = Vec::new();
    for k in 0..10 {
        let first = chrono::DateTime::parse_from_rfc3339("2028-01-01T00:00:00Z").unwrap().to_utc()
            + chrono::Duration::days(105 * k);
        let (json, slots) = price_file(first, 10_000, 1.0 + k as f64 * 20.0);
        expected.extend(slots);
        files.push(json);
    }
    (files, expected)
}

/// Writes `files` to the price file one after the other, `apart` between two.
fn write_apart(config: &Config, files: Vec<String>, apart: Duration) -> tokio::task::JoinHandle<()> {
    let config = config.clone();
    tokio::spawn(async move {
        for json in files {
            write_price_file(&config, json);
            tokio::time::sleep(apart).await;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by scripts/faults.sh"]
async fn kafka_stopped_and_restarted_during_100_000_revisions() {
    let mut broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "sigterm", &[]);
    let app = AppProcess::start(&config);
    let (files, expected) = hundred_thousand_revisions();
    let writer = write_apart(&config, files, Duration::from_secs(2));
    // Into the stream: some files are through, the rest come while Kafka stops and starts again.
    tokio::time::sleep(Duration::from_secs(7)).await;
    broker.stop();
    broker.restart();
    let up = Instant::now();
    writer.await.unwrap();
    settle_and_report(
        "3. Kafka SIGTERMed and restarted, 100 000 revisions",
        "SIGTERM + restart mid-stream",
        &expected,
        &config,
        up,
    )
    .await;
    app.stop_cleanly("price-monitor");
}

/// Three slots of the sample, revised by each change the scenarios make.
const REVISED: [&str; 3] = ["2026-01-03T00:00:00.000Z", "2026-01-03T12:15:00.000Z", "2026-01-04T22:45:00.000Z"];

/// The sample's revisions after `change_prices` raised `REVISED` once and then once more.
fn revised_twice(sample: &[(String, f64)]) -> Vec<(String, f64)> {
    let once = revised(sample, &REVISED);
    let again = once[sample.len()..].iter().map(|(s, p)| (s.clone(), p + 1.25));
    once.iter().cloned().chain(again).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by scripts/faults.sh"]
async fn csv_folder_replaced_by_a_file_for_30_s() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "csvaway", &[]);
    let (json, sample_expected) = the_sample();
    write_price_file(&config, &json);
    let app = AppProcess::start(&config);
    wait_for_rows(&config, sample_expected.len(), RECOVERY).await;
    // The rows are in the CSV before their offsets are committed (after the sync): wait for the commit.
    let committed_before = wait_until_committed(&config, RECOVERY).await;

    // The CSV's folder moves away and a file takes its place: no write can succeed, and a write to the file
    // still open in the folder moved away would be a row nobody sees.
    let folder = config.csv_path.parent().unwrap().to_owned();
    let away = dir.path().join("csv-folder-away");
    std::fs::rename(&folder, &away).unwrap();
    std::fs::write(&folder, "a file where the CSV's folder was").unwrap();
    let from = app.logged();
    let once = change_prices(&json, &REVISED);
    write_price_file(&config, &once);
    tokio::time::sleep(Duration::from_secs(10)).await;
    write_price_file(&config, change_prices(&once, &REVISED));
    app.lines_after(from, 2, Duration::from_secs(15), |l| l.contains("writing the CSV log failed")).await;
    tokio::time::sleep(Duration::from_secs(15)).await;
    let (committed, end) = committed_and_end(&config);
    assert_eq!(committed, committed_before, "nothing is committed that is not written");
    assert!(end > committed, "the changes are in Kafka, waiting");

    std::fs::remove_file(&folder).unwrap();
    std::fs::rename(&away, &folder).unwrap();
    let back = Instant::now();
    let expected = revised_twice(&sample_expected);
    settle_and_report("6. CSV unwritable 30 s", "folder replaced by a file, 2 changes", &expected, &config, back).await;
    let (committed, end) = committed_and_end(&config);
    assert_eq!(committed, end, "once written, everything is committed");
    app.stop_cleanly("price-monitor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by scripts/faults.sh"]
async fn csv_edited_by_hand_while_everything_runs() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "handedit", &[]);
    let (json, sample_expected) = the_sample();
    write_price_file(&config, &json);
    let app = AppProcess::start(&config);
    wait_for_rows(&config, sample_expected.len(), RECOVERY).await;
    assert_eq!(app.post_form("/api/dashboard", "hours=48").0, 200, "the dashboard has read the log");

    // Saved by an editor with a line typed into the middle (line 101: a new file renamed over the log), then
    // a last line left without its end, appended in place.
    let csv = std::fs::read_to_string(&config.csv_path).unwrap();
    let mut lines: Vec<&str> = csv.lines().collect();
    lines.insert(100, "typed by hand: not a price record");
    let edited = config.csv_path.with_extension("csv.swp");
    std::fs::write(&edited, lines.join("\n") + "\n").unwrap();
    std::fs::rename(&edited, &config.csv_path).unwrap();
    let mut file = std::fs::OpenOptions::new().append(true).open(&config.csv_path).unwrap();
    std::io::Write::write_all(&mut file, b"2026-01-05T00:00:00Z,12.5,2026-01-05").unwrap();
    drop(file);
    let torn_line = lines.len() + 1;

    let from = app.logged();
    let once = change_prices(&json, &REVISED);
    write_price_file(&config, &once);
    tokio::time::sleep(Duration::from_secs(2)).await;
    write_price_file(&config, change_prices(&once, &REVISED));
    let changed = Instant::now();
    let expected = revised_twice(&sample_expected);
    let expected = Expected { revisions: &expected, hand_lines: 2 };
    settle_and_report(
        "7. CSV edited by hand",
        "a line typed in the middle, a torn last line",
        expected,
        &config,
        changed,
    )
    .await;

    // Both readers name the lines they skipped: the consumer, and the dashboard's page.
    let named = |l: &str| l.contains("skipping line 101 ") || l.contains(&format!("skipping line {torn_line} "));
    app.lines_after(from, 2, Duration::from_secs(5), named).await;
    let (status, page) = app.get("/");
    assert_eq!(status, 200);
    let warning = format!("2 lines are not price records and skipped in the CSV log: line 101, {torn_line}.");
    assert!(page.contains(&warning), "the page says which lines it skipped: {warning}");
    app.stop_cleanly("price-monitor");
}

/// Dashboards that refresh together, and for how long, in [`two_hundred_dashboards_on_a_million_rows`].
const DASHBOARDS: usize = 200;
const REFRESH_EVERY: Duration = Duration::from_secs(10);
const LOAD_FOR: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by scripts/faults.sh"]
async fn two_hundred_dashboards_on_a_million_rows() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "127.0.0.1:9", "load", &[]);
    write_log(&config.csv_path, 1_000_000);
    let app = AppProcess::start_part(&config, "serve");
    wait_until_listening(&app.addr).await;
    let loaded = Instant::now();
    assert_eq!(app.post_form("/api/dashboard", "hours=48").0, 200);
    let first_load = loaded.elapsed();

    let request = form_post(&app.addr, "/api/dashboard", "hours=48");
    let rounds = (LOAD_FOR.as_secs() / REFRESH_EVERY.as_secs()) as usize;
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(DASHBOARDS));
    let viewers: Vec<_> = (0..DASHBOARDS)
        .map(|_| {
            let (addr, request, barrier) = (app.addr.clone(), request.clone(), barrier.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut times = Vec::new();
                let mut errors = Vec::new();
                for round in 0..rounds {
                    barrier.wait(); // every dashboard refreshes at the same moment
                    let sent = Instant::now();
                    match try_http(&addr, &request) {
                        Ok((200, body)) if body.contains("\"trend\"") => times.push(sent.elapsed()),
                        Ok((status, body)) => errors.push(format!("{status}: {}", &body[..body.len().min(200)])),
                        Err(e) => errors.push(e.to_string()),
                    }
                    std::thread::sleep((REFRESH_EVERY * (round as u32 + 1)).saturating_sub(started.elapsed()));
                }
                (times, errors)
            })
        })
        .collect();
    let (mut times, mut errors) = (Vec::new(), Vec::new());
    for viewer in viewers {
        let (t, e) = tokio::task::block_in_place(|| viewer.join().unwrap());
        times.extend(t);
        errors.extend(e);
    }
    assert!(errors.is_empty(), "{} failed requests, the first: {:?}", errors.len(), errors.first());
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
    println!(
        "LOAD-ROW|10. {DASHBOARDS} dashboards, 1 000 000 rows, {} s|{}|{}|{:.1} ms|{:.1} ms|{:.1} ms|{:.2} s",
        LOAD_FOR.as_secs(),
        times.len() + errors.len(),
        errors.len(),
        at(0.5),
        at(0.99),
        at(1.0),
        first_load.as_secs_f64()
    );
    assert_eq!(times.len(), DASHBOARDS * rounds);
    app.stop_cleanly("price-monitor serve");
}

/// The partition's leader on a three-node cluster (replication 3, min.insync.replicas 2) is SIGKILLed while
/// 10 000 revisions stream through: the producer's acks=all and idempotence carry them to the new leader.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by scripts/faults.sh"]
async fn partition_leader_killed_on_a_three_node_cluster_during_10_000_revisions() {
    let mut cluster = Cluster::start(3);
    let dir = tempfile::tempdir().unwrap();
    let replicated = ["--topic-replication", "3", "--topic-min-insync-replicas", "2"];
    let config = config(dir.path(), &cluster.bootstrap(), "leaderkill", &replicated);
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for k in 0..10 {
        let first = chrono::DateTime::parse_from_rfc3339("2029-01-01T00:00:00Z").unwrap().to_utc()
            + chrono::Duration::days(11 * k);
        let (json, slots) = price_file(first, 1000, 2.0 + k as f64 * 10.0);
        files.push(json);
        expected.extend(slots);
    }
    write_price_file(&config, &files[0]);
    let app = AppProcess::start_with(&config, "all", &replicated);
    wait_for_rows(&config, 1000, RECOVERY).await;
    app.lines_after(0, 1, RECOVERY, |l| l.contains("3 replica(s), min.insync.replicas 2")).await;

    let (leader, replicas) = partition_leader(&config);
    assert_eq!(replicas, 3, "the topic has a replica on each node");
    let writer = write_apart(&config, files.split_off(1), Duration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    cluster.node(leader).kill();
    let killed = Instant::now();
    writer.await.unwrap();
    settle_and_report(
        "11. partition leader SIGKILLed, 3 nodes, 10 000 revisions",
        &format!("kill -9 of node {leader} (leader) mid-stream"),
        &expected,
        &config,
        killed,
    )
    .await;
    let (new_leader, _) = partition_leader(&config);
    assert_ne!(new_leader, leader, "another node leads the partition");
    app.stop_cleanly("price-monitor");
}

/// The broker id leading the topic's partition 0, and its number of replicas.
fn partition_leader(config: &Config) -> (i32, usize) {
    let client = server::pipeline::kafka::metadata_client(config).unwrap();
    let deadline = Instant::now() + RECOVERY;
    loop {
        let metadata =
            rdkafka::consumer::Consumer::fetch_metadata(&client, Some(&config.topic), Duration::from_secs(5));
        if let Ok(metadata) = metadata
            && let Some(partition) = metadata.topics().first().and_then(|t| t.partitions().first())
            && partition.leader() > 0
        {
            return (partition.leader(), partition.replicas().len());
        }
        assert!(Instant::now() < deadline, "no leader for the partition");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Alert periods the alerts scenario's prices have: one cheap quarter each, half an hour apart.
const ALERT_PERIODS: usize = 30;
/// Of them, how many a revised price file corrects.
const CORRECTED: usize = 10;

/// Quarters from an hour ago to a day ahead at 10 c/kWh, with [`ALERT_PERIODS`] single cheap quarters every
/// half hour from three hours on, at `cheap(period)`.
fn alert_prices(first: chrono::DateTime<chrono::Utc>, cheap: impl Fn(usize) -> f64) -> String {
    let period = |n: usize| n.checked_sub(16).filter(|q| q % 2 == 0).map(|q| q / 2);
    let end = first + chrono::Duration::minutes(15 * 100);
    quarters_file(first, end, |n| period(n).filter(|p| *p < ALERT_PERIODS).map_or(10.0, &cheap))
}

/// Each (id, revision) a receiver got, and how often.
fn deliveries(receiver: &receiver::Receiver) -> BTreeMap<(String, u64), usize> {
    let mut seen = BTreeMap::new();
    for received in receiver.got() {
        let alert: serde_json::Value = serde_json::from_str(&received.body).unwrap();
        let key = (alert["id"].as_str().unwrap().to_owned(), alert["revision"].as_u64().unwrap());
        *seen.entry(key).or_default() += 1;
    }
    seen
}

/// Thirty alerts, each to a webhook that answers at once and to one that holds every request 2 s: the app is
/// SIGKILLed while the slow one holds requests, then ten prices are revised and Kafka is SIGKILLed for 30 s
/// while the corrections are in flight. Nothing is lost; the only alerts a receiver gets twice are those it was
/// holding when the notifier died (its answer never arrived, so the notifier cannot know), and each carries
/// the same id and revision (and `X-Alert-Id`), so the receiver can drop the repeat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by scripts/faults.sh"]
async fn alerts_through_a_notifier_killed_mid_delivery_and_kafka_killed_for_30_s() {
    use std::sync::atomic::Ordering;
    let mut broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let (fast, slow) = (receiver::Receiver::default(), receiver::Receiver::holding(Duration::from_secs(2)));
    let (fast_port, slow_port) = (free_port(), free_port());
    fast.serve(fast_port).await;
    slow.serve(slow_port).await;
    let rules = dir.path().join("alerts.toml");
    let channel = |name: &str, port: u16| {
        format!("[channel.{name}]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/hook\"\n")
    };
    let rule = "[[rule]]\nname = \"cheap\"\nkind = \"below\"\nthreshold = 5\nlead = \"24h\"\nchannels = [\"fast\", \"slow\"]\n";
    std::fs::write(&rules, format!("{rule}\n{}\n{}", channel("fast", fast_port), channel("slow", slow_port))).unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "alertfaults", &[]);
    let (rules_arg, log) = (rules.display().to_string(), dir.path().join("out/alerts.csv"));
    let log_arg = log.display().to_string();
    let options = ["--alerts-file", &rules_arg, "--alerts-log", &log_arg, "--alerts-topic", "alerts-faults"];
    let now = chrono::Utc::now();
    let first =
        chrono::DurationRound::duration_trunc(now, chrono::Duration::minutes(15)).unwrap() - chrono::Duration::hours(1);
    write_price_file(&config, alert_prices(first, |_| 2.0));
    let app = AppProcess::start_with(&config, "all", &options);

    // SIGKILL while the slow receiver holds every alert (their answers never reach the notifier), once the
    // fast one's are in the alert log.
    let delivered = |channel: &str| {
        let journal = std::fs::read_to_string(&log).unwrap_or_default();
        journal.lines().filter(|l| l.contains(&format!(",{channel},delivered,"))).count()
    };
    let deadline = Instant::now() + RECOVERY;
    while slow.in_flight.load(Ordering::SeqCst) < ALERT_PERIODS || delivered("fast") < ALERT_PERIODS {
        assert!(Instant::now() < deadline, "the alerts did not reach the receivers:\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let in_flight = slow.in_flight.load(Ordering::SeqCst);
    // What the slow receiver holds now is all that may come twice: kept at once, never answered.
    let held_at_kill: std::collections::BTreeSet<(String, u64)> = deliveries(&slow).into_keys().collect();
    app.kill();
    let app = AppProcess::start_with(&config, "all", &options);
    fast.wait_for(ALERT_PERIODS, RECOVERY, &app).await;
    // None was committed (the slow receiver had answered none), so the restarted notifier is handed them all
    // again and sends them there again: done once the alert log has them there, which only it can have written.
    // Before that, a correction could be handed over with its first revision and pass it by.
    let deadline = Instant::now() + RECOVERY;
    while delivered("slow") < ALERT_PERIODS || slow.in_flight.load(Ordering::SeqCst) > 0 {
        assert!(Instant::now() < deadline, "{} alerts at the slow receiver:\n{}", slow.got().len(), app.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Ten periods revised; Kafka SIGKILLed while the slow receiver holds their corrections, 30 s down.
    let corrections = |seen: &BTreeMap<(String, u64), usize>| seen.keys().filter(|(_, r)| *r == 2).count();
    write_price_file(&config, alert_prices(first, |period| if period < CORRECTED { 3.0 } else { 2.0 }));
    let deadline = Instant::now() + RECOVERY;
    while slow.in_flight.load(Ordering::SeqCst) == 0 || corrections(&deliveries(&slow)) == 0 {
        assert!(Instant::now() < deadline, "no correction reached the slow receiver:\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    broker.kill();
    tokio::time::sleep(Duration::from_secs(30)).await;
    broker.restart();
    let up = Instant::now();
    let expected = ALERT_PERIODS + CORRECTED;
    let deadline = Instant::now() + RECOVERY;
    while deliveries(&fast).len() < expected || deliveries(&slow).len() < expected {
        assert!(Instant::now() < deadline, "corrections missing:\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered_in = up.elapsed();
    tokio::time::sleep(Duration::from_secs(10)).await; // anything sent again would arrive by now

    let (fast_seen, slow_seen) = (deliveries(&fast), deliveries(&slow));
    let repeats = |seen: &BTreeMap<(String, u64), usize>| seen.values().map(|n| n - 1).sum::<usize>();
    let lost = |seen: &BTreeMap<(String, u64), usize>| expected.saturating_sub(seen.len());
    println!(
        "ALERT-ROW|12. notifier SIGKILLed mid-delivery, Kafka SIGKILLed 30 s|kill -9 of the app ({in_flight} \
         requests held), kill -9 of Kafka mid-correction|{}|{}|{}|{}|{in_flight}|{:.1} s",
        2 * expected,
        fast_seen.len() + slow_seen.len(),
        lost(&fast_seen) + lost(&slow_seen),
        repeats(&fast_seen) + repeats(&slow_seen),
        recovered_in.as_secs_f64()
    );
    assert_eq!((lost(&fast_seen), lost(&slow_seen)), (0, 0), "lost alerts");
    assert_eq!((fast_seen.len(), slow_seen.len()), (expected, expected), "{fast_seen:?}\n{slow_seen:?}");
    assert_eq!((corrections(&fast_seen), corrections(&slow_seen)), (CORRECTED, CORRECTED));
    assert_eq!(repeats(&fast_seen), 0, "the fast receiver had answered before the kill: {fast_seen:?}");
    assert!(repeats(&slow_seen) <= in_flight, "no more repeats than requests held at the kill: {slow_seen:?}");
    let repeated: Vec<_> = slow_seen.iter().filter(|(_, n)| **n > 1).map(|(key, _)| key).collect();
    assert!(
        repeated.iter().all(|key| held_at_kill.contains(*key)),
        "only what was held at the kill comes twice: {repeated:?}, held {held_at_kill:?}"
    );
    // A receiver that keeps the ids it took (`X-Alert-Id`) drops each repeat: every alert exactly once.
    let ids: Vec<String> =
        slow.got().iter().map(|r| r.headers.get("x-alert-id").cloned().unwrap_or_default()).collect();
    let distinct_ids: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(distinct_ids.len(), expected, "one X-Alert-Id per alert and revision: {ids:?}");
    assert!(slow_seen.iter().all(|((_, revision), n)| *revision == 1 || *n == 1), "Kafka's kill repeats none");
    assert_eq!((delivered("fast"), delivered("slow")), (expected, expected), "each once in the alert log");
    app.stop_cleanly("price-monitor");
}
