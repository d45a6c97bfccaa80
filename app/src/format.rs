//! How numbers and times read on the page, and in the warnings the server writes for it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A price in c/kWh with two decimals.
pub fn price(p: f64) -> String {
    format!("{p:.2}")
}

/// The time zone people read times in, and how times read in it. The server gives it to the server functions
/// as context; the page rebuilds it from the zone's name in the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisplayZone(pub Tz);

impl Default for DisplayZone {
    /// Finnish prices, Finnish time.
    fn default() -> Self {
        Self(Tz::Europe__Helsinki)
    }
}

impl DisplayZone {
    /// The zone named by the server; UTC if the name is unknown here (it never is: both sides use chrono-tz).
    pub fn named(name: &str) -> Self {
        Self(name.parse().unwrap_or(Tz::UTC))
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// "Sat 3 Jan 14:15"
    pub fn date_time(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%a %-d %b %H:%M").to_string()
    }

    /// "14:15"
    pub fn time(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn local_times_follow_the_zone_and_its_dst() {
        let helsinki = DisplayZone::named("Europe/Helsinki");
        assert_eq!(helsinki, DisplayZone::default());
        assert_eq!(helsinki.date_time(Utc.with_ymd_and_hms(2026, 1, 3, 12, 15, 0).unwrap()), "Sat 3 Jan 14:15");
        assert_eq!(helsinki.time(Utc.with_ymd_and_hms(2026, 7, 3, 12, 15, 0).unwrap()), "15:15");
        assert_eq!(DisplayZone::named("Nowhere/Else").name(), "UTC");
        assert_eq!(price(-0.005), "-0.01");
        assert_eq!(price(10.438), "10.44");
    }
}
