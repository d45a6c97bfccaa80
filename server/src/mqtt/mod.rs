//! MQTT: one connection per process to the broker of `--mqtt-url`, shared by Home Assistant's sensors
//! (`home_assistant`) and the alerts' `mqtt` channel.
//!
//! Every message is published with QoS 1, and [`Mqtt::publish`] waits for the broker's PUBACK: an alert counts
//! as delivered only once the broker has it. rumqttc does not say which PUBACK answers which publish, so one
//! publish is under way at a time (the monitor sends a few messages a minute): the PUBACK of the packet id it
//! went out with is its answer, and a lost connection fails it at once. The client reconnects by itself; on each connection the
//! availability topic is set `online` (retained), and the broker sets it `offline` when the connection is lost
//! (the last will).

pub mod home_assistant;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use clap::Args;
use rumqttc::{AsyncClient, Event, LastWill, MqttOptions, Outgoing, Packet, QoS, Transport};
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;

use crate::{
    log_text::clipped,
    pipeline::backoff::Backoff,
    secret::{Secret, secret_file},
};

/// How long the broker may take to acknowledge a message.
const ACK_WITHIN: Duration = Duration::from_secs(10);
/// What the availability topic says.
pub const ONLINE: &str = "online";
pub const OFFLINE: &str = "offline";

/// The MQTT options.
#[derive(Args, Debug, Clone)]
pub struct MqttArgs {
    /// The MQTT broker for Home Assistant and the alerts' mqtt channel: mqtt://host:port, or mqtts://host:port
    /// for TLS (the system's CA certificates check the broker's). Unset: no MQTT.
    #[arg(long = "mqtt-url", env = "MQTT_URL", value_parser = broker_url, global = true)]
    pub mqtt_url: Option<BrokerUrl>,
    /// The MQTT user name, if the broker asks for a login.
    #[arg(long = "mqtt-username", env = "MQTT_USERNAME", requires = "mqtt_url", global = true)]
    pub mqtt_username: Option<String>,
    /// The MQTT password. Prefer --mqtt-password-file.
    #[arg(long = "mqtt-password", env = "MQTT_PASSWORD", value_parser = |t: &str| Ok::<_, String>(Secret::new(t)), hide_env_values = true, conflicts_with = "mqtt_password_file", requires = "mqtt_username", global = true)]
    pub mqtt_password: Option<Secret>,
    /// A file holding the MQTT password (a Docker secret), read at start.
    #[arg(long = "mqtt-password-file", env = "MQTT_PASSWORD_FILE", value_parser = secret_file, requires = "mqtt_username", global = true)]
    pub mqtt_password_file: Option<Secret>,
    /// For mqtts://, the CA certificate (PEM) that signed the broker's (a home broker's own CA, say), trusted
    /// instead of the system's. Read at start.
    #[arg(long = "mqtt-ca-file", env = "MQTT_CA_FILE", value_parser = pem_file, requires = "mqtt_url", global = true)]
    pub mqtt_ca_file: Option<Pem>,
    /// The topic under which the monitor publishes: `<topic>/state`, `<topic>/status`, `<topic>/alerts`, …
    #[arg(long = "mqtt-topic", env = "MQTT_TOPIC", default_value = "electricity-price-monitor", value_parser = topic_name, global = true)]
    pub mqtt_topic: String,
    /// Home Assistant's discovery prefix.
    #[arg(long = "ha-discovery-prefix", env = "HA_DISCOVERY_PREFIX", default_value = "homeassistant", value_parser = topic_name, global = true)]
    pub ha_discovery_prefix: String,
}

/// What went wrong with the connection, in words; a certificate the monitor refuses says why and what to do.
fn why(e: &rumqttc::ConnectionError) -> String {
    let detail = format!("{e:?}");
    let refused = |why: &str| format!("the broker's certificate is not trusted: {why} ({})", clipped(&e.to_string()));
    if detail.contains("UnknownIssuer") {
        refused("no CA the monitor trusts signed it; give the one that did with --mqtt-ca-file / MQTT_CA_FILE")
    } else if detail.contains("NotValidForName") {
        refused("it is not for the host name of MQTT_URL")
    } else if detail.contains("Expired") {
        refused("it has expired")
    } else if detail.contains("InvalidCertificate") {
        refused("the TLS library refused it")
    } else {
        e.to_string()
    }
}

