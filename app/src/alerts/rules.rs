//! The alert rules, as a TOML file gives them:
//!
//! ```toml
//! [[rule]]
//! name = "tomorrow"
//! kind = "tomorrow_published"
//!
//! [[rule]]
//! name = "cheap"
//! kind = "below"           # or "above"
//! threshold = 5.0          # c/kWh
//! price = "total"          # "spot" (the default) or "total", the spot price with the configured fees
//! lead = "30m"             # how long before the period starts the alert is sent (30 minutes if not set)
//!
//! [[rule]]
//! name = "dishwasher"
//! kind = "cheapest_run"
//! duration = "2h"
//! done_by = "07:00"        # local time of day
//! kwh = 1.2                # optional: the saving in euros too
//!
//! [[rule]]
//! name = "no prices"
//! kind = "stale"
//! after = "26h"            # no new price for this long (26 hours if not set)
//! tomorrow_missing_at = "16:00"  # optional: tomorrow's prices still missing at this local time
//! channels = ["phone", "home"]   # any rule: where its alerts go
//!
//! [channel.phone]
//! kind = "ntfy"            # a POST of the text to an ntfy topic, which phones receive
//! url = "https://ntfy.sh/my-prices"
//! priority = "high"        # optional: min, low, default, high or urgent
//! tags = ["zap"]           # optional
//!
//! [channel.ha]
//! kind = "mqtt"            # the alert as JSON on the MQTT broker of MQTT_URL
//! topic = "home/alerts"    # optional: <MQTT_TOPIC>/alerts if not set
//!
//! [channel.home]
//! kind = "webhook"         # a POST of the alert as JSON
//! url = "http://homeassistant.local:8123/api/webhook/prices"
//! secret_file = "/run/secrets/webhook"  # optional, or secret = "…": signs each body with HMAC-SHA256
//! ```
//!
//! A file that does not read so is refused with one sentence naming its line and the problem.

use chrono::{Duration, NaiveTime};
use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::figures::{planner, view::PriceBasis};

/// How long before a `below` or `above` period its alert is sent, unless the rule says.
pub const DEFAULT_LEAD: Duration = Duration::minutes(30);
/// How long without a new price a `stale` rule waits, unless it says: prices are published once a day.
pub const DEFAULT_STALE_AFTER: Duration = Duration::hours(26);
const MIN_STALE_AFTER: Duration = Duration::minutes(15);
/// A rule's name becomes part of each alert's id: short, and no characters a topic key or a URL would mangle.
const NAME_LENGTH: usize = 40;

/// The rules and channels of one file, each name once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rules {
    pub rules: Vec<Rule>,
    pub channels: Vec<Channel>,
}

/// One rule: what it watches, named, and where its alerts go.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub name: String,
    /// The price the rule compares: spot, or the total with the configured fees.
    pub price: PriceBasis,
    pub kind: RuleKind,
    /// Names of [`Channel`]s of the same file.
    pub channels: Vec<String>,
}

/// Where alerts are sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Channel {
    pub name: String,
    pub kind: ChannelKind,
}

/// How a channel is reached.
#[derive(Clone, Debug, PartialEq)]
pub enum ChannelKind {
    /// A POST of the alert as JSON, signed when a secret is set.
    Webhook { url: String, secret: Option<SecretSource> },
    /// A POST of the alert's text to an ntfy topic URL, with its title, priority and tags as headers.
    Ntfy { url: String, priority: Option<String>, tags: Vec<String> },
    /// The alert as JSON, published to a topic of the MQTT broker (`MQTT_URL`); `<MQTT_TOPIC>/alerts` if none is
    /// given.
    Mqtt { topic: Option<String> },
}

