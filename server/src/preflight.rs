//! Checks at start that the folders a command writes to can be used and that its Kafka options agree, so that a
//! wrong path or setting fails at once with its reason instead of as retries in the log later.

use std::path::Path;

use anyhow::Context;

use crate::config::{Command, Config};

/// Makes sure the folders `command` writes to exist (creating missing ones) and take new files.
pub fn check_folders(command: &Command, config: &Config) -> anyhow::Result<()> {
    let writes = matches!(command, Command::Fetch { .. } | Command::Sample) || config.source_url.is_some();
    if matches!(command, Command::All | Command::Produce) || writes {
        // The producer watches the folder for the file; the fetcher and the sample write into it.
        usable_folder(&config.price_file, "the price file (--price-file, PRICE_FILE)", writes)?;
    }
    if matches!(command, Command::All | Command::Consume | Command::Replica { .. }) {
        usable_folder(&config.csv_path, "the CSV log (--csv, CSV_PATH)", true)?;
        usable_folder(&config.energy_csv(), "the energy log (--energy-csv, ENERGY_CSV)", true)?;
    }
    if matches!(command, Command::Alerts | Command::All) && config.alerts_file.is_some() {
        usable_folder(&config.alerts_log, "the alert log (--alerts-log, ALERTS_LOG)", true)?;
    }
    Ok(())
}

/// Makes sure the Kafka security options of a command that talks to Kafka agree with each other and name files
/// that can be read.
pub fn check_kafka(command: &Command, config: &Config) -> anyhow::Result<()> {
    let talks_to_kafka = matches!(
        command,
        Command::All | Command::Produce | Command::Consume | Command::Alerts | Command::Replica { .. }
    );
    if talks_to_kafka || matches!(command, Command::ImportEnergy { .. }) {
        config.kafka_security.check().map_err(anyhow::Error::msg)?;
    }
    Ok(())
}

/// The folder of `file`, created if missing, and checked to take new files when `write`.
fn usable_folder(file: &Path, what: &str, write: bool) -> anyhow::Result<()> {
    let folder = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)
        .with_context(|| format!("the folder {} of {what} cannot be created", folder.display()))?;
    if write {
        tempfile::tempfile_in(folder)
            .with_context(|| format!("the folder {} of {what} does not take new files", folder.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::Cli;

    fn config(price_file: &Path, csv: &Path) -> Config {
        let args = ["price-monitor", "--price-file", price_file.to_str().unwrap(), "--csv", csv.to_str().unwrap()];
        Cli::try_parse_from(args).unwrap().config
    }

    #[test]
    fn missing_folders_are_created_and_a_file_in_the_way_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let price_file = dir.path().join("new/prices.json");
        let csv = dir.path().join("logs/deep/prices.csv");
        check_folders(&Command::All, &config(&price_file, &csv)).unwrap();
        assert!(price_file.parent().unwrap().is_dir() && csv.parent().unwrap().is_dir());

        let blocker = dir.path().join("a-file");
        std::fs::write(&blocker, "not a folder").unwrap();
        let csv = blocker.join("prices.csv");
        let why = format!("{:#}", check_folders(&Command::Consume, &config(&price_file, &csv)).unwrap_err());
        assert!(why.contains("a-file") && why.contains("CSV log"), "{why}");
        // The dashboard alone does not write the CSV: its folder is not its business.
        check_folders(&Command::Serve, &config(&price_file, &csv)).unwrap();
    }
}
