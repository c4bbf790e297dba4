//! What the intents tool shows and takes, and its rules that need no database: tags and
//! words, places and distances, time windows, and the score that ranks an intent's
//! counterparts with the reasons it gives.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use kernel::Timestamp;
use kernel::groups::model::GroupSummary;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use kernel::id::{AccountId, GroupId};

kernel::id_type!(
    /// An offer or a request.
    IntentId
);
kernel::id_type!(
    /// A response to an intent ("I can do this").
    ResponseId
);
kernel::id_type!(
    /// What one person put into a request's bounty.
    ContributionId
);

/// The tool's name: its activities' `tool`, its scopes' prefix, its permissions' namespace.
pub const TOOL: &str = "intents";
/// Take down anyone's intent (which refunds its bounty).
pub const MANAGE: &str = "tool:intents:manage";
/// The kind of thing files attach to: an intent's images.
pub const SUBJECT: &str = "intent";
/// The job that closes an intent at its expiry and refunds its bounty.
pub const EXPIRE_JOB: &str = "intents.expire";
/// The job that asks an intent's author whether it is still needed.
pub const PROMPT_JOB: &str = "intents.still_needed";

/// An intent nobody gave an expiry to lasts this long.
pub const DEFAULT_LIFE_S: i64 = 60 * 86_400;
/// And at most this long.
pub const MAX_LIFE_S: i64 = 366 * 86_400;
/// "Still needed?" comes this long before the expiry (or halfway, for a short life).
pub const PROMPT_BEFORE_S: i64 = 3 * 86_400;
/// A renewal without an expiry adds this.
pub const RENEW_S: i64 = 30 * 86_400;
pub const MAX_TAGS: usize = 12;
/// Counterparts whose authors hear of a new intent (those scoring at least `NOTIFY_SCORE`).
pub const NOTIFY_MATCHES: usize = 10;
pub const NOTIFY_SCORE: u32 = 25;
/// Matches an intent shows.
pub const MAX_MATCHES: usize = 20;
/// Candidates scored for one intent: the ones sharing the most terms with it.
pub const MAX_CANDIDATES: usize = 400;

kernel::string_enum!(
    /// What an intent is.
    IntentKind {
        Offer = "offer",
        Request = "request",
    }
);

impl IntentKind {
    /// The kind of its counterparts.
    pub fn other(self) -> IntentKind {
        match self {
            IntentKind::Offer => IntentKind::Request,
            IntentKind::Request => IntentKind::Offer,
        }
    }
}

kernel::string_enum!(
    /// Where an intent stands. `open` takes responses; `committed` has an accepted one and
    /// still takes more; the rest are closed.
    IntentState {
        Open = "open",
        Committed = "committed",
        Fulfilled = "fulfilled",
        Withdrawn = "withdrawn",
        Expired = "expired",
    }
);

impl IntentState {
    pub fn is_live(self) -> bool {
        matches!(self, IntentState::Open | IntentState::Committed)
    }
}

kernel::string_enum!(
    /// Whether the thing is made or done (the Murmurations `item_type`).
    ItemType {
        Good = "good",
        Service = "service",
    }
);

kernel::string_enum!(
    /// Where a response stands.
    ResponseState {
        Open = "open",
        Accepted = "accepted",
        Declined = "declined",
    }
);

kernel::string_enum!(
    /// Where a request's bounty stands. `paying` and `refunding` are the steps between
    /// writing the intent and the ledger answering; the tool finishes them at start. (Before
    /// its first money is in, the intent's row says `escrowing` or `starting`, and no bounty
    /// shows.)
    BountyState {
        Held = "held",
        Paying = "paying",
        Paid = "paid",
        Refunding = "refunding",
        Refunded = "refunded",
    }
);

/// An intent's `bounty_state` while the money of the bounty it was posted with moves in.
pub const ESCROWING: &str = "escrowing";
/// An intent's `bounty_state` while the first money on a request posted without a bounty
/// moves in.
pub const STARTING: &str = "starting";

kernel::string_enum!(
    /// Where one contribution to a bounty stands: `escrowing` between writing it and the
    /// ledger's answer.
    ContributionState {
        Escrowing = "escrowing",
        Held = "held",
    }
);

