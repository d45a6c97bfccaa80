//! The revisions of each price slot: the latest one of every slot, and the earlier ones of revised slots.
//!
//! The CSV is a log: a slot whose price was revised appears once per revision. The consumer asks this index
//! whether a message adds anything (its dedupe), and the dashboard reads the latest revision of each slot.
//!
//! A record is a new revision when that exact record (slot, price, timestamp) is not in the log already and
//! its price differs from the slot's latest one. No clock is compared: a producer whose clock stepped back
//! (NTP, a restored VM, a second producer on another host) still gets its revisions in. The first condition
//! makes a replay harmless: a consumer that reads the topic again from the start meets the old revisions of
//! revised slots, each of which is in the log already. The second keeps a price sent again (a restarted
//! producer sends its whole file) from adding a row.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::price::PriceRecord;

/// One revision before the latest of its slot: enough to recognise it when it is read again.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Earlier {
    price: f64,
    timestamp: DateTime<Utc>,
}

/// The latest revision of every slot, and the earlier revisions of those that were revised.
#[derive(Clone, Debug, Default)]
pub struct SlotIndex {
    latest: BTreeMap<DateTime<Utc>, PriceRecord>,
    /// Only revised slots have an entry here, so an unrevised history costs nothing extra.
    earlier: HashMap<DateTime<Utc>, Vec<Earlier>>,
}

impl SlotIndex {
    /// Whether `record` is a revision the index does not have yet (see the module's rule).
    pub fn is_new(&self, record: &PriceRecord) -> bool {
        self.is_new_after(&SlotIndex::default(), record)
    }

    /// Whether `record` is new to this index followed by `pending`, the revisions about to be added to it.
    pub fn is_new_after(&self, pending: &SlotIndex, record: &PriceRecord) -> bool {
        let latest = pending.latest.get(&record.start_date).or_else(|| self.latest.get(&record.start_date));
        let known = self.contains(record) || pending.contains(record);
        !known && latest.is_none_or(|latest| !latest.same_price(record))
    }

    /// Whether this exact record (slot, price, timestamp) is one of the slot's revisions.
    fn contains(&self, record: &PriceRecord) -> bool {
        let exact = |price: f64, timestamp: DateTime<Utc>| price == record.price && timestamp == record.timestamp;
        self.latest.get(&record.start_date).is_some_and(|latest| exact(latest.price, latest.timestamp))
            || self
                .earlier
                .get(&record.start_date)
                .is_some_and(|earlier| earlier.iter().any(|e| exact(e.price, e.timestamp)))
    }

    /// Records `record` as the latest revision of its slot.
    pub fn insert(&mut self, record: PriceRecord) {
        if let Some(previous) = self.latest.insert(record.start_date, record) {
            let earlier = Earlier { price: previous.price, timestamp: previous.timestamp };
            self.earlier.entry(previous.start_date).or_default().push(earlier);
        }
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
    fn a_revision_stamped_earlier_than_the_latest_is_still_new() {
        // The producer's clock stepped back between two revisions: the second one is stamped before the first.
        let mut index = SlotIndex::default();
        index.insert(record(0, 5.0, 30));
        let stepped_back = record(0, 6.0, 10);
        assert!(index.is_new(&stepped_back), "a real revision, whatever its timestamp");
        index.insert(stepped_back.clone());
        assert!(!index.is_new(&record(0, 5.0, 30)), "the first revision replayed");
        assert!(!index.is_new(&stepped_back), "the second revision replayed");
        assert!(index.is_new(&record(0, 5.0, 20)), "back to the first price, stamped anew: a revision");
    }

    #[test]
    fn a_batch_is_judged_against_the_index_followed_by_what_the_batch_adds() {
        let mut index = SlotIndex::default();
        index.insert(record(0, 5.0, 1));
        let mut pending = SlotIndex::default();
        let up = record(0, 6.0, 2);
        assert!(index.is_new_after(&pending, &up));
        pending.insert(up.clone());
        assert!(!index.is_new_after(&pending, &up), "twice in one batch");
        assert!(index.is_new_after(&pending, &record(0, 5.0, 3)), "back to 5.0 after the batch's 6.0");
        assert!(!index.is_new_after(&pending, &record(0, 5.0, 1)), "the log's own revision replayed");
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
