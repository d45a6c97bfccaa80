//! The benchmark behind `scripts/bench.sh`: the release binary against Apache Kafka, each figure printed as
//! `BENCH-ROW|figure|measured|goal` for the script's table. Figures, not pass/fail timings: a test here fails
//! only when the thing measured does not work at all.
//!
//! `scripts/bench.sh` builds the site first and points `PRICE_MONITOR_BIN` at the binary cargo-leptos built,
//! since the page's files and settings come from that build.

mod support;

use std::{
    io::Write,
    path::Path,
    process::Command,
    sync::{Arc, Barrier},
    time::{Duration, Instant},
};

use app::{
    figures::format::DisplayZone,
    query::{history::HistoryCache, store::PriceStore, window},
};
use rdkafka::{
    Message,
    consumer::{BaseConsumer, Consumer},
    error::RDKafkaErrorCode,
    producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer},
};
use support::*;

const CHANGES: usize = 30;
/// Enough for the bare read to last half a second or more, the consumer's longer: a tenth of this was read in
/// 70 ms, within the noise.
const REVISIONS: usize = 1_000_000;

fn report(figure: &str, measured: impl std::fmt::Display, goal: &str) {
    println!("BENCH-ROW|{figure}|{measured}|{goal}");
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// p50 / p95 (or another quantile) / max of `times`.
fn quantile(times: &mut [Duration], q: f64) -> Duration {
    times.sort();
    times[((times.len() - 1) as f64 * q).round() as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by scripts/bench.sh"]
async fn change_to_csv_latency() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "latency", &[]);
    let mut json = sample();
    write_price_file(&config, &json);
    let app = AppProcess::start(&config);
    wait_for_rows(&config, 192, Duration::from_secs(90)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let starts: Vec<String> = {
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        value["prices"].as_array().unwrap().iter().map(|e| e["startDate"].as_str().unwrap().to_owned()).collect()
    };
    let mut times = Vec::new();
    for change in 0..CHANGES {
        json = change_prices(&json, &[&starts[change * 5]]);
        let len_before = std::fs::metadata(&config.csv_path).unwrap().len();
        let written = Instant::now();
        write_price_file(&config, &json);
        while std::fs::metadata(&config.csv_path).unwrap().len() == len_before {
            assert!(written.elapsed() < Duration::from_secs(30), "change {change} never reached the CSV");
            std::thread::sleep(Duration::from_micros(500));
        }
        times.push(written.elapsed());
        // Changes a person makes, not a stream: each one alone in the pipeline.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (p50, p95, max) = (quantile(&mut times, 0.5), quantile(&mut times, 0.95), quantile(&mut times, 1.0));
    report(
        &format!("change → CSV latency p50 / p95 / max ({CHANGES} changes)"),
        format!("{} / {} / {}", ms(p50), ms(p95), ms(max)),
        "p95 ≤ 100 ms",
    );
    app.stop_cleanly("price-monitor");
}

/// Puts `count` distinct price records on `topic`, as the producer would.
fn fill_topic(bootstrap: &str, topic: &str, count: usize) {
    let producer: ThreadedProducer<DefaultProducerContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .set("queue.buffering.max.messages", "200000")
        .create()
        .unwrap();
    let first = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z").unwrap().to_utc();
    // Stamped to the nanosecond, as the producer stamps what it reads (`Utc::now()`).
    let received = first + chrono::Duration::nanoseconds(957_675_123);
    for i in 0..count {
        let start = first + chrono::Duration::minutes(15 * i as i64);
        let record =
            app::PriceRecord::new(received, 1.0 + i as f64 / 1000.0, start, start + chrono::Duration::minutes(15));
        let payload = serde_json::to_vec(&record).unwrap();
        let key = app::records::price::slot_time_text(start);
        let mut record = BaseRecord::to(topic).key(&key).payload(&payload);
        // A full queue waits for the broker to take some: a million records outrun it.
        while let Err((e, unsent)) = producer.send(record) {
            assert!(matches!(e.rdkafka_error_code(), Some(RDKafkaErrorCode::QueueFull)), "{e}");
            std::thread::sleep(Duration::from_millis(10));
            record = unsent;
        }
    }
    producer.flush(Duration::from_secs(60)).unwrap();
}

/// How fast a reader went, and the CPU it and the broker used meanwhile.
struct Read {
    per_second: f64,
    /// The reader's CPU time per message, in µs.
    cpu_us: f64,
    /// The broker's CPU time over the same span, in cores.
    broker_cores: f64,
}

/// The CPU seconds a reader and the broker had used at an instant.
#[derive(Clone, Copy)]
struct CpuSample {
    reader: f64,
    broker: f64,
    at: Instant,
}

impl CpuSample {
    /// Now, for the reader `pid` and the broker `broker`.
    fn now(pid: u32, broker: u32) -> Self {
        Self { reader: cpu_seconds(pid), broker: cpu_seconds(broker), at: Instant::now() }
    }
}

impl Read {
    fn between(messages: usize, from: CpuSample, to: CpuSample) -> Self {
        let seconds = (to.at - from.at).as_secs_f64();
        Self {
            per_second: messages as f64 / seconds,
            cpu_us: (to.reader - from.reader) / messages as f64 * 1e6,
            broker_cores: (to.broker - from.broker) / seconds,
        }
    }
}

/// How fast a CSV grows to `rows`, from its first row to its last (the group join before the first row is not
/// the consumer's speed), and the CPU the consumer `pid` and the broker used meanwhile. Watches the file's
/// length, which costs the consumer nothing, and counts the rows once it has not grown for a second.
async fn csv_rate(config: &server::config::Config, rows: usize, pid: u32, broker: u32) -> Read {
    let header = app::records::csv_log::HEADER.len() as u64 + 1;
    let length = || std::fs::metadata(&config.csv_path).map_or(0, |m| m.len());
    let deadline = Instant::now() + Duration::from_secs(180);
    while length() <= header {
        assert!(Instant::now() < deadline, "no row arrived");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let (first_rows, first) = (csv_rows(config), CpuSample::now(pid, broker));
    let (mut last_length, mut last) = (length(), CpuSample::now(pid, broker));
    while last.at.elapsed() < Duration::from_millis(1000) {
        assert!(Instant::now() < deadline, "the rows stopped coming: {} of {rows}", csv_rows(config));
        tokio::time::sleep(Duration::from_millis(1)).await;
        if length() != last_length {
            (last_length, last) = (length(), CpuSample::now(pid, broker));
        }
    }
    assert_eq!(csv_rows(config), rows, "every revision is a row");
    Read::between(rows - first_rows, first, last)
}

/// How fast a bare librdkafka consumer reads `count` messages of `topic` from the start, and the CPU it
/// (this process, which does nothing else meanwhile) and the broker used.
fn bare_read(bootstrap: &str, topic: &str, count: usize, broker: u32) -> Read {
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "bench-ceiling")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    // Assigned, not subscribed: no group to join, just the partition read from its start.
    let mut partition = rdkafka::TopicPartitionList::new();
    partition.add_partition_offset(topic, 0, rdkafka::Offset::Beginning).unwrap();
    consumer.assign(&partition).unwrap();
    let mut read = 0;
    let mut since = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    while read < count {
        assert!(Instant::now() < deadline, "the bare consumer read only {read}");
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            since.get_or_insert_with(|| CpuSample::now(std::process::id(), broker));
            read += 1;
            std::hint::black_box(message.payload());
        }
    }
    Read::between(count - 1, since.unwrap(), CpuSample::now(std::process::id(), broker))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by scripts/bench.sh"]
async fn consumer_rows_per_second_beside_a_bare_read() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "throughput", &[]);
    let (status, shutdown) = (server::pipeline::status::StatusBoard::new(), tokio_util::sync::CancellationToken::new());
    server::pipeline::kafka::ensure_topic(&config, &status, &shutdown).await.unwrap();
    fill_topic(&broker.bootstrap(), &config.topic, REVISIONS);
    assert_eq!(committed_and_end(&config).1, REVISIONS as i64, "the topic holds every revision");
    // Each reader's first read is not measured, so that the broker has served it once: its JIT compilers take
    // most of a core for seconds after it starts, and a consumer in a group runs code the bare read does not (the
    // group's join, its offset commits). A consumer in a group and a log of its own reads the topic first. The JIT
    // compilers may still be busy during the measured reads; the broker's CPU printed beside them says how much.
    let warm_dir = tempfile::tempdir().unwrap();
    let mut warm = config.clone();
    (warm.group_id, warm.csv_path) = ("group-warm-up".to_owned(), warm_dir.path().join("warm-up.csv"));
    let warming = AppProcess::start_part(&warm, "consume");
    csv_rate(&warm, REVISIONS, warming.pid(), broker.pid()).await;
    warming.stop_cleanly("the consumer warming the broker");
    let bare = || bare_read(&broker.bootstrap(), &config.topic, REVISIONS, broker.pid());
    let ceiling = tokio::task::block_in_place(|| {
        bare();
        bare()
    });
    let consumer = AppProcess::start_part(&config, "consume");
    let read = csv_rate(&config, REVISIONS, consumer.pid(), broker.pid()).await;
    report(
        &format!("consumer rows/s, {REVISIONS} distinct revisions, commit after each flush (bare librdkafka read)"),
        format!(
            "{:.0} ({:.0}, {:.0} %)",
            read.per_second,
            ceiling.per_second,
            read.per_second / ceiling.per_second * 100.0
        ),
        "≥ 500 000 and ≥ 80 % of the bare read",
    );
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    report(
        &format!("CPU per message: consumer (bare read); the broker's meanwhile, of the machine's {cores} cores"),
        format!(
            "{:.2} µs ({:.2} µs); {:.2} cores ({:.2} cores)",
            read.cpu_us, ceiling.cpu_us, read.broker_cores, ceiling.broker_cores
        ),
        "—",
    );
    consumer.stop_cleanly("the consumer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by scripts/bench.sh"]
async fn publishing_a_10_000_slot_file() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "publish", &[]);
    let producer = AppProcess::start_part(&config, "produce");
    let from = producer.logged();
    producer.lines_after(from, 1, Duration::from_secs(90), |l| l.contains("topic")).await;
    let first = chrono::DateTime::parse_from_rfc3339("2031-01-01T00:00:00Z").unwrap().to_utc();
    let (json, _) = price_file(first, 10_000, 2.0);
    let from = producer.logged();
    let written = Instant::now();
    write_price_file(&config, json);
    producer.lines_after(from, 1, Duration::from_secs(120), |l| l.contains("is published")).await;
    let took = written.elapsed();
    let (_, end) = committed_and_end(&config);
    assert_eq!(end, 10_000, "every slot is on the topic");
    report("time to publish a 10 000-slot file (written → acknowledged)", ms(took), "—");
    producer.stop_cleanly("the producer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by scripts/bench.sh"]
async fn dashboard_server_function_by_history_length() {
    for rows in [10_000, 100_000, 1_000_000] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.csv");
        write_log(&path, rows);
        let store = PriceStore::new(&path);
        let now = chrono::Utc::now();
        store.read(|log| window::window(log, now, 1)).unwrap(); // the first load is not a refresh
        // "All" is the longest a request may ask for: 100 000 h, which is 400 000 of the million quarter-hours.
        for (range, hours) in [("48 h", 48), ("all", app::query::dashboard::MAX_HOURS)] {
            let mut bytes = 0;
            let mut times: Vec<Duration> = (0..40)
                .map(|_| {
                    let t = Instant::now();
                    let data = store
                        .read(|log| {
                            window::dashboard(log, now, DisplayZone::default(), hours, None, &Default::default())
                        })
                        .unwrap();
                    bytes = serde_json::to_vec(&data).unwrap().len();
                    t.elapsed()
                })
                .collect();
            let (p50, p99) = (quantile(&mut times, 0.5), quantile(&mut times, 0.99));
            report(
                &format!("`dashboard` p50 / p99, {rows} rows, {range} (answer size)"),
                format!("{} / {} ({} KB)", ms(p50), ms(p99), bytes / 1000),
                "≤ 20 ms, ≤ 200 KB",
            );
        }
        // The history panel reads every slot (the months of all history), every 5 minutes per page.
        let cache = HistoryCache::default();
        let mut bytes = 0;
        let mut times: Vec<Duration> = (0..10)
            .map(|_| {
                let t = Instant::now();
                let history =
                    store.read(|log| cache.history(log, now, DisplayZone::default(), &Default::default())).unwrap();
                bytes = serde_json::to_vec(&history).unwrap().len();
                t.elapsed()
            })
            .collect();
        // The first call computes it; the others find it kept, as page loads do until the log or the day changes.
        let computed = times.remove(0);
        report(
            &format!("`history`, {rows} rows: computed, then kept (p50) (answer size)"),
            format!("{}, then {} ({} KB)", ms(computed), ms(quantile(&mut times, 0.5)), bytes / 1000),
            "≤ 200 ms every 5 min, ≤ 50 KB",
        );
    }
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th of them.
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0 // USER_HZ
}

