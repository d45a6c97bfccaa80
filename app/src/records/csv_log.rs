//! The CSV logs of the pipeline's records (the prices, the metered energy): appended by a consumer, followed
//! by the dashboard. One log holds one kind of record ([`Logged`]), and its index of revisions decides which
//! records add a row (the rule of [`crate::records::revision`]).
//!
//! Both sides read only complete lines. A line without its newline is a write that was cut short (a crash, a
//! full disk): the dashboard waits for the rest, and the consumer, which owns the file, cuts it off when it
//! opens the log, since that record's offset was never committed and Kafka will deliver it again.
//!
//! People edit this file by hand, and other programs rewrite it. Each read checks that the file is still the
//! one it read before (same inode, same bytes before the point it read up to); if not, it reads the whole file
//! again. A line that is not a record is skipped and reported by its line number, and never stops the lines
//! after it.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

use chrono::{DateTime, Utc};
use serde::{Serialize, de::DeserializeOwned};

use crate::records::{
    energy::{EnergyIndex, EnergyRecord},
    price::PriceRecord,
    price_text,
    revision::Revisions,
    slots::SlotIndex,
};

/// The header of the price log, as the seed project wrote it.
pub const HEADER: &str = "received_timestamp,price,startDate,endDate,source";

/// A kind of record a log holds: its header, what it is called, how a row is checked, and its index.
pub trait Logged: Clone + Serialize + DeserializeOwned {
    /// The log's first line: the record's fields, in the order it serialises them.
    const HEADER: &'static str;
    /// What a row is, for the log's warnings.
    const NAME: &'static str;
    type Index: Revisions<Self>;
    /// Checks what every record of the kind must be, wherever it came from.
    fn check(&self) -> Result<(), String>;
    /// When it was received (read from the price file, or imported).
    fn received(&self) -> DateTime<Utc>;
    /// A Kafka message's value as a record of the kind, not yet checked; why not, if it is none.
    fn from_message(value: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(value).map_err(|e| e.to_string())
    }
    /// Appends the records' rows to `out`, without the header, as the csv crate writes them in the log's columns.
    fn write_rows(records: &[Self], out: &mut Vec<u8>) {
        csv_rows(records, out);
    }
}

impl Logged for PriceRecord {
    const HEADER: &'static str = HEADER;
    const NAME: &'static str = "a price record";
    type Index = SlotIndex;

    fn check(&self) -> Result<(), String> {
        self.validate().map_err(|e| e.to_string())
    }

    fn received(&self) -> DateTime<Utc> {
        self.timestamp
    }

    fn from_message(value: &[u8]) -> Result<Self, String> {
        match price_text::read_message(value) {
            Some(record) => Ok(record),
            None => serde_json::from_slice(value).map_err(|e| e.to_string()),
        }
    }

    /// This system's records without the csv crate, each other one (a source of its own, a year past 9999) by it.
    fn write_rows(records: &[Self], out: &mut Vec<u8>) {
        for record in records {
            if !price_text::write_row(record, out) {
                csv_rows(std::slice::from_ref(record), out);
            }
        }
    }
}

impl Logged for EnergyRecord {
    const HEADER: &'static str = "received_timestamp,kind,metering_point,start,end,kwh";
    const NAME: &'static str = "an energy reading";
    type Index = EnergyIndex;

    fn check(&self) -> Result<(), String> {
        self.validate()
    }

    fn received(&self) -> DateTime<Utc> {
        self.timestamp
    }
}

/// How many of the last bytes read are kept to notice a file rewritten in place.
const FINGERPRINT_BYTES: usize = 64;
/// How much of the log is read at once.
const READ_CHUNK: u64 = 4 << 20;
/// How many skipped line numbers are kept to report; the count goes on beyond it.
const SKIPPED_KEPT: usize = 20;

/// Why the CSV log could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CsvLogError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: the first line is {found:?}, expected the header {expected:?}")]
    Header { path: PathBuf, found: String, expected: &'static str },
}

/// Why one line of the log is not a record.
#[derive(Debug, thiserror::Error)]
enum LineError {
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("no record in it")]
    Empty,
    #[error("{0}")]
    Invalid(String),
}

/// The lines of the log that are not records: how many, and the first line numbers (1 is the header).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkippedLines {
    pub count: u64,
    pub first: Vec<u64>,
}

