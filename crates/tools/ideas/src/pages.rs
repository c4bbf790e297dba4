//! The ideas tool in the browser: a group's boards; a board as a wall of cards clustered by
//! tag (endorse, react, place dots, add an idea, promote, live); an idea's page (discussion,
//! merging a duplicate); the wiki-survey's screen (two big buttons, ← and → on the keyboard,
//! "I can't decide", skip); and the ranking with its bands, refreshed as answers arrive. The
//! same services as the API.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use kernel::page::PageRequest;
use kernel::policy::Action;
use serde::Deserialize;
use web::pages::groups::{GroupContext, enter_tool};
use web::pages::{
    CsrfForm, Flash, NavLink, Shell, field_errors, redirect, render, render_with, sentence,
};
use web::{AppState, Problem};

use crate::model::*;
use crate::service::{self, IdeaFilter};
use crate::survey::Surveys;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(boards_page).post(create_board))
        .route("/{board}", get(board_page))
        .route("/{board}/live", get(live_events))
        .route("/{board}/ranking/live", get(ranking_events))
        .route("/{board}/ideas", post(add_idea))
        .route("/{board}/settings", post(edit_board))
        .route("/{board}/promote", post(promote))
        .route("/{board}/vote", get(vote_page).post(vote))
        .route("/{board}/ranking", get(ranking_page))
        .route("/{board}/ideas/{idea}", get(idea_page))
        .route("/{board}/ideas/{idea}/{action}", post(mark))
}

/// The tab, where the group uses the tool and the viewer may read its boards.
pub fn nav(group: &GroupContext) -> Option<NavLink> {
    (group.uses(TOOL) && group.may(Action::ToolRead(TOOL))).then(|| NavLink {
        href: format!("/groups/{}/{TOOL}", group.group.handle),
        label: "Ideas".into(),
        icon: "bulb".into(),
        current: false,
    })
}

#[derive(Deserialize)]
struct GroupPath {
    group: String,
}

#[derive(Deserialize)]
struct BoardPath {
    group: String,
    board: String,
}

#[derive(Deserialize)]
struct IdeaPath {
    group: String,
    board: String,
    idea: String,
    #[serde(default)]
    action: String,
}

async fn enter(app: &AppState, shell: &mut Shell, group: &str) -> Result<GroupContext, Problem> {
    enter_tool(app, shell, group, TOOL).await
}

fn board_id(text: &str) -> Result<BoardId, Problem> {
    text.parse().map_err(|_| Problem::not_found("board"))
}

fn idea_id(text: &str) -> Result<IdeaId, Problem> {
    text.parse().map_err(|_| Problem::not_found("idea"))
}

fn messages(errors: Vec<(String, String)>) -> Vec<String> {
    errors
        .into_iter()
        .map(|(field, detail)| sentence(&format!("{}: {detail}", field.replace('_', " "))))
        .collect()
}

fn board_path(group: &str, board: BoardId) -> String {
    format!("/groups/{group}/{TOOL}/{board}")
}

/// A board's own part of the page: the same board for the board's group only (a board of
/// another group under this group's address is not found).
fn same_group(board: &Board, context: &GroupContext) -> Result<(), Problem> {
    if board.group == context.group.id {
        Ok(())
    } else {
        Err(Problem::not_found("board"))
    }
}

/// The board a page's address names, when it is this group's and `actor` reads it: every
/// page and form of a board checks this before it shows or does anything.
async fn here(
    app: &AppState,
    actor: Option<&kernel::people::Actor>,
    context: &GroupContext,
    board: &str,
) -> Result<BoardId, Problem> {
    let id = board_id(board)?;
    let (row, _) = service::board_for(&app.kernel, actor, id).await?;
    if row.group_id != context.group.id {
        return Err(Problem::not_found("board"));
    }
    Ok(id)
}

// ---------------------------------------------------------------------------------------
// Boards

#[derive(Template)]
#[template(path = "ideas_boards.html")]
struct BoardsPage {
    shell: Shell,
    group: String,
    boards: Vec<Board>,
    may_post: bool,
    errors: Vec<String>,
}

async fn boards_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    errors: Vec<String>,
) -> Result<BoardsPage, Problem> {
    let boards = service::list_boards(
        &app.kernel,
        shell.actor.as_ref(),
        &context.group.id.to_string(),
    )
    .await?;
    Ok(BoardsPage {
        group: context.group.handle.clone(),
        boards: boards.items,
        may_post: context.may(Action::ToolUse(TOOL)),
        shell,
        errors,
    })
}

async fn boards_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    Ok(render(&boards_of(&app, shell, &context, Vec::new()).await?))
}

