//! The kernel's JSON API under `/api/v1` (DESIGN section 6): accounts, sessions, the caller's
//! own account, password resets and personal access tokens. Handlers only parse, name the
//! caller and call one kernel function.

pub mod accounts;
pub mod me;
pub mod password_resets;
pub mod sessions;
pub mod tokens;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(accounts::routes())
        .merge(sessions::routes())
        .merge(me::routes())
        .merge(password_resets::routes())
        .merge(tokens::routes())
}
