//! The ideas tool's JSON API (issue "Ideation"): boards, ideas and what people do with them,
//! the pairwise wiki-survey, merges and promotions. Paths and bodies are the public protocol
//! (`idea-boards`, since task boards are `boards`).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{AppState, Caller, Json, MaybeCaller, Problem};

use crate::model::*;
use crate::service::{self, IdeaFilter};
use crate::survey::Surveys;

#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "ideas",
    description = "Brainstorm boards and a pairwise wiki-survey that feed decisions")))]
struct IdeasTag;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<IdeasTag as utoipa::OpenApi>::openapi())
        .routes(routes!(create_board, list_boards))
        .routes(routes!(get_board, edit_board))
        .routes(routes!(create_idea, list_ideas))
        .routes(routes!(clusters))
        .routes(routes!(pair))
        .routes(routes!(compare))
        .routes(routes!(ranking))
        .routes(routes!(promote))
        .routes(routes!(get_idea, edit_idea))
        .routes(routes!(merge))
        .routes(routes!(endorse, unendorse))
        .routes(routes!(react, unreact))
        .routes(routes!(dots))
}

fn board_id(text: &str) -> Result<BoardId, Problem> {
    text.parse().map_err(|_| Problem::not_found("board"))
}

fn idea_id(text: &str) -> Result<IdeaId, Problem> {
    text.parse().map_err(|_| Problem::not_found("idea"))
}

/// Open a board in a group (who may take part): a question, optionally a wiki-survey,
/// anonymous ideas, listed readers, dots per person.
#[utoipa::path(post, path = "/api/v1/groups/{group}/idea-boards", tag = "ideas",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    request_body = NewBoard, responses((status = 201, body = Board)))]
async fn create_board(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<NewBoard>,
) -> Result<(StatusCode, Json<Board>), Problem> {
    let board = service::create_board(&app.kernel, &actor, &group, input).await?;
    Ok((StatusCode::CREATED, Json(board)))
}

/// A group's boards that the caller sees, newest first.
#[utoipa::path(get, path = "/api/v1/groups/{group}/idea-boards", tag = "ideas",
    params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = BoardList)))]
async fn list_boards(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
) -> Result<Json<BoardList>, Problem> {
    Ok(Json(
        service::list_boards(&app.kernel, actor.as_ref(), &group).await?,
    ))
}

/// A board, with its promotions and their polls' outcomes.
#[utoipa::path(get, path = "/api/v1/idea-boards/{id}", tag = "ideas",
    params(("id" = String, Path)), responses((status = 200, body = Board)))]
async fn get_board(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Board>, Problem> {
    Ok(Json(
        service::get_board(&app.kernel, actor.as_ref(), board_id(&id)?).await?,
    ))
}

/// Change a board (its creator, or who moderates the tool): question, details, open or
/// closed for new ideas, dots.
#[utoipa::path(patch, path = "/api/v1/idea-boards/{id}", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = BoardEdit, responses((status = 200, body = Board)))]
async fn edit_board(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<BoardEdit>,
) -> Result<Json<Board>, Problem> {
    Ok(Json(
        service::edit_board(&app.kernel, &actor, board_id(&id)?, input).await?,
    ))
}

/// Add an idea to a board open for them (it enters the wiki-survey at once).
#[utoipa::path(post, path = "/api/v1/idea-boards/{id}/ideas", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = NewIdea, responses((status = 201, body = Idea)))]
async fn create_idea(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<NewIdea>,
) -> Result<(StatusCode, Json<Idea>), Problem> {
    let idea = service::create_idea(&app.kernel, &actor, board_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, Json(idea)))
}

/// A board's ideas, newest first (or by endorsements or dots), by tag.
#[utoipa::path(get, path = "/api/v1/idea-boards/{id}/ideas", tag = "ideas",
    params(("id" = String, Path), IdeaFilter), responses((status = 200, body = IdeaList)))]
async fn list_ideas(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
    Query(filter): Query<IdeaFilter>,
) -> Result<Json<IdeaList>, Problem> {
    Ok(Json(
        service::list_ideas(&app.kernel, actor.as_ref(), board_id(&id)?, &filter).await?,
    ))
}

/// A board's ideas clustered by tag, the biggest cluster first; untagged ideas last.
#[utoipa::path(get, path = "/api/v1/idea-boards/{id}/clusters", tag = "ideas",
    params(("id" = String, Path)), responses((status = 200, body = Clusters)))]
