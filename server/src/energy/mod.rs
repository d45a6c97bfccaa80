//! The household's metered energy, the pipeline's second stream: a Datahub export (or a plain CSV) read into
//! intervals (`datahub`).

pub mod datahub;
