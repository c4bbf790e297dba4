//! The decide tool in the browser: a group's polls and a form for a new one, a poll's page
//! with the voting form of its kind (a ranking by drag or by keyboard), its results as
//! server-drawn SVG (bars; rounds as a flow) refreshed while it is open, who has voted, the
//! discussion, and the outcome; and one's delegations. The same services as the API.

use std::collections::BTreeMap;
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::page::PageRequest;
use kernel::policy::Action;
use kernel::{Error, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};
use web::pages::groups::{GroupContext, enter_tool};
use web::pages::{
    CsrfForm, EmptyForm, Field, Flash, NavLink, Shell, day, field_errors, redirect, render,
    render_with, sentence, values_of,
};
use web::{AppState, Problem};

use crate::chart::{self, Bar, Flow};
use crate::model::*;
use crate::{delegation, live, service};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(list_page).post(create))
        .route("/delegation", get(delegation_page).post(give))
        .route("/delegation/end", post(end))
        .route("/{poll}", get(poll_page))
        .route("/{poll}/results", get(results_fragment))
        .route("/{poll}/live", get(live_events))
        .route("/{poll}/vote", post(vote))
        .route("/{poll}/close", post(close))
        .route("/{poll}/reopen", post(reopen))
        .route("/{poll}/outcome", post(outcome))
        .route("/{poll}/options", post(add_option))
        .route("/{poll}/comments", post(comment))
}

/// The tab, where the group uses decide and the viewer may read its polls.
pub fn nav(group: &GroupContext) -> Option<NavLink> {
    (group.uses(TOOL) && group.may(Action::ToolRead(TOOL))).then(|| NavLink {
        href: format!("/groups/{}/{TOOL}", group.group.handle),
        label: "Decide".into(),
        icon: "vote".into(),
        current: false,
    })
}

#[derive(Deserialize)]
struct GroupPath {
    group: String,
}

#[derive(Deserialize)]
struct PollPath {
    group: String,
    poll: String,
}

async fn enter(app: &AppState, shell: &mut Shell, group: &str) -> Result<GroupContext, Problem> {
    enter_tool(app, shell, group, TOOL).await
}

fn poll_id(text: &str) -> Result<PollId, Problem> {
    text.parse().map_err(|_| Problem::not_found("poll"))
}

/// "Tue 10 Dec 2026, 15:00 UTC"
fn when(t: Timestamp) -> String {
    t.to_datetime()
        .format("%a %-d %b %Y, %H:%M UTC")
        .to_string()
}

/// An option's text as people read it: a meeting's start time in words.
fn shown(kind: PollKind, text: &str) -> String {
    if kind == PollKind::Meeting
        && let Ok(t) = serde_json::from_value::<Timestamp>(json!(text))
    {
        return when(t);
    }
    text.to_string()
}

// ---------------------------------------------------------------------------------------
// A group's polls

struct PollLine {
    poll: Poll,
    status: &'static str,
    badge: &'static str,
    when: String,
}

fn line(poll: Poll) -> PollLine {
    let (badge, when) = match poll.status.as_str() {
        "closed" => (
            "badge--neutral",
            format!("closed {}", day(poll.closed_at.unwrap_or(poll.closes_at))),
        ),
        "scheduled" => ("badge--info", format!("opens {}", when(poll.opens_at))),
        _ => ("badge--success", format!("closes {}", when(poll.closes_at))),
    };
    let status = match poll.status.as_str() {
        "closed" => "closed",
        "scheduled" => "scheduled",
        _ => "open",
    };
    PollLine {
        poll,
        status,
        badge,
        when,
    }
}

/// The new poll form's fields, as typed.
#[derive(Default, Deserialize)]
struct NewPollForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    options: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    seats: String,
    #[serde(default)]
    closes_at: String,
    #[serde(default)]
    hide_results: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    count_target: String,
    #[serde(default)]
    tag: String,
    anonymous: Option<String>,
    add_options: Option<String>,
}

