//! The decide tool's use cases: load the facts, ask the policy, act in one transaction.
//! Counting is `tally`'s; this module turns polls and ballots into its inputs and its
//! results into what the API shows.

use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::groups::access::{Loaded, load, member_count};
use kernel::groups::model::GroupSummary;
use kernel::page::{Page, PageRequest};
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Error, Kernel, Result, Timestamp};
use serde_json::{Value, json};
use tally::Ballot;
use tally::ballot::{Dots, OptionId, Scored, Stance};

use crate::count::{Shape, ballot_rules, count, passes};
use crate::model::*;
use crate::store::{self, PollRow};

/// Polls close at most a year ahead, and a week ahead unless told.
const MAX_OPEN_S: i64 = 366 * 24 * 3600;
const DEFAULT_OPEN_S: i64 = 7 * 24 * 3600;
const MAX_OPTIONS: usize = 100;

const PROPOSAL_STANCES: [&str; 4] = ["agree", "abstain", "disagree", "block"];
const CONSENT_STANCES: [&str; 2] = ["consent", "object"];

/// A poll loaded for a reader: its row, its group, and its options.
struct Found {
    row: PollRow,
    group: Loaded,
    options: Vec<String>,
    rules: Rules,
    kind: PollKind,
}

impl Found {
    fn shape(&self) -> Shape<'_> {
        Shape {
            kind: self.kind,
            rules: &self.rules,
            options: &self.options,
        }
    }
}

/// Who may not read the poll hears "not found", not "forbidden": its id tells nothing.
fn hide(e: Error) -> Error {
    match e {
        Error::Forbidden(_) | Error::NotFound(_) => Error::NotFound("poll"),
        other => other,
    }
}

