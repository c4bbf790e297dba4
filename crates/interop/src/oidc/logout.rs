//! Logging out from a tool (OpenID Connect RP-Initiated Logout 1.0): a tool sends the browser
//! to `/oauth/logout`, Weft ends its session, and sends the browser back to an address the
//! tool registered (`post_logout_redirect_uris`), with the tool's `state`.
//!
//! - With an `id_token_hint` Weft signed for the person who is logged in, the tool has shown
//!   it speaks for them: Weft logs out at once.
//! - Otherwise (no hint, or a hint about someone else) Weft asks first, on its own page, so
//!   that no other site can log a person out behind their back.
//! - An address the tool did not register, or a hint Weft did not sign, is refused on Weft's
//!   page and never followed, as at the authorization endpoint.
//!
//! The tools' tokens live on: logging out of Weft ends the Weft session, not what tools were
//! given (Settings → Apps takes that back).

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use kernel::tool::OutsideToolRow;
use kernel::tool::outside::post_logout_redirect_uris;
use serde::{Deserialize, Serialize};
use web::pages::{CsrfForm, Flash, Shell, redirect, render_with};
use web::{AppState, Problem};

use super::authorize::{ContinuePage, RefusedPage, given, leading_to, see_other, with_params};
use super::host_of;
use super::keys::{self, Hint};

/// The request's parameters (`logout_hint` and `ui_locales` are ignored).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct LogoutParams {
    pub id_token_hint: Option<String>,
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

impl LogoutParams {
    /// The parameters as hidden fields of the confirmation form.
    fn fields(&self) -> Vec<(&'static str, String)> {
        given([
            ("id_token_hint", &self.id_token_hint),
            ("client_id", &self.client_id),
            ("post_logout_redirect_uri", &self.post_logout_redirect_uri),
            ("state", &self.state),
        ])
    }
}

/// The confirmation form's answer: the request again, and the person's decision.
#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(flatten)]
    params: LogoutParams,
    #[serde(default)]
    decision: String,
}

/// A request that passed every check.
struct Checked {
    tool: Option<OutsideToolRow>,
    hint: Option<Hint>,
    /// Where the browser goes afterwards: the tool's address with its `state`.
    then: Option<String>,
}

/// Why a request is refused, for Weft's page.
type Refused = String;

async fn check(k: &kernel::Kernel, p: &LogoutParams) -> Result<Result<Checked, Refused>, Problem> {
    let hint = match p.id_token_hint.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(token) => match keys::verify_hint(k, token).await? {
            Some(hint) => Some(hint),
            None => {
                return Ok(Err("The tool sent an ID token that Weft did not issue \
                               (id_token_hint), so Weft cannot tell who sent you."
                    .into()));
            }
        },
    };
    let client_id = match (p.client_id.as_deref(), &hint) {
        (Some(id), Some(hint)) if id != hint.aud => {
            return Ok(Err(
                "The tool named itself (client_id) differently from its ID token.".into(),
            ));
        }
        (Some(id), _) => Some(id.to_string()),
        (None, Some(hint)) => Some(hint.aud.clone()),
        (None, None) => None,
    };
    let tool = match client_id {
        None => None,
        Some(id) => match kernel::tool::registration_by_client_id(k, &id).await? {
            Some(tool) => Some(tool),
            None => return Ok(Err("No tool is registered with this client_id.".into())),
        },
    };
    if p.state.as_ref().is_some_and(|s| s.len() > 2048) {
        return Ok(Err(
            "The tool's state is longer than 2,048 characters.".into()
        ));
    }
    let then = match (p.post_logout_redirect_uri.as_deref(), &tool) {
        (None, _) => None,
        (Some(_), None) => {
            return Ok(Err(
                "The tool asked Weft to send you on afterwards, but did not \
                           say which tool it is (client_id or id_token_hint)."
                    .into(),
            ));
        }
        (Some(uri), Some(tool)) if post_logout_redirect_uris(tool).iter().any(|r| r == uri) => {
            let state: Vec<(&str, &str)> = p.state.iter().map(|s| ("state", s.as_str())).collect();
            Some(with_params(uri, &state))
        }
        (Some(uri), Some(_)) => {
            return Ok(Err(format!(
                "The tool asked Weft to send you to {uri} afterwards, an address it did not \
                 register."
            )));
        }
    };
    Ok(Ok(Checked { tool, hint, then }))
}

