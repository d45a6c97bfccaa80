//! A chart's option, made of charming's parts; the ECharts calls that draw it; and the box-size watch that keeps
//! a chart as wide as its box.

use charming::{
    component::{Axis, DataZoom, Grid, Legend, VisualMap},
    element::Tooltip,
    series::{Bar, Line},
};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The option a chart of this page sets: the parts of charming's `Chart` the page uses, under the names ECharts
/// reads, one of each where `Chart` sends a list of one. `Chart` itself is not handed to the browser because its
/// serialiser reaches every series type and component ECharts has (gauges, maps, 3D axes …), and all of that
/// code would be in the WebAssembly.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    #[serde(skip_serializing_if = "Option::is_none")]
    tooltip: Option<Tooltip>,
    #[serde(skip_serializing_if = "Option::is_none")]
    legend: Option<Legend>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grid: Option<Grid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x_axis: Option<Axis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    y_axis: Option<Axis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    visual_map: Option<VisualMap>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    data_zoom: Vec<DataZoom>,
    series: Vec<Series>,
}

/// The series the page draws; each says its own `type`. Boxed: charming's series are kilobytes each.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Series {
    Line(Box<Line>),
    Bar(Box<Bar>),
}

impl From<Line> for Series {
    fn from(line: Line) -> Self {
        Series::Line(Box::new(line))
    }
}

impl From<Bar> for Series {
    fn from(bar: Bar) -> Self {
        Series::Bar(Box::new(bar))
    }
}

impl Options {
    pub fn tooltip(self, tooltip: Tooltip) -> Self {
        Self { tooltip: Some(tooltip), ..self }
    }

    pub fn legend(self, legend: Legend) -> Self {
        Self { legend: Some(legend), ..self }
    }

    pub fn grid(self, grid: Grid) -> Self {
        Self { grid: Some(grid), ..self }
    }

    pub fn x_axis(self, axis: Axis) -> Self {
        Self { x_axis: Some(axis), ..self }
    }

    pub fn y_axis(self, axis: Axis) -> Self {
        Self { y_axis: Some(axis), ..self }
    }

    pub fn visual_map(self, visual_map: VisualMap) -> Self {
        Self { visual_map: Some(visual_map), ..self }
    }

    pub fn data_zoom(mut self, zoom: DataZoom) -> Self {
        self.data_zoom.push(zoom);
        self
    }

    pub fn series(mut self, series: impl Into<Series>) -> Self {
        self.series.push(series.into());
        self
    }
}

#[wasm_bindgen]
extern "C" {
    /// An ECharts instance: one chart on its canvas.
    pub type Instance;

    /// `echarts.init(element)`: a new instance drawing into `element`, at its size.
    #[wasm_bindgen(js_namespace = echarts, js_name = init)]
    fn init(element: &web_sys::Element) -> Instance;

    /// `instance.setOption(option)`: draws the chart the option describes, merged into what it drew before.
    #[wasm_bindgen(method, js_name = setOption)]
    fn set_option(this: &Instance, option: JsValue);

    /// `instance.getWidth()`, `instance.getHeight()`: the size the chart was last drawn at.
    #[wasm_bindgen(method, js_name = getWidth)]
    fn get_width(this: &Instance) -> f64;
    #[wasm_bindgen(method, js_name = getHeight)]
    fn get_height(this: &Instance) -> f64;

    /// `instance.getDom()`: the element the chart draws into.
    #[wasm_bindgen(method, js_name = getDom)]
    fn get_dom(this: &Instance) -> web_sys::Element;

    /// `instance.resize()`: draws the chart again at its element's size.
    #[wasm_bindgen(method, js_name = resize)]
    fn resize_to_box(this: &Instance);

    /// `echarts.dispose(instance)`: frees the instance and its canvas; ECharts keeps every instance until then.
    #[wasm_bindgen(js_namespace = echarts)]
    pub fn dispose(instance: &Instance);
}

/// The page's element `id`.
fn element(id: &str) -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(id)
}

/// A new chart in the element `id`, drawn from `options`; `None` if there is no such element.
pub fn draw_new(id: &str, options: &Options) -> Option<Instance> {
    let Some(element) = element(id) else {
        leptos::logging::error!("drawing {id}: the page has no element of that id");
        return None;
    };
    let instance = init(&element);
    draw(&instance, options);
    Some(instance)
}

/// Draws `options` on the chart `instance` in place.
pub fn draw(instance: &Instance, options: &Options) {
    match serde_wasm_bindgen::to_value(options) {
        Ok(option) => instance.set_option(option),
        Err(e) => leptos::logging::error!("a chart's option could not be handed to ECharts: {e}"),
    }
}

/// Fits the chart to its box again, unless it fits already: the box watch also reports the box's first layout,
/// mostly at the size the chart was just drawn at, and a resize draws the whole chart again.
pub fn resize(instance: &Instance) {
    if chart_size(&instance.get_dom()) != Some((instance.get_width(), instance.get_height())) {
        instance.resize_to_box();
    }
}

/// Whether the element `id` has been laid out with a width: ECharts can draw into it at its size.
pub fn has_size(id: &str) -> bool {
    element(id).and_then(|element| chart_size(&element)).is_some_and(|(width, height)| width > 0.0 && height > 0.0)
}

/// The size ECharts gives a chart in `element`, as it computes it: the element's client size less its
/// padding, in whole pixels.
fn chart_size(element: &web_sys::Element) -> Option<(f64, f64)> {
    let style = web_sys::window()?.get_computed_style(element).ok()??;
    let px = |name: &str| {
        style.get_property_value(name).ok().and_then(|v| v.trim_end_matches("px").parse::<f64>().ok()).unwrap_or(0.0)
    };
    let width = f64::from(element.client_width()) - px("padding-left").trunc() - px("padding-right").trunc();
    let height = f64::from(element.client_height()) - px("padding-top").trunc() - px("padding-bottom").trunc();
    Some((width.trunc(), height.trunc()))
}

/// Calls `on_resize` whenever the element `id` changes size, and once when it is first laid out. ECharts draws
/// at the size its box has when the chart is made, and a box's size changes without the window's (a grid that
/// settles after hydration, a card that appears, a scroll bar): only the box itself tells. Stops watching when
/// dropped.
pub struct BoxWatch {
    observer: web_sys::ResizeObserver,
    // Kept alive for as long as the observer may call it.
    _callback: Closure<dyn FnMut(js_sys::Array)>,
}

impl BoxWatch {
    pub fn new(id: &str, mut on_resize: impl FnMut() + 'static) -> Option<Self> {
        let element = element(id)?;
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |_entries| on_resize());
        let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
        observer.observe(&element);
        Some(Self { observer, _callback: callback })
    }
}

impl Drop for BoxWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
