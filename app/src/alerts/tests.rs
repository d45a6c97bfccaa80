//! The rules' arithmetic on hand-made prices: periods across midnight, DST days, negative and hourly prices,
//! the cheapest run and its saving, staleness, and ids that stay the same as time passes.

use std::borrow::Cow;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use crate::{
    alerts::{
        due::{self, Alert, Event, Facts, Hour},
        rules::{Rule, RuleKind, Rules},
    },
    figures::{format::DisplayZone, view::PriceBasis},
    records::price::{PriceRecord, SOURCE},
};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// Slots of `minutes` from `first`, one per price, all received at `received`.
fn slots(first: &str, minutes: i64, prices: &[f64], received: &str) -> Vec<PriceRecord> {
    let (first, received) = (utc(first), utc(received));
    prices
        .iter()
        .enumerate()
        .map(|(i, &price)| {
            let start = first + Duration::minutes(minutes * i as i64);
            PriceRecord {
                timestamp: received,
                price,
                start_date: start,
                end_date: start + Duration::minutes(minutes),
                source: Cow::Borrowed(SOURCE),
            }
        })
        .collect()
}

fn rule(name: &str, kind: RuleKind) -> Rules {
    Rules {
        rules: vec![Rule { name: name.to_owned(), price: PriceBasis::Spot, kind, channels: Vec::new() }],
        channels: Vec::new(),
    }
}

fn evaluate(rules: &Rules, spot: &[PriceRecord], now: &str, last_received: Option<&str>) -> Vec<Alert> {
    let facts =
        Facts { now: utc(now), zone: DisplayZone::default(), spot, total: spot, last_received: last_received.map(utc) };
    due::alerts(rules, &facts)
}

fn below(threshold: f64) -> RuleKind {
    RuleKind::Threshold { above: false, threshold, lead: Duration::minutes(30) }
}

#[test]
fn a_period_below_the_threshold_across_midnight_is_one_alert_with_a_stable_id() {
    // Hourly prices from 18:00 Helsinki (16:00 UTC, winter) for 12 hours: cheap from 22:00 to 02:00 local.
    let prices = [9.0, 9.0, 8.0, 7.0, 2.0, 1.0, 3.0, 2.0, 6.0, 9.0, 9.0, 9.0];
    let spot = slots("2026-01-14T16:00:00Z", 60, &prices, "2026-01-14T11:00:00Z");
    let rules = rule("cheap", below(5.0));
    let at_noon = evaluate(&rules, &spot, "2026-01-14T12:00:00Z", None);
    assert_eq!(at_noon.len(), 1, "{at_noon:?}");
    let alert = &at_noon[0];
    assert_eq!(alert.id, "cheap/below/2026-01-14T20:00Z");
    assert_eq!((alert.due, alert.expires), (utc("2026-01-14T19:30:00Z"), utc("2026-01-15T00:00:00Z")));
    assert_eq!(
        alert.event,
        Event::Period {
            above: false,
            threshold: 5.0,
            start: utc("2026-01-14T20:00:00Z"),
            end: utc("2026-01-15T00:00:00Z"),
            average: 2.0
        }
    );
    let local = DisplayZone::default().local_time(utc("2026-01-14T00:00:00Z"), utc("2026-01-16T00:00:00Z"));
    assert_eq!(alert.title(&local), "cheap: below 5.00 c/kWh from 22:00");
    assert_eq!(
        alert.text(&local),
        "From Wed 14 Jan 22:00 to 02:00, the spot price is below 5.00 c/kWh, 2.00 on average."
    );
    // Later, and while it runs, the same alert; once it is over, none.
    assert_eq!(evaluate(&rules, &spot, "2026-01-14T21:15:00Z", None), at_noon);
    assert_eq!(evaluate(&rules, &spot, "2026-01-14T23:59:00Z", None), at_noon);
    assert!(evaluate(&rules, &spot, "2026-01-15T00:00:00Z", None).is_empty());
}

