//! Blobs in an S3-compatible bucket (AWS S3, MinIO, Alibaba OSS, Tencent COS ...), with the same
//! content-addressed layout as the filesystem store: `<prefix>/ab/cd/<sha256>`.
//!
//! Decisions:
//! - The client is `object_store`'s, so signing (SigV4), retries and timeouts are not ours to
//!   get wrong; it speaks HTTPS through rustls on ring, like the rest of the workspace.
//! - An S3 PUT is atomic (a reader sees the whole object or none), so there is no temporary
//!   name. `put` asks first whether the key is there: content addressing makes a race between
//!   two writers harmless, as both write the same bytes.
//! - Credentials are always given explicitly: the client never falls back to the environment's
//!   `AWS_*` variables or an instance-metadata endpoint.
//! - A request that could not reach the store (connect failure, timeout, dropped connection) is
//!   reported as [`Unreachable`](super::Unreachable), so callers can answer 503 rather than 500.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::client::{HttpError, HttpErrorKind};
use object_store::path::Path;
use object_store::{BackoffConfig, ClientOptions, ObjectStoreExt, PutPayload, RetryConfig};

use super::{BlobKey, BlobStore, Put, Unreachable};

/// Where the bucket is and how to sign for it.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    /// `https://host[:port]` (or `http://` for a store on a private network).
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    /// Folder inside the bucket, without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
    /// `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`.
    pub path_style: bool,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Longest one request may take (connecting included).
    pub timeout: Duration,
    /// Retries of a failed request (connect errors, 5xx), with backoff, before giving up.
    pub max_retries: usize,
}

/// Never prints the secret.
impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .field("path_style", &self.path_style)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

/// A content-addressed store in an S3 bucket.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    client: Arc<AmazonS3>,
    prefix: Path,
}

impl S3BlobStore {
    /// A store for `config`. Nothing is sent yet: an unreachable endpoint shows at the first use.
    ///
    /// # Errors
    /// `InvalidInput` for a prefix that is not a clean object path, or a configuration the
    /// client refuses (a malformed endpoint URL).
    pub fn new(config: &S3Config) -> io::Result<S3BlobStore> {
        let prefix = Path::parse(&config.prefix)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("S3 prefix: {e}")))?;
        let options = ClientOptions::new()
            .with_allow_http(config.endpoint.starts_with("http://"))
            .with_timeout(config.timeout)
            .with_connect_timeout(config.timeout.min(Duration::from_secs(10)));
        let retry = RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: config.max_retries,
            retry_timeout: config.timeout.saturating_mul(2),
        };
        let client = AmazonS3Builder::new()
            .with_endpoint(client_endpoint(config))
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_virtual_hosted_style_request(!config.path_style)
            .with_client_options(options)
            .with_retry(retry)
            .build()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(S3BlobStore {
            client: Arc::new(client),
            prefix,
        })
    }

    /// The object's path inside the bucket: `<prefix>/ab/cd/<sha256>`.
    #[must_use]
    pub fn object_path(&self, key: &BlobKey) -> Path {
        let k = key.as_str();
        self.prefix.clone().join(&k[0..2]).join(&k[2..4]).join(k)
    }
}

impl BlobStore for S3BlobStore {
    async fn put(&self, bytes: &[u8]) -> io::Result<Put> {
        let key = BlobKey::of(bytes);
        let path = self.object_path(&key);
        if self.exists(&key).await? {
            return Ok(Put {
                key,
                created: false,
            });
        }
        self.client
            .put(&path, PutPayload::from(bytes.to_vec()))
            .await
            .map_err(io_error)?;
        Ok(Put { key, created: true })
    }

    async fn get(&self, key: &BlobKey) -> io::Result<Option<Vec<u8>>> {
        match self.client.get(&self.object_path(key)).await {
            Ok(found) => {
                let bytes = found.bytes().await.map_err(io_error)?;
                Ok(Some(bytes.to_vec()))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(io_error(e)),
        }
    }

    async fn exists(&self, key: &BlobKey) -> io::Result<bool> {
        match self.client.head(&self.object_path(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(io_error(e)),
        }
    }

    async fn remove(&self, key: &BlobKey) -> io::Result<()> {
        match self.client.delete(&self.object_path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }
}

/// The endpoint as the client wants it: with virtual-hosted addressing, `object_store` expects
/// the bucket to be in the endpoint already (`https://bucket.host`), so it is put there.
fn client_endpoint(config: &S3Config) -> String {
    let endpoint = config.endpoint.trim().trim_end_matches('/');
    if config.path_style {
        return endpoint.to_owned();
    }
    match endpoint.split_once("://") {
        Some((scheme, host)) => format!("{scheme}://{}.{host}", config.bucket),
        None => endpoint.to_owned(),
    }
}

/// The client's error as an `io::Error`: transport failures become [`Unreachable`].
fn io_error(err: object_store::Error) -> io::Error {
    if let Some(kind) = transport_failure(&err) {
        return io::Error::new(kind, Unreachable(Box::new(err)));
    }
    let kind = match &err {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => io::ErrorKind::PermissionDenied,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, err)
}

/// Whether the request never got an answer: the cause chain holds the client's `HttpError`
/// of a kind that says so. (A 5xx answer after the retries is not told apart: `object_store`
/// does not expose the status.)
fn transport_failure(err: &object_store::Error) -> Option<io::ErrorKind> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(http) = e.downcast_ref::<HttpError>() {
            return match http.kind() {
                HttpErrorKind::Timeout => Some(io::ErrorKind::TimedOut),
                HttpErrorKind::Connect | HttpErrorKind::Request | HttpErrorKind::Interrupted => {
                    Some(io::ErrorKind::NotConnected)
                }
                _ => None,
            };
        }
        cause = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(path_style: bool) -> S3Config {
        S3Config {
            endpoint: "https://oss-cn-shanghai.aliyuncs.com/".to_owned(),
            bucket: "peitao-files".to_owned(),
            region: "oss-cn-shanghai".to_owned(),
            prefix: "attachments".to_owned(),
            path_style,
            access_key_id: "AKID".to_owned(),
            secret_access_key: "very-secret".to_owned(),
            timeout: Duration::from_secs(5),
            max_retries: 0,
        }
    }

    #[test]
    fn virtual_hosted_addressing_puts_the_bucket_in_the_host() {
        assert_eq!(
            client_endpoint(&config(true)),
            "https://oss-cn-shanghai.aliyuncs.com"
        );
        assert_eq!(
            client_endpoint(&config(false)),
            "https://peitao-files.oss-cn-shanghai.aliyuncs.com"
        );
    }

    #[test]
    fn objects_sit_under_the_prefix_in_two_levels_and_the_secret_is_not_printed() {
        let store = S3BlobStore::new(&config(false)).unwrap();
        let key = BlobKey::of(b"");
        assert_eq!(
            store.object_path(&key).as_ref(),
            format!("attachments/e3/b0/{}", key.as_str())
        );
        assert!(!format!("{:?}", config(true)).contains("very-secret"));
        let mut bad = config(true);
        bad.prefix = "a//b".to_owned();
        assert_eq!(
            S3BlobStore::new(&bad).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }
}
