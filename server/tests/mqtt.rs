//! Home Assistant over MQTT on a real Mosquitto broker (`scripts/mosquitto.sh`, with a login): the discovery
//! configs checked against Home Assistant's documented schema for sensor and binary_sensor, the states as the
//! prices change, availability through the last will, and an alert on the mqtt channel, once.

mod support;

use std::{
    collections::{BTreeMap, HashSet},
    path::Path,
    process::{Child, Command},
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, DurationRound, Utc};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::Value;

use app::figures::format::DisplayZone;
use support::{AppProcess, Broker, config, free_port, quarters_file, write_price_file, zone_at_noon};

/// A Mosquitto broker, stopped on drop.
struct Mosquitto {
    child: Child,
    port: u16,
}

impl Mosquitto {
    fn start(dir: &Path, user: &str, password_file: &Path) -> Self {
        Self::start_with(dir, user, password_file, &[])
    }

    /// With `extra` options of `scripts/mosquitto.sh` (`--tls`).
    fn start_with(dir: &Path, user: &str, password_file: &Path, extra: &[&str]) -> Self {
        let port = free_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/mosquitto.sh");
        let child = Command::new(script)
            .arg(port.to_string())
            .arg(dir)
            .args(["--login", user])
            .arg(password_file)
            .args(extra)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("starting scripts/mosquitto.sh");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "mosquitto did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last message on each topic, and every alert.
#[derive(Default)]
struct Seen {
    last: BTreeMap<String, (String, bool)>,
    alerts: Vec<Value>,
}

/// Subscribes to everything under `topics` and keeps what arrives.
async fn subscribe(port: u16, password: &str, topics: &[&str]) -> Arc<Mutex<Seen>> {
    subscribe_over(port, password, topics, None).await
}

/// The same, over TLS trusting the CA certificate `ca` (PEM) when given.
async fn subscribe_over(port: u16, password: &str, topics: &[&str], ca: Option<Vec<u8>>) -> Arc<Mutex<Seen>> {
    let mut options = MqttOptions::new(format!("test-{}", free_port()), "127.0.0.1", port);
    options.set_credentials("monitor", password);
    if let Some(ca) = ca {
        options.set_transport(rumqttc::Transport::tls(ca, None, None));
    }
    let (client, mut events) = AsyncClient::new(options, 100);
    for topic in topics {
        client.subscribe(*topic, QoS::AtLeastOnce).await.unwrap();
    }
    let seen = Arc::new(Mutex::new(Seen::default()));
    let sink = seen.clone();
    tokio::spawn(async move {
        let _client = client; // kept for as long as the subscription runs
        while let Ok(event) = events.poll().await {
            if let Event::Incoming(Packet::Publish(message)) = event {
                let payload = String::from_utf8_lossy(&message.payload).into_owned();
                let mut seen = sink.lock().unwrap();
                if message.topic.ends_with("/alerts") {
                    seen.alerts.push(serde_json::from_str(&payload).unwrap());
                }
                seen.last.insert(message.topic.clone(), (payload, message.retain));
            }
        }
    });
    seen
}

/// Waits until `check` holds for what was seen; fails after `within` with what was.
async fn until(seen: &Arc<Mutex<Seen>>, within: Duration, app: &AppProcess, check: impl Fn(&Seen) -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check(&seen.lock().unwrap()) {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("not within {within:?}: {:#?}\n{}", seen.lock().unwrap().last, app.log());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Quarters from an hour ago to the end of tomorrow (in `zone`) at 10 c/kWh, now's at `current`, and the three
/// from 30 minutes on at 2.
fn prices(zone: DisplayZone, first: DateTime<Utc>, current: f64) -> String {
    let end = zone.midnight(zone.date(Utc::now()) + chrono::Days::new(2));
    quarters_file(first, end, |n| match n {
        4 => current,
        6..=8 => 2.0,
        _ => 10.0,
    })
}

/// Home Assistant's documented configuration variables for MQTT sensors and binary sensors (as discovery
/// payloads, full names), and for the device.
const COMMON: &[&str] = &[
    "availability",
    "availability_mode",
    "availability_template",
    "availability_topic",
    "default_entity_id",
    "device",
    "device_class",
    "enabled_by_default",
    "encoding",
    "entity_category",
    "entity_picture",
    "expire_after",
    "force_update",
    "icon",
    "json_attributes_template",
    "json_attributes_topic",
    "name",
    "object_id",
    "payload_available",
    "payload_not_available",
    "platform",
    "qos",
    "state_topic",
    "unique_id",
    "value_template",
];
const SENSOR_ONLY: &[&str] =
    &["last_reset_value_template", "options", "state_class", "suggested_display_precision", "unit_of_measurement"];
const BINARY_SENSOR_ONLY: &[&str] = &["off_delay", "payload_off", "payload_on"];
const DEVICE: &[&str] = &[
    "configuration_url",
    "connections",
    "hw_version",
    "identifiers",
    "manufacturer",
    "model",
    "model_id",
    "name",
    "serial_number",
    "suggested_area",
    "sw_version",
    "via_device",
];
const STATE_CLASSES: &[&str] = &["measurement", "measurement_angle", "total", "total_increasing"];

/// Checks one discovery config against the schema; returns its unique id.
fn check_config(topic: &str, config: &Value) -> String {
    let component = topic.split('/').nth(1).unwrap();
    let only = match component {
        "sensor" => SENSOR_ONLY,
        "binary_sensor" => BINARY_SENSOR_ONLY,
        other => panic!("{topic}: a {other}"),
    };
    let fields = config.as_object().unwrap_or_else(|| panic!("{topic}: not an object"));
    for key in fields.keys() {
        assert!(
            COMMON.contains(&key.as_str()) || only.contains(&key.as_str()),
            "{topic}: {key} is not a {component} variable"
        );
    }
    for required in ["state_topic", "unique_id", "name", "device", "availability_topic"] {
        assert!(fields.contains_key(required), "{topic}: no {required}");
    }
    for key in config["device"].as_object().unwrap().keys() {
        assert!(DEVICE.contains(&key.as_str()), "{topic}: device has {key}");
    }
    assert_eq!(config["device"]["identifiers"][0], "electricity_price_monitor");
    if let Some(class) = config["state_class"].as_str() {
        assert!(STATE_CLASSES.contains(&class), "{topic}: state_class {class}");
        assert!(config["unit_of_measurement"].is_string(), "{topic}: a measurement has a unit");
    }
    match config["device_class"].as_str() {
        Some("enum") => assert!(config["options"].as_array().is_some_and(|o| !o.is_empty()), "{topic}: enum options"),
        Some("timestamp") | None => {}
        Some(other) => panic!("{topic}: device_class {other}"),
    }
    if component == "binary_sensor" {
        assert_eq!((config["payload_on"].as_str(), config["payload_off"].as_str()), (Some("ON"), Some("OFF")));
    }
    let unique_id = config["unique_id"].as_str().unwrap().to_owned();
    assert_eq!(topic, format!("homeassistant/{component}/electricity_price_monitor/{}/config", &unique_id[26..]));
    unique_id
}

fn state(seen: &Seen) -> Option<Value> {
    seen.last.get("test-prices/state").map(|(payload, _)| serde_json::from_str(payload).unwrap())
}

#[tokio::test]
async fn home_assistant_discovers_the_sensors_and_follows_the_prices_and_alerts_arrive_once() {
    let dir = tempfile::tempdir().unwrap();
    let password = "mqtt-password";
    let password_file = dir.path().join("mqtt-password");
    std::fs::write(&password_file, format!("{password}\n")).unwrap();
    let mosquitto = Mosquitto::start(&dir.path().join("mosquitto"), "monitor", &password_file);
    let seen = subscribe(mosquitto.port, password, &["homeassistant/#", "test-prices/#"]).await;
    let broker = Broker::start();
    let rules = dir.path().join("alerts.toml");
    std::fs::write(&rules, "[[rule]]\nname = \"cheap\"\nkind = \"below\"\nthreshold = 5\nchannels = [\"ha\"]\n\n[channel.ha]\nkind = \"mqtt\"\n").unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "mqtt", &[]);
    let zone = zone_at_noon();
    let zone_arg = zone.name().to_owned();
    let (url, password_arg, rules_arg) = (
        format!("mqtt://127.0.0.1:{}", mosquitto.port),
        password_file.display().to_string(),
        rules.display().to_string(),
    );
    let log = dir.path().join("out/alerts.csv").display().to_string();
    let options = [
        "--mqtt-url",
        &url,
        "--mqtt-username",
        "monitor",
        "--mqtt-password-file",
        &password_arg,
        "--mqtt-topic",
        "test-prices",
        "--alerts-file",
        &rules_arg,
        "--alerts-log",
        &log,
        "--alerts-topic",
        "alerts-mqtt",
        "--tz",
        &zone_arg,
    ];
    let first = Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap() - chrono::Duration::hours(1);
    write_price_file(&config, prices(DisplayZone(zone), first, 10.0));
    let app = AppProcess::start_with(&config, "all", &options);

    // Seven retained discovery configs, online, and the state of now.
    let now_quarter = first + chrono::Duration::hours(1);
    let cheap_start = now_quarter + chrono::Duration::minutes(30);
    until(&seen, Duration::from_secs(90), &app, |s| {
        s.last.keys().filter(|t| t.ends_with("/config")).count() == 7
            && s.last.get("test-prices/status").is_some_and(|(p, _)| p == "online")
            && state(s).is_some_and(|v| v["spot"] == 10.0)
    })
    .await;
    // Home Assistant starting later gets it all from the broker: retained.
    let late = subscribe(mosquitto.port, password, &["homeassistant/#", "test-prices/#"]).await;
    until(&late, Duration::from_secs(10), &app, |s| s.last.len() >= 10).await;
    {
        let late = late.lock().unwrap();
        let retained: Vec<_> =
            late.last.iter().filter(|(_, (_, retained))| *retained).map(|(t, _)| t.as_str()).collect();
        assert_eq!(retained.len(), 10, "7 configs, status, state, tomorrow: {retained:?}");
        assert!(!late.last.contains_key("test-prices/alerts"), "alerts are not retained");
    }
    {
        let seen = seen.lock().unwrap();
        let mut ids = HashSet::new();
        for (topic, (payload, _)) in seen.last.iter().filter(|(t, _)| t.ends_with("/config")) {
            assert!(ids.insert(check_config(topic, &serde_json::from_str(payload).unwrap())), "{topic}: its id twice");
        }
        for id in ["spot_price", "total_price"] {
            let topic = format!("homeassistant/sensor/electricity_price_monitor/{id}/config");
            let config: Value = serde_json::from_str(&seen.last[&topic].0).unwrap();
            assert_eq!(
                (config["unit_of_measurement"].as_str(), config["state_class"].as_str()),
                (Some("c/kWh"), Some("measurement")),
                "{topic}"
            );
        }
        let state = state(&seen).unwrap();
        assert_eq!(state["level"], "normal", "{state}");
        // The total is the spot price and the fees: never below the spot price of 10.
        assert!(state["total"].as_f64().is_some_and(|total| total >= 10.0), "{state}");
        assert_eq!(state["cheap_now"], false);
        assert_eq!(state["next_cheap_start"], cheap_start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        assert!(state["tomorrow_average"] == 10.0 && state["today_average"].as_f64().unwrap() < 10.0, "{state}");
        let tomorrow: Value = serde_json::from_str(&seen.last["test-prices/tomorrow"].0).unwrap();
        assert!((92..=100).contains(&tomorrow["prices"].as_array().unwrap().len()), "{tomorrow}");
    }

    // The price of now revised to 7 (above the alert's threshold): cheap against the week, and cheap now.
    write_price_file(&config, prices(DisplayZone(zone), first, 7.0));
    until(&seen, Duration::from_secs(30), &app, |s| {
        state(s).is_some_and(|v| v["spot"] == 7.0 && v["cheap_now"] == true && v["level"] == "cheap")
    })
    .await;

    // The cheap hour's alert, on the mqtt channel, once.
    until(&seen, Duration::from_secs(30), &app, |s| !s.alerts.is_empty()).await;
    let cheap_id = format!("cheap/below/{}", cheap_start.format("%Y-%m-%dT%H:%MZ"));
    tokio::time::sleep(Duration::from_secs(6)).await;
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.alerts.len(), 1, "{:?}", seen.alerts);
        assert_eq!(seen.alerts[0]["id"], cheap_id.as_str());
        assert_eq!(seen.alerts[0]["event"]["average"], 2.0);
    }

    // A clean stop says offline; a new start online again; a kill leaves it to the broker's last will.
    app.stop_cleanly("the app with MQTT");
    until(&seen, Duration::from_secs(10), &AppProcess::start_with(&config, "consume", &[]), |s| {
        s.last["test-prices/status"].0 == "offline"
    })
    .await;
    let app = AppProcess::start_with(&config, "all", &options);
    until(&seen, Duration::from_secs(60), &app, |s| s.last["test-prices/status"].0 == "online").await;
    // Its evaluator has read the alert back from the topic before the kill, so it does not make it again.
    app.lines_after(0, 1, Duration::from_secs(60), |l| l.contains("1 alerts already on topic")).await;
    app.kill();
    let consumer = AppProcess::start_with(&config, "consume", &[]);
    until(&seen, Duration::from_secs(10), &consumer, |s| s.last["test-prices/status"].0 == "offline").await;
    assert_eq!(seen.lock().unwrap().alerts.len(), 1, "no alert twice across the restarts");
}

/// mqtts://: trusting the broker's CA (`--mqtt-ca-file`), the monitor's sensors arrive over TLS; without it the
/// broker's certificate is not trusted, the log says so and nothing is published.
#[tokio::test]
async fn over_mqtts_with_the_brokers_ca_and_not_without() {
    let dir = tempfile::tempdir().unwrap();
    let password = "tls-password";
    let password_file = dir.path().join("mqtt-password");
    std::fs::write(&password_file, format!("{password}\n")).unwrap();
    let broker_dir = dir.path().join("mosquitto");
    let mosquitto = Mosquitto::start_with(&broker_dir, "monitor", &password_file, &["--tls"]);
    let ca_file = broker_dir.join("ca.crt");
    let seen =
        subscribe_over(mosquitto.port, password, &["homeassistant/#"], Some(std::fs::read(&ca_file).unwrap())).await;
    // A CSV log of its own: Home Assistant's sensors need no Kafka.
    let config = config(dir.path(), "127.0.0.1:9", "mqtts", &[]);
    let first = Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap();
    let records = (0..8).map(|i| {
        let start = first + chrono::Duration::minutes(15 * i);
        app::PriceRecord::new(Utc::now(), 5.0, start, start + chrono::Duration::milliseconds(15 * 60_000 - 1))
    });
    app::records::csv_log::CsvLog::open(&config.csv_path).unwrap().append_new(records).unwrap();
    let (url, password_arg, ca_arg) = (
        format!("mqtts://127.0.0.1:{}", mosquitto.port),
        password_file.display().to_string(),
        ca_file.display().to_string(),
    );
    let login = ["--mqtt-url", &url, "--mqtt-username", "monitor", "--mqtt-password-file", &password_arg];

    let untrusting = AppProcess::start_with(&config, "alerts", &login);
    untrusting
        .lines_after(0, 1, Duration::from_secs(30), |l| l.contains("the broker's certificate is not trusted"))
        .await;
    assert!(seen.lock().unwrap().last.is_empty(), "nothing published without trusting the broker");
    untrusting.stop_cleanly("price-monitor alerts without the CA");

    let trusting = AppProcess::start_with(&config, "alerts", &[&login[..], &["--mqtt-ca-file", &ca_arg]].concat());
    until(&seen, Duration::from_secs(30), &trusting, |s| s.last.keys().filter(|t| t.ends_with("/config")).count() == 7)
        .await;
    trusting.stop_cleanly("price-monitor alerts with the CA");
}

/// Every kind of rule to every kind of channel: tomorrow's prices, a period below and one above a threshold,
/// the cheapest run and stale prices, each to a webhook, an ntfy receiver and the MQTT broker, each exactly once.
/// The CSV log is written beforehand, its prices received an hour ago, so that all five are due at once.
#[tokio::test]
async fn each_kind_of_rule_reaches_each_kind_of_channel_once() {
    let dir = tempfile::tempdir().unwrap();
    let password = "every-kind";
    let password_file = dir.path().join("mqtt-password");
    std::fs::write(&password_file, format!("{password}\n")).unwrap();
    let mosquitto = Mosquitto::start(&dir.path().join("mosquitto"), "monitor", &password_file);
    let seen = subscribe(mosquitto.port, password, &["every/alerts"]).await;
    let (hook, phone) = (support::receiver::Receiver::default(), support::receiver::Receiver::default());
    let (hook_port, phone_port) = (free_port(), free_port());
    hook.serve(hook_port).await;
    phone.serve(phone_port).await;
    let broker = Broker::start();
    let config = config(dir.path(), &broker.bootstrap(), "everykind", &[]);
    let zone = DisplayZone(zone_at_noon());

    // Prices to the end of tomorrow at 10, received an hour ago: 2 from two hours on, 20 from four hours on.
    let now = Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap();
    let (hour, received) = (chrono::Duration::hours(1), Utc::now() - chrono::Duration::hours(1));
    let end = zone.midnight(zone.date(now) + chrono::Days::new(2));
    let mut start = now - hour;
    let mut records = Vec::new();
    while start < end {
        let price = if start >= now + hour * 2 && start < now + hour * 3 {
            2.0
        } else if start >= now + hour * 4 && start < now + hour * 5 {
            20.0
        } else {
            10.0
        };
        let slot_end = start + chrono::Duration::minutes(15) - chrono::Duration::milliseconds(1);
        records.push(app::PriceRecord::new(received, price, start, slot_end));
        start += chrono::Duration::minutes(15);
    }
    app::records::csv_log::CsvLog::open(&config.csv_path).unwrap().append_new(records).unwrap();

    let done_by = (now + hour * 3).with_timezone(&zone.0).format("%H:%M");
    let channels = r#"channels = ["hook", "phone", "ha"]"#;
    let rules = format!(
        "[[rule]]\nname = \"tomorrow\"\nkind = \"tomorrow_published\"\n{channels}\n\n\
         [[rule]]\nname = \"cheap\"\nkind = \"below\"\nthreshold = 5\nlead = \"24h\"\n{channels}\n\n\
         [[rule]]\nname = \"dear\"\nkind = \"above\"\nthreshold = 15\nlead = \"24h\"\n{channels}\n\n\
         [[rule]]\nname = \"dishwasher\"\nkind = \"cheapest_run\"\nduration = \"1h\"\ndone_by = \"{done_by}\"\n{channels}\n\n\
         [[rule]]\nname = \"quiet\"\nkind = \"stale\"\nafter = \"15m\"\n{channels}\n\n\
         [channel.hook]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{hook_port}/hook\"\n\n\
         [channel.phone]\nkind = \"ntfy\"\nurl = \"http://127.0.0.1:{phone_port}/prices\"\n\n\
         [channel.ha]\nkind = \"mqtt\"\n"
    );
    let rules_file = dir.path().join("alerts.toml");
    std::fs::write(&rules_file, rules).unwrap();
    let (url, password_arg, rules_arg, zone_arg) = (
        format!("mqtt://127.0.0.1:{}", mosquitto.port),
        password_file.display().to_string(),
        rules_file.display().to_string(),
        zone.name().to_owned(),
    );
    let log = dir.path().join("out/alerts.csv").display().to_string();
    let options = [
        ["--mqtt-url", &url, "--mqtt-username", "monitor", "--mqtt-password-file", &password_arg],
        ["--mqtt-topic", "every", "--alerts-file", &rules_arg, "--alerts-log", &log],
        ["--alerts-topic", "alerts-every", "--tz", &zone_arg, "--alerts-group-id", "every-notifier"],
    ]
    .concat();
    let app = AppProcess::start_with(&config, "alerts", &options);

    // The cheapest run twice: done by today's deadline, and by tomorrow's (whose prices are known too).
    let kinds = ["cheap/below", "dear/above", "dishwasher/run", "dishwasher/run", "quiet/stale", "tomorrow/tomorrow"];
    hook.wait_for(kinds.len(), Duration::from_secs(90), &app).await;
    phone.wait_for(kinds.len(), Duration::from_secs(30), &app).await;
    until(&seen, Duration::from_secs(30), &app, |s| s.alerts.len() >= kinds.len()).await;
    tokio::time::sleep(Duration::from_secs(8)).await; // anything sent twice would be here by now
    let id = |alert: &Value| alert["id"].as_str().unwrap().to_owned();
    let hook_ids: Vec<String> = hook.got().iter().map(|r| id(&serde_json::from_str(&r.body).unwrap())).collect();
    let phone_ids: Vec<String> =
        phone.got().iter().map(|r| r.headers["x-alert-id"].split('#').next().unwrap().to_owned()).collect();
    let mqtt_ids: Vec<String> = seen.lock().unwrap().alerts.iter().map(id).collect();
    let mut expected: Option<Vec<String>> = None;
    for (channel, mut ids) in [("webhook", hook_ids), ("ntfy", phone_ids), ("mqtt", mqtt_ids)] {
        ids.sort();
        let kinds_got: Vec<String> = ids.iter().map(|id| id.split('/').take(2).collect::<Vec<_>>().join("/")).collect();
        assert_eq!(kinds_got, kinds, "{channel}: each kind, each once: {ids:?}\n{}", app.log());
        assert!(ids.windows(2).all(|w| w[0] != w[1]), "{channel}: an alert twice: {ids:?}");
        assert_eq!(expected.get_or_insert_with(|| ids.clone()), &ids, "{channel}: the same alerts as the others");
    }
    app.stop_cleanly("price-monitor alerts");
}
