//! The operations endpoints of the running binary against Apache Kafka: `/healthz`, `/readyz` with each of its
//! checks failing and recovering, every metric of `/metrics` moving when it should, JSON logs, and the checks
//! at start that fail early.

mod support;

use std::time::{Duration, Instant};

use chrono::{DurationRound, Utc};
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::Value;
use support::*;

/// The value of the series whose line starts with `name` and holds every one of `labels` (`kind="message"`).
fn metric(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| line.strip_prefix(name).is_some_and(|rest| rest.starts_with([' ', '{'])))
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

fn scrape(app: &AppProcess) -> String {
    let (status, text) = app.get("/metrics");
    assert_eq!(status, 200, "{text}");
    text
}

/// Polls `/metrics` until the series reaches `expected`.
async fn metric_reaches(app: &AppProcess, name: &str, labels: &[&str], expected: f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = scrape(app);
        if metric(&text, name, labels) == Some(expected) {
            return text;
        }
        assert!(Instant::now() < deadline, "{name}{labels:?} did not reach {expected}:\n{text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `/readyz` until its status is `status`; its JSON body.
async fn readyz_becomes(app: &AppProcess, status: u16, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let (got, body) = app.get("/readyz");
        if got == status {
            return serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        }
        assert!(Instant::now() < deadline, "/readyz stayed {got}, not {status}: {body}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Two days of quarter hours from an hour ago, so that there is a price for now.
fn current_prices(base: f64) -> (String, Vec<(String, f64)>) {
    let first = Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap() - chrono::Duration::hours(1);
    price_file(first, 192, base)
}

#[tokio::test]
async fn health_readiness_and_every_metric_follow_the_pipeline() {
    let mut broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "ops", &[]);
    let (file, prices) = current_prices(5.0);
    write_price_file(&config, &file);
    let app = AppProcess::start(&config);
    wait_for_rows(&config, 192, Duration::from_secs(90)).await;

    assert_eq!(app.get("/healthz"), (200, "ok\n".to_owned()));
    let ready = readyz_becomes(&app, 200, Duration::from_secs(30)).await;
    assert_eq!(ready["ready"], true);
    for check in ["kafka", "csv", "data"] {
        assert_eq!(ready["checks"][check]["ok"], true, "{ready}");
    }

    // What the pipeline did, and the current price (the fifth slot: the file starts an hour ago).
    let text = metric_reaches(&app, "price_monitor_csv_rows_written_total", &[], 192.0).await;
    assert_eq!(metric(&text, "price_monitor_messages_produced_total", &[]), Some(192.0));
    assert_eq!(metric(&text, "price_monitor_messages_consumed_total", &[]), Some(192.0));
    assert_eq!(metric(&text, "price_monitor_price_cents_per_kwh", &[]), Some(prices[4].1), "{text}");
    assert_eq!(metric(&text, "price_monitor_price_level", &[]), Some(2.0), "normal: all within 4 % of the average");
    assert!(metric(&text, "price_monitor_seconds_since_last_change", &[]).unwrap() < 120.0);
    assert!(metric(&text, "price_monitor_seconds_since_last_price_received", &[]).unwrap() < 120.0);
    assert_eq!(metric(&text, "price_monitor_tomorrow_prices_known", &[]), Some(1.0));
    assert!(text.contains("# TYPE price_monitor_http_request_duration_seconds histogram"), "{text}");
    let lag = metric_reaches(&app, "price_monitor_consumer_lag_messages", &[], 0.0).await;
    let readyz_count = |text: &str| {
        metric(text, "price_monitor_http_request_duration_seconds_count", &["route=\"readyz\"", "status=\"200\""])
    };
    assert!(readyz_count(&lag).unwrap() >= 1.0, "{lag}");
    assert!(
        metric(&lag, "price_monitor_http_request_duration_seconds_bucket", &["route=\"readyz\"", "le=\"+Inf\""])
            .is_some(),
        "{lag}"
    );

    // Two changed prices: two more messages each way and two more rows.
    let changed = change_prices(&file, &[&prices[10].0, &prices[11].0]);
    write_price_file(&config, &changed);
    let text = metric_reaches(&app, "price_monitor_csv_rows_written_total", &[], 194.0).await;
    assert_eq!(metric(&text, "price_monitor_messages_produced_total", &[]), Some(194.0));
    assert_eq!(metric(&text, "price_monitor_messages_consumed_total", &[]), Some(194.0));

    // Bad inputs by kind: a file that is not one, a bad entry, a poison message.
    write_price_file(&config, "<html>not prices</html>");
    metric_reaches(&app, "price_monitor_bad_inputs_skipped_total", &["kind=\"price_file\""], 1.0).await;
    let one_bad_entry = changed.replacen(r#""price":"#, r#""price":"cheap","was":"#, 1);
    write_price_file(&config, &one_bad_entry);
    metric_reaches(&app, "price_monitor_bad_inputs_skipped_total", &["kind=\"price_entry\""], 1.0).await;
    let raw: FutureProducer = server::pipeline::kafka::client_config(&config).create().unwrap();
    raw.send(FutureRecord::<str, str>::to(&config.topic).payload("not a price"), Duration::from_secs(10))
        .await
        .unwrap();
    metric_reaches(&app, "price_monitor_bad_inputs_skipped_total", &["kind=\"message\""], 1.0).await;
    // Counted as read once its batch is through (the skip is counted as it is decoded).
    let text = metric_reaches(&app, "price_monitor_messages_consumed_total", &[], 195.0).await;
    let scrapes = |text: &str| {
        metric(text, "price_monitor_http_request_duration_seconds_count", &["route=\"metrics\"", "status=\"200\""])
    };
    assert!(scrapes(&text).unwrap() > scrapes(&lag).unwrap(), "requests are counted as they come");

    // Kafka away: not ready, and it says why; back: ready again.
    broker.stop();
    let down = readyz_becomes(&app, 503, Duration::from_secs(30)).await;
    assert_eq!(down["failed"], serde_json::json!(["kafka"]), "{down}");
    assert_eq!(down["checks"]["kafka"]["ok"], false);
    assert!(down["checks"]["kafka"]["detail"].as_str().unwrap().contains("Kafka"), "{down}");
    assert_eq!(app.get("/healthz").0, 200, "alive all the same");
    broker.restart();
    readyz_becomes(&app, 200, Duration::from_secs(60)).await;

    // The CSV's folder replaced by a file: not writable, so not ready; put back, ready again.
    let folder = config.csv_path.parent().unwrap().to_owned();
    let aside = dir.path().join("aside");
    std::fs::rename(&folder, &aside).unwrap();
    std::fs::write(&folder, "in the way").unwrap();
    let unwritable = readyz_becomes(&app, 503, Duration::from_secs(10)).await;
    assert!(unwritable["failed"].as_array().unwrap().contains(&"csv".into()), "{unwritable}");
    std::fs::remove_file(&folder).unwrap();
    std::fs::rename(&aside, &folder).unwrap();
    readyz_becomes(&app, 200, Duration::from_secs(10)).await;
    app.stop_cleanly("price-monitor");
}

/// A dashboard alone (`serve`): Kafka is not its business; old prices make it not ready, current ones ready.
#[tokio::test]
async fn a_dashboard_without_a_price_for_now_is_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "127.0.0.1:1", "stale", &[]);
    let app = AppProcess::start_part(&config, "serve");
    wait_until_listening(&app.addr).await;
    let empty = readyz_becomes(&app, 503, Duration::from_secs(10)).await;
    assert_eq!(empty["failed"], serde_json::json!(["csv", "data"]), "no CSV yet: {empty}");
    assert_eq!(empty["checks"]["data"]["detail"], "no prices yet");
    assert!(empty["checks"].get("kafka").is_none(), "{empty}");

    // A log whose prices ended two days ago.
    let three_days_ago = Utc::now().duration_trunc(chrono::Duration::hours(1)).unwrap() - chrono::Duration::days(3);
    append_to_log(&config.csv_path, &price_file(three_days_ago, 96, 1.0).0);
    let stale = readyz_becomes(&app, 503, Duration::from_secs(10)).await;
    assert_eq!(stale["failed"], serde_json::json!(["data"]), "{stale}");
    let detail = stale["checks"]["data"]["detail"].as_str().unwrap();
    assert!(detail.contains("the known prices end at"), "{detail}");

    append_to_log(&config.csv_path, &current_prices(3.0).0);
    let ready = readyz_becomes(&app, 200, Duration::from_secs(10)).await;
    assert!(ready["checks"]["data"]["detail"].as_str().unwrap().contains("c/kWh"), "{ready}");
    // Without a pipeline in the process, the metrics still tell the price.
    assert!(metric(&scrape(&app), "price_monitor_price_cents_per_kwh", &[]).is_some());
    app.stop_cleanly("price-monitor serve");
}

/// Appends the prices of a price file to the CSV log as the consumer would.
fn append_to_log(csv: &std::path::Path, price_file: &str) {
    let records = server::pipeline::price_file::parse(price_file.as_bytes(), Utc::now()).unwrap().records;
    app::records::csv_log::CsvLog::open(csv).unwrap().append_new(records).unwrap();
}

#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "127.0.0.1:1", "json", &[]);
    let app = AppProcess::start_with(&config, "serve", &["--log-format", "json"]);
    wait_until_listening(&app.addr).await;
    let lines = app.lines_after(0, 1, Duration::from_secs(10), |l| l.contains("dashboard at")).await;
    let line: Value = serde_json::from_str(&lines[0]).unwrap_or_else(|e| panic!("{e}: {}", lines[0]));
    assert_eq!(line["level"], "INFO");
    assert!(line["message"].as_str().unwrap().starts_with("dashboard at http://"), "{line}");
    assert!(line["timestamp"].is_string());
    for logged in app.log().lines() {
        serde_json::from_str::<Value>(logged).unwrap_or_else(|e| panic!("{e}: {logged}"));
    }
    app.stop_cleanly("price-monitor serve --log-format json");
}

/// Exits non-zero at once, saying what is wrong, for a binary without its site files and for a folder it
/// cannot use.
#[test]
fn missing_site_files_and_unusable_folders_fail_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_price-monitor"))
            .args(args)
            .args(["--addr", &format!("127.0.0.1:{}", free_port())])
            .arg("--csv")
            .arg(dir.path().join("prices.csv"))
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            // No output name, as a plain `cargo build` has none: empty, since this binary may have been compiled
            // with one (cargo-leptos and scripts/test.sh set it), which an unset variable would fall back to.
            .env("LEPTOS_OUTPUT_NAME", "")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?} exits non-zero");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let plain_build = run(&["serve"]);
    assert!(
        plain_build.contains("built without cargo-leptos")
            && plain_build.contains("cargo leptos build")
            && plain_build.contains("--without-site"),
        "{plain_build}"
    );

    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_price-monitor"))
        .args(["serve", "--addr", &format!("127.0.0.1:{}", free_port())])
        .env("LEPTOS_OUTPUT_NAME", "price-monitor")
        .env("LEPTOS_SITE_ROOT", &site)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let missing = String::from_utf8_lossy(&output.stderr);
    assert!(missing.contains("site/pkg/price-monitor.js") && missing.contains("cargo leptos build"), "{missing}");

    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let csv_in_a_file = blocker.join("prices.csv");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_price-monitor"))
        .args(["consume", "--csv"])
        .arg(&csv_in_a_file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let folder = String::from_utf8_lossy(&output.stderr);
    assert!(folder.contains("a-file") && folder.contains("CSV log"), "{folder}");
}

/// A rule file that does not read stops the start with one sentence naming its line; so does one that is
/// not there.
#[test]
fn a_bad_alert_rule_file_stops_the_start_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("alerts.toml");
    std::fs::write(&rules, "[[rule]]\nname = \"cheap\"\nkind = \"cheapest\"\n").unwrap();
    let start = |file: &std::path::Path| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_price-monitor"))
            .args(["serve", "--without-site", "--addr", &format!("127.0.0.1:{}", free_port())])
            .arg("--alerts-file")
            .arg(file)
            .arg("--csv")
            .arg(dir.path().join("prices.csv"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(!output.status.success(), "a bad rule file stops the start");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let said = start(&rules);
    assert!(said.contains("alerts.toml, line 3: kind is one of tomorrow_published, below, above"), "{said}");
    let missing = start(&dir.path().join("nowhere.toml"));
    assert!(missing.contains("ALERTS_FILE") && missing.contains("nowhere.toml cannot be read"), "{missing}");
}
