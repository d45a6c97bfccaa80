//! Fetching the price file from its source (porssisahko.net's `/v2/latest-prices.json`) into the price file
//! the producer watches. The producer's path stays the same: only the file's author changes.
//!
//! The source publishes tomorrow's prices once a day, shortly after 14:00 Helsinki time, so a polite client
//! fetches once at start, then shortly after 14:00, and until tomorrow's prices are there every 15–30 minutes
//! (with jitter, so that many monitors do not ask together). It asks conditionally (ETag, Last-Modified), and
//! a bad answer leaves the file as it was.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::Context;
use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use reqwest::{StatusCode, header};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    log_text::clipped,
    metrics::{self, BadInput},
    pipeline::{
        price_file::{self, MAX_BYTES},
        sample,
        sources::{self, Slot},
        status::StatusBoard,
    },
};
use app::{figures::planner::Quarters, query::status::SourceStatus, records::price::slot_time_text};

/// How the monitor introduces itself to the source.
const USER_AGENT: &str = concat!(
    "electricity-price-monitor/",
    env!("CARGO_PKG_VERSION"),
    " (self-hosted spot price dashboard; fetches a few times a day)"
);

/// Why a fetch left the price file as it was.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("requesting {url} failed: {source}")]
    Request { url: String, source: reqwest::Error },
    #[error("{url} answered {status}{}", retry_after.map(|w| format!(" (Retry-After: {} s)", w.as_secs())).unwrap_or_default())]
    Status { url: String, status: StatusCode, retry_after: Option<Duration> },
    #[error("{url} sent more than {} MB, while a price file has a few tens of kilobytes", MAX_BYTES >> 20)]
    TooLarge { url: String },
    #[error("{url} sent something that is not a price file ({why}): {start}")]
    NotPrices { url: String, why: String, start: String },
    #[error("writing {path} failed: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{url} asked not to be asked again before {}", until.to_rfc3339())]
    Resting { url: String, until: DateTime<Utc> },
}

/// What a successful fetch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetched {
    /// New content, written to the price file.
    Written,
    /// The source answered 304 Not Modified.
    NotModified,
    /// The source sent what the file already holds.
    Unchanged,
}

impl Fetched {
    fn label(self) -> &'static str {
        match self {
            Self::Written => "written",
            Self::NotModified => "not_modified",
            Self::Unchanged => "unchanged",
        }
    }
}

/// A source and what it said last: its validators for a conditional request, and its last answer used.
pub struct Source {
    client: reqwest::Client,
    url: String,
    etag: Option<header::HeaderValue>,
    last_modified: Option<header::HeaderValue>,
    /// The format and slots of the last answer used, which a 304 repeats.
    last: Option<(&'static str, Vec<Slot>)>,
    /// Not to be asked before this: its `Retry-After`.
    not_before: Option<DateTime<Utc>>,
    status: SourceStatus,
}

impl Source {
    /// A client for `url` that gives up on an answer after `timeout`.
    pub fn new(url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .build()
            .context("creating the HTTP client")?;
        let status = SourceStatus { url: shown(url), ..SourceStatus::default() };
        Ok(Self { client, url: url.to_owned(), etag: None, last_modified: None, last: None, not_before: None, status })
    }

    /// Asks once: the answer's slots (a 304's are the last answer's), and whether it was a 304.
    async fn ask(&mut self, now: DateTime<Utc>) -> Result<(&[Slot], bool), FetchError> {
        if let Some(until) = self.not_before.filter(|until| *until > now) {
            return Err(FetchError::Resting { url: self.status.url.clone(), until });
        }
        let outcome = self.ask_uncounted(now).await;
        // What a fetch did is counted once it is done (see `Sources::fetch_into`); each source's failures here.
        match &outcome {
            Ok(_) => {}
            Err(FetchError::NotPrices { .. } | FetchError::TooLarge { .. }) => {
                metrics::fetched("invalid");
                metrics::bad_input(BadInput::Download, 1);
            }
            Err(_) => metrics::fetched("failed"),
        }
        match outcome {
            Ok(not_modified) => {
                let (format, slots) = self.last.as_ref().expect("an answer was used");
                self.status.format = Some((*format).to_owned());
                self.status.last_success = Some(now);
                self.status.last_error = None;
                metrics::source_succeeded(&self.status.url, now);
                Ok((slots, not_modified))
            }
            Err(e) => {
                self.status.last_error = Some(e.to_string());
                // Retry-After counts from the answer, not from the request: on a slow network the two are apart.
                let answered = Utc::now();
                self.not_before =
                    e.retry_after().and_then(|wait| chrono::Duration::from_std(wait).ok()).map(|w| answered + w);
                Err(e)
            }
        }
    }

