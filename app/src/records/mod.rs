//! The one price record and the log of records: the CSV the consumer appends to, and the index of each slot's
//! revisions it is read into.

pub mod price;
pub mod slots;

#[cfg(feature = "ssr")]
pub mod csv_log;
