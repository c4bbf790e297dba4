//! The activity log: every change of state writes an ActivityStreams 2.0 activity in the same
//! transaction. Readers — notifications, the live stream, webhooks, later contracts and
//! reputation — read it in commit order from a cursor (DESIGN section 5).

pub mod bus;
pub mod log;
pub mod model;
pub mod service;
pub(crate) mod store;

pub use log::record;
pub use model::*;
