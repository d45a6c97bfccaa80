//! docker-compose.yml and the Dockerfile read as files, against the binary's real options: what the stack is
//! made of, and that it is closed by default. `scripts/compose-test.sh` builds and runs them for real.

use std::collections::{BTreeMap, BTreeSet};

use clap::{CommandFactory, Parser};
use server::config::Cli;

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A password for Kafka UI, which docker-compose.yml requires (`${KAFKA_UI_PASSWORD:?...}`) and has no default of.
const UI_PASSWORD: &str = "KAFKA_UI_PASSWORD=a-password-of-the-test";

/// `text` with Compose's variables replaced by those of `env` (an env file's `NAME=value` lines):
/// `${NAME:-default}`, and `${NAME:?message}`, which is an error where `env` lacks NAME.
fn substitute(text: &str, env: &str) -> Result<String, String> {
    let vars: BTreeMap<&str, &str> = env
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .collect();
    let mut text = text.to_owned();
    while let Some(start) = text.find("${") {
        let end = start + text[start..].find('}').expect("a closed ${...}");
        let inner = &text[start + 2..end];
        let value = if let Some((name, default)) = inner.split_once(":-") {
            vars.get(name).copied().unwrap_or(default).to_owned()
        } else if let Some((name, message)) = inner.split_once(":?") {
            vars.get(name).map(|v| v.to_string()).ok_or(format!("{name}: {message}"))?
        } else {
            panic!("${{{inner}}} has neither a default (:-) nor a message (:?)");
        };
        text.replace_range(start..=end, &value);
    }
    Ok(text)
}

/// docker-compose.yml as Compose reads it with the variables of `env` and Kafka UI's password: variables
/// replaced, and YAML merge keys (`<<: *anchor`) applied.
fn compose_with(env: &str) -> serde_norway::Value {
    let text = substitute(&read("docker-compose.yml"), &format!("{env}\n{UI_PASSWORD}")).unwrap();
    let mut compose: serde_norway::Value = serde_norway::from_str(&text).expect("docker-compose.yml is valid YAML");
    compose.apply_merge().unwrap();
    compose
}

/// The single-node stack: `docker compose up`.
fn compose() -> serde_norway::Value {
    compose_with("")
}

/// The services that run with `profiles` active (those without a profile always do).
fn enabled(compose: &serde_norway::Value, profiles: &[&str]) -> BTreeSet<String> {
    compose["services"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, service)| {
            service
                .get("profiles")
                .is_none_or(|p| p.as_sequence().unwrap().iter().any(|p| profiles.contains(&p.as_str().unwrap())))
        })
        .map(|(name, _)| name.as_str().unwrap().to_owned())
        .collect()
}

fn env_of(service: &serde_norway::Value) -> BTreeMap<String, String> {
    service["environment"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let value = v.as_str().map(str::to_owned).or_else(|| v.as_u64().map(|n| n.to_string()));
            (k.as_str().unwrap().to_owned(), value.expect("string or number values"))
        })
        .collect()
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
    let names = enabled(&compose, &[]);
    assert_eq!(names, BTreeSet::from(["app", "kafka", "kafka-ui"].map(String::from)));
    for name in &names {
        assert_eq!(compose["services"][name.as_str()]["restart"].as_str(), Some("unless-stopped"), "{name}");
    }

    let kafka = &compose["services"]["kafka"];
    assert!(kafka["image"].as_str().unwrap().starts_with("apache/kafka:"));
    assert_eq!(kafka["environment"]["KAFKA_PROCESS_ROLES"].as_str(), Some("broker,controller"), "KRaft mode");
    assert!(kafka["environment"].get("KAFKA_ZOOKEEPER_CONNECT").is_none());
    assert!(!names.contains("zookeeper"));
    assert_eq!(kafka["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"].as_str(), Some("1@kafka:9093"));
    assert_eq!(kafka["environment"]["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"].as_u64(), Some(1));
    assert_eq!(ports(kafka), ["127.0.0.1:9092:9092"]);

    let ui = &compose["services"]["kafka-ui"];
    assert_eq!(ui["image"].as_str(), Some("ghcr.io/kafbat/kafka-ui:v1.5.0"), "the maintained Kafka UI, pinned");
    assert_eq!(ports(ui), ["127.0.0.1:8080:8080"]);
    assert_eq!(
        compose["services"]["kafka-ui"]["environment"]["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"].as_str(),
        Some("kafka:19092")
    );

    let app = &compose["services"]["app"];
    assert_eq!(ports(app), ["127.0.0.1:8501:8501"]);
    assert_eq!(app["read_only"].as_bool(), Some(true), "it writes only its volume");
    assert_eq!(app["build"].as_str(), Some("."));
    assert_eq!(app["depends_on"]["kafka"]["condition"].as_str(), Some("service_healthy"));
    assert!(app["volumes"].as_sequence().unwrap().iter().any(|v| v.as_str() == Some("app-data:/app/data")));
    assert!(compose["volumes"].get("app-data").is_some(), "data/ is a named volume");
    let source = env_of(app)["SOURCE_URL"].clone();
    assert_eq!(source, "https://api.porssisahko.net/v2/latest-prices.json", "the app fetches the prices itself");
}

