//! Kafka going away in the middle, injected in process: librdkafka's mock cluster takes the broker down and
//! brings it back in milliseconds, with the topic and the group's offsets intact. (The same against Apache
//! Kafka, killed and restarted, is in broker_restart.rs.)

mod support;

use std::time::Duration;

use rdkafka::mocking::MockCluster;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_while_kafka_is_down_arrives_once_it_is_back() {
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
    assert_rows_stay(&config, 192, Duration::from_secs(3)).await;

    mock.broker_up(1).unwrap();
    let took = wait_for_rows(&config, 193, Duration::from_secs(60)).await;
    eprintln!("the change arrived {took:?} after Kafka came back");
    assert!(std::fs::read_to_string(&config.csv_path).unwrap().contains(",42.5,2026-01-04T22:45:00.000Z,"));
    assert_rows_stay(&config, 193, Duration::from_secs(3)).await;
    producer.stop().await;
    consumer.stop().await;
}
