//! The part of the ECharts API that charming does not bind, and the box-size watch that keeps a chart as wide
//! as its box.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `echarts.dispose(instance)`: frees the instance and its canvas; ECharts keeps every instance until then.
    #[wasm_bindgen(js_namespace = echarts, js_name = dispose)]
    fn dispose_js(instance: &JsValue);
}

pub fn dispose(instance: &charming::Echarts) {
    dispose_js(instance);
}

/// Fits the chart to its box again, unless it fits already: the box watch also reports the box's first layout,
/// mostly at the size the chart was just drawn at, and a resize draws the whole chart again.
pub fn resize(instance: &charming::Echarts) {
    let call = |name: &str| {
        js_sys::Reflect::get(instance, &JsValue::from_str(name))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(instance).ok())
    };
    let drawn = call("getWidth").and_then(|w| w.as_f64()).zip(call("getHeight").and_then(|h| h.as_f64()));
    let fits = call("getDom").and_then(|dom| dom.dyn_into::<web_sys::Element>().ok()).and_then(|dom| chart_size(&dom));
    if drawn.is_none() || drawn != fits {
        call("resize");
    }
}

/// Whether the element `id` has been laid out with a width: ECharts can draw into it at its size.
pub fn has_size(id: &str) -> bool {
    let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id));
    element.and_then(|element| chart_size(&element)).is_some_and(|(width, height)| width > 0.0 && height > 0.0)
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
        let element = web_sys::window()?.document()?.get_element_by_id(id)?;
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