#[derive(Default, Deserialize)]
struct BoardForm {
    #[serde(default)]
    question: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    pairwise: Option<String>,
    #[serde(default)]
    anonymous: Option<String>,
    #[serde(default)]
    dots: String,
}

async fn create_board(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<BoardForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let dots = match form.dots.trim() {
        "" => Ok(None),
        d => d
            .parse()
            .map(Some)
            .map_err(|_| kernel::Error::invalid("dots", "a whole number")),
    };
    let made = match dots {
        Ok(dots) => {
            let input = NewBoard {
                question: form.question,
                details: Some(form.details),
                pairwise: Some(form.pairwise.is_some()),
                anonymous: Some(form.anonymous.is_some()),
                open: None,
                readers: None,
                dots,
            };
            service::create_board(&app.kernel, &actor, &context.group.id.to_string(), input).await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(board) => Ok(redirect(
            &board_path(&context.group.handle, board.id),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &boards_of(&app, shell, &context, errors).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// A board's wall

struct ClusterView {
    tag: String,
    ideas: Vec<Card>,
}

/// An idea's card: the idea, and its thumbs up (the wall's one reaction button). An idea
/// with several tags shows in each of their clusters; its first card carries its anchor.
struct Card {
    idea: Idea,
    thumbs: i64,
    thumbed: bool,
    anchor: bool,
}

const THUMBS: &str = "👍";

fn card(idea: &Idea) -> Card {
    let thumbs = idea.reactions.iter().find(|r| r.emoji == THUMBS);
    Card {
        thumbs: thumbs.map_or(0, |r| r.count),
        thumbed: thumbs.is_some_and(|r| r.mine),
        anchor: false,
        idea: idea.clone(),
    }
}

#[derive(Template)]
#[template(path = "ideas_board.html")]
struct BoardPage {
    shell: Shell,
    group: String,
    board: Board,
    clusters: Vec<ClusterView>,
    may_post: bool,
    may_run: bool,
    errors: Vec<String>,
}

async fn board_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    id: BoardId,
    errors: Vec<String>,
) -> Result<BoardPage, Problem> {
    let actor = shell.actor.as_ref();
    let board = service::get_board(&app.kernel, actor, id).await?;
    same_group(&board, context)?;
    let ideas = service::list_ideas(&app.kernel, actor, id, &IdeaFilter::default()).await?;
    let clusters = service::clusters(&app.kernel, actor, id).await?;
    let by_id: std::collections::HashMap<IdeaId, &Idea> =
        ideas.items.iter().map(|i| (i.id, i)).collect();
    let mut anchored = std::collections::HashSet::new();
    let clusters = clusters
        .items
        .into_iter()
        .map(|c| ClusterView {
            tag: c.tag.unwrap_or_default(),
            ideas: c
                .ideas
                .iter()
                .filter_map(|i| by_id.get(i))
                .map(|i| Card {
                    anchor: anchored.insert(i.id),
                    ..card(i)
                })
                .collect(),
        })
        .collect();
    let may_run = actor.is_some_and(|a| {
        (a.account == board.created_by.id && context.may(Action::ToolUse(TOOL)))
            || context.may(Action::Tool(MANAGE))
    });
    Ok(BoardPage {
        group: context.group.handle.clone(),
        may_post: context.may(Action::ToolUse(TOOL)),
        may_run,
        board,
        clusters,
        shell,
        errors,
    })
}

async fn board_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = board_id(&p.board)?;
    Ok(render(
        &board_of(&app, shell, &context, id, Vec::new()).await?,
    ))
}

/// After an action on a board: back to `to`, or the board again with what went wrong.
async fn after(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    id: BoardId,
    to: String,
    done: kernel::Result<()>,
) -> Result<Response, Problem> {
    match done {
        Ok(()) => Ok(redirect(&to, Some(Flash::Saved))),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &board_of(app, shell, context, id, errors).await?,
            ))
        }
    }
}

#[derive(Default, Deserialize)]
struct IdeaForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    tags: String,
}

fn tag_list(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

async fn add_idea(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
    CsrfForm(form): CsrfForm<IdeaForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = here(&app, Some(&actor), &context, &p.board).await?;
    let input = NewIdea {
        title: form.title,
        text: Some(form.text),
        tags: Some(tag_list(&form.tags)),
    };
    let done = service::create_idea(&app.kernel, &actor, id, input)
        .await
        .map(|_| ());
    let to = board_path(&context.group.handle, id);
    after(&app, shell, &context, id, to, done).await
}

#[derive(Default, Deserialize)]
struct SettingsForm {
    #[serde(default)]
    open: String,
}

async fn edit_board(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = here(&app, Some(&actor), &context, &p.board).await?;
    let edit = BoardEdit {
        open: Some(form.open == "yes"),
        ..BoardEdit::default()
    };
    let done = service::edit_board(&app.kernel, &actor, id, edit)
        .await
        .map(|_| ());
    let to = board_path(&context.group.handle, id);
    after(&app, shell, &context, id, to, done).await
}

#[derive(Default, Deserialize)]
struct PromoteForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    top: String,
    #[serde(default)]
    idea: String,
}

