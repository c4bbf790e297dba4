//! Groups in the browser: the directory (`/groups`, searchable) and a group's page, whose bar
//! carries a tab for each tool that offers one. Tools' own pages enter their group here too.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use kernel::groups::{self, Group, Loaded, Member};
use kernel::page::PageRequest;
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::tool::ToolManifest;
use serde::Deserialize;

use super::render;
use super::shell::{NavLink, Shell, hue, initials};
use crate::{AppState, Problem};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", get(directory))
        .route("/groups/{group}", get(group_page))
}

/// A group as one of its pages sees it: who is looking, what they may do, which tools it uses.
pub struct GroupContext {
    pub group: Group,
    pub loaded: Loaded,
    pub actor: Option<Actor>,
    /// The names of the tools the group has turned on.
    pub tools: Vec<ToolManifest>,
}

impl GroupContext {
    pub fn may(&self, action: Action) -> bool {
        self.loaded.authorize(self.actor.as_ref(), action).is_ok()
    }

    /// Refuses the page as the policy refuses the action (its own words and status): a page
    /// writes no access rule or refusal of its own.
    pub fn require(&self, action: Action) -> Result<(), crate::Problem> {
        Ok(self.loaded.authorize(self.actor.as_ref(), action)?)
    }

    pub fn uses(&self, tool: &str) -> bool {
        self.tools.iter().any(|t| t.name == tool)
    }
}

/// Loads the group `key` for a page (404 for whoever may not see it), and puts its bar in the
/// shell with the tab `current` (`""` for the group's own page) marked.
pub async fn enter_group(
    app: &AppState,
    shell: &mut Shell,
    key: &str,
    current: &str,
) -> Result<GroupContext, Problem> {
    let k = &app.kernel;
    let actor = shell.actor.clone();
    let (group, loaded) = groups::get_group_loaded(k, actor.as_ref(), key).await?;
    let tools = if loaded.authorize(actor.as_ref(), Action::Read).is_ok() {
        groups::tools_of(k, actor.as_ref(), &loaded).await?
    } else {
        Vec::new()
    };
    let context = GroupContext {
        group,
        loaded,
        actor,
        tools,
    };
    let base = format!("/groups/{}", context.group.handle);
    let mut nav = vec![NavLink {
        href: base.clone(),
        label: "Overview".into(),
        icon: "home".into(),
        current: current.is_empty(),
    }];
    for tool in app.tools.iter() {
        if let Some(mut link) = tool.nav(&context) {
            link.current = tool.name() == current;
            nav.push(link);
        }
    }
    shell.in_group(&context.group.handle, &context.group.name, nav);
    Ok(context)
}

/// A tool's page in the group `key`: the group entered with the tool's tab marked, and a 404
/// where the group has the tool off or the viewer may not read the tool's things.
pub async fn enter_tool(
    app: &AppState,
    shell: &mut Shell,
    key: &str,
    tool: &'static str,
) -> Result<GroupContext, Problem> {
    let context = enter_group(app, shell, key, tool).await?;
    if !context.uses(tool) {
        return Err(Problem::not_found("page"));
    }
    context.require(Action::ToolRead(tool))?;
    Ok(context)
}

#[derive(Deserialize)]
struct Search {
    q: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "groups.html")]
struct Directory {
    shell: Shell,
    q: String,
    groups: Vec<GroupCard>,
    next: Option<String>,
}

struct GroupCard {
    group: Group,
    initials: String,
    hue: u8,
}

fn card(group: Group) -> GroupCard {
    GroupCard {
        initials: initials(&group.name),
        hue: hue(&group.handle),
        group,
    }
}

async fn directory(
    State(app): State<AppState>,
    shell: Shell,
    Query(search): Query<Search>,
) -> Result<Response, Problem> {
    let q = search.q.unwrap_or_default().trim().to_string();
    let page = PageRequest {
        limit: Some(48),
        cursor: search.cursor,
    };
    let found = groups::list_groups(
        &app.kernel,
        shell.actor.as_ref(),
        Some(q.as_str()).filter(|q| !q.is_empty()),
        &page,
    )
    .await?;
    let next = found
        .next_cursor
        .map(|c| format!("/groups?q={}&cursor={}", urlencode(&q), urlencode(&c)));
    Ok(render(&Directory {
        shell,
        q,
        groups: found.items.into_iter().map(card).collect(),
        next,
    }))
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    shell: Shell,
    card: GroupCard,
    parent: Option<Group>,
    subgroups: Vec<GroupCard>,
    /// What happened lately, for those who may read the group.
    recent: Vec<super::home::Item>,
    members: Option<Vec<MemberLine>>,
    tools: Vec<ToolManifest>,
    /// What the viewer may do here, for the buttons.
    signed_in: bool,
    may_invite: bool,
    may_decide: bool,
    may_edit: bool,
    may_manage_tools: bool,
    /// The viewer's own open invitation to this group.
    invited: Option<String>,
}

struct MemberLine {
    member: Member,
    initials: String,
    hue: u8,
}

async fn group_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(key): Path<String>,
) -> Result<Response, Problem> {
    let context = enter_group(&app, &mut shell, &key, "").await?;
    let k = &app.kernel;
    let actor = context.actor.as_ref();
    let members = if context.may(Action::ReadMembers) {
        let page = PageRequest {
            limit: Some(50),
            cursor: None,
        };
        let found = groups::members(k, actor, &key, &page).await?;
        Some(
            found
                .items
                .into_iter()
                .map(|m| MemberLine {
                    initials: initials(&m.account.display_name),
                    hue: hue(&m.account.handle),
                    member: m,
                })
                .collect(),
        )
    } else {
        None
    };
    let subgroups = if context.may(Action::Read) {
        let page = PageRequest {
            limit: Some(50),
            cursor: None,
        };
        groups::subgroups(k, actor, &key, &page)
            .await?
            .items
            .into_iter()
            .map(card)
            .collect()
    } else {
        Vec::new()
    };
    let invited = match (&context.actor, &context.group.your_role) {
        (Some(actor), None) => groups::your_invitation(k, actor, &context.loaded)
            .await?
            .map(|id| id.to_string()),
        _ => None,
    };
    let recent = if context.may(Action::Read) {
        let page = PageRequest {
            limit: Some(10),
            cursor: None,
        };
        kernel::activity::service::group_activities(k, actor, &key, &page)
            .await?
            .items
            .into_iter()
            .map(|a| super::home::Item::of(a, true))
            .collect()
    } else {
        Vec::new()
    };
    let parent = match context.group.parent {
        Some(id) => groups::get_group(k, actor, &id.to_string()).await.ok(),
        None => None,
    };
    let (may_invite, may_decide, may_edit) = (
        context.may(Action::Invite),
        context.may(Action::ManageMembers),
        context.may(Action::Edit),
    );
    Ok(render(&GroupPage {
        signed_in: context.actor.is_some(),
        may_invite,
        may_decide,
        may_edit,
        may_manage_tools: context.may(Action::ManageTools),
        invited,
        tools: context.tools,
        card: card(context.group),
        parent,
        subgroups,
        recent,
        members,
        shell,
    }))
}
