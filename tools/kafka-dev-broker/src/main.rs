//! `kafka-dev-broker --listen 127.0.0.1:9092`: an Apache Kafka-protocol broker with in-memory storage.
//!
//! Apache Kafka (JVM, Docker) cannot run on the project's development and CI machines, so local runs and the
//! integration tests talk to this instead. The application does not know the difference: it speaks the
//! Kafka protocol through librdkafka either way. Nothing is persisted; a restart starts empty.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use clap::Parser;
use nisshi_broker::{broker::Broker, coordinator::group::administrator::Controller};
use nisshi_storage::ArcDynStorage;
use tokio::time::Instant;
use url::Url;
use uuid::Uuid;

#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on; it is also the address advertised to clients.
    #[arg(long, default_value = "127.0.0.1:9092")]
    listen: SocketAddr,

    /// Kafka cluster id reported to clients.
    #[arg(long, default_value = "kafka-dev-broker")]
    cluster_id: String,
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();

    let args = Args::parse();
    let listener = Url::parse(&format!("tcp://{}", args.listen)).context("listen address")?;
    let broker = Broker::<Controller<ArcDynStorage>, ArcDynStorage>::builder()
        .node_id(nisshi_broker::NODE_ID)
        .cluster_id(args.cluster_id)
        .incarnation_id(Uuid::now_v7())
        .advertised_listener(listener.clone())
        .storage(Url::parse("memory://kafka-dev-broker/")?)
        .listener(listener)
        .silent(true)
        .build()
        .await
        .map_err(|e| anyhow::anyhow!("building the broker: {e:?}"))?;

    eprintln!("kafka-dev-broker listening on {}", args.listen);
    // `main` serves until SIGINT/SIGTERM.
    broker.main(Instant::now()).await.map_err(|e| anyhow::anyhow!("broker stopped: {e:?}"))?;
    Ok(())
}
