//! The dedupe rule of every log this system keeps (the prices, the metered energy): when a record read from
//! Kafka adds a row.
//!
//! A record is a new revision when that exact record (its key, value and timestamp) is not in the log already
//! and its value differs from the key's latest one. No clock is compared: a producer whose clock stepped back
//! (NTP, a restored VM, a second producer on another host) still gets its revisions in. The first condition
//! makes a replay harmless: a consumer that reads the topic again from the start meets the old revisions of
//! revised keys, each of which is in the log already. The second keeps a value sent again (a restarted
//! producer sends its whole file, a household imports the same export twice) from adding a row.

/// The rule: `known`, the exact record is in the log; `same_as_latest`, whether its value equals its key's
/// latest one (`None`: the key is new).
pub fn adds_a_revision(known: bool, same_as_latest: Option<bool>) -> bool {
    !known && same_as_latest != Some(true)
}

/// The revisions of a log's keys, as the rule needs them: the latest of each, and the earlier ones to
/// recognise a replay.
pub trait Revisions<R>: Default + Clone + std::fmt::Debug {
    /// Whether `record` is new to this index followed by `pending`, the revisions about to be added to it.
    fn is_new_after(&self, pending: &Self, record: &R) -> bool;
    /// Records `record` as the latest revision of its key.
    fn insert(&mut self, record: R);
}

#[cfg(test)]
mod tests {
    use super::adds_a_revision;

    #[test]
    fn a_record_adds_a_row_only_when_it_is_neither_known_nor_the_same_as_the_latest() {
        assert!(adds_a_revision(false, None), "a new key");
        assert!(adds_a_revision(false, Some(false)), "a changed value");
        assert!(!adds_a_revision(false, Some(true)), "the same value sent again");
        assert!(!adds_a_revision(true, Some(false)), "an earlier revision replayed");
        assert!(!adds_a_revision(true, Some(true)), "the latest revision replayed");
    }
}
