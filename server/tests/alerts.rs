//! Alerts end to end on a real broker: the rules evaluated on the consumer's CSV, put on their Kafka topic and
//! delivered by the notifier to local receivers. Each alert reaches each channel once: a webhook signed with
//! HMAC-SHA256, one that fails five times first, an ntfy receiver that is down for the first two minutes, the
//! app killed and started again in between, and a revised price that sends a correction, not a copy.

mod support;

use std::{sync::atomic::Ordering, time::Duration};

use chrono::{DateTime, DurationRound, Utc};
use serde_json::Value;

use app::figures::format::DisplayZone;
use server::alerts::channels::{SIGNATURE_HEADER, signature};
use support::{
    AppProcess, Broker, config, free_port, quarters_file,
    receiver::{Received, Receiver},
    write_price_file, zone_at_noon,
};

const SECRET: &str = "webhook secret";

/// Quarters from an hour ago to the end of tomorrow (in `zone`) at 10 c/kWh, except the hour from 15 minutes
/// from now: `cheap` each.
fn prices(zone: DisplayZone, first: DateTime<Utc>, cheap: [f64; 4]) -> String {
    let end = zone.midnight(zone.date(Utc::now()) + chrono::Days::new(2)) + chrono::Duration::hours(1);
    // The cheap hour is the sixth to the ninth quarter.
    quarters_file(first, end, |n| n.checked_sub(5).and_then(|i| cheap.get(i)).copied().unwrap_or(10.0))
}

fn json(received: &Received) -> Value {
    serde_json::from_str(&received.body).unwrap()
}

