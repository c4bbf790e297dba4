//! Pages of one's own account: sign up, log in, log out, forgotten password → mail → reset,
//! a person's profile (`/@{handle}`) and one's settings. Forms keep what was typed when
//! something is wrong and say what, beside the field.

use std::net::SocketAddr;

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use kernel::Error;
use kernel::people::{
    self, ClientInfo, LogIn, MeUpdate, PasswordChange, PasswordResetCompletion,
    PasswordResetRequest, Profile, SignUp,
};
use serde::Deserialize;

use super::shell::{hue, initials};
use super::{
    CsrfForm, EmptyForm, Field, Flash, Shell, day, field_errors, local_path, redirect, render,
    render_with, sentence, set_errors,
};
use crate::auth::session_cookie;
use crate::{AppState, Problem};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(sign_up_page).post(sign_up))
        .route("/login", get(log_in_page).post(log_in))
        .route("/logout", axum::routing::post(log_out))
        .route("/forgot-password", get(forgot_page).post(forgot_password))
        .route(
            "/reset-password/{token}",
            get(reset_page).post(reset_password),
        )
        .route(
            "/confirm-email/{token}",
            get(confirm_email_page).post(confirm_email),
        )
        .route("/settings", get(settings_page).post(save_settings))
        .route("/{at_handle}", get(profile_page))
}

fn client_info(headers: &HeaderMap, addr: SocketAddr) -> ClientInfo {
    ClientInfo {
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        ip: Some(addr.ip().to_string()),
    }
}

/// Signed in: a session cookie and a redirect.
async fn open_session(
    app: &AppState,
    handle: &str,
    password: &str,
    client: ClientInfo,
    to: &str,
    flash: Flash,
) -> Result<Response, Error> {
    let session = people::log_in(
        &app.kernel,
        LogIn {
            handle: handle.to_string(),
            password: password.to_string(),
        },
        client,
    )
    .await?;
    let max_age = app.kernel.now().seconds_until(session.expires_at);
    let mut response = redirect(to, Some(flash));
    response.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(app, &session.token, max_age),
    );
    Ok(response)
}

#[derive(Deserialize, Default)]
struct Next {
    next: Option<String>,
    /// Log in again even if logged in (a tool asked for a fresh log-in).
    #[serde(default)]
    again: Option<String>,
}

// ----- Sign up -----

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage {
    shell: Shell,
    handle: Field,
    display_name: Field,
    email: Field,
    password: Field,
    alerts: Vec<String>,
    next: String,
}

#[derive(Deserialize)]
struct SignUpForm {
    #[serde(default)]
    handle: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn sign_up_page(shell: Shell, Query(q): Query<Next>) -> Response {
    if shell.actor.is_some() {
        return redirect(&local_path(q.next.as_deref()), None);
    }
    let next = local_path(q.next.as_deref());
    leading_to(
        render(&SignUpPage {
            shell,
            handle: Field::default(),
            display_name: Field::default(),
            email: Field::default(),
            password: Field::default(),
            alerts: Vec::new(),
            next: next.clone(),
        }),
        &next,
    )
}

/// A sign-in page whose `next` is a tool's authorization request may, once its form is
/// answered, send the browser on to the tool: its policy lets the form lead to that origin.
/// (The authorization endpoint itself only ever follows a registered redirect URI.)
fn leading_to(mut response: Response, next: &str) -> Response {
    let Some(query) = next.strip_prefix("/oauth/authorize?") else {
        return response;
    };
    if let Some((_, target)) =
        url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "redirect_uri")
    {
        crate::router::allow_forms_to(&mut response, &target);
    }
    response
}

