//! The server's view of a CSV log (the prices', the metered energy's): followed incrementally and kept in
//! memory, shared by every request. It answers no question itself: the modules beside it do, each from the log
//! it hands them.
//!
//! A request first reads what the consumer appended since the last one (it may be another process), then
//! works on the slots it needs only: its cost grows with what it asks, not with the history kept.

use std::{path::PathBuf, sync::Mutex};

use crate::records::{
    csv_log::{CsvLogError, CsvTail, Logged},
    energy::EnergyRecord,
    price::PriceRecord,
};

/// A CSV log as the dashboard sees it: followed as it grows, shared by every request.
#[derive(Debug)]
pub struct LogStore<R: Logged> {
    tail: Mutex<CsvTail<R>>,
}

/// The price log's store.
pub type PriceStore = LogStore<PriceRecord>;
/// The metered energy log's store.
pub type EnergyStore = LogStore<EnergyRecord>;

impl<R: Logged> LogStore<R> {
    pub fn new(csv_path: impl Into<PathBuf>) -> Self {
        Self { tail: Mutex::new(CsvTail::follow(csv_path)) }
    }

    /// Catches up with what the consumer appended, then runs `f` on the log: one question, one consistent
    /// state of the log.
    pub fn read<T>(&self, f: impl FnOnce(&CsvTail<R>) -> T) -> Result<T, CsvLogError> {
        // A panic while holding the lock leaves the tail consistent: refresh only advances after a full read.
        let mut tail = self.tail.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        tail.refresh()?;
        Ok(f(&tail))
    }
}
