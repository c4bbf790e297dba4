//! The tasks tool's pages.

use axum::Router;
use web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

pub fn root_routes() -> Router<AppState> {
    Router::new()
}

pub fn nav(_group: &web::pages::groups::GroupContext) -> Option<web::pages::NavLink> {
    None
}