/// Which file a path named when it was read, to notice one replaced by another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId(u64, u64);

impl FileId {
    #[cfg(unix)]
    fn of(metadata: &fs::Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        Some(Self(metadata.dev(), metadata.ino()))
    }

    #[cfg(not(unix))]
    fn of(_: &fs::Metadata) -> Option<Self> {
        None
    }
}

/// Follows a CSV log as it grows, keeping the latest revision of every key (a price's slot, say) in memory.
///
/// Each `refresh` reads only the bytes appended since the last one, so following costs what was added, not
/// what is kept.
#[derive(Debug)]
pub struct CsvTail<R: Logged = PriceRecord> {
    path: PathBuf,
    /// Bytes of complete lines consumed so far.
    offset: u64,
    /// Complete lines consumed so far, the header included.
    lines: u64,
    rows: u64,
    /// The latest `received_timestamp` read.
    last_received: Option<DateTime<Utc>>,
    index: R::Index,
    skipped: SkippedLines,
    file_id: Option<FileId>,
    /// The last bytes before `offset`, as read.
    fingerprint: Vec<u8>,
}

impl CsvTail<PriceRecord> {
    /// Follows the price log at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self::follow(path)
    }
}

impl<R: Logged> CsvTail<R> {
    /// Follows the log of `R` at `path`.
    pub fn follow(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            offset: 0,
            lines: 0,
            rows: 0,
            last_received: None,
            index: R::Index::default(),
            skipped: SkippedLines::default(),
            file_id: None,
            fingerprint: Vec::new(),
        }
    }

    /// Data rows read so far (every revision, not distinct keys).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn index(&self) -> &R::Index {
        &self.index
    }

    /// When the newest row was received (read from the price file, or imported).
    pub fn last_received(&self) -> Option<DateTime<Utc>> {
        self.last_received
    }

    /// The lines read that are not records.
    pub fn skipped(&self) -> &SkippedLines {
        &self.skipped
    }

    fn io_error(&self, source: io::Error) -> CsvLogError {
        CsvLogError::Io { path: self.path.clone(), source }
    }

    /// Reads what was appended since the last call; returns the number of new rows. A missing file is an
    /// empty log. A file that was replaced, shrank, or changed before the point read up to is read again from
    /// the start.
    pub fn refresh(&mut self) -> Result<u64, CsvLogError> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(self.io_error(e)),
        };
        let metadata = file.metadata().map_err(|e| self.io_error(e))?;
        let len = metadata.len();
        if self.offset > 0 && !self.still_reads_as_before(&mut file, &metadata)? {
            tracing::info!(path = %self.path.display(), "the CSV log was changed by another program: reading it again");
            *self = Self::follow(self.path.clone());
        }
        self.file_id = FileId::of(&metadata);
        if len == self.offset {
            return Ok(0);
        }
        file.seek(SeekFrom::Start(self.offset)).map_err(|e| self.io_error(e))?;
        // In chunks: a log of a million rows is 100 MB, and only its index needs to stay in memory.
        let mut unread = file.take(len - self.offset);
        let mut bytes = Vec::new();
        let mut added = 0;
        while (&mut unread).take(READ_CHUNK).read_to_end(&mut bytes).map_err(|e| self.io_error(e))? > 0 {
            let Some(last_newline) = bytes.iter().rposition(|&b| b == b'\n') else {
                continue;
            };
            let complete = &bytes[..=last_newline];
            added += self.read_lines(complete)?;
            self.offset += complete.len() as u64;
            let keep = complete.len().min(FINGERPRINT_BYTES);
            self.fingerprint = complete[complete.len() - keep..].to_vec();
            bytes.drain(..=last_newline);
        }
        Ok(added)
    }

    /// Takes in the rows this process just appended, `bytes` encoding `records`, without reading them back.
    fn appended(&mut self, bytes: &[u8], records: Vec<R>) {
        self.offset += bytes.len() as u64;
        self.lines += records.len() as u64;
        self.rows += records.len() as u64;
        for record in records {
            self.take_in(record);
        }
        let mut end = std::mem::take(&mut self.fingerprint);
        end.extend_from_slice(&bytes[bytes.len().saturating_sub(FINGERPRINT_BYTES)..]);
        self.fingerprint = end.split_off(end.len().saturating_sub(FINGERPRINT_BYTES));
    }

    /// One row of the log, read or just written.
    fn take_in(&mut self, record: R) {
        self.last_received = self.last_received.max(Some(record.received()));
        // The last row of a key is its latest revision, whatever its timestamp says.
        self.index.insert(record);
    }

    /// Whether `file` is the file read so far, with the same bytes before the offset.
    fn still_reads_as_before(&self, file: &mut File, metadata: &fs::Metadata) -> Result<bool, CsvLogError> {
        if FileId::of(metadata) != self.file_id || metadata.len() < self.offset {
            return Ok(false);
        }
        let mut end = vec![0; self.fingerprint.len()];
        file.seek(SeekFrom::Start(self.offset - end.len() as u64)).map_err(|e| self.io_error(e))?;
        file.read_exact(&mut end).map_err(|e| self.io_error(e))?;
        Ok(end == self.fingerprint)
    }

    /// Reads complete lines into the index; returns the number of records among them.
    fn read_lines(&mut self, complete: &[u8]) -> Result<u64, CsvLogError> {
        let mut added = 0;
        for line in complete[..complete.len() - 1].split(|&b| b == b'\n') {
            self.lines += 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if self.lines == 1 {
                let found = String::from_utf8_lossy(line);
                if found != R::HEADER {
                    let (path, found) = (self.path.clone(), found.into_owned());
                    return Err(CsvLogError::Header { path, found, expected: R::HEADER });
                }
                continue;
            }
            if line.is_empty() {
                continue;
            }
            match parse_line::<R>(line) {
                Ok(record) => {
                    self.take_in(record);
                    added += 1;
                }
                Err(e) => self.skip(e),
            }
        }
        self.rows += added;
        Ok(added)
    }

    fn skip(&mut self, error: LineError) {
        let line = self.lines;
        let what = R::NAME;
        tracing::warn!(path = %self.path.display(), "skipping line {line} of the CSV log, not {what}: {error}");
        self.skipped.count += 1;
        if self.skipped.first.len() < SKIPPED_KEPT {
            self.skipped.first.push(line);
        }
    }
}

