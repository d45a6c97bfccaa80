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
//! ```
//!
//! A file that does not read so is refused with one sentence naming its line and the problem.

use chrono::{Duration, NaiveTime};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::figures::{planner, view::PriceBasis};

/// How long before a `below` or `above` period its alert is sent, unless the rule says.
pub const DEFAULT_LEAD: Duration = Duration::minutes(30);
/// How long without a new price a `stale` rule waits, unless it says: prices are published once a day.
pub const DEFAULT_STALE_AFTER: Duration = Duration::hours(26);
/// A rule's name becomes part of each alert's id: short, and no characters a topic key or a URL would mangle.
const NAME_LENGTH: usize = 40;

/// The rules of one file, each name once.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rules(pub Vec<Rule>);

/// One rule: what it watches, named.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    pub name: String,
    /// The price the rule compares: spot, or the total with the configured fees.
    pub price: PriceBasis,
    pub kind: RuleKind,
}

/// What a rule watches for.
#[derive(Clone, Debug, PartialEq, Serialize)]
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

    fn rule(&self) -> Result<Rule, Problem> {
        let e = self.entry;
        let name = e.name.as_ref().ok_or_else(|| (self.at, "a rule needs a name".to_owned()))?;
        let fits = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.');
        let text = name.get_ref().trim();
        if text.is_empty() || text.chars().count() > NAME_LENGTH || !text.chars().all(fits) {
            let why = format!("a rule's name is 1 to {NAME_LENGTH} letters, digits, spaces, '-', '_' or '.'");
            return Err((name.span().start, why));
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
                after: e.after.as_ref().map(span_of).transpose()?.unwrap_or(DEFAULT_STALE_AFTER),
                tomorrow_missing_at: e.tomorrow_missing_at.as_ref().map(time_of_day).transpose()?,
            },
        };
        let price = e.price.as_ref().map_or(PriceBasis::Spot, |price| *price.get_ref());
        Ok(Rule { name: text.to_owned(), price, kind })
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

/// A time span like "30m", "2h" or "1h30m", up to a week.
fn span_of(text: &Spanned<String>) -> Result<Duration, Problem> {
    let why = || {
        (
            text.span().start,
            "a time span is minutes or hours like \"30m\", \"2h\" or \"1h30m\", up to a week".to_owned(),
        )
    };
    let trimmed = text.get_ref().trim();
    let (hours, rest) = match trimmed.split_once('h') {
        Some((hours, rest)) => (hours.parse::<u32>().map_err(|_| why())?, rest),
        None => (0, trimmed),
    };
    let minutes = match rest.strip_suffix('m') {
        Some(minutes) => minutes.parse::<u32>().map_err(|_| why())?,
        None if rest.is_empty() && trimmed.contains('h') => 0,
        None => return Err(why()),
    };
    let span = Duration::hours(hours.into()) + Duration::minutes(minutes.into());
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
            // toml's message alone: its Display would also quote the line.
            error(e.span().map_or(0, |span| span.start), e.message().trim_end().to_owned())
        })?;
        let mut rules: Vec<Rule> = Vec::new();
        for spanned in &parsed.rule {
            let reader = Reader { entry: spanned.get_ref(), at: spanned.span().start };
            let rule = reader.rule().map_err(|(at, why)| error(at, why))?;
            if rules.iter().any(|r| r.name == rule.name) {
                return Err(error(reader.at, format!("a second rule is named {:?}: each name once", rule.name)));
            }
            rules.push(rule);
        }
        Ok(Self(rules))
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
        let kinds: Vec<_> = rules.0.iter().map(|r| (r.name.as_str(), r.price, r.kind.clone())).collect();
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
