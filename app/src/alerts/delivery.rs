//! What became of an alert at a channel, as the notifier logs it in `data/alerts.csv` and the page lists it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What became of an alert revision at a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The channel took it.
    Delivered,
    /// No longer of use before the channel took it.
    Expired,
    /// A later revision of the alert came before the channel took this one.
    Superseded,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Delivered, Outcome::Expired, Outcome::Superseded];

    /// The word the log writes.
    pub fn word(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Expired => "expired",
            Self::Superseded => "superseded",
        }
    }

    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.word() == word)
    }
}

/// One row of the log: an alert revision's outcome at a channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// When the outcome was logged.
    pub time: DateTime<Utc>,
    pub id: String,
    pub revision: u32,
    pub channel: String,
    pub outcome: Outcome,
    /// The alert's title as it was sent.
    pub title: String,
}

/// Where the page gets the last deliveries from, newest first (provided by the server as context).
#[cfg(feature = "ssr")]
pub type DeliverySource = std::sync::Arc<dyn Fn() -> Vec<Delivery> + Send + Sync>;
