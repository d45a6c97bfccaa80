//! The latest known revision of each price slot.
//!
//! The CSV is a log: a slot whose price was revised appears once per revision. The consumer asks this index
//! whether a message adds anything (its dedupe), and the dashboard reads the latest revision of each slot.
//!
//! A record is a new revision when its slot is unknown, or when its price differs from the latest one and it
//! was read from the price file after that one. The second condition makes a replay harmless: a consumer
//! that reads the topic again from the start meets the old prices of revised slots, older than what the log
//! holds, and adds nothing. The timestamps compared are all the producer's, so no two clocks are mixed. The
//! one assumption left: the producer's clock does not step back between two real revisions of a slot; if it did,
//! the later revision would look older than the recorded one and be taken for a replay.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::price::PriceRecord;

#[derive(Clone, Debug, Default)]
pub struct SlotIndex {
    latest: BTreeMap<DateTime<Utc>, PriceRecord>,
}

impl SlotIndex {
    /// Whether `record` is a revision the index does not have yet: a new slot, or a price that differs from
    /// the latest one of its slot and is newer than it.
    pub fn is_new(&self, record: &PriceRecord) -> bool {
        self.latest
            .get(&record.start_date)
            .is_none_or(|known| !known.same_price(record) && record.timestamp > known.timestamp)
    }

    /// Records `record` as the latest revision of its slot.
    pub fn insert(&mut self, record: PriceRecord) {
        self.latest.insert(record.start_date, record);
    }

    /// Number of distinct slots known.
    pub fn len(&self) -> usize {
        self.latest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }

    /// Latest revisions of the slots starting in `[from, to)`, oldest first.
    pub fn range(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> impl Iterator<Item = &PriceRecord> {
        self.latest.range(from..to).map(|(_, record)| record)
    }

    /// Latest revisions of the slots starting at or after `from`, oldest first.
    pub fn since(&self, from: DateTime<Utc>) -> impl Iterator<Item = &PriceRecord> {
        self.latest.range(from..).map(|(_, record)| record)
    }

    pub fn first(&self) -> Option<&PriceRecord> {
        self.latest.values().next()
    }

    pub fn last(&self) -> Option<&PriceRecord> {
        self.latest.values().next_back()
    }

    /// Latest revisions of every slot, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &PriceRecord> {
        self.latest.values()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn record(minute: u32, price: f64, received_secs: u32) -> PriceRecord {
        let start = Utc.with_ymd_and_hms(2026, 1, 3, 10, minute, 0).unwrap();
        let received = Utc.with_ymd_and_hms(2026, 1, 3, 0, 0, received_secs).unwrap();
        PriceRecord::new(received, price, start, start + chrono::Duration::minutes(15))
    }

    #[test]
    fn a_resent_price_is_not_new_but_a_revision_is() {
        let mut index = SlotIndex::default();
        assert!(index.is_new(&record(0, 5.0, 1)));
        index.insert(record(0, 5.0, 1));
        assert!(!index.is_new(&record(0, 5.0, 1)), "the same message again");
        assert!(!index.is_new(&record(0, 5.0, 2)), "same slot, same price, sent again later");
        assert!(index.is_new(&record(0, 5.5, 3)), "same slot, revised price");
        index.insert(record(0, 5.5, 3));
        assert!(index.is_new(&record(0, 5.0, 4)), "back to the first price is a revision too");
        assert!(index.is_new(&record(15, 5.0, 1)), "another slot");
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn an_old_revision_replayed_is_not_new() {
        let mut index = SlotIndex::default();
        index.insert(record(0, 5.0, 1));
        index.insert(record(0, 5.5, 3));
        assert!(!index.is_new(&record(0, 5.0, 1)), "the first revision, read again from the topic");
        assert!(!index.is_new(&record(0, 5.5, 3)));
    }

    #[test]
    fn range_yields_latest_revisions_in_time_order() {
        let mut index = SlotIndex::default();
        index.insert(record(30, 3.0, 1));
        index.insert(record(0, 1.0, 1));
        index.insert(record(15, 2.0, 1));
        index.insert(record(15, -2.0, 2));
        let prices: Vec<f64> = index.iter().map(|r| r.price).collect();
        assert_eq!(prices, vec![1.0, -2.0, 3.0]);
        let from = Utc.with_ymd_and_hms(2026, 1, 3, 10, 15, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2026, 1, 3, 10, 30, 0).unwrap();
        let window: Vec<f64> = index.range(from, to).map(|r| r.price).collect();
        assert_eq!(window, vec![-2.0]);
    }
}
