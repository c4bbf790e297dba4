//! The kernel's JSON API under `/api/v1` (DESIGN section 6): accounts, sessions, the caller's
//! own account, password resets, personal access tokens, groups, members, roles,
//! invitations, join requests and which groups use which tools. Handlers only parse, name the
//! caller and call one kernel function.

pub mod accounts;
pub mod groups;
pub mod invitations;
pub mod me;
pub mod members;
pub mod password_resets;
pub mod sessions;
pub mod tokens;
pub mod tools;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(accounts::routes())
        .merge(sessions::routes())
        .merge(me::routes())
        .merge(password_resets::routes())
        .merge(tokens::routes())
        .merge(groups::routes())
        .merge(members::routes())
        .merge(invitations::routes())
        .merge(tools::routes())
}
