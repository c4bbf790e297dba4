//! The authorization endpoint (OpenID Connect Core section 3.1.2) in the browser: it checks
//! the request, sends a visitor to log in and back, asks the person's consent on a page in
//! Weft's design (once per tool; remembered until taken back), and sends the browser on to
//! the tool with a code.
//!
//! A request whose client or redirect URI cannot be trusted is refused on Weft's own page and
//! never followed; every other refusal goes back to the tool's redirect URI, as the
//! specification wants.

use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use kernel::tool::OutsideToolRow;
use kernel::tool::outside::redirect_uris;
use serde::Deserialize;
use web::pages::{CsrfForm, Shell, render_with};
use web::{AppState, Problem};

use super::claims::{self, GroupClaim};
use super::grant::{self, Approved};
use super::{SIGN_IN_SCOPES, host_of, issuer};

/// The request's parameters. Others (`response_mode`, `max_age`, `ui_locales`…) are ignored.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuthParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    /// Seconds: a log-in older than this must be done again.
    pub max_age: Option<String>,
}

impl AuthParams {
    /// The parameters as hidden fields of the consent form, so its answer re-checks them all.
    fn fields(&self) -> Vec<(&'static str, String)> {
        given([
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ])
    }
}

/// The parameters that were given, as a form's hidden fields.
pub(super) fn given<const N: usize>(
    params: [(&'static str, &Option<String>); N],
) -> Vec<(&'static str, String)> {
    params
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
}

/// A page whose form's answer redirects to `then` (on the tool's site): the form may lead
/// there (Chrome applies `form-action` to the redirects after a form), and nothing keeps it.
pub(super) fn leading_to(mut response: Response, then: Option<&str>) -> Response {
    if let Some(then) = then {
        web::router::allow_forms_to(&mut response, then);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The consent form's answer: the request again, and the person's decision.
#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    #[serde(flatten)]
    params: AuthParams,
    #[serde(default)]
    decision: String,
}

/// A request that passed every check.
struct Valid {
    tool: OutsideToolRow,
    redirect_uri: String,
    scopes: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    prompt: Vec<String>,
}

enum Refusal {
    /// Shown on Weft's page: the client or its redirect URI cannot be trusted.
    Page(String),
    /// Sent back to the client's redirect URI (RFC 6749 section 4.1.2.1) — on its own only
    /// to a tool a server administrator reviewed, and never before the person has logged in
    /// (RFC 9700 section 4.11.2: no open redirector).
    Back {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
        trusted: bool,
    },
}

/// `uri` with the query parameters added.
pub(super) fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in params {
                    query.append_pair(k, v);
                }
            }
            url.to_string()
        }
        Err(_) => uri.to_string(),
    }
}

