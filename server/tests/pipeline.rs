//! The whole data path against Apache Kafka (`scripts/kafka.sh`, a broker per test):
//! price file → producer → Kafka → consumer → CSV.

mod support;

use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};
use support::*;

/// How long a change may take to reach the CSV.
const PROMPTLY: Duration = Duration::from_secs(15);
/// How long to watch for rows that should not come.
const SETTLE: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_reach_the_csv_once_each_across_resends_restarts_and_poison() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    // A periodic check of an hour: every change below must be noticed through file-system events.
    let config = config(dir.path(), &broker.bootstrap(), "main", &["--check-interval", "3600"]);
    write_price_file(&config, sample());

    let producer = Part::producer(&config);
    let consumer = Part::consumer(&config);
    let took = wait_for_rows(&config, 192, Duration::from_secs(60)).await;
    eprintln!("first file: 192 rows in {took:?}");

    let producer_status = || producer.status.snapshot().producer.unwrap();
    assert_eq!(producer_status().messages_sent, 192);
    let first_change = producer_status().last_change;
    assert!(first_change.is_some());

    // The same bytes again, and a touch: the MD5 says nothing changed, so nothing is even read as a change.
    write_price_file(&config, sample());
    let file = std::fs::File::options().append(true).open(&config.price_file).unwrap();
    file.set_modified(std::time::SystemTime::now()).unwrap();
    drop(file);
    assert_rows_stay(&config, 192, SETTLE).await;
    assert_eq!(producer_status().last_change, first_change, "no change detected");
    assert_eq!(producer_status().messages_sent, 192);

    // Three prices change: exactly three rows.
    let changed =
        change_prices(&sample(), &["2026-01-03T00:00:00.000Z", "2026-01-03T12:15:00.000Z", "2026-01-04T22:45:00.000Z"]);
    write_price_file(&config, &changed);
    let took = wait_for_rows(&config, 195, PROMPTLY).await;
    eprintln!("3 changed prices: 3 rows in {took:?}");
    assert_eq!(producer_status().messages_sent, 195, "only the changed prices are sent");
    assert_rows_stay(&config, 195, SETTLE).await;
    let csv = std::fs::read_to_string(&config.csv_path).unwrap();
    let revised =
        format!(",{},2026-01-04T22:45:00.000Z,2026-01-04T22:59:59.999Z,electricity-price-monitor", 10.438 + 1.25);
    assert!(csv.contains(&revised), "{revised} in\n{csv}");

    // A poison message is skipped, and the consumer goes on with the next real change.
    let raw: FutureProducer = server::pipeline::kafka::client_config(&config).create().unwrap();
    raw.send(FutureRecord::to(&config.topic).key("junk").payload("{not json"), Duration::from_secs(5)).await.unwrap();
    raw.send(FutureRecord::<str, str>::to(&config.topic).key("empty"), Duration::from_secs(5)).await.unwrap();
    let changed_again = change_prices(&changed, &["2026-01-03T06:00:00.000Z"]);
    write_price_file(&config, &changed_again);
    wait_for_rows(&config, 196, PROMPTLY).await;

    // The consumer restarts in its group and goes on after the offset it committed: the next change is the
    // first message it reads.
    consumer.stop().await;
    let consumer = Part::consumer(&config);
    write_price_file(&config, change_prices(&changed_again, &["2026-01-03T06:15:00.000Z"]));
    wait_for_rows(&config, 197, PROMPTLY).await;
    assert_rows_stay(&config, 197, SETTLE).await;
    assert_eq!(consumer.messages_read(), 1, "resumed after the committed offset");
    consumer.stop().await;

    // A consumer of a new group reads the topic from the start, 197 prices and the 2 poison messages: the index
    // rebuilt from the CSV knows them all.
    let mut fresh_group = config.clone();
    fresh_group.group_id = "group-main-replay".into();
    let consumer = Part::consumer(&fresh_group);
    consumer.wait_until_read(199, PROMPTLY).await;
    assert_rows_stay(&config, 197, SETTLE).await;

    // The producer restarts and sends the whole file again, 192 messages: still nothing new.
    producer.stop().await;
    let producer = Part::producer(&config);
    consumer.wait_until_read(199 + 192, PROMPTLY).await;
    assert_rows_stay(&config, 197, SETTLE).await;
    producer.stop().await;
    consumer.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_started_before_the_broker_delivers_every_price() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &format!("127.0.0.1:{port}"), "late", &[]);
    write_price_file(&config, sample());

    let producer = Part::producer(&config);
    let consumer = Part::consumer(&config);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(csv_rows(&config), 0);

    let _broker = Broker::start_on(port);
    let took = wait_for_rows(&config, 192, Duration::from_secs(60)).await;
    eprintln!("broker started late: 192 rows {took:?} after it came up");
    assert_rows_stay(&config, 192, SETTLE).await;
    producer.stop().await;
    consumer.stop().await;
}
