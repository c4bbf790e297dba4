//! Notifications: direct ones (an invitation, a join request for admins, a role change, a
//! mention) fan out on write, one row per person named; a group's activity is read on demand
//! from the log against a per-person, per-group "seen up to" cursor — so an activity in a
//! 10,000-member group costs one row, not 10,000.

pub mod digest;
pub mod live;
pub mod model;
pub mod service;
pub(crate) mod store;

pub use model::*;
