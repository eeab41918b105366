//! Uploaded files over REST (issue 9): `POST /api/v1/files?name=` stores
//! the raw body (size and type limits), `GET /api/v1/files/{id}` serves it
//! back to its uploader, to staff of the same tenant and to the members of
//! an alliance whose document it is, as an attachment
//! that the browser neither sniffs nor runs. Domains refer to files by id
//! (a form's `file` field) and check them with `Store::fetch_file`.

use super::extract::Authed;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{FileRow, StoreError};
use arena_protocol::{ErrorBody, ErrorCode, Snowflake};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sha2::Digest;

/// The routes of this file, under `/api/v1`, with their own body limit
/// (`max_upload_bytes`) instead of the API's 256 KiB.
pub fn routes(max_upload_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/files", post(upload))
        .route("/files/{id}", get(download))
        .layer(DefaultBodyLimit::max(max_upload_bytes))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(upload, download))]
pub struct Api;

/// Longest file name, characters.
const MAX_NAME: usize = 200;

/// `?name=` the file's name as the uploader knows it.
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    pub name: String,
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    let body = ErrorBody::new(ErrorCode::BadRequest, message);
    (status, Json(serde_json::json!({ "error": body }))).into_response()
}

/// Stores the raw request body as a file of the caller: 201 `{id, name,
/// content_type, size, sha256, owner_id, created_at}`. The type is decided
/// from the bytes (`Content-Type` only tells CSV from plain text): 415 for
/// a type outside the accepted documents, images and text; 413 above
/// `max_upload_bytes`; 400 for an empty body or a bad name.
#[utoipa::path(post, path = "/api/v1/files", security(("bearer" = [])),
    params(("name" = String, Query, description = "file name, 1..200 characters, no path separators")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, description = "{id, name, content_type, size, sha256, owner_id, created_at}"),
              (status = 400, description = "empty body or bad name"), (status = 413, description = "too large"),
              (status = 415, description = "type not accepted")))]
pub async fn upload(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Ok(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("files may be at most {} bytes", state.cfg.max_upload_bytes),
            ))
        }
        Err(e) => return Err(ApiError::new(ErrorCode::BadRequest, e.body_text())),
    };
    let name = q.name.trim();
    let n = name.chars().count();
    if n == 0
        || n > MAX_NAME
        || name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            format!("name must be 1..{MAX_NAME} characters without control characters or path separators"),
        ));
    }
    if body.is_empty() {
        return Err(ApiError::new(ErrorCode::BadRequest, "the file is empty"));
    }
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let content_type = match crate::files::classify(declared, &body) {
        Ok(t) => t,
        Err(why) => return Ok(refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, why)),
    };
    let row = FileRow {
        id: state.ids.next_id().0 as i64,
        owner_id: actor.user_id,
        name: name.to_owned(),
        content_type: content_type.to_owned(),
        size: body.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(&body)),
        created_at: time::OffsetDateTime::now_utc(),
    };
    state
        .files
        .put(actor.tenant_id, row.id, body)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "file storage failed");
            ApiError::new(ErrorCode::Unavailable, "file storage is unavailable; retry")
        })?;
    state.store.insert_file(actor.tenant_id, &row).await?;
    Ok((StatusCode::CREATED, Json(row.to_json())).into_response())
}

/// The file's bytes, to its uploader, to staff of its tenant, and to the
/// partner members of an alliance it is a document of (404 for anyone
/// else, and for another tenant's file id): `Content-Disposition:
/// attachment`, `nosniff` and a sandboxing CSP.
#[utoipa::path(get, path = "/api/v1/files/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "the bytes"), (status = 404, description = "no such file for the caller")))]
pub async fn download(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<Snowflake>,
) -> Result<Response, ApiError> {
    let id = id.0 as i64;
    let row = match state.store.fetch_file(actor.tenant_id, id).await {
        Ok(r) if r.owner_id == actor.user_id || actor.role.is_staff() => r,
        // A document of the caller's alliance (issue 15), uploaded by staff.
        Ok(r)
            if actor.bot.is_none()
                && state
                    .store
                    .fetch_alliance_file_shared(actor.tenant_id, id, actor.user_id)
                    .await? =>
        {
            r
        }
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(ApiError::new(ErrorCode::NotFound, "no such file"))
        }
        Err(e) => return Err(e.into()),
    };
    let bytes = state.files.get(actor.tenant_id, id).await.map_err(|e| {
        tracing::error!(error = %e, file = id, "file bytes missing or storage down");
        ApiError::new(ErrorCode::Unavailable, "file storage is unavailable; retry")
    })?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        url::form_urlencoded::byte_serialize(row.name.as_bytes()).collect::<String>()
    );
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&row.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(resp)
}
