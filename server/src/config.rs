//! Command line and environment: every option has a flag and an environment variable.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand};

/// The command line: a subcommand and the options every part shares.
#[derive(Parser, Debug)]
#[command(
    name = "price-monitor",
    version,
    about = "Real-time electricity price monitor: price file -> Kafka -> CSV -> dashboard",
    long_about = "Watches a porssisahko.net price file, publishes every new or changed price to Kafka, keeps a \
                  CSV log of what arrives and serves a live dashboard of it. Run it all in one process (the \
                  default) or each part on its own."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub config: Config,

    /// How log lines are written: `text` for people, `json` (one object per line) for log collectors.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

/// The form of log lines.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Which parts of the monitor this process runs.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Dashboard, producer and consumer in one process (the default).
    All,
    /// Only the dashboard, reading the CSV that a consumer elsewhere writes.
    Serve,
    /// A dashboard replica: it consumes the topics itself, in consumer groups of its own (`<group>-replica-<name>`),
    /// into its own copy of the logs (--csv, --energy-csv), and serves the page and the API. No producer, no
    /// fetcher, no alerts: one `all` or `produce` elsewhere writes. Run as many as you like behind a load
    /// balancer; each holds the same rows.
    Replica {
        /// The replica's name in its groups' names: letters, digits, `.`, `_` and `-`. Unset: the host's name
        /// (a container's id under Docker, so `docker compose up --scale` gives each its own).
        #[arg(long, env = "REPLICA_NAME", value_parser = replica_name)]
        name: Option<String>,
    },
    /// Only the producer: watch the price file and publish changes to Kafka.
    Produce,
    /// Only the consumers: read the topics and append new prices to the CSV, and new metered energy to its own
    /// (--energy-csv).
    Consume,
    /// Only the fetcher: download the price file from --source-url at start and after 14:00 Helsinki time
    /// (`all` does this too when a source is set).
    Fetch {
        /// Fetch once and exit: non-zero when the source did not give a price file.
        #[arg(long)]
        once: bool,
    },
    /// Only the alerts and Home Assistant: evaluate the rules of --alerts-file against the CSV log, put the due
    /// alerts on their topic and deliver them to their channels, and with --mqtt-url publish Home Assistant's
    /// sensors (`all` does these too when ALERTS_FILE or MQTT_URL is set).
    Alerts,
    /// Write the shipped sample, re-dated to yesterday, today and tomorrow, to the price file, unless that file
    /// has a price for now: for a first run that cannot reach the source. The page says it shows sample data.
    Sample,
    /// Import the household's metering data: Fingrid Datahub exports (CSV, either header, UTF-8 or
    /// Windows-1252, quarter hours or hours) or plain `start,kwh` files. Every file is read first; one that
    /// cannot be read stops the import with its line and the problem. The intervals go to --energy-topic, and
    /// the consumer (`all` or `consume`) writes them to --energy-csv: importing a file again adds nothing, a
    /// corrected amount is a new revision.
    ImportEnergy {
        /// The files to import.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What the files meter: `consumption` (bought from the grid) or `production` (sold to it).
        #[arg(long, default_value = "consumption")]
        kind: app::records::energy::EnergyKind,
    },
}

fn finite(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n.abs() <= 1000.0 => Ok(n),
        _ => Err("is not a price in c/kWh".to_owned()),
    }
}

fn euros_a_month(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(n) if (0.0..=10_000.0).contains(&n) => Ok(n),
        _ => Err("is not a fee in euros a month (0 to 10000)".to_owned()),
    }
}

fn replica_name(text: &str) -> Result<String, String> {
    let fits = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    match text.len() {
        1..=64 if text.chars().all(fits) => Ok(text.to_owned()),
        _ => Err("is not a name of 1 to 64 letters, digits, '.', '_' or '-'".to_owned()),
    }
}

/// Every option, from a flag or its environment variable.
#[derive(Args, Debug, Clone)]
pub struct Config {
    /// Kafka bootstrap servers, comma-separated host:port.
    #[arg(long, env = "KAFKA_BOOTSTRAP_SERVERS", default_value = "localhost:9092", global = true)]
    pub bootstrap_servers: String,

