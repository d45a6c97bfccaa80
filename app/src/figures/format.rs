//! How numbers and times read on the page, and in the warnings the server writes for it.
//!
//! Local times are worked out on the server, which knows the time-zone database, and travel with the data as
//! the zone's UTC offsets over the times shown ([`LocalTime`]): the browser formats them without carrying the
//! database, which would be most of its WebAssembly.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A price in c/kWh with two decimals.
pub fn price(p: f64) -> String {
    format!("{p:.2}")
}

/// The display zone over a stretch of time: its name, and its offset from UTC from each change on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalTime {
    /// IANA name of the zone.
    pub name: String,
    /// `(from, seconds east of UTC)`, oldest first; the first offset also holds before its instant, the last
    /// after.
    offsets: Vec<(DateTime<Utc>, i32)>,
}

impl LocalTime {
    /// UTC, at all times.
    pub fn utc() -> Self {
        Self { name: "UTC".to_owned(), offsets: vec![(DateTime::<Utc>::MIN_UTC, 0)] }
    }

    /// A zone `seconds` east of UTC at all times, for tests.
    #[cfg(test)]
    pub(crate) fn fixed(seconds: i32) -> Self {
        Self { name: format!("UTC{:+}", seconds / 3600), offsets: vec![(DateTime::<Utc>::MIN_UTC, seconds)] }
    }

    /// Which of `offsets` is in force at `t`: the last one from at or before it, the first one before them all.
    fn in_force(&self, t: DateTime<Utc>) -> usize {
        self.offsets.partition_point(|(from, _)| *from <= t).saturating_sub(1)
    }

    /// The offset `offsets[i]`; zero for none, or for one out of range.
    fn offset(&self, i: usize) -> FixedOffset {
        let seconds = self.offsets.get(i).map_or(0, |(_, seconds)| *seconds);
        FixedOffset::east_opt(seconds).unwrap_or(FixedOffset::east_opt(0).expect("0 is a valid offset"))
    }

    fn offset_at(&self, t: DateTime<Utc>) -> FixedOffset {
        self.offset(self.in_force(t))
    }

    fn local(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.offset_at(t))
    }

    /// "Sat 3 Jan 14:15"
    pub fn date_time(&self, t: DateTime<Utc>) -> String {
        self.local(t).format("%a %-d %b %H:%M").to_string()
    }

    /// "14:15"
    pub fn time(&self, t: DateTime<Utc>) -> String {
        self.local(t).format("%H:%M").to_string()
    }

    /// The local calendar date of `t`.
    pub fn date(&self, t: DateTime<Utc>) -> NaiveDate {
        self.local(t).date_naive()
    }

    /// The local hour of `t`, 0–23. Counted in seconds rather than through a local date and time: the tariff and
    /// the history ask it of every slot they price or sum.
    pub fn hour(&self, t: DateTime<Utc>) -> u32 {
        let local_seconds = t.timestamp() + i64::from(self.offset_at(t).local_minus_utc());
        (local_seconds.rem_euclid(86_400) / 3600) as u32
    }

    /// The local hour of `t`, 0–23, and the instant (Unix seconds) until which every time has that hour: the end
    /// of the local hour, or the zone's next change of offset if that comes first. A series in time order then
    /// needs the hour worked out once an hour, not once a slot.
    pub fn hour_until(&self, t: DateTime<Utc>) -> (u32, i64) {
        let current = self.in_force(t);
        let offset = i64::from(self.offset(current).local_minus_utc());
        let utc = t.timestamp();
        let into_day = (utc + offset).rem_euclid(86_400);
        let hour_ends = utc - into_day % 3600 + 3600;
        let offset_changes = self.offsets.get(current + 1).map_or(i64::MAX, |(from, _)| from.timestamp());
        ((into_day / 3600) as u32, hour_ends.min(offset_changes))
    }
}

#[cfg(feature = "ssr")]
pub use zone::DisplayZone;

#[cfg(feature = "ssr")]
mod zone {
    use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
    use chrono_tz::Tz;

    use super::LocalTime;

    /// The time zone people read times in, set on the server (`--tz`) and given to the server functions as
    /// context.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct DisplayZone(pub Tz);

    impl Default for DisplayZone {
        /// Finnish prices, Finnish time.
        fn default() -> Self {
            Self(Tz::Europe__Helsinki)
        }
    }

    impl DisplayZone {
        pub fn name(&self) -> &'static str {
            self.0.name()
        }

        /// The first instant the zone's clocks show `local` (where a DST change skips it, an hour later).
        pub fn instant(&self, local: chrono::NaiveDateTime) -> DateTime<Utc> {
            let first = |t| self.0.from_local_datetime(&t).earliest().map(|t| t.with_timezone(&Utc));
            first(local).or_else(|| first(local + Duration::hours(1))).unwrap_or_else(|| local.and_utc())
        }

        /// The zone's calendar date at `t`.
        pub fn date(&self, t: DateTime<Utc>) -> chrono::NaiveDate {
            t.with_timezone(&self.0).date_naive()
        }

        /// The first instant of `date` in the zone.
        pub fn midnight(&self, date: chrono::NaiveDate) -> DateTime<Utc> {
            self.instant(date.and_time(chrono::NaiveTime::MIN))
        }

        fn offset_seconds(&self, t: DateTime<Utc>) -> i32 {
            self.0.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()
        }

