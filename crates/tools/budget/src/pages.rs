//! The budget tool in the browser: a group's rounds (and opening one); a round as cards with
//! progress bars, refreshed live as people give and vote, with the vote ballot and its rule in
//! words, the live matching of a quadratic round, the results, proposing a bucket and moving
//! the round on; a bucket's page (its items and what was spent on each, giving with a slider,
//! review, payouts, cancel and complete, the discussion). The same services as the API.

use std::time::Duration;

use askama::Template;
use axum::Extension;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::page::PageRequest;
use kernel::policy::Action;
use serde::Deserialize;
use web::pages::groups::{GroupContext, enter_tool};
use web::pages::{
    CsrfForm, Flash, NavLink, Shell, field_errors, redirect, render, render_with, sentence,
};
use web::{AppState, Problem};

use crate::model::*;
use crate::money::Money;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(rounds_page).post(create_round))
        .route("/rounds/{round}", get(round_page))
        .route("/rounds/{round}/live", get(live_events))
        .route("/rounds/{round}/{action}", post(round_action))
        .route("/buckets/{bucket}", get(bucket_page))
        .route("/buckets/{bucket}/{action}", post(bucket_action))
}

/// The tab, where the group uses the tool and the viewer may read its rounds.
pub fn nav(group: &GroupContext) -> Option<NavLink> {
    (group.uses(TOOL) && group.may(Action::ToolRead(TOOL))).then(|| NavLink {
        href: format!("/groups/{}/{TOOL}", group.group.handle),
        label: "Budget".into(),
        icon: "pie".into(),
        current: false,
    })
}

#[derive(Deserialize)]
struct GroupPath {
    group: String,
}

#[derive(Deserialize)]
struct RoundPath {
    group: String,
    round: String,
    #[serde(default)]
    action: String,
}

#[derive(Deserialize)]
struct BucketPath {
    group: String,
    bucket: String,
    #[serde(default)]
    action: String,
}

async fn enter(app: &AppState, shell: &mut Shell, group: &str) -> Result<GroupContext, Problem> {
    enter_tool(app, shell, group, TOOL).await
}

fn round_id(text: &str) -> Result<RoundId, Problem> {
    text.parse().map_err(|_| Problem::not_found("round"))
}

fn bucket_id(text: &str) -> Result<BucketId, Problem> {
    text.parse().map_err(|_| Problem::not_found("bucket"))
}

fn messages(errors: Vec<(String, String)>) -> Vec<String> {
    errors
        .into_iter()
        .map(|(field, detail)| sentence(&format!("{}: {detail}", field.replace('_', " "))))
        .collect()
}

fn round_path(group: &str, round: RoundId) -> String {
    format!("/groups/{group}/{TOOL}/rounds/{round}")
}

fn bucket_path(group: &str, bucket: BucketId) -> String {
    format!("/groups/{group}/{TOOL}/buckets/{bucket}")
}

/// A round of this group that the reader may see (a round of another group under this
/// group's address is not found).
async fn here(
    app: &AppState,
    actor: Option<&kernel::people::Actor>,
    context: &GroupContext,
    round: RoundId,
) -> Result<Round, Problem> {
    let round = service::get_round(&app.kernel, actor, round).await?;
    if round.group != context.group.id {
        return Err(Problem::not_found("round"));
    }
    Ok(round)
}

