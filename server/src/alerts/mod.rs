//! Alerts on the server: the rule file read at start. What the rules call for is worked out by
//! `app::alerts` from the log, through `app::query::alerts`.

use anyhow::Context;

use app::alerts::rules::Rules;

use crate::config::Config;

/// The rules of `--alerts-file`, none without one. A file that cannot be read or does not read as rules stops
/// the start with a sentence naming its line.
pub fn rules(config: &Config) -> anyhow::Result<Rules> {
    let Some(path) = &config.alerts_file else { return Ok(Rules::default()) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("ALERTS_FILE: {} cannot be read", path.display()))?;
    let rules = Rules::from_toml(&path.display().to_string(), &text)?;
    tracing::info!("{} alert rules from {}", rules.0.len(), path.display());
    Ok(rules)
}
