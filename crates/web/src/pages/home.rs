//! `/`: for visitors, what Weft is; for people who are logged in, their groups and what is
//! new for them (the full dashboard with filters and live items grows here).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use kernel::notify::{self, NotificationFilter};
use kernel::page::PageRequest;

use super::shell::{Shell, hue, initials};
use super::{day, render};
use crate::{AppState, Problem};

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
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
}

/// One line of the inbox.
struct Item {
    summary: String,
    actor_initials: String,
    actor_hue: u8,
    group: Option<(String, String)>,
    tool: String,
    when: String,
    when_iso: String,
    unread: bool,
    url: Option<String>,
    /// The link leads to an outside tool.
    external: bool,
}

fn is_local(url: &str) -> bool {
    url.starts_with('/') && !url.starts_with("//")
}

async fn home(State(app): State<AppState>, shell: Shell) -> Result<Response, Problem> {
    let Some(actor) = shell.actor.clone() else {
        return Ok(render(&Landing { shell }));
    };
    let page = PageRequest {
        limit: Some(30),
        cursor: None,
    };
    let inbox =
        notify::service::list(&app.kernel, &actor, &NotificationFilter::default(), &page).await?;
    let items = inbox
        .items
        .into_iter()
        .map(|n| {
            let a = n.activity;
            let who = a.actor.as_ref();
            Item {
                summary: a.summary,
                actor_initials: who.map_or("W".into(), |w| initials(&w.name)),
                actor_hue: who.map_or(0, |w| hue(&w.handle)),
                group: a
                    .audience
                    .and_then(|g| Some((g.handle?, g.name.unwrap_or_default()))),
                tool: a.tool,
                when: day(a.published),
                when_iso: a.published.to_rfc3339(),
                unread: !n.read,
                external: a.url.as_deref().is_some_and(|u| !is_local(u)),
                // Links on this site, or an outside tool's link back (http or https only).
                url: a.url.filter(|u| {
                    is_local(u) || u.starts_with("https://") || u.starts_with("http://")
                }),
            }
        })
        .collect();
    Ok(render(&Home { shell, items }))
}
