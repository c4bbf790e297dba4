//! The credit tool's JSON API: the ledger's own endpoints (`ledger`), common pools with their
//! spends and expense claims (`pools`), dues and obligations (`dues`), and payments between
//! members with requests and currency health (`payments`). Every POST that moves value takes
//! an `Idempotency-Key`; a replay answers what the first request did, marked
//! `Idempotent-Replayed: true`.

mod dues;
mod ledger;
mod payments;
mod pools;

use utoipa_axum::router::OpenApiRouter;
use web::{AppState, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    ledger::routes()
        .merge(pools::routes())
        .merge(dues::routes())
        .merge(payments::routes())
}

/// An id from the path; one that does not parse names nothing ("not found").
fn id<T: std::str::FromStr>(text: &str, what: &'static str) -> Result<T, Problem> {
    text.parse().map_err(|_| Problem::not_found(what))
}

pub(crate) use web::idempotency::{key as idempotency_key, replayed};

/// An optional JSON body: empty (or whitespace) is the default.
fn optional<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| Problem::from(kernel::Error::invalid("body", e.to_string())))
}
