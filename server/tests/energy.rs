//! The metered energy end to end on a real broker: `price-monitor import-energy` reads Datahub exports onto the
//! energy topic, and the consumer (`consume`) appends them to the energy log. Importing a file again adds
//! nothing, a corrected amount is one revision, a consumer killed while files are imported loses nothing and
//! writes nothing twice, and a bad file is refused whole with its line.

mod support;

use std::{path::Path, process::Output, time::Duration};

use support::{AppProcess, Broker, config};

const HEADER: &str =
    "Mittauspisteen tunnus;Tuotteen tyyppi;Resoluutio;Yksikkötyyppi;Lukeman tyyppi;Alkuaika;Määrä;Laatu";

/// A Datahub export of quarter hours from 22:00 UTC on 14 January 2026, one row per amount (`None`: missing).
fn export(amounts: &[Option<&str>]) -> String {
    let mut text = format!("\u{feff}{HEADER}\n");
    for (i, amount) in amounts.iter().enumerate() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-01-14T22:00:00Z").unwrap()
            + chrono::Duration::minutes(15 * i as i64);
        let start = start.to_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (amount, quality) = amount.map_or(("", "MISSING"), |a| (a, "OK"));
        text += &format!("643007572000123456;8716867000030;PT15M;kWh;BN01;{start};{amount};{quality}\n");
    }
    text
}

