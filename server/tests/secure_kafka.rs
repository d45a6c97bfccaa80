//! The pipeline against a secured Apache Kafka, as `scripts/kafka.sh --secure` runs it: SASL_SSL with SCRAM
//! users on one port, TLS with a client certificate required on another. The right login carries the sample's
//! 192 prices exactly once; a wrong password, an unknown user, a CA not given, a plaintext client and a missing
//! client certificate are each said in one sentence in the log and by `/readyz`, while the process stays up and
//! retries; with the login fixed and the app restarted, every price arrives. No secret is ever printed: not in
//! the log, `/readyz`, the page or `/metrics`.

mod support;

use std::{path::Path, time::Duration};

use support::{AppProcess, Broker, assert_rows_stay, config, sample, wait_for_rows, write_price_file};

/// How long a refused connection may take to be said: librdkafka connects at once, and the JVM of a busy
/// machine answers the first TLS handshake slowly.
const SAID_WITHIN: Duration = Duration::from_secs(60);

/// The options of a SCRAM-SHA-512 login as `user` with the password in `password_file`, trusting `ca` if given.
fn sasl(user: &str, password_file: &Path, ca: Option<&Path>) -> Vec<String> {
    let mut args: Vec<String> =
        ["--kafka-security-protocol", "SASL_SSL", "--kafka-sasl-mechanism", "SCRAM-SHA-512"].map(String::from).into();
    args.extend(["--kafka-sasl-username".into(), user.into(), "--kafka-sasl-password-file".into()]);
    args.push(password_file.display().to_string());
    if let Some(ca) = ca {
        args.extend(["--kafka-ssl-ca".into(), ca.display().to_string()]);
    }
    args
}

