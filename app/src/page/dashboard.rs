use leptos::{either::EitherOf3, prelude::*};
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};

use crate::{
    figures::format::price,
    page::{
        alerts::AlertsPanel,
        api::{PageQuery, dashboard},
        charts::{ChartKind, EChart},
        controls::{ThemeChoice, ViewControls, href_with, view_note, view_of},
        energy::EnergyPanel,
        history::HistoryPanel,
        panels::{CheapestWindows, DataInfo, LevelKey, PipelinePanel, RecentTable, StatCards, Warnings},
        planner::Planner,
        wire::BrowserJson,
    },
    query::dashboard::{DEFAULT_HOURS, DashboardData, MAX_HOURS, parse_hours},
};

/// How often the page asks for new data.
const REFRESH_MS: u64 = 10_000;

/// The page at `/?hours=N`: everything about the prices of the last N hours and the known future.
///
/// The data is rendered on the server (numbers and tables are in the HTML before any script runs), then the
/// browser re-fetches it every 10 s; charts live outside the data's `Transition` so they are updated in place.
#[component]
pub fn Dashboard() -> impl IntoView {
    provide_context(ThemeChoice::new());
    let query = use_query_map();
    // The URL's question goes to the server as it is: it checks it, and answers a bad one with what is allowed.
    let asked = Memo::new(move |_| PageQuery::from_url(&query.read(), DEFAULT_HOURS));
    let hours = Memo::new(move |_| asked.with(|q| parse_hours(&q.hours).unwrap_or(DEFAULT_HOURS)));
    let data = Resource::<_, BrowserJson>::new_with_options(move || asked.get(), dashboard, false);
    // What the charts and the slider follow. Set from an effect, so only in the browser: the server renders
    // the charts' boxes empty and the page hydrates without a mismatch.
    let (latest, set_latest) = signal(None::<DashboardData>);
    Effect::new(move |_| {
        if let Some(Ok(fresh)) = data.get() {
            set_latest.set(Some(fresh));
        }
    });
    let latest: Signal<Option<DashboardData>> = latest.into();
    let unit = move || view_of(&query.read()).unit.label();

    super::refetch_every(REFRESH_MS, move || data.refetch());

    view! {
        <header class="page-header">
            <h1>"Electricity price monitor"</h1>
            <p class="subtitle">"Finnish electricity prices, " {unit}</p>
        </header>
        <main>
            <ViewControls/>
            <RangeControl hours=hours.into() latest/>
            <Transition fallback=|| view! { <p class="loading">"Loading prices…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => EitherOf3::A(view! { <p class="error" role="alert">{e.to_string()}</p> }),
                        Ok(data) if data.charts.trend.is_empty() => EitherOf3::B(view! { <EmptyState/> }),
                        Ok(data) => EitherOf3::C(view! { <Overview data/> }),
                    }
                })}
            </Transition>
            <Charts latest/>
            <Transition>
                {move || Suspend::new(async move {
                    data.await.ok().filter(|data| !data.charts.trend.is_empty()).map(|data| view! { <Details data/> })
                })}
            </Transition>
            <AlertsPanel/>
            <EnergyPanel/>
            <HistoryPanel/>
        </main>
    }
}

/// Warnings, stat cards and the cheapest windows: the numbers a person looks at first.
#[component]
fn Overview(data: DashboardData) -> impl IntoView {
    let zone = data.zone;
    let average = data.cards.summary.as_ref().map(|s| price(s.average));
    view! {
        <p class="view-note">{view_note(data.view, data.tariff.has_fees())}</p>
        <Warnings warnings=data.warnings zone=zone.clone()/>
        <StatCards cards=data.cards zone=zone.clone()/>
        <CheapestWindows windows=data.cheapest zone=zone.clone()/>
        <Planner answer=data.plan unit=data.view.unit zone=zone.clone()/>
        <p class="tz-note">
            "Times in " {zone.name} ". Average over the window: " {average} " " {data.view.unit.label()} "."
        </p>
    }
}

