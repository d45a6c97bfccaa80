//! Alerts: the rules a household sets (`rules`, read from a TOML file) and which alerts the prices call for
//! (`due`), each with an id that stays the same however often the prices are looked at.

pub mod due;
pub mod rules;

#[cfg(test)]
mod tests;
