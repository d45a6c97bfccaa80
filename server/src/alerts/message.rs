//! An alert as it travels through the topic `electricity-alerts`: the alert the rules called for, its words,
//! where it goes, and its revision. The key is the alert's id, so a correction lands on the same partition
//! after the alert it corrects.

use serde::{Deserialize, Serialize};

use app::alerts::due::Alert;

/// One alert on the topic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertMessage {
    #[serde(flatten)]
    pub alert: Alert,
    /// 1 for the alert, 2 and on for each correction of its figures.
    pub revision: u32,
    pub title: String,
    pub text: String,
    /// The channels of its rule, by name.
    pub channels: Vec<String>,
}

impl AlertMessage {
    /// A later revision corrects an earlier one that was sent with other figures.
    pub fn is_correction(&self) -> bool {
        self.revision > 1
    }

    /// The title as a channel shows it: a correction says so.
    pub fn shown_title(&self) -> String {
        match self.is_correction() {
            true => format!("Correction: {}", self.title),
            false => self.title.clone(),
        }
    }
}
