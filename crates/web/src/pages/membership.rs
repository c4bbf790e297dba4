//! Belonging, in the browser: starting a group, joining or asking to join, leaving, inviting
//! (a shareable link, a person by handle, or an address by mail), answering an invitation
//! from its link, and deciding requests to join.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use kernel::Error;
use kernel::groups::{
    self, Invitation, InvitationInput, JoinInput, JoinPolicy, JoinRequest, Joined, NewGroup,
    Visibility,
};
use kernel::id::{InvitationId, JoinRequestId};
use kernel::page::PageRequest;
use kernel::policy::Action;
use serde::Deserialize;

use super::groups::enter_group;
use super::{
    CsrfForm, EmptyForm, Field, Flash, Shell, day, field_errors, redirect, render, render_with,
    set_errors,
};
use crate::{AppState, Problem};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups/new", get(new_group_page).post(create_group))
        .route("/groups/{group}/join", post(join))
        .route("/groups/{group}/leave", post(leave))
        .route("/groups/{group}/invite", get(invite_page).post(invite))
        .route("/groups/{group}/requests", get(requests_page))
        .route("/join-requests/{id}/{decision}", post(decide))
        .route("/invitations/{id}", get(invitation_page))
        .route("/invitations/{id}/{answer}", post(answer_invitation))
        .route("/join/{token}", get(link_page))
        .route("/join/{token}/{answer}", post(answer_link))
}

// ----- A new group -----

#[derive(Template)]
#[template(path = "group_new.html")]
struct NewGroupPage {
    shell: Shell,
    handle: Field,
    group_name: Field,
    description: Field,
    visibility: String,
    join_policy: String,
    parent: String,
    alerts: Vec<String>,
}

#[derive(Deserialize)]
struct NewGroupForm {
    #[serde(default)]
    handle: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    visibility: Option<Visibility>,
    join_policy: Option<JoinPolicy>,
    #[serde(default)]
    parent: String,
}

#[derive(Deserialize)]
struct ParentQuery {
    parent: Option<String>,
}

async fn new_group_page(
    shell: Shell,
    axum::extract::Query(q): axum::extract::Query<ParentQuery>,
) -> Result<Response, Problem> {
    shell.require_actor()?;
    Ok(render(&NewGroupPage {
        shell,
        handle: Field::default(),
        group_name: Field::default(),
        description: Field::default(),
        visibility: "public".into(),
        join_policy: "request".into(),
        parent: q.parent.unwrap_or_default(),
        alerts: Vec::new(),
    }))
}

