//! Invitations: by handle, by mail, or a shareable link; accepted, declined or revoked.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kernel::groups::{self, Invitation, InvitationInput, InvitationToken, Member};
use kernel::id::InvitationId;
use kernel::page::{Page, PageRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Caller, Json, MaybeCaller, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_invitations, invite))
        .routes(routes!(get_invitation, revoke))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(accept_link))
        .routes(routes!(decline_link))
}

fn invitation_id(id: &str) -> Result<InvitationId, Problem> {
    id.parse().map_err(|_| Problem::not_found("invitation"))
}

/// Invite someone: `{account}` a person, `{email}` an address (a link is mailed), or neither
/// for a shareable link (with `max_uses` and `expires_in`).
#[utoipa::path(post, path = "/api/v1/groups/{group}/invitations", tag = "groups",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    request_body = InvitationInput, responses((status = 201, body = Invitation)))]
async fn invite(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<InvitationInput>,
) -> Result<(StatusCode, Json<Invitation>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(groups::invite(&app.kernel, &actor, &group, input).await?),
    ))
}

/// The group's invitations (for those who may invite).
#[utoipa::path(get, path = "/api/v1/groups/{group}/invitations", tag = "groups",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"), PageRequest),
    responses((status = 200, body = Page<Invitation>)))]
async fn list_invitations(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<Invitation>>, Problem> {
    Ok(Json(
        groups::invitations(&app.kernel, &actor, &group, &page).await?,
    ))
}

/// An invitation: for who may invite in its group, and for the account it invites.
#[utoipa::path(get, path = "/api/v1/invitations/{id}", tag = "groups",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Invitation id")),
    responses((status = 200, body = Invitation)))]
async fn get_invitation(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Invitation>, Problem> {
    Ok(Json(
        groups::invitation(&app.kernel, actor.as_ref(), invitation_id(&id)?).await?,
    ))
}

/// Revoke an invitation; its link stops working at once.
#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "groups",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Invitation id")),
    responses((status = 204, description = "Revoked")))]
async fn revoke(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    groups::revoke_invitation(&app.kernel, &actor, invitation_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accept an invitation to your account and join the group (no body). An invitation by mail
/// or a shareable link is accepted with its token instead.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/accept", tag = "groups",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Invitation id")),
    responses((status = 201, body = Member),
        (status = 410, description = "Used, expired, declined or revoked", body = Problem)))]
async fn accept(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Member>), Problem> {
    let member = groups::accept_invitation(&app.kernel, &actor, invitation_id(&id)?).await?;
    Ok((StatusCode::CREATED, Json(member)))
}

/// Decline an invitation to your account (no body).
#[utoipa::path(post, path = "/api/v1/invitations/{id}/decline", tag = "groups",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Invitation id")),
    responses((status = 204, description = "Declined"),
        (status = 410, description = "No longer open", body = Problem)))]
async fn decline(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    groups::decline_invitation(&app.kernel, &actor, invitation_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accept an invitation by mail or a shareable link, with the token from its link, and join
/// the group.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "groups",
    security(("bearer" = [])), request_body = InvitationToken,
    responses((status = 201, body = Member),
        (status = 404, description = "No invitation has this token", body = Problem),
        (status = 410, description = "Used up, expired, declined or revoked", body = Problem)))]
async fn accept_link(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<InvitationToken>,
) -> Result<(StatusCode, Json<Member>), Problem> {
    let member = groups::accept_invitation_by_token(&app.kernel, &actor, &input.token).await?;
    Ok((StatusCode::CREATED, Json(member)))
}

/// Decline an invitation by mail or link, with the token from its link.
#[utoipa::path(post, path = "/api/v1/invitations/decline", tag = "groups",
    security(("bearer" = [])), request_body = InvitationToken,
    responses((status = 204, description = "Declined"),
        (status = 404, description = "No invitation has this token", body = Problem),
        (status = 410, description = "No longer open", body = Problem)))]
async fn decline_link(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<InvitationToken>,
) -> Result<StatusCode, Problem> {
    groups::decline_invitation_by_token(&app.kernel, &actor, &input.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
