//! Weft's HTTP foundation: the app state, who is calling, errors as `problem+json`, the JSON
//! extractor, the OpenAPI document, operational endpoints and the kernel's JSON API.

pub mod api;
pub mod auth;
pub mod json;
pub mod openapi;
pub mod ops;
pub mod problem;
pub mod router;
pub mod state;

pub use auth::{Caller, MaybeCaller, StreamCaller};
pub use json::Json;
pub use problem::Problem;
pub use router::{Mounts, app};
pub use state::AppState;