/// A config of its own for `name`, in a folder of its own under `work`.
fn place(work: &Path, bootstrap: &str, name: &str) -> server::config::Config {
    let dir = work.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    config(&dir, bootstrap, name, &[])
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Starts `all` with `security` against `bootstrap`, waits for the log line that contains `said`, and checks
/// that it is said once, that `/readyz` fails with it, that the process stays up, and that `secrets` appear
/// nowhere. Returns the process, still running.
async fn refused(config: &server::config::Config, security: &[String], said: &str, secrets: &[&str]) -> AppProcess {
    let app = AppProcess::start_with(config, "all", &refs(security));
    let lines = app.lines_after(0, 1, SAID_WITHIN, |line| line.contains(said)).await;
    // Producer, consumer, admin and probe meet the same refusal: one line says it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let log = app.log();
    assert_eq!(log.matches(said).count(), 1, "said once:\n{log}");
    assert!(lines[0].contains("retrying"), "{}", lines[0]);
    let deadline = std::time::Instant::now() + SAID_WITHIN;
    let ready = loop {
        let (status, body) = app.get("/readyz");
        assert_eq!(status, 503, "{body}");
        if body.contains(said) || std::time::Instant::now() > deadline {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(ready.contains(said), "/readyz says why: {ready}");
    // The page's pipeline panel and /metrics say how Kafka fares too: never with a secret.
    let (page, metrics) = (app.get("/").1, app.get("/metrics").1);
    for secret in secrets {
        for (what, text) in [("the log", &log), ("/readyz", &ready), ("the page", &page), ("/metrics", &metrics)] {
            assert!(!text.contains(secret), "a secret was printed in {what}:\n{text}");
        }
    }
    app
}

#[tokio::test(flavor = "multi_thread")]
async fn the_right_login_carries_every_price_once_and_each_wrong_one_is_named() {
    let broker = Broker::start_secure();
    let secure = broker.secure_dir();
    let (ca, password_file) = (secure.join("ca.crt"), secure.join("monitor.password"));
    let password = std::fs::read_to_string(&password_file).unwrap().trim().to_owned();
    let work = tempfile::tempdir().unwrap();
    let wrong_file = work.path().join("wrong.password");
    std::fs::write(&wrong_file, "not-the-password-4711\n").unwrap();
    let secrets = [password.as_str(), "not-the-password-4711"];

    // A wrong password: said, retried, and nothing lost.
    let first = place(work.path(), &broker.bootstrap(), "secure");
    write_price_file(&first, sample());
    let wrong = sasl("monitor", &wrong_file, Some(&ca));
    let app = refused(&first, &wrong, "refused the SASL credentials for user monitor (SCRAM-SHA-512)", &secrets).await;
    assert_eq!(support::csv_rows(&first), 0);
    app.stop_cleanly("the app with a wrong password");

    // The password fixed and the app restarted: the 192 prices the first run could not send, once.
    let app = AppProcess::start_with(&first, "all", &refs(&sasl("monitor", &password_file, Some(&ca))));
    wait_for_rows(&first, 192, Duration::from_secs(90)).await;
    assert_rows_stay(&first, 192, Duration::from_secs(3)).await;
    // Kafka is fine now; the data are not (the sample is from January).
    let (_, ready) = app.get("/readyz");
    let ready: serde_json::Value = serde_json::from_str(&ready).unwrap();
    assert_eq!(ready["checks"]["kafka"]["ok"], true, "{ready}");
    let log = app.log();
    assert!(!log.contains(&password), "the password is never printed:\n{log}");
    app.stop_cleanly("the app with the right login");

    // An unknown user: Kafka does not say which of the two is wrong, and neither can we.
    let other = place(work.path(), &broker.bootstrap(), "unknown-user");
    let unknown = sasl("nobody", &password_file, Some(&ca));
    refused(&other, &unknown, "refused the SASL credentials for user nobody (SCRAM-SHA-512)", &secrets).await;

    // No CA given: the system's certificates do not know the broker's.
    let other = place(work.path(), &broker.bootstrap(), "no-ca");
    let said = "is not trusted by the system's CA certificates (KAFKA_SSL_CA_LOCATION is not set)";
    refused(&other, &sasl("monitor", &password_file, None), said, &secrets).await;

    // A plaintext client at the TLS port.
    let other = place(work.path(), &broker.bootstrap(), "plaintext");
    refused(&other, &[], "it may want TLS (KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL), not PLAINTEXT", &secrets).await;

    // Mutual TLS: without a client certificate, refused; with one, the prices arrive.
    let mtls = format!("127.0.0.1:{}", broker.mtls_port.unwrap());
    let tls: Vec<String> = ["--kafka-security-protocol", "SSL", "--kafka-ssl-ca"].map(String::from).into();
    let mut tls = tls;
    tls.push(ca.display().to_string());
    let other = place(work.path(), &mtls, "mtls");
    refused(&other, &tls, "asks for a client certificate", &secrets).await;
    write_price_file(&other, sample());
    let mut with_certificate = tls.clone();
    with_certificate.extend(["--kafka-ssl-certificate".into(), secure.join("client.crt").display().to_string()]);
    with_certificate.extend(["--kafka-ssl-key".into(), secure.join("client.key").display().to_string()]);
    let app = AppProcess::start_with(&other, "all", &refs(&with_certificate));
    wait_for_rows(&other, 192, Duration::from_secs(90)).await;
    app.stop_cleanly("the app with a client certificate");
}

#[test]
fn secrets_stay_out_of_help_and_contradicting_options_stop_the_start() {
    let binary = env!("CARGO_BIN_EXE_price-monitor");
    let help = std::process::Command::new(binary)
        .arg("--help")
        .env("KAFKA_SASL_PASSWORD", "hunter2-in-the-environment")
        .env("KAFKA_PROPERTIES", "sasl.oauthbearer.client.secret=other-hunter2")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--kafka-sasl-password-file"), "{help}");
    assert!(!help.contains("hunter2"), "{help}");

    let dir = tempfile::tempdir().unwrap();
    let start = std::process::Command::new(binary)
        .args(["consume", "--kafka-security-protocol", "SASL_SSL", "--kafka-sasl-mechanism", "PLAIN"])
        .args(["--kafka-sasl-password", "hunter2-on-the-line", "--csv"])
        .arg(dir.path().join("prices.csv"))
        .output()
        .unwrap();
    assert!(!start.status.success());
    let said = String::from_utf8_lossy(&start.stderr);
    assert!(said.contains("needs KAFKA_SASL_USERNAME") && !said.contains("hunter2"), "{said}");
}