/// A place: a name, and where it is when known.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBounty {
    /// The currency's id or code; one of the group's.
    pub currency: String,
    pub amount: ledger::Decimal,
}

/// An offer or a request as its author posts it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntent {
    pub kind: IntentKind,
    pub title: String,
    pub description: Option<String>,
    /// Up to 12 words (lowercased; spaces become `-`).
    pub tags: Option<Vec<String>>,
    /// How much, in `unit` ("3" hours, "10" kg).
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub item: Option<ItemType>,
    pub location: Option<Location>,
    /// The time window's start: a date (2027-01-31) or a moment (RFC 3339).
    pub from: Option<String>,
    /// The time window's end.
    pub until: Option<String>,
    /// When it closes by itself; `until`, or 60 days from now, when left out.
    pub expires: Option<String>,
    /// Matched with the shared intents of other public groups, and listed for them. Only
    /// a public group's intents may be.
    pub public: Option<bool>,
    /// A request's bounty, paid from the author's account into escrow at once.
    pub bounty: Option<NewBounty>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResponse {
    pub message: Option<String>,
}

/// More money for a request's bounty, in its currency (the first names it).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContribution {
    pub amount: ledger::Decimal,
    /// The currency's id or code: needed on a request without a bounty yet.
    pub currency: Option<String>,
}

