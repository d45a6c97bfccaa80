//! `POST /energy/import`: the page's upload form for metering files, the same import as the command
//! (`energy::import`). The answer is a redirect back to the page's "Your electricity" section with what was
//! imported, or the one sentence on why nothing was, so that the form works without the WebAssembly too.
//!
//! A file may be as large as [`MAX_UPLOAD`] (this route alone: every other body stays within
//! [`super::guard::MAX_BODY`]). The form is taken from this site's own page only: a browser tells where a form
//! comes from, and another site's form could otherwise post a household's readings in its visitor's name.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{DefaultBodyLimit, Multipart, State, multipart::MultipartRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::post,
};
use chrono::Utc;
use tokio_util::sync::CancellationToken;

use app::{query::store::EnergyStore, records::energy::EnergyKind};

use crate::{
    energy::import::{Importer, Parsed},
    log_text::clipped_to,
};

pub use app::page::energy::IMPORT_PATH as PATH;

/// The largest file taken: a year of quarter-hour readings in a Datahub export is about 2 MB.
pub const MAX_UPLOAD: usize = 16 * 1024 * 1024;

/// How long an upload waits for Kafka's acknowledgements, then for the consumer to have written its intervals:
/// together, with the reading, within the request's bound (`guard::REQUEST_TIMEOUT`), so that the answer is
/// always the redirect with a sentence.
const KAFKA_WITHIN: Duration = Duration::from_secs(12);
const WRITTEN_WITHIN: Duration = Duration::from_secs(8);
const _: () = assert!(KAFKA_WITHIN.as_secs() + WRITTEN_WITHIN.as_secs() + 5 <= super::guard::REQUEST_TIMEOUT.as_secs());

/// What an upload reaches: the energy topic (none on a replica, which takes no uploads), and the energy log it
/// comes back in.
#[derive(Clone)]
pub struct Upload {
    pub importer: Option<Arc<Importer>>,
    pub energy: Arc<EnergyStore>,
    pub shutdown: CancellationToken,
}

/// One upload at a time: each may hold a file of [`MAX_UPLOAD`] and its records in memory.
static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

pub fn router(upload: Upload) -> Router {
    Router::new().route(PATH, post(import)).layer(DefaultBodyLimit::max(MAX_UPLOAD)).with_state(upload)
}

/// What the page is told.
enum Outcome {
    Imported { sent: usize, missing: usize, written: bool },
    Refused(String),
}

async fn import(
    State(upload): State<Upload>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    if !from_this_site(&headers) {
        return (StatusCode::FORBIDDEN, "metering files are taken from this site's own page only").into_response();
    }
    let too_large = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|length| length > MAX_UPLOAD);
    let outcome = match &upload.importer {
        _ if too_large => Outcome::Refused(too_large_sentence()),
        None => {
            Outcome::Refused("this dashboard takes no uploads (a replica): import the file where the app writes".into())
        }
        Some(importer) => match (ONE_AT_A_TIME.try_acquire(), form) {
            (Err(_), _) => Outcome::Refused("another file is being imported: try again in a moment".into()),
            (Ok(_one), Err(rejection)) => Outcome::Refused(format!("not a file upload: {}", rejection.body_text())),
            (Ok(_one), Ok(form)) => {
                imported(importer, &upload, form).await.unwrap_or_else(|e| Outcome::Refused(format!("{e:#}")))
            }
        },
    };
    if let Outcome::Refused(why) = &outcome {
        tracing::warn!("an uploaded metering file was refused: {why}");
    }
    Redirect::to(&page_after(&outcome)).into_response()
}

fn too_large_sentence() -> String {
    format!(
        "the file is larger than {} MB: split it, or import it with `price-monitor import-energy`",
        MAX_UPLOAD >> 20
    )
}

