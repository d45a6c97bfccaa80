//! How the page and the API show prices: the spot price or the total, by the quarter or by the hour, in c/kWh
//! or in €/MWh. A person picks it with the page's switches; the choice lives in the URL.

use std::borrow::Cow;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    figures::{
        format::LocalTime,
        ranking,
        stats::{Point, Priced},
        tariff::Tariff,
    },
    records::price::PriceRecord,
};

/// Which price is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PriceBasis {
    /// The spot price alone.
    #[default]
    Spot,
    /// What is paid: spot plus the configured fees with VAT.
    Total,
}

/// Slot length shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Resolution {
    /// Quarter hours (hourly slots of v1 files stay hourly).
    #[default]
    #[serde(rename = "15min")]
    Quarter,
    /// Hourly averages, as many households are still billed.
    #[serde(rename = "hour")]
    Hour,
}

/// Unit of the prices shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    /// Cents per kWh with VAT, as households pay.
    #[default]
    #[serde(rename = "c_kwh")]
    CentsPerKwh,
    /// Euros per MWh without VAT, as the exchange quotes the spot price (the total is not quoted so).
    #[serde(rename = "eur_mwh")]
    EurosPerMwh,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Self::CentsPerKwh => "c/kWh",
            Self::EurosPerMwh => "€/MWh",
        }
    }
}

/// The three choices together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub price: PriceBasis,
    pub resolution: Resolution,
    pub unit: Unit,
}

/// The URL names of a choice's values, as serde writes them too (a test keeps the two the same). Matched by
/// hand rather than through `serde_json::Value`, whose deserializer would add tens of kilobytes to the page.
trait Named: Sized + Copy + Default + PartialEq + 'static {
    const NAMES: &'static [(Self, &'static str)];

    fn parse(name: &'static str, text: Option<&str>, allowed: &'static str) -> Result<Self, ViewError> {
        match text.filter(|t| !t.is_empty()) {
            None => Ok(Self::default()),
            Some(t) => Self::NAMES.iter().find(|(_, n)| *n == t).map(|(v, _)| *v).ok_or(ViewError { name, allowed }),
        }
    }

    fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(v, _)| *v == self).map_or("", |(_, n)| n)
    }
}

impl Named for PriceBasis {
    const NAMES: &'static [(Self, &'static str)] = &[(Self::Spot, "spot"), (Self::Total, "total")];
}

impl Named for Resolution {
    const NAMES: &'static [(Self, &'static str)] = &[(Self::Quarter, "15min"), (Self::Hour, "hour")];
}

impl Named for Unit {
    const NAMES: &'static [(Self, &'static str)] = &[(Self::CentsPerKwh, "c_kwh"), (Self::EurosPerMwh, "eur_mwh")];
}

impl View {
    /// The choices as URL query values (`price`, `res`, `unit`); a missing one is the default, an unknown one
    /// an error naming what is allowed.
    pub fn from_query(price: Option<&str>, res: Option<&str>, unit: Option<&str>) -> Result<Self, ViewError> {
        Ok(Self {
            price: Named::parse("price", price, "spot or total")?,
            resolution: Named::parse("res", res, "15min or hour")?,
            unit: Named::parse("unit", unit, "c_kwh or eur_mwh")?,
        })
    }

    /// This view's query values, as `from_query` reads them.
    pub fn query(self) -> [(&'static str, &'static str); 3] {
        [("price", self.price.name()), ("res", self.resolution.name()), ("unit", self.unit.name())]
    }
}

/// A view choice that is not one of the allowed values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name} must be {allowed}")]
pub struct ViewError {
    name: &'static str,
    allowed: &'static str,
}

/// A view with the tariff it prices totals by.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shown {
    pub view: View,
    pub tariff: Tariff,
}

impl Shown {
    /// The figure shown for a slot starting at `start` whose spot price is `spot`.
    pub fn price(&self, spot: f64, start: DateTime<Utc>, local: &LocalTime) -> f64 {
        if self.shows_spot() {
            return spot;
        }
        match self.view.unit {
            Unit::EurosPerMwh => self.tariff.exchange_price(spot),
            Unit::CentsPerKwh => self.tariff.breakdown(spot, start, local).total,
        }
    }

    /// Whether the figure shown is the spot price as it is: c/kWh with VAT, no fees.
    fn shows_spot(&self) -> bool {
        (self.view.unit, self.view.price) == (Unit::CentsPerKwh, PriceBasis::Spot)
    }

    /// `points` (spot prices in time order) by the hour if asked, still at spot: what levels are computed on.
    pub fn spot_points(&self, points: Vec<Point>) -> Vec<Point> {
        match self.view.resolution {
            Resolution::Quarter => points,
            Resolution::Hour => ranking::hourly(&points),
        }
    }

