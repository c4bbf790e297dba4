//! The decide tool's use cases: load the facts, ask the policy, act in one transaction.
//! Counting is `tally`'s (through `count`); who votes with what weight is `electorate`'s;
//! a vote's shape is `ballot`'s.

use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::groups::access::{Loaded, load};
use kernel::groups::model::GroupSummary;
use kernel::page::{Page, PageRequest};
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Error, Kernel, Result, Timestamp};
use serde_json::{Value, json};

use crate::ballot;
use crate::count::{Shape, count, passes};
use crate::electorate::{self, Keys};
use crate::live;
use crate::model::*;
use crate::store::{self, PollRow};

/// Polls close at most a year ahead, and a week ahead unless told.
const MAX_OPEN_S: i64 = 366 * 24 * 3600;
const DEFAULT_OPEN_S: i64 = 7 * 24 * 3600;
/// Who has not voted hears of it this long before a poll closes.
const REMIND_BEFORE_S: i64 = 24 * 3600;
const MAX_OPTIONS: usize = 100;

/// A poll loaded for a reader: its row, its group, and its options.
pub(crate) struct Found {
    pub row: PollRow,
    pub group: Loaded,
    pub options: Vec<String>,
    pub rules: Rules,
    pub kind: PollKind,
}

impl Found {
    pub fn shape(&self) -> Shape<'_> {
        Shape {
            kind: self.kind,
            rules: &self.rules,
            options: &self.options,
        }
    }
}

fn parsed(row: &PollRow) -> Result<(Rules, PollKind)> {
    let rules: Rules = serde_json::from_str(&row.rules).map_err(Error::internal)?;
    let kind: PollKind = row.kind.parse().map_err(Error::internal)?;
    Ok((rules, kind))
}

pub(crate) async fn readable(k: &Kernel, actor: Option<&Actor>, id: PollId) -> Result<Found> {
    let row = store::poll(&k.db, id)
        .await?
        .ok_or(Error::NotFound("poll"))?;
    let group = load(k, actor, &row.group_id.to_string())
        .await
        .map_err(Error::hidden_as("poll"))?;
    group
        .authorize(actor, Action::ToolRead(TOOL))
        .map_err(Error::hidden_as("poll"))?;
    kernel::tool::require_on(k, group.row.id, TOOL)
        .await
        .map_err(Error::hidden_as("poll"))?;
    let options = store::options(&k.db, id).await?;
    let (rules, kind) = parsed(&row)?;
    Ok(Found {
        row,
        group,
        options,
        rules,
        kind,
    })
}

/// A poll of `group` — loaded for `actor`, who may read its content, with decide turned on
/// (as a page enters it) — without loading the group again.
pub(crate) async fn readable_in(
    k: &Kernel,
    actor: Option<&Actor>,
    id: PollId,
    group: &Loaded,
) -> Result<Found> {
    let row = store::poll(&k.db, id)
        .await?
        .filter(|row| row.group_id == group.row.id)
        .ok_or(Error::NotFound("poll"))?;
    group
        .authorize(actor, Action::ToolRead(TOOL))
        .map_err(Error::hidden_as("poll"))?;
    let options = store::options(&k.db, id).await?;
    let (rules, kind) = parsed(&row)?;
    Ok(Found {
        row,
        group: group.clone(),
        options,
        rules,
        kind,
    })
}

/// A poll, as comments and files see it: readable by whoever may read the poll.
pub struct PollSubject;

impl kernel::subjects::Subject for PollSubject {
    fn readable<'a>(
        &'a self,
        k: &'a Kernel,
        actor: Option<&'a Actor>,
        id: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<kernel::subjects::Found>> {
        Box::pin(async move {
            let id: PollId = id.parse().map_err(|_| Error::NotFound("poll"))?;
            let poll = readable(k, actor, id).await?;
            Ok(kernel::subjects::Found {
                group: poll.group,
                id: id.to_string(),
                readers: kernel::subjects::Readers::Group,
            })
        })
    }
}

/// Records that `by` changed a poll, for its group's stream (a poll's own activity type).
async fn updated(
    tx: &mut kernel::db::Tx,
    now: Timestamp,
    by: Option<&Actor>,
    row: &PollRow,
    summary: String,
) -> Result<()> {
    activity::record(
        tx,
        now,
        NewActivity::new(
            "Update",
            by.map(|a| a.account),
            ObjectRef::new("Question", row.id, Some(&row.title)),
            Audience::Group(row.group_id),
        )
        .tool(TOOL)
        .summary(summary),
    )
    .await?;
    Ok(())
}

/// Its author, or a role holding `tool:decide:close`, manages a poll: closes, reopens,
/// states its outcome.
fn manage(poll: &Found, actor: &Actor) -> Result<()> {
    if poll.row.author_id == Some(actor.account) {
        poll.group.authorize(Some(actor), Action::ToolUse(TOOL))
    } else {
        poll.group.authorize(Some(actor), Action::Tool(CLOSE))
    }
}

fn clean_text(v: &mut Validation, field: &str, text: &str, max: usize) -> String {
    let text = text.trim().to_string();
    if text.is_empty() || text.chars().count() > max {
        v.push(field, format!("1 to {max} characters"));
    }
    text
}