    /// Kafka topic the prices go through.
    #[arg(long, env = "KAFKA_TOPIC", default_value = "electricity-prices", global = true)]
    pub topic: String,

    #[command(flatten)]
    pub kafka_security: crate::kafka_security::KafkaSecurity,

    /// Consumer group id of the consumer.
    #[arg(long, env = "KAFKA_GROUP_ID", default_value = "electricity-price-consumer", global = true)]
    pub group_id: String,

    /// A stable name for this consumer in its group (Kafka's static membership): a consumer restarted under
    /// the same name takes its partitions back at once, instead of after the dead one's session times out
    /// (10 s). Give each consumer of a group its own, or leave it unset.
    #[arg(long, env = "KAFKA_GROUP_INSTANCE_ID", global = true)]
    pub group_instance_id: Option<String>,

    /// Partitions of the topic when the app creates it.
    #[arg(long, env = "KAFKA_TOPIC_PARTITIONS", default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..), global = true)]
    pub topic_partitions: i32,

    /// Replication factor of the topic when the app creates it: 3 on a three-node cluster.
    #[arg(long, env = "KAFKA_TOPIC_REPLICATION", default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..), global = true)]
    pub topic_replication: i32,

    /// The topic's `min.insync.replicas` when the app creates it: with `acks=all`, a price counts as sent only
    /// once this many replicas have it (2 of 3 survives the loss of any one node). Unset, the broker's default.
    #[arg(long, env = "KAFKA_TOPIC_MIN_INSYNC_REPLICAS", value_parser = clap::value_parser!(i32).range(1..), global = true)]
    pub topic_min_insync_replicas: Option<i32>,

    /// Where to download the prices from, e.g. https://api.porssisahko.net/v2/latest-prices.json; several
    /// URLs, comma-separated, are asked in order, the next when one fails or lacks a day (porssisahko.net v1
    /// or v2, spot-hinta.fi or Elering, each told from its answer). Set, `all` keeps the price file current by
    /// itself; unset, something else writes it.
    #[arg(long, env = "SOURCE_URL", value_parser = http_urls, global = true)]
    pub source_url: Option<String>,

    /// Also fetch from --source-url this often, in seconds, besides the publication schedule: for a source of
    /// your own that revises its prices (ask a public one no more often than every few minutes). Unset: at
    /// start, then after each day's publication.
    #[arg(long, env = "FETCH_INTERVAL_SECS", value_parser = clap::value_parser!(u64).range(1..=86_400), global = true)]
    pub fetch_interval: Option<u64>,

    /// When a fetch from --source-url fails and the price file has no price for now, write the shipped sample
    /// there, re-dated to yesterday, today and tomorrow (the page says it shows sample data) until the source
    /// answers: for a first run without the network. `scripts/run.sh` sets it.
    #[arg(long, env = "SAMPLE_WHEN_UNREACHABLE", global = true)]
    pub sample_when_unreachable: bool,

    /// The porssisahko.net price JSON file the producer watches.
    #[arg(long, env = "PRICE_FILE", default_value = "data/latest-prices.json", global = true)]
    pub price_file: PathBuf,

    /// The CSV log the consumer appends to and the dashboard reads.
    #[arg(long = "csv", env = "CSV_PATH", default_value = "data/electricity_prices.csv", global = true)]
    pub csv_path: PathBuf,

    /// Seconds between periodic checks of the price file, the fallback to file-system events.
    #[arg(long, env = "CHECK_INTERVAL_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=86_400), global = true)]
    pub check_interval: u64,

    /// Time zone the dashboard shows times in (IANA name); prices are stored in UTC.
    #[arg(long, env = "DISPLAY_TZ", default_value = "Europe/Helsinki", global = true)]
    pub tz: chrono_tz::Tz,

    /// Serve the dashboard even without the browser's files (WebAssembly, JS, CSS, ECharts): the page then
    /// renders on the server but draws no chart. For a binary built with plain `cargo build`, in tests.
    #[arg(long, env = "WITHOUT_SITE", global = true)]
    pub without_site: bool,

    #[command(flatten)]
    pub tariff: crate::tariff_config::TariffArgs,

    #[command(flatten)]
    pub mqtt: crate::mqtt::MqttArgs,

