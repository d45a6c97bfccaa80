//! The records the pipeline carries and the logs they are kept in: the one price record and the index of each
//! slot's revisions, the household's metered energy and its index, the one dedupe rule both follow
//! (`revision`), the text of their times (`rfc3339`), a price's message and row on the consumer's hot path
//! (`price_text`), and the CSV log the consumers append to.

pub mod energy;
pub mod price;
pub mod revision;
pub mod rfc3339;
pub mod slots;

#[cfg(feature = "ssr")]
pub mod csv_log;
#[cfg(feature = "ssr")]
pub mod price_text;
