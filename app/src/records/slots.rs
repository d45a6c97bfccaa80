//! The revisions of each price slot: the latest one of every slot, and the earlier ones of revised slots.
//!
//! The CSV is a log: a slot whose price was revised appears once per revision. The consumer asks this index
//! whether a message adds anything (its dedupe), and the dashboard reads the latest revision of each slot.
//!
//! Which record is a new revision is the rule of [`crate::records::revision`]: here the key is the slot, the
//! value its price.

use std::{borrow::Cow, collections::HashMap};

use chrono::{DateTime, Duration, Utc};

use crate::records::{
    price::{PriceRecord, SOURCE},
    revision::{self, Revisions},
};

/// One revision before the latest of its slot: enough to recognise it when it is read again.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Earlier {
    price: f64,
    timestamp: DateTime<Utc>,
}

/// The latest revision of a slot in 40 bytes, so that a million slots take 40 MB: the end as a length, the
/// source as a number.
#[derive(Clone, Copy, Debug)]
struct Slot {
    price: f64,
    start: DateTime<Utc>,
    timestamp: DateTime<Utc>,
    /// Milliseconds from start to end, or [`Slot::ODD_LENGTH`] when that is not a whole number of them (the end
    /// is then in [`SlotIndex::odd_ends`]).
    length_ms: u32,
    /// Index in [`SlotIndex::sources`].
    source: u32,
}

impl Slot {
    const ODD_LENGTH: u32 = u32::MAX;
}

/// The latest revision of every slot, and the earlier revisions of those that were revised.
#[derive(Clone, Debug)]
pub struct SlotIndex {
    /// Sorted by start, one per slot; appending a later slot, the usual case, costs no move.
    latest: Vec<Slot>,
    /// Only revised slots have an entry here, so an unrevised history costs nothing extra.
    earlier: HashMap<DateTime<Utc>, Vec<Earlier>>,
    /// The ends of slots whose length is not a whole number of milliseconds (none of this system's).
    odd_ends: HashMap<DateTime<Utc>, DateTime<Utc>>,
    /// Every source the records name; [`SOURCE`] first.
    sources: Vec<Cow<'static, str>>,
}

impl Default for SlotIndex {
    fn default() -> Self {
        Self { latest: Vec::new(), earlier: HashMap::new(), odd_ends: HashMap::new(), sources: vec![SOURCE.into()] }
    }
}

impl SlotIndex {
    /// Whether `record` is a revision the index does not have yet (see the module's rule).
    pub fn is_new(&self, record: &PriceRecord) -> bool {
        self.is_new_after(&SlotIndex::default(), record)
    }

    /// Whether `record` is new to this index followed by `pending`, the revisions about to be added to it.
    pub fn is_new_after(&self, pending: &SlotIndex, record: &PriceRecord) -> bool {
        let latest = pending.get(record.start_date).or_else(|| self.get(record.start_date));
        let known = self.contains(record) || pending.contains(record);
        revision::adds_a_revision(known, latest.map(|latest| latest.same_price(record)))
    }

    /// Where the slot starting at `start` is in `latest` (`Ok`), or would go (`Err`). A slot after the last,
    /// the consumer's usual case, is answered without a search.
    fn find(&self, start: DateTime<Utc>) -> Result<usize, usize> {
        match self.latest.last() {
            Some(last) if last.start < start => Err(self.latest.len()),
            _ => self.latest.binary_search_by_key(&start, |slot| slot.start),
        }
    }

    /// The latest revision of the slot starting at `start`.
    fn get(&self, start: DateTime<Utc>) -> Option<PriceRecord> {
        let i = self.find(start).ok()?;
        Some(self.record(&self.latest[i]))
    }

    /// Whether this exact record (slot, price, timestamp) is one of the slot's revisions.
    fn contains(&self, record: &PriceRecord) -> bool {
        let exact = |price: f64, timestamp: DateTime<Utc>| price == record.price && timestamp == record.timestamp;
        let latest = self.find(record.start_date).ok();
        latest.is_some_and(|i| exact(self.latest[i].price, self.latest[i].timestamp))
            || self
                .earlier
                .get(&record.start_date)
                .is_some_and(|earlier| earlier.iter().any(|e| exact(e.price, e.timestamp)))
    }

