//! The CSV log of price records: appended by the consumer, followed by the dashboard.
//!
//! Both sides read only complete lines. A line without its newline is a write that was cut short (a crash, a
//! full disk): the dashboard waits for the rest, and the consumer, which owns the file, cuts it off before
//! appending, since that record's offset was never committed and Kafka will deliver it again.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Read, Seek, SeekFrom, Write},
    path::PathBuf,
};

use chrono::{DateTime, Utc};

use crate::{price::PriceRecord, slots::SlotIndex};

/// The header of the CSV, as the seed project wrote it.
pub const HEADER: &str = "received_timestamp,price,startDate,endDate,source";

/// Why the CSV log could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CsvLogError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: the first line is {found:?}, expected the header {HEADER:?}")]
    Header { path: PathBuf, found: String },
}

/// Follows a CSV log as it grows, keeping the latest revision of every slot in memory.
///
/// Each `refresh` reads only the bytes appended since the last one, so following costs what was added, not
/// what is kept.
#[derive(Debug)]
pub struct CsvTail {
    path: PathBuf,
    /// Bytes of complete lines consumed so far.
    offset: u64,
    rows: u64,
    /// The latest `received_timestamp` read.
    last_received: Option<DateTime<Utc>>,
    index: SlotIndex,
}

impl CsvTail {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), offset: 0, rows: 0, last_received: None, index: SlotIndex::default() }
    }

    /// Data rows read so far (every revision, not distinct slots).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn index(&self) -> &SlotIndex {
        &self.index
    }

    /// When the newest row was received (read from the price file).
    pub fn last_received(&self) -> Option<DateTime<Utc>> {
        self.last_received
    }

    /// Reads what was appended since the last call; returns the number of new rows. A missing file is an
    /// empty log. A file that shrank was replaced: it is read again from the start.
    pub fn refresh(&mut self) -> Result<u64, CsvLogError> {
        let path = self.path.clone();
        let io_err = |source| CsvLogError::Io { path: path.clone(), source };
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(io_err(e)),
        };
        let len = file.metadata().map_err(io_err)?.len();
        if len < self.offset {
            *self = Self::new(path.clone());
        }
        if len == self.offset {
            return Ok(0);
        }
        file.seek(SeekFrom::Start(self.offset)).map_err(io_err)?;
        let mut bytes = Vec::with_capacity((len - self.offset) as usize);
        file.take(len - self.offset).read_to_end(&mut bytes).map_err(io_err)?;

        let Some(last_newline) = bytes.iter().rposition(|&b| b == b'\n') else {
            return Ok(0);
        };
        let complete = &bytes[..=last_newline];
        let body = if self.offset == 0 { self.strip_header(complete)? } else { complete };
        let mut added = 0;
        for (line, result) in csv::ReaderBuilder::new()
            .has_headers(false)
            // A bad row of another width must not make every row after it a width error.
            .flexible(true)
            .from_reader(body)
            .into_deserialize::<PriceRecord>()
            .enumerate()
        {
            match result {
                Ok(record) => {
                    self.last_received = self.last_received.max(Some(record.timestamp));
                    // The last row of a slot is its latest revision, whatever its timestamp says.
                    self.index.insert(record);
                    added += 1;
                }
                Err(e) => {
                    tracing::warn!(path = %self.path.display(), "skipping an unreadable CSV row ({line} after offset {}): {e}", self.offset)
                }
            }
        }
        self.offset += complete.len() as u64;
        self.rows += added;
        Ok(added)
    }

    fn strip_header<'a>(&self, complete: &'a [u8]) -> Result<&'a [u8], CsvLogError> {
        let end = complete.iter().position(|&b| b == b'\n').unwrap_or(complete.len());
        let first = String::from_utf8_lossy(&complete[..end]);
        if first.trim_end_matches('\r') != HEADER {
            return Err(CsvLogError::Header { path: self.path.clone(), found: first.into_owned() });
        }
        Ok(&complete[(end + 1).min(complete.len())..])
    }
}

/// The writing end of the log, owned by the consumer.
#[derive(Debug)]
pub struct CsvLog {
    tail: CsvTail,
    file: File,
}