async fn promote(
    State(app): State<AppState>,
    Extension(surveys): Extension<Arc<Surveys>>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
    CsrfForm(form): CsrfForm<PromoteForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = here(&app, Some(&actor), &context, &p.board).await?;
    let kind = form
        .kind
        .parse()
        .map_err(|e: String| kernel::Error::invalid("kind", e));
    let done = match kind {
        Ok(kind) => {
            let input = Promote {
                ideas: form.idea.parse().map(|i| vec![i]).unwrap_or_default(),
                top: form.top.trim().parse().ok(),
                kind,
                closes_at: None,
                title: None,
            };
            service::promote(&app.kernel, &surveys, &actor, id, input)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    let to = board_path(&context.group.handle, id);
    after(&app, shell, &context, id, to, done).await
}

/// An action on an idea's card: endorse or not, react, place dots, comment, merge.
#[derive(Default, Deserialize)]
struct MarkForm {
    #[serde(default)]
    dots: String,
    #[serde(default)]
    emoji: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    into: String,
    /// Where to go back to: the board (default) or the idea's page.
    #[serde(default)]
    back: String,
}

async fn mark(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IdeaPath>,
    CsrfForm(form): CsrfForm<MarkForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let board = here(&app, Some(&actor), &context, &p.board).await?;
    let idea = idea_id(&p.idea)?;
    let k = &app.kernel;
    let done = match p.action.as_str() {
        "endorse" => service::endorse(k, &actor, idea, true).await.map(|_| ()),
        "unendorse" => service::endorse(k, &actor, idea, false).await.map(|_| ()),
        "react" => service::react(k, &actor, idea, &form.emoji, true)
            .await
            .map(|_| ()),
        "unreact" => service::react(k, &actor, idea, &form.emoji, false)
            .await
            .map(|_| ()),
        "dots" => match form.dots.trim().parse() {
            Ok(dots) => service::set_dots(k, &actor, idea, dots).await.map(|_| ()),
            Err(_) => Err(kernel::Error::invalid("dots", "a whole number")),
        },
        "merge" => match form.into.parse() {
            Ok(into) => service::merge(k, &actor, idea, into).await.map(|_| ()),
            Err(_) => Err(kernel::Error::invalid("into", "choose the idea that stays")),
        },
        "comment" => kernel::comments::create(
            k,
            &actor,
            kernel::comments::NewComment {
                subject_type: SUBJECT.into(),
                subject_id: idea.to_string(),
                body: form.body,
                parent: None,
            },
        )
        .await
        .map(|_| ()),
        _ => return Err(Problem::not_found("page")),
    };
    let to = if form.back == "idea" && p.action != "merge" {
        format!("{}/ideas/{idea}", board_path(&context.group.handle, board))
    } else {
        format!("{}#idea-{idea}", board_path(&context.group.handle, board))
    };
    after(&app, shell, &context, board, to, done).await
}

// ---------------------------------------------------------------------------------------
// An idea

struct CommentLine {
    author: String,
    body: String,
    when: String,
}

#[derive(Template)]
#[template(path = "ideas_idea.html")]
struct IdeaPage {
    shell: Shell,
    group: String,
    board: Board,
    idea: Idea,
    survivor: Option<Idea>,
    others: Vec<Idea>,
    comments: Vec<CommentLine>,
    may_post: bool,
    may_run: bool,
}

async fn idea_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IdeaPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let page = board_of(&app, shell, &context, board_id(&p.board)?, Vec::new()).await?;
    let actor = page.shell.actor.as_ref();
    let idea = service::get_idea(&app.kernel, actor, idea_id(&p.idea)?).await?;
    if idea.board != page.board.id {
        return Err(Problem::not_found("idea"));
    }
    let survivor = match idea.merged_into {
        Some(into) => Some(service::get_idea(&app.kernel, actor, into).await?),
        None => None,
    };
    let comments = kernel::comments::list(
        &app.kernel,
        actor,
        SUBJECT,
        &idea.id.to_string(),
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
    let others: Vec<Idea> = page
        .clusters
        .iter()
        .flat_map(|c| c.ideas.iter())
        .filter(|c| c.anchor && c.idea.id != idea.id)
        .map(|c| c.idea.clone())
        .collect();
    Ok(render(&IdeaPage {
        group: page.group,
        board: page.board,
        may_post: page.may_post,
        may_run: page.may_run,
        shell: page.shell,
        idea,
        survivor,
        others,
        comments,
    }))
}

// ---------------------------------------------------------------------------------------
// The wiki-survey

#[derive(Template)]
#[template(path = "ideas_vote.html")]
struct VotePage {
    shell: Shell,
    group: String,
    board: Board,
    pair: Option<Pair>,
    errors: Vec<String>,
}

async fn vote_of(
    app: &AppState,
    surveys: &Surveys,
    shell: Shell,
    context: &GroupContext,
    id: BoardId,
    errors: Vec<String>,
) -> Result<VotePage, Problem> {
    let actor = shell.require_actor()?.clone();
    let board = service::get_board(&app.kernel, Some(&actor), id).await?;
    same_group(&board, context)?;
    let (pair, mut errors) = match service::pair(&app.kernel, surveys, &actor, id).await {
        Ok(pair) => (Some(pair), errors),
        Err(e) => (None, [errors, messages(field_errors(e)?)].concat()),
    };
    errors.dedup();
    Ok(VotePage {
        group: context.group.handle.clone(),
        board,
        pair,
        shell,
        errors,
    })
}

async fn vote_page(
    State(app): State<AppState>,
    Extension(surveys): Extension<Arc<Surveys>>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = board_id(&p.board)?;
    Ok(render(
        &vote_of(&app, &surveys, shell, &context, id, Vec::new()).await?,
    ))
}

#[derive(Default, Deserialize)]
struct VoteForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    winner: String,
}

async fn vote(
    State(app): State<AppState>,
    Extension(surveys): Extension<Arc<Surveys>>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
    CsrfForm(form): CsrfForm<VoteForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = here(&app, Some(&actor), &context, &p.board).await?;
    let answered = match form.winner.parse() {
        Ok(winner) => {
            let input = NewComparison {
                token: form.token,
                winner,
            };
            service::compare(&app.kernel, &actor, id, input)
                .await
                .map(|_| ())
        }
        Err(e) => Err(kernel::Error::invalid("winner", e)),
    };
    match answered {
        Ok(()) => Ok(redirect(
            &format!("{}/vote", board_path(&context.group.handle, id)),
            None,
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &vote_of(&app, &surveys, shell, &context, id, errors).await?,
            ))
        }
    }
}