/// A PEM file's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pem(pub Vec<u8>);

fn pem_file(path: &str) -> Result<Pem, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path} cannot be read: {e}"))?;
    if !bytes.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(format!("{path} is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)"));
    }
    Ok(Pem(bytes))
}

/// Where the broker is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

impl std::fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "mqtts" } else { "mqtt" };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

fn broker_url(text: &str) -> Result<BrokerUrl, String> {
    let url = reqwest::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
    let tls = match url.scheme() {
        "mqtt" => false,
        "mqtts" => true,
        _ => return Err("an MQTT broker is mqtt://host:port or mqtts://host:port".to_owned()),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("give the login as MQTT_USERNAME and MQTT_PASSWORD(_FILE), not in the URL".to_owned());
    }
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or("the URL names no host")?.to_owned();
    Ok(BrokerUrl { host, port: url.port().unwrap_or(if tls { 8883 } else { 1883 }), tls })
}

fn topic_name(text: &str) -> Result<String, String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/');
    if text.is_empty() || text.len() > 100 || !text.chars().all(plain) || text.starts_with('/') || text.ends_with('/') {
        return Err("a topic here is letters, digits, '-', '_' and inner '/', up to 100".to_owned());
    }
    Ok(text.to_owned())
}

/// The publish under way, and whether the broker is connected (set together, under one lock).
#[derive(Default)]
struct Acks {
    connected: bool,
    /// The packet id it went out with (the last one sent while it waits), and who waits for its PUBACK.
    current: Option<(Option<u16>, oneshot::Sender<()>)>,
}

/// The connection.
pub struct Mqtt {
    client: AsyncClient,
    acks: Arc<Mutex<Acks>>,
    /// One publish at a time.
    one_at_a_time: tokio::sync::Mutex<()>,
    /// How many times it has connected: 0 until the first.
    connections: watch::Receiver<u64>,
    pub topic: String,
    pub discovery_prefix: String,
    /// Stops the event loop, once [`Mqtt::close`] has said goodbye.
    stop: CancellationToken,
}

impl Mqtt {
    /// Connects to the broker of `args` (when set) and keeps the connection until `shutdown`.
    pub fn start(args: &MqttArgs, shutdown: &CancellationToken) -> Option<Arc<Self>> {
        let url = args.mqtt_url.as_ref()?;
        let id = format!("price-monitor-{:08x}", fastrand::u32(..));
        let mut options = MqttOptions::new(id, &url.host, url.port);
        options.set_keep_alive(Duration::from_secs(30));
        let status = format!("{}/status", args.mqtt_topic);
        options.set_last_will(LastWill::new(&status, OFFLINE, QoS::AtLeastOnce, true));
        if let Some(username) = &args.mqtt_username {
            let password = args.mqtt_password.as_ref().or(args.mqtt_password_file.as_ref()).map_or("", Secret::expose);
            options.set_credentials(username, password);
        }
        if url.tls {
            options.set_transport(match &args.mqtt_ca_file {
                Some(Pem(ca)) => Transport::tls(ca.clone(), None, None),
                None => Transport::tls_with_default_config(),
            });
        }
        let (client, events) = AsyncClient::new(options, 100);
        let (connections_tx, connections) = watch::channel(0);
        let acks = Arc::new(Mutex::new(Acks::default()));
        let loop_ = EventLoop { events, acks: acks.clone(), connections: connections_tx };
        let stop = CancellationToken::new();
        tokio::spawn(loop_.run(url.to_string(), stop.clone()));
        let mqtt = Self {
            client,
            acks,
            one_at_a_time: tokio::sync::Mutex::new(()),
            connections,
            topic: args.mqtt_topic.clone(),
            discovery_prefix: args.ha_discovery_prefix.clone(),
            stop,
        };
        let mqtt = Arc::new(mqtt);
        tokio::spawn(say_online(mqtt.clone(), shutdown.clone()));
        Some(mqtt)
    }

    /// Changes each time the client (re)connects.
    pub fn connections(&self) -> watch::Receiver<u64> {
        self.connections.clone()
    }

