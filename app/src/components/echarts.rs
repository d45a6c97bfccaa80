//! The part of the ECharts API that charming does not bind.

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