/// Resident memory of a process now, and at most so far, in MB.
fn rss_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb = |key: &str| -> f64 {
        let line = status.lines().find(|l| l.starts_with(key)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap()
    };
    (kb("VmRSS:") / 1000.0, kb("VmHWM:") / 1000.0)
}

/// `requests` GETs of `path` one after the other, brotli-compressed as a browser gets them; their p50 and p99.
fn sequential_gets(addr: &str, path: &str, requests: usize) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..requests)
        .map(|_| {
            let t = Instant::now();
            wire_bytes(addr, path);
            t.elapsed()
        })
        .collect();
    (quantile(&mut times, 0.5), quantile(&mut times, 0.99))
}

/// `viewers` dashboards, each calling the server function every 10 s, spread evenly, for `for_how_long`.
fn simulate_viewers(addr: &str, viewers: usize, for_how_long: Duration) -> usize {
    const THREADS: usize = 20;
    let every = Duration::from_secs(10).div_f64((viewers / THREADS) as f64);
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (addr, barrier) = (addr.to_owned(), barrier.clone());
            std::thread::spawn(move || {
                let request = form_post(&addr, "/api/dashboard", "hours=48");
                barrier.wait();
                let start = Instant::now();
                let mut failed = 0;
                for n in 1.. {
                    if !matches!(try_http(&addr, &request), Ok((200, _))) {
                        failed += 1;
                    }
                    let next = every * n;
                    if next >= for_how_long {
                        break;
                    }
                    std::thread::sleep(next.saturating_sub(start.elapsed()));
                }
                failed
            })
        })
        .collect();
    workers.into_iter().map(|w| w.join().unwrap()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by scripts/bench.sh"]
async fn the_server_under_a_thousand_viewers_at_a_million_rows() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "127.0.0.1:9", "viewers", &[]);
    write_log(&config.csv_path, 1_000_000);
    let app = AppProcess::start_part(&config, "serve");
    wait_until_listening(&app.addr).await;
    assert_eq!(app.post_form("/api/dashboard", "hours=48").0, 200);
    let (_, loaded_peak) = rss_mb(app.pid());

    let (p50, p99) = tokio::task::block_in_place(|| sequential_gets(&app.addr, "/", 200));
    report("SSR `GET /` p50 / p99 (1 000 000 rows, 48 h)", format!("{} / {}", ms(p50), ms(p99)), "—");

    let for_how_long = Duration::from_secs(30);
    let cpu_before = cpu_seconds(app.pid());
    let failed = tokio::task::block_in_place(|| simulate_viewers(&app.addr, 1000, for_how_long));
    let cpu = (cpu_seconds(app.pid()) - cpu_before) / for_how_long.as_secs_f64() * 100.0;
    let (rss, _) = rss_mb(app.pid());
    assert_eq!(failed, 0, "every viewer's request is answered");
    report(
        "1000 viewers refreshing every 10 s (1 000 000 rows): server CPU, RSS (peak while loading)",
        format!("{cpu:.1} % of a core, {rss:.0} MB ({loaded_peak:.0} MB)"),
        "< 10 % of a core; RSS ≤ 64 MB",
    );
    app.stop_cleanly("price-monitor serve");
}

