//! The household's metered energy as the pipeline carries it: one interval of consumption or production at
//! one metering point, as known when it was imported. The value of a message on `electricity-energy` and a row
//! of `data/energy.csv`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::records::revision::{self, Revisions};

/// Energy taken from the grid, or fed to it (solar).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum EnergyKind {
    Consumption,
    Production,
}

impl EnergyKind {
    pub fn word(self) -> &'static str {
        match self {
            Self::Consumption => "consumption",
            Self::Production => "production",
        }
    }
}

impl std::str::FromStr for EnergyKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "consumption" => Ok(Self::Consumption),
            "production" => Ok(Self::Production),
            _ => Err(format!(
                "the kind must be consumption or production, not {:?}",
                text.chars().take(20).collect::<String>()
            )),
        }
    }
}

/// One metered interval, as it was known at `timestamp` (when it was imported).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnergyRecord {
    #[serde(rename = "received_timestamp")]
    pub timestamp: DateTime<Utc>,
    pub kind: EnergyKind,
    /// The metering point the export named; empty when it named none.
    pub metering_point: String,
    pub start: DateTime<Utc>,
    /// The first instant after the interval.
    pub end: DateTime<Utc>,
    pub kwh: f64,
}

/// An interval's identity: what a later reading of it revises.
pub type EnergyKey = (EnergyKind, String, DateTime<Utc>);

impl EnergyRecord {
    pub fn key(&self) -> EnergyKey {
        (self.kind, self.metering_point.clone(), self.start)
    }

    /// The Kafka message key: kind, metering point and start, so that the readings of one interval stay in
    /// order on one partition.
    pub fn message_key(&self) -> String {
        format!("{}/{}/{}", self.kind.word(), self.metering_point, self.start.to_rfc3339())
    }

    /// What every reading must be: a finite amount of at least zero, over an interval that starts before it
    /// ends.
    pub fn validate(&self) -> Result<(), String> {
        if !self.kwh.is_finite() || self.kwh < 0.0 {
            return Err(format!("the amount {} kWh is not a number of at least zero", self.kwh));
        }
        if self.start >= self.end {
            return Err("the interval does not start before it ends".to_owned());
        }
        Ok(())
    }
}

/// The latest reading of every interval, and the earlier readings of those that were corrected.
#[derive(Clone, Debug, Default)]
pub struct EnergyIndex {
    latest: BTreeMap<EnergyKey, EnergyRecord>,
    earlier: HashMap<EnergyKey, Vec<(f64, DateTime<Utc>)>>,
}

impl EnergyIndex {
    fn contains(&self, record: &EnergyRecord) -> bool {
        let key = record.key();
        let exact = |kwh: f64, timestamp: DateTime<Utc>| kwh == record.kwh && timestamp == record.timestamp;
        self.latest.get(&key).is_some_and(|latest| exact(latest.kwh, latest.timestamp))
            || self.earlier.get(&key).is_some_and(|earlier| earlier.iter().any(|&(kwh, t)| exact(kwh, t)))
    }

    /// Intervals known.
    pub fn len(&self) -> usize {
        self.latest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }

    /// The readings of `kind` starting in `[from, to)` that count, in time order (by metering point, then
    /// start, when there are several).
    ///
    /// Readings of one metering point that overlap (an hourly export over quarter hours imported before, say)
    /// are the same energy told twice: the one imported last counts. A file that names no metering point (a
    /// plain `start,kwh` file, or an export a spreadsheet saved again with its point mangled) is taken for the
    /// household's one known point, when it has exactly one; with several points it stays apart.
    pub fn range<'a>(&'a self, kind: EnergyKind, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<&'a EnergyRecord> {
        let latest = self.latest.values().filter(|r| r.kind == kind);
        let mut points: Vec<&str> =
            latest.clone().map(|r| r.metering_point.as_str()).filter(|p| !p.is_empty()).collect();
        points.sort_unstable();
        points.dedup();
        let point_of = |r: &'a EnergyRecord| match (r.metering_point.as_str(), points.as_slice()) {
            ("", [only]) => *only,
            (point, _) => point,
        };
        let mut newest_first: Vec<&EnergyRecord> = latest.filter(|r| r.start < to && r.end > from).collect();
        newest_first.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then(a.start.cmp(&b.start)));
        // Per point, the intervals taken so far, by start: they never overlap each other.
        let mut taken: HashMap<&str, BTreeMap<DateTime<Utc>, DateTime<Utc>>> = HashMap::new();
        let mut counted: Vec<&EnergyRecord> = Vec::new();
        for reading in newest_first {
            let intervals = taken.entry(point_of(reading)).or_default();
            let before_end = intervals.range(..reading.end).next_back();
            if before_end.is_some_and(|(_, end)| *end > reading.start) {
                continue; // told already by a reading imported later
            }
            intervals.insert(reading.start, reading.end);
            if reading.start >= from {
                counted.push(reading);
            }
        }
        counted.sort_by_key(|r| (r.start, r.metering_point.clone()));
        counted
    }

    /// The first start and the last end of the intervals known.
    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let first = self.latest.values().map(|r| r.start).min()?;
        let last = self.latest.values().map(|r| r.end).max()?;
        Some((first, last))
    }
}