    /// Records `record` as the latest revision of its slot.
    pub fn insert(&mut self, record: PriceRecord) {
        let slot = self.compact(record);
        match self.find(slot.start) {
            Ok(i) => {
                let previous = std::mem::replace(&mut self.latest[i], slot);
                let earlier = Earlier { price: previous.price, timestamp: previous.timestamp };
                self.earlier.entry(previous.start).or_default().push(earlier);
            }
            Err(i) => self.latest.insert(i, slot),
        }
    }

    fn compact(&mut self, record: PriceRecord) -> Slot {
        let length = record.end_date - record.start_date;
        let length_ms = match u32::try_from(length.num_milliseconds()) {
            Ok(ms) if ms != Slot::ODD_LENGTH && Duration::milliseconds(ms.into()) == length => ms,
            _ => {
                self.odd_ends.insert(record.start_date, record.end_date);
                Slot::ODD_LENGTH
            }
        };
        let source = match self.sources.iter().position(|s| *s == record.source) {
            Some(i) => i,
            None => {
                self.sources.push(record.source);
                self.sources.len() - 1
            }
        };
        Slot {
            price: record.price,
            start: record.start_date,
            timestamp: record.timestamp,
            length_ms,
            source: source as u32,
        }
    }

    fn record(&self, slot: &Slot) -> PriceRecord {
        let end = match slot.length_ms {
            Slot::ODD_LENGTH => self.odd_ends[&slot.start],
            ms => slot.start + Duration::milliseconds(ms.into()),
        };
        PriceRecord {
            timestamp: slot.timestamp,
            price: slot.price,
            start_date: slot.start,
            end_date: end,
            source: self.sources[slot.source as usize].clone(),
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
    pub fn range(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> impl Iterator<Item = PriceRecord> + '_ {
        let first = self.latest.partition_point(|slot| slot.start < from);
        let end = self.latest.partition_point(|slot| slot.start < to).max(first);
        self.latest[first..end].iter().map(|slot| self.record(slot))
    }

    /// Latest revisions of the slots starting at or after `from`, oldest first.
    pub fn since(&self, from: DateTime<Utc>) -> impl DoubleEndedIterator<Item = PriceRecord> + '_ {
        self.slots_since(from).iter().map(|slot| self.record(slot))
    }

    /// The start and latest price of the slots starting at or after `from`, oldest first: what the figures
    /// need, without making whole records.
    pub fn prices_since(&self, from: DateTime<Utc>) -> impl Iterator<Item = (DateTime<Utc>, f64)> + '_ {
        self.slots_since(from).iter().map(|slot| (slot.start, slot.price))
    }

    fn slots_since(&self, from: DateTime<Utc>) -> &[Slot] {
        &self.latest[self.latest.partition_point(|slot| slot.start < from)..]
    }

    /// The latest revision of the last slot starting at or before `t`.
    pub fn last_by(&self, t: DateTime<Utc>) -> Option<PriceRecord> {
        let i = self.latest.partition_point(|slot| slot.start <= t);
        self.latest[..i].last().map(|slot| self.record(slot))
    }

    pub fn first(&self) -> Option<PriceRecord> {
        self.latest.first().map(|slot| self.record(slot))
    }

    pub fn last(&self) -> Option<PriceRecord> {
        self.latest.last().map(|slot| self.record(slot))
    }

    /// Latest revisions of every slot, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = PriceRecord> + '_ {
        self.latest.iter().map(|slot| self.record(slot))
    }
}

impl Revisions<PriceRecord> for SlotIndex {
    fn is_new_after(&self, pending: &Self, record: &PriceRecord) -> bool {
        SlotIndex::is_new_after(self, pending, record)
    }

    fn insert(&mut self, record: PriceRecord) {
        SlotIndex::insert(self, record);
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
    fn a_slot_is_held_in_40_bytes_and_reads_back_exactly() {
        assert_eq!(std::mem::size_of::<Slot>(), 40);
        let mut index = SlotIndex::default();
        let ours = record(0, 5.0, 1);
        let start = Utc.with_ymd_and_hms(2026, 1, 3, 11, 0, 0).unwrap();
        let odd = PriceRecord {
            source: "another-program".into(),
            ..PriceRecord::new(start, -1.5, start, start + chrono::Duration::nanoseconds(3_600_000_000_001))
        };
        let hour = PriceRecord::new(start, 2.0, start + chrono::Duration::hours(1), start + chrono::Duration::hours(2));
        for r in [&ours, &odd, &hour] {
            index.insert(r.clone());
        }
        assert_eq!(index.iter().collect::<Vec<_>>(), vec![ours, odd, hour]);
        assert_eq!(index.sources.len(), 2, "one copy of each source");
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
