//! The dashboard's text panels: rendered on the server, readable without JavaScript. Each takes only what it
//! shows.

use leptos::{either::Either, prelude::*};

use crate::{
    figures::{
        format::{LocalTime, price},
        level::Level,
        planner::CheapestWindow,
        ranking::RankedSlot,
        view::Unit,
    },
    query::{
        dashboard::{Cards, LogFacts, TOMORROW_EXPECTED_HOUR, Warning},
        status::{PipelineStatus, SourceStatus},
    },
};

/// The warnings about the data, in plain words and local time.
#[component]
pub fn Warnings(warnings: Vec<Warning>, zone: LocalTime) -> impl IntoView {
    view! {
        <div class="warnings" role="status">
            {warnings.into_iter().map(|w| view! { <p class="warning">"⚠ " {warning_text(w, &zone)}</p> }).collect_view()}
        </div>
    }
}

/// A warning in the words the page shows, with its times in `zone`.
pub fn warning_text(warning: Warning, zone: &LocalTime) -> String {
    match warning {
        Warning::PricesEnd { at } => format!(
            "The known prices end at {}: there is no price for now. Is the price file being updated?",
            zone.date_time(at)
        ),
        Warning::NothingReceived { hours, last } => {
            format!("No new prices have arrived for {hours} hours (the last at {}).", zone.date_time(last))
        }
        Warning::TomorrowMissing => {
            format!("Tomorrow's prices are still missing; they are usually published by {TOMORROW_EXPECTED_HOUR}:00.")
        }
        Warning::LinesSkipped { count, lines } => {
            let numbers: Vec<String> = lines.iter().map(u64::to_string).collect();
            let more = if count > lines.len() as u64 { ", …" } else { "" };
            let noun = if count == 1 { "line is" } else { "lines are" };
            format!("{count} {noun} not price records and skipped in the CSV log: line {}{more}.", numbers.join(", "))
        }
        Warning::SlotsMissing { date, missing, of, spans } => {
            let spans: Vec<String> =
                spans.iter().map(|(a, b)| format!("{}–{}", zone.time(*a), zone.time(*b))).collect();
            format!(
                "{} has no price for {missing} of its {of} quarters: {}.",
                date.format("%a %-d %b"),
                spans.join(", ")
            )
        }
        Warning::SampleData => "Sample data: no real price for now is at hand (the price source could not be \
            reached, or none is set), so these are the shipped sample's prices moved to yesterday, today and \
            tomorrow. Real prices take their place as they arrive."
            .to_owned(),
    }
}

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

/// What the colours of a chart or a grid mean: the rule of the levels, and each level in its colour (the
/// stylesheet's, as everywhere).
#[component]
pub fn LevelKey(what: &'static str) -> impl IntoView {
    view! {
        <p class="card-note level-key">
            {format!("Colours: {what} {}: ", Level::RULE)}
            {Level::ALL.map(|level| view! { <span class=format!("level-chip {}", level.class())>{level.label()}</span> })}
        </p>
    }
}

/// The current price and the window's figures, one card each.
#[component]
pub fn StatCards(cards: Cards, zone: LocalTime) -> impl IntoView {
    let Cards { current, current_level, summary, today_average, tomorrow_average } = cards;
    let current = match current {
        Some(c) => {
            let level = current_level.map(|level| format!(", {}", level.label())).unwrap_or_default();
            let detail = format!("{}–{}{level}", zone.time(c.start_date), zone.time(c.slot_end()));
            let class = current_level.map_or("", Level::class);
            view! { <Card label="Current price" value=price(c.price) detail class/> }
        }
        None => view! { <Card label="Current price" value="–".to_owned() detail="no price known for now".to_owned()/> },
    };
    view! {
        <section class="stats" aria-label="Price summary">
            {current}
            {summary.map(|s| view! {
                <Card label="Average" value=price(s.average) detail=format!("{} slots", s.count)/>
                <Card label="Lowest" value=price(s.min.price) detail=zone.date_time(s.min.start) class="very-cheap"/>
                <Card label="Highest" value=price(s.max.price) detail=zone.date_time(s.max.start) class="very-expensive"/>
                <Card label="Median" value=price(s.median)/>
                <Card label="Std deviation" value=price(s.std_dev)/>
            })}
            {today_average.map(|a| view! { <Card label="Today's average" value=price(a)/> })}
            {tomorrow_average.map(|a| view! { <Card label="Tomorrow's average" value=price(a)/> })}
        </section>
    }
}

/// The cheapest coming windows of 1, 2 and 3 hours.
#[component]
pub fn CheapestWindows(windows: Vec<CheapestWindow>, zone: LocalTime) -> impl IntoView {
    let list = if windows.is_empty() {
        Either::Left(view! {
            <p class="empty-note">
                "Not enough known prices from now on for an hour. The cheapest hours appear once prices ahead "
                "of now arrive: tomorrow's are published around 14:00 Finnish time."
            </p>
        })
    } else {
        Either::Right(view! {
            <ul>
                {windows.into_iter().map(|w| view! {
                    <li>
                        <strong>{format!("{} h", w.hours)}</strong>
                        " from " {zone.date_time(w.start)} " to " {zone.time(w.end)}
                        ": " <span class="cheapest-price">{price(w.average)}</span> " on average"
                    </li>
                }).collect_view()}
            </ul>
        })
    };
    view! {
        <section class="card cheapest" aria-label="Cheapest coming hours">
            <h2>"Cheapest time to use electricity"</h2>
            {list}
        </section>
    }
}

