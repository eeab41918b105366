//! The bytes of uploaded files (onboarding documents, case evidence),
//! through the `object_store` crate: a local directory (`files_dir`, under
//! the data folder by default) or an S3-compatible bucket (`files_s3_bucket`,
//! credentials and endpoint from the standard `AWS_*` variables). Objects
//! are keyed `tenants/<tenant_id>/files/<id>`; the metadata row in Postgres
//! ([`crate::store::FileRow`]) is looked up with the reader's tenant first,
//! so a file is never served to another tenant.

use crate::config::Config;
use crate::ids::TenantId;
use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use std::sync::Arc;

/// Content types an upload may have, decided from its bytes: documents,
/// images and plain text or CSV (no HTML, SVG or scripts, which a browser
/// could run).
pub const ALLOWED_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/plain",
    "text/csv",
];

/// Where uploaded bytes are kept. Cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileStore({})", self.inner)
    }
}

impl FileStore {
    /// The S3 bucket when `files_s3_bucket` is set, else the directory
    /// `files_dir` (created if missing). Errors name the cause (directory
    /// not creatable, S3 settings incomplete).
    pub fn from_config(cfg: &Config) -> Result<FileStore, object_store::Error> {
        let inner: Arc<dyn ObjectStore> = match &cfg.files_s3_bucket {
            Some(bucket) => Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()?,
            ),
            None => {
                std::fs::create_dir_all(&cfg.files_dir).map_err(|e| {
                    object_store::Error::Generic {
                        store: "LocalFileSystem",
                        source: Box::new(e),
                    }
                })?;
                Arc::new(object_store::local::LocalFileSystem::new_with_prefix(
                    &cfg.files_dir,
                )?)
            }
        };
        Ok(FileStore { inner })
    }

    fn path(tenant_id: TenantId, id: i64) -> Path {
        Path::from(format!("tenants/{tenant_id}/files/{id}"))
    }

    /// Stores the bytes of file `id`.
    pub async fn put(
        &self,
        tenant_id: TenantId,
        id: i64,
        bytes: Bytes,
    ) -> Result<(), object_store::Error> {
        self.inner
            .put(&Self::path(tenant_id, id), PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
    }

    /// The bytes of file `id` (`NotFound` when absent).
    pub async fn get(&self, tenant_id: TenantId, id: i64) -> Result<Bytes, object_store::Error> {
        self.inner
            .get(&Self::path(tenant_id, id))
            .await?
            .bytes()
            .await
    }
}

/// The content type of an upload, decided from its first bytes (`infer`);
/// bytes no signature matches are text only when they are UTF-8 without
/// control characters other than tab, CR and LF, and then `text/csv` if
/// `declared` says so, else `text/plain`. `Err` with the reason when the
/// type is not in [`ALLOWED_TYPES`].
pub fn classify(declared: &str, bytes: &[u8]) -> Result<&'static str, String> {
    if let Some(kind) = infer::get(bytes) {
        let mime = kind.mime_type();
        return ALLOWED_TYPES
            .iter()
            .copied()
            .find(|t| *t == mime)
            .ok_or_else(|| format!("files of type {mime} are not accepted"));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        "the file is neither a known document or image type nor UTF-8 text".to_owned()
    })?;
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
    {
        return Err("text files may not contain control characters".into());
    }
    let declared = declared.split(';').next().unwrap_or("").trim();
    Ok(if declared.eq_ignore_ascii_case("text/csv") {
        "text/csv"
    } else {
        "text/plain"
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::classify;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(
            classify("image/png", b"%PDF-1.7\n...").unwrap(),
            "application/pdf"
        );
        assert_eq!(
            classify("application/pdf", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap(),
            "image/png"
        );
        assert_eq!(classify("text/csv", b"a,b\n1,2\n").unwrap(), "text/csv");
        assert_eq!(
            classify("application/pdf", b"hello\n").unwrap(),
            "text/plain"
        );
        assert!(classify("text/plain", b"MZ\x90\0\x03\0\0\0").is_err());
        assert!(classify("text/plain", b"a\0b").is_err());
        assert!(classify("text/plain", &[0xff, 0xfe, 0x41]).is_err());
    }
}
