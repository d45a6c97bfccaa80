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
use app::alerts::delivery::{Delivery, Outcome};
use chrono::DateTime;

const HEADER: &str = "time,id,revision,channel,outcome,title";

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
    /// Opens the log at `path`, creating it with its header, and reads what it holds. A row cut short by a
    /// crash (the last one, not synced: its delivery was not committed) is cut off, so that nothing written
    /// after it, an open quote of a title say, is read as part of it.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let mut done = HashSet::new();
        if path.exists() {
            cut_short_row_off(path).with_context(|| format!("repairing the alert log {}", path.display()))?;
            let file = File::open(path).with_context(|| format!("reading the alert log {}", path.display()))?;
            for delivery in reader(file).records().filter_map(|row| delivery(&row.ok()?)) {
                done.insert((delivery.id, delivery.revision, delivery.channel));
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
    pub fn record(&mut self, delivery: &Delivery) -> anyhow::Result<()> {
        let Delivery { time, id, revision, channel, outcome, title } = delivery;
        let mut row = csv::Writer::from_writer(Vec::new());
        row.write_record([&time.to_rfc3339(), id, &revision.to_string(), channel, outcome.word(), title])?;
        let bytes = row.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("writing the alert log {}", self.path.display()))?;
        let key = (id.to_owned(), *revision, channel.to_owned());
        self.claimed.remove(&key);
        self.done.insert(key);
        Ok(())
    }
}

/// A row of the log; `None` for one that is not (a line typed in by hand, say).
fn delivery(row: &csv::StringRecord) -> Option<Delivery> {
    Some(Delivery {
        time: DateTime::parse_from_rfc3339(row.get(0)?).ok()?.to_utc(),
        id: row.get(1)?.to_owned(),
        revision: row.get(2)?.parse().ok()?,
        channel: row.get(3)?.to_owned(),
        outcome: Outcome::from_word(row.get(4)?)?,
        title: row.get(5).unwrap_or_default().to_owned(),
    })
}

/// The last `count` rows of the log at `path`, newest first; none if there is no log yet.
pub fn recent(path: &Path, count: usize) -> anyhow::Result<Vec<Delivery>> {
    let file = match File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        opened => opened.with_context(|| format!("reading the alert log {}", path.display()))?,
    };
    let mut last = std::collections::VecDeque::with_capacity(count + 1);
    for delivery in reader(file).records().filter_map(|row| delivery(&row.ok()?)) {
        last.push_front(delivery);
        last.truncate(count);
    }
    Ok(last.into())
}

/// Cuts the log back to its last complete line.
fn cut_short_row_off(path: &Path) -> std::io::Result<()> {
    // The log holds a few rows a day: reading it whole is cheap.
    let text = std::fs::read(path)?;
    if !text.is_empty() && !text.ends_with(b"\n") {
        let keep = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        OpenOptions::new().write(true).open(path)?.set_len(keep as u64)?;
    }
    Ok(())
}

/// A reader of the log's rows; rows of the log's first version have no title.
fn reader(file: File) -> csv::Reader<BufReader<File>> {
    csv::ReaderBuilder::new().flexible(true).from_reader(BufReader::new(file))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn row(id: &str, revision: u32, channel: &str, outcome: Outcome) -> Delivery {
        let (id, channel, title) = (id.to_owned(), channel.to_owned(), format!("{id}: title, with a comma"));
        Delivery { time: Utc::now(), id, revision, channel, outcome, title }
    }

    #[test]
    fn what_it_holds_survives_a_reopen_and_a_row_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.csv");
        let mut journal = Journal::open(&path).unwrap();
        journal.record(&row("cheap/below/2026-01-15T02:00Z", 1, "phone", Outcome::Delivered)).unwrap();
        journal.record(&row("cheap/below/2026-01-15T02:00Z", 1, "home", Outcome::Expired)).unwrap();
        drop(journal);
        // A crash in the middle of a row, inside a quoted title.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"2026-01-15T00:00:00Z,tomorrow/tomorrow/2026-01-16,1,phone,delivered,\"tomorrow, cut").unwrap();
        drop(file);
        let mut journal = Journal::open(&path).unwrap();
        assert!(journal.has("cheap/below/2026-01-15T02:00Z", 1, "phone"));
        assert!(journal.has("cheap/below/2026-01-15T02:00Z", 1, "home"));
        assert!(!journal.has("cheap/below/2026-01-15T02:00Z", 2, "phone"));
        assert!(!journal.has("tomorrow/tomorrow/2026-01-16", 1, "phone"));
        journal.record(&row("tomorrow/tomorrow/2026-01-16", 1, "phone", Outcome::Delivered)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(HEADER), "{text}");
        assert!(
            text.ends_with(",tomorrow/tomorrow/2026-01-16,1,phone,delivered,\"tomorrow/tomorrow/2026-01-16: title, with a comma\"\n"),
            "{text}"
        );
        assert!(Journal::open(&path).unwrap().has("tomorrow/tomorrow/2026-01-16", 1, "phone"));
        assert_eq!(text.lines().count(), 4, "the cut row is gone: {text}");
        assert_eq!(recent(&path, 10).unwrap()[0].title, "tomorrow/tomorrow/2026-01-16: title, with a comma");
    }

    #[test]
    fn a_log_of_the_first_version_without_titles_still_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.csv");
        std::fs::write(&path, "time,id,revision,channel,outcome\n2026-01-15T00:00:00Z,a/below/x,1,phone,delivered\n")
            .unwrap();
        let mut journal = Journal::open(&path).unwrap();
        assert!(journal.has("a/below/x", 1, "phone"));
        journal.record(&row("a/below/x", 2, "phone", Outcome::Delivered)).unwrap();
        let read = recent(&path, 10).unwrap();
        assert_eq!((read.len(), read[1].title.as_str()), (2, ""));
    }

    #[test]
    fn the_last_rows_read_back_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.csv");
        assert_eq!(recent(&path, 3).unwrap(), vec![], "no log yet: nothing sent yet");
        let mut journal = Journal::open(&path).unwrap();
        let rows: Vec<_> = (1..=5).map(|r| row("a/below/x", r, "phone", Outcome::Delivered)).collect();
        for written in &rows {
            journal.record(written).unwrap();
        }
        let read = recent(&path, 3).unwrap();
        // Times go through RFC 3339 and back, to the nanosecond.
        assert_eq!(read, vec![rows[4].clone(), rows[3].clone(), rows[2].clone()]);
        assert_eq!(recent(&path, 10).unwrap().len(), 5);
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
        journal.record(&row("a/below/x", 1, "phone", Outcome::Superseded)).unwrap();
        assert!(!journal.claim("a/below/x", 1, "phone"), "done");
    }
}
