//! How the page's data travels: the server functions' answers and errors, and each resource's first value inside
//! the server-rendered page. It is JSON, which any client can read. The browser parses it with its own
//! `JSON.parse`, and serde-wasm-bindgen takes the values from there, so the WebAssembly carries no JSON parser:
//! serde_json's deserializer, compiled anew for every answer type, was the page's largest part after the
//! framework itself.

use leptos::server::codee::{Decoder, Encoder};
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType, codec::Post};
use serde::{Serialize, de::DeserializeOwned};

/// JSON written by serde_json on the server and read by the browser's `JSON.parse`.
pub struct BrowserJson;

/// A server function's answer as [`BrowserJson`] in the body of the response to its POST.
pub type JsonAnswer = Post<BrowserJson>;

/// Why an answer could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the answer is not the JSON expected: {0}")]
pub struct NotTheJsonExpected(String);

impl BrowserJson {
    fn read<T: DeserializeOwned>(text: &[u8]) -> Result<T, NotTheJsonExpected> {
        #[cfg(target_arch = "wasm32")]
        {
            let text = std::str::from_utf8(text).map_err(|e| NotTheJsonExpected(e.to_string()))?;
            let value = js_sys::JSON::parse(text).map_err(|e| NotTheJsonExpected(format!("{e:?}")))?;
            serde_wasm_bindgen::from_value(value).map_err(|e| NotTheJsonExpected(e.to_string()))
        }
        // Off the browser (the server, tests) serde_json reads it.
        #[cfg(not(target_arch = "wasm32"))]
        serde_json::from_slice(text).map_err(|e| NotTheJsonExpected(e.to_string()))
    }
}

impl ContentType for BrowserJson {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for BrowserJson {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for BrowserJson {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for BrowserJson {
    type Error = NotTheJsonExpected;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        Self::read(&bytes)
    }
}

/// A resource's value, written into the page by the server and read by the browser as it hydrates.
impl<T: Serialize> Encoder<T> for BrowserJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for BrowserJson {
    type Error = NotTheJsonExpected;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, Self::Error> {
        Self::read(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Answer {
        price: f64,
        at: Option<String>,
    }

    #[test]
    fn what_is_written_reads_back_and_a_broken_answer_says_so() {
        let answer = Answer { price: -0.25, at: None };
        let bytes = <BrowserJson as Encodes<Answer>>::encode(&answer).unwrap();
        assert_eq!(&bytes[..], br#"{"price":-0.25,"at":null}"#, "JSON, readable by any client");
        assert_eq!(<BrowserJson as Decodes<Answer>>::decode(bytes).unwrap(), answer);
        let text = <BrowserJson as Encoder<Answer>>::encode(&answer).unwrap();
        assert_eq!(<BrowserJson as Decoder<Answer>>::decode(&text).unwrap(), answer);
        let broken = <BrowserJson as Decoder<Answer>>::decode(r#"{"price":"#).unwrap_err();
        assert!(broken.to_string().starts_with("the answer is not the JSON expected: "), "{broken}");
    }
}