async fn readable(k: &Kernel, actor: Option<&Actor>, id: PollId) -> Result<Found> {
    let row = store::poll(&k.db, id)
        .await?
        .ok_or(Error::NotFound("poll"))?;
    let group = load(k, actor, &row.group_id.to_string())
        .await
        .map_err(hide)?;
    group
        .authorize(actor, Action::ToolRead(TOOL))
        .map_err(hide)?;
    kernel::tool::require_on(k, group.row.id, TOOL)
        .await
        .map_err(hide)?;
    let options = store::options(&k.db, id).await?;
    let rules: Rules = serde_json::from_str(&row.rules).map_err(Error::internal)?;
    let kind: PollKind = row.kind.parse().map_err(Error::internal)?;
    Ok(Found {
        row,
        group,
        options,
        rules,
        kind,
    })
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
    only(
        v,
        "min_choices",
        input.min_choices.is_some(),
        &[PollKind::Choice],
    );
    only(
        v,
        "max_choices",
        input.max_choices.is_some(),
        &[PollKind::Choice],
    );
    only(
        v,
        "threshold_pct",
        input.threshold_pct.is_some(),
        &[PollKind::Proposal],
    );
    let options: Vec<String> = match kind {
        PollKind::Proposal | PollKind::Consent => {
            if !input.options.is_empty() {
                v.push(
                    "options",
                    "a proposal's and a consent's stances are fixed: leave options out",
                );
            }
            let stances: &[&str] = if kind == PollKind::Proposal {
                &PROPOSAL_STANCES
            } else {
                &CONSENT_STANCES
            };
            stances.iter().map(|s| s.to_string()).collect()
        }
        _ => {
            let options: Vec<String> = input.options.iter().map(|o| o.trim().to_string()).collect();
            if options.len() < 2 || options.len() > MAX_OPTIONS {
                v.push("options", format!("2 to {MAX_OPTIONS} options"));
            }
            for (i, o) in options.iter().enumerate() {
                if o.is_empty() || o.chars().count() > 200 {
                    v.push(format!("options[{i}]"), "1 to 200 characters");
                } else if options[..i]
                    .iter()
                    .any(|p| p.to_lowercase() == o.to_lowercase())
                {
                    v.push(format!("options[{i}]"), "each option's text is unique");
                } else if o.parse::<u32>().is_ok() {
                    v.push(
                        format!("options[{i}]"),
                        "a number names an option by its id; write it in words",
                    );
                }
            }
            options
        }
    };
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
    let quorum_pct = input.quorum_pct.unwrap_or(0);
    if quorum_pct > 100 {
        v.push("quorum_pct", "0 to 100");
    }
    if input.threshold_pct.is_some_and(|t| !(1..=100).contains(&t)) {
        v.push("threshold_pct", "1 to 100");
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
        pass_rule: None,
        motion: None,
    };
    (options, rules)
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
    let closes_at = input
        .closes_at
        .unwrap_or_else(|| now.plus_seconds(DEFAULT_OPEN_S));
    if closes_at <= now {
        v.push("closes_at", "must be in the future");
    } else if closes_at > now.plus_seconds(MAX_OPEN_S) {
        v.push("closes_at", "at most a year ahead");
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
    };
    let mut tx = k.db.begin().await?;
    store::insert_poll(&mut tx, &row, &options).await?;
    schedule_close(&mut tx, now, &row).await?;
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

async fn view(k: &Kernel, actor: Option<&Actor>, poll: &Found) -> Result<Poll> {
    view_of(k, actor, &poll.row, poll.shape(), poll.group.row.summary()).await
}

/// A poll as the API shows it, with the caller's own vote.
async fn view_of(
    k: &Kernel,
    actor: Option<&Actor>,
    row: &PollRow,
    poll: Shape<'_>,
    group: GroupSummary,
) -> Result<Poll> {
    let now = k.now();
    let mine = match actor {
        Some(a) => store::vote_of(&k.db, row.id, a.account).await?,
        None => None,
    };
    Ok(Poll {
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
        status: if row.is_closed(now) { "closed" } else { "open" }.into(),
        voters_count: store::count_votes(&k.db, row.id).await?,
        my_vote: mine.and_then(|m| {
            let mut ballot: Value = serde_json::from_str(&m.ballot).ok()?;
            let fields = ballot.as_object_mut()?;
            fields.insert("reason".into(), json!(m.reason));
            fields.insert("cast_at".into(), json!(Timestamp(m.cast_at)));
            Some(ballot)
        }),
        created_at: Timestamp(row.created_at),
        closes_at: Timestamp(row.closes_at),
        closed_at: row.closed_at.map(Timestamp),
    })
}

pub async fn get_poll(k: &Kernel, actor: Option<&Actor>, id: PollId) -> Result<Poll> {
    let poll = readable(k, actor, id).await?;
    view(k, actor, &poll).await
}

/// A group's polls, newest first, for whoever may read the group's content.
pub async fn group_polls(
    k: &Kernel,
    actor: Option<&Actor>,
    group_key: &str,
    filter: &PollFilter,
) -> Result<Page<Poll>> {
    let group = load(k, actor, group_key).await?;
    group.authorize(actor, Action::ToolRead(TOOL))?;
    kernel::tool::require_on(k, group.row.id, TOOL).await?;
    let open = match filter.status.as_deref() {
        None => None,
        Some("open") => Some(true),
        Some("closed") => Some(false),
        Some(_) => return Err(Error::invalid("status", "open or closed")),
    };
    let page = PageRequest {
        limit: filter.limit,
        cursor: filter.cursor.clone(),
    };
    let limit = page.limit()?;
    let rows = store::group_polls(&k.db, group.row.id, open, k.now(), page.after()?, limit).await?;
    let page = Page::from_rows(rows, limit, |r| r.id.0);
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let options = store::options(&k.db, row.id).await?;
        let rules: Rules = serde_json::from_str(&row.rules).map_err(Error::internal)?;
        let kind: PollKind = row.kind.parse().map_err(Error::internal)?;
        let shape = Shape {
            kind,
            rules: &rules,
            options: &options,
        };
        items.push(view_of(k, actor, &row, shape, group.row.summary()).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The option a ballot names, by its id (a number) or its text.
fn option_of(options: &[String], named: &Value, field: &str) -> Result<OptionId> {
    let found = match named {
        Value::Number(n) => n
            .as_u64()
            .filter(|i| (*i as usize) < options.len())
            .map(|i| i as u32),
        Value::String(s) => options
            .iter()
            .position(|o| o.to_lowercase() == s.trim().to_lowercase())
            .map(|i| i as u32),
        _ => None,
    };
    found
        .map(OptionId)
        .ok_or_else(|| Error::invalid(field, format!("no option {named} in this poll")))
}

fn named_counts(
    options: &[String],
    map: &serde_json::Map<String, Value>,
    field: &str,
) -> Result<Vec<(OptionId, u32)>> {
    let mut out = Vec::with_capacity(map.len());
    for (key, value) in map {
        let named = key
            .parse::<u64>()
            .map_or_else(|_| Value::String(key.clone()), |n| json!(n));
        let option = option_of(options, &named, field)?;
        let n = value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| Error::invalid(field, format!("{key}: a whole number, 0 or more")))?;
        out.push((option, n));
    }
    Ok(out)
}

/// The tally ballot a vote stands for, checked against the poll's kind and rules.
fn ballot_of(poll: &Found, vote: &NewVote) -> Result<Ballot> {
    let options = &poll.options;
    let wrong = |field: &str| {
        Error::invalid(
            field,
            format!("a {} poll takes {}", poll.kind, expected_field(poll.kind)),
        )
    };
    let given = [
        ("stance", vote.stance.is_some()),
        ("choices", vote.choices.is_some()),
        ("scores", vote.scores.is_some()),
        ("dots", vote.dots.is_some()),
        ("ranking", vote.ranking.is_some()),
    ];
    if let Some((field, _)) = given
        .iter()
        .find(|(field, present)| *present && *field != expected_field(poll.kind))
    {
        return Err(wrong(field));
    }
    let ballot = match poll.kind {
        PollKind::Proposal | PollKind::Consent => {
            let stance = vote.stance.as_deref().ok_or_else(|| wrong("stance"))?;
            let stance: Stance = serde_json::from_value(json!(stance.trim()))
                .map_err(|_| Error::invalid("stance", stance_words(poll.kind)))?;
            if poll.kind == PollKind::Proposal {
                Ballot::Proposal { stance }
            } else {
                Ballot::Consent { stance }
            }
        }
        PollKind::Choice | PollKind::Approval => {
            let picks = vote.choices.as_ref().ok_or_else(|| wrong("choices"))?;
            let picks = picks
                .iter()
                .map(|p| option_of(options, p, "choices"))
                .collect::<Result<Vec<_>>>()?;
            if poll.kind == PollKind::Choice {
                Ballot::Choice { options: picks }
            } else {
                Ballot::Approval { options: picks }
            }
        }
        PollKind::Score => {
            let scores = vote.scores.as_ref().ok_or_else(|| wrong("scores"))?;
            Ballot::Score {
                scores: named_counts(options, scores, "scores")?
                    .into_iter()
                    .map(|(option, score)| Scored { option, score })
                    .collect(),
            }
        }
        PollKind::DotVote => {
            let dots = vote.dots.as_ref().ok_or_else(|| wrong("dots"))?;
            Ballot::DotVote {
                dots: named_counts(options, dots, "dots")?
                    .into_iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(option, dots)| Dots { option, dots })
                    .collect(),
            }
        }
        PollKind::Ranked => {
            let ranking = vote.ranking.as_ref().ok_or_else(|| wrong("ranking"))?;
            Ballot::Ranked {
                ranking: ranking
                    .iter()
                    .map(|p| option_of(options, p, "ranking"))
                    .collect::<Result<Vec<_>>>()?,
            }
        }
    };
    ballot_rules(poll.shape())
        .validate(&ballot)
        .map_err(|e| Error::invalid(expected_field(poll.kind), e.to_string()))?;
    Ok(ballot)
}

fn expected_field(kind: PollKind) -> &'static str {
    match kind {
        PollKind::Proposal | PollKind::Consent => "stance",
        PollKind::Choice | PollKind::Approval => "choices",
        PollKind::Score => "scores",
        PollKind::DotVote => "dots",
        PollKind::Ranked => "ranking",
    }
}

