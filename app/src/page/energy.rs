//! The "Your electricity" section: what the household's metered energy cost, month by month, against a fixed
//! price, with what its timing saved and its production earned; its cost by day; the hours of the day where the
//! money goes; and the dearest intervals. Asked for apart from the dashboard's data. Before any energy is
//! imported it is the upload form alone; the form posts to the server's [`IMPORT_PATH`], which redirects back
//! here with what it imported or why it did not (shown by [`import_outcome`]).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    figures::format::{LocalTime, price},
    page::{api::energy_card, wire::BrowserJson},
    query::spending::{DayCost, EnergyCard, HourCost, MonthlyFees, Period},
};

/// Where the upload form posts a metering file (multipart: `file`, and `kind`).
pub const IMPORT_PATH: &str = "/energy/import";

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
                match data.await.ok().flatten() {
                    Some(card) => view! { <Section card/> }.into_any(),
                    None => view! { <Empty/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Before any energy: what the section would show, and the form.
#[component]
fn Empty() -> impl IntoView {
    view! {
        <section class="card energy energy-empty" id="energy" aria-labelledby="energy-title">
            <h2 id="energy-title">"Your electricity"</h2>
            <p>
                "What your metered energy cost at the spot price of each quarter, against a fixed price: import a
                file of your consumption (or production) from Fingrid's Datahub."
            </p>
            <ImportStatus/>
            <ImportForm/>
        </section>
    }
}

/// What the last upload did, as the redirect after it says.
#[component]
fn ImportStatus() -> impl IntoView {
    let query = use_query_map();
    let outcome = move || {
        query.with(|q| {
            let (imported, error) = (q.get("imported"), q.get("import_error"));
            import_outcome(
                imported.as_deref(),
                q.get("missing").as_deref(),
                q.get("pending").is_some(),
                error.as_deref(),
            )
        })
    };
    move || {
        outcome().map(
            |(text, failed)| view! { <p role="status" class="import-status" class:import-failed=failed>{text}</p> },
        )
    }
}

#[component]
fn ImportForm() -> impl IntoView {
    view! {
        <form class="energy-import" method="post" action=IMPORT_PATH enctype="multipart/form-data">
            <label>
                "Metering file (a Datahub export, or start,kwh)"
                <input type="file" name="file" accept=".csv,text/csv,text/plain" required/>
            </label>
            <label>
                "Kind"
                <select name="kind">
                    <option value="consumption" selected>"Consumption (bought)"</option>
                    <option value="production">"Production (sold)"</option>
                </select>
            </label>
            <button type="submit">"Import"</button>
        </form>
    }
}

/// What the redirect after an upload says (its query: `imported`, `missing`, `pending`, or `import_error`):
/// the sentence, and whether it is a failure.
pub fn import_outcome(
    imported: Option<&str>,
    missing: Option<&str>,
    pending: bool,
    error: Option<&str>,
) -> Option<(String, bool)> {
    if let Some(error) = error {
        let error: String = error.chars().take(300).collect();
        return Some((format!("Nothing was imported: {error}"), true));
    }
    let imported: u64 = imported?.parse().ok()?;
    let missing: u64 = missing.and_then(|m| m.parse().ok()).unwrap_or(0);
    let mut text = format!("Imported {imported} intervals");
    if missing > 0 {
        text += &format!(" ({missing} marked missing: not priced)");
    }
    text += if pending { "; they appear here once the consumer has written them." } else { "." };
    Some((text, false))
}

fn euros(value: f64) -> String {
    format!("{value:.2} €")
}

fn optional(value: Option<f64>, show: impl Fn(f64) -> String) -> String {
    value.map_or_else(|| "–".to_owned(), show)
}

#[component]
fn Section(card: EnergyCard) -> impl IntoView {
    let EnergyCard { costs, spending, fixed, fees, zone } = card;
    let fixed_head = match fixed {
        Some(fixed) => format!("Bill at {} c/kWh fixed", price(fixed)),
        None => "Bill at a fixed price".to_owned(),
    };
    let rows = costs.months.into_iter().chain(std::iter::once(costs.total));
    let days: Vec<DayCost> = spending.days.iter().rev().take(DAYS_SHOWN).rev().cloned().collect();
    view! {
        <section class="card energy" id="energy" aria-labelledby="energy-title">
            <h2 id="energy-title">"Your electricity"</h2>
            <ImportStatus/>
            <p class="energy-span">{format!("Metered energy from {} to {}", costs.from, costs.to)}</p>
            <table class="energy-months" aria-label="Cost by month">
                <thead>
                    <tr>
                        <th scope="col">"Month"</th>
                        <th scope="col">"Bought"</th>
                        <th scope="col">"Cost at spot"</th>
                        <th scope="col">"Basic fees"</th>
                        <th scope="col">"Bill at spot"</th>
                        <th scope="col">{fixed_head}</th>
                        <th scope="col">"Timing saved"</th>
                        <th scope="col">"Sold"</th>
                        <th scope="col">"Net"</th>
                    </tr>
                </thead>
                <tbody>{rows.map(|period| view! { <Month period/> }).collect_view()}</tbody>
            </table>
            <p class="energy-fees">{fees_sentence(fees)}</p>
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
            <details class="energy-more">
                <summary>"Import more metering data"</summary>
                <ImportForm/>
            </details>
        </section>
    }
}

/// What the basic fees are, or how to set them.
fn fees_sentence(fees: MonthlyFees) -> String {
    if fees == MonthlyFees::default() {
        return "No basic fees are set: the bills are the energy alone (see --contract-fee and --network-fee)."
            .to_owned();
    }
    let fixed = if fees.fixed_contract == fees.contract {
        String::new()
    } else {
        format!(", {} on the fixed-price contract", euros(fees.fixed_contract))
    };
    format!(
        "Basic fees a month: {} for the contract{fixed}, {} for the network; a month partly metered carries its share.",
        euros(fees.contract),
        euros(fees.network)
    )
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
            <td>{euros(period.fees_euros)}</td>
            <td class="energy-bill">{euros(period.bill_euros)}</td>
            <td>{optional(period.fixed_bill_euros, euros)}</td>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_after_an_upload_is_told_in_a_sentence() {
        assert_eq!(import_outcome(None, None, false, None), None);
        assert_eq!(import_outcome(Some("96"), Some("0"), false, None), Some(("Imported 96 intervals.".into(), false)));
        let pending = import_outcome(Some("15"), Some("1"), true, None).unwrap().0;
        assert_eq!(
            pending,
            "Imported 15 intervals (1 marked missing: not priced); they appear here once the consumer has written them."
        );
        let refused = import_outcome(None, None, false, Some("a.csv: line 3: the amount -1 is negative")).unwrap();
        assert_eq!(refused, ("Nothing was imported: a.csv: line 3: the amount -1 is negative".into(), true));
        assert_eq!(import_outcome(None, None, false, Some(&"x".repeat(1000))).unwrap().0.len(), 322);
        assert_eq!(import_outcome(Some("lots"), None, false, None), None, "not a count: nothing said");
    }

    #[test]
    fn the_fees_are_named_or_their_options_are() {
        assert!(fees_sentence(MonthlyFees::default()).contains("--contract-fee"));
        let fees = MonthlyFees { contract: 3.9, network: 27.5, fixed_contract: 3.9 };
        assert_eq!(
            fees_sentence(fees),
            "Basic fees a month: 3.90 € for the contract, 27.50 € for the network; a month partly metered carries its share."
        );
        let fixed = MonthlyFees { fixed_contract: 4.9, ..fees };
        assert!(fees_sentence(fixed).contains(", 4.90 € on the fixed-price contract,"));
    }
}
