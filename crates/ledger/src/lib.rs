//! Weft's one book of value (DESIGN section 7): currencies owned by groups, accounts with
//! floors and ceilings, and transfers — posted, pending (posted or voided later, or voided
//! by a timeout), linked into all-or-nothing batches, idempotent under a key — that are only
//! ever added, each hash-chained to the one before it in its currency. Every tool that moves
//! value posts here. TigerBeetle's model and invariants; Cyclos' and CES' mutual-credit
//! limits; Credit Commons' hash chain.

pub mod amount;
pub mod book;
pub mod chain;
pub mod engine;
pub mod jobs;
pub mod model;
pub mod notices;
pub mod pools;
pub mod service;
pub mod store;
pub mod verify;

pub use engine::{End, Ledger, Leg, Op, Outcome, SharedLedger};

/// The ledger's tables (`migrations/`).
pub static MIGRATIONS: kernel::db::Migrations = kernel::migrations!();
pub use model::*;