/// Where a webhook's signing secret is: in the file itself, or in a file of its own (a Docker secret), read
/// by the server at start.
#[derive(Clone, PartialEq)]
pub enum SecretSource {
    Inline(String),
    File(std::path::PathBuf),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Inline(_) => f.write_str("Inline(<secret>)"),
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

/// What a rule watches for.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleKind {
    /// Tomorrow's prices have arrived: once a day.
    TomorrowPublished,
    /// The price is below (`above: false`) or above a threshold, c/kWh: once per continuous period, `lead`
    /// before it starts.
    Threshold { above: bool, threshold: f64, lead: Duration },
    /// The cheapest run of `quarters` quarter hours that ends by the local time `done_by`, once its prices are
    /// known, and a reminder when it starts.
    CheapestRun { quarters: u32, done_by: NaiveTime, kwh: Option<f64> },
    /// No new price for `after`, or (if set) tomorrow's prices still missing at a local time.
    Stale { after: Duration, tomorrow_missing_at: Option<NaiveTime> },
}

impl RuleKind {
    /// The word the file uses.
    pub fn word(&self) -> &'static str {
        match self {
            Self::TomorrowPublished => "tomorrow_published",
            Self::Threshold { above: false, .. } => "below",
            Self::Threshold { above: true, .. } => "above",
            Self::CheapestRun { .. } => "cheapest_run",
            Self::Stale { .. } => "stale",
        }
    }
}

/// A rule file that cannot be used, with where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}, line {line}: {why}")]
pub struct RulesError {
    pub file: String,
    pub line: usize,
    pub why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rule: Vec<Spanned<RuleEntry>>,
    #[serde(default)]
    channel: BTreeMap<String, Spanned<ChannelEntry>>,
}

/// A channel as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelEntry {
    kind: Spanned<String>,
    url: Option<Spanned<String>>,
    topic: Option<Spanned<String>>,
    priority: Option<Spanned<String>>,
    tags: Option<Spanned<Vec<String>>>,
    secret: Option<Spanned<String>>,
    secret_file: Option<Spanned<String>>,
}

/// ntfy's priorities, by name.
const PRIORITIES: [&str; 5] = ["min", "low", "default", "high", "urgent"];

impl ChannelEntry {
    fn channel(&self, name: &str, at: usize) -> Result<Channel, Problem> {
        check_name(name, at, "channel")?;
        let kind = match self.kind.get_ref().as_str() {
            "mqtt" => self.mqtt()?,
            "webhook" => self.webhook(self.url(at, "webhook")?)?,
            "ntfy" => self.ntfy(self.url(at, "ntfy")?)?,
            _ => return Err((self.kind.span().start, "a channel's kind is webhook, ntfy or mqtt".to_owned())),
        };
        Ok(Channel { name: name.to_owned(), kind })
    }

    fn mqtt(&self) -> Result<ChannelKind, Problem> {
        for (field, what) in [(&self.url, "url"), (&self.priority, "priority"), (&self.secret, "secret")] {
            refuse(field, what, "mqtt")?;
        }
        refuse(&self.tags, "tags", "mqtt")?;
        refuse(&self.secret_file, "secret_file", "mqtt")?;
        let plain = |t: &str| !t.is_empty() && t.len() <= 100 && !t.contains(['#', '+']) && !t.starts_with('/');
        if let Some(spanned) = self.topic.as_ref().filter(|t| !plain(t.get_ref().trim())) {
            return Err((spanned.span().start, "topic is an MQTT topic without wildcards (# +)".to_owned()));
        }
        Ok(ChannelKind::Mqtt { topic: self.topic.as_ref().map(|t| t.get_ref().trim().to_owned()) })
    }

    /// The url of an HTTP channel.
    fn url(&self, at: usize, kind: &str) -> Result<String, Problem> {
        refuse(&self.topic, "topic", kind)?;
        let spanned = self.url.as_ref().ok_or_else(|| (at, format!("a {kind} channel needs a url")))?;
        let url = spanned.get_ref().trim();
        let plausible = (url.starts_with("http://") || url.starts_with("https://"))
            && url.len() <= 2000
            && !url.chars().any(char::is_whitespace);
        if !plausible {
            return Err((spanned.span().start, "url is an http:// or https:// address".to_owned()));
        }
        Ok(url.to_owned())
    }

