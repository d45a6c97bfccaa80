//! The parts of the ECharts instance API that charming does not bind.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Frees the instance and its canvas; ECharts keeps every instance until this is called.
    #[wasm_bindgen(method, js_name = "dispose")]
    fn dispose_instance(this: &charming::Echarts);
}

pub fn dispose(echarts: &charming::Echarts) {
    echarts.dispose_instance();
}
