//! The three charts, drawn in the browser by ECharts through charming.

use leptos::prelude::*;

use crate::dashboard::DashboardData;

/// Which of the three charts an [`EChart`] draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Step line of every slot, coloured by level, with the average and a "now" marker.
    Trend,
    /// Average price per local hour of the day.
    Hourly,
    /// Distribution of the prices.
    Histogram,
}

/// A chart that follows `data`: created once, updated in place on every refresh (no flicker, no new
/// instances), disposed of when the component goes away. On the server it is an empty, labelled box.
#[component]
pub fn EChart(
    id: &'static str,
    label: &'static str,
    kind: ChartKind,
    data: Signal<Option<DashboardData>>,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let instance = StoredValue::new_local(None::<charming::Echarts>);
        Effect::new(move |_| {
            let drawable = |latest: &Option<DashboardData>| {
                latest.as_ref().filter(|data| !data.trend.is_empty()).map(|data| build::chart(kind, data))
            };
            let Some(chart) = data.with(drawable) else {
                return;
            };
            instance.update_value(|slot| match slot {
                Some(echarts) => charming::WasmRenderer::update(echarts, &chart),
                None => match charming::WasmRenderer::new_opt(None, None).render(id, &chart) {
                    Ok(echarts) => *slot = Some(echarts),
                    Err(e) => leptos::logging::error!("drawing {id}: {e:?}"),
                },
            });
        });
        // ECharts draws at the size the box had: follow the window's size.
        let resize = window_event_listener(leptos::ev::resize, move |_| {
            instance.with_value(|slot| {
                if let Some(echarts) = slot {
                    super::echarts::resize(echarts);
                }
            })
        });
        on_cleanup(move || {
            resize.remove();
            instance.update_value(|slot| {
                if let Some(echarts) = slot.take() {
                    super::echarts::dispose(&echarts);
                }
            })
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (kind, data);

    view! { <div id=id class="chart" role="img" aria-label=label></div> }
}

#[cfg(feature = "hydrate")]
mod build {
    use charming::{
        Chart,
        component::{Axis, DataZoom, DataZoomType, Grid, VisualMap, VisualMapPiece, VisualMapType},
        datatype::DataPointItem,
        element::{
            AxisType, ItemStyle, JsFunction, Label, LineStyle, LineStyleType, MarkLine, MarkLineData, MarkLineVariant,
            Step, Symbol, Tooltip, Trigger,
        },
        series::{Bar, Line},
    };

    use super::ChartKind;
    use crate::{dashboard::DashboardData, format::price, stats::Level};

    pub fn chart(kind: ChartKind, data: &DashboardData) -> Chart {
        match kind {
            ChartKind::Trend => trend(data),
            ChartKind::Hourly => hourly(data),
            ChartKind::Histogram => histogram(data),
        }
    }

    /// Tooltip numbers as prices.
    fn price_formatter() -> JsFunction {
        JsFunction::new_with_args("value", "return value == null ? '–' : Number(value).toFixed(2) + ' c/kWh';")
    }

    fn bar_item(value: f64, level: Level) -> DataPointItem {
        DataPointItem::new(value).item_style(ItemStyle::new().color(level.color()))
    }

    /// The levels of [`Level::of`] as pieces of a visual map that colours the trend line, negative prices apart.
    fn level_pieces(avg: f64) -> Vec<VisualMapPiece> {
        let negative = VisualMapPiece::new().lt(0.0).color("#6a3d9a").label("negative");
        let piece = |level: Level| VisualMapPiece::new().color(level.color()).label(level.label());
        if avg <= 0.0 {
            return vec![negative, piece(Level::Normal).gte(0.0)];
        }
        let [very_cheap, cheap, normal, expensive] = Level::BOUNDS.map(|ratio| ratio * avg);
        vec![
            negative,
            piece(Level::VeryCheap).gte(0.0).lte(very_cheap),
            piece(Level::Cheap).gt(very_cheap).lte(cheap),
            piece(Level::Normal).gt(cheap).lt(normal),
            piece(Level::Expensive).gte(normal).lt(expensive),
            piece(Level::VeryExpensive).gte(expensive),
        ]
    }

    fn trend(data: &DashboardData) -> Chart {
        let zone = &data.zone;
        let avg = data.average();
        let labels: Vec<String> = data.trend.iter().map(|point| zone.date_time(point.0)).collect();
        let prices: Vec<f64> = data.trend.iter().map(|point| point.1).collect();
        let named = |text: String| Label::new().formatter(text.as_str());
        let mut marks = vec![
            MarkLineData::new().y_axis(avg).name("average").label(named(format!("avg {}", price(avg)))),
            MarkLineData::new().y_axis(0.0).name("zero").label(named("0".to_owned())),
        ];
        // Where the window is down-sampled, the current slot may not be a point: then there is no marker.
        if let Some(now) = data.current.as_ref().filter(|c| data.trend.iter().any(|p| p.0 == c.start_date)) {
            marks.push(
                MarkLineData::new().x_axis(zone.date_time(now.start_date)).name("now").label(named("now".to_owned())),
            );
        }
        Chart::new()
            .grid(Grid::new().left("48").right("64").top("56").bottom("72"))
            .tooltip(Tooltip::new().trigger(Trigger::Axis).value_formatter(price_formatter()))
            .visual_map(
                VisualMap::new()
                    .type_(VisualMapType::Piecewise)
                    .orient(charming::element::Orient::Horizontal)
                    .top(0)
                    .left("center")
                    .dimension(1)
                    .pieces(level_pieces(avg)),
            )
            .x_axis(Axis::new().type_(AxisType::Category).data(labels))
            .y_axis(Axis::new().type_(AxisType::Value).name("c/kWh"))
            .data_zoom(DataZoom::new().type_(DataZoomType::Inside))
            .data_zoom(DataZoom::new().type_(DataZoomType::Slider).bottom(8))
            .series(
                Line::new().name("Price").step(Step::End).show_symbol(false).data(prices).mark_line(
                    MarkLine::new()
                        .symbol(vec![Symbol::None, Symbol::None])
                        .silent(true)
                        .line_style(LineStyle::new().type_(LineStyleType::Dashed).color("#555"))
                        .data(marks.into_iter().map(MarkLineVariant::Simple).collect()),
                ),
            )
    }

    fn hourly(data: &DashboardData) -> Chart {
        let avg = data.average();
        Chart::new()
            .grid(Grid::new().left("48").right("16").top("24").bottom("32"))
            .tooltip(Tooltip::new().trigger(Trigger::Axis).value_formatter(price_formatter()))
            .x_axis(
                Axis::new()
                    .type_(AxisType::Category)
                    .data(data.hourly.iter().map(|h| format!("{:02}", h.hour)).collect()),
            )
            .y_axis(Axis::new().type_(AxisType::Value).name("c/kWh"))
            .series(
                Bar::new()
                    .name("Average")
                    .data(data.hourly.iter().map(|h| bar_item(h.average, Level::of(h.average, avg))).collect()),
            )
    }

    fn histogram(data: &DashboardData) -> Chart {
        let avg = data.average();
        Chart::new()
            .grid(Grid::new().left("48").right("16").top("24").bottom("48"))
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .x_axis(
                Axis::new()
                    .type_(AxisType::Category)
                    .name("c/kWh")
                    .data(data.histogram.iter().map(|b| format!("{}–{}", price(b.from), price(b.to))).collect()),
            )
            .y_axis(Axis::new().type_(AxisType::Value).name("slots").min_interval(1))
            .series(
                Bar::new().name("Slots").bar_width("90%").data(
                    data.histogram
                        .iter()
                        .map(|b| bar_item(b.count as f64, Level::of((b.from + b.to) / 2.0, avg)))
                        .collect(),
                ),
            )
    }
}
