//! People: accounts, their credentials (password, sessions, personal access tokens), their
//! Ed25519 keys and `did:key`, and the history of their handles.

pub mod login_limit;
pub mod model;
pub mod scope;
pub mod secrets;
pub mod service;
pub(crate) mod store;

pub use model::*;
pub use scope::{Access, Scope, Scopes, ToolName};
pub use service::*;
