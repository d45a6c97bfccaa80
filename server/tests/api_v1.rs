//! `/api/v1` against a CSV log with known prices around now: each endpoint's answer, its arithmetic (totals,
//! ranks, levels, hourly averages, the cheapest run, a DST day), and a 400 with a sentence for each mistake.

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use chrono::{DateTime, Duration, DurationRound, Utc};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use app::{
    PriceRecord,
    figures::{
        format::DisplayZone,
        tariff::{Tariff, Transfer},
    },
    query::store::PriceStore,
    records::csv_log::CsvLog,
};
use server::web::api_v1::{Api, router};

/// Fees: margin 0.5, transfer 3 by day and 1 by night (22–7 Helsinki time), tax 2.253, VAT 25.5 %.
fn tariff() -> Tariff {
    Tariff {
        margin: 0.5,
        transfer: Transfer::DayNight { day: 3.0, night: 1.0, day_starts: 7, night_starts: 22 },
        tax: 2.253,
        vat: 0.255,
    }
}

struct Site {
    router: Router,
    _dir: tempfile::TempDir,
}

fn site(records: Vec<PriceRecord>) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prices.csv");
    CsvLog::open(&path).unwrap().append_new(records).unwrap();
    let api = Api {
        store: Arc::new(PriceStore::new(&path)),
        zone: DisplayZone::default(),
        tariff: Arc::new(tariff()),
        rules: Arc::default(),
    };
    Site { router: router(api), _dir: dir }
}

fn quarter(start: DateTime<Utc>, price: f64) -> PriceRecord {
    PriceRecord::new(Utc::now(), price, start, start + Duration::minutes(15) - Duration::milliseconds(1))
}

fn this_quarter() -> DateTime<Utc> {
    Utc::now().duration_trunc(Duration::minutes(15)).unwrap()
}

/// Three days of quarters from a day ago at 10 c/kWh, except a cheap hour (1.0) four hours from now and a
/// dear quarter (30.0) now.
fn around_now() -> Vec<PriceRecord> {
    let first = this_quarter() - Duration::days(1);
    (0..3 * 96)
        .map(|i| {
            let start = first + Duration::minutes(15 * i);
            let from_now = start - this_quarter();
            let price = if from_now == Duration::zero() {
                30.0
            } else if from_now >= Duration::hours(4) && from_now < Duration::hours(5) {
                1.0
            } else {
                10.0
            };
            quarter(start, price)
        })
        .collect()
}

async fn get(site: &Site, uri: &str) -> (StatusCode, Value) {
    let response = site.router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: {e}: {}", String::from_utf8_lossy(&body))))
}

