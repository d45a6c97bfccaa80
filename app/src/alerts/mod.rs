//! Alerts: the rules a household sets (`rules`, read from a TOML file), which alerts the prices call for
//! (`due`), each with an id that stays the same however often the prices are looked at, what became of each at
//! its channels (`delivery`), and what the page's card shows of them (`card`).

pub mod card;
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod due;
#[cfg(feature = "ssr")]
pub mod rules;

#[cfg(all(test, feature = "ssr"))]
mod tests;
