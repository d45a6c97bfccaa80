//! The tariff from flags, environment variables or a TOML file: a flag or variable overrides the file.
//!
//! ```toml
//! margin = 0.49            # c/kWh without VAT
//! electricity_tax = 2.253  # c/kWh without VAT
//! vat = 25.5               # percent
//! [transfer]
//! day = 3.9                # c/kWh without VAT; or `transfer = 3.1` at the top for one rate
//! night = 2.3
//! night_hours = "22-7"     # local time: from 22:00 to 07:00
//! ```

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::Deserialize;

use app::figures::tariff::{FINNISH_VAT, Tariff, Transfer};

/// The tariff's options; all optional, the file's values and then no fees filling in.
#[derive(Args, Debug, Clone, Default)]
pub struct TariffArgs {
    /// A TOML file with the tariff (see docs/configuration.md, "Total price").
    #[arg(long, env = "TARIFF_FILE", global = true)]
    pub tariff_file: Option<PathBuf>,
    /// The seller's margin, c/kWh without VAT.
    #[arg(long, env = "MARGIN", global = true)]
    pub margin: Option<f64>,
    /// One transfer fee for every hour, c/kWh without VAT.
    #[arg(long, env = "TRANSFER", global = true, conflicts_with_all = ["transfer_day", "transfer_night"])]
    pub transfer: Option<f64>,
    /// The day rate of a day/night transfer fee, c/kWh without VAT.
    #[arg(long, env = "TRANSFER_DAY", global = true, requires = "transfer_night")]
    pub transfer_day: Option<f64>,
    /// The night rate of a day/night transfer fee, c/kWh without VAT.
    #[arg(long, env = "TRANSFER_NIGHT", global = true, requires = "transfer_day")]
    pub transfer_night: Option<f64>,
    /// The night rate's hours in local time, "22-7" (the default) for 22:00 to 07:00.
    #[arg(long, env = "NIGHT_HOURS", global = true)]
    pub night_hours: Option<String>,
    /// The electricity tax, c/kWh without VAT (2.253 for class I in 2026).
    #[arg(long, env = "ELECTRICITY_TAX", global = true)]
    pub electricity_tax: Option<f64>,
    /// The VAT rate in percent, added to the fees (the spot prices include it already).
    #[arg(long, env = "VAT_PERCENT", global = true)]
    pub vat: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TariffFile {
    margin: Option<f64>,
    transfer: Option<TransferFile>,
    electricity_tax: Option<f64>,
    vat: Option<f64>,
}

#[derive(Deserialize)]
#[serde(untagged, deny_unknown_fields)]
enum TransferFile {
    Single(f64),
    DayNight { day: f64, night: f64, night_hours: Option<String> },
}

impl TariffArgs {
    /// The tariff these options and the file give.
    pub fn tariff(&self) -> anyhow::Result<Tariff> {
        let file = match &self.tariff_file {
            Some(path) => read_file(path)?,
            None => TariffFile::default(),
        };
        let transfer = self.transfer(file.transfer)?;
        let tariff = Tariff {
            margin: fee("margin", self.margin.or(file.margin))?,
            transfer,
            tax: fee("electricity tax", self.electricity_tax.or(file.electricity_tax))?,
            vat: self.vat.or(file.vat).map_or(Ok(FINNISH_VAT), vat)?,
        };
        Ok(tariff)
    }

    fn transfer(&self, file: Option<TransferFile>) -> anyhow::Result<Transfer> {
        let from_flags = match (self.transfer, self.transfer_day, self.transfer_night) {
            (Some(rate), ..) => Some(TransferFile::Single(rate)),
            (None, Some(day), Some(night)) => Some(TransferFile::DayNight { day, night, night_hours: None }),
            _ => None,
        };
        match from_flags.or(file) {
            None => Ok(Transfer::Single(0.0)),
            Some(TransferFile::Single(rate)) => Ok(Transfer::Single(fee("transfer fee", Some(rate))?)),
            Some(TransferFile::DayNight { day, night, night_hours }) => {
                let hours = self.night_hours.clone().or(night_hours);
                let (night_starts, day_starts) = night_hours_of(hours.as_deref().unwrap_or("22-7"))?;
                let (day, night) = (fee("day transfer fee", Some(day))?, fee("night transfer fee", Some(night))?);
                Ok(Transfer::DayNight { day, night, day_starts, night_starts })
            }
        }
    }
}

fn read_file(path: &Path) -> anyhow::Result<TariffFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the tariff file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("the tariff file {} is not a tariff", path.display()))
}