async fn validate(k: &kernel::Kernel, p: &AuthParams) -> Result<Valid, Refusal> {
    let page = |why: &str| Refusal::Page(why.to_string());
    let Some(client_id) = p.client_id.as_deref() else {
        return Err(page(
            "The link that brought you here names no tool (client_id is missing).",
        ));
    };
    let tool = kernel::tool::registration_by_client_id(k, client_id)
        .await
        .map_err(|_| page("Weft could not look up the tool. Try again in a moment."))?
        .ok_or_else(|| page("No tool is registered with this client_id."))?;
    let registered = redirect_uris(&tool);
    let redirect_uri = match p.redirect_uri.as_deref() {
        Some(uri) if registered.iter().any(|r| r == uri) => uri.to_string(),
        Some(uri) => {
            return Err(Refusal::Page(format!(
                "The tool asked Weft to send you to {uri}, an address it did not register."
            )));
        }
        None if registered.len() == 1 => registered[0].clone(),
        None if registered.is_empty() => {
            return Err(page(
                "This tool has registered no redirect URI, so it cannot sign people in.",
            ));
        }
        None => {
            return Err(page(
                "The request names no redirect_uri, and the tool has several.",
            ));
        }
    };
    let state = p.state.clone();
    let trusted = tool.reviewed_at.is_some();
    let back = |error: &'static str, description: &str| Refusal::Back {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_string(),
        state: state.clone(),
        trusted,
    };
    if state.as_ref().is_some_and(|s| s.len() > 2048) {
        return Err(back(
            "invalid_request",
            "state is longer than 2,048 characters",
        ));
    }
    match p.response_type.as_deref() {
        Some("code") => {}
        None => return Err(back("invalid_request", "response_type is missing")),
        Some(_) => {
            return Err(back(
                "unsupported_response_type",
                "only the authorization code flow (response_type=code) is offered",
            ));
        }
    }
    let mut scopes: Vec<&str> = Vec::new();
    for s in p.scope.as_deref().unwrap_or_default().split_whitespace() {
        if !SIGN_IN_SCOPES.contains(&s) {
            return Err(back(
                "invalid_scope",
                &format!(
                    "{s} is not a sign-in scope; ask for: {}",
                    SIGN_IN_SCOPES.join(" ")
                ),
            ));
        }
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    if scopes.is_empty() {
        return Err(back(
            "invalid_scope",
            "ask for openid, and any of profile, email, groups",
        ));
    }
    match (
        p.code_challenge.as_deref(),
        p.code_challenge_method.as_deref(),
    ) {
        (Some(c), Some("S256")) if grant::pkce_shaped(c) => {}
        (Some(_), Some("S256")) => {
            return Err(back(
                "invalid_request",
                "code_challenge must be 43–128 characters of base64url",
            ));
        }
        (Some(_), _) => {
            return Err(back(
                "invalid_request",
                "code_challenge_method must be S256 (plain is not accepted)",
            ));
        }
        (None, Some(_)) => {
            return Err(back(
                "invalid_request",
                "code_challenge_method without code_challenge",
            ));
        }
        (None, None) if tool.public_client => {
            return Err(back(
                "invalid_request",
                "a public client must use PKCE: send code_challenge with code_challenge_method=S256",
            ));
        }
        (None, None) => {}
    }
    if p.nonce.as_ref().is_some_and(|n| n.len() > 512) {
        return Err(back(
            "invalid_request",
            "nonce is longer than 512 characters",
        ));
    }
    let prompt: Vec<String> = p
        .prompt
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if prompt.iter().any(|x| x == "none") && prompt.len() > 1 {
        return Err(back(
            "invalid_request",
            "prompt=none cannot be combined with other values",
        ));
    }
    Ok(Valid {
        scopes: scopes.join(" "),
        tool,
        redirect_uri,
        state,
        nonce: p.nonce.clone(),
        code_challenge: p.code_challenge.clone(),
        prompt,
    })
}

/// A request Weft refuses on its own page.
#[derive(Template)]
#[template(path = "oidc_refused.html")]
pub(super) struct RefusedPage {
    pub shell: Shell,
    pub heading: &'static str,
    pub reason: String,
}

/// Where Weft would send the browser, as a link the person follows or not.
#[derive(Template)]
#[template(path = "oidc_continue.html")]
pub(super) struct ContinuePage {
    pub shell: Shell,
    pub heading: &'static str,
    pub message: String,
    pub host: Option<String>,
    pub continue_to: Option<String>,
}

