use leptos::prelude::*;

use crate::{api::price_history, components::PriceChart};

/// How often the page asks for new data.
const REFRESH_MS: u64 = 10_000;

/// The page at `/`: the price history, rendered on the server and re-fetched every 10 s in the browser.
#[component]
pub fn Dashboard() -> impl IntoView {
    let history = Resource::new(|| (), |_| price_history());
    let records = Signal::derive(move || history.get().and_then(Result::ok).unwrap_or_default());

    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || history.refetch(),
            std::time::Duration::from_millis(REFRESH_MS),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = REFRESH_MS;

    view! {
        <header class="page-header">
            <h1>"Electricity price monitor"</h1>
            <p class="subtitle">"Finnish spot prices, c/kWh incl. VAT"</p>
        </header>
        <main>
            <Transition fallback=|| view! { <p class="loading">"Loading prices…"</p> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(records) if records.is_empty() => view! {
                            <section class="empty">
                                <h2>"No prices yet"</h2>
                                <p>
                                    "Nothing has reached the CSV log yet. Start the producer and the consumer "
                                    "(" <code>"price-monitor all"</code> ") with Kafka running, and prices "
                                    "appear here within seconds."
                                </p>
                            </section>
                        }.into_any(),
                        Ok(records) => {
                            let latest = records.last().cloned();
                            view! {
                                <section class="summary" aria-label="Summary">
                                    <p>
                                        <span class="count">{records.len()}</span>
                                        " price slots, the last starting "
                                        {latest.map(|r| r.start_date.format("%Y-%m-%d %H:%M UTC").to_string())}
                                    </p>
                                </section>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
            <PriceChart records/>
        </main>
    }
}
