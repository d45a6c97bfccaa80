//! The dashboard's text panels: rendered on the server, readable without JavaScript.

use leptos::prelude::*;

use crate::{
    api::DashboardData,
    format::{Local, price},
    stats::Level,
};

/// How many slots the recent-data table lists.
const RECENT_ROWS: usize = 20;

#[component]
fn Card(
    label: &'static str,
    value: String,
    #[prop(optional)] detail: Option<String>,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    view! {
        <div class=format!("card stat {class}")>
            <span class="stat-label">{label}</span>
            <span class="stat-value">{value}</span>
            {detail.map(|d| view! { <span class="stat-detail">{d}</span> })}
        </div>
    }
}

#[component]
pub fn StatCards(data: DashboardData) -> impl IntoView {
    let tz = Local::new(&data.tz);
    let average = data.summary.as_ref().map_or(0.0, |s| s.average);
    let current = data.current.as_ref().map(|c| {
        let level = Level::of(c.price, average);
        (
            price(c.price),
            format!("{}–{}, {}", tz.time(c.start_date), tz.time(c.slot_end()), level.label()),
            level.class(),
        )
    });
    let summary = data.summary.clone();
    view! {
        <section class="stats" aria-label="Price summary">
            {match current {
                Some((value, detail, class)) => view! { <Card label="Current price" value detail class/> }.into_any(),
                None => view! { <Card label="Current price" value="–".to_owned() detail="no price known for now".to_owned()/> }.into_any(),
            }}
            {summary.map(|s| view! {
                <Card label="Average" value=price(s.average) detail=format!("{} slots", s.count)/>
                <Card label="Lowest" value=price(s.min.price) detail=tz.date_time(s.min.start) class="very-cheap"/>
                <Card label="Highest" value=price(s.max.price) detail=tz.date_time(s.max.start) class="very-expensive"/>
                <Card label="Median" value=price(s.median)/>
                <Card label="Std deviation" value=price(s.std_dev)/>
            })}
            {data.today_average.map(|a| view! { <Card label="Today's average" value=price(a)/> })}
            {data.tomorrow_average.map(|a| view! { <Card label="Tomorrow's average" value=price(a)/> })}
        </section>
    }
}

#[component]
pub fn CheapestWindows(data: DashboardData) -> impl IntoView {
    let tz = Local::new(&data.tz);
    view! {
        <section class="card cheapest" aria-label="Cheapest coming hours">
            <h2>"Cheapest time to use electricity"</h2>
            {if data.cheapest.is_empty() {
                view! { <p>"Not enough known future prices."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {data.cheapest.iter().map(|w| view! {
                            <li>
                                <strong>{format!("{} h", w.hours)}</strong>
                                " from " {tz.date_time(w.start)} " to " {tz.time(w.end)}
                                ": " <span class="cheapest-price">{price(w.average)}</span> " c/kWh on average"
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn RecentTable(data: DashboardData) -> impl IntoView {
    let tz = Local::new(&data.tz);
    let average = data.summary.as_ref().map_or(0.0, |s| s.average);
    let rows: Vec<_> = data.slots.iter().rev().take(RECENT_ROWS).cloned().collect();
    view! {
        <section class="card recent">
            <h2 id="recent-title">"Recent data"</h2>
            <table aria-labelledby="recent-title">
                <thead><tr><th scope="col">"Slot start"</th><th scope="col">"Price (c/kWh)"</th><th scope="col">"Level"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let level = Level::of(r.price, average);
                        view! {
                            <tr class=level.class() class:negative=r.price < 0.0>
                                <td>{tz.date_time(r.start_date)}</td>
                                <td class="num">{price(r.price)}</td>
                                <td>{level.label()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
pub fn DataInfo(data: DashboardData) -> impl IntoView {
    let tz = Local::new(&data.tz);
    view! {
        <section class="card info" aria-label="Data info">
            <h2>"Data"</h2>
            <dl>
                <dt>"Total records"</dt><dd class="total-records">{data.total_records}</dd>
                <dt>"Slots known"</dt><dd>{data.total_slots}</dd>
                <dt>"Slots displayed"</dt><dd class="slots-displayed">{data.slots.len()}</dd>
                <dt>"Last update received"</dt>
                <dd>{data.last_received.map_or("never".to_owned(), |t| tz.date_time(t))}</dd>
            </dl>
        </section>
    }
}

#[component]
pub fn PipelinePanel(data: DashboardData) -> impl IntoView {
    let tz = Local::new(&data.tz);
    let Some(status) = data.pipeline else {
        return view! {
            <section class="card pipeline" aria-label="Pipeline status">
                <h2>"Pipeline"</h2>
                <p>"The producer and the consumer run in other processes; the CSV log is all this server sees."</p>
            </section>
        }
        .into_any();
    };
    let kafka = match status.kafka_reachable {
        Some(true) => "reachable",
        Some(false) => "not reachable",
        None => "not contacted yet",
    };
    view! {
        <section class="card pipeline" aria-label="Pipeline status">
            <h2>"Pipeline"</h2>
            <dl>
                <dt>"Kafka"</dt><dd class=if status.kafka_reachable == Some(false) { "bad" } else { "" }>{kafka}</dd>
                {status.producer.map(|p| view! {
                    <dt>"Producer"</dt>
                    <dd>
                        "watching " <code>{p.price_file}</code> "; "
                        {p.messages_sent} " messages sent; last change "
                        {p.last_change.map_or("none yet".to_owned(), |t| tz.date_time(t))}
                    </dd>
                })}
                {status.consumer.map(|c| view! {
                    <dt>"Consumer"</dt>
                    <dd>{c.rows_written} " rows written; lag " {c.lag.map_or("unknown".to_owned(), |l| l.to_string())}</dd>
                })}
            </dl>
        </section>
    }
    .into_any()
}