#[test]
fn negative_prices_and_quarter_hours_make_their_own_periods() {
    // Quarters: two below zero, one at zero, three below zero, then positive.
    let prices = [1.0, -0.5, -1.5, 0.0, -0.2, -0.2, -0.2, 4.0];
    let spot = slots("2026-05-10T10:00:00Z", 15, &prices, "2026-05-09T11:00:00Z");
    let alerts = evaluate(&rule("negative", below(0.0)), &spot, "2026-05-10T08:00:00Z", None);
    let periods: Vec<_> = alerts
        .iter()
        .map(|a| match a.event {
            Event::Period { start, end, average, .. } => (start, end, (average * 100.0).round() / 100.0),
            _ => panic!("{a:?}"),
        })
        .collect();
    assert_eq!(
        periods,
        [
            (utc("2026-05-10T10:15:00Z"), utc("2026-05-10T10:45:00Z"), -1.0),
            (utc("2026-05-10T11:00:00Z"), utc("2026-05-10T11:45:00Z"), -0.2),
        ]
    );
    let above = RuleKind::Threshold { above: true, threshold: 0.5, lead: Duration::zero() };
    let dear = evaluate(&rule("dear", above), &spot, "2026-05-10T08:00:00Z", None);
    let ids: Vec<_> = dear.iter().map(|a| (a.id.as_str(), a.due)).collect();
    assert_eq!(
        ids,
        [
            ("dear/above/2026-05-10T10:00Z", utc("2026-05-10T10:00:00Z")),
            ("dear/above/2026-05-10T11:45Z", utc("2026-05-10T11:45:00Z"))
        ]
    );
}

#[test]
fn a_period_already_running_at_the_look_back_has_no_start_and_no_alert() {
    // Three days of 1 c/kWh: the run starts before the look-back of an evaluation two and a half days in.
    let spot = slots("2026-01-10T00:00:00Z", 60, &[1.0; 72], "2026-01-09T11:00:00Z");
    let rules = rule("cheap", below(5.0));
    assert_eq!(evaluate(&rules, &spot, "2026-01-10T12:00:00Z", None).len(), 1);
    // The look-back's horizon on a quarter and between two: the slots are those the query hands over, from an
    // hour before the horizon.
    for now in ["2026-01-12T12:00:00Z", "2026-01-12T12:07:00Z", "2026-01-12T12:52:30Z"] {
        let from = utc(now) - due::LOOK_BACK - Duration::hours(1);
        let handed: Vec<_> = spot.iter().filter(|r| r.start_date >= from).cloned().collect();
        assert!(evaluate(&rules, &handed, now, None).is_empty(), "{now}");
    }
}

/// A day of Helsinki time: every hour at `base` + its hour of the day (UTC), hourly slots.
fn day_of_hours(date: NaiveDate, received: &str) -> Vec<PriceRecord> {
    let zone = DisplayZone::default();
    let (from, to) = (zone.midnight(date), zone.midnight(date.succ_opt().unwrap()));
    let hours = (to - from).num_hours();
    let prices: Vec<f64> = (0..hours).map(|h| 10.0 + (h % 5) as f64 - if h == 3 { 12.0 } else { 0.0 }).collect();
    slots(&from.to_rfc3339(), 60, &prices, received)
}

#[test]
fn tomorrow_published_on_dst_days_counts_their_23_and_25_hours() {
    for (date, hours) in [("2026-03-29", 23), ("2026-10-25", 25), ("2026-01-15", 24)] {
        let date: NaiveDate = date.parse().unwrap();
        let day_before = date.pred_opt().unwrap();
        let spot = day_of_hours(date, &format!("{day_before}T11:05:00Z"));
        assert_eq!(spot.len(), hours);
        let rules = rule("tomorrow", RuleKind::TomorrowPublished);
        let alerts = evaluate(&rules, &spot, &format!("{day_before}T12:00:00Z"), None);
        assert_eq!(alerts.len(), 1, "{date}: {alerts:?}");
        let alert = &alerts[0];
        assert_eq!(alert.id, format!("tomorrow/tomorrow/{date}"));
        assert_eq!(alert.due, utc(&format!("{day_before}T11:05:00Z")));
        assert_eq!(alert.expires, DisplayZone::default().midnight(date));
        let expected: f64 = spot.iter().map(|r| r.price).sum::<f64>() / hours as f64;
        let Event::TomorrowPublished { average, lowest, highest, .. } = alert.event else { panic!("{alert:?}") };
        assert!((average - expected).abs() < 1e-9, "{date}: {average} against {expected}");
        assert_eq!(lowest, Hour { start: spot[3].start_date, average: 1.0 });
        assert_eq!(highest, Hour { start: spot[4].start_date, average: 14.0 });
        // Before they are all known there is nothing to say; after midnight it is no longer news.
        assert!(evaluate(&rules, &spot[..hours - 1], &format!("{day_before}T12:00:00Z"), None).is_empty());
        assert!(evaluate(&rules, &spot, &format!("{date}T12:00:00Z"), None).is_empty());
    }
}

