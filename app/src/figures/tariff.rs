//! What a household pays per kWh: the spot price plus the seller's margin, the transfer fee and the electricity
//! tax, with VAT on the fees.
//!
//! porssisahko.net's spot prices already include VAT at the Finnish rate (none on negative prices). The fees
//! are configured without VAT, as contracts and network price lists state them for businesses, and VAT is added
//! to them here: total = spot + (margin + transfer + tax) × (1 + VAT).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::figures::format::LocalTime;

/// Finland's general VAT rate since 1 September 2024.
pub const FINNISH_VAT: f64 = 0.255;

/// The fees added to the spot price, in c/kWh without VAT.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tariff {
    /// The seller's margin on top of the spot price.
    pub margin: f64,
    pub transfer: Transfer,
    /// The electricity tax (sähkövero, class I).
    pub tax: f64,
    /// The VAT rate as a fraction (0.255 = 25.5 %).
    pub vat: f64,
}

impl Default for Tariff {
    /// No fees: the total is the spot price.
    fn default() -> Self {
        Self { margin: 0.0, transfer: Transfer::Single(0.0), tax: 0.0, vat: FINNISH_VAT }
    }
}

/// The network's transfer fee: one rate, or a night rate for the hours from `night_starts` to `day_starts`
/// (local time) and a day rate for the rest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Transfer {
    Single(f64),
    DayNight { day: f64, night: f64, day_starts: u32, night_starts: u32 },
}

impl Transfer {
    /// The rate at local hour `hour` (0–23).
    pub fn at_hour(&self, hour: u32) -> f64 {
        match *self {
            Self::Single(rate) => rate,
            Self::DayNight { day, night, day_starts, night_starts } => {
                let is_day = if day_starts <= night_starts {
                    (day_starts..night_starts).contains(&hour)
                } else {
                    !(night_starts..day_starts).contains(&hour)
                };
                if is_day { day } else { night }
            }
        }
    }
}

/// A slot's price taken apart, c/kWh with VAT.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Breakdown {
    pub spot: f64,
    pub margin: f64,
    pub transfer: f64,
    pub tax: f64,
    /// VAT on the margin, transfer and tax (the spot price includes its own).
    pub vat_on_fees: f64,
    pub total: f64,
}

impl Tariff {
    /// The total of a slot starting at `start` whose spot price is `spot`.
    pub fn breakdown(&self, spot: f64, start: DateTime<Utc>, local: &LocalTime) -> Breakdown {
        let transfer = self.transfer.at_hour(local.hour(start));
        let fees = self.margin + transfer + self.tax;
        let vat_on_fees = fees * self.vat;
        Breakdown { spot, margin: self.margin, transfer, tax: self.tax, vat_on_fees, total: spot + fees + vat_on_fees }
    }

    /// The spot price as the exchange quotes it: without VAT (negative prices carry none), in €/MWh.
    pub fn exchange_price(&self, spot: f64) -> f64 {
        let without_vat = if spot > 0.0 { spot / (1.0 + self.vat) } else { spot };
        without_vat * 10.0
    }

    /// Whether any fee is set: without, the total is the spot price and a switch between them means nothing.
    pub fn has_fees(&self) -> bool {
        *self != Self { vat: self.vat, ..Self::default() }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn helsinki_winter() -> LocalTime {
        LocalTime::fixed(2 * 3600)
    }

    fn day_night() -> Tariff {
        Tariff {
            margin: 0.4,
            transfer: Transfer::DayNight { day: 3.0, night: 1.5, day_starts: 7, night_starts: 22 },
            tax: 2.24,
            vat: FINNISH_VAT,
        }
    }

    #[test]
    fn vat_is_added_to_the_fees_only() {
        let local = helsinki_winter();
        // 10:00 UTC is 12:00 in Helsinki: the day rate.
        let b = day_night().breakdown(10.0, Utc.with_ymd_and_hms(2026, 1, 15, 10, 0, 0).unwrap(), &local);
        assert_eq!(b.transfer, 3.0);
        let fees = 0.4 + 3.0 + 2.24;
        assert!((b.vat_on_fees - fees * 0.255).abs() < 1e-12);
        assert!((b.total - (10.0 + fees * 1.255)).abs() < 1e-12, "{b:?}");
    }

    #[test]
    fn the_night_rate_applies_from_22_to_7_local_time() {
        let transfer = day_night().transfer;
        let rates: Vec<f64> = (0..24).map(|h| transfer.at_hour(h)).collect();
        assert_eq!(&rates[..7], &[1.5; 7]);
        assert_eq!(&rates[7..22], &[3.0; 15]);
        assert_eq!(&rates[22..], &[1.5; 2]);
        // A night inside the day's numbers (unusual, but allowed): nights from 1 to 5.
        let odd = Transfer::DayNight { day: 2.0, night: 1.0, day_starts: 5, night_starts: 1 };
        assert_eq!((odd.at_hour(0), odd.at_hour(1), odd.at_hour(4), odd.at_hour(5)), (2.0, 1.0, 1.0, 2.0));
        // 21:30 UTC is 23:30 in Helsinki in winter: night.
        let b = day_night().breakdown(0.0, Utc.with_ymd_and_hms(2026, 1, 15, 21, 30, 0).unwrap(), &helsinki_winter());
        assert_eq!(b.transfer, 1.5);
    }

    #[test]
    fn negative_spot_prices_stay_negative_and_the_fees_still_count() {
        let b = day_night().breakdown(-1.2, Utc.with_ymd_and_hms(2026, 1, 15, 10, 0, 0).unwrap(), &helsinki_winter());
        assert!(b.total > 0.0 && (b.total - (-1.2 + 5.64 * 1.255)).abs() < 1e-12);
        assert_eq!(Tariff::default().exchange_price(-1.2), -12.0, "no VAT in a negative price");
    }

    #[test]
    fn the_exchange_quotes_euros_per_mwh_without_vat() {
        let exchange = Tariff::default().exchange_price(12.55);
        assert!((exchange - 100.0).abs() < 1e-9, "{exchange}");
    }

    #[test]
    fn without_fees_the_total_is_the_spot_price() {
        let none = Tariff::default();
        assert!(!none.has_fees());
        assert!(day_night().has_fees());
        let b = none.breakdown(7.5, Utc::now(), &helsinki_winter());
        assert_eq!(b.total, 7.5);
    }
}
