//! The page's switches: spot or total, quarter hours or hours, c/kWh or €/MWh, and the colour theme. The
//! first three are links that change one URL parameter, so they work without JavaScript and a link keeps the
//! view; the theme is the browser's own choice unless the toggle sets one.

use leptos::prelude::*;
use leptos_router::{hooks::use_query_map, params::ParamsMap};

use crate::figures::view::{PriceBasis, Resolution, Unit, View};

/// The page's URL with `key` set to `value` and every other parameter kept.
pub fn href_with(query: &ParamsMap, key: &str, value: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        query.clone().into_iter().filter(|(k, _)| k != key).map(|(k, v)| (k.to_string(), v)).collect();
    pairs.push((key.to_owned(), value.to_owned()));
    pairs.sort();
    let encoded: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", js_free_encode(v))).collect();
    format!("/?{}", encoded.join("&"))
}

/// Percent-encodes what a query value may not hold as it is.
fn js_free_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The view the URL asks for; an unknown value shows as the default (the server says what is allowed).
pub fn view_of(query: &ParamsMap) -> View {
    View::from_query(query.get_str("price"), query.get_str("res"), query.get_str("unit")).unwrap_or_default()
}

/// One switch: a labelled group of links, the current one marked.
#[component]
fn Switch(label: &'static str, key: &'static str, choices: Vec<(&'static str, &'static str, bool)>) -> impl IntoView {
    let query = use_query_map();
    view! {
        <div class="switch" role="group" aria-label=label>
            <span class="switch-label">{label}</span>
            {choices.into_iter().map(|(value, text, current)| view! {
                <a
                    href=move || href_with(&query.read(), key, value)
                    class:active=current
                    aria-current=current.then_some("true")
                    data-choice=format!("{key}={value}")
                >{text}</a>
            }).collect_view()}
        </div>
    }
}

/// The three view switches and the theme toggle.
#[component]
pub fn ViewControls() -> impl IntoView {
    let query = use_query_map();
    let view = Memo::new(move |_| view_of(&query.read()));
    view! {
        <nav class="card view-controls" aria-label="How prices are shown">
            {move || {
                let v = view.get();
                let price_choices = vec![
                    ("spot", "Spot", v.price == PriceBasis::Spot),
                    ("total", "Total", v.price == PriceBasis::Total),
                ];
                view! {
                    <Switch label="Price" key="price" choices=price_choices/>
                    <Switch label="Slots" key="res" choices=vec![
                        ("15min", "15 min", v.resolution == Resolution::Quarter),
                        ("hour", "Hourly", v.resolution == Resolution::Hour),
                    ]/>
                    <Switch label="Unit" key="unit" choices=vec![
                        ("c_kwh", "c/kWh", v.unit == Unit::CentsPerKwh),
                        ("eur_mwh", "€/MWh", v.unit == Unit::EurosPerMwh),
                    ]/>
                }
            }}
            <ThemeToggle/>
        </nav>
    }
}

/// What the chosen view means, in a sentence; `has_fees` when a tariff is configured.
pub fn view_note(view: View, has_fees: bool) -> String {
    match (view.unit, view.price) {
        (Unit::EurosPerMwh, _) => "€/MWh: the spot price without VAT, as the exchange quotes it.".to_owned(),
        (Unit::CentsPerKwh, PriceBasis::Spot) => "c/kWh: the spot price with VAT.".to_owned(),
        (Unit::CentsPerKwh, PriceBasis::Total) if has_fees => {
            "c/kWh: what you pay, the spot price plus margin, transfer and tax, with VAT.".to_owned()
        }
        (Unit::CentsPerKwh, PriceBasis::Total) => {
            "No fees are configured (see --margin, --transfer, --electricity-tax): the total is the spot price."
                .to_owned()
        }
    }
}

/// A colour theme: the system's (`auto`, the default), or dark or light whatever the system says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Auto,
    Dark,
    Light,
}