#[test]
fn the_cheapest_run_is_found_once_its_prices_are_known_with_its_saving_and_a_reminder() {
    // Today's quarters known since yesterday; tomorrow's arrive at 11:55 UTC (13:55 Helsinki).
    let today = slots("2026-01-14T22:00:00Z", 60, &[8.0; 24], "2026-01-14T11:00:00Z"); // 15 Jan local
    let mut tomorrow_prices = [8.0; 24];
    tomorrow_prices[1] = 2.0; // 02:00–03:00 local on 16 Jan
    tomorrow_prices[2] = 3.0;
    let tomorrow = slots("2026-01-15T22:00:00Z", 60, &tomorrow_prices, "2026-01-15T11:55:00Z");
    let spot: Vec<_> = today.into_iter().chain(tomorrow).collect();
    let done_by = NaiveTime::from_hms_opt(7, 0, 0).unwrap();
    let rules = rule("dishwasher", RuleKind::CheapestRun { quarters: 8, done_by, kwh: Some(2.0) });

    // At 10:00 UTC on the 15th the run for the 16th's 07:00 is not known yet; the 15th's 07:00 has passed.
    assert!(evaluate(&rules, &spot[..24], "2026-01-15T10:00:00Z", None).is_empty());

    let alerts = evaluate(&rules, &spot, "2026-01-15T12:00:00Z", None);
    let ids: Vec<_> = alerts.iter().map(|a| (a.id.as_str(), a.due, a.expires)).collect();
    assert_eq!(
        ids,
        [
            ("dishwasher/run/2026-01-16T05:00Z", utc("2026-01-15T11:55:00Z"), utc("2026-01-15T23:00:00Z")),
            ("dishwasher/start/2026-01-16T05:00Z", utc("2026-01-15T23:00:00Z"), utc("2026-01-15T23:15:00Z")),
        ]
    );
    let Event::CheapestRun { start, end, average, saving, instead, saving_euros, .. } = alerts[0].event else {
        panic!("{alerts:?}")
    };
    assert_eq!((start, end, average), (utc("2026-01-15T23:00:00Z"), utc("2026-01-16T01:00:00Z"), 2.5));
    assert_eq!((instead, saving), (utc("2026-01-15T12:00:00Z"), Some(5.5)));
    assert!((saving_euros.unwrap() - 0.11).abs() < 1e-9, "{saving_euros:?}");
    let local = DisplayZone::default().local_time(utc("2026-01-15T00:00:00Z"), utc("2026-01-17T00:00:00Z"));
    assert_eq!(
        alerts[0].text(&local),
        "The cheapest run done by Fri 16 Jan 07:00 is Fri 16 Jan 01:00 to 03:00, at 2.50 c/kWh on average: 5.50 \
         c/kWh less than starting at 14:00 (0.11 €)."
    );
    // Asked again later that evening: the same alerts, the same figures.
    assert_eq!(evaluate(&rules, &spot, "2026-01-15T20:00:00Z", None), alerts);
}