fn stance_words(kind: PollKind) -> String {
    let words: &[&str] = if kind == PollKind::Proposal {
        &PROPOSAL_STANCES
    } else {
        &CONSENT_STANCES
    };
    format!("one of: {}", words.join(", "))
}

/// Casts (or, where the poll allows, changes) the caller's vote: who may take part in the
/// group, while the poll is open.
pub async fn vote(k: &Kernel, actor: &Actor, id: PollId, input: NewVote) -> Result<Poll> {
    let poll = readable(k, Some(actor), id).await?;
    poll.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let now = k.now();
    if poll.row.is_closed(now) {
        return Err(Error::conflict("poll", "this poll is closed"));
    }
    let ballot = ballot_of(&poll, &input)?;
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(Error::invalid("reason", "at most 2000 characters"));
    }
    let text = serde_json::to_string(&ballot).map_err(Error::internal)?;
    let mut tx = k.db.begin().await?;
    let written = store::put_vote(
        &mut tx,
        poll.row.id,
        actor.account,
        &text,
        reason,
        now,
        poll.rules.changes,
    )
    .await?;
    if !written {
        return Err(Error::conflict(
            "poll",
            "you have voted, and this poll does not let a vote change",
        ));
    }
    tx.commit().await?;
    view(k, Some(actor), &poll).await
}

