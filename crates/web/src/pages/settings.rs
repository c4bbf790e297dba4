//! One's settings beyond the profile (which `account.rs` keeps): how much of each group
//! reaches you and the daily digest, personal access tokens (made with scopes, shown once,
//! revoked), and the sessions of one's devices (seen and ended).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use kernel::Error;
use kernel::id::{SessionId, TokenId};
use kernel::notify::{self, GroupLevel, Level, NotificationSettings, SettingsUpdate};
use kernel::page::PageRequest;
use kernel::people::{self, Credential, SessionInfo, TokenInfo, TokenRequest};

use super::{
    CsrfForm, EmptyForm, Field, Flash, Shell, day, redirect, render, render_with, values_of,
};
use crate::auth::session_cookie;
use crate::{AppState, Problem};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/settings/notifications",
            get(notifications_page).post(save_notifications),
        )
        .route("/settings/tokens", get(tokens_page).post(create_token))
        .route("/settings/tokens/{id}/revoke", post(revoke_token))
        .route("/settings/sessions", get(sessions_page))
        .route("/settings/sessions/{id}/end", post(end_session))
}

fn all() -> PageRequest {
    PageRequest {
        limit: Some(200),
        cursor: None,
    }
}

// ----- Notifications -----

#[derive(Template)]
#[template(path = "settings_notifications.html")]
struct NotificationsPage {
    shell: Shell,
    tab: &'static str,
    settings: NotificationSettings,
}

async fn notifications_page(
    State(app): State<AppState>,
    shell: Shell,
) -> Result<Response, Problem> {
    let settings = notify::service::settings(&app.kernel, shell.require_actor()?).await?;
    Ok(render(&NotificationsPage {
        shell,
        tab: "notifications",
        settings,
    }))
}

async fn save_notifications(
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    let mut groups = Vec::new();
    for (name, value) in &fields {
        if let Some(group) = name.strip_prefix("level:") {
            let level = match value.as_str() {
                "all" => Level::All,
                "mentions" => Level::Mentions,
                "mute" => Level::Mute,
                _ => return Err(Problem::new(StatusCode::BAD_REQUEST, "unknown level")),
            };
            groups.push(GroupLevel {
                group: group.to_string(),
                level,
            });
        }
    }
    let input = SettingsUpdate {
        daily_digest: Some(fields.iter().any(|(n, v)| n == "daily_digest" && v == "on")),
        groups: Some(groups),
    };
    notify::service::update_settings(&app.kernel, actor, input).await?;
    Ok(redirect("/settings/notifications", Some(Flash::Saved)))
}

// ----- Personal access tokens -----

#[derive(Template)]
#[template(path = "settings_tokens.html")]
struct TokensPage {
    shell: Shell,
    tab: &'static str,
    tokens: Vec<(TokenInfo, String, String)>,
    purpose: Field,
    scopes_error: Option<String>,
    /// A token just made: its name and its secret, shown this once.
    created: Option<(String, String)>,
    /// The scopes a token may have here, with what each allows.
    scopes: Vec<(String, String)>,
}

/// The kernel's scopes a person may give a token here, with what each allows; each tool's
/// `read` and `write` follow ([`scope_choices`]).
const KERNEL_SCOPES: [(&str, &str); 7] = [
    ("read", "Read everything you can read"),
    ("write", "Do everything you can do"),
    ("groups:read", "Read your groups"),
    ("members:read", "Read members and roles"),
    ("activities:write", "Post activities"),
    ("ledger:read", "Read your accounts and statements"),
    ("ledger:write", "Make payments"),
];

/// Every scope a token may have on this server: the kernel's, then each built-in tool's.
fn scope_choices(app: &AppState) -> Vec<(String, String)> {
    let kernel = KERNEL_SCOPES
        .iter()
        .map(|(scope, meaning)| (scope.to_string(), meaning.to_string()));
    let tools = app.kernel.tools.all().iter().flat_map(|tool| {
        [
            (
                format!("{}:read", tool.name),
                format!("Read {}", tool.display_name),
            ),
            (
                format!("{}:write", tool.name),
                format!("Use {}", tool.display_name),
            ),
        ]
    });
    kernel.chain(tools).collect()
}

async fn token_lines(
    app: &AppState,
    shell: &Shell,
) -> Result<Vec<(TokenInfo, String, String)>, Problem> {
    let page = people::list_tokens(&app.kernel, shell.require_actor()?, &all()).await?;
    Ok(page
        .items
        .into_iter()
        .map(|t| {
            let used = t.last_used_at.map_or_else(|| "never".into(), day);
            let until = t.expires_at.map_or_else(|| "never".into(), day);
            (t, used, until)
        })
        .collect())
}