    fn webhook(&self, url: String) -> Result<ChannelKind, Problem> {
        refuse(&self.priority, "priority", "webhook")?;
        refuse(&self.tags, "tags", "webhook")?;
        let secret = match (&self.secret, &self.secret_file) {
            (Some(_), Some(file)) => {
                return Err((file.span().start, "a webhook has secret or secret_file, not both".to_owned()));
            }
            (Some(secret), None) if secret.get_ref().is_empty() => {
                return Err((secret.span().start, "secret is empty".to_owned()));
            }
            (Some(secret), None) => Some(SecretSource::Inline(secret.get_ref().clone())),
            (None, Some(file)) => Some(SecretSource::File(file.get_ref().into())),
            (None, None) => None,
        };
        Ok(ChannelKind::Webhook { url, secret })
    }

    fn ntfy(&self, url: String) -> Result<ChannelKind, Problem> {
        refuse(&self.secret, "secret", "ntfy")?;
        refuse(&self.secret_file, "secret_file", "ntfy")?;
        if let Some(priority) = self.priority.as_ref().filter(|p| !PRIORITIES.contains(&p.get_ref().as_str())) {
            return Err((priority.span().start, format!("priority is one of {}", PRIORITIES.join(", "))));
        }
        if let Some(tags) = self.tags.as_ref().filter(|t| t.get_ref().iter().any(|tag| !is_tag(tag))) {
            return Err((tags.span().start, "a tag is 1 to 40 letters, digits, '-' or '_'".to_owned()));
        }
        let tags = self.tags.as_ref().map_or_else(Vec::new, |tags| tags.get_ref().clone());
        Ok(ChannelKind::Ntfy { url, priority: self.priority.as_ref().map(|p| p.get_ref().clone()), tags })
    }
}

/// A field the channel's kind does not take.
fn refuse<T>(field: &Option<Spanned<T>>, what: &str, kind: &str) -> Result<(), Problem> {
    match field {
        Some(f) => Err((f.span().start, format!("a {kind} channel has no {what}"))),
        None => Ok(()),
    }
}

fn is_tag(tag: &str) -> bool {
    (1..=40).contains(&tag.len()) && tag.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// A rule's or channel's name: part of alert ids and of the delivery log.
fn check_name(name: &str, at: usize, what: &str) -> Result<(), Problem> {
    let fits = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.');
    if name.trim().is_empty() || name.chars().count() > NAME_LENGTH || !name.chars().all(fits) {
        let why = format!("a {what}'s name is 1 to {NAME_LENGTH} letters, digits, spaces, '-', '_' or '.'");
        return Err((at, why));
    }
    Ok(())
}

/// A rule as written: every field any kind takes, each with where it is, so that a mistake names its line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    name: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    price: Option<Spanned<PriceBasis>>,
    threshold: Option<Spanned<f64>>,
    lead: Option<Spanned<String>>,
    duration: Option<Spanned<String>>,
    done_by: Option<Spanned<String>>,
    kwh: Option<Spanned<f64>>,
    after: Option<Spanned<String>>,
    tomorrow_missing_at: Option<Spanned<String>>,
    channels: Option<Spanned<Vec<String>>>,
}

/// The fields each kind takes besides `name`, `kind` and `price`.
const KINDS: [(&str, &[&str]); 5] = [
    ("tomorrow_published", &[]),
    ("below", &["threshold", "lead"]),
    ("above", &["threshold", "lead"]),
    ("cheapest_run", &["duration", "done_by", "kwh"]),
    ("stale", &["after", "tomorrow_missing_at"]),
];

/// Reads one rule, or says what is wrong with it and at which byte of the file.
struct Reader<'a> {
    entry: &'a RuleEntry,
    /// Where the rule's table starts.
    at: usize,
}

type Problem = (usize, String);