async fn create_group(
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(form): CsrfForm<NewGroupForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let visibility = form.visibility.unwrap_or(Visibility::Public);
    let join_policy = form.join_policy.unwrap_or(JoinPolicy::Request);
    let input = NewGroup {
        handle: form.handle.trim().to_lowercase(),
        name: form.name.trim().to_string(),
        description: Some(form.description.trim().to_string()).filter(|d| !d.is_empty()),
        visibility,
        join_policy,
        parent: Some(form.parent.trim().to_string()).filter(|p| !p.is_empty()),
        parent_admins_manage: true,
    };
    match groups::create_group(&app.kernel, &actor, input).await {
        Ok(group) => Ok(redirect(
            &format!("/groups/{}", group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            let mut page = NewGroupPage {
                shell,
                handle: Field::new(form.handle),
                group_name: Field::new(form.name),
                description: Field::new(form.description),
                visibility: visibility.as_str().into(),
                join_policy: join_policy.as_str().into(),
                parent: form.parent,
                alerts: Vec::new(),
            };
            page.alerts = set_errors(
                &errors,
                &mut [
                    ("handle", &mut page.handle),
                    ("name", &mut page.group_name),
                    ("description", &mut page.description),
                ],
            );
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

// ----- Joining and leaving -----

#[derive(Deserialize)]
struct JoinForm {
    #[serde(default)]
    message: String,
}

async fn join(
    State(app): State<AppState>,
    shell: Shell,
    Path(group): Path<String>,
    CsrfForm(form): CsrfForm<JoinForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    let input = JoinInput {
        message: Some(form.message.trim().to_string()).filter(|m| !m.is_empty()),
    };
    let flash = match groups::join(&app.kernel, actor, &group, input).await? {
        Joined::Member(_) => Flash::Joined,
        Joined::Requested(_) => Flash::Asked,
    };
    Ok(redirect(&format!("/groups/{group}"), Some(flash)))
}

async fn leave(
    State(app): State<AppState>,
    shell: Shell,
    Path(group): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    groups::remove_member(&app.kernel, actor, &group, &actor.account.to_string()).await?;
    Ok(redirect(&format!("/groups/{group}"), Some(Flash::Left)))
}

// ----- Inviting -----

#[derive(Template)]
#[template(path = "group_invite.html")]
struct InvitePage {
    shell: Shell,
    group: String,
    invitations: Vec<InvitationLine>,
    who: Field,
    alerts: Vec<String>,
    /// A shareable link just made: its secret is shown this once.
    new_link: Option<String>,
}

struct InvitationLine {
    invitation: Invitation,
    to: String,
    until: String,
}

async fn invitation_lines(
    app: &AppState,
    shell: &Shell,
    group: &str,
) -> Result<Vec<InvitationLine>, Problem> {
    let actor = shell.require_actor()?;
    let page = PageRequest {
        limit: Some(100),
        cursor: None,
    };
    let found = groups::invitations(&app.kernel, actor, group, &page).await?;
    let ids: Vec<_> = found.items.iter().filter_map(|i| i.account).collect();
    let handles = kernel::people::handles(&app.kernel, &ids).await?;
    Ok(found
        .items
        .into_iter()
        .filter(|i| i.status == "open")
        .map(|i| InvitationLine {
            to: match (&i.account, &i.email) {
                (Some(id), _) => handles
                    .get(id)
                    .map_or_else(|| "a member".into(), |h| format!("@{h}")),
                (None, Some(email)) => email.clone(),
                (None, None) => match i.max_uses {
                    Some(n) => format!("anyone with the link ({} of {n} used)", i.uses),
                    None => format!("anyone with the link ({} used)", i.uses),
                },
            },
            until: i.expires_at.map(day).unwrap_or_else(|| "—".into()),
            invitation: i,
        })
        .collect())
}

async fn invite_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(group): Path<String>,
) -> Result<Response, Problem> {
    shell.require_actor()?;
    let context = enter_group(&app, &mut shell, &group, "").await?;
    context.require(Action::Invite)?;
    let invitations = invitation_lines(&app, &shell, &group).await?;
    Ok(render(&InvitePage {
        shell,
        group: context.group.handle,
        invitations,
        who: Field::default(),
        alerts: Vec::new(),
        new_link: None,
    }))
}

#[derive(Deserialize)]
struct InviteForm {
    /// `link`, or `person` (a handle or an address in `who`).
    #[serde(default)]
    kind: String,
    #[serde(default)]
    who: String,
}

async fn invite(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(group): Path<String>,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let who = form.who.trim().trim_start_matches('@').to_string();
    let mut input = InvitationInput {
        account: None,
        email: None,
        role: None,
        expires_in: None,
        max_uses: None,
    };
    let mut who_field = Field::new(form.who.clone());
    if form.kind == "link" {
        input.max_uses = Some(50);
    } else if who.is_empty() {
        who_field.error = Some("Enter a handle or an email address.".into());
    } else if who.contains('@') {
        input.email = Some(who);
    } else {
        input.account = Some(who.to_lowercase());
    }
    if who_field.error.is_none() {
        match groups::invite(&app.kernel, &actor, &group, input).await {
            // A shareable link carries its secret: shown here, once, never again.
            Ok(made) if form.kind == "link" => {
                let context = enter_group(&app, &mut shell, &group, "").await?;
                let invitations = invitation_lines(&app, &shell, &group).await?;
                return Ok(render_with(
                    StatusCode::CREATED,
                    &InvitePage {
                        shell,
                        group: context.group.handle,
                        invitations,
                        who: Field::default(),
                        alerts: Vec::new(),
                        new_link: made.url,
                    },
                ));
            }
            Ok(_) => {
                return Ok(redirect(
                    &format!("/groups/{group}/invite"),
                    Some(Flash::Invited),
                ));
            }
            Err(e) => {
                let detail = match e {
                    Error::NotFound(what) => format!("No {what} matches that."),
                    other => field_errors(other)?
                        .into_iter()
                        .map(|(_, d)| d)
                        .collect::<Vec<_>>()
                        .join("; "),
                };
                who_field.error = Some(detail);
            }
        }
    }
    let context = enter_group(&app, &mut shell, &group, "").await?;
    let invitations = invitation_lines(&app, &shell, &group).await?;
    Ok(render_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &InvitePage {
            shell,
            group: context.group.handle,
            invitations,
            who: who_field,
            alerts: Vec::new(),
            new_link: None,
        },
    ))
}

// ----- Answering an invitation -----

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    shell: Shell,
    invitation: Invitation,
    /// Where this page's answers go (`…/accept`, `…/decline`): the invitation's own page, or
    /// its link's.
    action: String,
    next: String,
}

/// An invitation to the viewer's account (only they and who may invite see it).
async fn invitation_page(
    State(app): State<AppState>,
    shell: Shell,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id: InvitationId = id.parse().map_err(|_| Problem::not_found("invitation"))?;
    let path = format!("/invitations/{id}");
    if shell.actor.is_none() {
        return Ok(redirect(&format!("/login?next={path}"), None));
    }
    let invitation = groups::invitation(&app.kernel, shell.actor.as_ref(), id).await?;
    Ok(render(&InvitationPage {
        action: path.clone(),
        next: path,
        shell,
        invitation,
    }))
}

async fn answer_invitation(
    State(app): State<AppState>,
    shell: Shell,
    Path((id, answer)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    let id: InvitationId = id.parse().map_err(|_| Problem::not_found("invitation"))?;
    let invitation = groups::invitation(&app.kernel, Some(actor), id).await?;
    match answer.as_str() {
        "accept" => {
            groups::accept_invitation(&app.kernel, actor, id).await?;
            Ok(redirect(
                &format!("/groups/{}", invitation.group.handle),
                Some(Flash::Joined),
            ))
        }
        "decline" => {
            groups::decline_invitation(&app.kernel, actor, id).await?;
            Ok(redirect("/", Some(Flash::Declined)))
        }
        _ => Err(Problem::not_found("answer")),
    }
}

/// The page of a mailed or shareable link: whoever holds the link sees the invitation and,
/// logged in, answers it (the link's secret is the way in).
async fn link_page(
    State(app): State<AppState>,
    shell: Shell,
    Path(token): Path<String>,
) -> Result<Response, Problem> {
    let invitation = groups::invitation_by_token(&app.kernel, &token).await?;
    let path = format!("/join/{token}");
    Ok(render(&InvitationPage {
        action: path.clone(),
        next: path,
        shell,
        invitation,
    }))
}

async fn answer_link(
    State(app): State<AppState>,
    shell: Shell,
    Path((token, answer)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    match answer.as_str() {
        "accept" => {
            let invitation = groups::invitation_by_token(&app.kernel, &token).await?;
            groups::accept_invitation_by_token(&app.kernel, actor, &token).await?;
            Ok(redirect(
                &format!("/groups/{}", invitation.group.handle),
                Some(Flash::Joined),
            ))
        }
        "decline" => {
            groups::decline_invitation_by_token(&app.kernel, actor, &token).await?;
            Ok(redirect("/", Some(Flash::Declined)))
        }
        _ => Err(Problem::not_found("answer")),
    }
}

// ----- Requests to join -----

#[derive(Template)]
#[template(path = "group_requests.html")]
struct RequestsPage {
    shell: Shell,
    group: String,
    requests: Vec<(JoinRequest, String)>,
}

async fn requests_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(group): Path<String>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let context = enter_group(&app, &mut shell, &group, "").await?;
    let page = PageRequest {
        limit: Some(100),
        cursor: None,
    };
    let found = groups::join_requests(&app.kernel, &actor, &group, &page).await?;
    Ok(render(&RequestsPage {
        shell,
        group: context.group.handle,
        requests: found
            .items
            .into_iter()
            .filter(|r| r.status == "pending")
            .map(|r| {
                let when = day(r.created_at);
                (r, when)
            })
            .collect(),
    }))
}

async fn decide(
    State(app): State<AppState>,
    shell: Shell,
    Path((id, decision)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    let id: JoinRequestId = id.parse().map_err(|_| Problem::not_found("join request"))?;
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(Problem::not_found("decision")),
    };
    let request = groups::decide_join_request(&app.kernel, actor, id, approve).await?;
    let group = groups::get_group(&app.kernel, Some(actor), &request.group.to_string()).await?;
    Ok(redirect(
        &format!("/groups/{}/requests", group.handle),
        Some(if approve {
            Flash::Approved
        } else {
            Flash::Saved
        }),
    ))
}
