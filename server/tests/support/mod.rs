//! Helpers for the integration tests: a `kafka-dev-broker` process on a free port, and the pipeline's parts
//! running in this process against it.

#![allow(dead_code)]

use std::{
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use clap::Parser;
use std::sync::Arc;

use server::{
    config::{Cli, Config},
    status::StatusBoard,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The broker binary: `$KAFKA_DEV_BROKER`, or `kafka-dev-broker` on PATH (scripts/setup.sh installs it).
fn broker_binary() -> PathBuf {
    std::env::var_os("KAFKA_DEV_BROKER").map(PathBuf::from).unwrap_or_else(|| "kafka-dev-broker".into())
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `kafka-dev-broker` process, killed on drop.
pub struct Broker {
    child: Child,
    pub port: u16,
}

impl Broker {
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Self {
        let child = Command::new(broker_binary())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {:?} ({e}): run scripts/setup.sh, or set KAFKA_DEV_BROKER to the binary",
                    broker_binary()
                )
            });
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "kafka-dev-broker did not listen on {port} within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port }
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A config for one test: its own topic, group, price file and CSV under `dir`.
pub fn config(dir: &Path, bootstrap: &str, name: &str, extra: &[&str]) -> Config {
    let price_file = dir.join("latest-prices.json");
    let csv = dir.join("out/electricity_prices.csv");
    let mut args = vec![
        "price-monitor".to_owned(),
        "--bootstrap-servers".into(),
        bootstrap.into(),
        "--topic".into(),
        format!("prices-{name}"),
        "--group-id".into(),
        format!("group-{name}"),
        "--price-file".into(),
        price_file.display().to_string(),
        "--csv".into(),
        csv.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    Cli::try_parse_from(args).unwrap().config
}

/// One part of the pipeline running as a task, stopped by `stop`.
pub struct Part {
    /// What the part reports of itself, as the dashboard would see it.
    pub status: Arc<StatusBoard>,
    token: CancellationToken,
    handle: JoinHandle<anyhow::Result<()>>,
}

impl Part {
    pub fn producer(config: &Config) -> Self {
        Self::spawn(config, server::producer::run)
    }

    pub fn consumer(config: &Config) -> Self {
        Self::spawn(config, server::consumer::run)
    }

    fn spawn<F>(config: &Config, run: fn(Config, Arc<StatusBoard>, CancellationToken) -> F) -> Self
    where
        F: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let token = CancellationToken::new();
        let status = StatusBoard::new();
        let handle = tokio::spawn(run(config.clone(), status.clone(), token.clone()));
        Self { status, token, handle }
    }

    /// Stops the part as Ctrl-C would, and checks that it stopped cleanly.
    pub async fn stop(self) {
        self.token.cancel();
        tokio::time::timeout(Duration::from_secs(30), self.handle)
            .await
            .expect("stopped within 30 s")
            .expect("did not panic")
            .expect("stopped without error");
    }
}

/// Data rows in the CSV (0 when it does not exist yet).
pub fn csv_rows(config: &Config) -> usize {
    std::fs::read_to_string(&config.csv_path).map(|s| s.lines().count().saturating_sub(1)).unwrap_or(0)
}

/// Waits until the CSV has `rows` data rows; fails on more, or on a timeout. Returns how long it took.
pub async fn wait_for_rows(config: &Config, rows: usize, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let now = csv_rows(config);
        assert!(now <= rows, "expected {rows} rows, the CSV has {now}");
        if now == rows {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "expected {rows} rows within {within:?}, the CSV has {now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Checks that the CSV still has `rows` rows after `settle`: nothing more arrives.
pub async fn assert_rows_stay(config: &Config, rows: usize, settle: Duration) {
    tokio::time::sleep(settle).await;
    assert_eq!(csv_rows(config), rows, "rows after settling {settle:?}");
}

/// The shipped sample file.
pub fn sample() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/latest-prices.json")).unwrap()
}

/// Writes `content` to the price file the way a downloader would: a temporary file renamed over it.
pub fn write_price_file(config: &Config, content: &str) {
    let tmp = config.price_file.with_extension("json.tmp");
    std::fs::write(&tmp, content).unwrap();
    std::fs::rename(&tmp, &config.price_file).unwrap();
}