#[derive(Template)]
#[template(path = "decide_polls.html")]
struct ListPage {
    shell: Shell,
    group: String,
    tab: String,
    polls: Vec<PollLine>,
    next: Option<String>,
    may_create: bool,
    form: NewPollForm,
    title: Field,
    options: Field,
    closes_at: Field,
    errors: Vec<String>,
    kinds: Vec<(&'static str, &'static str)>,
}

const KINDS: [(&str, &str); 11] = [
    ("proposal", "Proposal: agree, abstain, disagree or block"),
    ("consent", "Consent: consent or object"),
    ("check", "Sense check: agree, abstain or disagree"),
    ("choice", "Choose one (or several)"),
    ("approval", "Approve any number"),
    ("ranked", "Rank the options"),
    ("score", "Score each option"),
    ("dot_vote", "Spread dots"),
    ("meeting", "Find a meeting time"),
    ("count", "Count who is in"),
    ("question", "Ask a question"),
];

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

async fn list_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    Query(q): Query<ListQuery>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    Ok(render(
        &list_of(&app, shell, &context, q, NewPollForm::default(), Vec::new()).await?,
    ))
}

async fn list_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    q: ListQuery,
    form: NewPollForm,
    errors: Vec<(String, String)>,
) -> Result<ListPage, Problem> {
    let tab = match q.status.as_deref() {
        Some("closed") => "closed",
        Some("scheduled") => "scheduled",
        _ => "open",
    };
    let filter = PollFilter {
        status: Some(tab.into()),
        limit: Some(50),
        cursor: q.cursor,
    };
    let page = service::group_polls(
        &app.kernel,
        shell.actor.as_ref(),
        &context.group.handle,
        &filter,
    )
    .await?;
    let mut title = Field::new(form.title.clone());
    let mut options = Field::new(form.options.clone());
    let mut closes_at = Field::new(form.closes_at.clone());
    let unplaced = web::pages::set_errors(
        &errors,
        &mut [
            ("title", &mut title),
            ("options", &mut options),
            ("closes_at", &mut closes_at),
        ],
    );
    Ok(ListPage {
        may_create: context.may(Action::ToolUse(TOOL)),
        group: context.group.handle.clone(),
        tab: tab.into(),
        polls: page.items.into_iter().map(line).collect(),
        next: page.next_cursor,
        shell,
        form,
        title,
        options,
        closes_at,
        errors: unplaced,
        kinds: KINDS.to_vec(),
    })
}

/// A time typed in a `datetime-local` field, read as UTC.
fn typed_time(text: &str) -> Result<Option<Timestamp>, (String, String)> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .map(|t| Some(Timestamp::from_datetime(t.and_utc())))
        .map_err(|_| ("closes_at".into(), "a date and time".into()))
}

fn new_poll(form: &NewPollForm) -> Result<NewPoll, Vec<(String, String)>> {
    let mut body = serde_json::Map::new();
    body.insert("title".into(), json!(form.title));
    body.insert("details".into(), json!(form.details));
    body.insert("kind".into(), json!(form.kind));
    let kind: Option<PollKind> = form.kind.parse().ok();
    if kind.is_some_and(PollKind::has_options) {
        let options: Vec<&str> = form
            .options
            .lines()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .collect();
        body.insert("options".into(), json!(options));
    }
    if kind == Some(PollKind::Ranked) && !form.method.is_empty() {
        body.insert("method".into(), json!(form.method));
        if form.method == "stv" && !form.seats.trim().is_empty() {
            body.insert(
                "seats".into(),
                json!(form.seats.trim().parse::<u32>().unwrap_or(0)),
            );
        }
    }
    if kind == Some(PollKind::Count) {
        body.insert(
            "count_target".into(),
            json!(form.count_target.trim().parse::<u32>().unwrap_or(0)),
        );
    }
    for (name, value) in [
        ("hide_results", &form.hide_results),
        ("reasons", &form.reasons),
        ("tag", &form.tag),
    ] {
        if !value.trim().is_empty() {
            body.insert(name.into(), json!(value.trim()));
        }
    }
    if form.anonymous.is_some() {
        body.insert("anonymous".into(), json!(true));
    }
    if form.add_options.is_some() && kind.is_some_and(PollKind::has_options) {
        body.insert("add_options".into(), json!(true));
    }
    match typed_time(&form.closes_at) {
        Ok(Some(t)) => {
            body.insert("closes_at".into(), json!(t));
        }
        Ok(None) => {}
        Err(e) => return Err(vec![e]),
    }
    serde_json::from_value(Value::Object(body))
        .map_err(|_| vec![("kind".to_string(), "choose what the poll asks".to_string())])
}

