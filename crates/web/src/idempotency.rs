//! The `Idempotency-Key` of a request that moves value, and the answer to its replay: every
//! tool's POST that may not be done twice (a payment, a bounty) reads the key here and marks
//! a replayed answer `Idempotent-Replayed: true`.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::{Json, Problem};

/// The request's key, if it has one: 1 to 200 visible ASCII characters (422 otherwise).
pub fn key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(k) if (1..=200).contains(&k.len()) && k.bytes().all(|b| (0x21..0x7f).contains(&b)) => {
            Ok(Some(k.to_string()))
        }
        _ => Err(Problem::from(kernel::Error::invalid(
            "Idempotency-Key",
            "1 to 200 visible ASCII characters (a UUID is a good key)",
        ))),
    }
}

/// The key of a request that goes to the ledger as it is (`POST /api/v1/transfers`): like
/// `key`, but one starting with a tool's name and `-` is refused (422), since the tools ask
/// the ledger under such keys in the person's name (`intents-…-refund`) and a person who
/// took one first would block the tool's step for good.
pub fn ledger_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let key = key(headers)?;
    if let Some(k) = &key
        && kernel::tool::RESERVED_NAMES.iter().any(|tool| {
            k.strip_prefix(tool)
                .is_some_and(|rest| rest.starts_with('-'))
        })
    {
        return Err(Problem::from(kernel::Error::invalid(
            "Idempotency-Key",
            "keys that start with a tool's name and - are the tools' own",
        )));
    }
    Ok(key)
}

/// `body` with `status`, marked as a replay when it is the answer a first request got.
pub fn replayed<T: Serialize>(status: StatusCode, body: T, replayed: bool) -> Response {
    let mut response = (status, Json(body)).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}