/// Checks a new poll and answers the options it stores and its rules.
fn check_new(v: &mut Validation, input: &NewPoll) -> (Vec<String>, Rules) {
    let kind = input.kind;
    let only = |v: &mut Validation, field: &str, given: bool, kinds: &[PollKind]| {
        if given && !kinds.contains(&kind) {
            v.push(field, format!("not for a {kind} poll"));
        }
    };
    only(v, "method", input.method.is_some(), &[PollKind::Ranked]);
    only(v, "dots", input.dots.is_some(), &[PollKind::DotVote]);
    only(
        v,
        "score_max",
        input.score_max.is_some(),
        &[PollKind::Score],
    );
    for (field, given) in [
        ("min_choices", input.min_choices.is_some()),
        ("max_choices", input.max_choices.is_some()),
        ("none_of_the_above", input.none_of_the_above.is_some()),
    ] {
        only(v, field, given, &[PollKind::Choice]);
    }
    only(
        v,
        "threshold_pct",
        input.threshold_pct.is_some(),
        &[PollKind::Proposal, PollKind::Check],
    );
    only(
        v,
        "count_target",
        input.count_target.is_some(),
        &[PollKind::Count],
    );
    only(
        v,
        "duration_minutes",
        input.duration_minutes.is_some(),
        &[PollKind::Meeting],
    );
    let stv = input.method == Some(Method::Stv);
    if !stv && input.seats.is_some() {
        v.push("seats", "only for a ranked poll counted by stv");
    }
    if !stv && input.stv_rule.is_some() {
        v.push("stv_rule", "only for a ranked poll counted by stv");
    }
    if input.add_options == Some(true) && !kind.has_options() {
        v.push("add_options", format!("a {kind} poll's options are fixed"));
    }
    let mut options: Vec<String> = if kind.has_options() {
        let options: Vec<String> = input.options.iter().map(|o| o.trim().to_string()).collect();
        if options.len() < 2 || options.len() > MAX_OPTIONS {
            v.push("options", format!("2 to {MAX_OPTIONS} options"));
        }
        let options: Vec<String> = options
            .into_iter()
            .enumerate()
            .map(|(i, o)| check_option(v, &format!("options[{i}]"), kind, &o))
            .collect();
        for (i, o) in options.iter().enumerate() {
            if options[..i]
                .iter()
                .any(|p| p.to_lowercase() == o.to_lowercase())
            {
                v.push(format!("options[{i}]"), "each option's text is unique");
            }
        }
        options
    } else {
        if !input.options.is_empty() {
            v.push(
                "options",
                format!("a {kind} poll's options are fixed: leave them out"),
            );
        }
        ballot::stances(kind)
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    if input.none_of_the_above == Some(true) {
        options.push(NONE_OF_THE_ABOVE.into());
    }
    let count = options.len() as u32;
    let (min_choices, max_choices) = match kind {
        PollKind::Choice => {
            let min = input.min_choices.unwrap_or(1);
            let max = input.max_choices.unwrap_or(min.max(1));
            if min == 0 || max < min || max > count.max(1) {
                v.push(
                    "max_choices",
                    "1 ≤ min_choices ≤ max_choices ≤ the number of options",
                );
            }
            (Some(min), Some(max))
        }
        _ => (None, None),
    };
    let dots = (kind == PollKind::DotVote).then(|| input.dots.unwrap_or(10));
    if dots.is_some_and(|d| !(1..=1000).contains(&d)) {
        v.push("dots", "1 to 1000 dots per voter");
    }
    let score_max = (kind == PollKind::Score).then(|| input.score_max.unwrap_or(5));
    if score_max.is_some_and(|s| !(1..=100).contains(&s)) {
        v.push("score_max", "1 to 100");
    }
    let seats = stv.then(|| input.seats.unwrap_or(1));
    if seats.is_some_and(|s| s == 0 || s >= count.max(1)) {
        v.push("seats", "at least 1, and fewer than the options");
    }
    let count_target = (kind == PollKind::Count).then(|| input.count_target.unwrap_or(0));
    if count_target.is_some_and(|t| !(1..=1_000_000).contains(&t)) {
        v.push("count_target", "a count poll needs a target: 1 to 1000000");
    }
    let duration = (kind == PollKind::Meeting).then(|| input.duration_minutes.unwrap_or(60));
    if duration.is_some_and(|d| !(5..=7 * 24 * 60).contains(&d)) {
        v.push("duration_minutes", "5 minutes to a week");
    }
    let quorum_pct = input.quorum_pct.unwrap_or(0);
    if quorum_pct > 100 {
        v.push("quorum_pct", "0 to 100");
    }
    if input.threshold_pct.is_some_and(|t| !(1..=100).contains(&t)) {
        v.push("threshold_pct", "1 to 100");
    }
    let tag = input
        .tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if tag.is_some_and(|t| t.chars().count() > 50) {
        v.push("tag", "at most 50 characters");
    }
    let reasons = input.reasons.unwrap_or(Reasons::Optional);
    if kind == PollKind::Question && reasons == Reasons::Off {
        v.push("reasons", "a question's answers are reasons");
    }
    let rules = Rules {
        method: (kind == PollKind::Ranked).then(|| input.method.unwrap_or(Method::Irv)),
        dots,
        score_max,
        min_choices,
        max_choices,
        hide_results: input.hide_results,
        quorum_pct,
        threshold_pct: input.threshold_pct,
        changes: input.changes.unwrap_or(true),
        seats,
        stv_rule: stv.then(|| input.stv_rule.unwrap_or(StvRule::Scottish)),
        anonymous: input.anonymous.unwrap_or(false),
        voters_fixed: input.voters.is_some(),
        weighted: input.weights.as_ref().is_some_and(|w| !w.is_empty()),
        reasons,
        count_target,
        tag: tag.map(str::to_string),
        add_options: input.add_options.unwrap_or(false),
        duration_minutes: duration,
        pass_rule: None,
        motion: None,
    };
    (options, rules)
}

/// What a choice poll's "none of the above" option says.
const NONE_OF_THE_ABOVE: &str = "None of the above";

/// An option's text as kept: trimmed, 1 to 200 characters, not a bare number (a number names
/// an option by id); a meeting's, a start time, kept in one spelling.
fn check_option(v: &mut Validation, field: &str, kind: PollKind, text: &str) -> String {
    let text = text.trim();
    if kind == PollKind::Meeting {
        return match serde_json::from_value::<Timestamp>(json!(text)) {
            Ok(t) => ballot::slot_text(t),
            Err(_) => {
                v.push(field, "a meeting's options are start times (RFC 3339)");
                text.to_string()
            }
        };
    }
    if text.is_empty() || text.chars().count() > 200 {
        v.push(field, "1 to 200 characters");
    } else if text.parse::<u32>().is_ok() {
        v.push(
            field,
            "a number names an option by its id; write it in words",
        );
    }
    text.to_string()
}

/// Opens a poll in a group that uses the decide tool: whoever may take part there.
pub async fn create_poll(
    k: &Kernel,
    actor: &Actor,
    group_key: &str,
    input: NewPoll,
) -> Result<Poll> {
    let group = load(k, Some(actor), group_key).await?;
    group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    kernel::tool::require_on(k, group.row.id, TOOL).await?;
    let now = k.now();
    let mut v = Validation::new();
    let title = clean_text(&mut v, "title", &input.title, 200);
    if input.details.chars().count() > 20_000 {
        v.push("details", "at most 20000 characters");
    }
    let (options, rules) = check_new(&mut v, &input);
    let opens_at = input.opens_at.unwrap_or(now).max(now);
    if opens_at > now.plus_seconds(MAX_OPEN_S) {
        v.push("opens_at", "at most a year ahead");
    }
    let closes_at = input
        .closes_at
        .unwrap_or_else(|| opens_at.plus_seconds(DEFAULT_OPEN_S));
    if closes_at <= opens_at {
        v.push("closes_at", "must be after it opens, in the future");
    } else if closes_at > opens_at.plus_seconds(MAX_OPEN_S) {
        v.push("closes_at", "at most a year after it opens");
    }
    let voters = electorate::fix_voters(
        k,
        group.row.id,
        input.voters.as_ref(),
        input.weights.as_ref(),
        &mut v,
    )
    .await?;
    if rules.voters_fixed && voters.as_ref().is_some_and(|l| l.is_empty()) {
        v.push("voters", "nobody would vote: the list names no member");
    }
    v.finish()?;
    let row = PollRow {
        id: PollId::new(),
        group_id: group.row.id,
        author_id: Some(actor.account),
        title,
        details: input.details.trim().to_string(),
        kind: input.kind.as_str().into(),
        rules: serde_json::to_string(&rules).map_err(Error::internal)?,
        created_at: now.0,
        closes_at: closes_at.0,
        closed_at: None,
        motion_id: None,
        opens_at: opens_at.0,
        outcome: None,
        outcome_at: None,
        outcome_by: None,
        review_at: None,
    };
    let mut tx = k.db.begin().await?;
    store::insert_poll(&mut tx, &row, &options).await?;
    if let Some(voters) = &voters {
        store::insert_voters(&mut tx, row.id, voters).await?;
    }
    schedule(&mut tx, now, &row).await?;
    activity::record(
        &mut tx,
        now,
        NewActivity::new(
            "Create",
            Some(actor.account),
            ObjectRef::new("Question", row.id, Some(&row.title)),
            Audience::Group(group.row.id),
        )
        .tool(TOOL)
        .summary(format!("{} asked: {}", actor.handle, row.title)),
    )
    .await?;
    tx.commit().await?;
    let poll = Found {
        kind: input.kind,
        row,
        group,
        options,
        rules,
    };
    view(k, Some(actor), &poll).await
}

/// What a poll's view says about its reader.
#[derive(Default)]
struct ForReader {
    voters_count: u64,
    my_vote: Option<Value>,
    voted: bool,
    my_weight: Option<u64>,
    can_vote: bool,
    proxy_for: Vec<Person>,
}

/// A poll as the API shows it to `actor`, with their own vote and weight.
pub(crate) async fn view(k: &Kernel, actor: Option<&Actor>, poll: &Found) -> Result<Poll> {
    view_after(k, actor, poll, None).await
}

/// The vote `actor` just cast for themselves, with their own weight: the view that answers it
/// need not read either back.
struct Cast {
    vote: store::VoteRow,
    weight: u64,
}

async fn view_after(
    k: &Kernel,
    actor: Option<&Actor>,
    poll: &Found,
    cast: Option<Cast>,
) -> Result<Poll> {
    let now = k.now();
    let mut reader = ForReader {
        voters_count: store::count_votes(&k.db, poll.row.id).await?,
        ..Default::default()
    };
    if let Some(actor) = actor {
        let (mine, own) = match cast {
            Some(cast) => (Some(cast.vote), Some(cast.weight)),
            None => {
                let keys = Keys::of(k, &poll.rules).await?;
                let key = keys.key(poll.row.id, actor.account);
                let mine = store::vote_of(&k.db, poll.row.id, key).await?;
                let own = electorate::weight_of(k, &poll.row, &poll.rules, actor.account).await?;
                (mine, own)
            }
        };
        reader.voted = mine.is_some();
        reader.my_vote = mine.and_then(|m| {
            let ballot: Value = serde_json::from_str(&m.ballot).ok()?;
            let mut shown = ballot_view(&poll.options, &ballot);
            let fields = shown.as_object_mut()?;
            fields.insert("reason".into(), json!(m.reason));
            fields.insert("cast_at".into(), json!(Timestamp(m.cast_at)));
            Some(shown)
        });
        let may = poll
            .group
            .authorize(Some(actor), Action::ToolUse(TOOL))
            .is_ok();
        if may && let Some(own) = own {
            reader.can_vote = poll.row.status(now) == "open";
            reader.my_weight = Some(
                electorate::carried_weight(k, &poll.row, &poll.rules, actor.account, own).await?,
            );
        }
        let granted = store::proxies_to(&k.db, poll.row.id, actor.account).await?;
        reader.proxy_for = people(k, &granted).await?;
    }
    Ok(view_of(
        now,
        &poll.row,
        poll.shape(),
        poll.group.row.summary(),
        reader,
    ))
}

/// People by id, with their handles.
async fn people(k: &Kernel, ids: &[AccountId]) -> Result<Vec<Person>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let handles = kernel::people::handles(k, ids).await?;
    Ok(ids
        .iter()
        .map(|id| Person {
            id: *id,
            handle: handles.get(id).cloned().unwrap_or_default(),
        })
        .collect())
}

