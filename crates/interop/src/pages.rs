//! A group's webhooks in the browser (for whoever may manage the group's tools): the endpoints,
//! adding one (its secret shown once), removing one, and each endpoint's deliveries with their
//! attempts, answers and a button to send one again. The same service as the API.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use kernel::Error;
use kernel::id::{DeliveryId, WebhookId};
use kernel::page::PageRequest;
use kernel::policy::Action;
use serde::Deserialize;
use web::pages::groups::{GroupContext, enter_group};
use web::pages::{
    CsrfForm, EmptyForm, Field, Flash, NavLink, Shell, day, redirect, render, render_with,
};
use web::{AppState, Problem};

use crate::webhooks::{self, Delivery, NewWebhook, Webhook};

/// The segment of these pages under `/groups/{group}/`, and the tab they belong to.
pub const SEGMENT: &str = "webhooks";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(list_page).post(create))
        .route("/{hook}", get(deliveries_page))
        .route("/{hook}/delete", post(delete))
        .route("/{hook}/deliveries/{delivery}/replay", post(replay))
}

/// The tab, for those who may manage the group's tools.
pub fn nav(group: &GroupContext) -> Option<NavLink> {
    group.may(Action::ManageTools).then(|| NavLink {
        href: format!("/groups/{}/{SEGMENT}", group.group.handle),
        label: "Webhooks".into(),
        icon: "webhook".into(),
        current: false,
    })
}

#[derive(Deserialize)]
struct GroupPath {
    group: String,
}

#[derive(Deserialize)]
struct HookPath {
    group: String,
    hook: String,
}

#[derive(Deserialize)]
struct ReplayPath {
    group: String,
    hook: String,
    delivery: String,
}

struct HookLine {
    hook: Webhook,
    events: String,
    since: String,
}

fn line(hook: Webhook) -> HookLine {
    HookLine {
        events: hook.events.join(", "),
        since: day(hook.created_at),
        hook,
    }
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct ListPage {
    shell: Shell,
    group: String,
    hooks: Vec<HookLine>,
    url: Field,
    events: Field,
    /// Just added: its URL and its secret, shown this once.
    created: Option<(String, String)>,
}

/// Enters the group's webhooks: 404 for whoever may not see the group, 403 for members who
/// may not manage its tools.
async fn enter(app: &AppState, shell: &mut Shell, group: &str) -> Result<GroupContext, Problem> {
    shell.require_actor()?;
    let context = enter_group(app, shell, group, SEGMENT).await?;
    context.require(Action::ManageTools)?;
    Ok(context)
}

async fn list_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let hooks = webhooks::list(&app.kernel, &actor, &p.group).await?;
    Ok(render(&ListPage {
        shell,
        group: context.group.handle,
        hooks: hooks.into_iter().map(line).collect(),
        url: Field::default(),
        events: Field::new("*"),
        created: None,
    }))
}

#[derive(Deserialize)]
struct NewHookForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    events: String,
}

async fn create(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<NewHookForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let events: Vec<String> = form
        .events
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect();
    let input = NewWebhook {
        url: form.url.trim().to_string(),
        events,
    };
    let mut url = Field::new(form.url.clone());
    let mut events = Field::new(form.events.clone());
    let (status, created) = match webhooks::create(&app.kernel, &actor, &p.group, input).await {
        Ok(made) => {
            url = Field::default();
            events = Field::new("*");
            (StatusCode::CREATED, Some((made.webhook.url, made.secret)))
        }
        Err(Error::Invalid(errors)) => {
            for e in errors {
                let field = if e.field == "url" {
                    &mut url
                } else {
                    &mut events
                };
                field.error.get_or_insert(e.detail);
            }
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
        Err(other) => return Err(other.into()),
    };
    let hooks = webhooks::list(&app.kernel, &actor, &p.group).await?;
    Ok(render_with(
        status,
        &ListPage {
            shell,
            group: context.group.handle,
            hooks: hooks.into_iter().map(line).collect(),
            url,
            events,
            created,
        },
    ))
}

/// A webhook of this group (another group's, or none, is a 404).
async fn hook_of(
    app: &AppState,
    shell: &Shell,
    context: &GroupContext,
    id: &str,
) -> Result<Webhook, Problem> {
    let actor = shell.require_actor()?;
    let id: WebhookId = id.parse().map_err(|_| Problem::not_found("webhook"))?;
    webhooks::list(&app.kernel, actor, &context.group.handle)
        .await?
        .into_iter()
        .find(|h| h.id == id)
        .ok_or_else(|| Problem::not_found("webhook"))
}

#[derive(Template)]
#[template(path = "webhook_deliveries.html")]
struct DeliveriesPage {
    shell: Shell,
    group: String,
    hook: HookLine,
    deliveries: Vec<DeliveryLine>,
    next: Option<String>,
}

struct DeliveryLine {
    delivery: Delivery,
    when: String,
    answer: String,
    next_try: Option<String>,
}

#[derive(Deserialize)]
struct Cursor {
    cursor: Option<String>,
}

async fn deliveries_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<HookPath>,
    Query(q): Query<Cursor>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let hook = hook_of(&app, &shell, &context, &p.hook).await?;
    let actor = shell.require_actor()?.clone();
    let page = PageRequest {
        limit: Some(50),
        cursor: q.cursor,
    };
    let found = webhooks::deliveries(&app.kernel, &actor, hook.id, &page).await?;
    let group = context.group.handle;
    let next = found
        .next_cursor
        .map(|c| format!("/groups/{group}/{SEGMENT}/{}?cursor={c}", hook.id));
    let deliveries = found
        .items
        .into_iter()
        .map(|d| DeliveryLine {
            when: d
                .last_attempt_at
                .unwrap_or(d.created_at)
                .to_datetime()
                .format("%-d %b %H:%M:%S")
                .to_string(),
            answer: match (d.last_status, d.last_error.as_deref()) {
                (Some(status), _) => format!("HTTP {status}"),
                (None, Some(error)) => error.to_string(),
                (None, None) => "—".into(),
            },
            next_try: d
                .next_attempt_at
                .filter(|_| d.state == "pending")
                .map(|t| t.to_datetime().format("%-d %b %H:%M").to_string()),
            delivery: d,
        })
        .collect();
    Ok(render(&DeliveriesPage {
        shell,
        group,
        hook: line(hook),
        deliveries,
        next,
    }))
}

async fn delete(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<HookPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let hook = hook_of(&app, &shell, &context, &p.hook).await?;
    webhooks::delete(&app.kernel, shell.require_actor()?, hook.id).await?;
    Ok(redirect(
        &format!("/groups/{}/{SEGMENT}", context.group.handle),
        Some(Flash::Saved),
    ))
}

async fn replay(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<ReplayPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let hook = hook_of(&app, &shell, &context, &p.hook).await?;
    let delivery: DeliveryId = p
        .delivery
        .parse()
        .map_err(|_| Problem::not_found("delivery"))?;
    webhooks::replay(&app.kernel, shell.require_actor()?, hook.id, delivery).await?;
    Ok(redirect(
        &format!("/groups/{}/{SEGMENT}/{}", context.group.handle, hook.id),
        Some(Flash::Queued),
    ))
}