impl Reader<'_> {
    fn required<'e, T>(
        &self,
        field: &'e Option<Spanned<T>>,
        name: &str,
        kind: &str,
    ) -> Result<&'e Spanned<T>, Problem> {
        field.as_ref().ok_or_else(|| (self.at, format!("a {kind} rule needs {name}")))
    }

    fn rule(&self, channels: &[Channel]) -> Result<Rule, Problem> {
        let e = self.entry;
        let name = e.name.as_ref().ok_or_else(|| (self.at, "a rule needs a name".to_owned()))?;
        check_name(name.get_ref(), name.span().start, "rule")?;
        let text = name.get_ref().trim();
        let named = e.channels.as_ref().map_or_else(Vec::new, |c| c.get_ref().clone());
        if let Some(unknown) = named.iter().find(|n| !channels.iter().any(|c| &c.name == *n)) {
            let at = e.channels.as_ref().map_or(self.at, |c| c.span().start);
            let unknown = unknown.chars().take(NAME_LENGTH).collect::<String>();
            return Err((at, format!("no [channel.{unknown}] is in the file")));
        }
        let kind = e.kind.as_ref().ok_or_else(|| (self.at, "a rule needs a kind".to_owned()))?;
        let Some((word, fields)) = KINDS.iter().find(|(word, _)| *word == kind.get_ref()) else {
            let words = KINDS.map(|(word, _)| word).join(", ");
            return Err((kind.span().start, format!("kind is one of {words}")));
        };
        self.unused(word, fields)?;
        let kind = match *word {
            "tomorrow_published" => RuleKind::TomorrowPublished,
            "below" | "above" => {
                let threshold = self.required(&e.threshold, "a threshold (c/kWh)", word)?;
                if !threshold.get_ref().is_finite() || threshold.get_ref().abs() > 1000.0 {
                    return Err((threshold.span().start, "threshold is a price in c/kWh, from -1000 to 1000".into()));
                }
                let lead = e.lead.as_ref().map(span_of).transpose()?.unwrap_or(DEFAULT_LEAD);
                RuleKind::Threshold { above: *word == "above", threshold: *threshold.get_ref(), lead }
            }
            "cheapest_run" => {
                let duration = self.required(&e.duration, "a duration (like \"2h\")", word)?;
                let quarters = planner::parse_duration(duration.get_ref())
                    .map_err(|why| (duration.span().start, why.to_string()))?;
                let done_by = time_of_day(self.required(&e.done_by, "done_by (a local time like \"07:00\")", word)?)?;
                let kwh = match &e.kwh {
                    Some(kwh) => {
                        planner::check_kwh(Some(*kwh.get_ref())).map_err(|why| (kwh.span().start, why.to_string()))?
                    }
                    None => None,
                };
                RuleKind::CheapestRun { quarters, done_by, kwh }
            }
            _ => RuleKind::Stale {
                after: match &e.after {
                    // Shorter than a quarter, every price would be followed by a "no new prices".
                    Some(after) if span_of(after)? < MIN_STALE_AFTER => {
                        return Err((after.span().start, "after is 15 minutes or more".to_owned()));
                    }
                    Some(after) => span_of(after)?,
                    None => DEFAULT_STALE_AFTER,
                },
                tomorrow_missing_at: e.tomorrow_missing_at.as_ref().map(time_of_day).transpose()?,
            },
        };
        let price = e.price.as_ref().map_or(PriceBasis::Spot, |price| *price.get_ref());
        Ok(Rule { name: text.to_owned(), price, kind, channels: named })
    }

    /// A field the rule's kind does not take is a mistake, not something to ignore.
    fn unused(&self, kind: &str, takes: &[&str]) -> Result<(), Problem> {
        let e = self.entry;
        let given = [
            ("threshold", e.threshold.as_ref().map(|f| f.span().start)),
            ("lead", e.lead.as_ref().map(|f| f.span().start)),
            ("duration", e.duration.as_ref().map(|f| f.span().start)),
            ("done_by", e.done_by.as_ref().map(|f| f.span().start)),
            ("kwh", e.kwh.as_ref().map(|f| f.span().start)),
            ("after", e.after.as_ref().map(|f| f.span().start)),
            ("tomorrow_missing_at", e.tomorrow_missing_at.as_ref().map(|f| f.span().start)),
        ];
        match given.into_iter().find(|(field, at)| at.is_some() && !takes.contains(field)) {
            Some((field, Some(at))) => Err((at, format!("a {kind} rule has no {field}"))),
            _ => Ok(()),
        }
    }
}

