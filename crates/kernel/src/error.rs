//! What can go wrong, as kinds rather than status codes; only `web` maps kinds to HTTP.

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One invalid field of a request, named so a client can show the message beside the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name or JSON path, e.g. `handle` or `password.new`.
    pub field: String,
    /// What is wrong with it, in words a person can act on.
    pub detail: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed (syntax, an unreadable cursor, a bad parameter).
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or credentials that are wrong, expired or revoked.
    #[error("{0}")]
    Unauthenticated(String),
    /// Known caller, not allowed. Things the caller may not even know about are `NotFound`.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// It existed but is no more (a used or expired link).
    #[error("{0}")]
    Gone(String),
    /// The request clashes with the current state (a taken handle, a used token).
    #[error("{detail}")]
    Conflict {
        field: Option<String>,
        detail: String,
    },
    /// Well-formed but invalid input, field by field.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("too many attempts; try again in {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    /// Something failed inside; the cause is logged, never sent to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Who may not read a thing hears "not found", not "forbidden" — its id tells nothing:
    /// `.map_err(Error::hidden_as("poll"))` turns either refusal into a 404 naming `what`.
    pub fn hidden_as(what: &'static str) -> impl Fn(Error) -> Error {
        move |e| match e {
            Error::Forbidden(_) | Error::NotFound(_) => Error::NotFound(what),
            other => other,
        }
    }

    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, detail)])
    }

    pub fn conflict(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Conflict {
            field: Some(field.into()),
            detail: detail.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Error::Internal(cause.to_string())
    }
}

/// Collects field errors so a request reports every invalid field at once, not the first.
#[derive(Debug, Default)]
pub struct Validation(Vec<FieldError>);

impl Validation {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn check(&mut self, field: &str, outcome: std::result::Result<(), String>) {
        if let Err(detail) = outcome {
            self.0.push(FieldError::new(field, detail));
        }
    }

    pub fn push(&mut self, field: impl Into<String>, detail: impl Into<String>) {
        self.0.push(FieldError::new(field, detail));
    }

    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}