#[test]
fn stale_prices_and_missing_tomorrows_are_said_once_each() {
    let spot = slots("2026-01-14T22:00:00Z", 60, &[8.0; 24], "2026-01-14T11:00:00Z");
    let four_pm = NaiveTime::from_hms_opt(16, 0, 0).unwrap();
    let rules = rule("watch", RuleKind::Stale { after: Duration::hours(26), tomorrow_missing_at: Some(four_pm) });
    // 15 Jan 13:00 UTC (15:00 local): 26 hours since the last price, and not yet 16:00.
    let alerts = evaluate(&rules, &spot, "2026-01-15T13:00:00Z", Some("2026-01-14T11:00:00Z"));
    let ids: Vec<_> = alerts.iter().map(|a| (a.id.as_str(), a.due)).collect();
    assert_eq!(ids, [("watch/stale/2026-01-14T11:00Z", utc("2026-01-15T13:00:00Z"))]);
    // At 16:00 local, tomorrow (the 16th) is missing too.
    let alerts = evaluate(&rules, &spot, "2026-01-15T14:30:00Z", Some("2026-01-14T11:00:00Z"));
    let ids: Vec<_> = alerts.iter().map(|a| (a.id.as_str(), a.due, a.expires)).collect();
    assert_eq!(
        ids,
        [
            ("watch/stale/2026-01-14T11:00Z", utc("2026-01-15T13:00:00Z"), utc("2026-01-22T13:00:00Z")),
            ("watch/missing/2026-01-16", utc("2026-01-15T14:00:00Z"), utc("2026-01-15T22:00:00Z")),
        ]
    );
    // Fresh prices for the 16th: nothing to say.
    let mut fresh = spot.clone();
    fresh.extend(slots("2026-01-15T22:00:00Z", 60, &[8.0; 24], "2026-01-15T14:10:00Z"));
    assert!(evaluate(&rules, &fresh, "2026-01-15T14:30:00Z", Some("2026-01-15T14:10:00Z")).is_empty());
}

#[test]
fn rules_on_the_total_price_read_the_total() {
    let spot = slots("2026-01-14T20:00:00Z", 60, &[4.0, 4.0], "2026-01-14T11:00:00Z");
    let total: Vec<_> = spot.iter().map(|r| PriceRecord { price: r.price + 3.0, ..r.clone() }).collect();
    let mut rules = rule("cheap", below(5.0));
    rules.rules[0].price = PriceBasis::Total;
    let facts = Facts {
        now: utc("2026-01-14T12:00:00Z"),
        zone: DisplayZone::default(),
        spot: &spot,
        total: &total,
        last_received: None,
    };
    assert!(due::alerts(&rules, &facts).is_empty());
    rules.rules[0].price = PriceBasis::Spot;
    assert_eq!(due::alerts(&rules, &facts).len(), 1);
}

#[test]
fn the_card_lists_each_rule_in_words_with_its_next_alert_and_the_last_deliveries() {
    use crate::alerts::{
        card::{Coming, RECENT, card, watches},
        delivery::{Delivery, Outcome},
    };
    let today = slots("2026-01-14T22:00:00Z", 60, &[8.0; 24], "2026-01-14T11:00:00Z");
    let mut tomorrow_prices = [8.0; 24];
    tomorrow_prices[1] = 2.0;
    let tomorrow = slots("2026-01-15T22:00:00Z", 60, &tomorrow_prices, "2026-01-15T11:55:00Z");
    let spot: Vec<_> = today.into_iter().chain(tomorrow).collect();
    let done_by = NaiveTime::from_hms_opt(7, 0, 0).unwrap();
    let mut rules = rule("dishwasher", RuleKind::CheapestRun { quarters: 6, done_by, kwh: Some(1.2) });
    let stale = RuleKind::Stale { after: Duration::minutes(90), tomorrow_missing_at: None };
    rules.rules.push(Rule {
        name: "quiet".into(),
        price: PriceBasis::Total,
        kind: stale,
        channels: vec!["phone".into()],
    });
    let lead = Duration::minutes(45);
    let high = RuleKind::Threshold { above: true, threshold: 20.0, lead };
    rules.rules.push(Rule { name: "dear".into(), price: PriceBasis::Spot, kind: high, channels: vec![] });
    let now = utc("2026-01-15T12:00:00Z");
    let alerts = evaluate(&rules, &spot, "2026-01-15T12:00:00Z", Some("2026-01-15T11:55:00Z"));
    let sent = |minute: u32| Delivery {
        time: now - Duration::minutes(minute.into()),
        id: format!("dishwasher/run/{minute}"),
        revision: 1,
        channel: "phone".into(),
        outcome: Outcome::Delivered,
        title: "dishwasher: cheapest start".into(),
    };
    let recent: Vec<_> = (0..RECENT as u32 + 3).map(sent).collect();
    let local = DisplayZone::default().local_time(utc("2026-01-14T00:00:00Z"), utc("2026-01-17T00:00:00Z"));
    let shown = card(&rules, &alerts, now, recent.clone(), local.clone());

    let words: Vec<_> = rules.rules.iter().map(watches).collect();
    assert_eq!(
        words,
        [
            "the cheapest 1 h 30 min run done by 07:00, 1.2 kWh, by its spot price",
            "no new price for 1 h 30 min",
            "spot price above 20.00 c/kWh, 45 min before each period",
        ]
    );
    assert_eq!(shown.rules[0].watches, words[0]);
    // The run's alert was due at 11:55, before now: the next one is the reminder at its start. Of the two
    // cheapest 90 minutes (00:30 and 01:00 local, each with an hour at 2 and half an hour at 8), the earlier.
    let reminder = Coming { title: "dishwasher: start now".into(), due: utc("2026-01-15T22:30:00Z") };
    assert_eq!(shown.rules[0].next, Some(reminder));
    assert_eq!((shown.rules[1].next.as_ref(), shown.rules[2].next.as_ref()), (None, None));
    assert_eq!(shown.rules[1].channels, ["phone"]);
    assert_eq!(shown.recent, recent[..RECENT], "the newest, as many as the card lists");
}