/// Closes a poll early: its author, or a role that holds `tool:decide:close` (owners and
/// admins do).
pub async fn close(k: &Kernel, actor: &Actor, id: PollId) -> Result<Poll> {
    let mut poll = readable(k, Some(actor), id).await?;
    let own = poll.row.author_id == Some(actor.account);
    if own {
        poll.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    } else {
        poll.group.authorize(Some(actor), Action::Tool(CLOSE))?;
    }
    let now = k.now();
    if poll.row.is_closed(now) {
        return Err(Error::conflict("poll", "this poll is already closed"));
    }
    let ballots = ballots(k, poll.row.id).await?;
    let eligible = member_count(k, poll.group.row.id).await?;
    let mut tx = k.db.begin().await?;
    if !finish(
        &mut tx,
        now,
        &poll.row,
        poll.shape(),
        &ballots,
        eligible,
        Some(actor),
    )
    .await?
    {
        return Err(Error::conflict("poll", "this poll is already closed"));
    }
    tx.commit().await?;
    poll.row.closed_at = Some(now.0);
    view(k, Some(actor), &poll).await
}

/// Has the job runner close `row` when its time comes, in the transaction that opens it.
async fn schedule_close(tx: &mut kernel::db::Tx, now: Timestamp, row: &PollRow) -> Result<()> {
    kernel::jobs::enqueue(
        tx,
        now,
        kernel::jobs::NewJob::new(CLOSE_JOB, json!({ "poll": row.id }))
            .at(Timestamp(row.closes_at))
            .unique(format!("{CLOSE_JOB}:{}", row.id)),
    )
    .await?;
    Ok(())
}

