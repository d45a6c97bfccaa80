//! The delivery log, `data/alerts.csv`: one row per alert revision and channel once it was delivered or had
//! expired undelivered. It is the notifier's memory: an alert Kafka delivers again after a restart is not sent
//! again to a channel the log names, so a message read twice is still sent once.
//!
//! A row is written and synced right after the channel accepted the alert, before the offset is committed.

use std::{
    collections::HashSet,
    fs::{File, OpenOptions},
    io::{BufReader, Write},
    path::{Path, PathBuf},
};

use anyhow::Context;
use chrono::{DateTime, Utc};

const HEADER: &str = "time,id,revision,channel,outcome";

/// What became of an alert at a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// No longer of use before the channel took it.
    Expired,
    /// A later revision of the alert came before the channel took this one.
    Superseded,
}

const OUTCOMES: [Outcome; 3] = [Outcome::Delivered, Outcome::Expired, Outcome::Superseded];

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Expired => "expired",
            Self::Superseded => "superseded",
        }
    }
}

type Key = (String, u32, String);

/// The log, and the (id, revision, channel) it holds; also which of them a task is delivering now, and each
/// alert's latest revision seen, so that two copies of a message are not sent side by side and an old revision
/// stops once a newer one came.
pub struct Journal {
    path: PathBuf,
    file: File,
    done: HashSet<Key>,
    claimed: HashSet<Key>,
    latest: std::collections::HashMap<String, u32>,
}

impl Journal {
    /// Opens the log at `path`, creating it with its header, and reads what it holds.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let mut done = HashSet::new();
        if path.exists() {
            let file = File::open(path).with_context(|| format!("reading the alert log {}", path.display()))?;
            let mut reader = csv::Reader::from_reader(BufReader::new(file));
            for row in reader.records() {
                // A row cut short by a crash is the last one: what it says was not done.
                let Ok(row) = row else { continue };
                let outcome = row.get(4).filter(|o| OUTCOMES.iter().any(|k| k.word() == *o));
                if let (Some(id), Some(revision), Some(channel), Some(_)) =
                    (row.get(1), row.get(2), row.get(3), outcome)
                    && let Ok(revision) = revision.parse()
                {
                    done.insert((id.to_owned(), revision, channel.to_owned()));
                }
            }
        }
        let fresh = !path.exists() || std::fs::metadata(path).map(|m| m.len() == 0).unwrap_or(true);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening the alert log {}", path.display()))?;
        if fresh {
            writeln!(file, "{HEADER}")?;
        } else if !ends_with_newline(path)? {
            writeln!(file)?; // a row cut short stays on its own line
        }
        Ok(Self { path: path.to_owned(), file, done, claimed: HashSet::new(), latest: Default::default() })
    }

    /// Whether the log has the alert's `revision` at `channel` already.
    pub fn has(&self, id: &str, revision: u32, channel: &str) -> bool {
        self.done.contains(&(id.to_owned(), revision, channel.to_owned()))
    }

    /// Takes the delivery of the alert's `revision` to `channel`: `false` when the log has it already or another
    /// task is delivering it. Each claim ends with [`Journal::record`] or [`Journal::release`].
    pub fn claim(&mut self, id: &str, revision: u32, channel: &str) -> bool {
        let key = (id.to_owned(), revision, channel.to_owned());
        let latest = self.latest.entry(id.to_owned()).or_default();
        *latest = (*latest).max(revision);
        !self.done.contains(&key) && self.claimed.insert(key)
    }

    /// Gives a claim back undone (shut down before the channel took it).
    pub fn release(&mut self, id: &str, revision: u32, channel: &str) {
        self.claimed.remove(&(id.to_owned(), revision, channel.to_owned()));
    }

    /// Whether a later revision of the alert has come.
    pub fn superseded(&self, id: &str, revision: u32) -> bool {
        self.latest.get(id).is_some_and(|latest| *latest > revision)
    }

    /// Writes a row and syncs it to disk; the claim, if any, ends.
    pub fn record(
        &mut self,
        at: DateTime<Utc>,
        id: &str,
        revision: u32,
        channel: &str,
        outcome: Outcome,
    ) -> anyhow::Result<()> {
        let mut row = csv::Writer::from_writer(Vec::new());
        row.write_record([&at.to_rfc3339(), id, &revision.to_string(), channel, outcome.word()])?;
        let bytes = row.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("writing the alert log {}", self.path.display()))?;
        let key = (id.to_owned(), revision, channel.to_owned());
        self.claimed.remove(&key);
        self.done.insert(key);
        Ok(())
    }
}

fn ends_with_newline(path: &Path) -> anyhow::Result<bool> {
    // The log holds a few rows a day: reading it whole is cheap.
    Ok(std::fs::read(path)?.ends_with(b"\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_holds_survives_a_reopen_and_a_row_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.csv");
        let mut journal = Journal::open(&path).unwrap();
        journal.record(Utc::now(), "cheap/below/2026-01-15T02:00Z", 1, "phone", Outcome::Delivered).unwrap();
        journal.record(Utc::now(), "cheap/below/2026-01-15T02:00Z", 1, "home", Outcome::Expired).unwrap();
        drop(journal);
        // A crash in the middle of a row.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"2026-01-15T00:00:00Z,tomorrow/tomorrow/2026-01-16,1,phone,deliv").unwrap();
        drop(file);
        let mut journal = Journal::open(&path).unwrap();
        assert!(journal.has("cheap/below/2026-01-15T02:00Z", 1, "phone"));
        assert!(journal.has("cheap/below/2026-01-15T02:00Z", 1, "home"));
        assert!(!journal.has("cheap/below/2026-01-15T02:00Z", 2, "phone"));
        assert!(!journal.has("tomorrow/tomorrow/2026-01-16", 1, "phone"));
        journal.record(Utc::now(), "tomorrow/tomorrow/2026-01-16", 1, "phone", Outcome::Delivered).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(HEADER) && text.ends_with(",tomorrow/tomorrow/2026-01-16,1,phone,delivered\n"),
            "{text}"
        );
        assert!(Journal::open(&path).unwrap().has("tomorrow/tomorrow/2026-01-16", 1, "phone"));
    }

    #[test]
    fn a_delivery_is_claimed_once_and_a_newer_revision_supersedes() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(&dir.path().join("alerts.csv")).unwrap();
        assert!(journal.claim("a/below/x", 1, "phone"));
        assert!(!journal.claim("a/below/x", 1, "phone"), "a second copy is not sent side by side");
        assert!(journal.claim("a/below/x", 1, "home"));
        journal.release("a/below/x", 1, "home");
        assert!(journal.claim("a/below/x", 1, "home"), "given back, it can be taken again");
        assert!(!journal.superseded("a/below/x", 1));
        assert!(journal.claim("a/below/x", 2, "phone"));
        assert!(journal.superseded("a/below/x", 1));
        journal.record(Utc::now(), "a/below/x", 1, "phone", Outcome::Superseded).unwrap();
        assert!(!journal.claim("a/below/x", 1, "phone"), "done");
    }
}