#[test]
fn a_period_across_the_autumn_change_lasts_its_real_hours_and_says_local_times() {
    // Hourly from 23:00 EEST on 24 Oct. Cheap from 23:00 UTC (02:00 EEST) to 03:00 UTC (05:00 EET): four hours,
    // though the clock moves three, since 04:00 EEST becomes 03:00 EET.
    let prices = [9.0, 9.0, 9.0, 1.0, 2.0, 3.0, 4.0, 9.0];
    let spot = slots("2026-10-24T20:00:00Z", 60, &prices, "2026-10-24T11:00:00Z");
    let alerts = evaluate(&rule("cheap", below(5.0)), &spot, "2026-10-24T12:00:00Z", None);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let Event::Period { start, end, average, .. } = alerts[0].event else { panic!("{alerts:?}") };
    assert_eq!((start, end, average), (utc("2026-10-24T23:00:00Z"), utc("2026-10-25T03:00:00Z"), 2.5));
    assert_eq!(alerts[0].due, utc("2026-10-24T22:30:00Z"));
    let local = DisplayZone::default().local_time(utc("2026-10-24T00:00:00Z"), utc("2026-10-26T00:00:00Z"));
    assert_eq!(
        alerts[0].text(&local),
        "From Sun 25 Oct 02:00 to 05:00, the spot price is below 5.00 c/kWh, 2.50 on average."
    );
}

#[test]
fn the_cheapest_run_on_the_spring_change_is_done_by_the_local_time_of_a_23_hour_day() {
    // 29 March has 23 hours: 03:00 EET is 04:00 EEST. Its cheapest two hours are 00:00–02:00 UTC, which the
    // clock shows as 02:00 to 05:00; done by 07:00 EEST is 04:00 UTC.
    let today = slots("2026-03-27T22:00:00Z", 60, &[8.0; 24], "2026-03-27T11:00:00Z"); // 28 Mar local
    let mut tomorrow_prices = [8.0; 23];
    (tomorrow_prices[2], tomorrow_prices[3]) = (1.0, 2.0);
    tomorrow_prices[6] = 0.5; // 07:00 EEST: after done_by, so not in the run
    let tomorrow = slots("2026-03-28T22:00:00Z", 60, &tomorrow_prices, "2026-03-28T11:55:00Z");
    let spot: Vec<_> = today.into_iter().chain(tomorrow).collect();
    let done_by = NaiveTime::from_hms_opt(7, 0, 0).unwrap();
    let rules = rule("dishwasher", RuleKind::CheapestRun { quarters: 8, done_by, kwh: None });
    let alerts = evaluate(&rules, &spot, "2026-03-28T12:00:00Z", None);
    let ids: Vec<_> = alerts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["dishwasher/run/2026-03-29T04:00Z", "dishwasher/start/2026-03-29T04:00Z"]);
    let Event::CheapestRun { start, end, average, .. } = alerts[0].event else { panic!("{alerts:?}") };
    assert_eq!((start, end, average), (utc("2026-03-29T00:00:00Z"), utc("2026-03-29T02:00:00Z"), 1.5));
    assert_eq!(alerts[1].due, utc("2026-03-29T00:00:00Z"), "the reminder at the run's start");
    let local = DisplayZone::default().local_time(utc("2026-03-28T00:00:00Z"), utc("2026-03-30T00:00:00Z"));
    assert!(alerts[0].text(&local).contains("is Sun 29 Mar 02:00 to 05:00"), "{}", alerts[0].text(&local));
}
