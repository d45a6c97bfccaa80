//! Reading a porssisahko.net price file, and writing one whole.
//!
//! Both versions of the API share one shape, `{"prices":[{"price","startDate","endDate"}]}`: v2 has
//! quarter-hour slots ending at `…:14:59.999Z`, v1 hourly slots ending on the hour. Entries may come in any
//! order. One bad entry is skipped with a warning; the rest of the file still counts.

use std::{io::Write, path::Path};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use app::PriceRecord;

use crate::log_text::clipped;

/// The sample price file shipped in `data/` (a real 48-hour v2 file), for tests and examples.
pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/sample-prices.json");

/// The most of a file that is read. A real price file has a few tens of kilobytes (two days of quarter-hours);
/// one this large is something else, and reading it all would only cost memory.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Why a whole price file could not be read (one bad entry only skips that entry).
#[derive(Debug, thiserror::Error)]
pub enum PriceFileError {
    #[error("not a price file: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a price file: more than {} MB, while a price file has a few tens of kilobytes", MAX_BYTES >> 20)]
    TooLarge,
}

/// What a price file holds: its valid slots in time order, and why each other entry was skipped.
#[derive(Debug, Default)]
pub struct PriceFile {
    pub records: Vec<PriceRecord>,
    pub skipped: Vec<String>,
}

#[derive(Deserialize)]
struct RawFile {
    prices: Vec<Value>,
    /// Set by `price-monitor sample` (and by no price source): its records are marked as sample prices, so the
    /// page can say so wherever they are read.
    #[serde(default)]
    sample: bool,
}

#[derive(Deserialize)]
struct RawEntry {
    price: f64,
    #[serde(rename = "startDate")]
    start_date: String,
    #[serde(rename = "endDate")]
    end_date: String,
}