/// `docker compose --env-file cluster.env up`: three nodes that name each other as the controllers' quorum,
/// every topic replicated three times with two in sync, and the app and Kafka UI bootstrapping from all.
#[test]
fn the_cluster_profile_runs_three_kafka_nodes_that_form_one_quorum() {
    let env = read("cluster.env");
    assert!(env.lines().any(|l| l == "COMPOSE_PROFILES=cluster"));
    let compose = compose_with(&env);
    let names = enabled(&compose, &["cluster"]);
    assert_eq!(names, BTreeSet::from(["app", "kafka", "kafka-2", "kafka-3", "kafka-ui"].map(String::from)));

    let nodes = ["kafka", "kafka-2", "kafka-3"];
    let mut host_ports = BTreeSet::new();
    for (i, node) in nodes.iter().enumerate() {
        let service = &compose["services"][*node];
        let env = env_of(service);
        assert_eq!(env["KAFKA_NODE_ID"], (i + 1).to_string());
        assert_eq!(env["KAFKA_CONTROLLER_QUORUM_VOTERS"], "1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093");
        assert!(env["KAFKA_LISTENERS"].contains("CONTROLLER://:9093"));
        assert!(env["KAFKA_ADVERTISED_LISTENERS"].contains(&format!("INTERNAL://{node}:19092")));
        assert_eq!(service["hostname"].as_str(), Some(*node));
        assert_eq!(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"], "3");
        assert_eq!(env["KAFKA_MIN_INSYNC_REPLICAS"], "2");
        assert_eq!(env["CLUSTER_ID"], env_of(&compose["services"]["kafka"])["CLUSTER_ID"], "one cluster");
        assert_eq!(service["restart"].as_str(), Some("unless-stopped"));
        assert!(service["healthcheck"]["test"].as_sequence().is_some());
        host_ports.extend(ports(service));
        let volume = service["volumes"][0].as_str().unwrap().split(':').next().unwrap().to_owned();
        assert!(compose["volumes"].get(&volume).is_some(), "{node} keeps its data in a volume of its own");
    }
    assert_eq!(host_ports.len(), 3, "each node on a host port of its own: {host_ports:?}");

    let app = env_of(&compose["services"]["app"]);
    assert_eq!(app["KAFKA_BOOTSTRAP_SERVERS"], "kafka:19092,kafka-2:19092,kafka-3:19092");
    assert_eq!((app["KAFKA_TOPIC_REPLICATION"].as_str(), app["KAFKA_TOPIC_MIN_INSYNC_REPLICAS"].as_str()), ("3", "2"));
    let ui = env_of(&compose["services"]["kafka-ui"]);
    assert_eq!(ui["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"], app["KAFKA_BOOTSTRAP_SERVERS"]);
    // The app waits for the first node (a dependency on a node of the profile would break the single-node
    // stack), and retries creating its topic until three replicas can be placed.
    assert_eq!(compose["services"]["app"]["depends_on"]["kafka"]["condition"].as_str(), Some("service_healthy"));
    parses_as_options(&app);
}

/// The address a published port (`[address:]host:container`) listens on; None for every interface.
fn bound_address(port: &str) -> Option<&str> {
    let parts: Vec<&str> = port.split(':').collect();
    match parts.as_slice() {
        [address, _, _] if !address.is_empty() && *address != "0.0.0.0" && *address != "::" => Some(address),
        _ => None,
    }
}

#[test]
fn bound_address_tells_a_port_on_every_interface() {
    assert_eq!(bound_address("127.0.0.1:8501:8501"), Some("127.0.0.1"));
    assert_eq!(bound_address("8080:8080"), None);
    assert_eq!(bound_address("9092"), None);
    assert_eq!(bound_address("0.0.0.0:8501:8501"), None);
    assert_eq!(bound_address(":8501:8501"), None);
}

/// Closed by default: with no .env, and with cluster.env, every port of every service listens on 127.0.0.1;
/// BIND_ADDRESS opens the dashboard, and only the dashboard, to a LAN.
#[test]
fn every_published_port_binds_to_localhost_unless_the_user_sets_an_address() {
    for (env, what) in [("", "one node"), (&*read("cluster.env"), "cluster.env")] {
        let compose = compose_with(env);
        for (name, service) in compose["services"].as_mapping().unwrap() {
            let Some(published) = service.get("ports") else { continue };
            for port in published.as_sequence().unwrap() {
                let port = port.as_str().expect("ports written as strings");
                assert_eq!(bound_address(port), Some("127.0.0.1"), "{what}: {name:?} publishes {port}");
            }
        }
    }
    let lan = compose_with("BIND_ADDRESS=0.0.0.0");
    assert_eq!(ports(&lan["services"]["app"]), ["0.0.0.0:8501:8501"]);
    assert_eq!(ports(&lan["services"]["kafka"]), ["127.0.0.1:9092:9092"], "Kafka stays on this machine");
}

/// Kafka UI can delete topics: it asks for a login, whose password the user chooses (Compose refuses to start
/// without one).
#[test]
fn kafka_ui_asks_for_a_login_with_a_password_that_has_no_default() {
    let ui = env_of(&compose()["services"]["kafka-ui"]);
    assert_eq!(ui["AUTH_TYPE"], "LOGIN_FORM");
    assert_eq!(ui["SPRING_SECURITY_USER_NAME"], "admin");
    assert_eq!(ui["SPRING_SECURITY_USER_PASSWORD"], "a-password-of-the-test");
    let without = substitute(&read("docker-compose.yml"), "").unwrap_err();
    assert!(without.starts_with("KAFKA_UI_PASSWORD: set KAFKA_UI_PASSWORD"), "{without}");
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
        let run = |args: &[&str]| {
            let out = std::process::Command::new(client[0])
                .args(&client[1..])
                .args(args)
                .current_dir(root)
                .env_remove("COMPOSE_PROFILES")
                .env("KAFKA_UI_PASSWORD", "a-password-of-the-test")
                .output()
                .unwrap();
            assert!(out.status.success(), "{client:?} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        // Which services a profile enables is checked statically above: docker-compose 1.x lists them all.
        assert!(run(&["config"]).contains("1@kafka:9093\n"), "one voter by default");
        let cluster = run(&["--env-file", "cluster.env", "config"]);
        assert!(cluster.contains("1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093"), "{cluster}");
        assert!(cluster.contains("kafka:19092,kafka-2:19092,kafka-3:19092"), "{cluster}");
        eprintln!("{} config: valid, with one node and with cluster.env's three", client.join(" "));
        return;
    }
    eprintln!("no docker compose client here: docker-compose.yml checked statically only");
}

#[test]
fn the_apps_environment_names_only_options_the_binary_has_with_valid_values() {
    let compose = compose();
    let env = env_of(&compose["services"]["app"]);
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
    parses_as_options(&env);
}

/// The binary accepts the values of `env` as they are.
fn parses_as_options(env: &BTreeMap<String, String>) {
    let mut args = vec!["price-monitor".to_owned()];
    let flags = Cli::command();
    for (name, value) in env {
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
    // The tools as scripts/setup.sh builds them, in layers before the sources, so a code change keeps them; the
    // ECharts bundle after the dependencies' layer, so that a change to it keeps that.
    let sources = dockerfile.find("\nCOPY . .").expect("the sources are copied in");
    for tool in ["RUN scripts/rust-tools.sh cargo-leptos", "RUN scripts/rust-tools.sh wasm-bindgen-cli", "npm ci"] {
        assert!(dockerfile.find(tool).is_some_and(|at| at < sources), "{tool} before the sources");
    }
    let dependencies = dockerfile.find("&& cargo leptos build --release \\").expect("the dependencies' layer");
    let bundle = dockerfile.find("RUN node scripts/build-vendor.mjs").expect("the ECharts bundle is made");
    assert!(dependencies < bundle && bundle < sources, "the bundle between the dependencies and the sources");
    assert!(read("scripts/setup.sh").contains("scripts/rust-tools.sh cargo-leptos wasm-bindgen-cli"));
    assert!(read("scripts/rust-tools.sh").contains("--version 0.3.10 --features no_downloads"));
    let runtime = dockerfile.rsplit("\nFROM ").next().unwrap();
    assert!(runtime.starts_with("debian:bookworm-slim"), "{runtime}");
    assert!(runtime.contains("\nUSER monitor"));
    assert!(runtime.contains("EXPOSE 8501"));
    assert!(runtime.contains("CMD [\"/app/price-monitor\", \"all\"]"));
    assert!(runtime.contains("COPY --from=build /src/target/site /app/site"), "the site's files are baked in");
    assert!(runtime.contains("LEPTOS_SITE_ROOT=/app/site"));
    let healthcheck = runtime.lines().skip_while(|l| !l.starts_with("HEALTHCHECK")).take(2).collect::<String>();
    assert!(healthcheck.contains("http://127.0.0.1:8501/healthz"), "{healthcheck}");
    assert!(runtime.contains(" curl"), "the health check's client is installed");
}
