//! What bounds a client: the headers every answer carries, the largest request body, the longest request, and
//! how often one client may ask for what costs the most. The dashboard is public data; these keep the service
//! up and keep it from being used against its visitors (framing, content sniffing, injected scripts).

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    extract::{ConnectInfo, Request, State},
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use tower_http::{limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer, timeout::TimeoutLayer};

/// The largest request body but an uploaded metering file's: a server function's form has a few hundred bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// A request still unanswered after this long is ended with 503 (the dashboard's; see [`bounded`]).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The policy of every answer that is not the page (JSON, CSV, files): nothing may run or be framed. The page
/// sets its own, with its scripts' nonce ([`app::page_policy`]).
const NOT_A_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// `router` with [`MAX_BODY`] around every route: the routes merged into it afterwards (the page's upload of
/// metering files) set their own.
pub fn small_bodies(router: Router) -> Router {
    router.layer(RequestBodyLimitLayer::new(MAX_BODY))
}

/// `router` with the headers and `request_timeout` around every route.
pub fn bounded(router: Router, request_timeout: Duration) -> Router {
    let headers: [(HeaderName, &'static str); 4] = [
        (header::CONTENT_SECURITY_POLICY, NOT_A_PAGE_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    let router = router.layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, request_timeout));
    // Outermost, so that a 413 or a 503 carries them too.
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)))
    })
}

/// Requests a minute one client may make of the costly endpoints, unless configured otherwise.
pub const DEFAULT_RATE_LIMIT: u32 = 120;

/// Requests a client may make of the costly endpoints: `per_minute` a minute, up to a quarter of that at once.
#[derive(Clone)]
pub struct RateLimit(Option<Arc<Allowances>>);

/// The clients' allowances, and how many may be remembered before the ones with a full allowance are forgotten.
struct Allowances {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    forget_above: AtomicUsize,
}

impl RateLimit {
    /// A limit of `per_minute` requests a minute per client address; 0 is none.
    pub fn per_minute(per_minute: u32) -> Self {
        Self(NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(per_minute.div_ceil(4)).unwrap_or(rate);
            let limiter = RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst));
            Arc::new(Allowances { limiter, forget_above: AtomicUsize::new(FORGET_ABOVE) })
        }))
    }

    /// `router`, its requests counted against their client's allowance.
    pub fn around(&self, router: Router) -> Router {
        router.layer(axum::middleware::from_fn_with_state(self.clone(), limit))
    }
}

/// Clients remembered before the ones with a full allowance are first forgotten.
const FORGET_ABOVE: usize = 10_000;

impl Allowances {
    /// Forgets the clients whose allowance is full again (they need no entry) once there are more than
    /// `forget_above`; the next time at twice as many as are left, so that a crowd of recent clients costs one
    /// pass over them per doubling, not one per request.
    fn forget_full(&self) {
        let above = self.forget_above.load(Ordering::Relaxed);
        if self.limiter.len() > above {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
            self.forget_above.store((2 * self.limiter.len()).max(FORGET_ABOVE), Ordering::Relaxed);
        }
    }
}

/// A request over its client's allowance gets 429 with `Retry-After`, in whole seconds. A request without a
/// client address (made in process, as the tests do) is not counted.
async fn limit(State(RateLimit(limiter)): State<RateLimit>, request: Request, next: Next) -> Response {
    let client = request.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    if let Some(allowances) = &limiter {
        allowances.forget_full();
    }
    if let (Some(allowances), Some(client)) = (limiter, client)
        && let Err(not_until) = allowances.limiter.check_key(&client)
    {
        let now = allowances.limiter.clock().now();
        let wait = not_until.wait_time_from(now).as_secs_f64().ceil().max(1.0) as u64;
        let text = format!("too many requests from {client}: try again in {wait} s");
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, wait.to_string())], text).into_response();
    }
    next.run(request).await
}