async fn sign_up(
    State(app): State<AppState>,
    shell: Shell,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<SignUpForm>,
) -> Result<Response, Problem> {
    let handle = form.handle.trim().to_lowercase();
    let next = local_path(form.next.as_deref());
    let input = SignUp {
        handle: handle.clone(),
        password: form.password.clone(),
        display_name: Some(form.display_name.trim())
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        email: Some(form.email.trim())
            .filter(|e| !e.is_empty())
            .map(str::to_string),
    };
    match people::sign_up_from(&app.kernel, input, &client_info(&headers, addr)).await {
        Ok(me) => Ok(open_session(
            &app,
            &handle,
            &form.password,
            client_info(&headers, addr),
            &next,
            if me.pending_email.is_some() {
                Flash::WelcomeCheckMail
            } else {
                Flash::Welcome
            },
        )
        .await?),
        Err(e) => {
            let errors = field_errors(e)?;
            let mut page = SignUpPage {
                shell,
                handle: Field::new(form.handle),
                display_name: Field::new(form.display_name),
                email: Field::new(form.email),
                // A password is never sent back into the page.
                password: Field::default(),
                alerts: Vec::new(),
                next,
            };
            page.alerts = set_errors(
                &errors,
                &mut [
                    ("handle", &mut page.handle),
                    ("display_name", &mut page.display_name),
                    ("email", &mut page.email),
                    ("password", &mut page.password),
                ],
            );
            let next = page.next.clone();
            Ok(leading_to(
                render_with(StatusCode::UNPROCESSABLE_ENTITY, &page),
                &next,
            ))
        }
    }
}

// ----- Log in, log out -----

#[derive(Template)]
#[template(path = "login.html")]
struct LogInPage {
    shell: Shell,
    handle: Field,
    password: Field,
    alerts: Vec<String>,
    next: String,
}

#[derive(Deserialize)]
struct LogInForm {
    #[serde(default)]
    handle: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn log_in_page(shell: Shell, Query(q): Query<Next>) -> Response {
    let next = local_path(q.next.as_deref());
    let again = q.again.is_some();
    if shell.actor.is_some() && !again {
        return redirect(&next, None);
    }
    let alerts = if again && shell.actor.is_some() {
        vec!["The tool you are signing in to asks you to log in again.".to_string()]
    } else {
        Vec::new()
    };
    leading_to(
        render(&LogInPage {
            shell,
            handle: Field::default(),
            password: Field::default(),
            alerts,
            next: next.clone(),
        }),
        &next,
    )
}

async fn log_in(
    State(app): State<AppState>,
    shell: Shell,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LogInForm>,
) -> Result<Response, Problem> {
    let next = local_path(form.next.as_deref());
    let mut page = LogInPage {
        shell,
        handle: Field::new(form.handle.clone()),
        password: Field::default(),
        alerts: Vec::new(),
        next: next.clone(),
    };
    if form.handle.trim().is_empty() {
        page.handle.error = Some("Enter your handle or email address.".into());
    }
    if form.password.is_empty() {
        page.password.error = Some("Enter your password.".into());
    }
    if page.handle.error.is_some() || page.password.error.is_some() {
        return Ok(leading_to(
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page),
            &next,
        ));
    }
    let client = client_info(&headers, addr);
    match open_session(
        &app,
        &form.handle,
        &form.password,
        client,
        &next,
        Flash::LoggedIn,
    )
    .await
    {
        Ok(response) => Ok(response),
        Err(Error::Unauthenticated(_)) => {
            page.password.error = Some(
                "That handle and password do not match. Check both, or reset your password.".into(),
            );
            Ok(leading_to(
                render_with(StatusCode::UNAUTHORIZED, &page),
                &next,
            ))
        }
        Err(Error::RateLimited { retry_after_s }) => {
            page.alerts.push(format!(
                "Too many attempts. Wait {retry_after_s} seconds, then try again."
            ));
            Ok(leading_to(
                render_with(StatusCode::TOO_MANY_REQUESTS, &page),
                &next,
            ))
        }
        Err(e) => {
            let errors = field_errors(e)?;
            page.alerts = set_errors(
                &errors,
                &mut [
                    ("handle", &mut page.handle),
                    ("password", &mut page.password),
                ],
            );
            Ok(leading_to(
                render_with(StatusCode::UNPROCESSABLE_ENTITY, &page),
                &next,
            ))
        }
    }
}

async fn log_out(
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    if let Some(actor) = &shell.actor {
        people::log_out(&app.kernel, actor).await?;
    }
    let mut response = redirect("/", Some(Flash::LoggedOut));
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_cookie(&app, "", 0));
    Ok(response)
}

// ----- Forgotten password -----

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    shell: Shell,
    who: Field,
    /// The request was taken: say where the link went.
    sent: bool,
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    who: String,
}