    async fn ask_uncounted(&mut self, now: DateTime<Utc>) -> Result<bool, FetchError> {
        let url = request_url(&self.url, now);
        let mut request = self.client.get(&url).header(header::ACCEPT, "application/json");
        if let (Some(etag), Some(_)) = (&self.etag, &self.last) {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let (Some(modified), Some(_)) = (&self.last_modified, &self.last) {
            request = request.header(header::IF_MODIFIED_SINCE, modified);
        }
        // Errors, logs, the page and /metrics name the source without a login or a query (a token, say).
        let url = &self.status.url;
        let failed = |source: reqwest::Error| FetchError::Request { url: url.clone(), source: source.without_url() };
        let mut response = request.send().await.map_err(failed)?;
        match response.status() {
            StatusCode::NOT_MODIFIED if self.last.is_some() => return Ok(true),
            StatusCode::OK => {}
            status => {
                let asks_to_wait = matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE);
                let retry_after = asks_to_wait.then(|| retry_after(response.headers(), Utc::now())).flatten();
                return Err(FetchError::Status { url: url.clone(), status, retry_after });
            }
        }
        let etag = response.headers().get(header::ETAG).cloned();
        let last_modified = strong_last_modified(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(FetchError::TooLarge { url: url.clone() });
            }
            body.extend_from_slice(&chunk);
        }
        let (format, read) = sources::read(&body).map_err(|why| FetchError::NotPrices {
            url: url.clone(),
            why,
            start: clipped(&String::from_utf8_lossy(&body[..body.len().min(200)])),
        })?;
        if !read.skipped.is_empty() {
            metrics::bad_input(BadInput::Download, read.skipped.len() as u64);
            tracing::warn!("{url}: {} entries skipped, the first: {}", read.skipped.len(), read.skipped[0]);
        }
        // Validators only of an answer that was used: a bad one must not make the next answers 304.
        (self.etag, self.last_modified, self.last) = (etag, last_modified, Some((format, read.slots)));
        Ok(false)
    }
}

/// The answer's `Last-Modified`, when it can tell a later change: HTTP dates have whole seconds, so one less
/// than a second before the answer's `Date` is a weak validator (RFC 9110, 8.8.2.2). Sent back, it would make
/// a change later in the same second look unmodified for good.
fn strong_last_modified(headers: &header::HeaderMap) -> Option<header::HeaderValue> {
    let date =
        |name| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|t| DateTime::parse_from_rfc2822(t).ok());
    let modified = date(header::LAST_MODIFIED)?;
    match date(header::DATE) {
        Some(answered) if answered - modified < chrono::Duration::seconds(1) => None,
        _ => headers.get(header::LAST_MODIFIED).cloned(),
    }
}

/// `url` as it is shown: without a login or a query, which may hold a secret.
fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = (parsed.set_username(""), parsed.set_password(None));
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => "an unreadable URL".to_owned(),
    }
}