impl CsvLog {
    /// Opens the log for appending: creates its directory and header when missing, reads what it holds, and
    /// cuts off a torn last line.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, CsvLogError> {
        let path = path.into();
        let io_err = |source| CsvLogError::Io { path: path.clone(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(io_err)?;
        }
        let mut file = OpenOptions::new().create(true).read(true).append(true).open(&path).map_err(io_err)?;
        if file.metadata().map_err(io_err)?.len() == 0 {
            writeln!(file, "{HEADER}").map_err(io_err)?;
            file.sync_data().map_err(io_err)?;
        }
        let mut tail = CsvTail::new(path.clone());
        tail.refresh()?;
        let len = file.metadata().map_err(io_err)?.len();
        if len > tail.offset {
            tracing::warn!(path = %path.display(), "cutting off a torn last line of {} bytes", len - tail.offset);
            file.set_len(tail.offset).map_err(io_err)?;
        }
        Ok(Self { tail, file })
    }

    /// The latest revision of every slot in the log.
    pub fn index(&self) -> &SlotIndex {
        self.tail.index()
    }

    /// Data rows in the log.
    pub fn rows(&self) -> u64 {
        self.tail.rows()
    }

    /// Appends the records that are new revisions (see [`SlotIndex::is_new`]), flushed to disk before it
    /// returns; returns how many rows were written.
    pub fn append_new(&mut self, records: impl IntoIterator<Item = PriceRecord>) -> Result<usize, CsvLogError> {
        let io_err = |source| CsvLogError::Io { path: self.tail.path.clone(), source };
        let mut fresh = SlotIndex::default();
        let mut new = Vec::new();
        for record in records {
            // A batch may carry a slot twice, or revise it and revise it back: judge each record against the
            // log followed by what the batch adds before it.
            if self.tail.index.is_new_after(&fresh, &record) {
                fresh.insert(record.clone());
                new.push(record);
            }
        }
        if new.is_empty() {
            return Ok(0);
        }
        let bytes = encode_rows(&new);
        if let Err(e) = self.file.write_all(&bytes).and_then(|()| self.file.sync_data()) {
            // Leave no torn line behind for the retry to append after.
            let _ = self.file.set_len(self.tail.offset);
            return Err(io_err(e));
        }
        let written = self.tail.refresh()?;
        Ok(written as usize)
    }
}

/// `records` as CSV rows in the log's columns, without the header.
fn encode_rows(records: &[PriceRecord]) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    for record in records {
        out.serialize(record).expect("a price record always serialises");
    }
    out.into_inner().expect("writing to memory cannot fail")
}

