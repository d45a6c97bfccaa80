//! Sending an alert to a channel: a webhook (the alert as JSON, signed with HMAC-SHA256 when a secret is set),
//! an ntfy topic (the text, with title, priority and tags as headers), or an MQTT topic (the JSON, QoS 1).

use std::{collections::HashMap, sync::Arc, time::Duration};

use anyhow::Context;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use sha2::Sha256;

use app::alerts::rules::{ChannelKind, Rules, SecretSource};

use crate::{alerts::message::AlertMessage, log_text::clipped, mqtt::Mqtt};

/// The header of a webhook's signature: `sha256=` and the hex HMAC-SHA256 of the body under the secret.
pub const SIGNATURE_HEADER: &str = "X-Signature-256";
/// The header naming the alert and its revision, `id#revision`: a receiver may drop one it has seen.
pub const ALERT_ID_HEADER: &str = "X-Alert-Id";
/// A channel that has not answered by then is counted as down, and tried again.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// A channel ready to send to.
enum Target {
    Webhook { url: String, secret: Option<Vec<u8>> },
    Ntfy { url: String, priority: Option<String>, tags: Vec<String> },
    Mqtt { topic: String },
}

/// Every channel of the rule file, by name.
pub struct Channels {
    client: reqwest::Client,
    targets: HashMap<String, Target>,
    mqtt: Option<Arc<Mqtt>>,
}

impl Channels {
    /// The channels of `rules`, their secret files read; `mqtt` is the connection of MQTT_URL, if set.
    pub fn new(rules: &Rules, mqtt: Option<Arc<Mqtt>>) -> anyhow::Result<Self> {
        let mut targets = HashMap::new();
        for channel in &rules.channels {
            let target = match &channel.kind {
                ChannelKind::Webhook { url, secret } => {
                    let secret = match secret {
                        None => None,
                        Some(SecretSource::Inline(text)) => Some(text.as_bytes().to_vec()),
                        Some(SecretSource::File(path)) => Some(read_secret(path).with_context(|| {
                            format!("channel {}: secret_file {} cannot be read", channel.name, path.display())
                        })?),
                    };
                    Target::Webhook { url: url.clone(), secret }
                }
                ChannelKind::Ntfy { url, priority, tags } => {
                    Target::Ntfy { url: url.clone(), priority: priority.clone(), tags: tags.clone() }
                }
                ChannelKind::Mqtt { topic } => {
                    let Some(connection) = &mqtt else {
                        anyhow::bail!(
                            "channel {} is an MQTT channel, but MQTT_URL (--mqtt-url) is not set",
                            channel.name
                        );
                    };
                    Target::Mqtt { topic: topic.clone().unwrap_or_else(|| format!("{}/alerts", connection.topic)) }
                }
            };
            targets.insert(channel.name.clone(), target);
        }
        let client = reqwest::Client::builder().timeout(ANSWER_WITHIN).build().context("making the HTTP client")?;
        Ok(Self { client, targets, mqtt })
    }

    /// Whether the rule file has a channel `name`.
    pub fn has(&self, name: &str) -> bool {
        self.targets.contains_key(name)
    }

    /// Sends `message` to the channel `name`: `Ok` once it answered 2xx, else why not, in a few words.
    pub async fn send(&self, name: &str, message: &AlertMessage) -> Result<(), String> {
        let target = self.targets.get(name).ok_or_else(|| format!("no channel {name} in the rule file"))?;
        let id = HeaderValue::from_str(&format!("{}#{}", message.alert.id, message.revision))
            .map_err(|_| "the alert's id is not a header value".to_owned())?;
        if let Target::Mqtt { topic } = target {
            let mqtt = self.mqtt.as_ref().ok_or("no MQTT connection")?;
            let body = serde_json::to_vec(message).map_err(|e| format!("the alert is not JSON: {e}"))?;
            return mqtt.publish(topic, body, false).await;
        }
        let request = match target {
            Target::Webhook { url, secret } => {
                let body = serde_json::to_vec(message).map_err(|e| format!("the alert is not JSON: {e}"))?;
                let mut request = self.client.post(url).header(CONTENT_TYPE, "application/json");
                if let Some(secret) = secret {
                    request = request.header(SIGNATURE_HEADER, signature(secret, &body));
                }
                request.body(body)
            }
            Target::Ntfy { url, priority, tags } => {
                let mut request = self.client.post(url).header("Title", header_text(&message.shown_title()));
                if let Some(priority) = priority {
                    request = request.header("Priority", priority);
                }
                if !tags.is_empty() {
                    request = request.header("Tags", tags.join(","));
                }
                request.body(message.text.clone())
            }
            Target::Mqtt { .. } => unreachable!("published above"),
        };
        let answer = request.header(ALERT_ID_HEADER, id).send().await.map_err(without_url)?;
        match answer.status() {
            status if status.is_success() => Ok(()),
            status => Err(format!("it answered {status}")),
        }
    }
}

/// The file's contents without a final line break.
fn read_secret(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = std::fs::read(path)?;
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    Ok(bytes)
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// A header value for `text`: as it is when it is ASCII, else RFC 2047's encoded word, which ntfy reads.
fn header_text(text: &str) -> String {
    if text.is_ascii() && !text.chars().any(|c| c.is_ascii_control()) {
        return text.to_owned();
    }
    format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(text))
}

/// reqwest's error without the URL, which may hold a token (an ntfy topic is its own password).
fn without_url(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "it did not answer in time".to_owned()
    } else if error.is_connect() {
        "it cannot be reached".to_owned()
    } else {
        clipped(&error.without_url().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_title_that_is_not_ascii_is_an_encoded_word() {
        assert_eq!(header_text("cheap: below 5.00 c/kWh"), "cheap: below 5.00 c/kWh");
        assert_eq!(header_text("sähkö"), "=?UTF-8?B?c8OkaGvDtg==?=");
    }
}