async fn create(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<NewPollForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let errors = match new_poll(&form) {
        Ok(input) => {
            match service::create_poll(&app.kernel, &actor, &context.group.handle, input).await {
                Ok(poll) => {
                    return Ok(redirect(
                        &format!("/groups/{}/{TOOL}/{}", context.group.handle, poll.id),
                        Some(Flash::Saved),
                    ));
                }
                Err(e) => field_errors(e)?,
            }
        }
        Err(errors) => errors,
    };
    let q = ListQuery {
        status: None,
        cursor: None,
    };
    Ok(render_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &list_of(&app, shell, &context, q, form, errors).await?,
    ))
}

// ---------------------------------------------------------------------------------------
// A poll

/// One option of the voting form, with what the reader's vote says of it.
struct OptionRow {
    id: u32,
    text: String,
    /// Picked (a choice), or a stance / slot answer / score / dots / rank as typed.
    checked: bool,
    value: String,
}

struct CommentLine {
    comment: kernel::comments::Comment,
    author: String,
    when: String,
    replies_to: Option<String>,
}

/// The results part of the page (also served alone, refreshed while the poll is open).
#[derive(Template)]
#[template(path = "decide_results.html")]
struct ResultsPart {
    group: String,
    poll: Poll,
    /// Why there are no results to show yet, when they are hidden.
    hidden: Option<String>,
    bars: Vec<Bar>,
    flow: Option<Flow>,
    ranking: Vec<String>,
    winners: String,
    outcome: String,
    results: Option<Results>,
    /// Whether the page follows the live stream (a signed-in reader); others refresh now and
    /// then.
    live: bool,
}

#[derive(Template)]
#[template(path = "decide_poll.html")]
struct PollPage {
    shell: Shell,
    group: String,
    poll: Poll,
    kind: &'static str,
    rows: Vec<OptionRow>,
    stances: Vec<(&'static str, &'static str)>,
    my_stance: String,
    my_reason: String,
    results_html: String,
    review: String,
    weight: u64,
    voted: Vec<Person>,
    not_voted: Vec<Person>,
    comments: Vec<CommentLine>,
    more_comments: Option<String>,
    may_manage: bool,
    may_comment: bool,
    may_add_option: bool,
    errors: Vec<String>,
    dots: u32,
    score_max: u32,
    closes: String,
    opens: String,
}

fn stance_words(kind: PollKind) -> Vec<(&'static str, &'static str)> {
    match kind {
        PollKind::Proposal => vec![
            ("agree", "Agree"),
            ("abstain", "Abstain"),
            ("disagree", "Disagree"),
            ("block", "Block"),
        ],
        PollKind::Consent => vec![("consent", "Consent"), ("object", "Object")],
        PollKind::Check => vec![
            ("agree", "Looks good"),
            ("abstain", "Not sure"),
            ("disagree", "Concerned"),
        ],
        PollKind::Count => vec![("in", "I'm in"), ("out", "I'm out")],
        _ => Vec::new(),
    }
}

