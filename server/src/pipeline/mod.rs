//! The pipeline, in the order the prices take: the fetcher (its sources' formats in `sources`, or the sample)
//! writes the price file, the producer
//! reads it (`price_file`, its MD5 `fingerprint`) and sends each new or changed price to Kafka (`kafka`), and the
//! consumer writes what arrives to the CSV log. `status` is what the producer and the consumer report; `backoff`
//! how they wait after a failure.

pub mod backoff;
pub mod consumer;
pub mod fetch;
pub mod fingerprint;
pub mod kafka;
pub mod price_file;
pub mod producer;
pub mod sample;
pub mod sources;
pub mod status;
