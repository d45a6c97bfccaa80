//! Reading a household's metering data as Fingrid's Datahub exports it, or as a plain `start,kwh` CSV.
//!
//! A Datahub export is semicolon-separated with a decimal comma and a Finnish header, often after a UTF-8
//! byte-order mark; a file saved again by a spreadsheet may be Windows-1252 instead. Newer exports have
//! `Mittauspisteen tunnus;Tuotteen tyyppi;Resoluutio;Yksikkötyyppi;Lukeman tyyppi;Alkuaika;Määrä;Laatu`, older
//! ones lack `Lukeman tyyppi`; columns are found by name, so both read alike. `Resoluutio` is `PT15M` or `PT1H`,
//! `Alkuaika` the interval's start in UTC, `Määrä` its energy in kWh, `Laatu` its quality: `OK`, or for example
//! `MISSING` with no amount. A missing interval is counted and listed, never read as zero.
//!
//! A file that cannot be read so is refused whole, with one sentence naming the line and the problem: a wrong
//! delimiter, an unknown header, a negative or non-numeric amount, a start off the resolution's grid, or an
//! interval given twice with two amounts.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Timelike, Utc};

use crate::log_text::clipped;

/// One metered interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub start: DateTime<Utc>,
    /// The first instant after the interval.
    pub end: DateTime<Utc>,
    pub kwh: f64,
}

/// What a file holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnergyFile {
    /// The metering point the file names; `None` when it names none, or a spreadsheet turned it into a number
    /// like `8,71687E+12`.
    pub metering_point: Option<String>,
    /// The intervals with an amount, in time order, each once.
    pub readings: Vec<Reading>,
    /// The starts of the intervals marked missing (no amount), in time order.
    pub missing: Vec<DateTime<Utc>>,
}

/// A file that cannot be read, with where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {why}")]
pub struct EnergyFileError {
    pub line: usize,
    pub why: String,
}

/// The columns of a Datahub header, by what they hold.
struct Columns {
    point: Option<usize>,
    resolution: usize,
    start: usize,
    amount: usize,
    quality: Option<usize>,
}

const START: &str = "Alkuaika";
const AMOUNT: &str = "Määrä";
const RESOLUTION: &str = "Resoluutio";

/// Reads `bytes`, a Datahub export (either header, BOM or not, UTF-8 or Windows-1252) or a `start,kwh` CSV.
pub fn parse(bytes: &[u8]) -> Result<EnergyFile, EnergyFileError> {
    let text = decode(bytes);
    let mut lines = text.lines().enumerate().map(|(i, line)| (i + 1, line)).filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| EnergyFileError { line: 1, why: "the file is empty".to_owned() })?;
    let mut file = Intervals::default();
    if header.trim().eq_ignore_ascii_case("start,kwh") {
        for (line, row) in lines {
            file.plain_row(row, line).map_err(|why| EnergyFileError { line, why })?;
        }
    } else {
        let columns = columns(header).map_err(|why| EnergyFileError { line: 1, why })?;
        for (line, row) in lines {
            file.datahub_row(&columns, row, line).map_err(|why| EnergyFileError { line, why })?;
        }
    }
    file.finish()
}

/// UTF-8 (a byte-order mark dropped), or else Windows-1252, as a spreadsheet saves it.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

fn columns(header: &str) -> Result<Columns, String> {
    if !header.contains(';') {
        let by = if header.contains(',') {
            "commas"
        } else if header.contains('\t') {
            "tabs"
        } else {
            "nothing"
        };
        return Err(format!(
            "the columns are separated by {by}: a Datahub export has semicolons (`{RESOLUTION};{START};{AMOUNT}`, …), \
             a plain file the header `start,kwh`"
        ));
    }
    let names: Vec<String> = header.split(';').map(|n| n.trim().trim_matches('"').to_lowercase()).collect();
    let find = |name: &str| names.iter().position(|n| *n == name.to_lowercase());
    match (find(RESOLUTION), find(START), find(AMOUNT)) {
        (Some(resolution), Some(start), Some(amount)) => {
            Ok(Columns { point: find("Mittauspisteen tunnus"), resolution, start, amount, quality: find("Laatu") })
        }
        _ => Err(format!(
            "not a Datahub header: it needs the columns {RESOLUTION}, {START} and {AMOUNT}, and has {}",
            clipped(header)
        )),
    }
}

/// The intervals read so far, and the line each came from.
#[derive(Default)]
struct Intervals {
    point: Option<String>,
    readings: Vec<(Reading, usize)>,
    /// Where each start is in `readings`: a year of quarters is 35 000 of them.
    seen: HashMap<DateTime<Utc>, usize>,
    missing: Vec<DateTime<Utc>>,
}