/// The author's answer to "still needed?": keep it open until `expires` (30 days more when
/// left out).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Renewal {
    pub expires: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Person {
    pub id: AccountId,
    pub handle: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contribution {
    pub person: Person,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bounty {
    pub currency_id: ledger::CurrencyId,
    pub currency: String,
    /// What is held (or was paid, or refunded): the sum of the contributions.
    pub amount: String,
    pub state: BountyState,
    pub contributions: Vec<Contribution>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Image {
    pub id: String,
    pub name: String,
    pub url: String,
}

/// An offer or a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Intent {
    pub id: IntentId,
    pub group: GroupSummary,
    pub kind: IntentKind,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub item: Option<ItemType>,
    pub location: Option<Location>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub expires: String,
    pub public: bool,
    pub state: IntentState,
    pub author: Person,
    pub bounty: Option<Bounty>,
    /// Responses so far (their texts are the author's and the responders' to read).
    pub responses: i64,
    /// The author has marked it fulfilled (the other side may not have yet).
    pub author_done: bool,
    /// Its images (on a single intent only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// Its page.
    pub url: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntentResponse {
    pub id: ResponseId,
    pub intent: IntentId,
    pub responder: Person,
    pub message: String,
    pub state: ResponseState,
    /// The responder has marked their part done.
    pub done: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Match {
    pub intent: Intent,
    /// 0 to 100.
    pub score: u32,
    /// Why it matches: "tags: plumbing; 2 km; this week".
    pub why: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Matches {
    pub items: Vec<Match>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntentList {
    pub items: Vec<Intent>,
    /// Pass as `before` for the next page.
    pub next: Option<IntentId>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponseList {
    pub items: Vec<IntentResponse>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowedTags {
    pub tags: Vec<String>,
}

/// The directory's filters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// Words of the title, description or tags.
    pub q: Option<String>,
    pub tag: Option<String>,
    /// Part of the place's name.
    pub place: Option<String>,
    /// `lat,lon`: only intents with a place within `km` of it (25 km when left out).
    pub near: Option<String>,
    pub km: Option<f64>,
    pub kind: Option<IntentKind>,
    /// A currency's id: requests with a bounty in it.
    pub currency: Option<String>,
    /// `open` (the default: open and committed), `closed`, or `all`.
    pub state: Option<String>,
    /// A group's id or handle (on the directory across groups).
    pub group: Option<String>,
    /// An intent's id: the page after it.
    pub before: Option<IntentId>,
    /// At most 100; 50 when left out.
    pub limit: Option<u32>,
}

/// A Murmurations `offers_wants_schema-v0.1.0` profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Murmuration {
    pub linked_schemas: Vec<String>,
    /// `offer` or `want`.
    pub exchange_type: String,
    pub item_type: Option<String>,
    pub transaction_type: Vec<String>,
    pub tags: Vec<String>,
    pub title: String,
    pub description: String,
    pub image: Option<String>,
    pub details_url: String,
    pub geolocation: Option<GeoPoint>,
    pub geographic_scope: String,
    pub contact_details: ContactDetails,
    /// Seconds since 1970.
    pub expires_at: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactDetails {
    pub contact_form: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Murmurations {
    pub items: Vec<Murmuration>,
}

// ---------------------------------------------------------------------------------------
// Rules

/// A date (its day's end, for a window's end; its start otherwise) or a moment.
pub fn moment(text: &str, end_of_day: bool) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let time = if end_of_day {
            NaiveTime::from_hms_opt(23, 59, 59)
        } else {
            NaiveTime::from_hms_opt(0, 0, 0)
        };
        return Ok(Timestamp::from_datetime(
            d.and_time(time.unwrap_or_default()).and_utc(),
        ));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| Timestamp::from_datetime(t.with_timezone(&Utc)))
        .map_err(|_| "a date like 2027-01-31, or a moment like 2027-01-31T17:00:00Z".into())
}

/// A tag as stored: trimmed, lowercase, inner spaces as `-`, a leading `#` dropped.
pub fn tag(given: &str) -> Option<String> {
    let t = given.trim().trim_start_matches('#').trim().to_lowercase();
    let t: String = t.split_whitespace().collect::<Vec<_>>().join("-");
    let ok = (1..=40).contains(&t.chars().count())
        && t.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    ok.then_some(t)
}

/// Words too common to match on.
fn stop_word(w: &str) -> bool {
    matches!(
        w,
        "the"
            | "and"
            | "for"
            | "with"
            | "from"
            | "that"
            | "this"
            | "have"
            | "has"
            | "are"
            | "was"
            | "were"
            | "will"
            | "can"
            | "could"
            | "would"
            | "should"
            | "our"
            | "your"
            | "you"
            | "they"
            | "them"
            | "their"
            | "any"
            | "some"
            | "need"
            | "needs"
            | "want"
            | "wants"
            | "offer"
            | "offers"
            | "request"
            | "looking"
            | "who"
            | "what"
            | "when"
            | "where"
            | "which"
            | "also"
            | "about"
            | "into"
            | "just"
            | "more"
            | "most"
            | "very"
            | "not"
            | "but"
            | "all"
            | "one"
            | "two"
            | "get"
            | "got"
            | "out"
            | "its"
            | "it's"
            | "i'm"
            | "help"
            | "please"
            | "thanks"
            | "someone"
            | "anyone"
            | "there"
            | "here"
            | "than"
            | "then"
            | "been"
            | "being"
            | "over"
            | "under"
            | "per"
            | "week"
            | "weeks"
            | "day"
            | "days"
    )
}

/// A word's stem, so that "apples" meets "apple" and "repairs" meets "repair".
pub fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    let n = w.chars().count();
    for (suffix, keep, min) in [
        ("ies", "y", 5),
        ("ing", "", 6),
        ("ers", "er", 5),
        ("es", "e", 5),
        ("s", "", 4),
    ] {
        if n >= min && w.ends_with(suffix) && !w.ends_with("ss") {
            return format!("{}{keep}", &w[..w.len() - suffix.len()]);
        }
    }
    w
}

/// The distinct stemmed words of a text worth matching on (three letters or more, not a
/// stop word), at most 40.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let w = raw.trim_matches('\'').to_lowercase();
        if w.chars().count() < 3 || w.chars().all(|c| c.is_numeric()) || stop_word(&w) {
            continue;
        }
        let s = stem(&w);
        if !out.contains(&s) {
            out.push(s);
            if out.len() == 40 {
                break;
            }
        }
    }
    out
}

/// What an intent is matched on.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub tags: Vec<String>,
    pub words: Vec<String>,
    pub point: Option<(f64, f64)>,
    pub starts: Option<i64>,
    pub ends: Option<i64>,
}

impl Facts {
    pub fn new(
        title: &str,
        description: &str,
        tags: &[String],
        point: Option<(f64, f64)>,
        window: (Option<i64>, Option<i64>),
    ) -> Self {
        let mut text = String::with_capacity(title.len() + description.len() + 1);
        text.push_str(title);
        text.push(' ');
        // The first part of a long description says what it is about.
        text.extend(description.chars().take(600));
        Facts {
            tags: tags.to_vec(),
            words: words(&text),
            point,
            starts: window.0,
            ends: window.1,
        }
    }

    /// As stored: the tags, and the words kept space-separated.
    pub fn stored(
        tags: &[String],
        words: &str,
        point: Option<(f64, f64)>,
        window: (Option<i64>, Option<i64>),
    ) -> Self {
        Facts {
            tags: tags.to_vec(),
            words: words.split_whitespace().map(str::to_string).collect(),
            point,
            starts: window.0,
            ends: window.1,
        }
    }

    /// The terms an index finds it by: `#tag`, `~stem` of each tag, and `w:word`.
    pub fn terms(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in &self.tags {
            out.push(format!("#{t}"));
            out.push(format!("~{}", stem(t)));
        }
        for w in &self.words {
            out.push(format!("w:{w}"));
        }
        out.sort();
        out.dedup();
        out
    }
}

/// How much a shared term counts when picking candidates to score.
pub fn term_weight(term: &str) -> f64 {
    match term.as_bytes().first() {
        Some(b'#') => 3.0,
        Some(b'~') => 1.5,
        _ => 0.5,
    }
}

/// Kilometres between two points on the Earth (haversine).
pub fn km_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

fn distance_text(km: f64) -> String {
    if km < 1.0 {
        "under 1 km".into()
    } else if km < 10.0 {
        format!("{km:.0} km")
    } else {
        format!("{:.0} km", (km / 5.0).round() * 5.0)
    }
}

/// How two intents match: a score from 0 to 100 and why, or `None` when they do not (no
/// tag or word in common, or time windows that do not meet). Times are microseconds.
pub fn score(mine: &Facts, theirs: &Facts, now: i64) -> Option<(u32, String)> {
    let exact: Vec<&String> = mine
        .tags
        .iter()
        .filter(|t| theirs.tags.contains(t))
        .collect();
    let their_stems: Vec<String> = theirs.tags.iter().map(|t| stem(t)).collect();
    let related: Vec<&String> = mine
        .tags
        .iter()
        .filter(|t| !theirs.tags.contains(t) && their_stems.contains(&stem(t)))
        .collect();
    let shared_words: Vec<&String> = mine
        .words
        .iter()
        .filter(|w| theirs.words.contains(w))
        .collect();
    if exact.is_empty() && related.is_empty() && shared_words.is_empty() {
        return None;
    }
    let starts = mine.starts.max(theirs.starts);
    let ends = match (mine.ends, theirs.ends) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let (Some(s), Some(e)) = (starts, ends)
        && s > e
    {
        return None;
    }
    let topic_points = 3.0 * exact.len() as f64
        + 1.5 * related.len() as f64
        + 0.5 * shared_words.len().min(6) as f64;
    let topic = 1.0 - (-topic_points / 3.0).exp();
    let mut why: Vec<String> = Vec::new();
    if !exact.is_empty() {
        why.push(format!(
            "tags: {}",
            exact
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !related.is_empty() {
        why.push(format!(
            "related tags: {}",
            related
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !shared_words.is_empty() {
        why.push(format!(
            "words: {}",
            shared_words
                .iter()
                .take(4)
                .map(|w| w.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let near = match (mine.point, theirs.point) {
        (Some(a), Some(b)) => {
            let km = km_between(a, b);
            why.push(distance_text(km));
            1.0 / (1.0 + km / 10.0)
        }
        _ => 0.6,
    };
    let time = if starts.is_none() && ends.is_none() {
        0.9
    } else {
        let from = starts.unwrap_or(now).max(now);
        if ends.is_some_and(|e| e < now) {
            return None;
        }
        if from - now <= 7 * 86_400 * Timestamp::MICROS_PER_SECOND {
            why.push("this week".into());
        } else {
            why.push(format!(
                "from {}",
                Timestamp(from).to_datetime().format("%-d %b")
            ));
        }
        1.0
    };
    let score = (100.0 * topic * near * time).round().clamp(1.0, 100.0) as u32;
    Some((score, why.join("; ")))
}

/// `lat,lon` as the directory takes it.
pub fn point(text: &str) -> Result<(f64, f64), String> {
    let (a, b) = text
        .split_once(',')
        .ok_or("two numbers: lat,lon (like 51.5,-0.12)")?;
    let lat: f64 = a.trim().parse().map_err(|_| "a latitude: -90 to 90")?;
    let lon: f64 = b.trim().parse().map_err(|_| "a longitude: -180 to 180")?;
    check_point(lat, lon)?;
    Ok((lat, lon))
}

pub fn check_point(lat: f64, lon: f64) -> Result<(), String> {
    if !(-90.0..=90.0).contains(&lat) || !lat.is_finite() {
        return Err("a latitude is -90 to 90".into());
    }
    if !(-180.0..=180.0).contains(&lon) || !lon.is_finite() {
        return Err("a longitude is -180 to 180".into());
    }
    Ok(())
}

/// The box of latitudes and longitudes that holds every point within `km` of `p` (wider at
/// the poles and across the antimeridian: the whole range of longitudes then).
pub fn bounding_box(p: (f64, f64), km: f64) -> ((f64, f64), (f64, f64)) {
    let dlat = km / 111.2;
    let cos = p.0.to_radians().cos();
    let (lat_lo, lat_hi) = ((p.0 - dlat).max(-90.0), (p.0 + dlat).min(90.0));
    if cos < 0.01 || lat_lo <= -89.9 || lat_hi >= 89.9 {
        return ((lat_lo, -180.0), (lat_hi, 180.0));
    }
    let dlon = km / (111.2 * cos);
    let (lon_lo, lon_hi) = (p.1 - dlon, p.1 + dlon);
    if lon_lo < -180.0 || lon_hi > 180.0 {
        return ((lat_lo, -180.0), (lat_hi, 180.0));
    }
    ((lat_lo, lon_lo), (lat_hi, lon_hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(tags: &[&str], text: &str, point: Option<(f64, f64)>) -> Facts {
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        Facts::new(text, "", &tags, point, (None, None))
    }

    #[test]
    fn a_near_same_tag_intent_outranks_a_far_one_and_says_why() {
        let mine = facts(&["plumbing"], "Leaky tap", Some((51.50, -0.12)));
        let near = facts(&["plumbing"], "Plumber", Some((51.51, -0.10)));
        let far = facts(&["plumbing"], "Plumber", Some((53.48, -2.24)));
        let (a, why_a) = score(&mine, &near, 0).unwrap();
        let (b, why_b) = score(&mine, &far, 0).unwrap();
        assert!(a > b, "{a} {b}");
        assert_eq!(why_a, "tags: plumbing; 2 km");
        assert!(why_b.starts_with("tags: plumbing; 2"), "{why_b}");
    }

    #[test]
    fn related_tags_and_words_count_and_nothing_shared_is_no_match() {
        let mine = facts(&["apples"], "Fresh fruit", None);
        let theirs = facts(&["apple"], "fruit picking", None);
        let (_, why) = score(&mine, &theirs, 0).unwrap();
        assert_eq!(why, "related tags: apples; words: fruit");
        assert!(score(&mine, &facts(&["bikes"], "cycling", None), 0).is_none());
    }

    #[test]
    fn windows_that_do_not_meet_do_not_match() {
        let tags = vec!["childcare".to_string()];
        let a = Facts::new("a", "", &tags, None, (Some(0), Some(100)));
        let b = Facts::new("b", "", &tags, None, (Some(200), Some(300)));
        assert!(score(&a, &b, 0).is_none());
        let c = Facts::new("c", "", &tags, None, (Some(50), None));
        assert!(score(&a, &c, 0).unwrap().1.ends_with("this week"));
    }

    #[test]
    fn tags_words_and_points_are_checked() {
        assert_eq!(tag(" #Fruit Trees "), Some("fruit-trees".into()));
        assert_eq!(tag("a/b"), None);
        assert_eq!(words("The apples, and APPLE pies!"), vec!["apple", "pie"]);
        assert!(point("200,0").is_err());
        assert_eq!(point("51.5, -0.1"), Ok((51.5, -0.1)));
        let ((la, lo), (ha, ho)) = bounding_box((51.5, -0.1), 10.0);
        assert!(la < 51.5 && ha > 51.5 && lo < -0.1 && ho > -0.1);
        assert!((km_between((51.5, -0.12), (48.85, 2.35)) - 343.0).abs() < 5.0);
    }
}
