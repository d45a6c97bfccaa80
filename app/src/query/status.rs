//! What the dashboard shows of the pipeline's health. The producer and the consumer fill it in when they run in
//! the dashboard's process; run apart, the dashboard knows only what the CSV tells.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the producer reports: the file it watches and what it sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProducerStatus {
    pub price_file: String,
    pub last_change: Option<DateTime<Utc>>,
    pub messages_sent: u64,
}

/// What the consumer reports: what it read and wrote, and how far behind it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsumerStatus {
    /// Messages read from the topic, price records or not.
    pub messages_read: u64,
    pub rows_written: u64,
    /// Messages in the topic not yet read, when known.
    pub lag: Option<i64>,
}

/// What the fetcher says of one price source.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceStatus {
    pub url: String,
    /// The format of its last answer used.
    pub format: Option<String>,
    pub last_success: Option<DateTime<Utc>>,
    /// Why its last request failed, if it did.
    pub last_error: Option<String>,
    /// Whether the price file last written holds its prices.
    pub in_use: bool,
}

/// The pipeline's health as the dashboard shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PipelineStatus {
    pub producer: Option<ProducerStatus>,
    pub consumer: Option<ConsumerStatus>,
    /// Whether the last exchange with Kafka succeeded; `None` before any.
    pub kafka_reachable: Option<bool>,
    /// The price sources, in the order they are asked, when the fetcher runs in this process.
    pub sources: Vec<SourceStatus>,
}

/// Where the server functions get the pipeline's status from (provided by the server as context).
#[cfg(feature = "ssr")]
pub type StatusSource = std::sync::Arc<dyn Fn() -> PipelineStatus + Send + Sync>;
