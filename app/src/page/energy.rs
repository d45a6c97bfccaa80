//! The "Your electricity" section: what the household's metered energy cost, month by month, against a fixed
//! price, with what its timing saved and its production earned; its cost by day; the hours of the day where the
//! money goes; and the dearest intervals. Asked for apart from the dashboard's data, and shown only once
//! energy was imported (`price-monitor import-energy`).

use leptos::prelude::*;

use crate::{
    figures::format::{LocalTime, price},
    page::{api::energy_card, wire::BrowserJson},
    query::spending::{DayCost, EnergyCard, HourCost, Period},
};

/// How often the section is asked for again: metered energy arrives by import, not by the quarter.
const REFRESH_MS: u64 = 60_000;
/// The days the chart of cost per day shows: the last with energy.
const DAYS_SHOWN: usize = 31;

#[component]
pub fn EnergyPanel() -> impl IntoView {
    let data = Resource::<_, BrowserJson>::new_with_options(|| (), |()| energy_card(), false);
    super::refetch_every(REFRESH_MS, move || data.refetch());
    view! {
        <Transition>
            {move || Suspend::new(async move {
                data.await.ok().flatten().map(|card| view! { <Section card/> })
            })}
        </Transition>
    }
}

fn euros(value: f64) -> String {
    format!("{value:.2} €")
}

fn optional(value: Option<f64>, show: impl Fn(f64) -> String) -> String {
    value.map_or_else(|| "–".to_owned(), show)
}

#[component]
fn Section(card: EnergyCard) -> impl IntoView {
    let EnergyCard { costs, spending, fixed, zone } = card;
    let fixed_head = match fixed {
        Some(fixed) => format!("At {} c/kWh fixed", price(fixed)),
        None => "At a fixed price".to_owned(),
    };
    let rows = costs.months.into_iter().chain(std::iter::once(costs.total));
    let days: Vec<DayCost> = spending.days.iter().rev().take(DAYS_SHOWN).rev().cloned().collect();
    view! {
        <section class="card energy" aria-labelledby="energy-title">
            <h2 id="energy-title">"Your electricity"</h2>
            <p class="energy-span">{format!("Metered energy from {} to {}", costs.from, costs.to)}</p>
            <table class="energy-months" aria-label="Cost by month">
                <thead>
                    <tr>
                        <th scope="col">"Month"</th>
                        <th scope="col">"Bought"</th>
                        <th scope="col">"Cost at spot"</th>
                        <th scope="col">{fixed_head}</th>
                        <th scope="col">"Timing saved"</th>
                        <th scope="col">"Sold"</th>
                        <th scope="col">"Net"</th>
                    </tr>
                </thead>
                <tbody>{rows.map(|period| view! { <Month period/> }).collect_view()}</tbody>
            </table>
            <h3>"Cost per day"</h3>
            <ol class="energy-days">{days_view(days)}</ol>
            <h3>"Where the money goes, by hour of the day"</h3>
            <ol class="energy-hours">{hours_view(spending.hours)}</ol>
            <h3>"The dearest intervals"</h3>
            <ol class="energy-dearest">
                {spending
                    .dearest
                    .into_iter()
                    .map(|i| {
                        let when = format!("{}–{}", zone_time(&zone, i.metered.start, true), zone_time(&zone, i.metered.end, false));
                        view! {
                            <li>
                                <time>{when}</time>
                                {format!(": {:.2} kWh at {} c/kWh, {}", i.metered.kwh, price(i.total), euros(i.euros))}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

fn zone_time(zone: &LocalTime, t: chrono::DateTime<chrono::Utc>, with_date: bool) -> String {
    if with_date { zone.date_time(t) } else { zone.time(t) }
}

#[component]
fn Month(period: Period) -> impl IntoView {
    let name = if period.period == "all" { "All".to_owned() } else { period.period.clone() };
    let unpriced = (period.unpriced > 0).then(|| format!(" ({} intervals without a price left out)", period.unpriced));
    view! {
        <tr>
            <th scope="row">{name}</th>
            <td>{format!("{:.1} kWh", period.kwh)}{unpriced}</td>
            <td class="energy-cost">{euros(period.euros)}</td>
            <td>{optional(period.fixed_euros, euros)}</td>
            <td>{optional(period.timing_euros, euros)}</td>
            <td>{format!("{:.1} kWh, {}", period.sold_kwh, euros(period.sold_euros))}</td>
            <td class="energy-net">{euros(period.net_euros)}</td>
        </tr>
    }
}

fn days_view(days: Vec<DayCost>) -> impl IntoView {
    let most = days.iter().map(|d| d.euros).fold(0.0, f64::max);
    days.into_iter()
        .map(|day| {
            let label = format!("{}: {}", day.date.format("%a %-d %b"), euros(day.euros));
            view! { <li><meter min="0" max=most value=day.euros aria-label=label.clone()></meter>{label}</li> }
        })
        .collect_view()
}

fn hours_view(hours: Vec<HourCost>) -> impl IntoView {
    let most = hours.iter().map(|h| h.euros).fold(0.0, f64::max);
    hours
        .into_iter()
        .map(|hour| {
            let label =
                format!("{:02}–{:02}: {:.1} kWh, {}", hour.hour, (hour.hour + 1) % 24, hour.kwh, euros(hour.euros));
            view! { <li><meter min="0" max=most value=hour.euros aria-label=label.clone()></meter>{label}</li> }
        })
        .collect_view()
}