/// Parses `bytes` as a price file; every record is stamped `now`.
///
/// A file that is not JSON, or has no `prices` array, is an error (it may be half written: the caller tries
/// again on the next change). A byte-order mark, as some Windows editors write, is allowed. A slot that appears
/// twice keeps its first entry.
pub fn parse(bytes: &[u8], now: DateTime<Utc>) -> Result<PriceFile, PriceFileError> {
    if bytes.len() > MAX_BYTES {
        return Err(PriceFileError::TooLarge);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    read(serde_json::from_slice(bytes)?, now)
}

/// A price file already read as JSON (a source's answer, say), as [`parse`] reads it.
pub fn from_value(value: Value, now: DateTime<Utc>) -> Result<PriceFile, PriceFileError> {
    read(RawFile::deserialize(value)?, now)
}

fn read(raw: RawFile, now: DateTime<Utc>) -> Result<PriceFile, PriceFileError> {
    let mut file = PriceFile::default();
    for (i, value) in raw.prices.into_iter().enumerate() {
        match entry(&value, now) {
            Ok(mut record) => {
                if raw.sample {
                    record.source = std::borrow::Cow::Borrowed(app::records::price::SAMPLE_SOURCE);
                }
                file.records.push(record)
            }
            Err(why) => file.skipped.push(format!("entry {i} {}: {}", clipped(&value.to_string()), clipped(&why))),
        }
    }
    file.records.sort_by_key(|r| r.start_date);
    let before = file.records.len();
    file.records.dedup_by_key(|r| r.start_date);
    if file.records.len() < before {
        file.skipped.push(format!("{} entries repeat a startDate already given", before - file.records.len()));
    }
    Ok(file)
}

fn entry(value: &Value, now: DateTime<Utc>) -> Result<PriceRecord, String> {
    let raw = RawEntry::deserialize(value).map_err(|e| e.to_string())?;
    let start = timestamp("startDate", &raw.start_date)?;
    let end = timestamp("endDate", &raw.end_date)?;
    let record = PriceRecord::new(now, raw.price, start, end);
    record.validate().map_err(|e| e.to_string())?;
    Ok(record)
}

/// Writes `bytes` to a new file beside `path`, then renames it over `path`: a reader (the producer) sees the old
/// file or the new one, never half of one.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new().prefix(".written-").suffix(".tmp").tempfile_in(folder)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    // Readable by others, as a file written by hand would be (a temporary file is private).
    #[cfg(unix)]
    std::fs::set_permissions(file.path(), std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// An RFC 3339 time with its zone, as porssisahko.net writes them.
fn timestamp(field: &str, text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|e| {
        format!("{field} {:?} is not a time with a zone like 2026-01-03T10:00:00.000Z ({e})", clipped(text))
    })
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 3, 12, 0, 0).unwrap()
    }

    #[test]
    fn the_shipped_v2_sample_has_192_quarter_hours_in_time_order() {
        let bytes = std::fs::read(SAMPLE).unwrap();
        let file = parse(&bytes, now()).unwrap();
        assert!(file.skipped.is_empty(), "{:?}", file.skipped);
        assert_eq!(file.records.len(), 192);
        let first = &file.records[0];
        assert_eq!(first.start_date, Utc.with_ymd_and_hms(2026, 1, 2, 23, 0, 0).unwrap());
        assert_eq!(first.end_date - first.start_date, Duration::milliseconds(15 * 60_000 - 1));
        assert_eq!(first.price, 12.575);
        assert_eq!(first.timestamp, now());
        assert!(file.records.windows(2).all(|w| w[1].start_date - w[0].start_date == Duration::minutes(15)));
    }

    #[test]
    fn a_file_is_replaced_whole_and_stays_readable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.json");
        std::fs::write(&path, "old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);
        }
    }

    #[test]
    fn v1_hourly_slots_and_negative_prices() {
        let json = r#"{"prices":[
            {"price":-0.512,"startDate":"2024-05-05T11:00:00.000Z","endDate":"2024-05-05T12:00:00.000Z"},
            {"price":3.1,"startDate":"2024-05-05T10:00:00.000Z","endDate":"2024-05-05T11:00:00.000Z"}]}"#;
        let file = parse(json.as_bytes(), now()).unwrap();
        let prices: Vec<f64> = file.records.iter().map(|r| r.price).collect();
        assert_eq!(prices, vec![3.1, -0.512], "sorted by start");
        assert!(file.records.iter().all(|r| r.end_date - r.start_date == Duration::hours(1)));
    }

    /// Every quarter hour of one Helsinki day, as porssisahko.net lists it (UTC).
    fn helsinki_day(first_utc: DateTime<Utc>, quarters: i64) -> String {
        let entries: Vec<String> = (0..quarters)
            .map(|q| {
                let start = first_utc + Duration::minutes(15 * q);
                let end = start + Duration::milliseconds(15 * 60_000 - 1);
                format!(
                    r#"{{"price":{}.0,"startDate":"{}","endDate":"{}"}}"#,
                    q,
                    start.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                    end.format("%Y-%m-%dT%H:%M:%S%.3fZ")
                )
            })
            .collect();
        format!(r#"{{"prices":[{}]}}"#, entries.join(","))
    }

    #[test]
    fn dst_days_have_92_and_100_quarter_hours() {
        // 2026-03-29 in Helsinki is 23 h long (clocks go 03:00 -> 04:00), 2026-10-25 is 25 h long.
        let spring = helsinki_day(Utc.with_ymd_and_hms(2026, 3, 28, 22, 0, 0).unwrap(), 92);
        let autumn = helsinki_day(Utc.with_ymd_and_hms(2026, 10, 24, 21, 0, 0).unwrap(), 100);
        for (json, n) in [(spring, 92), (autumn, 100)] {
            let file = parse(json.as_bytes(), now()).unwrap();
            assert_eq!(file.records.len(), n);
            assert!(file.skipped.is_empty());
            assert!(file.records.windows(2).all(|w| w[0].end_date < w[1].start_date));
        }
    }

    #[test]
    fn bad_entries_are_skipped_and_named_the_rest_kept() {
        let json = r#"{"prices":[
            {"price":1.0,"startDate":"2026-01-03T10:00:00.000Z","endDate":"2026-01-03T10:14:59.999Z"},
            {"price":2.0,"startDate":"yesterday","endDate":"2026-01-03T10:29:59.999Z"},
            {"price":"cheap","startDate":"2026-01-03T10:30:00.000Z","endDate":"2026-01-03T10:44:59.999Z"},
            {"price":3.0,"startDate":"2026-01-03T11:00:00.000Z","endDate":"2026-01-03T11:00:00.000Z"},
            {"startDate":"2026-01-03T11:30:00.000Z","endDate":"2026-01-03T11:44:59.999Z"},
            {"price":5.0,"startDate":"2026-01-03T10:00:00.000Z","endDate":"2026-01-03T10:14:59.999Z"}]}"#;
        let file = parse(json.as_bytes(), now()).unwrap();
        assert_eq!(file.records.len(), 1);
        assert_eq!(file.records[0].price, 1.0, "the first entry of a repeated slot is kept");
        let why = file.skipped.join("\n");
        assert_eq!(file.skipped.len(), 5, "{why}");
        assert!(why.contains("entry 1") && why.contains("startDate"), "{why}");
        assert!(why.contains("entry 2"), "{why}");
        assert!(why.contains("entry 3") && why.contains("not before"), "{why}");
        assert!(why.contains("entry 4") && why.contains("price"), "{why}");
        assert!(why.contains("repeat"), "{why}");
    }

    #[test]
    fn a_half_written_or_foreign_file_is_an_error() {
        assert!(parse(br#"{"prices":[{"price":1.0,"startDa"#, now()).is_err());
        assert!(parse(b"", now()).is_err());
        assert!(parse(br#"{"data":[]}"#, now()).is_err());
        assert!(parse(br#"{"prices":[]}"#, now()).unwrap().records.is_empty());
    }
}