fn date(t: &Option<kernel::Timestamp>) -> String {
    t.map(|t| t.to_datetime().format("%-d %b %Y, %H:%M UTC").to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Rounds

struct PoolChoice {
    id: String,
    label: String,
}

#[derive(Template)]
#[template(path = "budget_rounds.html")]
struct RoundsPage {
    shell: Shell,
    group: String,
    rounds: Vec<Round>,
    may_manage: bool,
    currencies: Vec<String>,
    pools: Vec<PoolChoice>,
    errors: Vec<String>,
}

async fn rounds_of(
    app: &AppState,
    money: &Money,
    shell: Shell,
    context: &GroupContext,
    errors: Vec<String>,
) -> Result<RoundsPage, Problem> {
    let k = &app.kernel;
    let rounds =
        service::list_rounds(k, shell.actor.as_ref(), &context.group.id.to_string()).await?;
    let may_manage = context.may(Action::Tool(MANAGE));
    let currencies = if may_manage {
        ledger::store::currencies_of_group(&k.db, context.group.id)
            .await?
            .into_iter()
            .map(|c| c.code)
            .collect()
    } else {
        Vec::new()
    };
    let pools = match (&shell.actor, &money.pools, may_manage) {
        (Some(actor), Some(pools), true) => pools
            .grantable(&money.ledger, actor, context.group.id)
            .await?
            .into_iter()
            .map(|p| PoolChoice {
                id: p.id.to_string(),
                label: p.name,
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(RoundsPage {
        group: context.group.handle.clone(),
        rounds: rounds.items,
        may_manage,
        currencies,
        pools,
        shell,
        errors,
    })
}

async fn rounds_page(
    State(app): State<AppState>,
    Extension(money): Extension<Money>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    Ok(render(
        &rounds_of(&app, &money, shell, &context, Vec::new()).await?,
    ))
}

#[derive(Default, Deserialize)]
struct RoundForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    guidelines: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    mechanism: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    pool: String,
    #[serde(default)]
    max_per_bucket: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    rule_value: String,
    #[serde(default)]
    vote_rule: String,
    #[serde(default)]
    days: String,
}

fn filled(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn round_input(form: RoundForm, now: kernel::Timestamp) -> kernel::Result<NewRound> {
    let mechanism: Mechanism = form
        .mechanism
        .parse()
        .map_err(|_| kernel::Error::invalid("mechanism", "choose how the round allocates"))?;
    let amount = filled(&form.amount).map(ledger::Decimal);
    let number = |field: &str, text: &str| -> kernel::Result<Option<u32>> {
        filled(text)
            .map(|t| {
                t.parse()
                    .map_err(|_| kernel::Error::invalid(field, "a whole number"))
            })
            .transpose()
    };
    let value = number("rule_value", &form.rule_value)?;
    let days = number("days", &form.days)?;
    let vote = mechanism == Mechanism::Vote;
    Ok(NewRound {
        title: form.title,
        description: Some(form.description),
        guidelines: Some(
            form.guidelines
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
        ),
        currency: form.currency,
        pool: filled(&form.pool),
        budget: if mechanism == Mechanism::Cobudget {
            None
        } else {
            amount.clone()
        },
        allocation: if mechanism == Mechanism::Cobudget {
            amount
        } else {
            None
        },
        max_per_bucket: filled(&form.max_per_bucket).map(ledger::Decimal),
        phases: days.map(|d| Phases {
            funding_until: Some(now.plus_seconds(i64::from(d) * 86_400)),
            ..Phases::default()
        }),
        recurring: None,
        vote_rule: if vote {
            form.vote_rule.parse().ok()
        } else {
            None
        },
        threshold_pct: (vote && form.rule == "threshold")
            .then_some(value)
            .flatten(),
        min_projects: (vote && form.rule == "minimum").then_some(value).flatten(),
        min_selected: None,
        max_selected: (vote && form.rule == "select").then_some(value).flatten(),
        pairwise: (mechanism == Mechanism::Quadratic && form.rule == "pairwise").then_some(true),
        pairwise_m: None,
        proposers: None,
        funders: None,
        mechanism,
    })
}

async fn create_round(
    State(app): State<AppState>,
    Extension(money): Extension<Money>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<RoundForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let made = match round_input(form, app.kernel.now()) {
        Ok(input) => {
            service::create_round(&money, &actor, &context.group.id.to_string(), input).await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(round) => Ok(redirect(
            &round_path(&context.group.handle, round.id),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &rounds_of(&app, &money, shell, &context, errors).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// A round

/// A bucket's card: the bucket, and whether it is on your ballot.
struct Card {
    bucket: Bucket,
    chosen: bool,
    progress: u32,
}

#[derive(Template)]
#[template(path = "budget_round.html")]
struct RoundPage {
    shell: Shell,
    group: String,
    round: Round,
    cards: Vec<Card>,
    results: Option<Results>,
    mine: Option<Mine>,
    may_fund: bool,
    has_ballot: bool,
    ends: String,
    next_phases: Vec<&'static str>,
    errors: Vec<String>,
}

async fn round_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    id: RoundId,
    errors: Vec<String>,
) -> Result<RoundPage, Problem> {
    let k = &app.kernel;
    let actor = shell.actor.as_ref();
    let round = here(app, actor, context, id).await?;
    let buckets = service::list_buckets(k, actor, id).await?;
    let ballot = round
        .mine
        .as_ref()
        .and_then(|m| m.ballot.clone())
        .unwrap_or_default();
    let cards = buckets
        .items
        .into_iter()
        .map(|b| Card {
            chosen: ballot.contains(&b.id),
            progress: b.progress.min(100),
            bucket: b,
        })
        .collect();
    let results = match round.phase {
        Phase::Closed => Some(service::results(k, actor, id).await?),
        _ if round.mechanism == Mechanism::Quadratic => Some(service::results(k, actor, id).await?),
        _ => None,
    };
    let next_phases = Phase::ALL
        .iter()
        .filter(|p| p.rank() > round.phase.rank())
        .map(|p| p.as_str())
        .collect();
    Ok(RoundPage {
        group: context.group.handle.clone(),
        mine: round.mine.clone(),
        may_fund: round.mine.as_ref().is_some_and(|m| m.may_fund),
        has_ballot: round.mine.as_ref().is_some_and(|m| m.ballot.is_some()),
        ends: date(&round.phases.funding_until),
        round,
        cards,
        results,
        next_phases,
        shell,
        errors,
    })
}

async fn round_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<RoundPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = round_id(&p.round)?;
    Ok(render(
        &round_of(&app, shell, &context, id, Vec::new()).await?,
    ))
}

/// The round page's stream: "this round changed", for who may read it.
async fn live_events(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<RoundPath>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = round_id(&p.round)?;
    here(&app, Some(&actor), &context, id).await?;
    let slot = app.streams.take(actor.account)?;
    let events = web::streams::holding(crate::live::ROUNDS.follow(id, app.shutdown.clone()), slot);
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

#[derive(Default)]
struct RoundActionForm {
    title: String,
    description: String,
    items: String,
    tags: String,
    /// The ballot's buckets (checkboxes).
    bucket: Vec<String>,
    phase: String,
}

impl From<Vec<(String, String)>> for RoundActionForm {
    /// A form's fields, the ballot's checkboxes (`bucket`, once each) gathered.
    fn from(pairs: Vec<(String, String)>) -> Self {
        let mut form = RoundActionForm::default();
        for (name, value) in pairs {
            match name.as_str() {
                "title" => form.title = value,
                "description" => form.description = value,
                "items" => form.items = value,
                "tags" => form.tags = value,
                "bucket" => form.bucket.push(value),
                "phase" => form.phase = value,
                _ => {}
            }
        }
        form
    }
}

/// Budget items written one a line: "name, min" or "name, min, max".
fn item_lines(text: &str) -> kernel::Result<Vec<NewItem>> {
    let mut items = Vec::new();
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line.rsplitn(3, ',').map(str::trim).collect();
        let item = match parts.as_slice() {
            [max, min, name] if min.parse::<f64>().is_ok() => NewItem {
                name: name.to_string(),
                min: ledger::Decimal(min.to_string()),
                max: Some(ledger::Decimal(max.to_string())),
            },
            [min, name] | [min, _, name] => NewItem {
                name: name.to_string(),
                min: ledger::Decimal(min.to_string()),
                max: None,
            },
            _ => {
                return Err(kernel::Error::invalid(
                    format!("items[{i}]"),
                    "write each item as: name, minimum, maximum",
                ));
            }
        };
        items.push(item);
    }
    Ok(items)
}

async fn round_action(
    State(app): State<AppState>,
    Extension(money): Extension<Money>,
    mut shell: Shell,
    Path(p): Path<RoundPath>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = round_id(&p.round)?;
    here(&app, Some(&actor), &context, id).await?;
    let form = RoundActionForm::from(pairs);
    let k = &app.kernel;
    let done = match p.action.as_str() {
        "buckets" => match item_lines(&form.items) {
            Ok(items) => service::create_bucket(
                k,
                &actor,
                id,
                NewBucket {
                    title: form.title,
                    description: Some(form.description),
                    items,
                    tags: Some(
                        form.tags
                            .split([',', ' '])
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(String::from)
                            .collect(),
                    ),
                    co_creators: None,
                },
            )
            .await
            .map(|_| ()),
            Err(e) => Err(e),
        },
        "ballot" => service::cast_ballot(
            k,
            &actor,
            id,
            NewBallot {
                buckets: form.bucket,
            },
        )
        .await
        .map(|_| ()),
        "phase" => match form.phase.parse::<Phase>() {
            Ok(phase) => service::edit_round(
                &money,
                &actor,
                id,
                RoundEdit {
                    phase: Some(phase),
                    ..RoundEdit::default()
                },
            )
            .await
            .map(|_| ()),
            Err(_) => Err(kernel::Error::invalid("phase", "choose a phase")),
        },
        _ => return Err(Problem::not_found("page")),
    };
    match done {
        Ok(()) => Ok(redirect(
            &round_path(&context.group.handle, id),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &round_of(&app, shell, &context, id, errors).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// A bucket

struct CommentLine {
    author: String,
    body: String,
    when: String,
}

#[derive(Template)]
#[template(path = "budget_bucket.html")]
struct BucketPage {
    shell: Shell,
    group: String,
    round: Round,
    bucket: Bucket,
    payouts: Vec<Payout>,
    comments: Vec<CommentLine>,
    may_run: bool,
    may_give: bool,
    may_manage: bool,
    may_comment: bool,
    /// Cancelling is for a bucket that paid nothing out (else it is completed).
    may_cancel: bool,
    has_mine: bool,
    /// The slider's top: the most you may still give it, and its step.
    give_max: String,
    give_step: String,
    progress: u32,
    errors: Vec<String>,
}

async fn bucket_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    id: BucketId,
    errors: Vec<String>,
) -> Result<BucketPage, Problem> {
    let k = &app.kernel;
    let actor = shell.actor.as_ref();
    let bucket = service::get_bucket(k, actor, id).await?;
    let round = here(app, actor, context, bucket.round).await?;
    let payouts = service::payouts(k, actor, id).await?.items;
    let comments = kernel::comments::list(
        k,
        actor,
        SUBJECT,
        &id.to_string(),
        &PageRequest {
            limit: Some(200),
            cursor: None,
        },
    )
    .await?
    .items
    .into_iter()
    .filter(|c| !c.deleted)
    .map(|c| CommentLine {
        author: c
            .author
            .map(|a| a.handle)
            .unwrap_or_else(|| "former member".into()),
        body: c.body,
        when: c
            .created_at
            .to_datetime()
            .format("%-d %b %Y, %H:%M")
            .to_string(),
    })
    .collect();
    let mine = round.mine.clone();
    let may_run = actor.is_some_and(|a| {
        bucket.creators.iter().any(|c| c.id == a.account)
            || mine.as_ref().is_some_and(|m| m.may_manage)
    });
    let open = matches!(bucket.state, BucketState::Open | BucketState::Funded)
        && round.phase == Phase::Funding
        && round.mechanism != Mechanism::Vote
        && bucket.review != Review::Rejected;
    let may_give = open && mine.as_ref().is_some_and(|m| m.may_fund);
    // The slider reaches what you may still give: the room left in the bucket, your
    // allocation left, and the cap, whichever is least.
    let scale = bucket.goal.split('.').nth(1).map_or(0, str::len) as u32;
    let units = |s: &str| ledger::amount::parse(s, scale).unwrap_or(0);
    let mut top = units(&bucket.stretch) - units(&bucket.contributed);
    if let Some(left) = mine.as_ref().and_then(|m| m.left.as_deref()) {
        top = top.min(units(left));
    }
    if let Some(cap) = &round.max_per_bucket {
        top = top.min(units(cap) - units(&bucket.mine));
    }
    Ok(BucketPage {
        group: context.group.handle.clone(),
        give_max: ledger::amount::format(top.max(0), scale),
        give_step: ledger::amount::format(1, scale),
        progress: bucket.progress.min(100),
        may_give: may_give && top > 0,
        may_manage: mine.as_ref().is_some_and(|m| m.may_manage),
        may_comment: mine.as_ref().is_some_and(|m| m.may_fund || m.may_propose),
        has_mine: units(&bucket.mine) > 0,
        may_cancel: matches!(bucket.state, BucketState::Open | BucketState::Funded)
            && units(&bucket.paid_out) == 0,
        round,
        bucket,
        payouts,
        comments,
        may_run,
        shell,
        errors,
    })
}

async fn bucket_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<BucketPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = bucket_id(&p.bucket)?;
    Ok(render(
        &bucket_of(&app, shell, &context, id, Vec::new()).await?,
    ))
}

#[derive(Default, Deserialize)]
struct BucketForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    memo: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    body: String,
}

async fn bucket_action(
    State(app): State<AppState>,
    Extension(money): Extension<Money>,
    mut shell: Shell,
    Path(p): Path<BucketPath>,
    CsrfForm(form): CsrfForm<BucketForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = bucket_id(&p.bucket)?;
    let bucket = service::get_bucket(&app.kernel, Some(&actor), id).await?;
    here(&app, Some(&actor), &context, bucket.round).await?;
    let k = &app.kernel;
    let done = match p.action.as_str() {
        "give" => service::contribute(
            &money,
            &actor,
            id,
            NewContribution {
                amount: ledger::Decimal(form.amount),
            },
            None,
        )
        .await
        .map(|_| ()),
        "review" => match form.state.parse::<Review>() {
            Ok(state) => service::review_bucket(
                k,
                &actor,
                id,
                NewReview {
                    state,
                    note: Some(form.note),
                },
            )
            .await
            .map(|_| ()),
            Err(_) => Err(kernel::Error::invalid("state", "approve or reject")),
        },
        "payout" => service::payout(
            &money,
            &actor,
            id,
            NewPayout {
                amount: ledger::Decimal(form.amount),
                to: None,
                item: filled(&form.item),
                memo: Some(form.memo),
            },
            None,
        )
        .await
        .map(|_| ()),
        "cancel" => service::cancel_bucket(&money, &actor, id).await.map(|_| ()),
        "complete" => service::complete_bucket(&money, &actor, id)
            .await
            .map(|_| ()),
        "comment" => kernel::comments::create(
            k,
            &actor,
            kernel::comments::NewComment {
                subject_type: SUBJECT.into(),
                subject_id: id.to_string(),
                body: form.body,
                parent: None,
            },
        )
        .await
        .map(|_| ()),
        _ => return Err(Problem::not_found("page")),
    };
    match done {
        Ok(()) => Ok(redirect(
            &bucket_path(&context.group.handle, id),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &bucket_of(&app, shell, &context, id, errors).await?,
            ))
        }
    }
}
