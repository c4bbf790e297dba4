//! Files on any tool's things (`kernel::files`): upload the bytes as the body, list a thing's
//! files, fetch one, delete one. Served with their sniffed type, `nosniff`, a sandboxing
//! security policy and a `Content-Disposition`.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::files::{self, FileInfo, NewFile};
use kernel::id::FileId;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Caller, Json, MaybeCaller, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload, list))
        .routes(routes!(download, delete))
}

/// The thing files are attached to.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubjectQuery {
    /// `group`, or a tool's kind of thing.
    pub subject_type: String,
    /// Its id (a group's id or handle).
    pub subject_id: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `group`, or a tool's kind of thing.
    pub subject_type: String,
    /// Its id (a group's id or handle).
    pub subject_id: String,
    /// The file's name, as people will see it.
    pub name: String,
}

fn file_id(text: &str) -> Result<FileId, Problem> {
    text.parse().map_err(|_| Problem::not_found("file"))
}

/// Upload a file to a thing you may post to: the body is the file. Only JPEG, PNG, WebP and
/// PDF are kept, judged by the bytes (a `Content-Type` that disagrees is refused); at most
/// `max_file_bytes` (10 MB by default, 413 above).
#[utoipa::path(post, path = "/api/v1/files", tag = "files", security(("bearer" = [])),
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The file's bytes"),
    responses((status = 201, body = FileInfo)))]
async fn upload(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<FileInfo>), Problem> {
    let limit = app.kernel.config.max_file_bytes;
    let bytes = axum::body::to_bytes(body, usize::try_from(limit).unwrap_or(usize::MAX))
        .await
        .map_err(|_| {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a file may have at most {limit} bytes"),
            )
        })?;
    let claimed_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let new = NewFile {
        subject_type: q.subject_type,
        subject_id: q.subject_id,
        name: q.name,
        claimed_type,
        bytes: bytes.to_vec(),
    };
    Ok((
        StatusCode::CREATED,
        Json(files::upload(&app.kernel, &actor, new).await?),
    ))
}

/// The files of a thing, oldest first, for who may read it.
#[utoipa::path(get, path = "/api/v1/files", tag = "files", security((), ("bearer" = [])),
    params(SubjectQuery), responses((status = 200, body = Vec<FileInfo>)))]
async fn list(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Query(q): Query<SubjectQuery>,
) -> Result<Json<Vec<FileInfo>>, Problem> {
    Ok(Json(
        files::list(&app.kernel, actor.as_ref(), &q.subject_type, &q.subject_id).await?,
    ))
}

/// A file's bytes, for who may read the thing it is attached to.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", security((), ("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "File id")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream")))]
async fn download(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let (info, bytes) = files::download(&app.kernel, actor.as_ref(), file_id(&id)?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, info.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                files::content_disposition(&info),
            ),
            (header::ETAG, format!("\"{}\"", info.sha256)),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
            // Nothing in a file runs, even opened on its own.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Delete a file: who uploaded it, or who moderates the group.
#[utoipa::path(delete, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "File id")),
    responses((status = 204, description = "Deleted")))]
async fn delete(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    files::delete(&app.kernel, &actor, file_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
