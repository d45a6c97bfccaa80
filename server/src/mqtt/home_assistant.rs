//! Home Assistant over MQTT discovery: one device, "Electricity price monitor", with sensors for the spot
//! and total price of now, the level, today's and tomorrow's average (tomorrow's prices as its attributes),
//! the next cheap period's start, and a binary sensor "cheap now".
//!
//! The discovery configs are retained under `<prefix>/<component>/electricity_price_monitor/<sensor>/config`
//! and sent again on every connection; the states are one retained JSON object at `<topic>/state`, sent when
//! it changes: the log is looked at every few seconds, so a new slot or a new price shows within them.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use chrono::Utc;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use app::{
    figures::{format::DisplayZone, level::Level},
    query::{self, sensors::Sensors, store::PriceStore},
};

use crate::{config::Config, mqtt::Mqtt};

/// How often the log is looked at for a change.
const LOOK_EVERY: Duration = Duration::from_secs(5);
/// The device's id, and the start of every entity's unique id.
pub const DEVICE_ID: &str = "electricity_price_monitor";

/// One entity: its component, its id within the device, and its config's fields besides the shared ones.
struct Entity {
    component: &'static str,
    id: &'static str,
    fields: Value,
}

fn entities(topic: &str) -> Vec<Entity> {
    let price = |name: &str, key: &str| {
        json!({
            "name": name,
            "value_template": format!("{{{{ value_json.{key} }}}}"),
            "unit_of_measurement": "c/kWh",
            "state_class": "measurement",
            "suggested_display_precision": 2,
        })
    };
    let mut tomorrow = price("Tomorrow's average", "tomorrow_average");
    tomorrow["json_attributes_topic"] = json!(format!("{topic}/tomorrow"));
    let levels: Vec<String> = Level::ALL.iter().map(|l| level_word(*l)).collect();
    vec![
        Entity { component: "sensor", id: "spot_price", fields: price("Spot price", "spot") },
        Entity { component: "sensor", id: "total_price", fields: price("Total price", "total") },
        Entity {
            component: "sensor",
            id: "level",
            fields: json!({
                "name": "Price level",
                "value_template": "{{ value_json.level }}",
                "device_class": "enum",
                "options": levels,
            }),
        },
        Entity { component: "sensor", id: "today_average", fields: price("Today's average", "today_average") },
        Entity { component: "sensor", id: "tomorrow_average", fields: tomorrow },
        Entity {
            component: "sensor",
            id: "next_cheap_start",
            fields: json!({
                "name": "Next cheap period",
                "value_template": "{{ value_json.next_cheap_start }}",
                "device_class": "timestamp",
            }),
        },
        Entity {
            component: "binary_sensor",
            id: "cheap_now",
            fields: json!({
                "name": "Cheap now",
                "value_template": "{{ 'ON' if value_json.cheap_now else 'OFF' }}",
                "payload_on": "ON",
                "payload_off": "OFF",
            }),
        },
    ]
}

/// The word a level has on every wire (`very_cheap`), as serde writes it.
fn level_word(level: Level) -> String {
    serde_json::to_value(level).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Each entity's discovery topic and config.
pub fn discovery(mqtt_topic: &str, prefix: &str) -> Vec<(String, Value)> {
    let device = json!({
        "identifiers": [DEVICE_ID],
        "name": "Electricity price monitor",
        "manufacturer": "price-monitor",
        "model": "Spot price monitor",
        "sw_version": env!("CARGO_PKG_VERSION"),
    });
    entities(mqtt_topic)
        .into_iter()
        .map(|entity| {
            let mut config = entity.fields;
            config["unique_id"] = json!(format!("{DEVICE_ID}_{}", entity.id));
            config["state_topic"] = json!(format!("{mqtt_topic}/state"));
            config["availability_topic"] = json!(format!("{mqtt_topic}/status"));
            config["device"] = device.clone();
            (format!("{prefix}/{}/{DEVICE_ID}/{}/config", entity.component, entity.id), config)
        })
        .collect()
}

/// Publishes the discovery configs on each connection and the states when they change, until `shutdown`.
pub async fn run(config: &Config, mqtt: Arc<Mqtt>, shutdown: &CancellationToken) -> anyhow::Result<()> {
    let store = PriceStore::new(&config.csv_path);
    let (zone, tariff) = (DisplayZone(config.tz), config.tariff.tariff().context("reading the tariff")?);
    let mut connections = mqtt.connections();
    connections.mark_changed(); // a connection made before this task started counts
    let mut published: Option<(String, String)> = None;
    let mut tick = tokio::time::interval(LOOK_EVERY);
    tracing::info!("Home Assistant sensors at {}/state, discovery under {}/", mqtt.topic, mqtt.discovery_prefix);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            changed = connections.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
                if *connections.borrow_and_update() == 0 {
                    continue;
                }
                if announce(&mqtt).await {
                    published = None; // and the states again, after the configs
                } else {
                    connections.mark_changed(); // try again at the next look
                    tick.reset();
                    continue;
                }
            }
            _ = tick.tick() => {}
        }
        let now = Utc::now();
        let sensors = match store.read(|log| query::sensors::sensors(log, now, zone, &tariff)) {
            Ok(sensors) => sensors,
            Err(e) => {
                tracing::warn!("Home Assistant: reading the price log failed: {e}");
                continue;
            }
        };
        let (state, tomorrow) = payloads(&sensors);
        let now_published = Some((state.clone(), tomorrow.clone()));
        if published == now_published {
            continue;
        }
        let sent = async {
            mqtt.publish(&format!("{}/tomorrow", mqtt.topic), tomorrow, true).await?;
            mqtt.publish(&format!("{}/state", mqtt.topic), state, true).await
        };
        match sent.await {
            Ok(()) => published = now_published,
            Err(e) => tracing::debug!("Home Assistant state not sent yet: {e}"),
        }
    }
}

/// The state object and tomorrow's prices (the attributes of "Tomorrow's average"), as JSON.
fn payloads(sensors: &Sensors) -> (String, String) {
    let state = json!({
        "spot": sensors.spot,
        "total": sensors.total,
        "level": sensors.level.map(level_word),
        "cheap_now": sensors.cheap_now,
        "next_cheap_start": sensors.next_cheap_start,
        "today_average": sensors.today_average,
        "tomorrow_average": sensors.tomorrow_average,
    });
    (state.to_string(), json!({ "prices": sensors.tomorrow }).to_string())
}

/// Sends every discovery config; `false` when one did not go.
async fn announce(mqtt: &Mqtt) -> bool {
    for (topic, config) in discovery(&mqtt.topic, &mqtt.discovery_prefix) {
        if let Err(e) = mqtt.publish(&topic, config.to_string(), true).await {
            tracing::warn!("Home Assistant discovery config {topic} not sent: {e}");
            return false;
        }
    }
    true
}