async fn tokens_page(State(app): State<AppState>, shell: Shell) -> Result<Response, Problem> {
    let tokens = token_lines(&app, &shell).await?;
    Ok(render(&TokensPage {
        shell,
        tab: "tokens",
        tokens,
        purpose: Field::default(),
        scopes_error: None,
        created: None,
        scopes: scope_choices(&app),
    }))
}

async fn create_token(
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let value = |key: &str| {
        fields
            .iter()
            .find(|(n, _)| n == key)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let name = value("name");
    let scopes = values_of(&fields, "scopes");
    let expires_in = value("expires_in").parse::<i64>().ok().filter(|s| *s > 0);
    let input = TokenRequest {
        name: name.clone(),
        scopes,
        group: None,
        expires_in,
    };
    let mut name_field = Field::new(name);
    let mut scopes_error = None;
    let (status, created) = match people::create_token(&app.kernel, &actor, input).await {
        Ok(made) => {
            name_field = Field::default();
            (StatusCode::CREATED, Some((made.info.name, made.token)))
        }
        Err(Error::Invalid(errors)) => {
            for e in errors {
                if e.field == "name" {
                    name_field.error.get_or_insert(e.detail);
                } else {
                    scopes_error.get_or_insert(e.detail);
                }
            }
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
        Err(other) => return Err(other.into()),
    };
    let tokens = token_lines(&app, &shell).await?;
    Ok(render_with(
        status,
        &TokensPage {
            shell,
            tab: "tokens",
            tokens,
            purpose: name_field,
            scopes_error,
            created,
            scopes: scope_choices(&app),
        },
    ))
}

async fn revoke_token(
    State(app): State<AppState>,
    shell: Shell,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let id: TokenId = id.parse().map_err(|_| Problem::not_found("token"))?;
    people::revoke_token(&app.kernel, shell.require_actor()?, id).await?;
    Ok(redirect("/settings/tokens", Some(Flash::Saved)))
}

// ----- Sessions -----

#[derive(Template)]
#[template(path = "settings_sessions.html")]
struct SessionsPage {
    shell: Shell,
    tab: &'static str,
    sessions: Vec<(SessionInfo, String, String)>,
}

async fn sessions_page(State(app): State<AppState>, shell: Shell) -> Result<Response, Problem> {
    let page = people::list_sessions(&app.kernel, shell.require_actor()?, &all()).await?;
    let sessions = page
        .items
        .into_iter()
        .map(|s| {
            let seen = day(s.last_seen_at);
            let device = s
                .user_agent
                .as_deref()
                .map(device_of)
                .unwrap_or("A device")
                .to_string();
            (s, seen, device)
        })
        .collect();
    Ok(render(&SessionsPage {
        shell,
        tab: "sessions",
        sessions,
    }))
}

/// "Mozilla/5.0 (X11; Linux x86_64) … Chrome/…" → "Chrome on Linux": enough to recognise.
fn device_of(agent: &str) -> &'static str {
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("Mac OS", "macOS"),
        ("Windows", "Windows"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some("Chrome"), Some("Linux")) => "Chrome on Linux",
        (Some("Chrome"), Some("Windows")) => "Chrome on Windows",
        (Some("Chrome"), Some("macOS")) => "Chrome on macOS",
        (Some("Chrome"), Some("Android")) => "Chrome on Android",
        (Some("Firefox"), Some("Linux")) => "Firefox on Linux",
        (Some("Firefox"), Some("Windows")) => "Firefox on Windows",
        (Some("Firefox"), Some("macOS")) => "Firefox on macOS",
        (Some("Safari"), Some("iPhone")) => "Safari on iPhone",
        (Some("Safari"), Some("macOS")) => "Safari on macOS",
        (Some(b), _) => b,
        (None, Some(s)) => s,
        (None, None) => "A device",
    }
}

async fn end_session(
    State(app): State<AppState>,
    shell: Shell,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    let id: SessionId = id.parse().map_err(|_| Problem::not_found("session"))?;
    people::revoke_session(&app.kernel, actor, id).await?;
    if actor.credential == Credential::Session(id) {
        let mut response = redirect("/", Some(Flash::LoggedOut));
        response
            .headers_mut()
            .append(header::SET_COOKIE, session_cookie(&app, "", 0));
        return Ok(response);
    }
    Ok(redirect("/settings/sessions", Some(Flash::Saved)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn devices_are_named_from_their_user_agent() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(super::device_of(chrome), "Chrome on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605 Version/17.0 Mobile Safari/604.1";
        assert_eq!(super::device_of(iphone), "Safari on iPhone");
        assert_eq!(super::device_of("curl/8.5"), "curl");
        assert_eq!(super::device_of("something"), "A device");
    }
}