/// The URL asked: Elering's price API wants the span, and gets yesterday to the day after tomorrow (UTC
/// midnights) unless the URL gives `start` itself.
fn request_url(url: &str, now: DateTime<Utc>) -> String {
    if !url.split('?').next().unwrap_or(url).ends_with("/nps/price") || url.contains("start=") {
        return url.to_owned();
    }
    let midnight = |days: i64| {
        let day = (now + chrono::Duration::days(days)).date_naive();
        day.and_time(NaiveTime::MIN).and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let join = if url.contains('?') { '&' } else { '?' };
    format!("{url}{join}start={}&end={}", midnight(-1), midnight(3))
}

/// The sources in the order they are preferred: the first that answers gives the prices, and the next ones
/// are asked only for what it lacks (it failed, or the day that is due is not complete in its answer).
pub struct Sources {
    list: Vec<Source>,
    /// Until when the newest prices written are complete, from now on without a gap.
    complete_until: Option<DateTime<Utc>>,
    /// Where the sources' status is shown, when the dashboard runs in this process.
    pub board: Option<Arc<StatusBoard>>,
}

impl Sources {
    pub fn new(urls: &[String], timeout: Duration) -> anyhow::Result<Self> {
        anyhow::ensure!(!urls.is_empty(), "no source to fetch from");
        let list = urls.iter().map(|url| Source::new(url, timeout)).collect::<anyhow::Result<_>>()?;
        Ok(Self { list, complete_until: None, board: None })
    }

    /// The sources whose prices the price file last written holds.
    pub fn in_use(&self) -> Vec<&str> {
        self.list.iter().filter(|s| s.status.in_use).map(|s| s.status.url.as_str()).collect()
    }

    /// Until when the prices last written are complete from now on (see [`complete_until`]).
    pub fn prices_end(&self) -> Option<DateTime<Utc>> {
        self.complete_until
    }

    /// How long until a source may be asked again, when every source asked for a rest (`Retry-After`).
    pub fn rest(&self, now: DateTime<Utc>) -> Option<Duration> {
        let rests: Option<Vec<_>> = self.list.iter().map(|s| s.not_before.filter(|until| *until > now)).collect();
        rests?.into_iter().min().and_then(|until| (until - now).to_std().ok())
    }

    /// What each source said last, for the page and `/metrics`.
    pub fn status(&self) -> Vec<SourceStatus> {
        self.list.iter().map(|s| s.status.clone()).collect()
    }

    /// Asks the sources in order until the prices are complete as `schedule` wants them, and writes what they
    /// gave (atomically) to `path` if it is new. An error only when no source answered: the first one's.
    pub async fn fetch_into(&mut self, path: &Path, schedule: &Schedule) -> Result<Fetched, FetchError> {
        let fetched = self.fetch_into_uncounted(path, schedule).await;
        if let Ok(fetched) = &fetched {
            metrics::fetched(fetched.label());
        }
        fetched
    }

    async fn fetch_into_uncounted(&mut self, path: &Path, schedule: &Schedule) -> Result<Fetched, FetchError> {
        let now = Utc::now();
        let (mut merged, mut used, mut first_error) = (Vec::new(), Vec::new(), None);
        let (several, mut all_not_modified) = (self.list.len() > 1, true);
        for source in &mut self.list {
            match source.ask(now).await {
                Ok((slots, not_modified)) => {
                    let slots = fill_in(&mut merged, slots);
                    all_not_modified &= not_modified;
                    let format = source.status.format.clone().unwrap_or_default();
                    used.push(Used { url: source.status.url.clone(), format, slots });
                }
                Err(e) => {
                    if several {
                        tracing::warn!("{e}; asking the next source, if there is one");
                    }
                    first_error.get_or_insert(e);
                }
            }
            if schedule.complete(now, complete_until(&merged, now)) {
                break;
            }
        }
        if used.is_empty() {
            return Err(first_error.expect("a source was asked"));
        }
        for source in &mut self.list {
            source.status.in_use = used.iter().any(|u| u.url == source.status.url && u.slots > 0);
            metrics::source_in_use(&source.status.url, source.status.in_use);
        }
        self.complete_until = complete_until(&merged, now);
        let body = price_file_of(&merged, &used);
        if std::fs::read(path).is_ok_and(|old| old == body) {
            return Ok(if all_not_modified { Fetched::NotModified } else { Fetched::Unchanged });
        }
        price_file::write(path, &body).map_err(|source| FetchError::Write { path: path.to_owned(), source })?;
        Ok(Fetched::Written)
    }
}

/// A source whose answer went into the price file, and how many of its slots.
#[derive(Debug, serde::Serialize)]
struct Used {
    url: String,
    format: String,
    slots: usize,
}

/// The price file of `slots` (in time order) that `sources` gave: porssisahko.net's v2 shape, which the
/// producer reads, each slot ending a millisecond before the next begins; and where its prices came from.
fn price_file_of(slots: &[Slot], sources: &[Used]) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Entry {
        price: f64,
        #[serde(rename = "startDate")]
        start: String,
        #[serde(rename = "endDate")]
        end: String,
    }
    #[derive(serde::Serialize)]
    struct File<'a> {
        sources: &'a [Used],
        prices: Vec<Entry>,
    }
    let prices = slots
        .iter()
        .map(|s| Entry {
            price: s.price,
            start: slot_time_text(s.start),
            end: slot_time_text(s.end - chrono::Duration::milliseconds(1)),
        })
        .collect();
    serde_json::to_vec(&File { sources, prices }).expect("a price file serializes")
}

