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

/// Fits the chart to its box again.
pub fn resize(instance: &charming::Echarts) {
    let resize = js_sys::Reflect::get(instance, &JsValue::from_str("resize"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(resize) = resize {
        let _ = resize.call0(instance);
    }
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
