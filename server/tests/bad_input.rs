//! Bad input against the running binary and Apache Kafka: malformed price files and poison messages each get
//! a clear line in the log, the process stays up, and the good data before and after is kept.

mod support;

use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};
use support::*;

/// How long the producer or the consumer may take to report a bad input.
const REPORTED: Duration = Duration::from_secs(15);

/// An entry of the sample with fields replaced: `{"price":…,"startDate":…,"endDate":…}` as text.
fn entry(price: &str, start: &str, end: &str) -> String {
    format!(r#"{{"prices":[{{"price":{price},"startDate":{start},"endDate":{end}}}]}}"#)
}

const START: &str = r#""2026-01-03T10:00:00.000Z""#;
const END: &str = r#""2026-01-03T10:14:59.999Z""#;

/// A broker, and `price-monitor all` on a topic of its own with the sample's 192 prices in the CSV.
async fn app_with_the_sample(name: &str) -> (Broker, tempfile::TempDir, server::config::Config, AppProcess) {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), name, &[]);
    write_price_file(&config, sample());
    let app = AppProcess::start(&config);
    wait_for_rows(&config, 192, Duration::from_secs(90)).await;
    (broker, dir, config, app)
}

/// Price files that are not, or not wholly, price files: each is a name and the bytes.
fn malformed_files() -> Vec<(&'static str, Vec<u8>)> {
    let sample = sample();
    let text = |name, s: &str| (name, s.as_bytes().to_vec());
    let mut deep = "[".repeat(300);
    deep.push_str(&"]".repeat(300));
    vec![
        text("empty", ""),
        text("only white space", " \n\t\n"),
        ("truncated", sample.as_bytes()[..sample.len() / 2].to_vec()),
        text("plain text", "hello, prices"),
        text("an HTML error page", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        ("binary", (0..=255u8).cycle().take(4096).collect()),
        ("100 MB", vec![b'x'; 100 * 1024 * 1024]),
        ("only a byte-order mark", b"\xEF\xBB\xBF".to_vec()),
        ("invalid UTF-8", b"{\"prices\":[{\"price\":1.0,\"startDate\":\"\xff\xfe\"}]}".to_vec()),
        text("a top-level array", r#"[{"price":1.0}]"#),
        text("a number", "42"),
        text("no prices field", "{}"),
        text("another field", r#"{"data":[]}"#),
        text("prices null", r#"{"prices":null}"#),
        text("prices an object", r#"{"prices":{}}"#),
        text("prices a string", r#"{"prices":"none"}"#),
        text("entries not objects", r#"{"prices":[1,2,3]}"#),
        text("nested 300 deep", &deep),
        ("trailing garbage", format!("{sample}garbage").into_bytes()),
        ("a comment", format!("// today's prices\n{sample}").into_bytes()),
        text("price NaN", &entry("NaN", START, END)),
        text("price 1e400", &entry("1e400", START, END)),
        text("price -1e400", &entry("-1e400", START, END)),
        text("price a string", &entry(r#""12.5""#, START, END)),
        text("price null", &entry("null", START, END)),
        text(
            "price missing",
            r#"{"prices":[{"startDate":"2026-01-03T10:00:00.000Z","endDate":"2026-01-03T10:14:59.999Z"}]}"#,
        ),
        text("startDate missing", r#"{"prices":[{"price":1.0,"endDate":"2026-01-03T10:14:59.999Z"}]}"#),
        text("endDate missing", r#"{"prices":[{"price":1.0,"startDate":"2026-01-03T10:00:00.000Z"}]}"#),
        text("a date without a zone", &entry("1.0", r#""2026-01-03T10:00:00""#, END)),
        text("a date in words", &entry("1.0", r#""yesterday""#, END)),
        text("a date as a number", &entry("1.0", "1767434400000", END)),
        text("start equal to end", &entry("1.0", START, START)),
        text("start after end", &entry("1.0", END, START)),
        text("a 1 MB string", &entry(&format!("\"{}\"", "9".repeat(1 << 20)), START, END)),
        // The sample's own price first (so nothing is new), then another one for the same slot.
        text(
            "one slot twice with two prices",
            &format!(
                r#"{{"prices":[{{"price":10.29,"startDate":{START},"endDate":{END}}},{{"price":99.0,"startDate":{START},"endDate":{END}}}]}}"#
            ),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_price_files_are_each_reported_and_the_good_data_stays() {
    let (_broker, _dir, config, mut app) = app_with_the_sample("badfiles").await;
    let csv_before = std::fs::read_to_string(&config.csv_path).unwrap();
    let path = config.price_file.display().to_string();

    let files = malformed_files();
    assert!(files.len() >= 30, "{} files", files.len());
    for (name, bytes) in files {
        let from = app.logged();
        write_price_file(&config, &bytes);
        let reported = app.lines_after(from, 1, REPORTED, |l| l.contains(" WARN ") && l.contains(&path)).await;
        eprintln!("{name}: {}", reported[0].split_once(" WARN ").unwrap().1);
        assert!(reported[0].len() < 500, "{name}: one short line, not the input: {} bytes", reported[0].len());
        assert!(app.is_running(), "{name}: the process stays up");
        assert_eq!(csv_rows(&config), 192, "{name}: nothing written");
    }
    assert!(std::fs::read_to_string(&config.csv_path).unwrap().starts_with(&csv_before), "the good rows are kept");

    // A good file after them all, with a byte-order mark as a Windows editor writes it: its change arrives.
    let changed = change_prices(&sample(), &["2026-01-03T06:00:00.000Z"]);
    write_price_file(&config, [b"\xEF\xBB\xBF".as_slice(), changed.as_bytes()].concat());
    wait_for_rows(&config, 193, Duration::from_secs(30)).await;
    app.stop_cleanly("price-monitor");
}

/// A price record as a message value: a slot in 2030, which no test file has.
const GOOD_RECORD: &str = r#"{"timestamp":"2026-01-03T09:00:00Z","price":5.0,"startDate":"2030-01-01T00:00:00.000Z","endDate":"2030-01-01T00:14:59.999Z","source":"electricity-price-monitor"}"#;

/// Message values that are not price records: the good record spoilt, or something else altogether.
fn poison_messages() -> Vec<(&'static str, Option<Vec<u8>>)> {
    let good = GOOD_RECORD;
    let bytes = |s: &str| Some(s.as_bytes().to_vec());
    vec![
        ("no value", None),
        ("an empty value", bytes("")),
        ("null", bytes("null")),
        ("binary", Some((0..=255u8).collect())),
        ("almost 1 MB of text", Some(vec![b'x'; 999_000])),
        ("another schema", bytes(r#"{"foo":1}"#)),
        ("an array", bytes("[1,2,3]")),
        ("price NaN", bytes(&good.replace("5.0", "NaN"))),
        ("price 1e400", bytes(&good.replace("5.0", "1e400"))),
        ("price a string", bytes(&good.replace("5.0", "\"5.0\""))),
        ("price null", bytes(&good.replace("5.0", "null"))),
        ("start after end", bytes(&good.replace("2030-01-01T00:00:00.000Z", "2030-01-01T01:00:00.000Z"))),
        ("start equal to end", bytes(&good.replace("2030-01-01T00:14:59.999Z", "2030-01-01T00:00:00.000Z"))),
        ("no timestamp", bytes(&good.replace(r#""timestamp":"2026-01-03T09:00:00Z","#, ""))),
        ("a date without a zone", bytes(&good.replace("2030-01-01T00:00:00.000Z", "2030-01-01T00:00:00"))),
        ("truncated", bytes(&good[..good.len() / 2])),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_messages_are_each_reported_and_skipped_and_the_next_good_one_lands() {
    let (_broker, _dir, config, app) = app_with_the_sample("poison").await;

    let raw: FutureProducer = server::pipeline::kafka::client_config(&config).create().unwrap();
    let poison = poison_messages();
    assert!(poison.len() >= 15);
    let from = app.logged();
    for (name, value) in &poison {
        let record = FutureRecord::<str, [u8]>::to(&config.topic).key(*name);
        let record = match value {
            Some(value) => record.payload(value.as_slice()),
            None => record,
        };
        raw.send(record, Duration::from_secs(10)).await.unwrap_or_else(|(e, _)| panic!("{name}: {e}"));
    }
    raw.send(FutureRecord::to(&config.topic).key("good").payload(GOOD_RECORD), Duration::from_secs(10)).await.unwrap();

    let skipped = app.lines_after(from, poison.len(), REPORTED, |l| l.contains("not a price record")).await;
    for line in &skipped {
        eprintln!("{}", line.split_once(" WARN ").map_or(line.as_str(), |(_, l)| l));
        assert!(line.contains("offset=") && line.len() < 500, "{line}");
    }
    wait_for_rows(&config, 193, Duration::from_secs(30)).await;
    assert!(
        std::fs::read_to_string(&config.csv_path)
            .unwrap()
            .contains(",2030-01-01T00:00:00.000Z,2030-01-01T00:14:59.999Z,")
    );
    app.stop_cleanly("price-monitor");
}