/// Adds to `merged` (in time order) the `slots` it has no slot overlapping; how many.
fn fill_in(merged: &mut Vec<Slot>, slots: &[Slot]) -> usize {
    let before = merged.len();
    let fresh: Vec<Slot> =
        slots.iter().filter(|s| !merged.iter().any(|m| m.start < s.end && s.start < m.end)).copied().collect();
    merged.extend(fresh);
    merged.sort_by_key(|s| s.start);
    merged.len() - before
}

/// Until when `slots` have a price for every quarter from the one holding `now`; `None` if it has none.
pub fn complete_until(slots: &[Slot], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Quarters::new(slots.iter().map(|s| (s.start, s.end, s.price))).known_until(now)
}

impl FetchError {
    /// How long the source asked to be left alone (`Retry-After` of a 429 or a 503), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The longest `Retry-After` obeyed: a source that asks for more is asked again on the schedule anyway.
const MOST_RETRY_AFTER: Duration = Duration::from_secs(6 * 3600);

/// `Retry-After` as seconds or as an HTTP date (RFC 9110), from `now`.
fn retry_after(headers: &header::HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let text = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match text.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => (DateTime::parse_from_rfc2822(text).ok()?.with_timezone(&Utc) - now).to_std().unwrap_or_default(),
    };
    Some(wait.min(MOST_RETRY_AFTER))
}

/// When to fetch: the source's publishing time, and how often to try again until tomorrow's prices are out.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The source's time zone, in which "today", "tomorrow" and the publishing time are meant.
    pub zone: Tz,
    /// When tomorrow's prices usually appear.
    pub publish: NaiveTime,
    /// The first retry while tomorrow's prices are missing; each further retry waits twice as long, up to
    /// `retry_max`.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// The first retry after a failed request (no answer, 5xx, 429, not a price file); each further one waits
    /// twice as long, up to `retry_min`, the schedule's own pace.
    pub failure_min: Duration,
    /// Never less than this between two fetches that got an answer, unless `every` is shorter.
    pub min_interval: Duration,
    /// Fetch at least this often whatever the schedule says (`--fetch-interval`).
    pub every: Option<Duration>,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            zone: chrono_tz::Europe::Helsinki,
            publish: NaiveTime::from_hms_opt(14, 0, 0).expect("a valid time"),
            retry_min: Duration::from_secs(15 * 60),
            retry_max: Duration::from_secs(30 * 60),
            failure_min: Duration::from_secs(30),
            min_interval: Duration::from_secs(5 * 60),
            every: None,
        }
    }
}

impl Schedule {
    /// How long to wait after a fetch at `now`, when the known prices end at `prices_end` and `retries`
    /// fetches in a row have not brought the prices expected. `jitter` is a fraction in 0..1.
    ///
    /// Before the publishing time the prices are complete when they cover today; after it, when they cover
    /// tomorrow too. Complete prices wait for the next publishing time plus up to 10 minutes; incomplete ones
    /// are asked for again after 15, then 30 minutes, plus up to a quarter more.
    pub fn next_fetch(
        &self,
        now: DateTime<Utc>,
        prices_end: Option<DateTime<Utc>>,
        retries: u32,
        jitter: f64,
    ) -> Duration {
        let wait = if self.complete(now, prices_end) {
            let today = now.with_timezone(&self.zone).date_naive();
            let published_today = self.at(today, self.publish);
            let next_publish = if now < published_today {
                published_today
            } else {
                self.at(today.succ_opt().unwrap_or(today), self.publish)
            };
            (next_publish - now).to_std().unwrap_or_default() + Duration::from_secs(600).mul_f64(jitter)
        } else {
            let base = self.retry_min.saturating_mul(1 << retries.min(16)).min(self.retry_max);
            base + base.mul_f64(jitter / 4.0)
        };
        match self.every {
            // Asked for every few seconds, it fetches that often; asked for every hour, it still keeps the floor.
            Some(every) => wait.clamp(self.min_interval.min(every), every),
            None => wait.max(self.min_interval),
        }
    }