/// One line of the log as a record, checked as every record is.
fn parse_line<R: Logged>(line: &[u8]) -> Result<R, LineError> {
    let record = if line.contains(&b'"') {
        // Quoted fields are rare (a source with a comma): let the CSV reader unquote them, within this line only.
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line);
        reader.byte_records().next().ok_or(LineError::Empty)??
    } else {
        csv::ByteRecord::from(line.split(|&b| b == b',').collect::<Vec<_>>())
    };
    let record: R = record.deserialize(None)?;
    record.check().map_err(LineError::Invalid)?;
    Ok(record)
}

/// The writing end of the log, owned by the consumer.
#[derive(Debug)]
pub struct CsvLog<R: Logged = PriceRecord> {
    tail: CsvTail<R>,
    /// The rows of the batch being appended, encoded; kept between batches with its capacity (a few MB for a
    /// large batch), since a fresh buffer that size is fresh pages to fault in every time.
    encoded: Vec<u8>,
}

impl CsvLog<PriceRecord> {
    /// Opens the price log at `path` for appending (see [`CsvLog::open_log`]).
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, CsvLogError> {
        Self::open_log(path)
    }
}

impl<R: Logged> CsvLog<R> {
    /// Opens the log for appending: creates its directory and header when missing, reads what it holds, and
    /// cuts off a torn last line.
    pub fn open_log(path: impl Into<PathBuf>) -> Result<Self, CsvLogError> {
        let mut tail = CsvTail::<R>::follow(path);
        let file = open_for_append(&tail.path, R::HEADER)?;
        tail.refresh()?;
        let len = file.metadata().map_err(|e| tail.io_error(e))?.len();
        if len > tail.offset {
            tracing::warn!(path = %tail.path.display(), "cutting off a torn last line of {} bytes", len - tail.offset);
            file.set_len(tail.offset).map_err(|e| tail.io_error(e))?;
        }
        Ok(Self { tail, encoded: Vec::new() })
    }

    /// The latest revision of every key in the log.
    pub fn index(&self) -> &R::Index {
        self.tail.index()
    }