#[tokio::test]
async fn each_alert_reaches_each_channel_once_through_failures_outages_restarts_and_a_correction() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let (hook, flaky, late) = (Receiver::default(), Receiver::failing(5), Receiver::default());
    let (hook_port, flaky_port, late_port) = (free_port(), free_port(), free_port());
    hook.serve(hook_port).await;
    flaky.serve(flaky_port).await;
    let rules = dir.path().join("alerts.toml");
    std::fs::write(
        &rules,
        format!(
            r#"
[[rule]]
name = "cheap"
kind = "below"
threshold = 5
channels = ["hook", "flaky"]

[[rule]]
name = "tomorrow"
kind = "tomorrow_published"
channels = ["hook", "phone"]

[channel.hook]
kind = "webhook"
url = "http://127.0.0.1:{hook_port}/hook"
secret = "{SECRET}"

[channel.flaky]
kind = "webhook"
url = "http://127.0.0.1:{flaky_port}/flaky"

[channel.phone]
kind = "ntfy"
url = "http://127.0.0.1:{late_port}/prices"
priority = "high"
tags = ["zap"]
"#
        ),
    )
    .unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "alerts", &[]);
    let zone = zone_at_noon();
    let zone_arg = zone.name().to_owned();
    let log = dir.path().join("out/alerts.csv");
    let (rules_arg, log_arg) = (rules.display().to_string(), log.display().to_string());
    let options = [
        "--alerts-file",
        &rules_arg,
        "--alerts-log",
        &log_arg,
        "--alerts-topic",
        "alerts-test",
        "--alerts-group-id",
        "notifier-test",
        "--tz",
        &zone_arg,
    ];
    let first = Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap() - chrono::Duration::hours(1);
    write_price_file(&config, prices(DisplayZone(zone), first, [2.0, 1.0, 2.0, 3.0]));
    let started = tokio::time::Instant::now();
    let app = AppProcess::start_with(&config, "all", &options);

    // The webhook gets both alerts, signed; the flaky one its alert after five refusals.
    let got = hook.wait_for(2, Duration::from_secs(90), &app).await;
    let mut ids: Vec<String> = got.iter().map(|r| json(r)["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    let cheap_id = format!("cheap/below/{}", (first + chrono::Duration::minutes(75)).format("%Y-%m-%dT%H:%MZ"));
    assert_eq!(ids[0], cheap_id);
    assert!(ids[1].starts_with("tomorrow/tomorrow/"), "{ids:?}");
    for received in &got {
        assert_eq!(
            received.headers[&SIGNATURE_HEADER.to_lowercase()],
            signature(SECRET.as_bytes(), received.body.as_bytes())
        );
        let alert = json(received);
        assert_eq!(alert["revision"], 1);
        assert!(alert["title"].as_str().unwrap().starts_with(alert["rule"].as_str().unwrap()), "{alert}");
    }
    let cheap = got.iter().map(json).find(|a| a["id"] == cheap_id.as_str()).unwrap();
    assert_eq!(cheap["event"]["average"], 2.0, "{cheap}");
    let flaky_got = flaky.wait_for(1, Duration::from_secs(60), &app).await;
    assert_eq!(flaky.refused.load(Ordering::SeqCst), 5);
    assert_eq!(json(&flaky_got[0])["id"], cheap_id.as_str());
    assert!(!flaky_got[0].headers.contains_key(&SIGNATURE_HEADER.to_lowercase()), "no secret, no signature");

    // Killed while the ntfy receiver is still down, and started again: nothing is sent twice. The kill waits for
    // the alert log's three lines: a kill between a receiver's answer and its line sends that alert there again
    // after the restart, by design (at least once; docs/testing.md, scenario 12).
    app.lines_after(0, 3, Duration::from_secs(10), |l| l.contains(") delivered to ")).await;
    app.kill();
    let app = AppProcess::start_with(&config, "all", &options);
    app.lines_after(0, 1, Duration::from_secs(60), |l| l.contains("2 alerts already on topic alerts-test")).await;
    // Tomorrow's alert is not committed (the ntfy receiver has not taken it), so the restarted notifier is handed
    // it again, with whatever else was not committed, once the group has let the killed member go: its new try
    // at the ntfy channel says it has them.
    app.lines_after(0, 1, Duration::from_secs(60), |l| l.contains("channel phone did not take alert")).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!((hook.got().len(), flaky.got().len()), (2, 1), "{}", app.log());

    // A revised price in the cheap hour: a correction, to both of its channels, once.
    write_price_file(&config, prices(DisplayZone(zone), first, [2.0, 1.0, 2.0, 4.0]));
    let got = hook.wait_for(3, Duration::from_secs(60), &app).await;
    let correction = json(&got[2]);
    assert_eq!((correction["id"].as_str(), correction["revision"].as_u64()), (Some(cheap_id.as_str()), Some(2)));
    assert_eq!(correction["event"]["average"], 2.25, "{correction}");
    let flaky_got = flaky.wait_for(2, Duration::from_secs(60), &app).await;
    assert_eq!(json(&flaky_got[1])["revision"], 2);

    // The ntfy receiver comes up two minutes in: tomorrow's alert reaches it, once, as text with its headers.
    tokio::time::sleep_until(started + Duration::from_secs(120)).await;
    assert!(late.got().is_empty());
    late.serve(late_port).await;
    let late_got = late.wait_for(1, Duration::from_secs(60), &app).await;
    let headers = &late_got[0].headers;
    assert!(headers["title"].starts_with("tomorrow: tomorrow's prices are out"), "{headers:?}");
    assert_eq!((headers["priority"].as_str(), headers["tags"].as_str()), ("high", "zap"));
    assert!(headers["x-alert-id"].starts_with("tomorrow/tomorrow/"), "{headers:?}");
    assert!(late_got[0].body.contains("the spot price averages 10.00 c/kWh"), "{}", late_got[0].body);

    // Settled: each once.
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_eq!((hook.got().len(), flaky.got().len(), late.got().len()), (3, 2, 1), "{}", app.log());
    let journal = std::fs::read_to_string(&log).unwrap();
    assert_eq!(journal.lines().filter(|l| l.contains(",delivered,")).count(), 6, "{journal}");
    app.stop_cleanly("the app with alerts");
}
