//! What a tool crate adds to Weft's web face: its JSON API, endpoints another specification
//! shapes, its pages under `/groups/{group}/{tool}/…` and its tab in a group's bar. The shell
//! asks each tool; a new tool changes nothing here.

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::pages::NavLink;
use crate::pages::groups::GroupContext;

pub trait Tool: Send + Sync + 'static {
    /// The tool's name, the path segment of its pages.
    fn name(&self) -> &'static str;

    /// JSON endpoints, described in the OpenAPI document.
    fn api(&self) -> Option<OpenApiRouter<AppState>> {
        None
    }

    /// Endpoints whose shape another specification fixes (OAuth's), outside the document.
    fn plain(&self) -> Option<Router<AppState>> {
        None
    }

    /// Pages, nested under `/groups/{group}/{name}`.
    fn pages(&self) -> Option<Router<AppState>> {
        None
    }

    /// The tool's tab in the group's bar, when this viewer should see one.
    fn nav(&self, _group: &GroupContext) -> Option<NavLink> {
        None
    }

    /// Pages at paths of the tool's own choosing outside any group (a sign-in consent page,
    /// a tab of the account's settings), in the shell, with its forms' CSRF protection.
    fn root_pages(&self) -> Option<Router<AppState>> {
        None
    }

    /// A tab of the account's settings (`/settings/…`), served by [`Tool::root_pages`].
    fn settings_tab(&self) -> Option<NavLink> {
        None
    }
}
