//! `/settings/apps`: the tools a person let in through "Sign in with Weft", what each sees,
//! and taking that back (the tool's tokens end at once; its next sign-in asks again).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use web::pages::{CsrfForm, EmptyForm, Flash, NavLink, Shell, day, redirect, render};
use web::{AppState, Problem};

use super::grant;
use super::store;

pub const PATH: &str = "/settings/apps";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(apps_page))
        .route("/settings/apps/{tool}/revoke", post(revoke))
}

/// The tab in the account's settings.
pub fn tab() -> NavLink {
    NavLink {
        href: PATH.into(),
        label: "Apps".into(),
        icon: "plug".into(),
        current: false,
    }
}

struct App {
    handle: String,
    name: String,
    home_url: String,
    home_host: String,
    sees: String,
    since: String,
}

#[derive(Template)]
#[template(path = "oidc_apps.html")]
struct AppsPage {
    shell: Shell,
    tab: &'static str,
    apps: Vec<App>,
}

/// "who you are, your name and profile, your groups" for `openid profile groups`.
fn what_it_sees(scopes: &str) -> String {
    let parts: Vec<&str> = scopes
        .split_whitespace()
        .filter_map(|s| match s {
            "openid" => Some("who you are"),
            "profile" => Some("your name and profile"),
            "email" => Some("your email address"),
            "groups" => Some("your groups that use it"),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        [] => "nothing".into(),
        [one] => (*one).into(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

async fn apps_page(State(app): State<AppState>, shell: Shell) -> Result<Response, Problem> {
    let k = &app.kernel;
    let account = shell.require_actor()?.account;
    let mut allowed = Vec::new();
    for consent in store::consents_of(&k.db, account).await? {
        if let Some(tool) = kernel::tool::registration_by_id(k, consent.tool_id).await? {
            allowed.push((consent, tool));
        }
    }
    let ids: Vec<_> = allowed.iter().map(|(_, t)| t.account_id).collect();
    let mut names = kernel::people::display_names(k, &ids).await?;
    let mut apps = Vec::new();
    for (consent, tool) in allowed {
        let name = names
            .remove(&tool.account_id)
            .unwrap_or_else(|| tool.name.clone());
        apps.push(App {
            home_host: super::host_of(&tool.home_url),
            home_url: tool.home_url,
            handle: tool.name,
            name,
            sees: what_it_sees(&consent.scopes),
            since: day(kernel::Timestamp(consent.created_at)),
        });
    }
    Ok(render(&AppsPage {
        shell,
        tab: PATH,
        apps,
    }))
}

async fn revoke(
    State(app): State<AppState>,
    shell: Shell,
    Path(tool): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let k = &app.kernel;
    let account = shell.require_actor()?.account;
    let tool = kernel::tool::registration_by_name(k, &tool)
        .await?
        .ok_or(Problem::not_found("tool"))?;
    grant::forget(k, account, &tool).await?;
    Ok(redirect(PATH, Some(Flash::Saved)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_as_a_sentence() {
        assert_eq!(what_it_sees("openid"), "who you are");
        assert_eq!(
            what_it_sees("openid profile groups"),
            "who you are, your name and profile and your groups that use it"
        );
        assert_eq!(what_it_sees(""), "nothing");
    }
}
