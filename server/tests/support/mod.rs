//! Helpers for the integration tests: an Apache Kafka broker started through `scripts/kafka.sh` (the same
//! launcher people use), and the pipeline's parts running in this process against it.

#![allow(dead_code)]

pub mod receiver;

use std::{
    fs::File,
    net::{TcpListener, TcpStream},
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command},
    sync::Arc,
    time::{Duration, Instant},
};

use clap::Parser;
use server::{
    config::{Cli, Config},
    pipeline::status::StatusBoard,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a broker may take to accept connections: a JVM start on a busy 2-core machine, or the wait for
/// the controller to expire the registration of a broker that was killed.
const BROKER_START: Duration = Duration::from_secs(90);

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// A single-node Apache Kafka broker (`scripts/kafka.sh`) with its data in a folder of its own, killed on drop.
/// It can be stopped, killed and started again on the same data and ports.
pub struct Broker {
    child: Option<Child>,
    pub port: u16,
    controller_port: u16,
    data: tempfile::TempDir,
    /// A cluster node's options (its id, the voters, the cluster's id), or a secured broker's.
    node: Vec<String>,
    /// A secured broker's port for TLS with client certificates.
    pub mtls_port: Option<u16>,
}

impl Broker {
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Self {
        let mut broker = Self::new(port, free_port(), Vec::new());
        broker.restart();
        broker
    }

    fn new(port: u16, controller_port: u16, node: Vec<String>) -> Self {
        let data = tempfile::Builder::new().prefix("kafka-").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        Self { child: None, port, controller_port, data, node, mtls_port: None }
    }

    /// A broker as `scripts/kafka.sh --secure` runs it: SASL_SSL with SCRAM logins on `port`, TLS with a client
    /// certificate required on `mtls_port`; its CA, client certificate and passwords in [`Self::secure_dir`].
    pub fn start_secure() -> Self {
        let mut broker = Self::new(free_port(), free_port(), Vec::new());
        let mtls_port = free_port();
        let secure = broker.secure_dir().display().to_string();
        broker.node = vec!["--secure".into(), secure, "--mtls-port".into(), mtls_port.to_string()];
        broker.mtls_port = Some(mtls_port);
        broker.restart();
        broker
    }

    /// Where a secured broker keeps what clients need: `ca.crt`, `client.crt`, `client.key`, `monitor.password`.
    pub fn secure_dir(&self) -> PathBuf {
        self.data.path().join("secure")
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The broker's own log (its standard output and error, every start).
    pub fn log_path(&self) -> PathBuf {
        self.data.path().join("broker.log")
    }

    /// Starts the broker on its data and ports, and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.spawn();
        self.wait_until_listening();
    }

    /// Starts the broker on its data and ports.
    fn spawn(&mut self) {
        assert!(self.child.is_none(), "the broker is running");
        let log = File::options().create(true).append(true).open(self.log_path()).unwrap();
        let mut command = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/kafka.sh"));
        command
            .args(["--port", &self.port.to_string(), "--controller-port", &self.controller_port.to_string()])
            .arg("--data")
            .arg(self.data.path().join("kafka"))
            .args(&self.node)
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        // SAFETY: prctl is async-signal-safe. It makes the broker die with the test thread that started it, so
        // a test process that is killed leaves no JVM behind.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        self.child = Some(command.spawn().expect("cannot run scripts/kafka.sh"));
    }

    /// The broker's process id (the JVM's: scripts/kafka.sh execs it).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the broker is running").id()
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + BROKER_START;
        while !listening(self.port) {
            if let Some(status) = self.child.as_mut().expect("started").try_wait().unwrap() {
                panic!("scripts/kafka.sh exited with {status}:\n{}", self.log_tail());
            }
            assert!(Instant::now() < deadline, "Kafka did not listen within {BROKER_START:?}:\n{}", self.log_tail());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the broker as SIGTERM does, cleanly, and waits for it to exit.
    pub fn stop(&mut self) {
        let mut child = self.child.take().expect("the broker is running");
        let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        child.wait().unwrap();
        self.wait_until_closed();
    }

    /// Kills the broker with SIGKILL: no shutdown, whatever it had not written is as a crash leaves it.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("the broker is running");
        child.kill().unwrap();
        child.wait().unwrap();
        self.wait_until_closed();
    }

    fn wait_until_closed(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while listening(self.port) {
            assert!(Instant::now() < deadline, "port {} still open after the broker exited", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A KRaft cluster of nodes (each a broker and a controller, `scripts/kafka.sh --node-id …`) on loopback
/// ports, each node a [`Broker`] that can be killed and restarted on its own.
pub struct Cluster {
    pub nodes: Vec<Broker>,
}

impl Cluster {
    pub fn start(nodes: usize) -> Self {
        let ports: Vec<(u16, u16)> = (0..nodes).map(|_| (free_port(), free_port())).collect();
        let voters: Vec<String> =
            ports.iter().enumerate().map(|(i, (_, controller))| format!("{}@127.0.0.1:{controller}", i + 1)).collect();
        // Any 22-character base64url id will do; every node of a cluster is formatted with the same one.
        let cluster_id = "cHJpY2UtbW9uaXRvci10ZQ";
        let mut nodes: Vec<Broker> = ports
            .iter()
            .enumerate()
            .map(|(i, &(port, controller))| {
                let node =
                    ["--node-id", &(i + 1).to_string(), "--voters", &voters.join(","), "--cluster-id", cluster_id];
                Broker::new(port, controller, node.map(str::to_owned).to_vec())
            })
            .collect();
        // All at once: a node waits for a majority of the controllers.
        nodes.iter_mut().for_each(Broker::spawn);
        nodes.iter_mut().for_each(Broker::wait_until_listening);
        Self { nodes }
    }

    pub fn bootstrap(&self) -> String {
        self.nodes.iter().map(Broker::bootstrap).collect::<Vec<_>>().join(",")
    }

    /// The node with this broker id (1-based).
    pub fn node(&mut self, id: i32) -> &mut Broker {
        &mut self.nodes[id as usize - 1]
    }
}

/// `price-monitor all` as a process of its own (the binary cargo built for these tests), its log collected
/// line by line. Killed on drop.
pub struct AppProcess {
    child: Child,
    /// Where its dashboard listens (`all` and `serve`).
    pub addr: String,
    lines: Arc<std::sync::Mutex<Vec<String>>>,
}

impl AppProcess {
    /// Starts `price-monitor all` with `config`'s options, the dashboard on a free port.
    pub fn start(config: &Config) -> Self {
        Self::start_part(config, "all")
    }

    /// Starts `price-monitor <part>` (`all`, `produce`, `consume`) with `config`'s options.
    pub fn start_part(config: &Config, part: &str) -> Self {
        Self::start_with(config, part, &[])
    }

    /// Starts `price-monitor <part>` with `config`'s options and `extra` ones.
    pub fn start_with(config: &Config, part: &str, extra: &[&str]) -> Self {
        let addr = format!("127.0.0.1:{}", free_port());
        // The benchmark runs the binary cargo-leptos built (the page needs its settings); tests, cargo's, which
        // has no site files to serve.
        let (binary, site) = match std::env::var("PRICE_MONITOR_BIN") {
            Ok(binary) => (binary, None),
            Err(_) => (env!("CARGO_BIN_EXE_price-monitor").to_owned(), Some("--without-site")),
        };
        let mut child = Command::new(binary)
            .arg(part)
            .args(site)
            .args(extra)
            .args(["--bootstrap-servers", &config.bootstrap_servers, "--topic", &config.topic])
            .args(["--group-id", &config.group_id, "--addr", &addr])
            .args(config.group_instance_id.iter().flat_map(|id| ["--group-instance-id", id]))
            .arg("--price-file")
            .arg(&config.price_file)
            .arg("--csv")
            .arg(&config.csv_path)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("starting price-monitor");
        let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self { child, addr, lines }
    }

    /// `GET path` from its dashboard: the status code and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        http(&self.addr, &format!("GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr))
    }

    /// `POST path` of a form to its dashboard, as the page calls a server function: the status and the body.
    pub fn post_form(&self, path: &str, form: &str) -> (u16, String) {
        http(&self.addr, &form_post(&self.addr, path, form))
    }

    /// How many lines it has logged so far.
    pub fn logged(&self) -> usize {
        self.lines.lock().unwrap().len()
    }

    /// The lines logged after the first `from` that satisfy `wanted`, once there are `count` of them; fails
    /// after `within`.
    pub async fn lines_after(
        &self,
        from: usize,
        count: usize,
        within: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> Vec<String> {
        let deadline = Instant::now() + within;
        loop {
            let found: Vec<String> = self.lines.lock().unwrap()[from..].iter().filter(|l| wanted(l)).cloned().collect();
            if found.len() >= count {
                return found;
            }
            let all = self.lines.lock().unwrap()[from..].join("\n");
            assert!(Instant::now() < deadline, "expected {count} matching line(s) within {within:?}, got:\n{all}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it still runs.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGKILL: no shutdown at all.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Checks that it still runs, then that SIGTERM stops it with exit status 0.
    pub fn stop_cleanly(mut self, what: &str) {
        assert!(self.is_running(), "{what} stays up until it is stopped");
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{what}: SIGTERM stops it cleanly, not with {status}");
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `request` to `addr` and reads the answer: its status code and body. HTTP/1.0, so that the answer is
/// not chunked and ends when the server closes the connection.
pub fn http(addr: &str, request: &str) -> (u16, String) {
    try_http(addr, request).unwrap_or_else(|e| panic!("{addr}: {e}"))
}

/// The text of an HTTP/1.0 request that posts `form` to `path`, as the page calls a server function.
pub fn form_post(addr: &str, path: &str, form: &str) -> String {
    let length = form.len();
    format!(
        "POST {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {length}\r\n\r\n{form}"
    )
}

/// [`http`], with a failure to connect or read as an error rather than a panic.
pub fn try_http(addr: &str, request: &str) -> std::io::Result<(u16, String)> {
    use std::io::{Error, Read, Write};
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").ok_or_else(|| Error::other("not an HTTP answer"))?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| Error::other("no status"))?;
    Ok((status, body.to_owned()))
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
        Self::spawn(config, server::pipeline::producer::run)
    }

    pub fn consumer(config: &Config) -> Self {
        Self::spawn(config, server::pipeline::consumer::run)
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

    /// The messages a consumer has read (and written or skipped), price records or not.
    pub fn messages_read(&self) -> u64 {
        self.status.snapshot().consumer.map_or(0, |c| c.messages_read)
    }

    /// Waits until a consumer has read `count` messages; fails after `within`.
    pub async fn wait_until_read(&self, count: u64, within: Duration) {
        let deadline = Instant::now() + within;
        while self.messages_read() < count {
            assert!(Instant::now() < deadline, "{} of {count} messages read within {within:?}", self.messages_read());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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

/// A producer and a consumer on a topic and group of their own, the sample file written and its 192 prices in
/// the CSV.
pub struct SamplePipeline {
    pub dir: tempfile::TempDir,
    pub config: Config,
    pub producer: Part,
    pub consumer: Part,
}

impl SamplePipeline {
    pub async fn start(bootstrap: &str, name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), bootstrap, name, &[]);
        write_price_file(&config, sample());
        let producer = Part::producer(&config);
        let consumer = Part::consumer(&config);
        wait_for_rows(&config, 192, Duration::from_secs(90)).await;
        Self { dir, config, producer, consumer }
    }
}

/// The offset the consumer group committed on the topic's partition 0, and the partition's end.
pub fn committed_and_end(config: &Config) -> (i64, i64) {
    use rdkafka::{
        Offset, TopicPartitionList,
        consumer::{BaseConsumer, Consumer},
    };
    let group: BaseConsumer =
        server::pipeline::kafka::client_config(config).set("group.id", &config.group_id).create().unwrap();
    let mut partition = TopicPartitionList::new();
    partition.add_partition(&config.topic, 0);
    tokio::task::block_in_place(|| {
        // The group's coordinator may move while the broker settles (NotCoordinator): ask again for a while.
        let deadline = Instant::now() + Duration::from_secs(30);
        let committed = loop {
            match group.committed_offsets(partition.clone(), Duration::from_secs(30)) {
                Ok(committed) => break committed,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("asking for the group's offsets again: {e}");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => panic!("the group's offsets: {e}"),
            }
        };
        let committed = match committed.find_partition(&config.topic, 0).unwrap().offset() {
            Offset::Offset(offset) => offset,
            _ => 0, // nothing committed yet
        };
        let (_, end) = group.fetch_watermarks(&config.topic, 0, Duration::from_secs(30)).expect("the watermarks");
        (committed, end)
    })
}

/// Waits until the consumer group has committed every message of the topic's partition 0; its offset then.
pub async fn wait_until_committed(config: &Config, within: Duration) -> i64 {
    let deadline = Instant::now() + within;
    loop {
        let (committed, end) = committed_and_end(config);
        if committed == end {
            return committed;
        }
        assert!(Instant::now() < deadline, "committed {committed} of {end} messages within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
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
    std::fs::read_to_string(server::pipeline::price_file::SAMPLE).unwrap()
}

/// `content` with the prices of the slots starting at `starts` (exact startDate strings) raised by 1.25.
pub fn change_prices(content: &str, starts: &[&str]) -> String {
    let mut value: serde_json::Value = serde_json::from_str(content).unwrap();
    let mut changed = 0;
    for entry in value["prices"].as_array_mut().unwrap() {
        if starts.contains(&entry["startDate"].as_str().unwrap()) {
            entry["price"] = serde_json::json!(entry["price"].as_f64().unwrap() + 1.25);
            changed += 1;
        }
    }
    assert_eq!(changed, starts.len());
    serde_json::to_string_pretty(&value).unwrap()
}

/// Writes `content` to the price file the way a downloader would: a temporary file renamed over it.
pub fn write_price_file(config: &Config, content: impl AsRef<[u8]>) {
    let tmp = config.price_file.with_extension("json.tmp");
    std::fs::write(&tmp, content).unwrap();
    std::fs::rename(&tmp, &config.price_file).unwrap();
}

/// A price file in porssisahko.net's shape: quarter-hours from `first` until `end` (UTC), each at `price(n)`
/// for the `n`th of them (from 0), ending as porssisahko.net v2 ends a slot, a millisecond before the next.
pub fn quarters_file(
    first: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
    price: impl Fn(usize) -> f64,
) -> String {
    use app::records::price::slot_time_text;
    let quarter = chrono::Duration::minutes(15);
    let entries: Vec<String> = std::iter::successors(Some(first), |start| Some(*start + quarter))
        .take_while(|start| *start < end)
        .enumerate()
        .map(|(n, start)| {
            format!(
                r#"{{"price":{},"startDate":"{}","endDate":"{}"}}"#,
                price(n),
                slot_time_text(start),
                slot_time_text(start + quarter - chrono::Duration::milliseconds(1))
            )
        })
        .collect();
    format!(r#"{{"prices":[{}]}}"#, entries.join(","))
}

/// A price file of `slots` quarter-hours from `first` (UTC), each price distinct: `base + i / 1000`; and each
/// slot's start as the file writes it, with its price.
pub fn price_file(first: chrono::DateTime<chrono::Utc>, slots: usize, base: f64) -> (String, Vec<(String, f64)>) {
    let price = |i: usize| ((base + i as f64 / 1000.0) * 1000.0).round() / 1000.0;
    let end = first + chrono::Duration::minutes(15 * slots as i64);
    let expected = (0..slots)
        .map(|i| {
            let start = first + chrono::Duration::minutes(15 * i as i64);
            (app::records::price::slot_time_text(start), price(i))
        })
        .collect();
    (quarters_file(first, end, price), expected)
}

/// A CSV log of `rows` quarter-hours, the last day of them after now, written as the consumer writes rows.
pub fn write_log(path: &Path, rows: usize) {
    use chrono::DurationRound;
    use std::io::Write;
    let rows = rows as i64;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "{}", app::records::csv_log::HEADER).unwrap();
    let now = chrono::Utc::now().duration_trunc(chrono::Duration::minutes(15)).unwrap();
    let first = now - chrono::Duration::minutes(15 * (rows - 96));
    let received = app::records::price::slot_time_text(now - chrono::Duration::hours(2));
    for i in 0..rows {
        let start = first + chrono::Duration::minutes(15 * i);
        let end = start + chrono::Duration::milliseconds(15 * 60_000 - 1);
        let price = (i % 3000) as f64 / 100.0 - 5.0;
        let (start, end) = (app::records::price::slot_time_text(start), app::records::price::slot_time_text(end));
        writeln!(out, "{received},{price},{start},{end},electricity-price-monitor").unwrap();
    }
    out.flush().unwrap();
}

/// Waits until something accepts connections at `addr`.
pub async fn wait_until_listening(addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "nothing listens at {addr}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A fixed-offset zone where it is now about noon, so that neither the cheap hour nor the test's three minutes
/// cross a midnight: which day is "tomorrow" does not depend on when the test runs.
pub fn zone_at_noon() -> chrono_tz::Tz {
    let offset = 12 - chrono::Timelike::hour(&chrono::Utc::now()) as i32;
    // IANA's Etc zones have the sign reversed: Etc/GMT-3 is three hours ahead of UTC.
    let name = match offset {
        0 => "Etc/GMT".to_owned(),
        ahead if ahead > 0 => format!("Etc/GMT-{ahead}"),
        behind => format!("Etc/GMT+{}", -behind),
    };
    name.parse().unwrap()
}
