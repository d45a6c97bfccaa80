//! `/healthz` and `/readyz`: whether the process is alive, and whether it can do its job right now.
//!
//! Liveness is only "the server answers", so that an orchestrator restarts a process that hangs and not one
//! whose broker is away (a restart would not bring the broker back). Readiness checks what the dashboard and
//! the pipeline need, each check on its own, and says which failed.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use axum::{Json, http::StatusCode};
use chrono::{DateTime, Utc};
use rdkafka::consumer::{BaseConsumer, Consumer};
use serde::Serialize;

use app::query::now::Current;

use crate::pipeline::kafka::{self, KafkaContext};

/// How long `/readyz` waits for Kafka's answer: probes of orchestrators time out after a few seconds.
const KAFKA_TIMEOUT: Duration = Duration::from_secs(2);

/// What `/readyz` checks besides the data.
#[derive(Clone)]
pub struct Checks {
    csv_path: PathBuf,
    /// Whether this process writes the CSV (the consumer runs here) or only reads it.
    writes_csv: bool,
    /// Kafka, when the producer or the consumer runs in this process.
    kafka: Option<KafkaProbe>,
}

impl Checks {
    /// For a dashboard that reads a CSV log someone else writes: Kafka is not its business.
    pub fn reader(csv_path: impl Into<PathBuf>) -> Self {
        Self { csv_path: csv_path.into(), writes_csv: false, kafka: None }
    }

    /// For a process that also runs the pipeline: it must reach Kafka and be able to write the CSV.
    pub fn pipeline(csv_path: impl Into<PathBuf>, kafka: KafkaProbe) -> Self {
        Self { csv_path: csv_path.into(), writes_csv: true, kafka: Some(kafka) }
    }
}

/// A Kafka client kept for asking the cluster about the topic.
#[derive(Clone)]
pub struct KafkaProbe {
    client: Arc<BaseConsumer<KafkaContext>>,
    topic: String,
}

impl KafkaProbe {
    pub fn new(client: BaseConsumer<KafkaContext>, topic: &str) -> Self {
        Self { client: Arc::new(client), topic: topic.to_owned() }
    }

    /// Whether the cluster answers with the topic and a leader for each of its partitions.
    async fn check(&self) -> Check {
        let probe = self.clone();
        // The metadata request blocks: keep it off the async threads.
        let answer = tokio::task::spawn_blocking(move || {
            let answer = probe.client.fetch_metadata(Some(&probe.topic), KAFKA_TIMEOUT);
            kafka::serve_callbacks(&probe.client);
            let metadata = answer?;
            Ok::<_, rdkafka::error::KafkaError>(metadata.topics().iter().any(|t| {
                t.name() == probe.topic
                    && t.error().is_none()
                    && !t.partitions().is_empty()
                    && t.partitions().iter().all(|p| p.leader() >= 0)
            }))
        })
        .await;
        let context = self.client.context();
        if matches!(answer, Ok(Ok(_))) {
            context.answered();
        }
        match answer {
            Ok(Ok(true)) => Check::pass(format!("topic {} has a leader for every partition", self.topic)),
            Ok(Ok(false)) => {
                Check::fail(format!("topic {} is missing or has a partition without a leader", self.topic))
            }
            Ok(Err(e)) => match context.problem() {
                // Why it does not answer, when a login or a certificate was refused.
                Some(problem) => Check::fail(problem),
                None => Check::fail(format!("Kafka did not answer within {} s: {e}", KAFKA_TIMEOUT.as_secs())),
            },
            Err(e) => Check::fail(format!("asking Kafka failed: {e}")),
        }
    }
}

/// One check's outcome.
#[derive(Debug, Serialize)]
pub struct Check {
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn pass(detail: String) -> Self {
        Self { ok: true, detail }
    }

    fn fail(detail: String) -> Self {
        Self { ok: false, detail }
    }
}

/// The body of `/readyz`.
#[derive(Debug, Serialize)]
pub struct Readiness {
    pub ready: bool,
    /// The names of the checks that failed.
    pub failed: Vec<&'static str>,
    pub checks: BTreeMap<&'static str, Check>,
}

/// `GET /healthz`: the server answers.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: 200 when every check passes, else 503; the JSON body says which failed and why.
pub async fn readyz(checks: &Checks, data: Result<Current, String>) -> (StatusCode, Json<Readiness>) {
    let mut results = BTreeMap::new();
    if let Some(kafka) = &checks.kafka {
        results.insert("kafka", kafka.check().await);
    }
    results.insert("csv", csv_check(&checks.csv_path, checks.writes_csv));
    results.insert("data", data_check(data));
    let failed: Vec<&'static str> = results.iter().filter(|(_, c)| !c.ok).map(|(name, _)| *name).collect();
    let ready = failed.is_empty();
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Readiness { ready, failed, checks: results }))
}

/// The log can be appended to (without writing anything), or created in its folder; or, for a reader, opened.
fn csv_check(path: &Path, writes: bool) -> Check {
    let outcome = if !writes {
        std::fs::File::open(path).map(drop).map(|()| "readable")
    } else if path.exists() {
        std::fs::OpenOptions::new().append(true).open(path).map(drop).map(|()| "writable")
    } else {
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        tempfile::tempfile_in(folder).map(drop).map(|()| "not there yet, and its folder is writable")
    };
    match outcome {
        Ok(what) => Check::pass(format!("{} is {what}", path.display())),
        Err(e) => Check::fail(format!("{}: {e}", path.display())),
    }
}

/// Fresh data: a known price for the current slot.
fn data_check(current: Result<Current, String>) -> Check {
    let current = match current {
        Ok(current) => current,
        Err(e) => return Check::fail(format!("reading the CSV log failed: {e}")),
    };
    if let Some(slot) = &current.slot {
        return Check::pass(format!("the price now is {} c/kWh", slot.price));
    }
    let now = current.now;
    Check::fail(match current.prices_end {
        _ if current.total_slots == 0 => "no prices yet".to_owned(),
        Some(end) if end <= now => {
            format!("no price for now ({}): the known prices end at {}", rfc3339(now), rfc3339(end))
        }
        _ => format!("no price for now ({}): a gap in the known prices", rfc3339(now)),
    })
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
