//! The one contract a tool crate fulfils (docs/tools.md). A tool hands the composition root
//! one value; from it the root derives everything: the manifest groups turn on, the tables
//! (migrations), the durable jobs and background work, the `Decisions` port, the JSON API with
//! its OpenAPI paths, endpoints another specification shapes, pages, the group tab and the
//! settings tab. Adding a tool is one folder (`crates/tools/<name>/`) and one line in
//! `weft::server::tools`; nothing here or in the kernel changes.

use std::sync::Arc;

use axum::Router;
use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::db::Migrations;
use kernel::jobs::JobHandler;
use kernel::motions::Decisions;
use kernel::subjects::Subject;
use kernel::tool::ToolManifest;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::pages::NavLink;
use crate::pages::groups::GroupContext;

/// Background work a tool started (a log consumer, a writer); it stops with the shutdown token.
pub type Background = Vec<JoinHandle<()>>;

pub trait Tool: Send + Sync + 'static {
    /// The tool's name, the path segment of its pages.
    fn name(&self) -> &'static str;

    /// What groups turn on (name, description, icon, permissions, activity types), for a tool
    /// a group chooses; none for a part of the fabric every group has.
    fn manifest(&self) -> Option<ToolManifest> {
        None
    }

    /// The tables it owns, and those of the libraries it alone brings (`kernel::migrations!`).
    fn migrations(&self) -> Vec<&'static Migrations> {
        Vec::new()
    }

    /// The kinds of things of this tool that files and comments attach to, each with who may
    /// read one and the group it lives in (`kernel::subjects`).
    fn subjects(&self) -> Vec<(&'static str, Arc<dyn Subject>)> {
        Vec::new()
    }

    /// The port the decision tool implements (`kernel::motions`); one tool provides it.
    fn decisions(&self) -> Option<Arc<dyn Decisions>> {
        None
    }

    /// Runs once the kernel is built and migrated, before the first request: state that
    /// needs the kernel (a writer, a cache), secrets to seal anew, work in the background.
    fn start<'a>(
        &'a self,
        _kernel: &'a Arc<Kernel>,
        _shutdown: &'a CancellationToken,
    ) -> BoxFuture<'a, kernel::Result<Background>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Durable jobs, by kind, for the runner (asked after [`Tool::start`]).
    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        Vec::new()
    }

    /// JSON endpoints, described in the OpenAPI document (asked after [`Tool::start`]).
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