impl Theme {
    /// The name kept in the browser's storage and set as the page's `data-theme`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Dark => "dark",
            Self::Light => "light",
        }
    }

    /// The theme a stored name means; a name this page does not know (an older page's, or edited) is `auto`.
    #[cfg(any(feature = "hydrate", test))]
    pub fn from_name(name: &str) -> Self {
        [Self::Dark, Self::Light].into_iter().find(|t| t.name() == name).unwrap_or_default()
    }

    /// The toggle's order: auto, dark, light, auto again.
    pub fn next(self) -> Self {
        match self {
            Self::Auto => Self::Dark,
            Self::Dark => Self::Light,
            Self::Light => Self::Auto,
        }
    }

    fn button_text(self) -> &'static str {
        match self {
            Self::Auto => "◒ Auto theme",
            Self::Dark => "◐ Dark",
            Self::Light => "◑ Light",
        }
    }
}

/// The colour theme chosen with the toggle. The page provides it, so that the charts, which draw on a canvas
/// that CSS does not reach, redraw in its colours when it changes.
#[derive(Clone, Copy, Debug)]
pub struct ThemeChoice(RwSignal<Theme>);

impl ThemeChoice {
    pub fn new() -> Self {
        Self(RwSignal::new(Theme::Auto))
    }

    /// Whether the page is dark now: as chosen, or as the system is when the choice is `auto`.
    #[cfg(feature = "hydrate")]
    pub fn is_dark(&self) -> bool {
        match self.0.get() {
            Theme::Dark => true,
            Theme::Light => false,
            Theme::Auto => {
                window().match_media("(prefers-color-scheme: dark)").ok().flatten().is_some_and(|q| q.matches())
            }
        }
    }
}

/// Light, dark or the system's choice (the default), kept in the browser's storage.
#[component]
fn ThemeToggle() -> impl IntoView {
    let ThemeChoice(theme) = use_context().unwrap_or_else(ThemeChoice::new);
    let set_theme = theme.write_only();
    #[cfg(feature = "hydrate")]
    {
        Effect::new(move |_| {
            if let Ok(Some(saved)) = storage::get_item("theme") {
                set_theme.set(Theme::from_name(&saved));
            }
        });
        Effect::new(move |_| {
            let chosen = theme.get();
            if let Some(root) = document().document_element() {
                let _ = match chosen {
                    Theme::Auto => root.remove_attribute("data-theme"),
                    _ => root.set_attribute("data-theme", chosen.name()),
                };
            }
            let _ = storage::set_item("theme", chosen.name());
        });
    }
    view! {
        <button
            type="button"
            class="theme-toggle"
            on:click=move |_| set_theme.update(|t| *t = t.next())
            aria-label=move || format!("Colour theme: {}. Switch to {}", theme.get().name(), theme.get().next().name())
        >
            {move || theme.get().button_text()}
        </button>
    }
}

/// The browser's `localStorage`; it throws where storage is off (private windows, some policies).
#[cfg(feature = "hydrate")]
mod storage {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = localStorage, js_name = getItem, catch)]
        pub fn get_item(key: &str) -> Result<Option<String>, JsValue>;
        #[wasm_bindgen(js_namespace = localStorage, js_name = setItem, catch)]
        pub fn set_item(key: &str, value: &str) -> Result<(), JsValue>;
    }
}

#[cfg(test)]
mod tests {
    use super::Theme;

    #[test]
    fn the_theme_toggle_goes_round_and_a_stored_name_reads_back() {
        let mut seen = vec![Theme::default()];
        for _ in 0..3 {
            seen.push(seen.last().unwrap().next());
        }
        assert_eq!(seen, [Theme::Auto, Theme::Dark, Theme::Light, Theme::Auto]);
        for theme in [Theme::Auto, Theme::Dark, Theme::Light] {
            assert_eq!(Theme::from_name(theme.name()), theme);
        }
        assert_eq!(Theme::from_name("sepia"), Theme::Auto, "an unknown name is the system's choice");
    }
}
