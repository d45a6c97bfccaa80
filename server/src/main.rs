use clap::Parser;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use server::config::{Cli, Command, LogFormat};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // librdkafka's own log lines (target `librdkafka`) say what failed; the client's "global error" callback
    // repeats each of them, so it is off unless RUST_LOG asks for it.
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,librdkafka=warn,rdkafka::client=off".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    server::metrics::handle(); // before anything is counted

    let shutdown = CancellationToken::new();
    server::cancel_on_signal(shutdown.clone());
    server::run(cli.command.unwrap_or(Command::All), cli.config, shutdown).await
}