/// A message of toml or serde without the value it was given, which may be long or a secret: "invalid type:
/// integer `12345`, expected a string" says only what was expected. The rest is clipped.
fn without_value(message: &str) -> String {
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        if let Some((_, expected)) = message.rsplit_once(", expected ") {
            return format!("the value has the wrong type: expected {}", expected.chars().take(80).collect::<String>());
        }
        return "the value has the wrong type".to_owned();
    }
    let clipped: String = message.chars().take(120).collect();
    if clipped.len() < message.len() { format!("{clipped}…") } else { clipped }
}

/// A time span like "30m", "2h" or "1h30m", up to a week.
fn span_of(text: &Spanned<String>) -> Result<Duration, Problem> {
    let why = || {
        (
            text.span().start,
            "a time span is minutes or hours like \"30m\", \"2h\" or \"1h30m\", up to a week".to_owned(),
        )
    };
    let span = planner::parse_minutes(text.get_ref()).map(|m| Duration::minutes(m.into())).ok_or_else(why)?;
    if span > Duration::days(7) {
        return Err(why());
    }
    Ok(span)
}

fn time_of_day(text: &Spanned<String>) -> Result<NaiveTime, Problem> {
    NaiveTime::parse_from_str(text.get_ref().trim(), "%H:%M")
        .map_err(|_| (text.span().start, "a time of day is local hours and minutes like \"07:00\"".to_owned()))
}