    /// Data rows in the log.
    pub fn rows(&self) -> u64 {
        self.tail.rows()
    }

    /// The lines of the log that are not records.
    pub fn skipped(&self) -> &SkippedLines {
        self.tail.skipped()
    }

    /// Appends the records that are new revisions (the rule of [`crate::records::revision`]), flushed to disk
    /// before it returns; returns how many rows were written.
    ///
    /// The file is opened by its path each time, so a log moved away, deleted or edited by hand is noticed
    /// here rather than written to unseen; a path that cannot be written is an error to retry.
    pub fn append_new(&mut self, records: impl IntoIterator<Item = R>) -> Result<usize, CsvLogError> {
        let mut file = self.catch_up()?;
        let mut fresh = R::Index::default();
        let mut new = Vec::new();
        for record in records {
            // A batch may carry a key twice, or revise it and revise it back: judge each record against the
            // log followed by what the batch adds before it.
            if self.tail.index.is_new_after(&fresh, &record) {
                fresh.insert(record.clone());
                new.push(record);
            }
        }
        if new.is_empty() {
            return Ok(0);
        }
        self.encoded.clear();
        R::write_rows(&new, &mut self.encoded);
        if let Err(e) = file.write_all(&self.encoded).and_then(|()| file.sync_data()) {
            // Leave no torn line behind for the retry to append after.
            let _ = file.set_len(self.tail.offset);
            return Err(self.tail.io_error(e));
        }
        let written = new.len();
        self.tail.appended(&self.encoded, new);
        Ok(written)
    }

    /// Opens the log as its path names it now and reads what others changed in it. A last line someone left
    /// without its newline is ended, so that it stays a line of its own (skipped if it is not a record)
    /// instead of the start of ours.
    fn catch_up(&mut self) -> Result<File, CsvLogError> {
        let mut file = open_for_append(&self.tail.path, R::HEADER)?;
        self.tail.refresh()?;
        let len = file.metadata().map_err(|e| self.tail.io_error(e))?.len();
        if len > self.tail.offset {
            tracing::warn!(path = %self.tail.path.display(), "the CSV log ends in a line without a newline: ending it");
            file.write_all(b"\n").map_err(|e| self.tail.io_error(e))?;
            self.tail.refresh()?;
        }
        Ok(file)
    }
}

/// The log at `path` opened for appending, its directory and `header` made when missing.
fn open_for_append(path: &Path, header: &str) -> Result<File, CsvLogError> {
    let io_err = |source| CsvLogError::Io { path: path.to_owned(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io_err)?;
    }
    let mut file = OpenOptions::new().create(true).read(true).append(true).open(path).map_err(io_err)?;
    if file.metadata().map_err(io_err)?.len() == 0 {
        writeln!(file, "{header}").map_err(io_err)?;
        file.sync_data().map_err(io_err)?;
    }
    Ok(file)
}

/// `records` as the csv crate writes them in the log's columns, without the header, after what `bytes` holds.
fn csv_rows<R: Serialize>(records: &[R], bytes: &mut Vec<u8>) {
    // A buffer of a few rows, not the crate's 8 KiB: a price record this system did not make is written alone.
    let mut out = csv::WriterBuilder::new().has_headers(false).buffer_capacity(1024).from_writer(bytes);
    for record in records {
        out.serialize(record).expect("a record of the log always serialises");
    }
    out.flush().expect("writing to memory cannot fail");
}