    /// A TOML file of alert rules and channels (see docs/alerts.md), checked at start. With it, `all` also
    /// sends the alerts; their periods and runs are on the calendar feed, /api/v1/calendar.ics.
    #[arg(long, env = "ALERTS_FILE", global = true)]
    pub alerts_file: Option<PathBuf>,

    /// The Kafka topic alerts go through, from the evaluator to the notifier.
    #[arg(long, env = "ALERTS_TOPIC", default_value = "electricity-alerts", global = true)]
    pub alerts_topic: String,

    /// The notifier's consumer group.
    #[arg(long, env = "ALERTS_GROUP_ID", default_value = "electricity-alert-notifier", global = true)]
    pub alerts_group_id: String,

    /// The log of what alert went to which channel: the notifier's memory across restarts.
    #[arg(long, env = "ALERTS_LOG", default_value = "data/alerts.csv", global = true)]
    pub alerts_log: PathBuf,

    /// The Kafka topic the household's metered energy goes through (`import-energy`).
    #[arg(long, env = "ENERGY_TOPIC", default_value = "electricity-energy", global = true)]
    pub energy_topic: String,

    /// The consumer group of the metered energy's consumer.
    #[arg(long, env = "ENERGY_GROUP_ID", default_value = "electricity-energy-consumer", global = true)]
    pub energy_group_id: String,

    /// The CSV log of the metered energy, which its consumer appends to and the dashboard reads. Unset:
    /// `energy.csv` beside the CSV log (--csv).
    #[arg(long, env = "ENERGY_CSV", global = true)]
    pub energy_csv: Option<PathBuf>,

    /// A fixed electricity price to compare the metered energy's cost with, c/kWh with VAT (`/api/v1/cost`).
    #[arg(long, env = "FIXED_PRICE", value_parser = finite, global = true)]
    pub fixed_price: Option<f64>,

    /// What the buyer of your production keeps, c/kWh: production earns the spot price without VAT less this.
    #[arg(long, env = "SELL_MARGIN", default_value_t = 0.0, value_parser = finite, global = true)]
    pub sell_margin: f64,

    /// The spot contract's basic fee, euros a month with VAT, added to each month's bill.
    #[arg(long, env = "CONTRACT_FEE", default_value_t = 0.0, value_parser = euros_a_month, global = true)]
    pub contract_fee: f64,

    /// The network's basic fee (the distributor's), euros a month with VAT, added to each month's bill on
    /// either contract.
    #[arg(long, env = "NETWORK_FEE", default_value_t = 0.0, value_parser = euros_a_month, global = true)]
    pub network_fee: f64,

    /// The fixed-price contract's basic fee, euros a month with VAT. Unset: the same as --contract-fee.
    #[arg(long, env = "FIXED_CONTRACT_FEE", value_parser = euros_a_month, global = true)]
    pub fixed_contract_fee: Option<f64>,

    /// Requests a minute one client (IP address) may make of the CSV download and `/api/v1`, a quarter of them
    /// at once; more get 429 with Retry-After. 0: no limit (behind a proxy, every client has the proxy's address).
    #[arg(long, env = "RATE_LIMIT_PER_MINUTE", default_value_t = crate::web::guard::DEFAULT_RATE_LIMIT, global = true)]
    pub rate_limit: u32,

    /// Whether this process is a dashboard replica (`replica`): it takes no uploaded metering files.
    #[arg(skip)]
    pub replica: bool,

    /// Address the dashboard listens on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:8501", global = true)]
    pub addr: SocketAddr,
}

/// An http:// or https:// URL, refused at start rather than at the first fetch.
/// One or more http(s) URLs, comma-separated.
fn http_urls(text: &str) -> Result<String, String> {
    for part in text.split(',').map(str::trim) {
        let url = reqwest::Url::parse(part).map_err(|e| format!("not a URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{}: is not http:// or https://", url.scheme()));
        }
    }
    Ok(text.to_owned())
}

impl Config {
    pub fn check_interval(&self) -> Duration {
        Duration::from_secs(self.check_interval)
    }

