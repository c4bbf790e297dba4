//! The kernel's JSON API under `/api/v1` (DESIGN section 6): accounts, sessions, the caller's
//! own account, password resets, personal access tokens, groups, members, roles,
//! invitations, join requests, which groups use which tools, group activity, notifications,
//! the live stream. (The ledger's API is the credit tool's.) Handlers only parse, name the
//! caller and call one kernel function.

pub mod accounts;
pub mod activities;
pub mod comments;
pub mod files;
pub mod groups;
pub mod invitations;
pub mod me;
pub mod members;
pub mod notifications;
pub mod password_resets;
pub mod sessions;
pub mod stream;
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
        .merge(activities::routes())
        .merge(notifications::routes())
        .merge(stream::routes())
        .merge(files::routes())
        .merge(comments::routes())
}
