//! The pipeline's health as the producer and the consumer report it, for the dashboard in the same process.

use std::sync::{Arc, Mutex};

use app::query::status::{ConsumerStatus, PipelineStatus, ProducerStatus, SourceStatus, StatusSource};

/// What the producer and the consumer say of themselves, for the dashboard in the same process.
#[derive(Debug, Default)]
pub struct StatusBoard {
    status: Mutex<PipelineStatus>,
}

impl StatusBoard {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    fn update(&self, f: impl FnOnce(&mut PipelineStatus)) {
        f(&mut self.status.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    }

    pub fn snapshot(&self) -> PipelineStatus {
        self.status.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// What the server functions call for the status.
    pub fn source(self: &Arc<Self>) -> StatusSource {
        let board = self.clone();
        Arc::new(move || board.snapshot())
    }

    pub fn kafka_reachable(&self, reachable: bool) {
        self.update(|s| s.kafka_reachable = Some(reachable));
    }

    pub fn producer(&self, f: impl FnOnce(&mut ProducerStatus)) {
        self.update(|s| f(s.producer.get_or_insert_with(ProducerStatus::default)));
    }

    /// Makes the consumer known to the dashboard before it has anything to report.
    pub fn register_consumer(&self) {
        self.consumer(|_| ());
    }

    pub fn consumer(&self, f: impl FnOnce(&mut ConsumerStatus)) {
        self.update(|s| f(s.consumer.get_or_insert_with(ConsumerStatus::default)));
    }

    /// What the fetcher says of each price source.
    pub fn sources(&self, sources: Vec<SourceStatus>) {
        self.update(|s| s.sources = sources);
    }
}