struct RankLine {
    place: usize,
    item: Ranked,
    score: String,
    band: String,
    /// The band as a bar: where it starts and how wide it is, in percent.
    left: String,
    width: String,
}

#[derive(Template)]
#[template(path = "ideas_ranking.html")]
struct RankingPage {
    shell: Shell,
    group: String,
    board: Board,
    lines: Vec<RankLine>,
    answers: i64,
}

async fn ranking_page(
    State(app): State<AppState>,
    Extension(surveys): Extension<Arc<Surveys>>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = board_id(&p.board)?;
    let actor = shell.actor.as_ref();
    let board = service::get_board(&app.kernel, actor, id).await?;
    same_group(&board, &context)?;
    let ranking = service::ranking(&app.kernel, &surveys, actor, id).await?;
    let lines = ranking
        .items
        .iter()
        .take(500)
        .cloned()
        .enumerate()
        .map(|(i, item)| RankLine {
            place: i + 1,
            score: format!("{:.0}", item.score),
            band: format!("{:.0}–{:.0}", item.low, item.high),
            left: format!("{:.1}", item.low),
            width: format!("{:.1}", (item.high - item.low).max(0.5)),
            item,
        })
        .collect();
    Ok(render(&RankingPage {
        group: context.group.handle.clone(),
        board,
        lines,
        answers: ranking.answers,
        shell,
    }))
}

/// `text/event-stream` of a board's changes (`changed`), for its wall to fetch itself again:
/// for a signed-in reader of the board, as one of their live streams.
async fn live_events(
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<BoardPath>,
) -> Result<Response, Problem> {
    follow(app, shell, p, &crate::live::BOARDS).await
}

/// The same for its ranking, which answers change too.
async fn ranking_events(
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<BoardPath>,
) -> Result<Response, Problem> {
    follow(app, shell, p, &crate::live::RANKINGS).await
}

async fn follow(
    app: AppState,
    mut shell: Shell,
    p: BoardPath,
    changes: &'static web::changes::Changes,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = here(&app, Some(&actor), &context, &p.board).await?;
    let slot = app.streams.take(actor.account)?;
    let events = web::streams::holding(changes.follow(id, app.shutdown.clone()), slot);
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