/// The URLs of the scripts, styles and WebAssembly `page` loads (`src=` and `href=` of its own files, and the
/// WebAssembly its module script names).
fn loaded_urls(page: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attribute in ["src=\"", "href=\"", "module_or_path: '", "module_or_path:\""] {
        for (at, _) in page.match_indices(attribute) {
            let rest = &page[at + attribute.len()..];
            let url = &rest[..rest.find(['"', '\'']).unwrap_or(0)];
            let file = url.rsplit('/').next().unwrap_or("");
            if url.starts_with('/') && (file.ends_with(".js") || file.ends_with(".css") || file.ends_with(".wasm")) {
                urls.push(url.to_owned());
            }
        }
    }
    urls.sort();
    urls.dedup();
    urls
}

/// The body of `GET path` with brotli, as it travels: its size in bytes.
fn wire_bytes(addr: &str, path: &str) -> usize {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\nAccept-Encoding: br, gzip\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let head_end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&answer[..head_end]);
    assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{path}: {head}");
    answer.len() - head_end
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by scripts/bench.sh"]
async fn first_load_bytes_and_time_to_three_charts() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "127.0.0.1:9", "firstload", &[]);
    write_log(&config.csv_path, 10_000);
    let app = AppProcess::start_part(&config, "serve");
    wait_until_listening(&app.addr).await;
    let (status, page) = app.get("/");
    assert_eq!(status, 200);
    let urls = loaded_urls(&page);
    assert!(urls.iter().any(|u| u.ends_with(".wasm")) && urls.iter().any(|u| u.contains("echarts")), "{urls:?}");

    let mut by_type: Vec<(String, usize)> = vec![("html".into(), wire_bytes(&app.addr, "/"))];
    for url in &urls {
        let kind = url.rsplit('.').next().unwrap().to_owned();
        let bytes = wire_bytes(&app.addr, url);
        match by_type.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, total)) => *total += bytes,
            None => by_type.push((kind, bytes)),
        }
    }
    let total: usize = by_type.iter().map(|(_, b)| b).sum();
    let parts: Vec<String> = by_type.iter().map(|(k, b)| format!("{k} {:.0}", *b as f64 / 1000.0)).collect();
    report(
        "first-load bytes on the wire, brotli (KB by type)",
        format!("{:.0} KB ({})", total as f64 / 1000.0, parts.join(", ")),
        "≤ 400 KB",
    );

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/first-load.mjs");
    let output = Command::new("node").arg(script).arg(format!("http://{}/", app.addr)).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    report("time to three drawn charts in headless Chromium (median of 5 loads)", text.trim(), "≤ 400 ms");
    lighthouse(&format!("http://{}/", app.addr));
    app.stop_cleanly("price-monitor serve");
}

