//! Weft's HTTP foundation: the app state, who is calling, errors as `problem+json`, the JSON
//! extractor, the OpenAPI document, operational endpoints, the kernel's JSON API, and the
//! browser's side: the page shell, the design language and its assets, the kernel's pages and
//! the `Tool` trait through which tools add theirs.

pub mod api;
pub mod assets;
pub mod auth;
pub mod changes;
pub mod idempotency;
pub mod json;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod problem;
pub mod router;
pub mod state;
pub mod streams;
pub mod tool;

pub use auth::{Caller, MaybeCaller, StreamCaller};
pub use json::Json;
pub use problem::Problem;
pub use router::app;
pub use state::AppState;
pub use tool::Tool;
