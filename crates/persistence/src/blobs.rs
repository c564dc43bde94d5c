//! Where attachment bytes live: a content-addressed store keyed by SHA-256, so the same file is
//! kept once however often it is uploaded: in a folder (`FsBlobStore`) or an S3-compatible
//! bucket (`S3BlobStore`), chosen at start-up as a [`Blobs`].
//!
//! Decisions:
//! - A blob is written to a temporary file in its final folder, flushed, then renamed: a reader
//!   sees the whole file or none, and two writers of the same content both end with that file.
//! - Keys are checked to be 64 lowercase hex digits before they become paths, so a key can never
//!   walk out of the store's folder.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

mod s3;

pub use s3::{S3BlobStore, S3Config};

/// A blob's key: its SHA-256 in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    /// The key of these bytes.
    #[must_use]
    pub fn of(bytes: &[u8]) -> BlobKey {
        BlobKey(format!("{:x}", Sha256::digest(bytes)))
    }

    /// A stored key read back; `None` unless it is 64 lowercase hex digits.
    #[must_use]
    pub fn parse(text: &str) -> Option<BlobKey> {
        (text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| BlobKey(text.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What `put` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put {
    pub key: BlobKey,
    /// False when the store already held these bytes.
    pub created: bool,
}

/// A content-addressed store of attachment bytes.
pub trait BlobStore: Send + Sync {
    /// Stores the bytes (once) and returns their key.
    fn put(&self, bytes: &[u8]) -> impl Future<Output = io::Result<Put>> + Send;
    /// The bytes under `key`, or `None` when there are none.
    fn get(&self, key: &BlobKey) -> impl Future<Output = io::Result<Option<Vec<u8>>>> + Send;
    /// Whether `key` is stored.
    fn exists(&self, key: &BlobKey) -> impl Future<Output = io::Result<bool>> + Send;
    /// Removes the blob (used to undo a `put` whose record was not written); absent is fine.
    fn remove(&self, key: &BlobKey) -> impl Future<Output = io::Result<()>> + Send;
}

/// The cause inside an `io::Error` from a store that could not be reached at all (connection
/// refused, timed out, dropped): trying again later may work, unlike a refused or broken request.
#[derive(Debug, thiserror::Error)]
#[error("the attachment store could not be reached: {0}")]
pub struct Unreachable(pub Box<dyn std::error::Error + Send + Sync>);

/// Whether `err` says the store was unreachable (see [`Unreachable`]). The filesystem store
/// never says so: its errors are all ours to fix.
#[must_use]
pub fn is_unreachable(err: &io::Error) -> bool {
    matches!(err.get_ref(), Some(cause) if cause.is::<Unreachable>())
}

/// Whether `err` says the store's disk (or the account's quota on it) is full: the write was
/// refused for want of space, and only freeing space helps.
#[must_use]
pub fn is_full(err: &io::Error) -> bool {
    // ENOSPC and EDQUOT: a quota is, to the uploader, the same as a full disk.
    matches!(
        err.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

/// The store the application was configured with. An enum rather than a trait object because
/// `BlobStore`'s methods return `impl Future`, which `dyn` cannot hold.
#[derive(Debug, Clone)]
pub enum Blobs {
    Fs(FsBlobStore),
    S3(S3BlobStore),
}

impl BlobStore for Blobs {
    async fn put(&self, bytes: &[u8]) -> io::Result<Put> {
        match self {
            Blobs::Fs(store) => store.put(bytes).await,
            Blobs::S3(store) => store.put(bytes).await,
        }
    }

    async fn get(&self, key: &BlobKey) -> io::Result<Option<Vec<u8>>> {
        match self {
            Blobs::Fs(store) => store.get(key).await,
            Blobs::S3(store) => store.get(key).await,
        }
    }

    async fn exists(&self, key: &BlobKey) -> io::Result<bool> {
        match self {
            Blobs::Fs(store) => store.exists(key).await,
            Blobs::S3(store) => store.exists(key).await,
        }
    }

    async fn remove(&self, key: &BlobKey) -> io::Result<()> {
        match self {
            Blobs::Fs(store) => store.remove(key).await,
            Blobs::S3(store) => store.remove(key).await,
        }
    }
}

/// Blobs as files: `<dir>/ab/cd/<sha256>`, two levels of 256 folders so none grows huge.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    dir: PathBuf,
}

impl FsBlobStore {
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> FsBlobStore {
        FsBlobStore { dir: dir.into() }
    }

    /// The store's root folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `key`'s file is (whether or not it exists).
    #[must_use]
    pub fn path_of(&self, key: &BlobKey) -> PathBuf {
        let k = key.as_str();
        self.dir.join(&k[0..2]).join(&k[2..4]).join(k)
    }
}

impl BlobStore for FsBlobStore {
    async fn put(&self, bytes: &[u8]) -> io::Result<Put> {
        let key = BlobKey::of(bytes);
        let path = self.path_of(&key);
        if tokio::fs::try_exists(&path).await? {
            return Ok(Put {
                key,
                created: false,
            });
        }
        let folder = path
            .parent()
            .ok_or_else(|| io::Error::other("a blob path has a folder"))?;
        tokio::fs::create_dir_all(folder).await?;
        let temp = folder.join(format!(".{}.{}.part", key.as_str(), uuid::Uuid::new_v4()));
        let written = async {
            let mut file = tokio::fs::File::create(&temp).await?;
            file.write_all(bytes).await?;
            // tokio writes on a blocking thread and keeps that write's error (ENOSPC on a full
            // disk) for the next flush; `sync_all` does not report it. Without this flush a
            // truncated file was renamed into place under the whole file's hash.
            file.flush().await?;
            file.sync_all().await?;
            // Belt and braces: only a file of exactly these bytes' length becomes the blob.
            let written = file.metadata().await?.len();
            if written != bytes.len() as u64 {
                return Err(io::Error::other(format!(
                    "wrote {written} of {} bytes",
                    bytes.len()
                )));
            }
            drop(file);
            tokio::fs::rename(&temp, &path).await
        }
        .await;
        if let Err(e) = written {
            // Best effort: a leftover .part file is never read as a blob.
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(e);
        }
        Ok(Put { key, created: true })
    }

    async fn get(&self, key: &BlobKey) -> io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path_of(key)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn exists(&self, key: &BlobKey) -> io::Result<bool> {
        tokio::fs::try_exists(self.path_of(key)).await
    }

    async fn remove(&self, key: &BlobKey) -> io::Result<()> {
        match tokio::fs::remove_file(self.path_of(key)).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_or_quota_is_told_apart_from_other_errors() {
        // 28 = ENOSPC, 122 = EDQUOT on Linux, as the kernel reports them.
        assert!(is_full(&io::Error::from_raw_os_error(28)));
        assert!(is_full(&io::Error::from_raw_os_error(122)));
        assert!(!is_full(&io::Error::from(io::ErrorKind::PermissionDenied)));
        assert!(!is_full(&io::Error::other("broken")));
    }

    #[tokio::test]
    async fn the_same_bytes_are_stored_once_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::new(dir.path());
        let first = store.put(b"%PDF-1.7 drawing").await.unwrap();
        assert!(first.created);
        let again = store.put(b"%PDF-1.7 drawing").await.unwrap();
        assert_eq!(
            again,
            Put {
                key: first.key.clone(),
                created: false
            }
        );
        let k = first.key.as_str();
        assert_eq!(k.len(), 64);
        assert!(dir.path().join(&k[0..2]).join(&k[2..4]).join(k).is_file());
        assert_eq!(
            store.get(&first.key).await.unwrap().unwrap(),
            b"%PDF-1.7 drawing"
        );
        assert!(store.exists(&first.key).await.unwrap());
        // No temporary file is left beside it.
        let folder = dir.path().join(&k[0..2]).join(&k[2..4]);
        assert_eq!(std::fs::read_dir(folder).unwrap().count(), 1);
        store.remove(&first.key).await.unwrap();
        assert!(!store.exists(&first.key).await.unwrap());
        assert_eq!(store.get(&first.key).await.unwrap(), None);
        store.remove(&first.key).await.unwrap();
    }

    #[test]
    fn keys_are_checked_before_they_become_paths() {
        assert!(BlobKey::parse(&"a".repeat(64)).is_some());
        assert!(BlobKey::parse("../../etc/passwd").is_none());
        assert!(BlobKey::parse(&"A".repeat(64)).is_none());
        assert!(BlobKey::parse(&"a".repeat(63)).is_none());
        // The SHA-256 of nothing, as every tool prints it.
        assert_eq!(
            BlobKey::of(b"").as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