    /// How long to wait after the `failures`-th failed request in a row: 30 s, 1 min, 2 min, … up to the
    /// schedule's 15 minutes, plus up to a quarter more (`jitter` in 0..1) so that restarted monitors do not
    /// ask together; never before the source's `Retry-After`. With `every`, at least that often.
    pub fn after_failure(&self, failures: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let base = self.failure_min.saturating_mul(1 << failures.saturating_sub(1).min(16)).min(self.retry_min);
        let wait = base + base.mul_f64(jitter / 4.0);
        let wait = self.every.map_or(wait, |every| wait.min(every));
        retry_after.map_or(wait, |asked| wait.max(asked))
    }

    /// Whether prices ending at `prices_end` are all there is to have at `now`: today's before the publishing
    /// time, tomorrow's too after it.
    pub fn complete(&self, now: DateTime<Utc>, prices_end: Option<DateTime<Utc>>) -> bool {
        let today = now.with_timezone(&self.zone).date_naive();
        let needed = if now < self.at(today, self.publish) { today } else { today.succ_opt().unwrap_or(today) };
        let midnight_after = self.at(needed.succ_opt().unwrap_or(needed), NaiveTime::MIN);
        prices_end.is_some_and(|end| end >= midnight_after)
    }

    /// `date` at `time` in the source's zone.
    fn at(&self, date: chrono::NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        app::figures::format::DisplayZone(self.zone).instant(date.and_time(time))
    }
}