    /// The price sources, in the order they are asked.
    pub fn source_urls(&self) -> Vec<String> {
        let urls = self.source_url.iter().flat_map(|list| list.split(','));
        urls.map(|url| url.trim().to_owned()).filter(|url| !url.is_empty()).collect()
    }

    /// What the metered energy's cost is compared with, and the monthly fees of its bill.
    pub fn terms(&self) -> app::query::energy::Terms {
        app::query::energy::Terms {
            fixed: self.fixed_price,
            sell_margin: self.sell_margin,
            fees: app::query::energy::MonthlyFees {
                contract: self.contract_fee,
                network: self.network_fee,
                fixed_contract: self.fixed_contract_fee.unwrap_or(self.contract_fee),
            },
        }
    }

    /// The metered energy's CSV log: as given, or `energy.csv` beside the price log.
    pub fn energy_csv(&self) -> PathBuf {
        self.energy_csv.clone().unwrap_or_else(|| self.csv_path.with_file_name("energy.csv"))
    }

    pub fn fetch_interval(&self) -> Option<Duration> {
        self.fetch_interval.map(Duration::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documented_ones() {
        let cli = Cli::try_parse_from(["price-monitor"]).unwrap();
        assert_eq!(cli.command, None);
        let c = cli.config;
        assert_eq!(c.bootstrap_servers, "localhost:9092");
        assert_eq!(c.topic, "electricity-prices");
        assert_eq!(c.group_id, "electricity-price-consumer");
        assert_eq!(c.price_file, PathBuf::from("data/latest-prices.json"));
        assert_eq!(c.csv_path, PathBuf::from("data/electricity_prices.csv"));
        assert_eq!(c.check_interval(), Duration::from_secs(10));
        assert_eq!(c.addr.to_string(), "127.0.0.1:8501");
        assert_eq!(c.tz, chrono_tz::Europe::Helsinki);
    }

    #[test]
    fn options_go_before_or_after_the_subcommand_and_bad_values_are_refused() {
        let cli = Cli::try_parse_from(["price-monitor", "consume", "--csv", "/tmp/x.csv", "--topic", "t"]).unwrap();
        assert_eq!(cli.command, Some(Command::Consume));
        assert_eq!(cli.config.csv_path, PathBuf::from("/tmp/x.csv"));
        assert_eq!(cli.config.topic, "t");
        assert!(Cli::try_parse_from(["price-monitor", "--check-interval", "0"]).is_err());
        assert!(Cli::try_parse_from(["price-monitor", "--addr", "nowhere"]).is_err());
        assert!(Cli::try_parse_from(["price-monitor", "--tz", "Mars/Olympus"]).is_err());
        assert!(Cli::try_parse_from(["price-monitor", "--source-url", "api.porssisahko.net/v2"]).is_err());
        assert!(Cli::try_parse_from(["price-monitor", "--source-url", "ftp://example.com/p.json"]).is_err());
        let fetch = Cli::try_parse_from(["price-monitor", "fetch", "--once", "--source-url", "http://127.0.0.1:1/p"]);
        assert_eq!(fetch.unwrap().command, Some(Command::Fetch { once: true }));
        let utc = Cli::try_parse_from(["price-monitor", "serve", "--tz", "UTC"]).unwrap();
        assert_eq!(utc.config.tz, chrono_tz::UTC);
    }

    #[test]
    fn several_sources_are_asked_in_the_order_given_and_each_must_be_a_web_address() {
        let list = "https://api.porssisahko.net/v2/latest-prices.json , http://127.0.0.1:8000/nps/price";
        let cli = Cli::try_parse_from(["price-monitor", "--source-url", list]).unwrap();
        assert_eq!(
            cli.config.source_urls(),
            ["https://api.porssisahko.net/v2/latest-prices.json", "http://127.0.0.1:8000/nps/price"]
        );
        assert!(Cli::try_parse_from(["price-monitor"]).unwrap().config.source_urls().is_empty());
        let second_bad = Cli::try_parse_from(["price-monitor", "--source-url", "https://a.example/p, ftp://b/p"]);
        assert!(second_bad.unwrap_err().to_string().contains("ftp: is not http:// or https://"));
        assert!(Cli::try_parse_from(["price-monitor", "--source-url", "https://a.example/p,"]).is_err());
    }
}