#[derive(Template)]
#[template(path = "oidc_consent.html")]
struct ConsentPage {
    shell: Shell,
    tool_name: String,
    home_url: String,
    home_host: String,
    redirect_host: String,
    handle: String,
    display_name: String,
    profile: bool,
    email: bool,
    address: Option<String>,
    groups_asked: bool,
    groups: Vec<GroupClaim>,
    hidden: Vec<(&'static str, String)>,
}

/// `303 See Other` to `to`, kept by nobody (it carries a code or the tool's state).
pub(super) fn see_other(to: &str) -> Response {
    let mut response = web::pages::redirect(to, None);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refuse(k: &kernel::Kernel, shell: Shell, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Page(reason) => render_with(
            StatusCode::BAD_REQUEST,
            &RefusedPage {
                shell,
                heading: "This sign-in cannot go on",
                reason,
            },
        ),
        Refusal::Back {
            redirect_uri,
            error,
            description,
            state,
            trusted,
        } => {
            let logged_in = shell.actor.as_ref().is_some_and(|a| !a.is_tool());
            if !logged_in {
                // Before a log-in Weft sends nobody anywhere: a link to /oauth/authorize
                // must not be a way to bounce strangers to any address a tool registered.
                return render_with(
                    StatusCode::BAD_REQUEST,
                    &RefusedPage {
                        shell,
                        heading: "This sign-in cannot go on",
                        reason: format!("The tool's request is wrong: {description}."),
                    },
                );
            }
            let iss = issuer(k);
            let mut params = vec![
                ("error", error),
                ("error_description", description.as_str()),
                ("iss", iss.as_str()),
            ];
            if let Some(state) = &state {
                params.push(("state", state));
            }
            let url = with_params(&redirect_uri, &params);
            if trusted {
                return see_other(&url);
            }
            render_with(
                StatusCode::OK,
                &ContinuePage {
                    shell,
                    heading: "Back to the tool",
                    message: format!("The sign-in did not go through: {description}."),
                    host: Some(super::host_of(&redirect_uri)),
                    continue_to: Some(url),
                },
            )
        }
    }
}

/// Sends the browser on to the tool with a fresh code.
async fn send_code(
    k: &kernel::Kernel,
    v: &Valid,
    account: kernel::id::AccountId,
    auth_time: kernel::Timestamp,
) -> Result<Response, Problem> {
    let code = grant::issue_code(
        k,
        Approved {
            tool: &v.tool,
            account,
            redirect_uri: &v.redirect_uri,
            scopes: &v.scopes,
            nonce: v.nonce.as_deref(),
            code_challenge: v.code_challenge.as_deref(),
            auth_time,
        },
    )
    .await?;
    let iss = issuer(k);
    let mut params = vec![("code", code.as_str()), ("iss", iss.as_str())];
    if let Some(state) = &v.state {
        params.push(("state", state));
    }
    Ok(see_other(&with_params(&v.redirect_uri, &params)))
}

/// `GET /oauth/authorize`
pub async fn authorize(
    State(app): State<AppState>,
    shell: Shell,
    OriginalUri(uri): OriginalUri,
    params: Result<Query<AuthParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let k = &app.kernel;
    let Ok(Query(p)) = params else {
        return Ok(refuse(
            k,
            shell,
            Refusal::Page(
                "The request's parameters cannot be read (is one of them given twice?).".into(),
            ),
        ));
    };
    let v = match validate(k, &p).await {
        Ok(v) => v,
        Err(refusal) => return Ok(refuse(k, shell, refusal)),
    };
    let asks_none = v.prompt.iter().any(|x| x == "none");
    let here = uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/oauth/authorize");
    let Some(actor) = shell.actor.clone().filter(|a| !a.is_tool()) else {
        if asks_none {
            return Ok(refuse(
                k,
                shell,
                back(&v, "login_required", "the person is not logged in to Weft"),
            ));
        }
        let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
        return Ok(see_other(&format!("/login?next={next}")));
    };
    let account = actor.account;
    let now = k.now();
    let auth_time = kernel::people::logged_in_at(k, &actor)
        .await?
        .unwrap_or(now);
    // `prompt=login`, or a log-in older than `max_age`: log in again, then come back here
    // without asking it again (the new log-in is as fresh as it gets).
    let too_old = p
        .max_age
        .as_deref()
        .and_then(|m| m.parse::<i64>().ok())
        .is_some_and(|max| now.0 - auth_time.0 > max.max(0) * 1_000_000);
    if v.prompt.iter().any(|x| x == "login") || too_old {
        if asks_none {
            return Ok(refuse(
                k,
                shell,
                back(&v, "login_required", "the tool asks for a fresh log-in"),
            ));
        }
        let next: String =
            url::form_urlencoded::byte_serialize(without_reauth(here).as_bytes()).collect();
        return Ok(see_other(&format!("/login?again=1&next={next}")));
    }
    let asks_consent = v.prompt.iter().any(|x| x == "consent");
    if !asks_consent && grant::remembered(k, account, &v.tool, &v.scopes).await? {
        return send_code(k, &v, account, auth_time).await;
    }
    if asks_none {
        return Ok(refuse(
            k,
            shell,
            back(
                &v,
                "consent_required",
                "the person has not let this tool see what it asks",
            ),
        ));
    }
    consent_page(k, shell, &v, &p, account).await
}

/// The request without what asked for a new log-in (`prompt=login`, `max_age`).
fn without_reauth(path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "max_age" => {}
            "prompt" => {
                let rest: Vec<&str> = v.split_whitespace().filter(|p| *p != "login").collect();
                if !rest.is_empty() {
                    kept.append_pair("prompt", &rest.join(" "));
                }
            }
            _ => {
                kept.append_pair(&k, &v);
            }
        }
    }
    format!("{path}?{}", kept.finish())
}

