//! Running a group in the browser: editing it and turning its tools on and off
//! (`/groups/{group}/settings`), and its members — roles changed, members removed, ownership
//! handed over, custom roles made and deleted (`/groups/{group}/members`). Every button asks
//! the same kernel service as the API, so the policy decides here too.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use kernel::Error;
use kernel::groups::{
    self, CustomRole, Group, GroupChanges, JoinPolicy, Member, OwnerChange, RoleChange, RoleInput,
    RoleUpdate, Visibility,
};
use kernel::page::PageRequest;
use kernel::policy::Action;
use kernel::tool::{self, ToolManifest};
use serde::Deserialize;

use super::groups::enter_group;
use super::shell::{hue, initials};
use super::{
    CsrfForm, EmptyForm, Field, Flash, Shell, day, redirect, render, render_with, values_of,
};
use crate::{AppState, Problem};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/groups/{group}/settings",
            get(settings_page).post(save_settings),
        )
        .route("/groups/{group}/tools/{tool}/{switch}", post(switch_tool))
        .route("/groups/{group}/members", get(members_page))
        .route("/groups/{group}/members/{who}/role", post(change_role))
        .route("/groups/{group}/members/{who}/remove", post(remove))
        .route("/groups/{group}/owner", post(hand_over))
        .route("/groups/{group}/roles", post(create_role))
        .route("/groups/{group}/roles/{name}", post(update_role))
        .route("/groups/{group}/roles/{name}/delete", post(delete_role))
}

/// The permissions a custom role may hold, with what each allows.
const PERMISSIONS: [(&str, &str); 7] = [
    ("invite", "Invite people"),
    (
        "manage_members",
        "Decide requests, change roles, remove members",
    ),
    ("manage_roles", "Make and change custom roles"),
    ("manage_tools", "Turn tools and webhooks on and off"),
    ("post", "Post in the group's tools"),
    ("moderate", "Hide and remove what others post"),
    ("manage_money", "Manage the group's currencies and funds"),
];

// ----- The group's own settings and tools -----

#[derive(Template)]
#[template(path = "group_settings.html")]
struct SettingsPage {
    shell: Shell,
    group: Group,
    group_name: Field,
    description: Field,
    alerts: Vec<String>,
    /// Every tool, and whether the group uses it.
    tools: Vec<(ToolManifest, bool)>,
    may_edit: bool,
    may_manage_tools: bool,
}

async fn settings_view(
    app: &AppState,
    shell: &mut Shell,
    key: &str,
) -> Result<(Group, Vec<(ToolManifest, bool)>, bool, bool), Problem> {
    shell.require_actor()?;
    let context = enter_group(app, shell, key, "").await?;
    let (may_edit, may_manage_tools) =
        (context.may(Action::Edit), context.may(Action::ManageTools));
    if !may_manage_tools {
        // Settings are for who edits the group or manages its tools: refused as editing is.
        context.require(Action::Edit)?;
    }
    let all = tool::all(&app.kernel).await?;
    let tools = all
        .into_iter()
        .map(|t| {
            let on = context.uses(&t.name);
            (t, on)
        })
        .collect();
    Ok((context.group, tools, may_edit, may_manage_tools))
}

async fn settings_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(key): Path<String>,
) -> Result<Response, Problem> {
    let (group, tools, may_edit, may_manage_tools) = settings_view(&app, &mut shell, &key).await?;
    Ok(render(&SettingsPage {
        group_name: Field::new(group.name.clone()),
        description: Field::new(group.description.clone()),
        shell,
        group,
        alerts: Vec::new(),
        tools,
        may_edit,
        may_manage_tools,
    }))
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    visibility: Option<Visibility>,
    join_policy: Option<JoinPolicy>,
}