/// A browser says where a form was posted from: `Sec-Fetch-Site`, or failing that `Origin` against `Host`. A
/// request with neither (`curl`) is not a browser's, so not another site's visitor's.
fn from_this_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v: &header::HeaderValue| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        return site == "same-origin" || site == "none";
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, origin_host)| origin_host == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// Reads the form's `kind` and `file`, then sends the file's intervals and waits a little for the log to hold
/// them. `Err` is a sentence on why nothing was imported.
async fn imported(importer: &Importer, upload: &Upload, mut form: Multipart) -> anyhow::Result<Outcome> {
    let (mut kind, mut file) = (EnergyKind::Consumption, None);
    while let Some(field) = form.next_field().await.map_err(|e| refused_body(&e))? {
        match field.name() {
            Some("kind") => {
                let text = field.text().await.map_err(|e| refused_body(&e))?;
                kind = text.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            }
            Some("file") => {
                let name = clipped_to(field.file_name().unwrap_or("the file"), 60);
                file = Some((name, field.bytes().await.map_err(|e| refused_body(&e))?));
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
        anyhow::bail!("no file was chosen");
    };
    let parsed = Parsed::of(&name, &bytes, kind, Utc::now())?;
    tracing::info!("uploaded: {}", parsed.summary.escape_debug());
    let last = parsed.records.last().cloned();
    let sending = importer.send(parsed.records, KAFKA_WITHIN, &upload.shutdown);
    let Ok(sent) = tokio::time::timeout(KAFKA_WITHIN, sending).await else {
        anyhow::bail!(
            "Kafka did not acknowledge every interval within {} s: upload the file again (nothing is added twice)",
            KAFKA_WITHIN.as_secs()
        );
    };
    let sent = sent?;
    let written = match last {
        Some(last) => written(&upload.energy, &last).await,
        None => true,
    };
    Ok(Outcome::Imported { sent, missing: parsed.missing, written })
}

/// A body that could not be read: too large, or cut short.
fn refused_body(e: &axum::extract::multipart::MultipartError) -> anyhow::Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        anyhow::anyhow!(too_large_sentence())
    } else {
        anyhow::anyhow!("the upload could not be read: {}", clipped_to(&e.body_text(), 120))
    }
}

/// Whether the energy log holds `last` (the file's last interval, as sent) within [`WRITTEN_WITHIN`]: the
/// consumer may be in this process or another on the same disk.
async fn written(energy: &EnergyStore, last: &app::records::energy::EnergyRecord) -> bool {
    let deadline = tokio::time::Instant::now() + WRITTEN_WITHIN;
    loop {
        let there = energy.read(|log| {
            let index = log.index();
            let found = index.range(last.kind, last.start, last.end);
            found.iter().any(|r| r.start == last.start && r.kwh == last.kwh)
        });
        let there = there.unwrap_or(false);
        if there || tokio::time::Instant::now() >= deadline {
            return there;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The page, with the outcome in its query (`app::page::energy` shows it) and scrolled to the section.
fn page_after(outcome: &Outcome) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    match outcome {
        Outcome::Imported { sent, missing, written } => {
            query.append_pair("imported", &sent.to_string()).append_pair("missing", &missing.to_string());
            if !written {
                query.append_pair("pending", "1");
            }
        }
        Outcome::Refused(why) => {
            query.append_pair("import_error", &clipped_to(why, 300));
        }
    }
    format!("/?{}#energy", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (header::HeaderName::from_static(name), value.parse().unwrap())).collect()
    }

    #[test]
    fn a_form_is_taken_from_this_site_only() {
        assert!(from_this_site(&headers(&[("sec-fetch-site", "same-origin"), ("origin", "http://elsewhere")])));
        assert!(!from_this_site(&headers(&[("sec-fetch-site", "cross-site"), ("host", "localhost:8501")])));
        assert!(!from_this_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(from_this_site(&headers(&[("origin", "http://localhost:8501"), ("host", "localhost:8501")])));
        assert!(!from_this_site(&headers(&[("origin", "http://evil.example"), ("host", "localhost:8501")])));
        assert!(!from_this_site(&headers(&[("origin", "null"), ("host", "localhost:8501")])));
        assert!(from_this_site(&headers(&[("host", "localhost:8501")])), "curl sends no Origin");
    }

    #[test]
    fn the_page_is_told_what_was_imported_or_why_not() {
        let imported = Outcome::Imported { sent: 96, missing: 4, written: true };
        assert_eq!(page_after(&imported), "/?imported=96&missing=4#energy");
        let pending = Outcome::Imported { sent: 1, missing: 0, written: false };
        assert_eq!(page_after(&pending), "/?imported=1&missing=0&pending=1#energy");
        let refused = Outcome::Refused("a.csv: line 3: the amount -1 is negative; nothing was imported".into());
        assert_eq!(
            page_after(&refused),
            "/?import_error=a.csv%3A+line+3%3A+the+amount+-1+is+negative%3B+nothing+was+imported#energy"
        );
    }
}