/// Fetches into `path` on `schedule` until `shutdown`. With `sample_in`, a failed fetch that leaves the file
/// without a price for now writes the shipped sample there, re-dated in that zone ([`sample`]): a first run
/// without the network still shows today, and says that it is sample data.
pub async fn keep_fetching(
    mut sources: Sources,
    path: &Path,
    schedule: &Schedule,
    sample_in: Option<chrono_tz::Tz>,
    shutdown: &CancellationToken,
) {
    let (mut retries, mut failures) = (0, 0);
    loop {
        let fetched = sources.fetch_into(path, schedule).await;
        if let Some(board) = &sources.board {
            board.sources(sources.status());
        }
        let wait = match fetched {
            Ok(fetched) => {
                failures = 0;
                log_fetched(&sources, fetched, schedule);
                let (now, prices_end) = (Utc::now(), sources.prices_end());
                let wait = schedule.next_fetch(now, prices_end, retries, fastrand::f64());
                retries = if schedule.complete(now, prices_end) { 0 } else { retries + 1 };
                wait
            }
            Err(e) => {
                failures += 1;
                let wait = schedule.after_failure(failures, sources.rest(Utc::now()), fastrand::f64());
                let again = format!("asking again in {} s", wait.as_secs());
                match sample_in.map(|zone| sample::write_unless_current(path, Utc::now(), zone)) {
                    Some(Ok(true)) => tracing::warn!(
                        "{e}; the price file had no price for now: it holds the shipped sample, re-dated to \
                         yesterday, today and tomorrow, until the source answers (the page says it shows sample \
                         data); {again}"
                    ),
                    Some(Err(write)) => tracing::warn!("{e}; the sample could not be written either: {write}; {again}"),
                    Some(Ok(false)) | None => tracing::warn!("{e}; the price file stays as it was; {again}"),
                }
                wait
            }
        };
        tracing::debug!("next fetch in {} s", wait.as_secs());
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// One line for a fetch that got an answer.
fn log_fetched(sources: &Sources, fetched: Fetched, schedule: &Schedule) {
    let what = match fetched {
        Fetched::Written => "new prices written to the price file",
        Fetched::NotModified => "not modified",
        Fetched::Unchanged => "the same as the price file",
    };
    let until = sources.prices_end().map_or_else(|| "unknown".to_owned(), |t| t.to_rfc3339());
    let from = sources.in_use().join(" and ");
    // Fetched on an interval of one's own, "nothing new" is not news.
    if fetched == Fetched::Written || schedule.every.is_none() {
        tracing::info!("fetched {from}: {what}; complete until {until}");
    } else {
        tracing::debug!("fetched {from}: {what}; complete until {until}");
    }
}

/// How long to wait for the source's answer.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// `price-monitor fetch`: fetches the sources into the price file once, or on the schedule until `shutdown`;
/// with `board`, says how each source fares there.
pub async fn run(
    config: Config,
    once: bool,
    board: Option<Arc<StatusBoard>>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let urls = config.source_urls();
    anyhow::ensure!(
        !urls.is_empty(),
        "no source to fetch from: set --source-url or SOURCE_URL, e.g. https://api.porssisahko.net/v2/latest-prices.json"
    );
    let mut sources = Sources::new(&urls, TIMEOUT)?;
    sources.board = board;
    let schedule = Schedule { every: config.fetch_interval(), ..Schedule::default() };
    let url = urls.join(", then ");
    if once {
        let fetched = sources.fetch_into(&config.price_file, &schedule).await?;
        tracing::info!("fetched {url} into {}: {}", config.price_file.display(), fetched.label());
        return Ok(());
    }
    match schedule.every {
        Some(every) => tracing::info!(
            "fetching {url} into {} every {} s, and after 14:00 Helsinki time",
            config.price_file.display(),
            every.as_secs()
        ),
        None => tracing::info!(
            "fetching {url} into {} (at start, then after 14:00 Helsinki time)",
            config.price_file.display()
        ),
    }
    let sample_in = config.sample_when_unreachable.then_some(config.tz);
    keep_fetching(sources, &config.price_file, &schedule, sample_in, &shutdown).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn minutes(d: Duration) -> f64 {
        d.as_secs_f64() / 60.0
    }

    /// Helsinki is UTC+2 in winter: 14:00 there is 12:00 UTC, and its days start at 22:00 UTC.
    const TODAY_END: &str = "2026-01-15T22:00:00Z";
    const TOMORROW_END: &str = "2026-01-16T22:00:00Z";

    #[test]
    fn before_14_with_today_known_it_waits_for_14_plus_up_to_10_minutes() {
        let s = Schedule::default();
        let now = utc("2026-01-15T08:00:00Z"); // 10:00 in Helsinki
        assert!(s.complete(now, Some(utc(TODAY_END))));
        assert_eq!(minutes(s.next_fetch(now, Some(utc(TODAY_END)), 0, 0.0)), 240.0);
        assert_eq!(minutes(s.next_fetch(now, Some(utc(TODAY_END)), 0, 0.999_999)).round(), 250.0);
    }

    #[test]
    fn after_14_without_tomorrow_it_retries_after_15_then_30_minutes_with_jitter() {
        let s = Schedule::default();
        let now = utc("2026-01-15T12:05:00Z"); // 14:05 in Helsinki
        let end = Some(utc(TODAY_END));
        assert!(!s.complete(now, end));
        let waits: Vec<f64> = (0..4).map(|retries| minutes(s.next_fetch(now, end, retries, 0.0))).collect();
        assert_eq!(waits, [15.0, 30.0, 30.0, 30.0]);
        let jittered = minutes(s.next_fetch(now, end, 0, 0.999_999));
        assert!((18.7..=18.75).contains(&jittered), "{jittered}");
        // Nothing known at all (the first fetch failed): the same retries, never more often than 5 minutes.
        assert_eq!(minutes(s.next_fetch(now, None, 0, 0.0)), 15.0);
        let eager = Schedule { retry_min: Duration::from_secs(10), ..Schedule::default() };
        assert_eq!(minutes(eager.next_fetch(now, None, 0, 0.0)), 5.0);
    }

    #[test]
    fn a_fetch_interval_caps_every_wait_below_the_five_minute_floor_too() {
        let every = Schedule { every: Some(Duration::from_secs(2)), ..Schedule::default() };
        let now = utc("2026-01-15T08:00:00Z");
        assert_eq!(every.next_fetch(now, Some(utc(TODAY_END)), 0, 0.5), Duration::from_secs(2), "prices complete");
        assert_eq!(every.next_fetch(now, None, 3, 0.5), Duration::from_secs(2), "prices missing");
        let hourly = Schedule { every: Some(Duration::from_secs(3600)), ..Schedule::default() };
        assert_eq!(minutes(hourly.next_fetch(now, Some(utc(TODAY_END)), 0, 0.0)), 60.0);
        assert_eq!(minutes(hourly.next_fetch(utc("2026-01-15T12:05:00Z"), None, 0, 0.0)), 15.0, "retries sooner");
        let eager = Schedule {
            retry_min: Duration::from_secs(10),
            every: Some(Duration::from_secs(3600)),
            ..Schedule::default()
        };
        assert_eq!(minutes(eager.next_fetch(utc("2026-01-15T12:05:00Z"), None, 0, 0.0)), 5.0, "the floor stays");
    }

    #[test]
    fn after_14_with_tomorrow_known_it_waits_for_tomorrows_14() {
        let s = Schedule::default();
        let now = utc("2026-01-15T12:30:00Z");
        assert!(s.complete(now, Some(utc(TOMORROW_END))));
        assert_eq!(minutes(s.next_fetch(now, Some(utc(TOMORROW_END)), 3, 0.0)), 24.0 * 60.0 - 30.0);
    }

    #[test]
    fn the_publishing_time_follows_helsinki_across_daylight_saving() {
        let s = Schedule::default();
        // 2026-03-29: Helsinki moves to UTC+3 at 04:00, so 14:00 is 11:00 UTC, and the day ends at 21:00 UTC.
        let now = utc("2026-03-29T10:30:00Z"); // 13:30 in Helsinki
        let today_end = Some(utc("2026-03-29T21:00:00Z"));
        assert!(s.complete(now, today_end));
        assert_eq!(minutes(s.next_fetch(now, today_end, 0, 0.0)), 30.0);
        let after = utc("2026-03-29T11:00:00Z");
        assert!(!s.complete(after, today_end), "at 14:00 local tomorrow is needed");
        assert!(s.complete(after, Some(utc("2026-03-30T21:00:00Z"))));
    }

    #[test]
    fn a_failed_request_is_retried_after_30_s_then_twice_as_long_up_to_15_minutes_with_jitter() {
        let s = Schedule::default();
        let waits: Vec<f64> = (1..=7).map(|n| minutes(s.after_failure(n, None, 0.0))).collect();
        assert_eq!(waits, [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]);
        assert_eq!(minutes(s.after_failure(1, None, 1.0)), 0.625, "up to a quarter more");
        assert_eq!(minutes(s.after_failure(40, None, 0.0)), 15.0, "no overflow");
        let fast = Schedule { every: Some(Duration::from_secs(10)), ..Schedule::default() };
        assert_eq!(fast.after_failure(5, None, 0.0), Duration::from_secs(10), "--fetch-interval keeps its pace");
    }

    #[test]
    fn retry_after_is_honoured_in_seconds_or_as_a_date() {
        let s = Schedule::default();
        assert_eq!(minutes(s.after_failure(1, Some(Duration::from_secs(600)), 0.0)), 10.0, "not before it");
        assert_eq!(minutes(s.after_failure(6, Some(Duration::from_secs(60)), 0.0)), 15.0, "not sooner than backoff");
        let now = utc("2026-01-15T12:00:00Z");
        let headers = |value: &str| {
            let mut h = header::HeaderMap::new();
            h.insert(header::RETRY_AFTER, header::HeaderValue::from_str(value).unwrap());
            h
        };
        assert_eq!(retry_after(&headers("120"), now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(&headers("Thu, 15 Jan 2026 12:05:00 GMT"), now), Some(Duration::from_secs(300)));
        assert_eq!(retry_after(&headers("Thu, 15 Jan 2026 11:00:00 GMT"), now), Some(Duration::ZERO), "past");
        assert_eq!(retry_after(&headers("999999999"), now), Some(MOST_RETRY_AFTER));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&header::HeaderMap::new(), now), None);
    }

    /// Quarter slots from `first`, `count` of them, at `price`.
    fn quarters(first: &str, count: i64, price: f64) -> Vec<Slot> {
        let first = utc(first);
        let quarter = chrono::Duration::minutes(15);
        (0..count)
            .map(|i| Slot { start: first + quarter * i as i32, end: first + quarter * (i as i32 + 1), price })
            .collect()
    }

    #[test]
    fn a_day_is_complete_with_every_quarter_of_its_local_day_92_96_or_100() {
        let s = Schedule::default();
        // Helsinki's clocks go forward on 29 March 2026 (23 hours, 92 quarters) and back on 25 October (100).
        for (midnight, quarters, next_midnight) in [
            ("2026-03-28T22:00:00Z", 92, "2026-03-29T21:00:00Z"),
            ("2026-10-24T21:00:00Z", 100, "2026-10-25T22:00:00Z"),
            ("2026-01-14T22:00:00Z", 96, "2026-01-15T22:00:00Z"),
        ] {
            let day = quarters_from(midnight, quarters);
            let morning = utc(midnight) + chrono::Duration::hours(8);
            assert_eq!(complete_until(&day, morning), Some(utc(next_midnight)), "{midnight}");
            assert!(s.complete(morning, complete_until(&day, morning)), "{midnight}: before 14:00, today is enough");
            let mut gap = day.clone();
            gap.remove(quarters as usize - 10);
            let until = complete_until(&gap, morning);
            assert_eq!(until, Some(utc(next_midnight) - chrono::Duration::minutes(150)), "{midnight}");
            assert!(!s.complete(morning, until), "{midnight}: a missing quarter is an incomplete day");
        }
        assert_eq!(complete_until(&quarters_from("2026-01-14T22:00:00Z", 4), utc("2026-01-15T08:00:00Z")), None);
    }

    fn quarters_from(first: &str, count: i64) -> Vec<Slot> {
        quarters(first, count, 5.0)
    }

    #[test]
    fn a_later_source_fills_in_only_what_the_earlier_ones_lack() {
        let mut merged = quarters("2026-01-15T00:00:00Z", 4, 1.0);
        merged.remove(1);
        let hourly = [Slot { start: utc("2026-01-15T00:00:00Z"), end: utc("2026-01-15T01:00:00Z"), price: 9.0 }];
        assert_eq!(fill_in(&mut merged, &hourly), 0, "an hour overlapping quarters it has is not taken");
        assert_eq!(fill_in(&mut merged, &quarters("2026-01-15T00:00:00Z", 8, 2.0)), 5);
        let prices: Vec<f64> = merged.iter().map(|s| s.price).collect();
        assert_eq!(prices, [1.0, 2.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]);
    }

    #[test]
    fn a_last_modified_within_a_second_of_the_answer_is_not_sent_back() {
        let headers = |modified: &str, date: Option<&str>| {
            let mut h = header::HeaderMap::new();
            h.insert(header::LAST_MODIFIED, header::HeaderValue::from_str(modified).unwrap());
            if let Some(date) = date {
                h.insert(header::DATE, header::HeaderValue::from_str(date).unwrap());
            }
            h
        };
        let modified = "Fri, 04 Dec 2026 05:44:04 GMT";
        assert!(strong_last_modified(&headers(modified, Some("Fri, 04 Dec 2026 05:44:04 GMT"))).is_none());
        assert!(strong_last_modified(&headers(modified, Some("Fri, 04 Dec 2026 05:44:05 GMT"))).is_some());
        assert!(strong_last_modified(&headers(modified, None)).is_some(), "no Date: nothing to tell it by");
        assert!(strong_last_modified(&headers("yesterday", None)).is_none());
    }

    #[test]
    fn a_source_is_shown_without_its_login_or_query() {
        assert_eq!(shown("https://user:secret@example.com/prices?token=abc#x"), "https://example.com/prices");
        assert_eq!(
            shown("https://api.porssisahko.net/v2/latest-prices.json"),
            "https://api.porssisahko.net/v2/latest-prices.json"
        );
    }

    #[test]
    fn elering_is_asked_for_yesterday_to_the_day_after_tomorrow_unless_the_url_says() {
        let now = utc("2026-01-15T12:34:00Z");
        assert_eq!(
            request_url("https://dashboard.elering.ee/api/nps/price", now),
            "https://dashboard.elering.ee/api/nps/price?start=2026-01-14T00:00:00.000Z&end=2026-01-18T00:00:00.000Z"
        );
        let given = "http://127.0.0.1:9/api/nps/price?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z";
        assert_eq!(request_url(given, now), given);
        let porssisahko = "https://api.porssisahko.net/v2/latest-prices.json";
        assert_eq!(request_url(porssisahko, now), porssisahko);
    }
}