/// A fee in c/kWh: finite, and within what any tariff charges (a negative margin is a discount).
fn fee(what: &str, value: Option<f64>) -> anyhow::Result<f64> {
    let value = value.unwrap_or(0.0);
    anyhow::ensure!(
        value.is_finite() && value.abs() <= 100.0,
        "the {what} {value} is not a fee in c/kWh (-100 to 100)"
    );
    Ok(value)
}

/// A VAT rate given in percent, as a fraction.
fn vat(percent: f64) -> anyhow::Result<f64> {
    anyhow::ensure!((0.0..=100.0).contains(&percent), "VAT {percent} % is not a rate from 0 to 100 %");
    Ok(percent / 100.0)
}

/// "22-7": the night from 22:00 to 07:00; (night starts, day starts).
fn night_hours_of(text: &str) -> anyhow::Result<(u32, u32)> {
    let parsed = text.split_once('-').and_then(|(from, to)| Some((from.trim().parse().ok()?, to.trim().parse().ok()?)));
    match parsed {
        Some((from, to)) if from < 24 && to < 24 && from != to => Ok((from, to)),
        _ => anyhow::bail!("night hours {text:?} are not like \"22-7\" (from 22:00 to 07:00, hours 0-23)"),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        tariff: TariffArgs,
    }

    fn tariff(args: &[&str]) -> anyhow::Result<Tariff> {
        Cli::try_parse_from(std::iter::once("test").chain(args.iter().copied()))?.tariff.tariff()
    }

    #[test]
    fn no_options_no_fees_and_finnish_vat() {
        assert_eq!(tariff(&[]).unwrap(), Tariff::default());
    }

    #[test]
    fn flags_give_a_day_night_tariff() {
        let t = tariff(&[
            "--margin",
            "0.49",
            "--transfer-day",
            "3.9",
            "--transfer-night",
            "2.3",
            "--electricity-tax",
            "2.253",
            "--vat",
            "24",
        ])
        .unwrap();
        assert_eq!(t.margin, 0.49);
        assert_eq!(t.transfer, Transfer::DayNight { day: 3.9, night: 2.3, day_starts: 7, night_starts: 22 });
        assert_eq!((t.tax, t.vat), (2.253, 0.24));
        assert!(
            tariff(&["--transfer", "3", "--transfer-day", "3.9", "--transfer-night", "2"]).is_err(),
            "one or the other"
        );
        assert!(tariff(&["--transfer-day", "3.9"]).is_err(), "a day rate needs a night rate");
    }

    #[test]
    fn the_file_fills_in_and_flags_override_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tariff.toml");
        std::fs::write(&path, "margin = 0.3\nvat = 25.5\n[transfer]\nday = 4.0\nnight = 2.0\nnight_hours = \"23-6\"\n")
            .unwrap();
        let file = path.to_str().unwrap();
        let t = tariff(&["--tariff-file", file, "--margin", "0.5"]).unwrap();
        assert_eq!(t.margin, 0.5, "the flag wins");
        assert_eq!(t.transfer, Transfer::DayNight { day: 4.0, night: 2.0, day_starts: 6, night_starts: 23 });
        std::fs::write(&path, "transfer = 3.1\n").unwrap();
        assert_eq!(tariff(&["--tariff-file", file]).unwrap().transfer, Transfer::Single(3.1));
        std::fs::write(&path, "marign = 0.3\n").unwrap();
        let why = format!("{:#}", tariff(&["--tariff-file", file]).unwrap_err());
        assert!(why.contains("not a tariff") && why.contains("marign"), "{why}");
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        for (args, expected) in [
            (&["--vat", "125"][..], "VAT"),
            (&["--margin", "NaN"][..], "margin"),
            (&["--transfer-day", "3", "--transfer-night", "2", "--night-hours", "22"][..], "night hours"),
            (&["--transfer-day", "3", "--transfer-night", "2", "--night-hours", "7-7"][..], "night hours"),
        ] {
            let why = tariff(args).unwrap_err().to_string();
            assert!(why.contains(expected), "{args:?}: {why}");
        }
    }
}
