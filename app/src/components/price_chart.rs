use leptos::prelude::*;

use crate::price::PriceRecord;

/// The element id the chart is drawn into.
const CHART_ID: &str = "price-chart";

/// A step line of the price of every slot, drawn in the browser by ECharts through charming.
///
/// The chart is created once and updated in place when `records` changes, so a refresh neither flickers nor
/// piles up ECharts instances; it is disposed of when the component goes away.
#[component]
pub fn PriceChart(records: Signal<Vec<PriceRecord>>) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let instance = StoredValue::new_local(None::<charming::Echarts>);
        Effect::new(move |_| {
            let chart = trend_chart(&records.get());
            instance.update_value(|slot| match slot {
                Some(echarts) => charming::WasmRenderer::update(echarts, &chart),
                None => match charming::WasmRenderer::new_opt(None, None).render(CHART_ID, &chart) {
                    Ok(echarts) => *slot = Some(echarts),
                    Err(e) => leptos::logging::error!("drawing the price chart: {e:?}"),
                },
            });
        });
        on_cleanup(move || {
            instance.update_value(|slot| {
                if let Some(echarts) = slot.take() {
                    super::echarts::dispose(&echarts);
                }
            })
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = records;

    view! { <div id=CHART_ID class="chart" role="img" aria-label="Price trend chart"></div> }
}

#[cfg(feature = "hydrate")]
fn trend_chart(records: &[PriceRecord]) -> charming::Chart {
    use charming::{
        Chart,
        component::{Axis, DataZoom, Grid},
        element::{AxisType, Step, Tooltip, Trigger},
        series::Line,
    };

    // A slot's price holds from its start to the next slot: a step drawn at the end of each point.
    let points: Vec<Vec<f64>> =
        records.iter().map(|r| vec![r.start_date.timestamp_millis() as f64, r.price]).collect();
    Chart::new()
        .grid(Grid::new().left("50").right("20").top("30").bottom("60"))
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .x_axis(Axis::new().type_(AxisType::Time))
        .y_axis(Axis::new().type_(AxisType::Value).name("c/kWh"))
        .data_zoom(DataZoom::new())
        .series(Line::new().name("Price").step(Step::End).show_symbol(false).data(points))
}
