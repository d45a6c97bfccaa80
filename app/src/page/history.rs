//! The history panel: today beside yesterday and a week ago, each day's average, each month's, and the last two
//! weeks hour by hour. Asked for apart from the dashboard's data and less often: it changes once a day.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    figures::{
        format::price,
        history::{Average, History, Hour},
    },
    page::{
        api::history,
        charts::{HistoryChart, HistoryKind},
        panels::LevelKey,
        wire::BrowserJson,
    },
};

/// Whether today, yesterday and a week ago are all without prices.
fn no_day_has_prices(h: &History) -> bool {
    [h.today, h.yesterday, h.week_ago].iter().all(|day| day.iter().all(Option::is_none))
}

/// How often the history is asked for again: today's line grows when tomorrow's prices arrive.
const REFRESH_MS: u64 = 5 * 60_000;

#[component]
pub fn HistoryPanel() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        let q = query.read();
        ["price", "res", "unit"].map(|key| q.get(key))
    });
    let data = Resource::<_, BrowserJson>::new_with_options(
        move || asked.get(),
        |[price, res, unit]| history(price, res, unit),
        false,
    );
    let (latest, set_latest) = signal(None::<History>);
    Effect::new(move |_| {
        if let Some(Ok(fresh)) = data.get() {
            set_latest.set(Some(fresh));
        }
    });
    super::refetch_every(REFRESH_MS, move || data.refetch());
    // Old data (no day of the last 60) still has its months; a chart with nothing to draw says why instead.
    let has_history = move || latest.with(|h| h.as_ref().is_some_and(|h| !h.monthly.is_empty()));
    let no_days = move || latest.with(|h| h.as_ref().is_some_and(no_day_has_prices));
    let no_daily = move || latest.with(|h| h.as_ref().is_some_and(|h| h.daily.is_empty()));
    view! {
        <section class="history" class:hidden=move || !has_history() aria-label="History">
            <div class="card chart-card">
                <h2>"Today, yesterday and a week ago"</h2>
                <p class="empty-note" class:hidden=move || !no_days()>
                    "Nothing to draw: no prices are stored for today, yesterday or the same day a week ago. "
                    "The lines appear as soon as prices of these days arrive from the source."
                </p>
                <div class:hidden=no_days>
                    <HistoryChart id="days-chart" label="Hourly prices of today, yesterday and the same weekday a week ago" kind=HistoryKind::Days data=latest.into()/>
                </div>
            </div>
            <div class="card chart-card">
                <h2>"Daily averages"</h2>
                <p class="empty-note" class:hidden=move || !no_daily()>
                    "Nothing to draw: no prices are stored for the last 60 days. "
                    "The bars appear as soon as prices of these days arrive from the source."
                </p>
                <div class:hidden=no_daily>
                    <HistoryChart id="daily-chart" label="Average price of each of the last 60 days" kind=HistoryKind::Daily data=latest.into()/>
                </div>
            </div>
            <Transition>
                {move || Suspend::new(async move {
                    data.await.ok().filter(|h| !h.monthly.is_empty()).map(|h| view! {
                        <Months months=h.monthly.clone()/>
                        <Heatmap history=h/>
                    })
                })}
            </Transition>
        </section>
    }
}

/// Every month's average, newest first.
#[component]
fn Months(months: Vec<Average>) -> impl IntoView {
    view! {
        <div class="card months">
            <h2 id="months-title">"Monthly averages"</h2>
            <table aria-labelledby="months-title">
                <thead><tr><th scope="col">"Month"</th><th scope="col">"Average"</th><th scope="col">"Lowest"</th><th scope="col">"Highest"</th></tr></thead>
                <tbody>
                    {months.into_iter().rev().map(|m| view! {
                        <tr>
                            <td>{m.period}</td>
                            <td class="num">{price(m.average)}</td>
                            <td class="num">{price(m.min)}</td>
                            <td class="num">{price(m.max)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The last two weeks as a grid of days by local hours, each hour coloured by its level.
#[component]
fn Heatmap(history: History) -> impl IntoView {
    let unit = history.view.unit.label();
    let empty = history.heatmap.is_empty();
    view! {
        <div class="card heatmap wide">
            <h2 id="heatmap-title">"The last two weeks, hour by hour"</h2>
            {empty.then(|| view! {
                <p class="empty-note">
                    "Nothing to show: no prices are stored for the last two weeks. "
                    "The grid fills as soon as prices of these days arrive from the source."
                </p>
            })}
            {(!empty).then(|| view! { <LevelKey what="each hour's price"/> })}
            <table aria-labelledby="heatmap-title" class:hidden=empty>
                <thead>
                    <tr><th scope="col">"Day"</th>{(0..24).map(|h| view! { <th scope="col">{format!("{h:02}")}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {history.heatmap.into_iter().map(|(date, hours)| view! {
                        <tr>
                            <th scope="row">{date.format("%a %-d %b").to_string()}</th>
                            {hours.into_iter().map(|hour| {
                                // An hour without prices is an empty cell: no class, no title, no text.
                                let class = hour.map(|Hour(_, level)| level.class());
                                let title = hour.map(|Hour(p, level)| format!("{} {unit}, {}", price(p), level.label()));
                                view! { <td class=class title=title>{hour.map(|Hour(p, _)| format!("{p:.0}"))}</td> }
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