fn view_of(
    now: Timestamp,
    row: &PollRow,
    poll: Shape<'_>,
    group: GroupSummary,
    reader: ForReader,
) -> Poll {
    Poll {
        id: row.id,
        group,
        author: row.author_id,
        title: row.title.clone(),
        details: row.details.clone(),
        kind: poll.kind,
        options: poll
            .options
            .iter()
            .enumerate()
            .map(|(i, text)| PollOption {
                id: i as u32,
                text: text.clone(),
            })
            .collect(),
        rules: poll.rules.clone(),
        status: row.status(now).into(),
        opens_at: Timestamp(row.opens_at),
        outcome: row.outcome.as_ref().map(|statement| Outcome {
            statement: statement.clone(),
            by: row.outcome_by,
            at: Timestamp(row.outcome_at.unwrap_or(row.closes_at)),
            review_at: row.review_at.map(Timestamp),
        }),
        my_weight: reader.my_weight,
        can_vote: reader.can_vote,
        proxy_for: reader.proxy_for,
        voters_count: reader.voters_count,
        voted: reader.voted,
        my_vote: reader.my_vote,
        created_at: Timestamp(row.created_at),
        closes_at: Timestamp(row.closes_at),
        closed_at: row.closed_at.map(Timestamp),
    }
}