/// Runs `price-monitor import-energy` on `files` against `bootstrap`.
async fn import(bootstrap: &str, files: &[&Path], kind: &str) -> Output {
    let (bootstrap, kind) = (bootstrap.to_owned(), kind.to_owned());
    let files: Vec<_> = files.iter().map(|f| f.to_path_buf()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_price-monitor"))
            .arg("import-energy")
            .args(&files)
            .args(["--kind", &kind, "--bootstrap-servers", &bootstrap])
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn said(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

/// The energy log's data rows.
fn rows(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).map(|s| s.lines().skip(1).map(str::to_owned).collect()).unwrap_or_default()
}

/// Waits until the energy log has `count` rows; fails on more, or after a minute.
async fn wait_for(path: &Path, count: usize, app: &AppProcess) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let now = rows(path).len();
        assert!(now <= count, "expected {count} rows, the energy log has {now}:\n{}", app.log());
        if now == count {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "expected {count} rows, the energy log has {now}:\n{}",
            app.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn imported_energy_reaches_its_log_once_through_reimports_corrections_and_a_killed_consumer() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "energy", &[]);
    let log = dir.path().join("out/energy.csv");
    let consumption = dir.path().join("consumption.csv");
    let amounts = [Some("0,460000"), Some("0,512000"), None, Some("1,000000"), Some("0,250000")];
    std::fs::write(&consumption, export(&amounts)).unwrap();

    // Four intervals and one missing, which is said and not sent.
    let imported = import(&broker.bootstrap(), &[&consumption], "consumption").await;
    assert!(imported.status.success(), "{}", said(&imported));
    assert!(said(&imported).contains("4 intervals of consumption"), "{}", said(&imported));
    assert!(said(&imported).contains("1 marked missing"), "{}", said(&imported));
    let app = AppProcess::start_with(&config, "consume", &[]);
    wait_for(&log, 4, &app).await;
    let first = rows(&log);
    assert!(
        first[0].ends_with(",consumption,643007572000123456,2026-01-14T22:00:00Z,2026-01-14T22:15:00Z,0.46"),
        "{first:?}"
    );

    // The same file again: nothing new. One amount corrected: one revision.
    let again = import(&broker.bootstrap(), &[&consumption], "consumption").await;
    assert!(again.status.success(), "{}", said(&again));
    let mut corrected = amounts;
    corrected[4] = Some("0,300000");
    std::fs::write(&consumption, export(&corrected)).unwrap();
    assert!(import(&broker.bootstrap(), &[&consumption], "consumption").await.status.success());
    wait_for(&log, 5, &app).await;
    assert!(rows(&log)[4].ends_with(",2026-01-14T23:00:00Z,2026-01-14T23:15:00Z,0.3"), "{:?}", rows(&log));

    // The consumer killed; production and the consumption again imported meanwhile; started again: each once.
    app.kill();
    let production = dir.path().join("production.csv");
    std::fs::write(&production, export(&[Some("0,100000"), Some("0,200000"), Some("0,000000")])).unwrap();
    let both = import(&broker.bootstrap(), &[&production, &consumption], "production").await;
    assert!(both.status.success(), "{}", said(&both));
    let app = AppProcess::start_with(&config, "consume", &[]);
    // The consumption file imported as production is production of its own: 3 + 4 intervals.
    wait_for(&log, 12, &app).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(rows(&log).len(), 12, "nothing twice after the restart:\n{}", app.log());
    let production_rows = rows(&log).iter().filter(|r| r.contains(",production,")).count();
    assert_eq!(production_rows, 7);

    // On standard input, as a container is handed a file (`docker compose exec -T app … /dev/stdin < file`).
    let (bootstrap, file) = (broker.bootstrap(), std::fs::File::open(&consumption).unwrap());
    let piped = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_price-monitor"))
            .args(["import-energy", "/dev/stdin", "--bootstrap-servers", &bootstrap])
            .stdin(file)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(piped.status.success() && said(&piped).contains("4 intervals of consumption"), "{}", said(&piped));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rows(&log).len(), 12, "the same readings again add nothing");

    // A bad file among good ones: refused whole, with its file and line; nothing is sent.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, export(&[Some("0,1"), Some("-0,5")])).unwrap();
    let refused = import(&broker.bootstrap(), &[&production, &bad], "production").await;
    assert!(!refused.status.success());
    let why = said(&refused);
    assert!(why.contains("bad.csv: line 3:") && why.contains("nothing was imported"), "{why}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rows(&log).len(), 12);
    assert_eq!(support::csv_rows(&config), 0, "the price log is apart from the energy's");
    app.stop_cleanly("the consumers");
}

/// A multipart form of `kind` and a file called `name` holding `bytes`, as a browser posts the upload form;
/// `headers` are added (where the form comes from).
fn upload(app: &AppProcess, kind: &str, name: &str, bytes: &[u8], headers: &str) -> (u16, String, String) {
    const BOUNDARY: &str = "----price-monitor-test";
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n--{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let head = format!(
        "POST /energy/import HTTP/1.0\r\nHost: {}\r\n{headers}Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {}\r\n\r\n",
        app.addr,
        body.len()
    );
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(&app.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    // A server that refuses early may close before the whole body is written.
    let _ = stream.write_all(&body);
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let location = head.lines().find_map(|l| l.strip_prefix("location: ")).unwrap_or_default().to_owned();
    (status, location, body.to_owned())
}

#[tokio::test]
async fn a_file_uploaded_on_the_page_is_imported_once_and_a_bad_or_foreign_one_is_refused_with_a_sentence() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &broker.bootstrap(), "upload", &[]);
    let log = dir.path().join("out/energy.csv");
    let app =
        AppProcess::start_with(&config, "all", &["--energy-topic", "energy-upload", "--energy-group-id", "upload"]);
    support::wait_until_listening(&app.addr).await;
    let file = export(&[Some("0,460000"), Some("0,512000"), None, Some("1,000000"), Some("0,250000")]);
    let same_origin = "Sec-Fetch-Site: same-origin\r\n";

    // Four intervals and one missing: the page is told so once the consumer has written them.
    let (status, location, _) = upload(&app, "consumption", "consumption.csv", file.as_bytes(), same_origin);
    assert_eq!((status, location.as_str()), (303, "/?imported=4&missing=1#energy"), "{}", app.log());
    assert_eq!(rows(&log).len(), 4, "written before the answer");
    // The same file again adds nothing; as production it is production of its own.
    let (_, again, _) = upload(&app, "consumption", "consumption.csv", file.as_bytes(), same_origin);
    assert_eq!(again, "/?imported=4&missing=1#energy");
    upload(&app, "production", "solar.csv", file.as_bytes(), same_origin);
    wait_for(&log, 8, &app).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rows(&log).iter().filter(|r| r.contains(",production,")).count(), 4);

    // A bad file: its name and line in the redirect, nothing imported. Another site's form: 403.
    let bad = export(&[Some("0,1"), Some("-0,5")]);
    let (status, location, _) = upload(&app, "consumption", "bad.csv", bad.as_bytes(), same_origin);
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/?import_error=bad.csv%3A+line+3%3A+") && location.ends_with("#energy"),
        "{location}"
    );
    let (status, _, body) = upload(&app, "consumption", "x.csv", file.as_bytes(), "Sec-Fetch-Site: cross-site\r\n");
    assert_eq!((status, body.as_str()), (403, "metering files are taken from this site's own page only"));
    let foreign = "Origin: http://elsewhere.example\r\n";
    assert_eq!(upload(&app, "consumption", "x.csv", file.as_bytes(), foreign).0, 403);
    // A file over the limit is refused before it is read; an unknown kind is named.
    let huge = vec![b'x'; server::web::upload::MAX_UPLOAD + 1];
    let (status, location, _) = upload(&app, "consumption", "huge.csv", &huge, same_origin);
    assert!(status == 303 && location.contains("larger+than+16+MB"), "{status} {location}");
    let (_, location, _) = upload(&app, "wind", "x.csv", file.as_bytes(), same_origin);
    assert!(location.contains("consumption+or+production"), "{location}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rows(&log).len(), 8, "nothing more was imported");
    // Every other route keeps its small bodies.
    let big_form = format!("hours={}", "9".repeat(server::web::guard::MAX_BODY));
    assert_eq!(app.post_form("/api/dashboard", &big_form).0, 413);
    app.stop_cleanly("the pipeline and the dashboard");
}