        /// The zone's offsets from `from` to `to`, each change found to the second.
        ///
        /// Zones change their offset at most a few times a year, never twice in a day: a look per day finds
        /// every change, and halving the day it falls in finds its instant.
        pub fn local_time(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> LocalTime {
            let mut offsets = vec![(from, self.offset_seconds(from))];
            let mut day_start = from;
            while day_start < to {
                let day_end = day_start + Duration::days(1);
                let current = offsets.last().expect("starts with one").1;
                if self.offset_seconds(day_end) != current {
                    // Offsets change on a whole second: search the seconds.
                    let at = |second: i64| DateTime::from_timestamp(second, 0).unwrap_or(day_end);
                    let (mut before, mut after) = (day_start.timestamp(), day_end.timestamp());
                    while after - before > 1 {
                        let middle = before + (after - before) / 2;
                        if self.offset_seconds(at(middle)) == current { before = middle } else { after = middle }
                    }
                    offsets.push((at(after), self.offset_seconds(at(after))));
                }
                day_start = day_end;
            }
            LocalTime { name: self.name().to_owned(), offsets }
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn local_times_follow_the_zone_and_its_dst_changes_to_the_second() {
        let utc = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
        let helsinki = DisplayZone::default().local_time(utc(2026, 1, 1, 0, 0, 0), utc(2027, 1, 1, 0, 0, 0));
        assert_eq!(helsinki.name, "Europe/Helsinki");
        assert_eq!(helsinki.date_time(utc(2026, 1, 3, 12, 15, 0)), "Sat 3 Jan 14:15");
        assert_eq!(helsinki.time(utc(2026, 7, 3, 12, 15, 0)), "15:15");
        // Summer time starts on 29 March 2026 at 01:00 UTC (03:00 local becomes 04:00) and ends on 25 October.
        assert_eq!(helsinki.time(utc(2026, 3, 29, 0, 59, 59)), "02:59");
        assert_eq!(helsinki.time(utc(2026, 3, 29, 1, 0, 0)), "04:00");
        assert_eq!(helsinki.time(utc(2026, 10, 25, 0, 59, 59)), "03:59");
        assert_eq!(helsinki.time(utc(2026, 10, 25, 1, 0, 0)), "03:00");
        assert_eq!(helsinki.offsets.len(), 3, "the start and two changes");
        assert_eq!(helsinki.hour(utc(2026, 7, 3, 21, 30, 0)), 0);
        // Before the stretch, its first offset holds until its second: the hour ends on the hour.
        let (hour, until) = helsinki.hour_until(utc(2025, 7, 1, 12, 20, 0));
        assert_eq!((hour, until), (14, utc(2025, 7, 1, 13, 0, 0).timestamp()));
        assert_eq!(helsinki.date(utc(2026, 7, 3, 21, 30, 0)), NaiveDate::from_ymd_opt(2026, 7, 4).unwrap());
        // Before and after the stretch: its first and last offsets.
        assert_eq!(helsinki.time(utc(2025, 7, 1, 12, 0, 0)), "14:00");
        assert_eq!(helsinki.time(utc(2027, 7, 1, 12, 0, 0)), "14:00");

        let tokyo = DisplayZone("Asia/Tokyo".parse().unwrap());
        assert_eq!(tokyo.local_time(utc(2026, 1, 1, 0, 0, 0), utc(2036, 1, 1, 0, 0, 0)).offsets.len(), 1);
        assert_eq!(LocalTime::utc().date_time(utc(2026, 1, 3, 12, 15, 0)), "Sat 3 Jan 12:15");
        assert_eq!(price(-0.005), "-0.01");
        assert_eq!(price(10.438), "10.44");
    }

    #[test]
    fn the_hour_is_the_hour_of_the_zones_local_time_at_every_quarter() {
        use chrono::{Offset, Timelike};
        let utc = |y| Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap();
        // Helsinki's two changes a year, a zone half an hour off, one west of UTC, a year before 1970, and a zone
        // whose changes fall at a quarter to the hour, within a local hour.
        for (name, year) in [
            ("Europe/Helsinki", 2026),
            ("Asia/Kolkata", 2026),
            ("America/St_Johns", 2026),
            ("Europe/Helsinki", 1969),
            ("Pacific/Chatham", 2026),
        ] {
            let zone = DisplayZone(name.parse().unwrap());
            let local = zone.local_time(utc(year), utc(year + 1));
            let mut t = utc(year);
            let mut hour_until: Option<(u32, i64)> = None;
            while t < utc(year + 1) {
                assert_eq!(local.hour(t), t.with_timezone(&zone.0).hour(), "{name} at {t}");
                // Within the stretch `hour_until` gave, the hour is the same; at its end, the local time is on a
                // whole hour or the offset changes.
                match hour_until {
                    Some((hour, until)) if t.timestamp() < until => assert_eq!(local.hour(t), hour, "{name} at {t}"),
                    Some((_, until)) => {
                        assert_eq!(t.timestamp(), until, "{name}: quarters meet every end");
                        let local_t = t.with_timezone(&zone.0);
                        let before = (t - chrono::Duration::seconds(1)).with_timezone(&zone.0);
                        assert!(
                            local_t.minute() == 0 || local_t.offset().fix() != before.offset().fix(),
                            "{name} at {t}"
                        );
                        hour_until = None;
                    }
                    None => {}
                }
                if hour_until.is_none() {
                    hour_until = Some(local.hour_until(t));
                }
                t += chrono::Duration::minutes(15);
            }
        }
    }
}