    /// `points` at spot, priced as shown: the same points when the spot price is shown as it is, which saves
    /// a copy of up to 400 000 of them.
    pub fn priced<'a>(&self, points: &'a [Point], local: &LocalTime) -> Cow<'a, [Point]> {
        if self.shows_spot() {
            return Cow::Borrowed(points);
        }
        points.iter().map(|p| Point(p.0, self.price(p.1, p.0, local))).collect()
    }

    /// `records` (in time order) as shown: hourly averages become records of whole hours.
    pub fn records(&self, records: Vec<PriceRecord>, local: &LocalTime) -> Vec<PriceRecord> {
        self.priced_records(self.spot_records(records), local)
    }

    /// `records` (in time order) by the hour if asked, still at spot.
    pub fn spot_records(&self, records: Vec<PriceRecord>) -> Vec<PriceRecord> {
        match self.view.resolution {
            Resolution::Quarter => records,
            Resolution::Hour => hourly_records(&records),
        }
    }

    /// `records` at spot, priced as shown.
    pub fn priced_records(&self, records: Vec<PriceRecord>, local: &LocalTime) -> Vec<PriceRecord> {
        records.into_iter().map(|r| PriceRecord { price: self.price(r.price, r.start_date, local), ..r }).collect()
    }
}

/// The hourly averages of `records` as records of whole hours, received when the hour's last slot was.
fn hourly_records(records: &[PriceRecord]) -> Vec<PriceRecord> {
    let mut received = records.iter().map(|r| (ranking::hour_of(r.start()), r.timestamp)).peekable();
    let mut last_received = Vec::new();
    while let Some((hour, at)) = received.next() {
        if received.peek().is_none_or(|(next, _)| *next != hour) {
            last_received.push(at);
        }
    }
    ranking::hourly(records)
        .into_iter()
        .zip(last_received)
        .map(|(p, at)| PriceRecord::new(at, p.1, p.0, p.0 + Duration::hours(1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::tariff::Transfer;

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn the_query_round_trips_and_bad_values_say_what_is_allowed() {
        let view = View::from_query(Some("total"), Some("hour"), Some("eur_mwh")).unwrap();
        assert_eq!(view, View { price: PriceBasis::Total, resolution: Resolution::Hour, unit: Unit::EurosPerMwh });
        let query = view.query();
        let get = |name| query.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(View::from_query(get("price"), get("res"), get("unit")).unwrap(), view);
        assert_eq!(View::from_query(None, Some(""), None).unwrap(), View::default());
        assert_eq!(View::from_query(Some("cheap"), None, None).unwrap_err().to_string(), "price must be spot or total");
        assert_eq!(View::from_query(None, Some("day"), None).unwrap_err().to_string(), "res must be 15min or hour");
    }

    #[test]
    fn the_url_names_are_the_json_names() {
        fn same<T: Named + Serialize>() {
            for (value, name) in T::NAMES {
                assert_eq!(serde_json::to_value(value).unwrap(), *name);
            }
        }
        same::<PriceBasis>();
        same::<Resolution>();
        same::<Unit>();
    }

    #[test]
    fn totals_hours_and_units_together() {
        let shown = Shown {
            view: View { price: PriceBasis::Total, resolution: Resolution::Hour, unit: Unit::CentsPerKwh },
            tariff: Tariff { margin: 1.0, transfer: Transfer::Single(0.0), tax: 0.0, vat: 0.25 },
        };
        let first = t("2026-01-15T10:00:00Z");
        let records: Vec<PriceRecord> = [2.0, 4.0, -2.0, 8.0, 5.0]
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let start = first + Duration::minutes(15 * i as i64);
                PriceRecord::new(start, p, start, start + Duration::minutes(15) - Duration::milliseconds(1))
            })
            .collect();
        let shown_records = shown.records(records.clone(), &LocalTime::utc());
        assert_eq!(shown_records.len(), 2);
        assert_eq!(shown_records[0].price, 3.0 + 1.25, "hour average 3, plus the margin with VAT");
        assert_eq!(shown_records[0].slot_end(), t("2026-01-15T11:00:00Z"));
        assert_eq!(shown_records[1].timestamp, records[4].timestamp);
        let hours = shown.spot_points(records.iter().map(Point::of).collect());
        let points = shown.priced(&hours, &LocalTime::utc());
        assert_eq!(points[..], [Point(first, 4.25), Point(t("2026-01-15T11:00:00Z"), 6.25)]);
        let mwh = Shown { view: View { unit: Unit::EurosPerMwh, ..shown.view }, ..shown.clone() };
        assert_eq!(mwh.price(12.5, first, &LocalTime::utc()), 100.0, "spot without VAT, ×10");
    }
}