/// A stored ballot as the API shows it: the vote's field, options named by their text.
pub(crate) fn ballot_view(options: &[String], ballot: &Value) -> Value {
    let text = |id: &Value| {
        id.as_u64()
            .and_then(|i| options.get(i as usize))
            .map_or(Value::Null, |t| json!(t))
    };
    let list = |ids: &Value| -> Value {
        Value::Array(ids.as_array().into_iter().flatten().map(text).collect())
    };
    let map = |items: &Value, key: &str, value: &str| -> Value {
        Value::Object(
            items
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|item| {
                    let name = text(&item[key]);
                    Some((name.as_str()?.to_string(), item[value].clone()))
                })
                .collect(),
        )
    };
    match ballot["kind"].as_str().unwrap_or_default() {
        "proposal" | "consent" => json!({ "stance": ballot["stance"] }),
        "count" => json!({ "stance": ballot["answer"] }),
        "choice" | "approval" => json!({ "choices": list(&ballot["options"]) }),
        "score" => json!({ "scores": map(&ballot["scores"], "option", "score") }),
        "dot_vote" => json!({ "dots": map(&ballot["dots"], "option", "dots") }),
        "ranked" => json!({ "ranking": list(&ballot["ranking"]) }),
        "meeting" => json!({ "slots": map(&ballot["slots"], "slot", "answer") }),
        _ => json!({}),
    }
}

pub async fn get_poll(k: &Kernel, actor: Option<&Actor>, id: PollId) -> Result<Poll> {
    let poll = readable(k, actor, id).await?;
    view(k, actor, &poll).await
}

