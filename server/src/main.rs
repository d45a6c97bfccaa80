use clap::Parser;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use server::config::{Cli, Command, LogFormat};

fn main() -> anyhow::Result<()> {
    give_large_blocks_back();
    tokio::runtime::Runtime::new()?.block_on(run(Cli::parse()))
}

/// Makes every freed block of 128 KiB or more go back to the system. Brotli needs a few MB for a moment for each
/// page it compresses; glibc's allocator raises its threshold for mapping blocks apart to the largest one freed,
/// so from the second page on those buffers came from the heap and stayed: ten page loads took the server from
/// 56 to 78 MB at a million rows. A fixed threshold keeps it at 57 MB. Other allocators (mimalloc) held more.
///
/// Fixing it also fixes the threshold for giving the top of a heap back, at 128 KiB. librdkafka allocates each
/// fetched message on its broker thread and the consumer frees it on another, so a thread's heap shrank and grew
/// again with every batch: over a third of that broker thread's time went to `mprotect` (`perf` on
/// `scripts/bench.sh consumer`). Keeping up to 8 MiB of free top per heap ends that; the large blocks above are
/// not in it.
fn give_large_blocks_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: sets two of glibc's malloc parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 8 << 20);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
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