impl Intervals {
    fn datahub_row(&mut self, columns: &Columns, row: &str, line: usize) -> Result<(), String> {
        let fields: Vec<&str> = row.split(';').map(|f| f.trim().trim_matches('"')).collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        let length = match field(columns.resolution) {
            "PT15M" => Duration::minutes(15),
            "PT1H" => Duration::hours(1),
            other => return Err(format!("the resolution {:?} is neither PT15M nor PT1H", clipped(other))),
        };
        let start = start_on_grid(field(columns.start), length)?;
        if let Some(point) = columns.point.map(field).filter(|p| !p.is_empty()) {
            // A spreadsheet's `8,71687E+12` is no id any more.
            if point.chars().all(|c| c.is_ascii_digit()) {
                self.point.get_or_insert_with(|| point.to_owned());
            }
        }
        let quality = columns.quality.map(field).unwrap_or("OK");
        let amount = field(columns.amount);
        if !quality.eq_ignore_ascii_case("OK") && (amount.is_empty() || amount.eq_ignore_ascii_case("null")) {
            self.missing.push(start);
            return Ok(());
        }
        let kwh = amount_of(&amount.replace(',', "."))?;
        self.add(Reading { start, end: start + length, kwh }, line)
    }

    fn plain_row(&mut self, row: &str, line: usize) -> Result<(), String> {
        let (start, amount) = row.split_once(',').ok_or("a row of `start,kwh` has two fields")?;
        let start = start_on_grid(start.trim(), Duration::minutes(15))?;
        // Each interval lasts until the next one's start, found when the file ends.
        self.add(Reading { start, end: start, kwh: amount_of(amount.trim())? }, line)
    }

    /// Adds `reading` of `line`; the same interval again is one reading, with another amount an error.
    fn add(&mut self, reading: Reading, line: usize) -> Result<(), String> {
        if let Some((earlier, earlier_line)) = self.seen.get(&reading.start).map(|&i| &self.readings[i]) {
            if earlier.kwh == reading.kwh {
                return Ok(());
            }
            return Err(format!(
                "the interval from {} is given twice, with {} kWh here and {} kWh on line {earlier_line}",
                reading.start.format("%Y-%m-%dT%H:%M:%SZ"),
                reading.kwh,
                earlier.kwh
            ));
        }
        self.seen.insert(reading.start, self.readings.len());
        self.readings.push((reading, line));
        Ok(())
    }

    fn finish(mut self) -> Result<EnergyFile, EnergyFileError> {
        self.readings.sort_by_key(|(r, _)| r.start);
        // A plain file's intervals are as long as its shortest step (15 minutes or an hour; an hour alone).
        if self.readings.iter().any(|(r, _)| r.end == r.start) {
            let step = self.readings.windows(2).map(|w| w[1].0.start - w[0].0.start).min();
            let step = step.unwrap_or(Duration::hours(1)).min(Duration::hours(1));
            for (reading, _) in &mut self.readings {
                reading.end = reading.start + step;
            }
        }
        if self.readings.is_empty() && self.missing.is_empty() {
            return Err(EnergyFileError { line: 2, why: "the file has no intervals".to_owned() });
        }
        self.missing.sort();
        Ok(EnergyFile {
            metering_point: self.point,
            readings: self.readings.into_iter().map(|(r, _)| r).collect(),
            missing: self.missing,
        })
    }
}

/// A start in UTC on the grid of intervals of `length` (quarter or whole hours).
fn start_on_grid(text: &str, length: Duration) -> Result<DateTime<Utc>, String> {
    let start = DateTime::parse_from_rfc3339(text)
        .map_err(|_| format!("the start {:?} is not a UTC time like 2024-12-31T22:00:00Z", clipped(text)))?
        .to_utc();
    let minutes = length.num_minutes() as u32;
    let on_grid = start.second() == 0 && start.nanosecond() == 0 && (start.minute() % minutes.min(60)) == 0;
    if !on_grid {
        return Err(format!("the start {text} is not on the {}-minute grid of its resolution", minutes));
    }
    Ok(start)
}

/// An amount of kWh: a number, not negative.
fn amount_of(text: &str) -> Result<f64, String> {
    let kwh: f64 = text
        .parse()
        .ok()
        .filter(|k: &f64| k.is_finite())
        .ok_or_else(|| format!("the amount {:?} is not a number", clipped(text)))?;
    if kwh < 0.0 {
        return Err(format!("the amount {kwh} kWh is negative: metered energy is not"));
    }
    Ok(kwh)
}

#[cfg(test)]
mod tests;