/// A group's polls, newest first, for whoever may read the group's content: each with its
/// options, its vote count and whether the reader voted, in four queries for the page.
pub async fn group_polls(
    k: &Kernel,
    actor: Option<&Actor>,
    group_key: &str,
    filter: &PollFilter,
) -> Result<Page<Poll>> {
    let group = load(k, actor, group_key).await?;
    group.authorize(actor, Action::ToolRead(TOOL))?;
    kernel::tool::require_on(k, group.row.id, TOOL).await?;
    let status = match filter.status.as_deref() {
        None => None,
        Some(s @ ("open" | "closed" | "scheduled")) => Some(s),
        Some(_) => return Err(Error::invalid("status", "open, closed or scheduled")),
    };
    let page = PageRequest {
        limit: filter.limit,
        cursor: filter.cursor.clone(),
    };
    let limit = page.limit()?;
    let now = k.now();
    let rows = store::group_polls(&k.db, group.row.id, status, now, page.after()?, limit).await?;
    let page = Page::from_rows(rows, limit, |r| r.id.0);
    let ids: Vec<PollId> = page.items.iter().map(|r| r.id).collect();
    let mut options: std::collections::HashMap<PollId, Vec<String>> = Default::default();
    for (poll, text) in store::options_of(&k.db, &ids).await? {
        options.entry(poll).or_default().push(text);
    }
    let counts: std::collections::HashMap<PollId, i64> =
        store::vote_counts(&k.db, &ids).await?.into_iter().collect();
    let mut parsed_rows = Vec::with_capacity(page.items.len());
    for row in page.items {
        let (rules, kind) = parsed(&row)?;
        parsed_rows.push((row, rules, kind));
    }
    let voted: Vec<PollId> = match actor {
        Some(a) => {
            let mut keys = Vec::with_capacity(parsed_rows.len());
            let mut anonymous = None;
            for (row, rules, _) in &parsed_rows {
                let key = if rules.anonymous {
                    if anonymous.is_none() {
                        anonymous = Some(Keys::of(k, rules).await?);
                    }
                    anonymous
                        .as_ref()
                        .map_or(a.account.0, |keys| keys.key(row.id, a.account))
                } else {
                    a.account.0
                };
                keys.push((row.id, key));
            }
            store::voted_in(&k.db, &keys).await?
        }
        None => Vec::new(),
    };
    let may = actor.is_some_and(|a| group.authorize(Some(a), Action::ToolUse(TOOL)).is_ok());
    // Where only a list votes, whether the reader is on it (few polls have a list).
    let mut listed = std::collections::HashSet::new();
    if let Some(a) = actor.filter(|_| may) {
        for (row, rules, _) in parsed_rows.iter().filter(|(_, r, _)| r.voters_fixed) {
            if electorate::weight_of(k, row, rules, a.account)
                .await?
                .is_some()
            {
                listed.insert(row.id);
            }
        }
    }
    let items = parsed_rows
        .iter()
        .map(|(row, rules, kind)| {
            let shape = Shape {
                kind: *kind,
                rules,
                options: options.get(&row.id).map_or(&[][..], Vec::as_slice),
            };
            let reader = ForReader {
                voters_count: counts.get(&row.id).copied().unwrap_or(0).max(0) as u64,
                voted: voted.contains(&row.id),
                can_vote: may
                    && (!rules.voters_fixed || listed.contains(&row.id))
                    && row.status(now) == "open",
                ..Default::default()
            };
            view_of(now, row, shape, group.row.summary(), reader)
        })
        .collect();
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Casts (or, where the poll allows, changes) a vote — the caller's own, or, with
/// `on_behalf_of`, that of someone who made them their proxy in this poll: who may take part
/// in the group and is among the poll's voters, while it is open.
pub async fn vote(k: &Kernel, actor: &Actor, id: PollId, input: NewVote) -> Result<Poll> {
    let poll = readable(k, Some(actor), id).await?;
    poll.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let now = k.now();
    match poll.row.status(now) {
        "closed" => return Err(Error::conflict("poll", "this poll is closed")),
        "scheduled" => {
            return Err(Error::conflict(
                "poll",
                format!(
                    "this poll opens at {}",
                    Timestamp(poll.row.opens_at).to_rfc3339()
                ),
            ));
        }
        _ => {}
    }
    let voter = match input.on_behalf_of.as_deref() {
        None => actor.account,
        Some(key) => {
            let grantor = kernel::people::account_ref(k, key)
                .await
                .map_err(|_| Error::invalid("on_behalf_of", "no such account"))?;
            let granted = store::proxies_to(&k.db, poll.row.id, actor.account).await?;
            if !granted.contains(&grantor) {
                return Err(Error::Forbidden(format!(
                    "{key} has not made you their proxy in this poll"
                )));
            }
            grantor
        }
    };
    let weight = electorate::weight_of(k, &poll.row, &poll.rules, voter)
        .await?
        .ok_or_else(|| Error::Forbidden("only this poll's listed voters vote in it".into()))?;
    let ballot = ballot::ballot_of(poll.shape(), &input)?;
    let reason = ballot::reason_of(poll.shape(), ballot.as_ref(), input.reason.as_deref())?;
    let text = match &ballot {
        Some(b) => serde_json::to_string(b).map_err(Error::internal)?,
        None => ballot::ANSWERED.to_string(),
    };
    let keys = Keys::of(k, &poll.rules).await?;
    let row = store::NewVoteRow {
        poll: poll.row.id,
        voter: keys.key(poll.row.id, voter),
        ballot: text,
        reason: reason.map(str::to_string),
        weight: i64::try_from(weight).unwrap_or(i64::MAX),
        cast_by: (voter != actor.account && !keys.hides()).then_some(actor.account),
    };
    // Votes arriving together are committed together (one disk flush for a burst).
    let replace = poll.rules.changes;
    let written = row.clone();
    let write: kernel::group_commit::Write = std::sync::Arc::new(move |tx| {
        let row = row.clone();
        Box::pin(async move { store::put_vote(tx, &row, now, replace).await })
    });
    if !k.writes.write(&k.db, write).await? {
        return Err(Error::conflict(
            "poll",
            "this vote was cast, and this poll does not let a vote change",
        ));
    }
    live::changed(k, poll.row.id);
    let cast = (voter == actor.account).then_some(Cast {
        vote: store::VoteRow {
            ballot: written.ballot,
            reason: written.reason,
            cast_at: now.0,
        },
        weight,
    });
    view_after(k, Some(actor), &poll, cast).await
}

/// Lets another member vote for the caller in one poll (replacing an earlier grant): who
/// may vote in it, while it is not closed.
pub async fn grant_proxy(k: &Kernel, actor: &Actor, id: PollId, input: ProxyGrant) -> Result<Poll> {
    let poll = readable(k, Some(actor), id).await?;
    poll.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    if poll.row.is_closed(k.now()) {
        return Err(Error::conflict("poll", "this poll is closed"));
    }
    if electorate::weight_of(k, &poll.row, &poll.rules, actor.account)
        .await?
        .is_none()
    {
        return Err(Error::Forbidden(
            "only this poll's listed voters vote in it".into(),
        ));
    }
    let to = kernel::people::account_ref(k, &input.to)
        .await
        .map_err(|_| Error::invalid("to", "no such account"))?;
    if to == actor.account {
        return Err(Error::invalid("to", "someone other than you"));
    }
    if !kernel::groups::access::is_member(k, poll.group.row.id, to).await? {
        return Err(Error::invalid("to", "a member of this poll's group"));
    }
    let mut tx = k.db.begin().await?;
    store::put_proxy(&mut tx, poll.row.id, actor.account, to, k.now()).await?;
    activity::record(
        &mut tx,
        k.now(),
        NewActivity::new(
            "Update",
            Some(actor.account),
            ObjectRef::new("Question", poll.row.id, Some(&poll.row.title)),
            Audience::Accounts {
                group: Some(poll.group.row.id),
                accounts: vec![to],
            },
        )
        .tool(TOOL)
        .notify([to], "proxy")
        .summary(format!(
            "{} made you their proxy in: {}",
            actor.handle, poll.row.title
        )),
    )
    .await?;
    tx.commit().await?;
    view(k, Some(actor), &poll).await
}

/// Takes back the caller's proxy grant, if any; a vote their proxy cast stays until they
/// vote.
pub async fn revoke_proxy(k: &Kernel, actor: &Actor, id: PollId) -> Result<()> {
    let poll = readable(k, Some(actor), id).await?;
    poll.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let mut tx = k.db.begin().await?;
    store::delete_proxy(&mut tx, poll.row.id, actor.account).await?;
    tx.commit().await
}

/// Closes a poll early: its author, or a role that holds `tool:decide:close` (owners and
/// admins do).
pub async fn close(k: &Kernel, actor: &Actor, id: PollId) -> Result<Poll> {
    let mut poll = readable(k, Some(actor), id).await?;
    manage(&poll, actor)?;
    let now = k.now();
    if poll.row.is_closed(now) {
        return Err(Error::conflict("poll", "this poll is already closed"));
    }
    let mut tx = k.db.begin().await?;
    if !finish(k, &mut tx, now, &poll.row, poll.shape(), Some(actor)).await? {
        return Err(Error::conflict("poll", "this poll is already closed"));
    }
    tx.commit().await?;
    live::changed(k, poll.row.id);
    poll.row.closed_at = Some(now.0);
    view(k, Some(actor), &poll).await
}

/// Opens a closed poll again until `closes_at`: who may close it. Its outcome statement goes;
/// a motion's poll stays closed (the motion is decided).
pub async fn reopen(k: &Kernel, actor: &Actor, id: PollId, input: Reopen) -> Result<Poll> {
    let mut poll = readable(k, Some(actor), id).await?;
    manage(&poll, actor)?;
    let now = k.now();
    if !poll.row.is_closed(now) {
        return Err(Error::conflict("poll", "this poll is open"));
    }
    if poll.row.motion_id.is_some() {
        return Err(Error::conflict(
            "poll",
            "a motion's poll closes once: its motion is decided",
        ));
    }
    if input.closes_at <= now {
        return Err(Error::invalid("closes_at", "must be in the future"));
    }
    if input.closes_at > now.plus_seconds(MAX_OPEN_S) {
        return Err(Error::invalid("closes_at", "at most a year ahead"));
    }
    let mut tx = k.db.begin().await?;
    store::reopen(&mut tx, poll.row.id, input.closes_at).await?;
    poll.row.closed_at = None;
    poll.row.closes_at = input.closes_at.0;
    poll.row.outcome = None;
    poll.row.review_at = None;
    schedule(&mut tx, now, &poll.row).await?;
    updated(
        &mut tx,
        now,
        Some(actor),
        &poll.row,
        format!("{} reopened the poll: {}", actor.handle, poll.row.title),
    )
    .await?;
    tx.commit().await?;
    live::changed(k, poll.row.id);
    view(k, Some(actor), &poll).await
}

/// States what a closed poll decided, with an optional date to look at it again: who may
/// close it. Stating again replaces the statement.
pub async fn state_outcome(
    k: &Kernel,
    actor: &Actor,
    id: PollId,
    input: NewOutcome,
) -> Result<Poll> {
    let mut poll = readable(k, Some(actor), id).await?;
    manage(&poll, actor)?;
    let now = k.now();
    if !poll.row.is_closed(now) {
        return Err(Error::conflict(
            "poll",
            "an outcome is stated once the poll has closed",
        ));
    }
    let mut v = Validation::new();
    let statement = input.statement.trim().to_string();
    if statement.is_empty() || statement.chars().count() > 10_000 {
        v.push("statement", "1 to 10000 characters");
    }
    if input.review_at.is_some_and(|r| r <= now) {
        v.push("review_at", "must be in the future");
    }
    v.finish()?;
    let mut tx = k.db.begin().await?;
    store::set_outcome(
        &mut tx,
        poll.row.id,
        &statement,
        actor.account,
        input.review_at,
        now,
    )
    .await?;
    updated(
        &mut tx,
        now,
        Some(actor),
        &poll.row,
        format!("Outcome of {}: {}", poll.row.title, excerpt(&statement)),
    )
    .await?;
    tx.commit().await?;
    live::changed(k, poll.row.id);
    poll.row.outcome = Some(statement);
    poll.row.outcome_at = Some(now.0);
    poll.row.outcome_by = Some(actor.account);
    poll.row.review_at = input.review_at.map(|t| t.0);
    view(k, Some(actor), &poll).await
}

fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(140).collect();
    if text.chars().count() > 140 {
        out.push('…');
    }
    out
}