/// `records` as a CSV document with the log's header, for downloads.
pub fn document(records: &[PriceRecord]) -> Vec<u8> {
    let mut out = format!("{HEADER}\n").into_bytes();
    out.extend(encode_rows(records));
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn record(minute: u32, price: f64) -> PriceRecord {
        record_at(minute, price, 1)
    }

    /// A record read from the price file `second`s after 09:00.
    fn record_at(minute: u32, price: f64, second: u32) -> PriceRecord {
        let start = Utc.with_ymd_and_hms(2026, 1, 3, 10, minute, 0).unwrap();
        let received = Utc.with_ymd_and_hms(2026, 1, 3, 9, 0, second).unwrap();
        PriceRecord::new(received, price, start, start + chrono::Duration::milliseconds(15 * 60_000 - 1))
    }

    #[test]
    fn round_trip_keeps_every_field_and_the_seed_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/prices.csv");
        let mut log = CsvLog::open(&path).unwrap();
        let records = vec![record(0, 10.438), record(15, -0.25)];
        assert_eq!(log.append_new(records.clone()).unwrap(), 2);

        let text = fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(HEADER));
        assert_eq!(
            lines.next(),
            Some(
                "2026-01-03T09:00:01Z,10.438,2026-01-03T10:00:00.000Z,2026-01-03T10:14:59.999Z,electricity-price-monitor"
            )
        );

        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 2);
        let read: Vec<PriceRecord> = tail.index().iter().cloned().collect();
        assert_eq!(read, records);
        assert_eq!(document(&records), text.into_bytes(), "a download reads like the log");
    }

    #[test]
    fn the_original_pipelines_csv_reads_and_its_slot_times_are_written_alike() {
        let original = include_str!("../testdata/original-pipeline.csv");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        fs::write(&path, original).unwrap();
        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 5, "every row of the original pipeline reads");
        let mut records: Vec<PriceRecord> = tail.index().iter().cloned().collect();
        records.reverse(); // the original pipeline wrote the newest slot first
        assert_eq!(records[0].timestamp.to_rfc3339(), "2026-01-04T13:17:33.957675+00:00");

        // Price, startDate, endDate and source come out exactly as the original pipeline wrote them.
        let ours = String::from_utf8(document(&records)).unwrap();
        let after_first_column = |line: &str| line.split_once(',').unwrap().1.to_owned();
        let expected: Vec<String> = original.lines().skip(1).map(after_first_column).collect();
        let written: Vec<String> = ours.lines().skip(1).map(after_first_column).collect();
        assert_eq!(written, expected);
        assert_eq!(ours.lines().next(), original.lines().next(), "the header");
    }

    #[test]
    fn resent_prices_add_no_rows_also_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        let mut log = CsvLog::open(&path).unwrap();
        assert_eq!(log.append_new([record(0, 1.0), record(0, 1.0), record(15, 2.0)]).unwrap(), 2);
        assert_eq!(log.append_new([record(0, 1.0)]).unwrap(), 0);
        drop(log);
        let mut log = CsvLog::open(&path).unwrap();
        assert_eq!(log.rows(), 2);
        assert_eq!(log.append_new([record(0, 1.0), record(15, 2.0)]).unwrap(), 0);
        assert_eq!(log.append_new([record_at(0, 1.5, 2)]).unwrap(), 1, "a revised price is a row");
        assert_eq!(log.append_new([record(0, 1.0), record_at(0, 1.5, 2)]).unwrap(), 0, "a replay is not");
        assert_eq!(log.append_new([record_at(0, 1.0, 3), record_at(0, 2.0, 4)]).unwrap(), 2, "two revisions");
        assert_eq!(fs::read_to_string(&path).unwrap().lines().count(), 6);
    }

    #[test]
    fn a_revision_from_a_clock_that_stepped_back_is_written_and_replays_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        let mut log = CsvLog::open(&path).unwrap();
        assert_eq!(log.append_new([record_at(0, 1.0, 30)]).unwrap(), 1);
        assert_eq!(log.append_new([record_at(0, 2.0, 10)]).unwrap(), 1, "stamped 20 s before the latest row");
        drop(log);
        let mut log = CsvLog::open(&path).unwrap();
        assert_eq!(log.append_new([record_at(0, 1.0, 30), record_at(0, 2.0, 10)]).unwrap(), 0, "a replay");
        assert_eq!(
            log.append_new([record_at(0, 3.0, 40), record_at(0, 2.0, 41)]).unwrap(),
            2,
            "revised and revised back within one batch"
        );
        let latest: Vec<f64> = log.index().iter().map(|r| r.price).collect();
        assert_eq!(latest, vec![2.0]);
    }

    #[test]
    fn a_torn_last_line_is_not_read_and_is_cut_off_before_appending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        CsvLog::open(&path).unwrap().append_new([record(0, 1.0)]).unwrap();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"2026-01-03T09:00:01Z,7.5,2026-01-03T10:1").unwrap();
        drop(file);

        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 1, "the dashboard reads only the complete row");

        let mut log = CsvLog::open(&path).unwrap();
        assert_eq!(log.rows(), 1);
        log.append_new([record(15, 7.5)]).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(!text.contains("10:1\n") && !text.contains("T10:12026"), "{text}");

        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 2);
    }

    #[test]
    fn the_tail_reads_only_what_was_appended_and_restarts_on_a_replaced_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 0, "a missing file is an empty log");
        let mut log = CsvLog::open(&path).unwrap();
        log.append_new([record(0, 1.0)]).unwrap();
        assert_eq!(tail.refresh().unwrap(), 1);
        log.append_new([record(15, 2.0)]).unwrap();
        assert_eq!(tail.refresh().unwrap(), 1);
        assert_eq!(tail.rows(), 2);

        drop(log);
        fs::remove_file(&path).unwrap();
        CsvLog::open(&path).unwrap().append_new([record(30, 3.0)]).unwrap();
        tail.refresh().unwrap();
        let prices: Vec<f64> = tail.index().iter().map(|r| r.price).collect();
        assert_eq!(prices, vec![3.0]);
    }

    #[test]
    fn an_unreadable_row_is_skipped_and_a_foreign_header_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        fs::write(
            &path,
            format!("{HEADER}\nnot,a,row\n2026-01-03T09:00:01Z,4.5,2026-01-03T10:00:00Z,2026-01-03T10:15:00Z,x\n"),
        )
        .unwrap();
        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 1);

        let other = dir.path().join("other.csv");
        fs::write(&other, "a,b,c\n1,2,3\n").unwrap();
        let err = CsvTail::new(&other).refresh().unwrap_err();
        assert!(err.to_string().contains("expected the header"), "{err}");
        assert!(CsvLog::open(&other).is_err());
    }
}
