//! The server's view of the CSV log: followed incrementally and kept in memory, shared by every request.

use std::{path::PathBuf, sync::Mutex};

use crate::{
    csv_log::{CsvLogError, CsvTail},
    price::PriceRecord,
};

#[derive(Debug)]
pub struct PriceStore {
    tail: Mutex<CsvTail>,
}

impl PriceStore {
    pub fn new(csv_path: impl Into<PathBuf>) -> Self {
        Self { tail: Mutex::new(CsvTail::new(csv_path)) }
    }

    /// Catches up with what the consumer appended (it may be another process), then runs `f` on the log.
    fn with_fresh<T>(&self, f: impl FnOnce(&CsvTail) -> T) -> Result<T, CsvLogError> {
        // A panic while holding the lock leaves the tail consistent: refresh only advances after a full read.
        let mut tail = self.tail.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        tail.refresh()?;
        Ok(f(&tail))
    }

    /// The latest revision of every slot, oldest first.
    pub fn history(&self) -> Result<Vec<PriceRecord>, CsvLogError> {
        self.with_fresh(|tail| tail.index().iter().cloned().collect())
    }
}
