//! docker-compose.yml and the Dockerfile cannot run here (no Docker engine): check what can be checked
//! without running them, against the binary's real options.

use std::collections::{BTreeMap, BTreeSet};

use clap::{CommandFactory, Parser};
use server::config::Cli;

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn compose() -> serde_norway::Value {
    serde_norway::from_str(&read("docker-compose.yml")).expect("docker-compose.yml is valid YAML")
}

/// The environment variables the binary reads its options from.
fn binary_env_vars() -> BTreeSet<String> {
    Cli::command()
        .get_arguments()
        .filter_map(|arg| arg.get_env())
        .map(|env| env.to_string_lossy().into_owned())
        .collect()
}

fn ports(service: &serde_norway::Value) -> Vec<String> {
    service["ports"].as_sequence().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect()
}

#[test]
fn compose_has_kafka_in_kraft_mode_kafka_ui_and_the_app_on_their_ports() {
    let compose = compose();
    let services = compose["services"].as_mapping().unwrap();
    let names: BTreeSet<&str> = services.keys().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(names, BTreeSet::from(["app", "kafka", "kafka-ui"]));

    let kafka = &compose["services"]["kafka"];
    assert!(kafka["image"].as_str().unwrap().starts_with("apache/kafka:"));
    assert_eq!(kafka["environment"]["KAFKA_PROCESS_ROLES"].as_str(), Some("broker,controller"), "KRaft mode");
    assert!(kafka["environment"].get("KAFKA_ZOOKEEPER_CONNECT").is_none());
    assert!(!names.contains("zookeeper"));
    assert_eq!(ports(kafka), ["9092:9092"]);

    assert_eq!(ports(&compose["services"]["kafka-ui"]), ["8080:8080"]);
    assert_eq!(
        compose["services"]["kafka-ui"]["environment"]["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"].as_str(),
        Some("kafka:19092")
    );

    let app = &compose["services"]["app"];
    assert_eq!(ports(app), ["8501:8501"]);
    assert_eq!(app["build"].as_str(), Some("."));
    assert_eq!(app["depends_on"]["kafka"]["condition"].as_str(), Some("service_healthy"));
    assert!(app["volumes"].as_sequence().unwrap().iter().any(|v| v.as_str() == Some("./data:/app/data")));
}

/// The Kafka version tools/kafka/pom.xml pins, the one place that names it.
fn pinned_kafka_version() -> String {
    let pom = read("tools/kafka/pom.xml");
    let (_, rest) = pom.split_once("<kafka.version>").expect("pom.xml has a kafka.version property");
    rest.split_once("</kafka.version>").unwrap().0.trim().to_owned()
}

#[test]
fn compose_runs_the_kafka_version_that_local_runs_and_tests_use() {
    let version = pinned_kafka_version();
    assert!(version.starts_with("4."), "Kafka 4.x, not {version}");
    assert_eq!(compose()["services"]["kafka"]["image"].as_str(), Some(format!("apache/kafka:{version}").as_str()));
}

/// `docker compose config -q` (or the older `docker-compose`) validates the file without an engine. Where
/// neither client is installed, this says so and the static checks above stand alone.
#[test]
fn docker_compose_config_accepts_the_file_where_a_client_is_installed() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let clients: [&[&str]; 2] = [&["docker", "compose"], &["docker-compose"]];
    for client in clients {
        let has_compose = std::process::Command::new(client[0])
            .args(&client[1..])
            .arg("version")
            .output()
            .is_ok_and(|out| out.status.success());
        if !has_compose {
            continue;
        }
        let out = std::process::Command::new(client[0])
            .args(&client[1..])
            .args(["config", "-q"])
            .current_dir(root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{client:?} config -q: {}", String::from_utf8_lossy(&out.stderr));
        eprintln!("{} config -q: valid", client.join(" "));
        return;
    }
    eprintln!("no docker compose client here: docker-compose.yml checked statically only");
}

#[test]
fn the_apps_environment_names_only_options_the_binary_has_with_valid_values() {
    let compose = compose();
    let env: BTreeMap<String, String> = compose["services"]["app"]["environment"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.as_str().expect("quoted string values").to_owned()))
        .collect();
    let known = binary_env_vars();
    for name in env.keys().filter(|name| name.as_str() != "RUST_LOG") {
        assert!(known.contains(name), "{name} is not an option of price-monitor (it has {known:?})");
    }
    for required in ["KAFKA_BOOTSTRAP_SERVERS", "PRICE_FILE", "CSV_PATH", "LEPTOS_SITE_ADDR"] {
        assert!(env.contains_key(required), "the app needs {required}");
    }
    // Inside a container the dashboard must listen on every interface, and Kafka is reached by service name.
    assert_eq!(env["LEPTOS_SITE_ADDR"], "0.0.0.0:8501");
    assert_eq!(env["KAFKA_BOOTSTRAP_SERVERS"], "kafka:19092");
    let advertised = compose["services"]["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"].as_str().unwrap();
    assert!(advertised.contains("//kafka:19092"), "{advertised}");

    // The binary accepts these values as they are.
    let mut args = vec!["price-monitor".to_owned()];
    let flags = Cli::command();
    for (name, value) in &env {
        if let Some(arg) = flags.get_arguments().find(|a| a.get_env().is_some_and(|e| e == name.as_str())) {
            args.push(format!("--{}", arg.get_long().unwrap()));
            args.push(value.clone());
        }
    }
    Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
}

#[test]
fn the_dockerfile_builds_with_cargo_leptos_and_runs_slim_as_non_root() {
    let dockerfile = read("Dockerfile");
    assert!(dockerfile.contains("cargo leptos build --release"));
    assert!(dockerfile.contains("--version 0.3.10"));
    assert!(dockerfile.contains("npm ci"), "ECharts comes from npm");
    let runtime = dockerfile.rsplit("\nFROM ").next().unwrap();
    assert!(runtime.starts_with("debian:bookworm-slim"), "{runtime}");
    assert!(runtime.contains("\nUSER monitor"));
    assert!(runtime.contains("EXPOSE 8501"));
    assert!(runtime.contains("CMD [\"/app/price-monitor\", \"all\"]"));
}
