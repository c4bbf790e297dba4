//! `/`: for visitors, what Weft is; for people who are logged in, their dashboard — one inbox
//! of what every tool of every group says to them, filtered by group and by what is unread,
//! marked read, and growing live (the bell's stream carries new items as ready HTML).

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use kernel::activity::Activity;
use kernel::notify::{self, MarkRead, NotificationFilter};
use kernel::page::PageRequest;
use serde::Deserialize;

use super::shell::{Shell, hue, initials};
use super::{CsrfForm, Flash, day, is_local_path, redirect, render};
use crate::{AppState, Problem};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/notifications/read", post(mark_read))
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    shell: Shell,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    shell: Shell,
    items: Vec<Item>,
    /// The filter: a group's handle, a tool, and unread only.
    group: Option<String>,
    tool: Option<String>,
    unread_only: bool,
    /// (handle, name, unread) of each group with something unread; then the totals.
    counts: Vec<(String, String, i64)>,
    total: i64,
    /// Older items.
    next: Option<String>,
    /// The grouped view: a section per group, newest first in each.
    sections: Option<Vec<Section>>,
}

/// A group's part of the grouped view: its newest items and the tools they came from.
struct Section {
    handle: String,
    name: String,
    unread: i64,
    items: Vec<Item>,
    /// (tool, how many of the items shown came from it)
    tools: Vec<(String, usize)>,
}

/// How many items each section of the grouped view shows.
const PER_SECTION: u32 = 5;

/// One line of the inbox.
pub struct Item {
    pub id: String,
    pub summary: String,
    pub actor_initials: String,
    pub actor_hue: u8,
    pub group: Option<(String, String)>,
    pub tool: String,
    pub when: String,
    pub when_iso: String,
    pub unread: bool,
    pub url: Option<String>,
    /// The link leads to an outside tool.
    pub external: bool,
    /// An invitation to answer right here.
    pub invitation: Option<String>,
    /// A payment request (the credit tool's) to pay or decline right here.
    pub payment_request: Option<String>,
    /// An offer or a request (the intents tool's) whose author is asked "still needed?": the
    /// page whose renewal the line's button posts.
    pub still_needed: Option<String>,
}

/// One inbox line alone, as the live stream sends it (with the form token its buttons send).
#[derive(Template)]
#[template(path = "inbox_item.html")]
pub struct InboxItem {
    pub item: Item,
    pub csrf: String,
}

impl Item {
    pub fn of(a: Activity, read: bool) -> Item {
        let who = a.actor.as_ref();
        let invitation = (a.tool == "groups" && !read)
            .then(|| a.extra.get("invitation")?.as_str().map(str::to_string))
            .flatten();
        let payment_request = (a.tool == "credit" && !read)
            .then(|| a.extra.get("payment_request")?.as_str().map(str::to_string))
            .flatten();
        // Only the intents tool names this, and only with a path of its own pages.
        let still_needed = (a.tool == "intents" && !read)
            .then(|| a.extra.get("still_needed")?.as_str().map(str::to_string))
            .flatten()
            .filter(|p| {
                p.starts_with("/groups/")
                    && p.contains("/intents/")
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "/-_".contains(c))
            });
        Item {
            invitation,
            payment_request,
            still_needed,
            id: a.id.to_string(),
            actor_initials: who.map_or("W".into(), |w| initials(&w.name)),
            actor_hue: who.map_or(0, |w| hue(&w.handle)),
            group: a
                .audience
                .and_then(|g| Some((g.handle?, g.name.unwrap_or_default()))),
            when: day(a.published),
            when_iso: a.published.to_rfc3339(),
            unread: !read,
            external: a.url.as_deref().is_some_and(|u| !is_local_path(u)),
            // Links on this site, or an outside tool's link back (http or https only).
            url: a.url.filter(|u| {
                is_local_path(u) || u.starts_with("https://") || u.starts_with("http://")
            }),
            summary: a.summary,
            tool: a.tool,
        }
    }
}

#[derive(Deserialize)]
struct Filter {
    /// `grouped` for a section per group.
    view: Option<String>,
    group: Option<String>,
    tool: Option<String>,
    unread: Option<String>,
    cursor: Option<String>,
}

