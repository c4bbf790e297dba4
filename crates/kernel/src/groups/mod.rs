//! Groups: who is in which group, with which role, how people join (openly, on request, by
//! invitation), subgroups, custom roles, and which tools each group uses.

pub mod access;
pub mod model;
pub mod service;
pub(crate) mod store;

pub use model::*;
pub use service::*;
pub use store::{GroupRow, ToolGroupRow};