/// Adds an option to an open poll: its author, or any voter where the poll lets members add
/// options. Ballots cast before simply do not name it.
pub async fn add_option(k: &Kernel, actor: &Actor, id: PollId, input: NewOption) -> Result<Poll> {
    let mut poll = readable(k, Some(actor), id).await?;
    poll.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    if !poll.kind.has_options() {
        return Err(Error::invalid(
            "text",
            format!("a {} poll's options are fixed", poll.kind),
        ));
    }
    if poll.row.motion_id.is_some() {
        // A motion's options are what the asking tool put to the group (ideas, say).
        return Err(Error::conflict(
            "poll",
            "this poll decides a motion: its options are the motion's",
        ));
    }
    if !poll.rules.add_options && poll.row.author_id != Some(actor.account) {
        return Err(Error::Forbidden(
            "this poll's author alone adds options".into(),
        ));
    }
    if poll.row.is_closed(k.now()) {
        return Err(Error::conflict("poll", "this poll is closed"));
    }
    let mut v = Validation::new();
    let text = check_option(&mut v, "text", poll.kind, &input.text);
    v.finish()?;
    let mut tx = k.db.begin().await?;
    let options = store::options_in(&mut tx, poll.row.id).await?;
    if options.len() >= MAX_OPTIONS {
        return Err(Error::conflict(
            "poll",
            format!("a poll has at most {MAX_OPTIONS} options"),
        ));
    }
    if options
        .iter()
        .any(|o| o.to_lowercase() == text.to_lowercase())
        || !store::add_option(&mut tx, poll.row.id, options.len() as u32, &text).await?
    {
        return Err(Error::conflict("option", "this poll has that option"));
    }
    updated(
        &mut tx,
        k.now(),
        Some(actor),
        &poll.row,
        format!(
            "{} added an option to {}: {text}",
            actor.handle, poll.row.title
        ),
    )
    .await?;
    tx.commit().await?;
    live::changed(k, poll.row.id);
    poll.options = options;
    poll.options.push(text);
    view(k, Some(actor), &poll).await
}

/// Has the job runner close `row` when its time comes, and remind who has not voted a day
/// before, in the transaction that opens (or reopens) it.
async fn schedule(tx: &mut kernel::db::Tx, now: Timestamp, row: &PollRow) -> Result<()> {
    let payload = json!({ "poll": row.id, "closes_at": Timestamp(row.closes_at) });
    kernel::jobs::enqueue(
        tx,
        now,
        kernel::jobs::NewJob::new(CLOSE_JOB, payload.clone())
            .at(Timestamp(row.closes_at))
            .unique(format!("{CLOSE_JOB}:{}:{}", row.id, row.closes_at)),
    )
    .await?;
    let remind_at = Timestamp(row.closes_at).plus_seconds(-REMIND_BEFORE_S);
    if remind_at > now && remind_at.0 > row.opens_at {
        kernel::jobs::enqueue(
            tx,
            now,
            kernel::jobs::NewJob::new(REMIND_JOB, payload)
                .at(remind_at)
                .unique(format!("{REMIND_JOB}:{}:{}", row.id, row.closes_at)),
        )
        .await?;
    }
    Ok(())
}

/// Closes `row` at `now` in `tx`: the record, the results kept, the activity, and — for a poll
/// deciding a motion — the decision, resolved in the same transaction. Answers false when it
/// was already closed. The poll is marked closed before it is counted: from then on a vote
/// waits for this to commit and is refused, and every vote committed before is counted.
async fn finish(
    k: &Kernel,
    tx: &mut kernel::db::Tx,
    now: Timestamp,
    row: &PollRow,
    shape: Shape<'_>,
    by: Option<&Actor>,
) -> Result<bool> {
    if !store::mark_closed(tx, row.id, now).await? {
        return Ok(false);
    }
    let counted = electorate::counted(k, row, shape.rules).await?;
    let eligible = electorate::eligible_count(k, row, shape.rules).await?;
    let results = count(shape, &counted, eligible, true)?;
    let kept = serde_json::to_string(&results).map_err(Error::internal)?;
    store::keep_results(tx, row.id, &kept).await?;
    let summary = match by {
        Some(actor) => format!("{} closed the poll: {}", actor.handle, row.title),
        None => format!("The poll closed: {}", row.title),
    };
    updated(tx, now, by, row, summary).await?;
    if let Some(motion) = row.motion_id.as_deref().and_then(|m| m.parse().ok()) {
        let passed = passes(shape, &results);
        let outcome = serde_json::to_value(&results).map_err(Error::internal)?;
        match kernel::motions::resolve(tx, now, motion, passed, outcome).await {
            // Withdrawn meanwhile: the poll just ends.
            Ok(_) | Err(Error::Gone(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// The decide tool's side of `kernel::motions`: a motion's poll opens in the transaction that
/// opens the motion, and ends when it is withdrawn.
pub struct Decisions;

impl kernel::motions::Decisions for Decisions {
    fn tool(&self) -> &'static str {
        TOOL
    }

    fn open_poll<'a>(
        &'a self,
        tx: &'a mut kernel::db::Tx,
        motion: &'a kernel::motions::Motion,
    ) -> futures::future::BoxFuture<'a, Result<String>> {
        Box::pin(async move {
            let kind = match motion.kind.as_str() {
                "proposal" => PollKind::Proposal,
                "consent" => PollKind::Consent,
                "choice" => PollKind::Choice,
                "ranked" => PollKind::Ranked,
                _ => {
                    return Err(Error::invalid(
                        "kind",
                        "proposal, consent, choice or ranked",
                    ));
                }
            };
            // A proposal's stances are fixed; a choice or ranked poll's options are the
            // motion's (ideas promoted from a board, say), each once.
            let options: Vec<String> = if kind.has_stances() {
                ballot::stances(kind)
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            } else {
                let mut seen = std::collections::HashSet::new();
                if motion.options.iter().any(|o| !seen.insert(o.trim())) {
                    return Err(Error::invalid("options", "each option once"));
                }
                motion.options.clone()
            };
            let rules = Rules {
                pass_rule: Some(motion.pass_rule.as_str().to_string()),
                motion: Some(motion.id.to_string()),
                method: (kind == PollKind::Ranked).then_some(Method::Schulze),
                min_choices: (kind == PollKind::Choice).then_some(1),
                max_choices: (kind == PollKind::Choice).then_some(1),
                ..Rules::plain()
            };
            let row = PollRow {
                id: PollId::new(),
                group_id: motion.group,
                author_id: motion.opened_by,
                title: motion.title.clone(),
                details: motion.details.clone(),
                kind: kind.as_str().into(),
                rules: serde_json::to_string(&rules).map_err(Error::internal)?,
                created_at: motion.created_at.0,
                closes_at: motion.closes_at.0,
                closed_at: None,
                motion_id: Some(motion.id.to_string()),
                opens_at: motion.created_at.0,
                outcome: None,
                outcome_at: None,
                outcome_by: None,
                review_at: None,
            };
            store::insert_poll(tx, &row, &options).await?;
            schedule(tx, motion.created_at, &row).await?;
            Ok(row.id.to_string())
        })
    }

    fn withdraw<'a>(
        &'a self,
        tx: &'a mut kernel::db::Tx,
        motion: &'a kernel::motions::Motion,
    ) -> futures::future::BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if let Some(row) = store::poll_of_motion(tx, &motion.id.to_string()).await? {
                let now = motion.resolved_at.unwrap_or(Timestamp(row.created_at));
                store::mark_closed(tx, row.id, now).await?;
            }
            Ok(())
        })
    }
}

