//! The alerts card: the rules of `ALERTS_FILE`, what each watches and where it sends, its next alert, and the
//! last alerts sent with what became of them. Asked for apart from the dashboard's data; shown only when there
//! are rules or deliveries.

use leptos::prelude::*;

use crate::{
    alerts::{
        card::{AlertsCard, RuleLine},
        delivery::{Delivery, Outcome},
    },
    figures::format::LocalTime,
    page::{api::alerts_card, wire::BrowserJson},
};

/// How often the card is asked for again: alerts are due at quarter-hour boundaries at most.
const REFRESH_MS: u64 = 30_000;

#[component]
pub fn AlertsPanel() -> impl IntoView {
    let data = Resource::<_, BrowserJson>::new_with_options(|| (), |()| alerts_card(), false);
    super::refetch_every(REFRESH_MS, move || data.refetch());
    view! {
        <Transition>
            {move || Suspend::new(async move {
                data.await.ok().flatten().map(|card| view! { <Card card/> })
            })}
        </Transition>
    }
}

#[component]
fn Card(card: AlertsCard) -> impl IntoView {
    let AlertsCard { rules, recent, zone } = card;
    let none_sent = recent.is_empty().then(|| view! { <p class="alerts-none">"No alert sent yet."</p> });
    view! {
        <section class="card alerts" aria-labelledby="alerts-title">
            <h2 id="alerts-title">"Alerts"</h2>
            <table class="alert-rules" aria-label="Alert rules">
                <thead>
                    <tr>
                        <th scope="col">"Rule"</th>
                        <th scope="col">"Watches"</th>
                        <th scope="col">"Sends to"</th>
                        <th scope="col">"Next alert"</th>
                    </tr>
                </thead>
                <tbody>
                    {rules.into_iter().map(|rule| view! { <Rule rule zone=zone.clone()/> }).collect_view()}
                </tbody>
            </table>
            <h3>"Last alerts sent"</h3>
            {none_sent}
            <ol class="alert-log">
                {recent.into_iter().map(|delivery| view! { <Sent delivery zone=zone.clone()/> }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn Rule(rule: RuleLine, zone: LocalTime) -> impl IntoView {
    let next = match rule.next {
        Some(next) => format!("{}: {}", zone.date_time(next.due), next.title),
        None => "none the known prices call for".to_owned(),
    };
    view! {
        <tr>
            <th scope="row">{rule.name}</th>
            <td class="alert-watches">{rule.watches}</td>
            <td class="alert-channels">{rule.channels.join(", ")}</td>
            <td class="alert-next">{next}</td>
        </tr>
    }
}

#[component]
fn Sent(delivery: Delivery, zone: LocalTime) -> impl IntoView {
    let Delivery { time, revision, channel, outcome, title, .. } = delivery;
    let correction = (revision > 1).then(|| format!(" (correction {})", revision - 1));
    let (class, what) = match outcome {
        Outcome::Delivered => ("delivered", format!("delivered to {channel}")),
        Outcome::Expired => ("expired", format!("expired before {channel} took it")),
        Outcome::Superseded => ("superseded", format!("not sent to {channel}: a correction came first")),
    };
    view! {
        <li class=class>
            <time>{zone.date_time(time)}</time> " " {title} {correction} ": " <span class="alert-outcome">{what}</span>
        </li>
    }
}
