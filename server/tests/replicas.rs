//! Dashboard replicas (`price-monitor replica`) on a real broker: one writer (`all`) and three replicas, each
//! with its own consumer group and its own copy of the log, answer `/api/v1/prices` identically through price
//! changes, a replica killed while prices change and started again, a replica whose log was lost, and a
//! replica started last, which reads the topic's whole history.

mod support;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use server::config::Config;
use support::{AppProcess, Broker, config};

/// How often the page asks again: a replica must agree with the writer within it once a change is in the
/// writer's log.
const ONE_REFRESH: Duration = Duration::from_secs(10);

/// `config` for the replica called `name`: its logs in a folder of its own under `dir`.
fn replica_config(config: &Config, dir: &Path, name: &str) -> Config {
    Config { csv_path: dir.join(name).join("prices.csv"), energy_csv: None, ..config.clone() }
}

fn replica(config: &Config, dir: &Path, name: &str) -> AppProcess {
    // Unlimited: the test asks every 100 ms.
    AppProcess::start_with(&replica_config(config, dir, name), "replica", &["--name", name, "--rate-limit", "0"])
}

/// The answers of `apps` to `request` (`/api/v1/prices` for the test's slots), the writer's first.
fn answers(request: &str, apps: &[&AppProcess]) -> Vec<String> {
    apps.iter()
        .map(|app| match support::try_http(&app.addr, request) {
            Ok((200, body)) => body,
            Ok((status, body)) => format!("{status}: {body}"),
            Err(e) => format!("no answer: {e}"),
        })
        .collect()
}

/// Waits until every replica answers as the writer does; fails after `within`. How long it took.
async fn agree(request: &str, writer: &AppProcess, replicas: &[&AppProcess], within: Duration) -> Duration {
    let started = Instant::now();
    let apps: Vec<&AppProcess> = std::iter::once(writer).chain(replicas.iter().copied()).collect();
    loop {
        let all = answers(request, &apps);
        if all[0].starts_with("{\"") && all.iter().all(|a| a == &all[0]) {
            return started.elapsed();
        }
        if started.elapsed() > within {
            let logs: Vec<String> = replicas.iter().map(|r| r.log()).collect();
            let differ: Vec<_> = all.iter().map(|a| a.chars().take(200).collect::<String>()).collect();
            panic!("the replicas do not answer as the writer within {within:?}: {differ:#?}\n{}", logs.join("\n---\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn three_replicas_answer_as_the_writer_through_changes_a_kill_a_lost_log_and_a_late_start() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "replicas", &[]);
    // Two days of quarters from yesterday's noon (UTC).
    let first = chrono::Utc::now().date_naive().and_hms_opt(12, 0, 0).unwrap().and_utc() - chrono::Duration::days(1);
    let (prices, slots) = support::price_file(first, 192, 5.0);
    // Every slot of the file, whatever the time of day: the default span starts at today's midnight in
    // Helsinki, which is after the changed slots from 22:00 UTC on.
    let request = format!(
        "GET /api/v1/prices?from={}&to={} HTTP/1.0\r\nHost: x\r\n\r\n",
        first.format("%Y-%m-%dT%H:%M:%SZ"),
        (first + chrono::Duration::days(2)).format("%Y-%m-%dT%H:%M:%SZ")
    );
    support::write_price_file(&config, &prices);
    let writer = AppProcess::start_with(&config, "all", &["--rate-limit", "0"]);
    support::wait_for_rows(&config, 192, Duration::from_secs(60)).await;
    let one = replica(&config, dir.path(), "one");
    let two = replica(&config, dir.path(), "two");
    let three = replica(&config, dir.path(), "three");
    agree(&request, &writer, &[&one, &two, &three], Duration::from_secs(60)).await;
    assert!(
        answers(&request, &[&one])[0].contains(&format!("\"spot\":{}", slots[100].1)),
        "{}",
        answers(&request, &[&one])[0]
    );
    // A replica takes no uploaded metering files: it says where to import them, before reading the file.
    let upload = "POST /energy/import HTTP/1.0\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n\
                  Content-Length: 0\r\n\r\n";
    let from = one.logged();
    assert_eq!(support::http(&one.addr, upload).0, 303);
    one.lines_after(from, 1, Duration::from_secs(5), |l| l.contains("takes no uploads (a replica)")).await;

    // Prices change: every replica has them within one refresh of the writer's log.
    let changed = support::change_prices(&prices, &[&slots[100].0, &slots[101].0]);
    support::write_price_file(&config, &changed);
    support::wait_for_rows(&config, 194, Duration::from_secs(30)).await;
    let took = agree(&request, &writer, &[&one, &two, &three], ONE_REFRESH).await;
    println!("three replicas agreed with the writer {took:?} after its log had the change");

    // A replica killed while prices change, then started again on its log: it catches up, nothing twice.
    two.kill();
    let again = support::change_prices(&changed, &[&slots[120].0, &slots[121].0]);
    support::write_price_file(&config, &again);
    support::wait_for_rows(&config, 196, Duration::from_secs(30)).await;
    agree(&request, &writer, &[&one, &three], ONE_REFRESH).await;
    let two = replica(&config, dir.path(), "two");
    agree(&request, &writer, &[&one, &two, &three], Duration::from_secs(60)).await;

    // A replica whose log is lost reads the topic from the start again, though its group had read it all.
    three.stop_cleanly("a replica");
    std::fs::remove_file(dir.path().join("three/prices.csv")).unwrap();
    let three = replica(&config, dir.path(), "three");
    agree(&request, &writer, &[&one, &two, &three], Duration::from_secs(60)).await;
    assert!(three.log().contains("reads it from the start"), "{}", three.log());

    // A replica started last, in a new group: the topic's whole history, kept for good.
    let four = replica(&config, dir.path(), "four");
    agree(&request, &writer, &[&one, &two, &three, &four], Duration::from_secs(60)).await;
    for name in ["one", "two", "three", "four"] {
        assert_eq!(support::csv_rows(&replica_config(&config, dir.path(), name)), 196, "{name}: each revision once");
    }
    let topic = server::pipeline::kafka::topic_retention(&config).await.unwrap();
    assert_eq!(topic.as_deref(), Some(server::pipeline::kafka::KEPT_FOR_GOOD), "the topic keeps its messages");
    for app in [one, two, three, four] {
        app.stop_cleanly("a replica");
    }
    writer.stop_cleanly("the writer");
}
