//! What only a broker with a real log can do: keep the topic and the group's offsets through a restart, also
//! after a kill -9.

mod support;

use std::time::Duration;

use support::*;

/// How long a change may take to reach the CSV once Kafka is back.
const AFTER_RESTART: Duration = Duration::from_secs(90);
const SETTLE: Duration = Duration::from_secs(3);

/// CSV rows of the slot starting at `start` with `price`.
fn rows_of(config: &server::config::Config, start: &str, price: f64) -> usize {
    let needle = format!(",{price},{start},");
    std::fs::read_to_string(&config.csv_path).unwrap().lines().filter(|l| l.contains(&needle)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_killed_while_three_prices_change_then_restarted_each_revision_lands_once() {
    let mut broker = Broker::start();
    let SamplePipeline { config, producer, consumer, dir: _dir } =
        SamplePipeline::start(&broker.bootstrap(), "kill9").await;

    broker.kill();
    let starts = ["2026-01-03T00:00:00.000Z", "2026-01-03T12:15:00.000Z", "2026-01-04T22:45:00.000Z"];
    write_price_file(&config, change_prices(&sample(), &starts));
    assert_rows_stay(&config, 192, SETTLE).await;

    broker.restart();
    let took = wait_for_rows(&config, 195, AFTER_RESTART).await;
    eprintln!("after kill -9 and restart: the 3 revisions arrived {took:?} after the broker listened");
    assert_rows_stay(&config, 195, SETTLE).await;
    let sample: serde_json::Value = serde_json::from_str(&sample()).unwrap();
    for start in starts {
        let old = sample["prices"].as_array().unwrap().iter().find(|e| e["startDate"] == start).unwrap()["price"]
            .as_f64()
            .unwrap();
        assert_eq!(rows_of(&config, start, old + 1.25), 1, "the revision of {start}, exactly once");
        assert_eq!(rows_of(&config, start, old), 1, "the first price of {start}, exactly once");
    }
    producer.stop().await;
    consumer.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_groups_offsets_survive_a_broker_restart_and_a_restarted_consumer_resumes_there() {
    let mut broker = Broker::start();
    let SamplePipeline { config, producer, consumer, dir } =
        SamplePipeline::start(&broker.bootstrap(), "offsets").await;
    producer.stop().await;
    consumer.stop().await;

    broker.stop();
    broker.restart();

    // What the broker remembers of the group: the offset after the 192nd message.
    assert_eq!(committed_and_end(&config).0, 192);

    // A consumer of that group writing to a new, empty CSV: had it started from the beginning, the 192 old
    // messages would all be rows there. It resumes after them: nothing comes.
    let mut resumed = config.clone();
    resumed.csv_path = dir.path().join("resumed/electricity_prices.csv");
    let consumer = Part::consumer(&resumed);
    assert_rows_stay(&resumed, 0, Duration::from_secs(5)).await;

    // The restarted producer sends the whole file again: those 192 messages come after the committed offset,
    // and they are all the consumer reads.
    let producer = Part::producer(&config);
    wait_for_rows(&resumed, 192, Duration::from_secs(90)).await;
    assert_rows_stay(&resumed, 192, SETTLE).await;
    assert_eq!(consumer.messages_read(), 192, "read from the committed offset");
    write_price_file(&config, change_prices(&sample(), &["2026-01-03T06:00:00.000Z"]));
    wait_for_rows(&resumed, 193, Duration::from_secs(30)).await;
    producer.stop().await;
    consumer.stop().await;
}