async fn home(
    State(app): State<AppState>,
    shell: Shell,
    Query(q): Query<Filter>,
) -> Result<Response, Problem> {
    let Some(actor) = shell.actor.clone() else {
        return Ok(render(&Landing { shell }));
    };
    let group = q.group.filter(|g| !g.is_empty());
    let tool = q.tool.filter(|t| !t.is_empty());
    let unread_only = q.unread.is_some_and(|u| u == "true" || u == "on");
    let page = PageRequest {
        limit: Some(30),
        cursor: q.cursor,
    };
    let filter = NotificationFilter {
        group: group.clone(),
        tool: tool.clone(),
        unread: Some(unread_only),
    };
    let (inbox, counts) = tokio::try_join!(
        notify::service::list(&app.kernel, &actor, &filter, &page),
        notify::service::counts(&app.kernel, &actor),
    )?;
    let next = inbox.next_cursor.map(|c| {
        let mut link = format!("/?cursor={c}");
        if let Some(g) = &group {
            link.push_str(&format!("&group={g}"));
        }
        if let Some(t) = &tool {
            link.push_str(&format!("&tool={t}"));
        }
        if unread_only {
            link.push_str("&unread=true");
        }
        link
    });
    let items = inbox
        .items
        .into_iter()
        .map(|n| Item::of(n.activity, n.read))
        .collect();
    let sections = if q.view.as_deref() == Some("grouped") {
        Some(sections(&app, &actor, &shell, &counts, unread_only).await?)
    } else {
        None
    };
    Ok(render(&Home {
        sections,
        shell,
        items,
        group,
        tool,
        unread_only,
        counts: counts
            .groups
            .into_iter()
            .map(|g| (g.group.handle, g.group.name, g.unread))
            .collect(),
        total: counts.total,
        next,
    }))
}

async fn sections(
    app: &AppState,
    actor: &kernel::people::Actor,
    shell: &Shell,
    counts: &notify::UnreadCounts,
    unread_only: bool,
) -> Result<Vec<Section>, Problem> {
    let groups: Vec<(String, String)> = shell
        .viewer
        .as_ref()
        .map(|v| {
            v.groups
                .iter()
                .map(|g| (g.handle.clone(), g.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let page = PageRequest {
        limit: Some(PER_SECTION),
        cursor: None,
    };
    let lists = futures::future::try_join_all(groups.iter().map(|(handle, _)| {
        let filter = NotificationFilter {
            group: Some(handle.clone()),
            tool: None,
            unread: Some(unread_only),
        };
        let page = &page;
        async move { notify::service::list(&app.kernel, actor, &filter, page).await }
    }))
    .await?;
    let mut sections: Vec<Section> = groups
        .into_iter()
        .zip(lists)
        .map(|((handle, name), list)| {
            let items: Vec<Item> = list
                .items
                .into_iter()
                .map(|n| Item::of(n.activity, n.read))
                .collect();
            let mut tools: Vec<(String, usize)> = Vec::new();
            for item in &items {
                match tools.iter_mut().find(|(t, _)| *t == item.tool) {
                    Some((_, n)) => *n += 1,
                    None => tools.push((item.tool.clone(), 1)),
                }
            }
            let unread = counts
                .groups
                .iter()
                .find(|g| g.group.handle == handle)
                .map_or(0, |g| g.unread);
            Section {
                handle,
                name,
                unread,
                items,
                tools,
            }
        })
        .collect();
    // The groups with the most unread first; quiet ones last.
    sections.sort_by(|a, b| b.unread.cmp(&a.unread).then(a.name.cmp(&b.name)));
    Ok(sections)
}

#[derive(Deserialize)]
struct MarkReadForm {
    /// One item.
    id: Option<String>,
    /// Only this group's items, up to the newest shown (`up_to`).
    group: Option<String>,
    up_to: Option<String>,
}

async fn mark_read(
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(form): CsrfForm<MarkReadForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    let group = form.group.filter(|g| !g.is_empty());
    let one = match form.id.as_deref() {
        Some(id) => Some(id.parse().map_err(|_| Problem::not_found("notification"))?),
        None => None,
    };
    let input = match (&group, form.up_to.as_deref()) {
        _ if one.is_some() => MarkRead {
            ids: one.map(|id| vec![id]),
            group: None,
            up_to: None,
            all: None,
        },
        (Some(g), Some(up_to)) => MarkRead {
            ids: None,
            group: Some(g.clone()),
            up_to: Some(
                up_to
                    .parse()
                    .map_err(|_| Problem::not_found("notification"))?,
            ),
            all: None,
        },
        _ => MarkRead {
            ids: None,
            group: None,
            up_to: None,
            all: Some(true),
        },
    };
    notify::service::mark_read(&app.kernel, actor, input).await?;
    let back = match group {
        Some(g) => format!("/?group={g}"),
        None => "/".into(),
    };
    Ok(redirect(&back, (one.is_none()).then_some(Flash::AllRead)))
}
