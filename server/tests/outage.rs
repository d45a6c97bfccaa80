//! Kafka going away in the middle, injected in process: librdkafka's mock cluster takes the broker down and
//! brings it back in milliseconds, with the topic and the group's offsets intact. (The same against Apache
//! Kafka, killed and restarted, is in broker_restart.rs.)

mod support;

use std::time::Duration;

use rdkafka::mocking::MockCluster;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_while_kafka_is_down_arrive_in_order_once_it_is_back() {
    let mock = MockCluster::new(1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &mock.bootstrap_servers(), "outage", &[]);
    mock.create_topic(&config.topic, 1, 1).unwrap();
    write_price_file(&config, sample());

    let producer = Part::producer(&config);
    let consumer = Part::consumer(&config);
    wait_for_rows(&config, 192, Duration::from_secs(60)).await;

    mock.broker_down(1).unwrap();
    let changed = sample().replacen("\"price\": 10.438", "\"price\": 42.5", 1);
    assert_ne!(changed, sample());
    write_price_file(&config, &changed);
    assert_rows_stay(&config, 192, Duration::from_secs(2)).await;
    // The file is replaced again before Kafka is back, revising the same slot and another one: both
    // versions' revisions arrive, in the order they were made. (An outage longer than the producer's 30 s
    // message timeout, where the first version's messages fail, is scenario 2 of the fault suite.)
    let changed_again =
        changed.replacen("\"price\": 42.5", "\"price\": 43.5", 1).replacen("\"price\": 10.834", "\"price\": 7.25", 1);
    write_price_file(&config, &changed_again);
    assert_rows_stay(&config, 192, Duration::from_secs(2)).await;

    mock.broker_up(1).unwrap();
    let took = wait_for_rows(&config, 195, Duration::from_secs(60)).await;
    eprintln!("the changes arrived {took:?} after Kafka came back");
    let csv = std::fs::read_to_string(&config.csv_path).unwrap();
    let first = csv.find(",42.5,2026-01-04T22:45:00.000Z,").expect("the first version's revision");
    let second = csv.find(",43.5,2026-01-04T22:45:00.000Z,").expect("the second version's revision");
    assert!(first < second, "in the order they were made");
    assert!(csv.contains(",7.25,2026-01-04T22:30:00.000Z,"));
    assert_rows_stay(&config, 195, Duration::from_secs(3)).await;
    producer.stop().await;
    consumer.stop().await;
}