/// Lighthouse's performance and accessibility scores of the page at `url`, desktop preset, against Debian's
/// Chromium (`tools/lighthouse`, which scripts/bench.sh installs).
fn lighthouse(url: &str) {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/lighthouse/node_modules/.bin/lighthouse");
    let scores = if tool.exists() {
        let flags = "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking";
        let output = Command::new(&tool)
            .arg(url)
            .args(["--preset=desktop", "--only-categories=performance,accessibility", "--output=json"])
            .args(["--output-path=stdout", "--quiet", flags])
            .env("CHROME_PATH", "/usr/bin/chromium")
            .output()
            .unwrap();
        match serde_json::from_slice::<serde_json::Value>(&output.stdout) {
            Ok(report) => ["performance", "accessibility"].map(|category| {
                let score = report["categories"][category]["score"].as_f64();
                score.map_or_else(|| format!("no score: {}", report["runtimeError"]), |s| format!("{:.0}", s * 100.0))
            }),
            Err(_) => {
                ["no report", "no report"].map(|why| format!("{why}: {}", String::from_utf8_lossy(&output.stderr)))
            }
        }
    } else {
        ["not measured: tools/lighthouse is not installed".to_owned(), String::new()]
    };
    report("Lighthouse performance (desktop preset)", &scores[0], "≥ 95");
    report("Lighthouse accessibility (desktop preset)", &scores[1], "≥ 95");
}

