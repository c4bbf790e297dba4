//! A JSON body extractor whose rejections name the offending field (`serde_path_to_error`)
//! and come as problems: 400 for broken JSON, 415 for another media type, 413 for too large,
//! 422 for the right syntax with the wrong shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::{Error, FieldError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Problem;

#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
        let is_json = content_type
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            let status = rejection.status();
            Problem::new(status, rejection.body_text())
        })?;
        // `curl -X POST …`: no body and no Content-Type reads as `{}`, so an action whose body
        // is entirely optional works without one (and one whose body has required fields
        // names them in a 422). A body that is sent must be JSON.
        if content_type.is_none() && bytes.is_empty() {
            return parse(b"{}").map(Json);
        }
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        parse(&bytes).map(Json)
    }
}

/// Parses a JSON document, naming the field of the first mismatch.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    // Every body of this API is an object. serde would also read a struct from an array of
    // its fields in order (`[null, null]`), which nobody means.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(Problem::from(Error::Invalid(vec![FieldError::new(
            "",
            "the body must be a JSON object",
        )])));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            Problem::from(Error::BadRequest(format!(
                "the body is not valid JSON: {inner}"
            )))
        } else {
            let path = e.path().to_string();
            let detail = strip_position(&inner.to_string());
            let field = field_name(if path == "." { "" } else { &path }, &detail);
            Problem::from(Error::Invalid(vec![FieldError::new(field, detail)]))
        }
    })?;
    de.end().map_err(|e| {
        Problem::from(Error::BadRequest(format!(
            "the body has data after the JSON value: {e}"
        )))
    })?;
    Ok(value)
}

/// The field a message is about: a missing or unknown field is named inside the message,
/// one level below the path where it was noticed.
fn field_name(path: &str, detail: &str) -> String {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| detail.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    match (named, path.is_empty()) {
        (Some(name), true) => name.to_string(),
        (Some(name), false) => format!("{path}.{name}"),
        (None, _) => path.to_string(),
    }
}

/// serde_json appends " at line 1 column 17" to messages; the field name says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        handle: String,
        nested: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn wrong_types_name_their_field() {
        let p = parse::<Body>(br#"{"handle": "a", "nested": {"count": "x"}}"#).unwrap_err();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors.unwrap()[0].field, "nested.count");
        let p = parse::<Body>(br#"{"nested": null}"#).unwrap_err();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors.unwrap()[0].field, "handle");
        let p = parse::<Body>(br#"{"handle": "a", "nested": {}}"#).unwrap_err();
        assert_eq!(p.errors.unwrap()[0].field, "nested.count");
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        assert_eq!(parse::<Body>(b"{\"handle\":").unwrap_err().status, 400);
        assert_eq!(
            parse::<Body>(b"{\"handle\":\"a\"} x").unwrap_err().status,
            400
        );
    }
}