    /// Publishes `payload` to `topic` (QoS 1) and waits for the broker's PUBACK; refused at once while the
    /// broker is not connected, and failed as soon as the connection is lost.
    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>, retain: bool) -> Result<(), String> {
        let _turn = self.one_at_a_time.lock().await;
        let acked = {
            let mut acks = self.lock_acks();
            if !acks.connected {
                return Err("the MQTT broker is not connected".to_owned());
            }
            let (tx, rx) = oneshot::channel();
            acks.current = Some((None, tx));
            rx
        };
        if let Err(e) = self.client.publish(topic, QoS::AtLeastOnce, retain, payload).await {
            self.lock_acks().current = None;
            return Err(format!("the MQTT client stopped: {e}"));
        }
        let answer = tokio::time::timeout(ACK_WITHIN, acked).await;
        self.lock_acks().current = None;
        match answer {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err("the connection to the MQTT broker was lost before it acknowledged".to_owned()),
            Err(_) => Err(format!("the MQTT broker did not acknowledge within {ACK_WITHIN:?}")),
        }
    }

    fn lock_acks(&self) -> std::sync::MutexGuard<'_, Acks> {
        self.acks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The task that drives the connection.
struct EventLoop {
    events: rumqttc::EventLoop,
    acks: Arc<Mutex<Acks>>,
    connections: watch::Sender<u64>,
}

impl EventLoop {
    fn lock(&self) -> std::sync::MutexGuard<'_, Acks> {
        self.acks.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn run(mut self, url: String, stop: CancellationToken) {
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
        let mut said_down = false;
        loop {
            let event = tokio::select! {
                _ = stop.cancelled() => return,
                event = self.events.poll() => event,
            };
            match event {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    backoff.reset();
                    said_down = false;
                    tracing::info!("MQTT connected to {url}");
                    self.lock().connected = true;
                    self.connections.send_modify(|n| *n += 1);
                }
                Ok(Event::Outgoing(Outgoing::Publish(pkid))) => {
                    // The last packet sent while a publish waits is its own: one sent before it (left over from
                    // a lost connection) goes out first.
                    if let Some((sent_as, _)) = &mut self.lock().current {
                        *sent_as = Some(pkid);
                    }
                }
                Ok(Event::Incoming(Packet::PubAck(ack))) => {
                    let mut acks = self.lock();
                    if acks.current.as_ref().is_some_and(|(sent_as, _)| *sent_as == Some(ack.pkid))
                        && let Some((_, waiter)) = acks.current.take()
                    {
                        let _ = waiter.send(());
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    {
                        // The publish under way fails now (its sender dropped), not after the timeout.
                        let mut acks = self.lock();
                        acks.connected = false;
                        acks.current = None;
                    }
                    let delay = backoff.next_delay();
                    if !std::mem::replace(&mut said_down, true) {
                        tracing::warn!("MQTT broker at {url}: {}; trying again, every {delay:?} and longer", why(&e));
                    }
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }
}

/// Says `online` (retained) on each connection: the broker says `offline` for us when it is lost.
async fn say_online(mqtt: Arc<Mqtt>, shutdown: CancellationToken) {
    let mut connections = mqtt.connections();
    let status = format!("{}/status", mqtt.topic);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            changed = connections.changed() => if changed.is_err() { return },
        }
        if let Err(e) = mqtt.publish(&status, ONLINE, true).await {
            tracing::warn!("saying online on MQTT: {e}");
        }
    }
}

impl Mqtt {
    /// Says `offline` (the broker's last will is only for a lost connection), disconnects, and stops the
    /// event loop: the last thing a process does with MQTT.
    pub async fn close(&self) {
        let status = format!("{}/status", self.topic);
        if let Err(e) = self.publish(&status, OFFLINE, true).await {
            tracing::debug!("saying offline on MQTT: {e}");
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), self.client.disconnect()).await;
        tokio::time::sleep(Duration::from_millis(100)).await; // the event loop sends the DISCONNECT
        self.stop.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls_name_host_port_and_tls_and_no_login() {
        assert_eq!(
            broker_url("mqtt://127.0.0.1").unwrap(),
            BrokerUrl { host: "127.0.0.1".into(), port: 1883, tls: false }
        );
        assert_eq!(broker_url("mqtts://broker.lan:8884").unwrap().to_string(), "mqtts://broker.lan:8884");
        assert!(broker_url("http://broker").unwrap_err().contains("mqtt://host:port"));
        assert!(broker_url("mqtt://user:pw@broker").unwrap_err().contains("MQTT_USERNAME"));
        assert!(topic_name("home/prices").is_ok() && topic_name("a/#").is_err() && topic_name("/a").is_err());
    }
}