/// A year of quarter-hour consumption (35 040 rows, 2025): imported with `import-energy` (time and peak
/// memory), through Kafka into the energy log (time), and priced for `/api/v1/cost` against a year of prices.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by scripts/bench.sh"]
async fn a_year_of_metered_energy_imported_and_priced() {
    use app::records::{csv_log::CsvLog, price::PriceRecord};
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "energybench", &[]);
    let first = chrono::DateTime::parse_from_rfc3339("2024-12-31T22:00:00Z").unwrap().to_utc();
    let quarters = 35_040;
    let quarter = chrono::Duration::minutes(15);
    let prices = (0..quarters).map(|i| {
        let start = first + quarter * i;
        PriceRecord::new(first, 2.0 + (i % 96) as f64 / 10.0, start, start + quarter)
    });
    CsvLog::open(&config.csv_path).unwrap().append_new(prices).unwrap();
    let mut file = String::from("start,kwh\n");
    for i in 0..quarters {
        file += &format!("{},{:.3}\n", (first + quarter * i).to_rfc3339(), 0.1 + (i % 7) as f64 / 20.0);
    }
    let path = dir.path().join("year.csv");
    std::fs::write(&path, file).unwrap();

    let binary = std::env::var("PRICE_MONITOR_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_price-monitor").into());
    let started = Instant::now();
    let mut import = Command::new(&binary)
        .args(["import-energy", path.to_str().unwrap(), "--bootstrap-servers", &broker.bootstrap()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut peak = 0.0f64;
    let status = loop {
        if let Some(status) = import.try_wait().unwrap() {
            break status;
        }
        // The peak so far (VmHWM), while the process is there to be read.
        let status = std::fs::read_to_string(format!("/proc/{}/status", import.id())).unwrap_or_default();
        let hwm = status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1));
        peak = peak.max(hwm.and_then(|kb| kb.parse::<f64>().ok()).map_or(0.0, |kb| kb / 1000.0));
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let imported = started.elapsed();
    assert!(status.success(), "the import failed");
    report(
        "a year of quarter-hour consumption (35 040 rows): import-energy, read and acknowledged",
        format!("{} ({peak:.0} MB peak)", ms(imported)),
        "—",
    );

    let consumer = AppProcess::start_with(&config, "consume", &[]);
    let log = config.csv_path.with_file_name("energy.csv");
    let written = Instant::now();
    while std::fs::read_to_string(&log).map_or(0, |s| s.lines().count().saturating_sub(1)) < quarters as usize {
        assert!(written.elapsed() < Duration::from_secs(120), "the energy log did not fill:\n{}", consumer.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    report(
        "the same, through Kafka into the energy log (consumer started after the import)",
        ms(written.elapsed()),
        "—",
    );
    consumer.stop_cleanly("the consumers");

    let server = AppProcess::start_with(&config, "serve", &[]);
    server.lines_after(0, 1, Duration::from_secs(60), |l| l.contains("dashboard at")).await;
    let asked = Instant::now();
    let (status, body) = server.get("/api/v1/cost?from=2025-01-01&to=2025-12-31");
    let priced = asked.elapsed();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"period\":\"2025-12\""), "{body}");
    let (rss, _) = rss_mb(server.pid());
    report(
        "the same, priced by the slot (/api/v1/cost for the year, first ask)",
        format!("{} (server {rss:.0} MB)", ms(priced)),
        "—",
    );
    server.stop_cleanly("the server");
}