fn back(v: &Valid, error: &'static str, description: &str) -> Refusal {
    Refusal::Back {
        redirect_uri: v.redirect_uri.clone(),
        error,
        description: description.into(),
        state: v.state.clone(),
        trusted: v.tool.reviewed_at.is_some(),
    }
}

async fn consent_page(
    k: &kernel::Kernel,
    shell: Shell,
    v: &Valid,
    p: &AuthParams,
    account: kernel::id::AccountId,
) -> Result<Response, Problem> {
    let person = kernel::people::account_for_sign_in(k, account).await?;
    let tool_name = kernel::people::display_names(k, &[v.tool.account_id])
        .await?
        .remove(&v.tool.account_id)
        .unwrap_or_else(|| v.tool.name.clone());
    let groups_asked = claims::has(&v.scopes, "groups");
    let groups = if groups_asked {
        claims::groups(k, account, &v.tool).await?
    } else {
        Vec::new()
    };
    let mut hidden = p.fields();
    // The redirect URI the request settled on, so the answer goes exactly there.
    hidden.retain(|(k, _)| *k != "redirect_uri");
    hidden.push(("redirect_uri", v.redirect_uri.clone()));
    let page = ConsentPage {
        shell,
        tool_name,
        home_host: host_of(&v.tool.home_url),
        home_url: v.tool.home_url.clone(),
        redirect_host: host_of(&v.redirect_uri),
        handle: person.handle,
        display_name: person.display_name,
        profile: claims::has(&v.scopes, "profile"),
        email: claims::has(&v.scopes, "email"),
        address: person.email,
        groups_asked,
        groups,
        hidden,
    };
    Ok(leading_to(
        render_with(StatusCode::OK, &page),
        Some(&v.redirect_uri),
    ))
}

/// `POST /oauth/authorize`: the consent form's answer.
pub async fn decide(
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(form): CsrfForm<ConsentForm>,
) -> Result<Response, Problem> {
    let k = &app.kernel;
    let actor = shell.require_actor()?;
    let account = actor.account;
    let auth_time = kernel::people::logged_in_at(k, actor)
        .await?
        .unwrap_or_else(|| k.now());
    let v = match validate(k, &form.params).await {
        Ok(v) => v,
        Err(refusal) => return Ok(refuse(k, shell, refusal)),
    };
    if form.decision != "allow" {
        return Ok(refuse(
            k,
            shell,
            back(&v, "access_denied", "the person did not allow it"),
        ));
    }
    grant::remember(k, account, &v.tool, &v.scopes).await?;
    send_code(k, &v, account, auth_time).await
}