async fn forgot_page(shell: Shell) -> Response {
    render(&ForgotPage {
        shell,
        who: Field::default(),
        sent: false,
    })
}

async fn forgot_password(
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response, Problem> {
    let who = form.who.trim().to_string();
    let mut page = ForgotPage {
        shell,
        who: Field::new(who.clone()),
        sent: false,
    };
    if who.is_empty() {
        page.who.error = Some("Enter your handle or the email address of your account.".into());
        return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let input = if who.contains('@') {
        PasswordResetRequest {
            handle: None,
            email: Some(who),
        }
    } else {
        PasswordResetRequest {
            handle: Some(who.to_lowercase()),
            email: None,
        }
    };
    match people::request_password_reset(&app.kernel, input).await {
        Ok(()) => {
            page.sent = true;
            Ok(render(&page))
        }
        Err(Error::RateLimited { .. }) => {
            page.who.error = Some("Too many requests. Wait a minute, then try again.".into());
            Ok(render_with(StatusCode::TOO_MANY_REQUESTS, &page))
        }
        Err(e) => {
            let errors = field_errors(e)?;
            let detail = errors.into_iter().map(|(_, d)| sentence(&d)).next();
            page.who.error = detail;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetPage {
    shell: Shell,
    password: Field,
    /// The link was used or has expired.
    gone: Option<String>,
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
}

/// The page a new address's confirmation link opens. Opening it changes nothing (mail
/// scanners follow links); the button does.
#[derive(Template)]
#[template(path = "confirm_email.html")]
struct ConfirmEmailPage {
    shell: Shell,
    done: bool,
    gone: Option<String>,
}

async fn confirm_email_page(shell: Shell, Path(_token): Path<String>) -> Response {
    render(&ConfirmEmailPage {
        shell,
        done: false,
        gone: None,
    })
}

async fn confirm_email(
    State(app): State<AppState>,
    shell: Shell,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let mut page = ConfirmEmailPage {
        shell,
        done: false,
        gone: None,
    };
    match people::confirm_email(&app.kernel, &token).await {
        Ok(()) => {
            page.done = true;
            Ok(render(&page))
        }
        Err(Error::Gone(detail)) => {
            page.gone = Some(sentence(&detail));
            Ok(render_with(StatusCode::GONE, &page))
        }
        Err(Error::NotFound(_)) => {
            page.gone = Some("This confirmation link is not valid.".into());
            Ok(render_with(StatusCode::GONE, &page))
        }
        Err(e) => Err(e.into()),
    }
}

async fn reset_page(shell: Shell, Path(_token): Path<String>) -> Response {
    render(&ResetPage {
        shell,
        password: Field::default(),
        gone: None,
    })
}

async fn reset_password(
    State(app): State<AppState>,
    shell: Shell,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<Response, Problem> {
    let mut page = ResetPage {
        shell,
        password: Field::default(),
        gone: None,
    };
    let input = PasswordResetCompletion {
        password: form.password,
    };
    match people::complete_password_reset(&app.kernel, &token, input).await {
        Ok(()) => {
            let mut response = redirect("/login", Some(Flash::PasswordChanged));
            // Every session ended with the change, this browser's too.
            response
                .headers_mut()
                .append(header::SET_COOKIE, session_cookie(&app, "", 0));
            Ok(response)
        }
        Err(Error::Gone(detail)) => {
            page.gone = Some(sentence(&detail));
            Ok(render_with(StatusCode::GONE, &page))
        }
        Err(Error::Unauthenticated(_) | Error::NotFound(_)) => {
            page.gone = Some("This reset link is not valid. Ask for a new one.".into());
            Ok(render_with(StatusCode::GONE, &page))
        }
        Err(e) => {
            let errors = field_errors(e)?;
            let unplaced = set_errors(&errors, &mut [("password", &mut page.password)]);
            if let Some(first) = unplaced.into_iter().next() {
                page.password.error.get_or_insert(first);
            }
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

// ----- Profiles -----

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    shell: Shell,
    profile: Profile,
    initials: String,
    hue: u8,
    yours: bool,
    since: String,
    /// Former handles: (handle, from, until).
    history: Vec<(String, String, String)>,
    /// Groups the viewer shares with them: (handle, name, joined).
    in_common: Option<Vec<(String, String, String)>>,
}

async fn profile_page(
    State(app): State<AppState>,
    shell: Shell,
    Path(at_handle): Path<String>,
) -> Result<Response, Problem> {
    let Some(handle) = at_handle.strip_prefix('@') else {
        return Err(Problem::new(StatusCode::NOT_FOUND, "no such page"));
    };
    let profile = people::profile(&app.kernel, handle).await?;
    // An old handle leads to the current one.
    if profile.handle != handle {
        return Ok(redirect(&format!("/@{}", profile.handle), None));
    }
    let yours = shell
        .actor
        .as_ref()
        .is_some_and(|a| a.account == profile.id);
    let in_common = match &shell.actor {
        Some(actor) if !yours && !actor.is_tool() => Some(
            kernel::groups::groups_in_common(&app.kernel, actor, profile.id)
                .await?
                .into_iter()
                .map(|(g, joined)| (g.handle, g.name, day(joined)))
                .collect(),
        ),
        _ => None,
    };
    let history = profile
        .handle_history
        .iter()
        .filter_map(|h| Some((h.handle.clone(), day(h.since), day(h.until?))))
        .collect();
    Ok(render(&ProfilePage {
        since: day(profile.created_at),
        history,
        in_common,
        initials: initials(&profile.display_name),
        hue: hue(&profile.handle),
        yours,
        shell,
        profile,
    }))
}

// ----- Settings -----

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    shell: Shell,
    tab: &'static str,
    display_name: Field,
    handle: Field,
    email: Field,
    pending_email: Option<String>,
    current_password: Field,
    new_password: Field,
    alerts: Vec<String>,
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn settings_page(State(app): State<AppState>, shell: Shell) -> Result<Response, Problem> {
    let actor = shell.require_actor()?;
    let me = people::me(&app.kernel, actor).await?;
    Ok(render(&SettingsPage {
        display_name: Field::new(me.display_name),
        handle: Field::new(me.handle),
        email: Field::new(me.email.unwrap_or_default()),
        pending_email: me.pending_email,
        current_password: Field::default(),
        new_password: Field::default(),
        alerts: Vec::new(),
        tab: "profile",
        shell,
    }))
}

async fn save_settings(
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let me = people::me(&app.kernel, &actor).await?;
    let email = form.email.trim();
    let changing_password = !form.new_password.is_empty();
    let update = MeUpdate {
        display_name: (form.display_name.trim() != me.display_name)
            .then(|| form.display_name.trim().to_string()),
        handle: (form.handle.trim() != me.handle).then(|| form.handle.trim().to_lowercase()),
        email: (Some(email) != me.email.as_deref())
            .then(|| Some(email.to_string()).filter(|e| !e.is_empty())),
        current_password: (!changing_password && !form.current_password.is_empty())
            .then(|| form.current_password.clone()),
        password: changing_password.then(|| PasswordChange {
            current: form.current_password.clone(),
            new: form.new_password.clone(),
        }),
    };
    match people::update_me(&app.kernel, &actor, update).await {
        // A new password ends every other session; this one stays.
        Ok(_) => Ok(redirect("/settings", Some(Flash::Saved))),
        Err(e) => {
            let errors = match e {
                Error::Unauthenticated(detail) | Error::Forbidden(detail) if changing_password => {
                    vec![("password.current".to_string(), detail)]
                }
                // One field on the page confirms both a new password and a new address.
                other => field_errors(other)?
                    .into_iter()
                    .map(|(name, detail)| match name.as_str() {
                        "current_password" => ("password.current".to_string(), detail),
                        _ => (name, detail),
                    })
                    .collect(),
            };
            let mut page = SettingsPage {
                shell,
                tab: "profile",
                display_name: Field::new(form.display_name),
                handle: Field::new(form.handle),
                email: Field::new(form.email),
                pending_email: me.pending_email,
                current_password: Field::default(),
                new_password: Field::default(),
                alerts: Vec::new(),
            };
            page.alerts = set_errors(
                &errors,
                &mut [
                    ("display_name", &mut page.display_name),
                    ("handle", &mut page.handle),
                    ("email", &mut page.email),
                    ("password.current", &mut page.current_password),
                    ("password.new", &mut page.new_password),
                ],
            );
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
