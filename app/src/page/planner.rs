//! The planner: when to run an appliance for a given time, between an earliest start and a "done by", and
//! what it costs. Its inputs are a GET form, so they live in the URL and a link shares the plan.

use leptos::{either::Either, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::figures::{
    format::{LocalTime, price},
    planner::{Answer, MAX_QUARTERS, cost_euros, duration_text},
    view::Unit,
};

/// Runs a person can pick: 15 minutes to 12 hours in 15-minute steps.
fn durations() -> impl Iterator<Item = (u32, String)> {
    (1..=MAX_QUARTERS).map(|q| (q, duration_text(q)))
}

/// The form's value for `quarters`, as `planner::parse_duration` reads it.
fn duration_value(quarters: u32) -> String {
    format!("{}m", quarters * 15)
}

#[component]
pub fn Planner(answer: Option<Answer>, unit: Unit, zone: LocalTime) -> impl IntoView {
    let query = use_query_map();
    let field = move |key: &str| query.read_untracked().get(key).unwrap_or_default();
    let chosen = answer.as_ref().map_or(8, |a| a.ask.quarters);
    // The view and the history shown go along unchanged.
    let kept: Vec<(&str, String)> = ["hours", "price", "res", "unit"]
        .into_iter()
        .filter_map(|k| query.read_untracked().get(k).map(|v| (k, v)))
        .collect();
    view! {
        <section class="card planner" aria-labelledby="planner-title">
            <h2 id="planner-title">"Plan a run"</h2>
            // A plain GET form: submitting loads the page for the new URL (the router's <Form> would save that
            // reload but costs the page tens of kilobytes of WebAssembly).
            <form method="get" action="/">
                {kept.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v/> }).collect_view()}
                <label>"Runs for "
                    <select name="duration">
                        {durations().map(|(q, text)| view! {
                            <option value=duration_value(q) selected=q == chosen>{text}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Start from " <input type="datetime-local" name="from" value=field("from")/></label>
                <label>"Done by " <input type="datetime-local" name="until" value=field("until")/></label>
                <label>"Uses " <input type="number" name="kwh" min="0" max="1000" step="0.1" value=field("kwh") class="short"/> " kWh"</label>
                <label>"or draws " <input type="number" name="kw" min="0" max="100" step="0.1" value=field("kw") class="short"/> " kW"</label>
                <label>"List the " <input type="number" name="count" min="0" max="96" value=field("count") class="short"/> " cheapest quarters"</label>
                <button type="submit">"Plan"</button>
            </form>
            {answer.map(|answer| view! { <PlanResult answer unit zone/> })}
        </section>
    }
}

#[component]
fn PlanResult(answer: Answer, unit: Unit, zone: LocalTime) -> impl IntoView {
    let unit = unit.label();
    let length = duration_text(answer.ask.quarters);
    let Some(plan) = answer.plan else {
        return Either::Left(
            view! { <p class="plan-none">{format!("No {length} run has known prices in that time.")}</p> },
        );
    };
    let cost = |average: f64| {
        answer
            .ask
            .kwh
            .filter(|_| unit == Unit::CentsPerKwh.label())
            .map(|kwh| format!("{:.2} €", cost_euros(kwh, average)))
    };
    let now = plan.now.map(|now| {
        let saving = plan.saving().unwrap_or(0.0);
        view! {
            <li class="plan-now">
                "Starting now: " {price(now.average)} " " {unit} " on average"
                {cost(now.average).map(|c| format!(", {c}"))}
                ". Waiting saves " <strong class="plan-saving">{price(saving)}</strong> " " {unit} "."
            </li>
        }
    });
    Either::Right(view! {
        <ul class="plan-result">
            <li class="plan-best">
                <strong>{format!("Best {length}: ")}</strong>
                {zone.date_time(plan.best.start)} "–" {zone.time(plan.best.end)} ", "
                <span class="plan-average">{price(plan.best.average)}</span> " " {unit} " on average"
                {cost(plan.best.average).map(|c| format!(", {c}"))}
            </li>
            {now}
        </ul>
        {(!answer.cheapest_quarters.is_empty()).then(|| view! {
            <p>"Cheapest single quarters:"</p>
            <ol class="plan-quarters">
                {answer.cheapest_quarters.into_iter().map(|(start, p)| view! {
                    <li>{zone.date_time(start)} ": " {price(p)}</li>
                }).collect_view()}
            </ol>
        })}
    })
}