/// `records` as a CSV document with the log's header, for downloads.
pub fn document<R: Logged>(records: &[R]) -> Vec<u8> {
    let mut out = format!("{}\n", R::HEADER).into_bytes();
    R::write_rows(records, &mut out);
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
        let read: Vec<PriceRecord> = tail.index().iter().collect();
        assert_eq!(read, records);
        assert_eq!(document(&records), text.into_bytes(), "a download reads like the log");
    }

    #[test]
    fn the_original_pipelines_csv_reads_and_its_slot_times_are_written_alike() {
        let original = include_str!("../../testdata/original-pipeline.csv");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        fs::write(&path, original).unwrap();
        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 5, "every row of the original pipeline reads");
        let mut records: Vec<PriceRecord> = tail.index().iter().collect();
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
    fn a_line_garbled_in_the_middle_by_hand_is_noticed_and_reported_by_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        let mut log = CsvLog::open(&path).unwrap();
        log.append_new([record(0, 1.0), record(15, 2.0), record(30, 3.0)]).unwrap();
        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 3);

        // Rewritten in place (same inode, longer): the third line becomes garbage.
        let text = fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.insert(2, "edited by hand, not a record");
        fs::write(&path, lines.join("\n") + "\n").unwrap();

        tail.refresh().unwrap();
        assert_eq!(tail.rows(), 3, "read again from the start, not from the old offset");
        assert_eq!(tail.skipped(), &SkippedLines { count: 1, first: vec![3] });
        assert_eq!(log.append_new([record(45, 4.0)]).unwrap(), 1);
        assert_eq!(log.skipped().first, vec![3], "the consumer notices and says so too");
        assert_eq!(log.append_new([record(0, 1.0), record(15, 2.0)]).unwrap(), 0, "its rows are still known");
        assert_eq!(tail.refresh().unwrap(), 1);
        assert_eq!(tail.rows(), 4);
    }

    #[test]
    fn a_torn_line_left_by_hand_while_the_log_is_open_is_ended_not_joined_to_the_next_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        let mut log = CsvLog::open(&path).unwrap();
        log.append_new([record(0, 1.0)]).unwrap();
        OpenOptions::new().append(true).open(&path).unwrap().write_all(b"2026-01-03T09:00:01Z,7.5,20").unwrap();

        assert_eq!(log.append_new([record(15, 2.0)]).unwrap(), 1);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("7.5,20\n2026-01-03T09:00:01Z,2.0,"), "{text}");
        assert_eq!(log.skipped(), &SkippedLines { count: 1, first: vec![3] });
        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 2);
        assert_eq!(tail.skipped().first, vec![3]);
    }

    #[test]
    fn a_log_whose_folder_is_replaced_by_a_file_fails_to_append_and_catches_up_when_it_is_back() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("out");
        let path = folder.join("prices.csv");
        let mut log = CsvLog::open(&path).unwrap();
        log.append_new([record(0, 1.0)]).unwrap();

        fs::rename(&folder, dir.path().join("away")).unwrap();
        fs::write(&folder, "in the way").unwrap();
        assert!(log.append_new([record(15, 2.0)]).is_err(), "not written to the moved file unseen");
        assert!(log.append_new([record(15, 2.0)]).is_err());

        fs::remove_file(&folder).unwrap();
        fs::rename(dir.path().join("away"), &folder).unwrap();
        assert_eq!(log.append_new([record(15, 2.0), record(0, 1.0)]).unwrap(), 1);
        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 2);
    }

    #[test]
    fn rows_that_parse_but_are_not_valid_records_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        let row = |price: &str, end: &str| format!("2026-01-03T09:00:01Z,{price},2026-01-03T10:00:00Z,{end},x\n");
        let text = [
            format!("{HEADER}\n"),
            row("NaN", "2026-01-03T10:15:00Z"),
            row("1.5", "2026-01-03T09:00:00Z"),
            "\"quoted, with a comma\",1,2,3,4\n".to_owned(),
            row("2.5", "2026-01-03T10:15:00Z"),
        ]
        .concat();
        fs::write(&path, text).unwrap();
        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 1);
        assert_eq!(tail.skipped(), &SkippedLines { count: 3, first: vec![2, 3, 4] });
    }

    #[test]
    fn a_log_larger_than_a_read_is_read_whole_across_chunk_edges() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        let start = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        let records: Vec<PriceRecord> = (0..60_000)
            .map(|i| {
                let s = start + chrono::Duration::minutes(15 * i);
                PriceRecord::new(start, i as f64, s, s + chrono::Duration::minutes(15))
            })
            .collect();
        let text = document(&records);
        assert!(text.len() as u64 > READ_CHUNK, "{} bytes", text.len());
        fs::write(&path, text).unwrap();
        let mut tail = CsvTail::new(&path);
        assert_eq!(tail.refresh().unwrap(), 60_000);
        assert_eq!(tail.skipped().count, 0, "no line cut at a chunk's edge");
        assert_eq!(tail.index().iter().collect::<Vec<_>>(), records);
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