async fn clusters(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Clusters>, Problem> {
    Ok(Json(
        service::clusters(&app.kernel, actor.as_ref(), board_id(&id)?).await?,
    ))
}

/// "Which is better?": the next pair for the caller, chosen where the order is least
/// certain and among the ideas seen least, with the token that answers it once.
#[utoipa::path(get, path = "/api/v1/idea-boards/{id}/pair", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Pair)))]
async fn pair(
    State(app): State<AppState>,
    Extension(surveys): Extension<Arc<Surveys>>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<Pair>, Problem> {
    Ok(Json(
        service::pair(&app.kernel, &surveys, &actor, board_id(&id)?).await?,
    ))
}

/// Answer a pair: `left`, `right`, or `none` ("I can't decide", kept but not counted in the
/// ranking). A token answers once, by the person it was given to.
#[utoipa::path(post, path = "/api/v1/idea-boards/{id}/comparisons", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = NewComparison, responses((status = 201, body = Answer)))]
async fn compare(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<NewComparison>,
) -> Result<(StatusCode, Json<Answer>), Problem> {
    let answer = service::compare(&app.kernel, &actor, board_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// The wiki-survey's ranking: each idea's chance (0–100) of beating another idea, from a
/// Bradley–Terry fit of every answer, with its 95% band.
#[utoipa::path(get, path = "/api/v1/idea-boards/{id}/ranking", tag = "ideas",
    params(("id" = String, Path)), responses((status = 200, body = Ranking)))]
async fn ranking(
    State(app): State<AppState>,
    Extension(surveys): Extension<Arc<Surveys>>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Ranking>, Problem> {
    let ranking = service::ranking(&app.kernel, &surveys, actor.as_ref(), board_id(&id)?).await?;
    Ok(Json(Ranking::clone(&ranking)))
}

/// Put one idea to a proposal, or several (or the `top` N) to a choice or ranked poll, in
/// the decision tool (the board's creator, or who moderates the tool).
#[utoipa::path(post, path = "/api/v1/idea-boards/{id}/promote", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = Promote, responses((status = 201, body = Promotion)))]
async fn promote(
    State(app): State<AppState>,
    Extension(surveys): Extension<Arc<Surveys>>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<Promote>,
) -> Result<(StatusCode, Json<Promotion>), Problem> {
    let promotion = service::promote(&app.kernel, &surveys, &actor, board_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, Json(promotion)))
}

/// An idea.
#[utoipa::path(get, path = "/api/v1/ideas/{id}", tag = "ideas",
    params(("id" = String, Path)), responses((status = 200, body = Idea)))]
async fn get_idea(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Idea>, Problem> {
    Ok(Json(
        service::get_idea(&app.kernel, actor.as_ref(), idea_id(&id)?).await?,
    ))
}

/// Change an idea (its author, or who runs the board).
#[utoipa::path(patch, path = "/api/v1/ideas/{id}", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = IdeaEdit, responses((status = 200, body = Idea)))]
async fn edit_idea(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<IdeaEdit>,
) -> Result<Json<Idea>, Problem> {
    Ok(Json(
        service::edit_idea(&app.kernel, &actor, idea_id(&id)?, input).await?,
    ))
}

/// Merge a duplicate into another idea of the board (who runs the board): endorsements,
/// reactions, dots, comments and answers follow the survivor, which is answered.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/merge", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = Merge, responses((status = 200, body = Idea)))]
async fn merge(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<Merge>,
) -> Result<Json<Idea>, Problem> {
    Ok(Json(
        service::merge(&app.kernel, &actor, idea_id(&id)?, input.into).await?,
    ))
}

/// Endorse an idea (once per person).
#[utoipa::path(put, path = "/api/v1/ideas/{id}/endorsement", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Idea)))]
async fn endorse(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<Idea>, Problem> {
    Ok(Json(
        service::endorse(&app.kernel, &actor, idea_id(&id)?, true).await?,
    ))
}

/// Take one's endorsement back.
#[utoipa::path(delete, path = "/api/v1/ideas/{id}/endorsement", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Idea)))]
async fn unendorse(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<Idea>, Problem> {
    Ok(Json(
        service::endorse(&app.kernel, &actor, idea_id(&id)?, false).await?,
    ))
}

/// React to an idea with an emoji.
#[utoipa::path(put, path = "/api/v1/ideas/{id}/reactions/{emoji}", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path), ("emoji" = String, Path)),
    responses((status = 200, body = Idea)))]
async fn react(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((id, emoji)): Path<(String, String)>,
) -> Result<Json<Idea>, Problem> {
    Ok(Json(
        service::react(&app.kernel, &actor, idea_id(&id)?, &emoji, true).await?,
    ))
}

/// Take a reaction back.
#[utoipa::path(delete, path = "/api/v1/ideas/{id}/reactions/{emoji}", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path), ("emoji" = String, Path)),
    responses((status = 200, body = Idea)))]
async fn unreact(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((id, emoji)): Path<(String, String)>,
) -> Result<Json<Idea>, Problem> {
    Ok(Json(
        service::react(&app.kernel, &actor, idea_id(&id)?, &emoji, false).await?,
    ))
}

/// Place dots on an idea (replacing one's dots there), within the board's dots per person.
#[utoipa::path(put, path = "/api/v1/ideas/{id}/dots", tag = "ideas",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = Dots, responses((status = 200, body = Idea)))]
async fn dots(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<Dots>,
) -> Result<Json<Idea>, Problem> {
    Ok(Json(
        service::set_dots(&app.kernel, &actor, idea_id(&id)?, input.dots).await?,
    ))
}