/// The slots up to now, newest first, with their rank in their day and their level.
#[component]
pub fn RecentTable(newest_first: Vec<RankedSlot>, unit: Unit, zone: LocalTime) -> impl IntoView {
    view! {
        <section class="card recent">
            <h2 id="recent-title">"Recent data"</h2>
            <table aria-labelledby="recent-title">
                <thead>
                    <tr>
                        <th scope="col">"Slot start"</th>
                        <th scope="col">{format!("Price ({})", unit.label())}</th>
                        <th scope="col" title="1 = the cheapest slot of its day">"Rank in day"</th>
                        <th scope="col" title=format!("Each slot's price {}", Level::RULE)>"Level"</th>
                    </tr>
                </thead>
                <tbody>
                    {newest_first.into_iter().map(|RankedSlot { slot, standing }| view! {
                        <tr class=standing.level.class() class:negative=slot.price < 0.0>
                            <td>{zone.date_time(slot.start_date)}</td>
                            <td class="num">{price(slot.price)}</td>
                            <td class="num">{format!("{} / {}", standing.rank, standing.of)}</td>
                            <td>{standing.level.label()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// How much data there is and when it last changed.
#[component]
pub fn DataInfo(log: LogFacts, displayed: usize, zone: LocalTime) -> impl IntoView {
    let LogFacts { total_records, total_slots, last_received } = log;
    view! {
        <section class="card info" aria-label="Data info">
            <h2>"Data"</h2>
            <dl>
                <dt>"Total records"</dt><dd class="total-records">{total_records}</dd>
                <dt>"Slots known"</dt><dd>{total_slots}</dd>
                <dt>"Slots displayed"</dt><dd class="slots-displayed">{displayed}</dd>
                <dt>"Last update received"</dt>
                <dd>{last_received.map_or("never".to_owned(), |t| zone.date_time(t))}</dd>
            </dl>
        </section>
    }
}

/// One price source as the pipeline panel lists it: whether its prices are in use, when it last answered, and
/// why it failed last, if it did.
fn source_line(source: SourceStatus, zone: &LocalTime) -> String {
    let format = source.format.map(|f| format!(" ({f})")).unwrap_or_default();
    let use_ = if source.in_use { "in use" } else { "not in use" };
    let answered =
        source.last_success.map_or("never answered".to_owned(), |t| format!("last answered {}", zone.date_time(t)));
    let failing = source.last_error.map(|e| format!("; failing now: {e}")).unwrap_or_default();
    format!("{}{format}: {use_}, {answered}{failing}", source.url)
}

/// The producer's and the consumer's health, when they run in this process.
#[component]
pub fn PipelinePanel(status: Option<PipelineStatus>, zone: LocalTime) -> impl IntoView {
    let Some(status) = status else {
        return Either::Left(view! {
            <section class="card pipeline" aria-label="Pipeline status">
                <h2>"Pipeline"</h2>
                <p>"The producer and the consumer run in other processes; the CSV log is all this server sees."</p>
            </section>
        });
    };
    let kafka = match status.kafka_reachable {
        Some(true) => "reachable",
        Some(false) => "not reachable",
        None => "not contacted yet",
    };
    Either::Right(view! {
        <section class="card pipeline" aria-label="Pipeline status">
            <h2>"Pipeline"</h2>
            <dl>
                <dt>"Kafka"</dt><dd class=if status.kafka_reachable == Some(false) { "bad" } else { "" }>{kafka}</dd>
                {status.producer.map(|p| view! {
                    <dt>"Producer"</dt>
                    <dd>
                        "watching " <code>{p.price_file}</code> "; "
                        {p.messages_sent} " messages sent; last change "
                        {p.last_change.map_or("none yet".to_owned(), |t| zone.date_time(t))}
                    </dd>
                })}
                {status.consumer.map(|c| view! {
                    <dt>"Consumer"</dt>
                    <dd>{c.rows_written} " rows written; lag " {c.lag.map_or("unknown".to_owned(), |l| l.to_string())}</dd>
                })}
                {(!status.sources.is_empty()).then(|| view! {
                    <dt>"Price sources"</dt>
                    <dd>
                        <ol class="sources">
                            {status.sources.into_iter().map(|s| view! { <li>{source_line(s, &zone)}</li> }).collect_view()}
                        </ol>
                    </dd>
                })}
            </dl>
        </section>
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use chrono::{DateTime, NaiveDate, Utc};

    use super::{Warning, warning_text};
    use crate::figures::format::DisplayZone;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_day_with_missing_quarters_is_named_with_its_gaps_in_local_time() {
        // 25 October 2026 in Helsinki has 100 quarters; two are missing at noon (10:00 UTC, EET), one after the
        // clocks went back (01:15 UTC is the second 03:15).
        let date = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        let spans = vec![
            (utc("2026-10-25T01:15:00Z"), utc("2026-10-25T01:30:00Z")),
            (utc("2026-10-25T10:00:00Z"), utc("2026-10-25T10:30:00Z")),
        ];
        let local = DisplayZone::default().local_time(utc("2026-10-24T00:00:00Z"), utc("2026-10-27T00:00:00Z"));
        let said = warning_text(Warning::SlotsMissing { date, missing: 3, of: 100, spans }, &local);
        assert_eq!(said, "Sun 25 Oct has no price for 3 of its 100 quarters: 03:15–03:30, 12:00–12:30.");
    }
}