impl Revisions<EnergyRecord> for EnergyIndex {
    fn is_new_after(&self, pending: &Self, record: &EnergyRecord) -> bool {
        let key = record.key();
        let latest = pending.latest.get(&key).or_else(|| self.latest.get(&key));
        let known = self.contains(record) || pending.contains(record);
        revision::adds_a_revision(known, latest.map(|latest| latest.kwh == record.kwh && latest.end == record.end))
    }

    fn insert(&mut self, record: EnergyRecord) {
        let key = record.key();
        if let Some(previous) = self.latest.insert(key.clone(), record) {
            self.earlier.entry(key).or_default().push((previous.kwh, previous.timestamp));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn reading(minute: i64, kwh: f64, imported: u32) -> EnergyRecord {
        let start = Utc.with_ymd_and_hms(2026, 1, 15, 0, 0, 0).unwrap() + Duration::minutes(minute);
        EnergyRecord {
            timestamp: Utc.with_ymd_and_hms(2026, 2, 1, 10, imported, 0).unwrap(),
            kind: EnergyKind::Consumption,
            metering_point: "643007572000123456".into(),
            start,
            end: start + Duration::minutes(15),
            kwh,
        }
    }

    #[test]
    fn the_same_export_again_adds_nothing_and_a_corrected_reading_is_one_revision() {
        let mut index = EnergyIndex::default();
        let first = [reading(0, 0.46, 0), reading(15, 0.31, 0)];
        for r in first.clone() {
            assert!(index.is_new_after(&EnergyIndex::default(), &r));
            index.insert(r);
        }
        // Imported again a minute later: the same amounts.
        assert!(!index.is_new_after(&EnergyIndex::default(), &reading(0, 0.46, 1)));
        // A corrected amount: a revision; its replay, and the first reading's replay, are not.
        let corrected = reading(15, 0.35, 2);
        assert!(index.is_new_after(&EnergyIndex::default(), &corrected));
        index.insert(corrected.clone());
        assert!(!index.is_new_after(&EnergyIndex::default(), &corrected));
        assert!(!index.is_new_after(&EnergyIndex::default(), &first[1]), "the replayed first reading");
        // Production at the same start is another interval.
        let produced = EnergyRecord { kind: EnergyKind::Production, ..reading(0, 0.46, 0) };
        assert!(index.is_new_after(&EnergyIndex::default(), &produced));
        let all = index.range(EnergyKind::Consumption, first[0].start, first[0].start + Duration::hours(1));
        assert_eq!(all.iter().map(|r| r.kwh).collect::<Vec<_>>(), [0.46, 0.35]);
    }

    #[test]
    fn energy_told_twice_counts_once_the_newest_telling() {
        let mut index = EnergyIndex::default();
        let quarters: Vec<_> = (0..4).map(|q| reading(15 * q, 0.25, 0)).collect();
        for r in quarters.clone() {
            index.insert(r);
        }
        let (from, to) = (quarters[0].start, quarters[0].start + Duration::hours(2));
        // The same hour as an hourly export, imported later: it counts, the quarters do not.
        let hour = EnergyRecord { end: quarters[0].start + Duration::hours(1), kwh: 1.1, ..reading(0, 1.1, 5) };
        index.insert(EnergyRecord { metering_point: String::new(), ..hour.clone() });
        let counted: Vec<_> = index.range(EnergyKind::Consumption, from, to).iter().map(|r| r.kwh).collect();
        assert_eq!(counted, [1.1], "a file without its point is the one point known");
        // The quarters imported again, later still: they count again, the hour not.
        for r in
            quarters.iter().map(|q| EnergyRecord { kwh: 0.3, timestamp: q.timestamp + Duration::hours(1), ..q.clone() })
        {
            index.insert(r);
        }
        let counted: Vec<_> = index.range(EnergyKind::Consumption, from, to).iter().map(|r| r.kwh).collect();
        assert_eq!(counted, [0.3; 4]);
        // A second metering point is energy of its own; with two, the file without a point is neither's.
        index.insert(EnergyRecord { metering_point: "643007572000999999".into(), ..reading(0, 2.0, 9) });
        let counted: Vec<_> = index.range(EnergyKind::Consumption, from, to).iter().map(|r| r.kwh).collect();
        assert_eq!(counted, [1.1, 0.3, 2.0, 0.3, 0.3, 0.3]);
    }

    #[test]
    fn a_negative_or_empty_interval_is_no_reading() {
        assert!(reading(0, 0.1, 0).validate().is_ok());
        assert!(reading(0, -0.1, 0).validate().unwrap_err().contains("at least zero"));
        assert!(reading(0, f64::NAN, 0).validate().is_err());
        let empty = EnergyRecord { end: reading(0, 0.1, 0).start, ..reading(0, 0.1, 0) };
        assert!(empty.validate().is_err());
    }
}