/// A poll's row and its parsed rules, without a reader (for the jobs).
async fn unread(k: &Kernel, id: PollId) -> Result<Option<(PollRow, Rules, PollKind, Vec<String>)>> {
    let Some(row) = store::poll(&k.db, id).await? else {
        return Ok(None);
    };
    let (rules, kind) = parsed(&row)?;
    let options = store::options(&k.db, id).await?;
    Ok(Some((row, rules, kind, options)))
}

/// Closes a poll whose time has come (the job `decide.close`), as of its closing time. A job
/// of a time the poll no longer closes at (it was reopened) does nothing.
pub async fn close_due(k: &Kernel, id: PollId) -> Result<()> {
    let Some((row, rules, kind, options)) = unread(k, id).await? else {
        return Ok(());
    };
    if row.closed_at.is_some() || row.closes_at > k.now().0 {
        return Ok(());
    }
    let shape = Shape {
        kind,
        rules: &rules,
        options: &options,
    };
    let mut tx = k.db.begin().await?;
    let at = Timestamp(row.closes_at.min(k.now().0));
    finish(k, &mut tx, at, &row, shape, None).await?;
    tx.commit().await?;
    live::changed(k, id);
    Ok(())
}

/// Reminds everyone who may vote and has not, a day before the poll closes (the job
/// `decide.remind`): one notification each, naming the poll.
pub async fn remind(k: &Kernel, id: PollId, closes_at: Timestamp) -> Result<()> {
    let Some((row, rules, _, _)) = unread(k, id).await? else {
        return Ok(());
    };
    if row.is_closed(k.now()) || row.closes_at != closes_at.0 {
        return Ok(());
    }
    let keys = Keys::of(k, &rules).await?;
    let voted: std::collections::HashSet<uuid::Uuid> = store::voter_keys(&k.db, row.id)
        .await?
        .into_iter()
        .collect();
    // Only who may vote now hears of it: a member whose role does not let them post cannot.
    let may_vote: std::collections::HashSet<AccountId> = kernel::groups::access::roster_holding(
        k,
        row.group_id,
        &kernel::groups::model::Permission::Post,
    )
    .await?
    .into_iter()
    .map(|m| m.id)
    .collect();
    let waiting: Vec<AccountId> = electorate::electorate(k, &row, &rules)
        .await?
        .into_iter()
        .map(|(a, _, _)| a)
        .filter(|a| may_vote.contains(a) && !voted.contains(&keys.key(row.id, *a)))
        .collect();
    if waiting.is_empty() {
        return Ok(());
    }
    let mut tx = k.db.begin().await?;
    activity::record(
        &mut tx,
        k.now(),
        NewActivity::new(
            "Announce",
            None,
            ObjectRef::new("Question", row.id, Some(&row.title)),
            Audience::Accounts {
                group: Some(row.group_id),
                accounts: waiting.clone(),
            },
        )
        .tool(TOOL)
        .notify(waiting, "reminder")
        .summary(format!(
            "Closing within a day, and you have not voted: {}",
            row.title
        )),
    )
    .await?;
    tx.commit().await
}

/// Whether `actor` may see the poll's counts yet, by its `hide_results`: until the reader
/// voted, or until it closed, nobody (its author and the admins included) sees a count.
async fn results_shown(k: &Kernel, actor: Option<&Actor>, poll: &Found) -> Result<()> {
    if poll.row.is_closed(k.now()) {
        return Ok(());
    }
    match poll.rules.hide_results {
        Some(HideResults::UntilClosed) => Err(Error::Forbidden(
            "this poll's results show once it closes".into(),
        )),
        Some(HideResults::UntilVote) => {
            let voted = match actor {
                Some(a) => {
                    let keys = Keys::of(k, &poll.rules).await?;
                    store::vote_of(&k.db, poll.row.id, keys.key(poll.row.id, a.account))
                        .await?
                        .is_some()
                }
                None => false,
            };
            if voted {
                Ok(())
            } else {
                Err(Error::Forbidden(
                    "this poll's results show once you have voted".into(),
                ))
            }
        }
        None => Ok(()),
    }
}

/// A poll's results, for who may read it, once its `hide_results` allows.
pub async fn results(k: &Kernel, actor: Option<&Actor>, id: PollId) -> Result<Results> {
    let poll = readable(k, actor, id).await?;
    results_found(k, actor, &poll).await
}