/// The three charts, drawn in the browser from `latest`. Their boxes are in the page from the start, so that
/// nothing below them moves when they are drawn. Where there is nothing to draw, the stylesheet hides them from
/// the first paint on, by what the server rendered before them: the empty state, or an error while no answer
/// has come (`answered`: a failed refresh leaves the charts drawn); and in a browser that runs no scripts.
#[component]
fn Charts(latest: Signal<Option<DashboardData>>) -> impl IntoView {
    let answered = move || latest.with(Option::is_some);
    view! {
        <section class="charts" class:answered=answered aria-label="Charts">
            <div class="card chart-card wide">
                <h2>"Price trend"</h2>
                <LevelKey what="each slot's price"/>
                <EChart id="trend-chart" label="Price of every slot over time, coloured by price level" kind=ChartKind::Trend data=latest/>
            </div>
            <div class="card chart-card">
                <h2>"Average by hour of day"</h2>
                <EChart id="hourly-chart" label="Average price for each hour of the day" kind=ChartKind::Hourly data=latest/>
            </div>
            <div class="card chart-card">
                <h2>"Price distribution"</h2>
                <EChart id="histogram-chart" label="How many slots fall in each price range" kind=ChartKind::Histogram data=latest/>
            </div>
        </section>
    }
}

/// The recent slots, the size of the data and the pipeline's health, below the charts.
#[component]
fn Details(data: DashboardData) -> impl IntoView {
    let zone = data.zone;
    let displayed = data.charts.window_slots;
    let newest_first = data.recent;
    view! {
        <RecentTable newest_first unit=data.view.unit zone=zone.clone()/>
        <DataInfo log=data.log displayed zone=zone.clone()/>
        <PipelinePanel status=data.pipeline zone/>
    }
}

/// Before any data: what to start, not an error.
#[component]
fn EmptyState() -> impl IntoView {
    view! {
        <section class="card empty">
            <h2>"No prices yet"</h2>
            <p>
                "Nothing has reached the CSV log yet. Start Kafka and the pipeline ("
                <code>"scripts/run.sh"</code> " starts everything, or " <code>"price-monitor all"</code>
                ") and put a porssisahko.net price file where the producer watches ("
                <code>"data/latest-prices.json"</code> " by default). Prices appear here within seconds."
            </p>
        </section>
    }
}

/// The history slider, quick links and the CSV download. The choice is kept in the URL (`?hours=N`) so a link
/// reproduces the view; without JavaScript the links and the form's button still work.
#[component]
fn RangeControl(hours: Signal<u32>, latest: Signal<Option<DashboardData>>) -> impl IntoView {
    let navigate = use_navigate();
    let query = use_query_map();
    let available = move || latest.with(|d| d.as_ref().map(|d| d.available_hours.max(1)));
    let max = move || available().unwrap_or_else(|| hours.get().max(DEFAULT_HOURS));
    // While the thumb is dragged: the value shown before the URL changes.
    let (dragged, set_dragged) = signal(None::<u32>);
    let value = move || dragged.get().unwrap_or_else(|| hours.get().min(max()));
    let on_change = move |ev: leptos::ev::Event| {
        if let Ok(h) = event_target_value(&ev).parse::<u32>() {
            set_dragged.set(None);
            let href = href_with(&query.read_untracked(), "hours", &h.to_string());
            navigate(&href, NavigateOptions { replace: true, scroll: false, ..Default::default() });
        }
    };
    let on_input = move |ev: leptos::ev::Event| set_dragged.set(event_target_value(&ev).parse().ok());
    let label = move || hours_label(value(), available());
    view! {
        <form class="card range" method="get" action="/">
            <label for="hours">"History shown: " <strong class="hours-value">{label}</strong></label>
            <input
                id="hours"
                name="hours"
                type="range"
                min="1"
                max=move || max().to_string()
                prop:value=move || value().to_string()
                on:input=on_input
                on:change=on_change
                aria-valuetext=label
            />
            <noscript><button type="submit">"Show"</button></noscript>
            <nav class="quick-ranges" aria-label="History length">
                {[(6, "6 h"), (24, "24 h"), (48, "48 h"), (168, "7 days"), (MAX_HOURS, "all")]
                    .into_iter()
                    .map(|(h, text)| view! {
                        <a href=move || href_with(&query.read(), "hours", &h.to_string()) class:active=move || hours.get() == h>
                            {text}
                        </a>
                    })
                    .collect_view()}
            </nav>
            <a class="download" href=move || format!("/download.csv?hours={}", hours.get()) download="">
                "Download this range as CSV"
            </a>
        </form>
    }
}

fn hours_label(hours: u32, available: Option<u32>) -> String {
    if available.is_some_and(|a| hours >= a) {
        "all history".to_owned()
    } else if hours >= 48 && hours.is_multiple_of(24) {
        format!("{} days", hours / 24)
    } else {
        format!("{hours} h")
    }
}
