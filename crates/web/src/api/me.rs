//! The caller's own account.

use axum::extract::State;
use kernel::people::{self, Me, MeUpdate};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Caller, Json, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_me, update_me))
}

/// Your account.
#[utoipa::path(get, path = "/api/v1/me", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = Me)))]
async fn get_me(State(app): State<AppState>, Caller(actor): Caller) -> Result<Json<Me>, Problem> {
    Ok(Json(people::me(&app.kernel, &actor).await?))
}

/// Change your display name, handle (the old one stays in your history), email or password.
///
/// A new password needs the current one and logs out every other session.
#[utoipa::path(patch, path = "/api/v1/me", tag = "people", security(("bearer" = [])),
    request_body = MeUpdate,
    responses((status = 200, body = Me)))]
async fn update_me(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<MeUpdate>,
) -> Result<Json<Me>, Problem> {
    Ok(Json(people::update_me(&app.kernel, &actor, input).await?))
}