impl Rules {
    /// The rules of `text`, the contents of the file named `file`.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, RulesError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let error = |offset, why: String| RulesError { file: file.to_owned(), line: line_of(offset), why };
        let parsed: File = toml::from_str(text).map_err(|e| {
            // toml's message alone (its Display would also quote the line), without the value it quotes.
            error(e.span().map_or(0, |span| span.start), without_value(e.message().trim_end()))
        })?;
        let channels = parsed
            .channel
            .iter()
            .map(|(name, entry)| entry.get_ref().channel(name, entry.span().start))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|(at, why)| error(at, why))?;
        let mut rules: Vec<Rule> = Vec::new();
        for spanned in &parsed.rule {
            let reader = Reader { entry: spanned.get_ref(), at: spanned.span().start };
            let rule = reader.rule(&channels).map_err(|(at, why)| error(at, why))?;
            if rules.iter().any(|r| r.name == rule.name) {
                return Err(error(reader.at, format!("a second rule is named {:?}: each name once", rule.name)));
            }
            rules.push(rule);
        }
        Ok(Self { rules, channels })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Rules, RulesError> {
        Rules::from_toml("alerts.toml", text)
    }

    #[test]
    fn every_kind_reads_with_its_defaults() {
        let rules = read(
            r#"
[[rule]]
name = "tomorrow"
kind = "tomorrow_published"

[[rule]]
name = "cheap"
kind = "below"
threshold = -0.5
price = "total"

[[rule]]
name = "dear"
kind = "above"
threshold = 20
lead = "1h30m"

[[rule]]
name = "dishwasher"
kind = "cheapest_run"
duration = "2h"
done_by = "07:00"
kwh = 1.2

[[rule]]
name = "no prices"
kind = "stale"
tomorrow_missing_at = "16:00"
"#,
        )
        .unwrap();
        let kinds: Vec<_> = rules.rules.iter().map(|r| (r.name.as_str(), r.price, r.kind.clone())).collect();
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(
            kinds,
            [
                ("tomorrow", PriceBasis::Spot, RuleKind::TomorrowPublished),
                ("cheap", PriceBasis::Total, RuleKind::Threshold { above: false, threshold: -0.5, lead: DEFAULT_LEAD }),
                (
                    "dear",
                    PriceBasis::Spot,
                    RuleKind::Threshold { above: true, threshold: 20.0, lead: Duration::minutes(90) }
                ),
                (
                    "dishwasher",
                    PriceBasis::Spot,
                    RuleKind::CheapestRun { quarters: 8, done_by: at(7, 0), kwh: Some(1.2) }
                ),
                (
                    "no prices",
                    PriceBasis::Spot,
                    RuleKind::Stale { after: DEFAULT_STALE_AFTER, tomorrow_missing_at: Some(at(16, 0)) }
                ),
            ]
        );
        assert_eq!(read("").unwrap(), Rules::default());
    }

    #[test]
    fn a_bad_file_is_one_sentence_with_its_line() {
        let why = |text: &str| read(text).unwrap_err();
        let unknown = why("[[rule]]\nname = \"a\"\nkind = \"cheapest\"\n");
        assert_eq!(
            unknown.to_string(),
            "alerts.toml, line 3: kind is one of tomorrow_published, below, above, cheapest_run, stale"
        );

        let threshold = why("[[rule]]\nname = \"a\"\nkind = \"below\"\n");
        assert_eq!((threshold.line, threshold.why.as_str()), (1, "a below rule needs a threshold (c/kWh)"));

        let misspelt = why("[[rule]]\nname = \"a\"\nkind = \"below\"\ntreshold = 3\n");
        assert_eq!(misspelt.line, 4, "{misspelt}");
        assert!(misspelt.why.contains("treshold"), "{misspelt}");

        let duration =
            why("[[rule]]\nname = \"a\"\nkind = \"cheapest_run\"\ndone_by = \"07:00\"\nduration = \"2 days\"\n");
        assert_eq!(duration.line, 5, "{duration}");
        assert!(duration.why.contains("duration must be 15 minutes to 12 hours"), "{duration}");

        let time = why("[[rule]]\nname = \"a\"\nkind = \"cheapest_run\"\nduration = \"2h\"\ndone_by = \"7 am\"\n");
        assert_eq!((time.line, time.why.contains("\"07:00\"")), (5, true), "{time}");

        let lead = why("\n\n[[rule]]\nname = \"a\"\nkind = \"above\"\nthreshold = 9\nlead = \"soon\"\n");
        assert_eq!((lead.line, lead.why.contains("\"30m\"")), (7, true), "{lead}");

        let field = why("[[rule]]\nname = \"a\"\nkind = \"tomorrow_published\"\nthreshold = 3\n");
        assert_eq!((field.line, field.why.as_str()), (4, "a tomorrow_published rule has no threshold"));

        let price = why("[[rule]]\nname = \"a\"\nkind = \"stale\"\nprice = \"cheap\"\n");
        assert_eq!(price.line, 4, "{price}");

        let twice = why("[[rule]]\nname = \"a\"\nkind = \"stale\"\n\n[[rule]]\nname = \"a\"\nkind = \"stale\"\n");
        assert_eq!(twice.line, 5, "{twice}");
        assert!(twice.why.contains("a second rule is named \"a\""), "{twice}");

        let name = why("[[rule]]\nname = \"a/b\"\nkind = \"stale\"\n");
        assert!(name.why.contains("a rule's name is"), "{name}");

        let syntax = why("[[rule]\nname = 1");
        assert_eq!(syntax.line, 1, "{syntax}");
    }

    #[test]
    fn channels_are_named_once_and_rules_name_only_channels_of_the_file() {
        let rules = read(
            r#"
[[rule]]
name = "tomorrow"
kind = "tomorrow_published"
channels = ["phone", "home"]

[channel.phone]
kind = "ntfy"
url = "https://ntfy.example/prices"
priority = "high"
tags = ["zap"]

[channel.home]
kind = "webhook"
url = "http://127.0.0.1:9/hook"
secret = "s3cret"
"#,
        )
        .unwrap();
        assert_eq!(rules.rules[0].channels, ["phone", "home"]);
        let kinds: Vec<_> = rules.channels.iter().map(|c| (c.name.as_str(), c.kind.clone())).collect();
        assert_eq!(
            kinds,
            [
                (
                    "home",
                    ChannelKind::Webhook {
                        url: "http://127.0.0.1:9/hook".into(),
                        secret: Some(SecretSource::Inline("s3cret".into()))
                    }
                ),
                (
                    "phone",
                    ChannelKind::Ntfy {
                        url: "https://ntfy.example/prices".into(),
                        priority: Some("high".into()),
                        tags: vec!["zap".into()]
                    }
                ),
            ]
        );
        assert!(!format!("{:?}", rules.channels).contains("s3cret"), "a secret is not printed");
        let mqtt = read("[channel.a]\nkind = \"mqtt\"\n").unwrap();
        assert_eq!(mqtt.channels[0].kind, ChannelKind::Mqtt { topic: None });
    }

    #[test]
    fn a_channel_that_cannot_be_used_is_named_with_its_line() {
        let why = |text: &str| read(text).unwrap_err();
        let unknown = why("[[rule]]\nname = \"a\"\nkind = \"stale\"\nchannels = [\"pager\"]\n");
        assert_eq!((unknown.line, unknown.why.as_str()), (4, "no [channel.pager] is in the file"));
        let url = why("[channel.a]\nkind = \"ntfy\"\nurl = \"ftp://x\"\n");
        assert_eq!((url.line, url.why.as_str()), (3, "url is an http:// or https:// address"));
        let kind = why("[channel.a]\nkind = \"sms\"\nurl = \"http://x\"\n");
        assert_eq!((kind.line, kind.why.as_str()), (2, "a channel's kind is webhook, ntfy or mqtt"));
        let wildcard = why("[channel.a]\nkind = \"mqtt\"\ntopic = \"home/#\"\n");
        assert_eq!((wildcard.line, wildcard.why.as_str()), (3, "topic is an MQTT topic without wildcards (# +)"));
        let url_on_mqtt = why("[channel.a]\nkind = \"mqtt\"\nurl = \"http://x\"\n");
        assert_eq!((url_on_mqtt.line, url_on_mqtt.why.as_str()), (3, "a mqtt channel has no url"));
        let no_url = why("[channel.a]\nkind = \"webhook\"\n");
        assert_eq!((no_url.line, no_url.why.as_str()), (1, "a webhook channel needs a url"));
        let secret = why("[channel.a]\nkind = \"ntfy\"\nurl = \"http://x\"\nsecret = \"s\"\n");
        assert_eq!((secret.line, secret.why.as_str()), (4, "a ntfy channel has no secret"));
        let priority = why("[channel.a]\nkind = \"ntfy\"\nurl = \"http://x\"\npriority = \"loud\"\n");
        assert_eq!(priority.line, 4, "{priority}");
        let both = why("[channel.a]\nkind = \"webhook\"\nurl = \"http://x\"\nsecret = \"s\"\nsecret_file = \"f\"\n");
        assert_eq!(both.line, 5, "{both}");
    }

    #[test]
    fn an_error_quotes_no_secret_and_little_of_a_long_value() {
        let secret = read("[channel.a]\nkind = \"webhook\"\nurl = \"http://x\"\nsecret = 1234567\n").unwrap_err();
        assert!(!secret.why.contains("1234567") && secret.why.contains("expected a string"), "{secret}");
        let long = "y".repeat(5000);
        let threshold =
            read(&format!("[[rule]]\nname = \"a\"\nkind = \"below\"\nthreshold = \"{long}\"\n")).unwrap_err();
        assert!(threshold.to_string().len() < 200 && threshold.line == 4, "{threshold}");
        let price = read(&format!("[[rule]]\nname = \"a\"\nkind = \"stale\"\nprice = \"{long}\"\n")).unwrap_err();
        assert!(price.to_string().len() < 200, "{price}");
        let key = read(&format!("[[rule]]\nname = \"a\"\nkind = \"stale\"\n{long} = 1\n")).unwrap_err();
        assert!(key.to_string().len() < 200, "{key}");
        let zero = read("[[rule]]\nname = \"a\"\nkind = \"stale\"\nafter = \"0m\"\n").unwrap_err();
        assert_eq!((zero.line, zero.why.as_str()), (4, "after is 15 minutes or more"));
    }

    #[test]
    fn an_error_quotes_little_of_a_long_value() {
        let long = "x".repeat(5000);
        let why = read(&format!(
            "[[rule]]\nname = \"a\"\nkind = \"cheapest_run\"\ndone_by = \"07:00\"\nduration = \"{long}\"\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(why.len() < 200, "{why}");
    }
}