async fn save_settings(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let changes = GroupChanges {
        handle: None,
        name: Some(form.name.trim().to_string()),
        description: Some(form.description.trim().to_string()),
        visibility: form.visibility,
        join_policy: form.join_policy,
        parent_admins_manage: None,
    };
    match groups::update_group(&app.kernel, &actor, &key, changes).await {
        Ok(group) => Ok(redirect(
            &format!("/groups/{}/settings", group.handle),
            Some(Flash::Saved),
        )),
        Err(Error::Invalid(errors)) => {
            let (group, tools, may_edit, may_manage_tools) =
                settings_view(&app, &mut shell, &key).await?;
            let mut page = SettingsPage {
                group_name: Field::new(form.name),
                description: Field::new(form.description),
                shell,
                group,
                alerts: Vec::new(),
                tools,
                may_edit,
                may_manage_tools,
            };
            for e in errors {
                match e.field.as_str() {
                    "name" => page.group_name.error = Some(e.detail),
                    "description" => page.description.error = Some(e.detail),
                    _ => page.alerts.push(format!("{}: {}", e.field, e.detail)),
                }
            }
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

async fn switch_tool(
    State(app): State<AppState>,
    shell: Shell,
    Path((key, tool, switch)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    let on = match switch.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(Problem::not_found("switch")),
    };
    let asked = groups::set_tool(&app.kernel, actor, &key, &tool, on).await?;
    Ok(redirect(
        &format!("/groups/{key}/settings"),
        Some(if asked.is_some() {
            Flash::ToolAsked
        } else {
            Flash::Saved
        }),
    ))
}

// ----- Members and roles -----

#[derive(Template)]
#[template(path = "group_members.html")]
struct MembersPage {
    shell: Shell,
    group: String,
    members: Vec<MemberRow>,
    /// Each role, with every permission a custom role may hold and whether it holds it.
    roles: Vec<(CustomRole, Held)>,
    /// Every permission a custom role may hold, with what it allows.
    permissions: Vec<(String, String)>,
    role_name: Field,
    may_manage_members: bool,
    may_manage_roles: bool,
    may_hand_over: bool,
}

/// (permission, what it allows, whether the role holds it), for each permission.
type Held = Vec<(String, String, bool)>;

/// Every permission a custom role may hold: the kernel's, then those of each tool the group
/// has turned on, labelled by the tool's manifest.
fn permission_choices(app: &AppState, tools_on: &[ToolManifest]) -> Vec<(String, String)> {
    let kernel = PERMISSIONS
        .iter()
        .map(|(p, meaning)| (p.to_string(), meaning.to_string()));
    let tools = tools_on.iter().flat_map(|tool| {
        tool.permissions.iter().filter_map(|p| {
            let (manifest, label) = app.kernel.tools.permission(p)?;
            Some((p.clone(), format!("{}: {label}", manifest.display_name)))
        })
    });
    kernel.chain(tools).collect()
}

struct MemberRow {
    member: Member,
    initials: String,
    hue: u8,
    since: String,
}

async fn members_view(
    app: &AppState,
    mut shell: Shell,
    key: &str,
    role_name: Field,
) -> Result<MembersPage, Problem> {
    let context = enter_group(app, &mut shell, key, "").await?;
    let actor = context.actor.clone();
    let page = PageRequest {
        limit: Some(200),
        cursor: None,
    };
    let found = groups::members(&app.kernel, actor.as_ref(), key, &page).await?;
    let roles = groups::roles(&app.kernel, actor.as_ref(), key).await?;
    let tools_on = groups::group_tools(&app.kernel, actor.as_ref(), key).await?;
    let permissions = permission_choices(app, &tools_on);
    Ok(MembersPage {
        shell,
        group: context.group.handle.clone(),
        members: found
            .items
            .into_iter()
            .map(|m| MemberRow {
                initials: initials(&m.account.display_name),
                hue: hue(&m.account.handle),
                since: day(m.joined_at),
                member: m,
            })
            .collect(),
        roles: roles
            .into_iter()
            .map(|r| {
                let held = permissions
                    .iter()
                    .map(|(p, meaning)| {
                        (
                            p.clone(),
                            meaning.clone(),
                            r.permissions.iter().any(|h| h == p),
                        )
                    })
                    .collect();
                (r, held)
            })
            .collect(),
        permissions,
        role_name,
        may_manage_members: context.may(Action::ManageMembers),
        may_manage_roles: context.may(Action::ManageRoles),
        may_hand_over: context.may(Action::HandOver),
    })
}

async fn members_page(
    State(app): State<AppState>,
    shell: Shell,
    Path(key): Path<String>,
) -> Result<Response, Problem> {
    let page = members_view(&app, shell, &key, Field::default()).await?;
    Ok(render(&page))
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_role(
    State(app): State<AppState>,
    shell: Shell,
    Path((key, who)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    groups::change_role(
        &app.kernel,
        actor,
        &key,
        &who,
        RoleChange { role: form.role },
    )
    .await?;
    Ok(redirect(
        &format!("/groups/{key}/members"),
        Some(Flash::Saved),
    ))
}

async fn remove(
    State(app): State<AppState>,
    shell: Shell,
    Path((key, who)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    groups::remove_member(&app.kernel, actor, &key, &who).await?;
    Ok(redirect(
        &format!("/groups/{key}/members"),
        Some(Flash::Saved),
    ))
}

#[derive(Deserialize)]
struct OwnerForm {
    #[serde(default)]
    account: String,
}

async fn hand_over(
    State(app): State<AppState>,
    shell: Shell,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<OwnerForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    groups::hand_over(
        &app.kernel,
        actor,
        &key,
        OwnerChange {
            account: form.account,
        },
    )
    .await?;
    Ok(redirect(
        &format!("/groups/{key}/members"),
        Some(Flash::Saved),
    ))
}

async fn create_role(
    State(app): State<AppState>,
    shell: Shell,
    Path(key): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let name = fields
        .iter()
        .find(|(n, _)| n == "name")
        .map(|(_, v)| v.trim().to_lowercase())
        .unwrap_or_default();
    let permissions = values_of(&fields, "permissions");
    let input = RoleInput {
        name: name.clone(),
        permissions,
    };
    match groups::create_role(&app.kernel, &actor, &key, input).await {
        Ok(_) => Ok(redirect(
            &format!("/groups/{key}/members"),
            Some(Flash::Saved),
        )),
        Err(Error::Invalid(errors)) => {
            let mut field = Field::new(name);
            field.error = Some(
                errors
                    .into_iter()
                    .map(|e| format!("{}: {}", e.field, e.detail))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            let page = members_view(&app, shell, &key, field).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(Error::Conflict { detail, .. }) => {
            let mut field = Field::new(name);
            field.error = Some(detail);
            let page = members_view(&app, shell, &key, field).await?;
            Ok(render_with(StatusCode::CONFLICT, &page))
        }
        Err(other) => Err(other.into()),
    }
}

async fn update_role(
    State(app): State<AppState>,
    shell: Shell,
    Path((key, name)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    let permissions = values_of(&fields, "permissions");
    let input = RoleUpdate {
        name: None,
        permissions: Some(permissions),
    };
    groups::update_role(&app.kernel, actor, &key, &name, input).await?;
    Ok(redirect(
        &format!("/groups/{key}/members"),
        Some(Flash::Saved),
    ))
}

async fn delete_role(
    State(app): State<AppState>,
    shell: Shell,
    Path((key, name)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    groups::delete_role(&app.kernel, actor, &key, &name).await?;
    Ok(redirect(
        &format!("/groups/{key}/members"),
        Some(Flash::Saved),
    ))
}