/// Closes `row` at `now` in `tx`: the record, the activity, and — for a poll deciding a
/// motion — the decision, resolved in the same transaction. Answers false when it was
/// already closed.
async fn finish(
    tx: &mut kernel::db::Tx,
    now: Timestamp,
    row: &PollRow,
    shape: Shape<'_>,
    ballots: &[Ballot],
    eligible: u64,
    by: Option<&Actor>,
) -> Result<bool> {
    if !store::close(tx, row.id, now).await? {
        return Ok(false);
    }
    let summary = match by {
        Some(actor) => format!("{} closed the poll: {}", actor.handle, row.title),
        None => format!("The poll closed: {}", row.title),
    };
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
    if let Some(motion) = row.motion_id.as_deref().and_then(|m| m.parse().ok()) {
        let results = count(shape, ballots, eligible, true)?;
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
                _ => return Err(Error::invalid("kind", "proposal or consent")),
            };
            let options: Vec<String> = if kind == PollKind::Proposal {
                PROPOSAL_STANCES.iter().map(|s| s.to_string()).collect()
            } else {
                CONSENT_STANCES.iter().map(|s| s.to_string()).collect()
            };
            let rules = Rules {
                method: None,
                dots: None,
                score_max: None,
                min_choices: None,
                max_choices: None,
                hide_results: None,
                quorum_pct: 0,
                threshold_pct: None,
                changes: true,
                pass_rule: Some(motion.pass_rule.as_str().to_string()),
                motion: Some(motion.id.to_string()),
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
            };
            store::insert_poll(tx, &row, &options).await?;
            schedule_close(tx, motion.created_at, &row).await?;
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
                store::close(tx, row.id, now).await?;
            }
            Ok(())
        })
    }
}

/// Closes a poll whose time has come (the job `decide.close`), as of its closing time.
pub async fn close_due(k: &Kernel, id: PollId) -> Result<()> {
    let Some(row) = store::poll(&k.db, id).await? else {
        return Ok(());
    };
    if row.closed_at.is_some() {
        return Ok(());
    }
    let rules: Rules = serde_json::from_str(&row.rules).map_err(Error::internal)?;
    let kind: PollKind = row.kind.parse().map_err(Error::internal)?;
    let options = store::options(&k.db, id).await?;
    let shape = Shape {
        kind,
        rules: &rules,
        options: &options,
    };
    let ballots = ballots(k, id).await?;
    let eligible = member_count(k, row.group_id).await?;
    let mut tx = k.db.begin().await?;
    let at = Timestamp(row.closes_at.min(k.now().0));
    finish(&mut tx, at, &row, shape, &ballots, eligible, None).await?;
    tx.commit().await
}

/// A poll's results, for who may read it — once its `hide_results` allows: until the reader
/// voted, or until it closed, nobody (its author and the admins included) sees a count.
pub async fn results(k: &Kernel, actor: Option<&Actor>, id: PollId) -> Result<Results> {
    let poll = readable(k, actor, id).await?;
    let closed = poll.row.is_closed(k.now());
    match poll.rules.hide_results {
        Some(HideResults::UntilClosed) if !closed => {
            return Err(Error::Forbidden(
                "this poll's results show once it closes".into(),
            ));
        }
        Some(HideResults::UntilVote) if !closed => {
            let voted = match actor {
                Some(a) => store::vote_of(&k.db, poll.row.id, a.account)
                    .await?
                    .is_some(),
                None => false,
            };
            if !voted {
                return Err(Error::Forbidden(
                    "this poll's results show once you have voted".into(),
                ));
            }
        }
        _ => {}
    }
    let ballots = ballots(k, poll.row.id).await?;
    let eligible = member_count(k, poll.group.row.id).await?;
    count(poll.shape(), &ballots, eligible, closed)
}

async fn ballots(k: &Kernel, poll: PollId) -> Result<Vec<Ballot>> {
    let rows = store::ballots(&k.db, poll).await?;
    let mut ballots = Vec::with_capacity(rows.len());
    for row in &rows {
        let ballot: Ballot = serde_json::from_str(row).map_err(Error::internal)?;
        ballots.push(ballot);
    }
    Ok(ballots)
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
                CONSENT_STANCES.iter().map(|s| s.to_string()).collect()
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