/// The results of a poll found for `actor`, once its `hide_results` allows.
pub(crate) async fn results_found(
    k: &Kernel,
    actor: Option<&Actor>,
    poll: &Found,
) -> Result<Results> {
    results_shown(k, actor, poll).await?;
    results_of(k, poll).await
}

/// The results: as kept when the poll closed (later members, delegations and weights change
/// nothing), or counted now while it is open.
async fn results_of(k: &Kernel, poll: &Found) -> Result<Results> {
    if poll.row.closed_at.is_some()
        && let Some(kept) = store::kept_results(&k.db, poll.row.id).await?
    {
        return serde_json::from_str(&kept).map_err(Error::internal);
    }
    let counted = electorate::counted(k, &poll.row, &poll.rules).await?;
    let eligible = electorate::eligible_count(k, &poll.row, &poll.rules).await?;
    count(
        poll.shape(),
        &counted,
        eligible,
        poll.row.is_closed(k.now()),
    )
}

/// The results as CSV: one row per option (or stance) with its totals.
pub async fn results_csv(k: &Kernel, actor: Option<&Actor>, id: PollId) -> Result<String> {
    let poll = readable(k, actor, id).await?;
    results_shown(k, actor, &poll).await?;
    let results = results_of(k, &poll).await?;
    Ok(crate::export::csv(&poll.options, &results))
}

/// Each vote with its reason, once the results show; an anonymous poll's name no voter.
pub async fn votes(k: &Kernel, actor: Option<&Actor>, id: PollId) -> Result<Vec<VoteView>> {
    let poll = readable(k, actor, id).await?;
    results_shown(k, actor, &poll).await?;
    let rows = store::ballot_rows(&k.db, poll.row.id).await?;
    let named: Vec<AccountId> = if poll.rules.anonymous {
        Vec::new()
    } else {
        rows.iter().map(|r| AccountId(r.voter_id)).collect()
    };
    let handles = if named.is_empty() {
        Default::default()
    } else {
        kernel::people::handles(k, &named).await?
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let ballot: Value = serde_json::from_str(&r.ballot).unwrap_or(Value::Null);
            VoteView {
                voter: (!poll.rules.anonymous).then(|| Person {
                    id: AccountId(r.voter_id),
                    handle: handles
                        .get(&AccountId(r.voter_id))
                        .cloned()
                        .unwrap_or_default(),
                }),
                ballot: ballot_view(&poll.options, &ballot),
                reason: r.reason,
                weight: r.weight.max(0) as u64,
                cast_at: Timestamp(r.cast_at),
            }
        })
        .collect())
}

/// Who has voted and who has not, among those who may: never what anyone chose, so it is
/// shown whatever the poll hides.
pub async fn voters(k: &Kernel, actor: Option<&Actor>, id: PollId) -> Result<VoterList> {
    let poll = readable(k, actor, id).await?;
    voters_found(k, &poll).await
}

/// Who has voted and who has not in a poll found for its reader.
pub(crate) async fn voters_found(k: &Kernel, poll: &Found) -> Result<VoterList> {
    let keys = Keys::of(k, &poll.rules).await?;
    let voted: std::collections::HashSet<uuid::Uuid> = store::voter_keys(&k.db, poll.row.id)
        .await?
        .into_iter()
        .collect();
    let mut list = VoterList {
        voted: Vec::new(),
        not_voted: Vec::new(),
    };
    for (id, handle, _) in electorate::electorate(k, &poll.row, &poll.rules).await? {
        let person = Person { id, handle };
        if voted.contains(&keys.key(poll.row.id, id)) {
            list.voted.push(person);
        } else {
            list.not_voted.push(person);
        }
    }
    Ok(list)
}

/// A closed meeting poll's chosen time as a calendar invitation (`.ics`).
pub async fn invitation(k: &Kernel, actor: Option<&Actor>, id: PollId) -> Result<String> {
    let poll = readable(k, actor, id).await?;
    if poll.kind != PollKind::Meeting {
        return Err(Error::NotFound("invitation"));
    }
    if !poll.row.is_closed(k.now()) {
        return Err(Error::conflict(
            "poll",
            "the time is chosen once the poll closes",
        ));
    }
    let results = results_of(k, &poll).await?;
    let Some(slot) = results.winners.first() else {
        return Err(Error::conflict(
            "poll",
            "nobody could make any of the times",
        ));
    };
    let start: Timestamp = serde_json::from_value(json!(slot)).map_err(Error::internal)?;
    Ok(crate::export::ics(
        &poll.row,
        start,
        poll.rules.duration_minutes.unwrap_or(60),
        &k.link(&format!(
            "/groups/{}/decide/{}",
            poll.group.row.handle, poll.row.id
        )),
    ))
}

/// Asks the group to decide (`POST /api/v1/groups/{group}/motions`): whoever may post there,
/// an outside tool included (it is the asking tool; a person asks as `api`).
pub async fn open_motion(
    k: &Kernel,
    actor: &Actor,
    group: &str,
    input: MotionRequest,
) -> Result<MotionView> {
    let kind = input.kind.unwrap_or_else(|| "proposal".into());
    if kind != "proposal" && kind != "consent" {
        return Err(Error::invalid("kind", "proposal or consent"));
    }
    let tool = if actor.is_tool() {
        actor.handle.clone()
    } else {
        "api".to_string()
    };
    let subject = input.subject.unwrap_or_else(|| "-".into());
    if subject.trim().is_empty() || subject.chars().count() > 200 {
        return Err(Error::invalid("subject", "1 to 200 characters"));
    }
    let pass_rule = input.pass_rule.unwrap_or(if kind == "consent" {
        kernel::motions::PassRule::Consent
    } else {
        kernel::motions::PassRule::Majority
    });
    let closes_at = input
        .closes_at
        .unwrap_or_else(|| k.now().plus_seconds(DEFAULT_OPEN_S));
    if closes_at > k.now().plus_seconds(MAX_OPEN_S) {
        return Err(Error::invalid("closes_at", "at most a year ahead"));
    }
    let motion = kernel::motions::open(
        k,
        actor,
        group,
        kernel::motions::NewMotion {
            title: input.title,
            details: input.details,
            options: if kind == "consent" {
                ballot::CONSENT_STANCES
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            } else {
                Vec::new()
            },
            kind,
            closes_at,
            tool,
            subject_id: subject,
            pass_rule,
        },
    )
    .await?;
    Ok(motion.into())
}