/// The form's rows, filled from the reader's vote (options named by text in it).
fn rows_of(poll: &Poll) -> Vec<OptionRow> {
    let mine = poll.my_vote.as_ref();
    let get = |field: &str| mine.and_then(|v| v.get(field));
    let mut rows: Vec<OptionRow> = poll
        .options
        .iter()
        .map(|o| {
            let text = &o.text;
            let (checked, value) = match poll.kind {
                PollKind::Choice | PollKind::Approval => (
                    get("choices")
                        .and_then(Value::as_array)
                        .is_some_and(|c| c.iter().any(|x| x == text)),
                    String::new(),
                ),
                PollKind::Score | PollKind::DotVote => {
                    let field = if poll.kind == PollKind::Score {
                        "scores"
                    } else {
                        "dots"
                    };
                    (
                        false,
                        get(field)
                            .and_then(|m| m.get(text))
                            .map(|n| n.to_string())
                            .unwrap_or_default(),
                    )
                }
                PollKind::Ranked => (
                    false,
                    get("ranking")
                        .and_then(Value::as_array)
                        .and_then(|r| r.iter().position(|x| x == text))
                        .map(|i| (i + 1).to_string())
                        .unwrap_or_default(),
                ),
                PollKind::Meeting => (
                    false,
                    get("slots")
                        .and_then(|m| m.get(text))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                ),
                _ => (false, String::new()),
            };
            OptionRow {
                id: o.id,
                text: shown(poll.kind, text),
                checked,
                value,
            }
        })
        .collect();
    if poll.kind == PollKind::Ranked {
        // Ranked first, in the reader's order; the rest after, in the poll's.
        rows.sort_by_key(|r| r.value.parse::<u32>().unwrap_or(u32::MAX));
    }
    rows
}

async fn results_part(
    app: &AppState,
    actor: Option<&kernel::people::Actor>,
    group: &str,
    found: &service::Found,
    poll: &Poll,
) -> Result<ResultsPart, Problem> {
    let mut part = ResultsPart {
        group: group.into(),
        poll: poll.clone(),
        hidden: None,
        bars: Vec::new(),
        flow: None,
        ranking: Vec::new(),
        winners: String::new(),
        outcome: String::new(),
        results: None,
        live: actor.is_some(),
    };
    match service::results_found(&app.kernel, actor, found).await {
        Ok(results) => {
            let texts: Vec<String> = poll.options.iter().map(|o| o.text.clone()).collect();
            part.bars = chart::bars(&texts, &results);
            for bar in &mut part.bars {
                bar.label = shown(poll.kind, &bar.label);
            }
            part.flow = chart::flow(&texts, &results);
            part.ranking = chart::ranking(&results);
            part.winners = results
                .winners
                .iter()
                .map(|w| shown(poll.kind, w))
                .collect::<Vec<_>>()
                .join(", ");
            part.outcome = match results.outcome.as_deref() {
                Some("passed") => "Passed".into(),
                Some("blocked") => "Blocked".into(),
                Some("below_threshold") => "Not enough support".into(),
                Some("no_quorum") => "The quorum was not met".into(),
                Some("reached") => "The target is reached".into(),
                Some("not_reached") => "The target is not reached yet".into(),
                _ => String::new(),
            };
            part.results = Some(results);
        }
        Err(Error::Forbidden(why)) => part.hidden = Some(sentence(&why)),
        Err(e) => return Err(e.into()),
    }
    Ok(part)
}

#[derive(Deserialize)]
struct PollQuery {
    comments: Option<String>,
}

async fn poll_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<PollPath>,
    Query(q): Query<PollQuery>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = poll_id(&p.poll)?;
    Ok(render(
        &page_of(&app, shell, &context, id, q.comments, Vec::new()).await?,
    ))
}

