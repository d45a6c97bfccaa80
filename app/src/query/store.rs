//! The server's view of the CSV log: followed incrementally and kept in memory, shared by every request. It
//! answers no question itself: the modules beside it do, each from the log it hands them.
//!
//! A request first reads what the consumer appended since the last one (it may be another process), then
//! works on the slots it needs only: its cost grows with what it asks, not with the history kept.

use std::{path::PathBuf, sync::Mutex};

use crate::records::csv_log::{CsvLogError, CsvTail};

/// The CSV log as the dashboard sees it: followed as it grows, shared by every request.
#[derive(Debug)]
pub struct PriceStore {
    tail: Mutex<CsvTail>,
}

impl PriceStore {
    pub fn new(csv_path: impl Into<PathBuf>) -> Self {
        Self { tail: Mutex::new(CsvTail::new(csv_path)) }
    }

    /// Catches up with what the consumer appended, then runs `f` on the log: one question, one consistent
    /// state of the log.
    pub fn read<T>(&self, f: impl FnOnce(&CsvTail) -> T) -> Result<T, CsvLogError> {
        // A panic while holding the lock leaves the tail consistent: refresh only advances after a full read.
        let mut tail = self.tail.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        tail.refresh()?;
        Ok(f(&tail))
    }
}
