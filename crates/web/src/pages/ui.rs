//! `/ui`: the design language, documented with live examples, for Weft's own pages and for
//! outside tools that link `/assets/weft.css`.

use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;

use super::render;
use super::shell::Shell;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ui", get(ui))
}

#[derive(Template)]
#[template(path = "ui.html")]
struct UiPage {
    shell: Shell,
}

async fn ui(shell: Shell) -> Response {
    render(&UiPage { shell })
}