/// A time as a query parameter: RFC 3339 in UTC (a `+` would read as a space).
fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn now_is_the_current_slot_with_its_total_rank_and_level() {
    let site = site(around_now());
    let (status, now) = get(&site, "/now").await;
    assert_eq!(status, StatusCode::OK, "{now}");
    assert_eq!(now["spot"], 30.0);
    assert_eq!(now["start"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(), this_quarter());
    let transfer = now["parts"]["transfer"].as_f64().unwrap();
    assert!(transfer == 3.0 || transfer == 1.0, "day or night rate: {now}");
    let total = now["total"].as_f64().unwrap();
    assert!(close(total, 30.0 + (0.5 + transfer + 2.253) * 1.255), "{now}");
    let parts = ["spot", "margin", "transfer", "tax", "vat_on_fees"].map(|part| now["parts"][part].as_f64().unwrap());
    assert!(close(parts.iter().sum(), total) && now["parts"]["total"] == now["total"], "the parts add up: {now}");
    assert!(close(now["exchange"].as_f64().unwrap(), 30.0 / 1.255 * 10.0), "EUR/MWh without VAT: {now}");
    assert_eq!(now["level"], "very_expensive", "30 against a week of about 10");
    assert_eq!(now["rank"].as_u64().unwrap(), now["of"].as_u64().unwrap(), "the dearest of its day");

    let (status, nothing) = get(&site_of_the_past(), "/now").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(nothing["error"], "no price is known for now");
}

fn site_of_the_past() -> Site {
    site((0..4).map(|i| quarter(this_quarter() - Duration::days(3) + Duration::minutes(15 * i), 5.0)).collect())
}

#[tokio::test]
async fn prices_in_quarters_and_in_hourly_averages() {
    let site = site(around_now());
    let from = this_quarter().duration_trunc(Duration::hours(1)).unwrap() + Duration::hours(4);
    let to = from + Duration::hours(2);
    let query = |resolution: &str| format!("/prices?from={}&to={}&resolution={resolution}", iso(from), iso(to));
    let (status, quarters) = get(&site, &query("15min")).await;
    assert_eq!(status, StatusCode::OK, "{quarters}");
    assert_eq!(quarters["prices"].as_array().unwrap().len(), 8);
    let (_, hours) = get(&site, &query("hour")).await;
    let hours = hours["prices"].as_array().unwrap();
    assert_eq!(hours.len(), 2);
    // The cheap hour starts 4 h after this quarter: the first full hour holds 4 - (minutes past) of its quarters.
    let cheap_quarters =
        4 - (this_quarter() - this_quarter().duration_trunc(Duration::hours(1)).unwrap()).num_minutes() / 15;
    let expected = (cheap_quarters as f64 * 1.0 + (4 - cheap_quarters) as f64 * 10.0) / 4.0;
    assert!(close(hours[0]["spot"].as_f64().unwrap(), expected), "{}", hours[0]);
    assert_eq!(hours[0]["end"], hours[1]["start"]);

    let (status, today) = get(&site, "/prices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!today["prices"].as_array().unwrap().is_empty(), "today by default: {today}");
}

#[tokio::test]
async fn the_cheapest_run_what_it_saves_and_costs() {
    let site = site(around_now());
    let (status, plan) = get(&site, "/cheapest?duration=1h&kwh=2&count=3&price=spot").await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let best_start = plan["best"]["start"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    assert_eq!(best_start, this_quarter() + Duration::hours(4));
    assert_eq!(plan["best"]["average"], 1.0);
    assert!(close(plan["best"]["cost_euros"].as_f64().unwrap(), 0.02), "2 kWh at 1 c: {plan}");
    let now_average = (30.0 + 3.0 * 10.0) / 4.0;
    assert!(close(plan["now"]["average"].as_f64().unwrap(), now_average), "{plan}");
    assert!(close(plan["saving"].as_f64().unwrap(), now_average - 1.0));
    let (_, by_power) = get(&site, "/cheapest?duration=1h&kw=2&price=spot").await;
    assert!(close(by_power["best"]["cost_euros"].as_f64().unwrap(), 0.02), "2 kW for an hour at 1 c: {by_power}");
    let quarters = plan["cheapest_quarters"].as_array().unwrap();
    assert_eq!(quarters.len(), 3);
    assert!(quarters.iter().all(|q| q["price"] == 1.0));

    // By total price the same hour wins here, and its average includes the fees.
    let (_, total) = get(&site, "/cheapest?duration=15").await;
    assert_eq!(total["price"], "total");
    assert!(total["best"]["average"].as_f64().unwrap() > 1.0 + 0.5 * 1.255);

    // Done by a time before the cheap hour: the best is elsewhere.
    let until = iso(this_quarter() + Duration::hours(3));
    let (_, early) = get(&site, &format!("/cheapest?duration=30m&price=spot&until={until}")).await;
    assert_eq!(early["best"]["average"], 10.0, "{early}");

    let (status, none) = get(&site_of_the_past(), "/cheapest?duration=1h").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(none["error"].as_str().unwrap().contains("no run of 60 minutes"), "{none}");
}

#[tokio::test]
async fn daily_averages_over_a_dst_day_of_92_quarters() {
    // 2026-03-29 in Helsinki: 23 hours from 2026-03-28T22:00Z, 92 quarters, prices 0..91.
    let first: DateTime<Utc> = "2026-03-28T22:00:00Z".parse().unwrap();
    let site = site((0..92).map(|i| quarter(first + Duration::minutes(15 * i), i as f64)).collect());
    let (status, days) = get(&site, "/daily?from=2026-03-28&to=2026-03-30").await;
    assert_eq!(status, StatusCode::OK, "{days}");
    let days = days.as_array().unwrap();
    assert_eq!(days.len(), 1, "{days:?}");
    assert_eq!(days[0]["date"], "2026-03-29");
    assert_eq!(days[0]["slots"], 92);
    assert_eq!((days[0]["min"].as_f64(), days[0]["max"].as_f64()), (Some(0.0), Some(91.0)));
    assert!(close(days[0]["average"].as_f64().unwrap(), 45.5));
    let (_, hours) = get(&site, "/prices?from=2026-03-29&to=2026-03-30&resolution=hour").await;
    assert_eq!(hours["prices"].as_array().unwrap().len(), 23, "a 23-hour day");
    let (_, quarters) = get(&site, "/prices?from=2026-03-29&to=2026-03-30").await;
    let ranks: Vec<u64> = quarters["prices"].as_array().unwrap().iter().map(|s| s["rank"].as_u64().unwrap()).collect();
    assert_eq!(ranks, (1..=92).collect::<Vec<u64>>(), "ranked within the local day");
}

#[tokio::test]
async fn every_mistake_is_a_400_with_a_sentence() {
    let site = site(around_now());
    for (uri, expected) in [
        ("/prices?from=yesterday", "from must be a date"),
        ("/prices?from=2026-01-02&to=2026-01-01", "from must be before to"),
        ("/prices?from=2020-01-01&to=2026-01-01", "at most 400 days"),
        ("/prices?resolution=daily", "the query is not valid"),
        ("/cheapest", "the query is not valid"),
        ("/cheapest?duration=7m", "15-minute steps"),
        ("/cheapest?duration=13h", "15-minute steps"),
        ("/cheapest?duration=1h&count=500", "count must be"),
        ("/cheapest?duration=1h&kwh=-3", "kwh must be"),
        ("/cheapest?duration=1h&kwh=1&kw=2", "not both"),
        ("/cheapest?duration=1h&kw=500", "kw must be"),
        ("/cheapest?duration=1h&price=cheap", "the query is not valid"),
        ("/cheapest?duration=1h&until=2020-01-01", "from must be before to"),
        ("/daily?from=2026-13-01", "from must be a date"),
    ] {
        let (status, body) = get(&site, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        let error = body["error"].as_str().unwrap_or_else(|| panic!("{uri}: {body}"));
        assert!(error.contains(expected), "{uri}: {error}");
        assert!(error.len() < 300, "{uri}: short");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let site = site(around_now());
    let (status, doc) = get(&site, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/now", "/api/v1/prices", "/api/v1/cheapest", "/api/v1/daily", "/api/v1/energy", "/api/v1/cost"]
    {
        assert!(doc["paths"][path]["get"].is_object(), "{path} in {doc}");
    }
    let params: Vec<&str> = doc["paths"]["/api/v1/cheapest"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["duration", "from", "until", "count", "kwh", "kw", "price"]);
    for schema in ["Slot", "Breakdown", "Cheapest", "Day", "Failure", "Readings", "Costs", "Period", "EnergyRecord"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

/// The metered energy's endpoints on their own router, over a price log and an energy log.
fn energy_site(prices: Vec<PriceRecord>, readings: Vec<app::records::energy::EnergyRecord>) -> Site {
    use app::{
        query::{
            energy::{MonthlyFees, Terms},
            store::EnergyStore,
        },
        records::energy::EnergyRecord,
    };
    let dir = tempfile::tempdir().unwrap();
    let (prices_path, energy_path) = (dir.path().join("prices.csv"), dir.path().join("energy.csv"));
    CsvLog::open(&prices_path).unwrap().append_new(prices).unwrap();
    CsvLog::<EnergyRecord>::open_log(&energy_path).unwrap().append_new(readings).unwrap();
    let api = server::web::api_v1::energy::EnergyApi {
        prices: Arc::new(PriceStore::new(&prices_path)),
        energy: Arc::new(EnergyStore::new(&energy_path)),
        zone: DisplayZone::default(),
        tariff: Arc::new(tariff()),
        // 3.10 € a month for the contract and 27.90 for the network: one day of January's 31 is 1 €.
        terms: Terms {
            fixed: None,
            sell_margin: 0.0,
            fees: MonthlyFees { contract: 3.1, network: 27.9, fixed_contract: 3.1 },
        },
    };
    Site { router: server::web::api_v1::energy::router(api), _dir: dir }
}

#[tokio::test]
async fn metered_energy_and_its_cost_by_the_slot_with_the_fees_and_against_a_fixed_price() {
    use app::records::energy::{EnergyKind, EnergyRecord};
    // Noon in Helsinki on 15 January: four quarters at 10 c/kWh, 1 kWh in each, the day's transfer rate.
    let noon = "2026-01-15T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let prices = (0..4).map(|i| quarter(noon + Duration::minutes(15 * i), 10.0)).collect();
    let reading = |i: i64| EnergyRecord {
        timestamp: noon,
        kind: EnergyKind::Consumption,
        metering_point: "643007572000123456".into(),
        start: noon + Duration::minutes(15 * i),
        end: noon + Duration::minutes(15 * (i + 1)),
        kwh: 1.0,
    };
    let site = energy_site(prices, (0..4).map(reading).collect());

    let (status, energy) = get(&site, "/energy").await;
    assert_eq!(status, StatusCode::OK, "{energy}");
    assert_eq!((energy["from"].as_str(), energy["to"].as_str()), (Some("2026-01-15"), Some("2026-01-15")));
    assert_eq!((energy["consumption_kwh"].as_f64(), energy["intervals"].as_array().unwrap().len()), (Some(4.0), 4));

    // Each kWh at 10 + (0.5 + 3 + 2.253) × 1.255 = 17.220015 c; at 12 c fixed, without the margin: 18.592515 c.
    let (status, cost) = get(&site, "/cost?fixed=12").await;
    assert_eq!(status, StatusCode::OK, "{cost}");
    let all = &cost["total"];
    assert!(close(all["kwh"].as_f64().unwrap(), 4.0) && close(all["euros"].as_f64().unwrap(), 0.6888006), "{cost}");
    assert!(close(all["fixed_euros"].as_f64().unwrap(), 0.7437006), "{cost}");
    assert_eq!(
        (all["spot_paid"].as_f64(), all["timing_euros"].as_f64(), all["unpriced"].as_u64()),
        (Some(10.0), Some(0.0), Some(0))
    );
    assert_eq!(cost["months"][0]["period"], "2026-01");
    assert!(close(all["fees_euros"].as_f64().unwrap(), 1.0), "{cost}");
    assert!(close(all["bill_euros"].as_f64().unwrap(), 1.6888006), "{cost}");
    assert!(close(all["fixed_bill_euros"].as_f64().unwrap(), 1.7437006), "{cost}");

    // Mistakes: a 400 with a sentence; a day without prices leaves its energy unpriced.
    for uri in ["/cost?fixed=abc", "/cost?fixed=1e9", "/energy?from=yesterday", "/energy?from=2026-01-16&to=2026-01-15"]
    {
        let (status, answer) = get(&site, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {answer}");
        assert!(answer["error"].as_str().is_some_and(|e| e.len() < 300), "{uri}: {answer}");
    }
    let empty = energy_site(Vec::new(), Vec::new());
    let (status, answer) = get(&empty, "/cost").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(answer["error"].as_str().unwrap().contains("import-energy"), "{answer}");
    let unpriced = energy_site(Vec::new(), (0..4).map(reading).collect());
    let (_, cost) = get(&unpriced, "/cost").await;
    assert_eq!((cost["total"]["unpriced"].as_u64(), cost["total"]["euros"].as_f64()), (Some(4), Some(0.0)));
}