fn refuse(shell: Shell, reason: String) -> Response {
    render_with(
        StatusCode::BAD_REQUEST,
        &RefusedPage {
            shell,
            heading: "This log-out cannot go on",
            reason,
        },
    )
}

/// Ends the session (when there is one) and sends the browser on: to the tool, or to Weft's
/// start page with "You are logged out".
async fn log_out(app: &AppState, shell: &Shell, checked: &Checked) -> Result<Response, Problem> {
    let actor = shell.actor.as_ref().filter(|a| !a.is_tool());
    if let Some(actor) = actor {
        kernel::people::log_out(&app.kernel, actor).await?;
        tracing::info!(
            account = %actor.account,
            tool = checked.tool.as_ref().map(|t| t.name.as_str()).unwrap_or("-"),
            "logged out at a tool's request"
        );
    }
    let mut response = match &checked.then {
        Some(then) => see_other(then),
        None => redirect("/", actor.map(|_| Flash::LoggedOut)),
    };
    if actor.is_some() {
        response
            .headers_mut()
            .append(header::SET_COOKIE, web::auth::session_cookie(app, "", 0));
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "oidc_logout.html")]
struct ConfirmPage {
    shell: Shell,
    tool_name: Option<String>,
    handle: String,
    then_host: Option<String>,
    hidden: Vec<(&'static str, String)>,
}

/// `GET /oauth/logout`: the end-session endpoint.
pub async fn start(
    State(app): State<AppState>,
    shell: Shell,
    params: Result<Query<LogoutParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let k = &app.kernel;
    let Ok(Query(p)) = params else {
        return Ok(refuse(
            shell,
            "The request's parameters cannot be read (is one of them given twice?).".into(),
        ));
    };
    let checked = match check(k, &p).await? {
        Ok(checked) => checked,
        Err(reason) => return Ok(refuse(shell, reason)),
    };
    let Some(actor) = shell.actor.clone().filter(|a| !a.is_tool()) else {
        // Nobody to log out. Weft's own page says so; it sends nobody on by itself (a
        // redirect here would serve any registered address to strangers).
        let host = checked.then.as_deref().map(host_of);
        return Ok(render_with(
            StatusCode::OK,
            &ContinuePage {
                shell,
                heading: "You are logged out",
                message: "Nobody is logged in to Weft in this browser.".into(),
                host: host.filter(|_| {
                    checked
                        .tool
                        .as_ref()
                        .is_none_or(|t| t.reviewed_at.is_none())
                }),
                continue_to: checked.then.clone(),
            },
        ));
    };
    if checked
        .hint
        .as_ref()
        .is_some_and(|h| h.sub == actor.account.to_string())
    {
        return log_out(&app, &shell, &checked).await;
    }
    let tool_name = match &checked.tool {
        Some(tool) => Some(
            kernel::people::display_names(k, &[tool.account_id])
                .await?
                .remove(&tool.account_id)
                .unwrap_or_else(|| tool.name.clone()),
        ),
        None => None,
    };
    let page = ConfirmPage {
        shell,
        tool_name,
        handle: actor.handle.clone(),
        then_host: checked.then.as_deref().map(host_of),
        hidden: p.fields(),
    };
    Ok(leading_to(
        render_with(StatusCode::OK, &page),
        checked.then.as_deref(),
    ))
}

/// `POST /oauth/logout`, as the specification allows tools to send it: the same request as a
/// GET. (A form from another site carries no session cookie, SameSite=Lax; the browser's GET
/// that follows does.)
pub async fn start_by_post(
    params: Result<Form<LogoutParams>, axum::extract::rejection::FormRejection>,
) -> Response {
    let query = params
        .ok()
        .and_then(|Form(p)| serde_urlencoded::to_string(p).ok())
        .unwrap_or_default();
    see_other(&format!("/oauth/logout?{query}"))
}

/// `POST /oauth/logout/confirm`: the confirmation form's answer.
pub async fn decide(
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, Problem> {
    let checked = match check(&app.kernel, &form.params).await? {
        Ok(checked) => checked,
        Err(reason) => return Ok(refuse(shell, reason)),
    };
    if form.decision == "logout" {
        log_out(&app, &shell, &checked).await
    } else {
        Ok(redirect("/", None))
    }
}
