//! Links mailed to a person: forgotten passwords (ask for a link, then set a new password
//! with its token) and the confirmation of a new email address.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kernel::people::{self, EmailConfirmation, PasswordResetCompletion, PasswordResetRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Json, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_reset))
        .routes(routes!(complete_reset))
        .routes(routes!(confirm_email))
}

/// Ask for a password-reset link.
///
/// Always answers 202: whether the account exists, and whether it has an address, is not
/// told. If it does, a single-use link valid for an hour is mailed to it.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "people", security(()),
    request_body = PasswordResetRequest,
    responses((status = 202, description = "A link is mailed if the account has an address")))]
async fn request_reset(
    State(app): State<AppState>,
    Json(input): Json<PasswordResetRequest>,
) -> Result<StatusCode, Problem> {
    people::request_password_reset(&app.kernel, input).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Set a new password with the token from a reset link. Every session is logged out.
#[utoipa::path(post, path = "/api/v1/password-resets/{token}", tag = "people", security(()),
    params(("token" = String, Path, description = "The token from the mailed link")),
    request_body = PasswordResetCompletion,
    responses((status = 204, description = "The password is changed"),
        (status = 410, description = "The link was used or has expired", body = Problem)))]
async fn complete_reset(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Json(input): Json<PasswordResetCompletion>,
) -> Result<StatusCode, Problem> {
    people::complete_password_reset(&app.kernel, &token, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirm a new email address with the token from the link mailed to it; from then on
/// password resets go there. No log-in is needed: the token is the proof.
#[utoipa::path(post, path = "/api/v1/email-confirmations", tag = "people", security(()),
    request_body = EmailConfirmation,
    responses((status = 204, description = "The account uses the new address"),
        (status = 410, description = "The link is unknown, used or expired", body = Problem)))]
async fn confirm_email(
    State(app): State<AppState>,
    Json(input): Json<EmailConfirmation>,
) -> Result<StatusCode, Problem> {
    people::confirm_email(&app.kernel, &input.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
