//! The fabric every Weft tool stands on: ids, time, errors, pagination, the database, people
//! and mail. Nothing here speaks HTTP; `web` turns these into the protocol.

pub mod activity;
pub mod comments;
pub mod db;
pub mod error;
pub mod files;
pub mod group_commit;
pub mod groups;
pub mod id;
pub mod jobs;
pub mod kernel;
pub mod mail;
pub mod motions;
pub mod notify;
pub mod page;
pub mod people;
pub mod policy;
#[cfg(test)]
mod query_plans;
pub mod seal;
pub mod string_enum;
pub mod subjects;
pub mod time;
pub mod tool;

pub use error::{Error, FieldError, Result};
pub use kernel::{Kernel, KernelConfig};
pub use time::{Clock, ManualClock, SystemClock, Timestamp};