async fn page_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    id: PollId,
    comments_from: Option<String>,
    errors: Vec<String>,
) -> Result<PollPage, Problem> {
    let k = &app.kernel;
    let actor = shell.actor.clone();
    // The poll is loaded once, in the group the page entered; the view, results, voters and
    // comments all read from it.
    let found = service::readable_in(k, actor.as_ref(), id, &context.loaded).await?;
    let poll = service::view(k, actor.as_ref(), &found).await?;
    let group = context.group.handle.clone();
    let results = results_part(app, actor.as_ref(), &group, &found, &poll).await?;
    let voters = service::voters_found(k, &found).await?;
    let subject = kernel::subjects::Found {
        group: found.group.clone(),
        id: id.to_string(),
        readers: kernel::subjects::Readers::Group,
    };
    let comments = kernel::comments::list_found(
        k,
        actor.as_ref(),
        "poll",
        &subject,
        &PageRequest {
            limit: Some(100),
            cursor: comments_from,
        },
    )
    .await?;
    let by_id: BTreeMap<String, String> = comments
        .items
        .iter()
        .map(|c| {
            (
                c.id.to_string(),
                c.author
                    .as_ref()
                    .map_or("someone".into(), |a| a.handle.clone()),
            )
        })
        .collect();
    let comments_view = comments
        .items
        .into_iter()
        .map(|c| CommentLine {
            author: c
                .author
                .as_ref()
                .map_or("(gone)".into(), |a| a.handle.clone()),
            when: when(c.created_at),
            replies_to: c.parent.and_then(|p| by_id.get(&p.to_string()).cloned()),
            comment: c,
        })
        .collect();
    let may_manage = actor.as_ref().is_some_and(|a| {
        poll.author == Some(a.account) && context.may(Action::ToolUse(TOOL))
            || context.may(Action::Tool(CLOSE))
    });
    let mine = poll.my_vote.as_ref();
    Ok(PollPage {
        kind: poll.kind.as_str(),
        rows: rows_of(&poll),
        stances: stance_words(poll.kind),
        my_stance: mine
            .and_then(|v| v.get("stance"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into(),
        my_reason: mine
            .and_then(|v| v.get("reason"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into(),
        results_html: results.render().map_err(kernel::Error::internal)?,
        review: poll
            .outcome
            .as_ref()
            .and_then(|o| o.review_at)
            .map(day)
            .unwrap_or_default(),
        weight: poll.my_weight.unwrap_or(1),
        voted: voters.voted,
        not_voted: voters.not_voted,
        comments: comments_view,
        more_comments: comments.next_cursor,
        may_comment: context.may(Action::ToolUse(TOOL)),
        may_add_option: poll.status != "closed"
            && poll.kind.has_options()
            && context.may(Action::ToolUse(TOOL))
            && (poll.rules.add_options
                || actor
                    .as_ref()
                    .is_some_and(|a| poll.author == Some(a.account))),
        may_manage,
        errors,
        dots: poll.rules.dots.unwrap_or(0),
        score_max: poll.rules.score_max.unwrap_or(0),
        closes: when(poll.closes_at),
        opens: when(poll.opens_at),
        group,
        poll,
        shell,
    })
}

async fn results_fragment(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<PollPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.actor.as_ref();
    let found =
        service::readable_in(&app.kernel, actor, poll_id(&p.poll)?, &context.loaded).await?;
    let poll = service::view(&app.kernel, actor, &found).await?;
    let part = results_part(&app, actor, &context.group.handle, &found, &poll).await?;
    Ok(render(&part))
}

/// `text/event-stream` of a poll's changes (`changed`), for its open page to fetch its
/// results again: for a signed-in reader of the poll, as one of their live streams.
async fn live_events(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<PollPath>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = poll_id(&p.poll)?;
    service::readable_in(&app.kernel, Some(&actor), id, &context.loaded).await?;
    let slot = app.streams.take(actor.account)?;
    let events = web::streams::holding(live::POLLS.follow(id, app.shutdown.clone()), slot);
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// The vote a form stands for: the field of the poll's kind, options by id.
fn vote_of(poll: &Poll, fields: &[(String, String)]) -> Result<NewVote, Vec<(String, String)>> {
    let one = |name: &str| {
        values_of(fields, name)
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let per_option = |prefix: &str| -> serde_json::Map<String, Value> {
        poll.options
            .iter()
            .filter_map(|o| {
                let typed = one(&format!("{prefix}{}", o.id));
                let typed = typed.trim();
                (!typed.is_empty()).then(|| {
                    let value = typed
                        .parse::<u64>()
                        .map_or_else(|_| json!(typed), |n| json!(n));
                    (o.id.to_string(), value)
                })
            })
            .collect()
    };
    let mut vote = NewVote {
        reason: Some(one("reason")),
        ..NewVote::default()
    };
    match poll.kind {
        PollKind::Proposal | PollKind::Consent | PollKind::Check | PollKind::Count => {
            let stance = one("stance");
            if stance.is_empty() {
                return Err(vec![("stance".into(), "choose one".into())]);
            }
            vote.stance = Some(stance);
        }
        PollKind::Question => {}
        PollKind::Choice | PollKind::Approval => {
            vote.choices = Some(
                values_of(fields, "choice")
                    .into_iter()
                    .map(|c| c.parse::<u64>().map_or_else(|_| json!(c), |n| json!(n)))
                    .collect(),
            );
        }
        PollKind::Score => vote.scores = Some(per_option("score_")),
        PollKind::DotVote => vote.dots = Some(per_option("dots_")),
        PollKind::Meeting => vote.slots = Some(per_option("slot_")),
        PollKind::Ranked => {
            let mut ranked: Vec<(u64, u32)> = Vec::new();
            for (id, rank) in per_option("rank_") {
                let Some(rank) = rank.as_u64().filter(|r| *r >= 1) else {
                    return Err(vec![("ranking".into(), "ranks are numbers from 1".into())]);
                };
                ranked.push((rank, id.parse().unwrap_or(0)));
            }
            ranked.sort();
            if ranked.windows(2).any(|w| w[0].0 == w[1].0) {
                return Err(vec![("ranking".into(), "give each rank once".into())]);
            }
            vote.ranking = Some(ranked.into_iter().map(|(_, id)| json!(id)).collect());
        }
    }
    Ok(vote)
}

async fn vote(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<PollPath>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = poll_id(&p.poll)?;
    let poll = service::get_poll(&app.kernel, Some(&actor), id).await?;
    let errors = match vote_of(&poll, &fields) {
        Ok(input) => match service::vote(&app.kernel, &actor, id, input).await {
            Ok(_) => {
                return Ok(redirect(
                    &format!("/groups/{}/{TOOL}/{id}", context.group.handle),
                    Some(Flash::Saved),
                ));
            }
            Err(e) => field_errors(e)?,
        },
        Err(errors) => errors,
    };
    let errors = errors.iter().map(|(_, d)| sentence(d)).collect();
    Ok(render_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page_of(&app, shell, &context, id, None, errors).await?,
    ))
}

/// Runs an action of a poll's managers and comes back to the poll, or shows what was wrong.
async fn managed(
    app: &AppState,
    mut shell: Shell,
    p: &PollPath,
    act: impl AsyncFnOnce(&kernel::Kernel, &kernel::people::Actor, PollId) -> kernel::Result<Poll>,
) -> Result<Response, Problem> {
    let context = enter(app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = poll_id(&p.poll)?;
    match act(&app.kernel, &actor, id).await {
        Ok(_) => Ok(redirect(
            &format!("/groups/{}/{TOOL}/{id}", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = field_errors(e)?.iter().map(|(_, d)| sentence(d)).collect();
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page_of(app, shell, &context, id, None, errors).await?,
            ))
        }
    }
}

async fn close(
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<PollPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    managed(&app, shell, &p, async |k, a, id| {
        service::close(k, a, id).await
    })
    .await
}

#[derive(Deserialize)]
struct ReopenForm {
    #[serde(default)]
    closes_at: String,
}

async fn reopen(
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<PollPath>,
    CsrfForm(form): CsrfForm<ReopenForm>,
) -> Result<Response, Problem> {
    managed(&app, shell, &p, async |k, a, id| {
        let closes_at = typed_time(&form.closes_at)
            .map_err(|(f, d)| Error::invalid(f, d))?
            .ok_or_else(|| Error::invalid("closes_at", "when it closes again"))?;
        service::reopen(k, a, id, Reopen { closes_at }).await
    })
    .await
}

#[derive(Deserialize)]
struct OutcomeForm {
    #[serde(default)]
    statement: String,
    #[serde(default)]
    review_at: String,
}

async fn outcome(
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<PollPath>,
    CsrfForm(form): CsrfForm<OutcomeForm>,
) -> Result<Response, Problem> {
    managed(&app, shell, &p, async |k, a, id| {
        let review_at =
            typed_time(&form.review_at).map_err(|(_, d)| Error::invalid("review_at", d))?;
        service::state_outcome(
            k,
            a,
            id,
            NewOutcome {
                statement: form.statement,
                review_at,
            },
        )
        .await
    })
    .await
}

#[derive(Deserialize)]
struct OptionForm {
    #[serde(default)]
    text: String,
}

async fn add_option(
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<PollPath>,
    CsrfForm(form): CsrfForm<OptionForm>,
) -> Result<Response, Problem> {
    managed(&app, shell, &p, async |k, a, id| {
        service::add_option(k, a, id, NewOption { text: form.text }).await
    })
    .await
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent: String,
}

async fn comment(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<PollPath>,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = poll_id(&p.poll)?;
    let parent = form.parent.trim().parse().ok();
    let new = kernel::comments::NewComment {
        subject_type: "poll".into(),
        subject_id: id.to_string(),
        body: form.body,
        parent,
    };
    match kernel::comments::create(&app.kernel, &actor, new).await {
        Ok(_) => Ok(redirect(
            &format!("/groups/{}/{TOOL}/{id}#discussion", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = field_errors(e)?.iter().map(|(_, d)| sentence(d)).collect();
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page_of(&app, shell, &context, id, None, errors).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Delegations

#[derive(Template)]
#[template(path = "decide_delegation.html")]
struct DelegationPage {
    shell: Shell,
    group: String,
    mine: Delegations,
    to: Field,
    tag: Field,
    errors: Vec<String>,
}

async fn delegation_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let mine = delegation::mine(&app.kernel, &actor, &context.group.handle).await?;
    Ok(render(&DelegationPage {
        shell,
        group: context.group.handle,
        mine,
        to: Field::default(),
        tag: Field::default(),
        errors: Vec::new(),
    }))
}

#[derive(Deserialize)]
struct GiveForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    tag: String,
}

async fn give(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<GiveForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let tag = form.tag.trim();
    let input = DelegationRequest {
        to: form.to.trim().trim_start_matches('@').to_string(),
        tag: (!tag.is_empty()).then(|| tag.to_string()),
    };
    let errors = match delegation::delegate(&app.kernel, &actor, &context.group.handle, input).await
    {
        Ok(_) => {
            return Ok(redirect(
                &format!("/groups/{}/{TOOL}/delegation", context.group.handle),
                Some(Flash::Saved),
            ));
        }
        Err(e) => field_errors(e)?,
    };
    let mut to = Field::new(form.to.clone());
    let mut tag = Field::new(form.tag.clone());
    let unplaced = web::pages::set_errors(&errors, &mut [("to", &mut to), ("tag", &mut tag)]);
    let mine = delegation::mine(&app.kernel, &actor, &context.group.handle).await?;
    Ok(render_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &DelegationPage {
            shell,
            group: context.group.handle,
            mine,
            to,
            tag,
            errors: unplaced,
        },
    ))
}

#[derive(Deserialize)]
struct EndForm {
    #[serde(default)]
    tag: String,
}

async fn end(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<EndForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let tag = form.tag.trim();
    delegation::end(
        &app.kernel,
        &actor,
        &context.group.handle,
        DelegationEnd {
            tag: (!tag.is_empty()).then(|| tag.to_string()),
        },
    )
    .await?;
    Ok(redirect(
        &format!("/groups/{}/{TOOL}/delegation", context.group.handle),
        Some(Flash::Saved),
    ))
}
