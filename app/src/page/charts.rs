//! The charts, drawn in the browser by ECharts from options made of charming's parts.

use leptos::prelude::*;

use crate::{figures::history::History, query::dashboard::DashboardData};

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
    follow(id, move |text| {
        data.with(|latest| {
            latest.as_ref().filter(|data| !data.charts.trend.is_empty()).map(|data| build::chart(kind, data, text))
        })
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (kind, data);

    view! { <div id=id class="chart" role="img" aria-label=label></div> }
}

/// A chart of the history panel, drawn from `data` like [`EChart`].
#[component]
pub fn HistoryChart(
    id: &'static str,
    label: &'static str,
    kind: HistoryKind,
    data: Signal<Option<History>>,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    follow(id, move |text| {
        data.with(|history| {
            let h = history.as_ref()?;
            match kind {
                HistoryKind::Days => [h.today, h.yesterday, h.week_ago]
                    .iter()
                    .any(|day| day.iter().any(Option::is_some))
                    .then(|| build::days(h, text)),
                HistoryKind::Daily => (!h.daily.is_empty()).then(|| build::daily(h, text)),
            }
        })
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (kind, data);
    view! { <div id=id class="chart" role="img" aria-label=label></div> }
}

/// Which chart a [`HistoryChart`] draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryKind {
    /// Today, yesterday and a week ago by the hour.
    Days,
    /// Each day's average.
    Daily,
}

/// Draws what `chart` builds, with its text in the given colour, into the element `id`: created once the element
/// has a size, updated in place whenever the signals it reads or the colour theme change (no flicker, no new
/// instances), disposed of when the component goes away.
#[cfg(feature = "hydrate")]
fn follow(id: &'static str, chart: impl Fn(&'static str) -> Option<super::echarts::Options> + 'static) {
    use super::echarts;
    let instance = StoredValue::new_local(None::<echarts::Instance>);
    let watch = StoredValue::new_local(None::<echarts::BoxWatch>);
    let theme = use_context::<super::controls::ThemeChoice>();
    let chart = std::rc::Rc::new(move || chart(build::text_colour(theme.is_some_and(|theme| theme.is_dark()))));
    let draw = move |option: &echarts::Options| {
        instance.update_value(|slot| match slot {
            Some(instance) => echarts::draw(instance, option),
            None => *slot = echarts::draw_new(id, option),
        })
    };
    let on_box = chart.clone();
    Effect::new(move |_| {
        let Some(option) = chart() else {
            return;
        };
        // A chart made in a box not laid out yet (its section still hidden, as the history's is until its answer
        // comes) is drawn at ECharts' fallback width of 100 px, then all over again at the box's: it is made once
        // the box has a size.
        if instance.with_value(Option::is_some) || echarts::has_size(id) {
            draw(&option);
        }
        // ECharts draws at the size its box has at that moment, which may not be the box's final one: follow
        // the box itself, from its first layout on, not only the window.
        if watch.with_value(Option::is_none) {
            let on_box = on_box.clone();
            let fit = move || match instance.with_value(|slot| slot.as_ref().map(echarts::resize)) {
                Some(()) => {}
                // The box has been laid out: the chart is made now, if it was waiting for that.
                None if echarts::has_size(id) => {
                    if let Some(option) = untrack(|| on_box()) {
                        draw(&option)
                    }
                }
                None => {}
            };
            watch.set_value(echarts::BoxWatch::new(id, fit));
        }
    });
    on_cleanup(move || {
        watch.set_value(None);
        instance.update_value(|slot| {
            if let Some(chart) = slot.take() {
                echarts::dispose(&chart);
            }
        })
    });
}

#[cfg(feature = "hydrate")]
mod build {
    use charming::{
        component::{Axis, DataZoom, DataZoomType, Grid, VisualMap, VisualMapPiece, VisualMapType},
        datatype::DataPointItem,
        element::{
            AxisLabel, AxisType, ItemStyle, JsFunction, Label, LineStyle, LineStyleType, MarkLine, MarkLineData,
            MarkLineVariant, Step, Symbol, TextStyle, Tooltip, Trigger,
        },
        series::{Bar, Line},
    };

    use super::{super::echarts::Options, ChartKind};
    use crate::{
        figures::{
            format::price,
            level::Level,
            tariff::Breakdown,
            view::{PriceBasis, Unit},
        },
        query::dashboard::DashboardData,
    };

    pub fn chart(kind: ChartKind, data: &DashboardData, text: &'static str) -> Options {
        match kind {
            ChartKind::Trend => trend(data, text),
            ChartKind::Hourly => hourly(data, text),
            ChartKind::Histogram => histogram(data, text),
        }
    }

    /// Tooltip numbers as prices in the view's unit.
    fn price_formatter(data: &DashboardData) -> JsFunction {
        unit_formatter(data.view.unit.label())
    }

    /// `value` with two decimals and the unit, or "–" for none. A function of this module handed to ECharts,
    /// not one compiled from text (`JsFunction::new_with_args` is `new Function`, which the page's
    /// Content-Security-Policy forbids), made once per unit: the charts are drawn again every 10 s.
    fn unit_formatter(unit: &'static str) -> JsFunction {
        use wasm_bindgen::{JsValue, closure::Closure};
        thread_local! {
            static MADE: std::cell::RefCell<Vec<(&'static str, JsFunction)>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        MADE.with_borrow_mut(|made| {
            if let Some((_, formatter)) = made.iter().find(|(u, _)| *u == unit) {
                return formatter.clone();
            }
            let format = Closure::<dyn Fn(JsValue) -> String>::new(move |value: JsValue| {
                let number = value.as_f64().or_else(|| value.as_string().and_then(|t| t.trim().parse().ok()));
                number.filter(|n| !n.is_nan()).map_or_else(|| "–".to_owned(), |n| format!("{n:.2} {unit}"))
            });
            let formatter: JsFunction =
                serde_wasm_bindgen::from_value(format.into_js_value()).expect("a closure is a JS function");
            made.push((unit, formatter.clone()));
            formatter
        })
    }

    /// Series that draw nothing but list each slot's parts in the trend's tooltip, when the page shows totals
    /// that have parts: the spot price, the margin, the transfer fee, the tax and the VAT on them.
    fn parts(data: &DashboardData) -> Vec<Line> {
        let shows_parts = data.view.price == PriceBasis::Total && data.view.unit == Unit::CentsPerKwh;
        if !shows_parts || !data.tariff.has_fees() {
            return Vec::new();
        }
        let fees: Vec<Breakdown> =
            data.charts.trend.iter().map(|p| data.tariff.breakdown(0.0, p.0, &data.zone)).collect();
        let invisible = |name: &str, values: Vec<f64>| {
            Line::new()
                .name(name)
                .show_symbol(false)
                .silent(true)
                .line_style(LineStyle::new().opacity(0.0))
                .data(values)
        };
        vec![
            invisible("spot", data.charts.trend.iter().zip(&fees).map(|(p, f)| p.1 - f.total).collect()),
            invisible("margin", fees.iter().map(|f| f.margin).collect()),
            invisible("transfer", fees.iter().map(|f| f.transfer).collect()),
            invisible("tax", fees.iter().map(|f| f.tax).collect()),
            invisible("VAT on fees", fees.iter().map(|f| f.vat_on_fees).collect()),
        ]
    }

    /// The colour of a chart's own text (axes, legends) on the page's light or dark cards: the page's muted
    /// text colour, since a canvas does not follow CSS and ECharts' defaults (#333, #6e7079) fade on dark cards.
    pub fn text_colour(dark: bool) -> &'static str {
        if dark { "#9aa6b5" } else { "#5b6675" }
    }

    fn side_text(text: &'static str) -> TextStyle {
        TextStyle::new().color(text)
    }

    /// An axis whose labels and name are in the theme's `text` colour.
    fn axis(kind: AxisType, text: &'static str) -> Axis {
        Axis::new().type_(kind).axis_label(AxisLabel::new().color(text)).name_text_style(side_text(text))
    }

    /// A colour of the page's stylesheet, by the name of its variable: the levels' colours live there alone
    /// (`--very-cheap` …, the classes' names), for the cards, the tables and the charts alike.
    fn css_colour(variable: &str) -> String {
        let value = web_sys::window().and_then(|window| {
            let style = window.get_computed_style(&window.document()?.document_element()?).ok()??;
            style.get_property_value(variable).ok()
        });
        value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).unwrap_or_else(|| "#888".to_owned())
    }

    fn level_colour(level: Level) -> String {
        css_colour(&format!("--{}", level.class()))
    }

    fn bar_item(value: f64, colour: &str) -> DataPointItem {
        DataPointItem::new(value).item_style(ItemStyle::new().color(colour))
    }

    /// Pieces of a visual map over the trend's categories (the slots' places), one per run of slots of one
    /// level, that colour the line by each slot's level. A line's colours can follow an axis only, not a value
    /// of their own, hence runs of places. Slot `i`'s step spans `i..i + 1`; each piece is labelled with its
    /// level.
    fn level_runs(levels: impl Iterator<Item = Level>) -> Vec<VisualMapPiece> {
        let colours = Level::ALL.map(level_colour);
        let mut runs: Vec<(usize, usize, Level)> = Vec::new();
        for (i, level) in levels.enumerate() {
            match runs.last_mut() {
                Some((_, end, last)) if *last == level => *end = i + 1,
                _ => runs.push((i, i + 1, level)),
            }
        }
        runs.into_iter()
            .map(|(start, end, level)| {
                VisualMapPiece::new()
                    .gte(start as f64)
                    .lt(end as f64)
                    .color(colours[usize::from(level.index())].as_str())
                    .label(level.label())
            })
            .collect()
    }

    fn trend(data: &DashboardData, text: &'static str) -> Options {
        let zone = &data.zone;
        let avg = data.average();
        let labels: Vec<String> = data.charts.trend.iter().map(|point| zone.date_time(point.0)).collect();
        let prices: Vec<f64> = data.charts.trend.iter().map(|point| point.1).collect();
        let named = |text: String| Label::new().formatter(text.as_str());
        let mut marks = vec![
            MarkLineData::new().y_axis(avg).name("average").label(named(format!("avg {}", price(avg)))),
            MarkLineData::new().y_axis(0.0).name("zero").label(named("0".to_owned())),
        ];
        // Where the window is down-sampled, the current slot may not be a point: then there is no marker.
        if let Some(now) = data.cards.current.as_ref().filter(|c| data.charts.trend.iter().any(|p| p.0 == c.start_date))
        {
            marks.push(
                MarkLineData::new().x_axis(zone.date_time(now.start_date)).name("now").label(named("now".to_owned())),
            );
        }
        let unit = data.view.unit.label();
        let chart = Options::default()
            .grid(Grid::new().left("48").right("64").top("32").bottom("72"))
            .tooltip(Tooltip::new().trigger(Trigger::Axis).value_formatter(price_formatter(data)))
            .visual_map(
                // The key is the page's, above the chart: these pieces are runs, not levels.
                VisualMap::new()
                    .show(false)
                    .series_index(0)
                    .type_(VisualMapType::Piecewise)
                    .dimension(0)
                    .pieces(level_runs(data.charts.trend.iter().map(|point| point.2))),
            )
            .x_axis(axis(AxisType::Category, text).data(labels))
            .y_axis(axis(AxisType::Value, text).name(unit))
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
            );
        parts(data).into_iter().fold(chart, |chart, part| chart.series(part))
    }

    /// Averages by the hour of the day, in the page's accent colour: an hour of the day is no slot, and has no
    /// level of its own.
    fn hourly(data: &DashboardData, text: &'static str) -> Options {
        let colour = css_colour("--accent");
        Options::default()
            .grid(Grid::new().left("48").right("16").top("24").bottom("32"))
            .tooltip(Tooltip::new().trigger(Trigger::Axis).value_formatter(price_formatter(data)))
            .x_axis(
                axis(AxisType::Category, text)
                    .data(data.charts.hourly.iter().map(|h| format!("{:02}", h.hour)).collect()),
            )
            .y_axis(axis(AxisType::Value, text).name(data.view.unit.label()))
            .series(
                Bar::new()
                    .name("Average")
                    .data(data.charts.hourly.iter().map(|h| bar_item(h.average, &colour)).collect()),
            )
    }

    /// How many slots fell in each price band, in the accent colour too: a band is no slot either.
    fn histogram(data: &DashboardData, text: &'static str) -> Options {
        let colour = css_colour("--accent");
        Options::default()
            .grid(Grid::new().left("48").right("16").top("24").bottom("48"))
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .x_axis(
                axis(AxisType::Category, text)
                    .name(data.view.unit.label())
                    .data(data.charts.histogram.iter().map(|b| format!("{}–{}", price(b.from), price(b.to))).collect()),
            )
            .y_axis(axis(AxisType::Value, text).name("slots").min_interval(1))
            .series(
                Bar::new()
                    .name("Slots")
                    .bar_width("90%")
                    .data(data.charts.histogram.iter().map(|b| bar_item(b.count as f64, &colour)).collect()),
            )
    }

    /// Today, yesterday and the same weekday a week ago, hour by hour.
    pub fn days(h: &super::History, text: &'static str) -> Options {
        let unit = h.view.unit.label();
        let line = |name: &str, hours: &[Option<f64>; 24]| {
            let values: Vec<DataPointItem> = hours.iter().map(|v| DataPointItem::new(v.unwrap_or(f64::NAN))).collect();
            Line::new().name(name).step(Step::End).show_symbol(false).data(values)
        };
        Options::default()
            .grid(Grid::new().left("48").right("16").top("40").bottom("32"))
            .legend(charming::component::Legend::new().top(0).text_style(side_text(text)))
            .tooltip(Tooltip::new().trigger(Trigger::Axis).value_formatter(unit_formatter(unit)))
            .x_axis(axis(AxisType::Category, text).data((0..24).map(|hour| format!("{hour:02}")).collect()))
            .y_axis(axis(AxisType::Value, text).name(unit))
            .series(line("today", &h.today))
            .series(line("yesterday", &h.yesterday))
            .series(line("a week ago", &h.week_ago))
    }

    /// Each day's average, coloured by its level.
    pub fn daily(h: &super::History, text: &'static str) -> Options {
        let unit = h.view.unit.label();
        let colours = Level::ALL.map(level_colour);
        Options::default()
            .grid(Grid::new().left("48").right("16").top("24").bottom("48"))
            .tooltip(Tooltip::new().trigger(Trigger::Axis).value_formatter(unit_formatter(unit)))
            .x_axis(axis(AxisType::Category, text).data(h.daily.iter().map(|d| d.prices.period.clone()).collect()))
            .y_axis(axis(AxisType::Value, text).name(unit))
            .data_zoom(DataZoom::new().type_(DataZoomType::Inside))
            .series(Bar::new().name("Daily average").data(
                h.daily.iter().map(|d| bar_item(d.prices.average, &colours[usize::from(d.level.index())])).collect(),
            ))
    }
}
