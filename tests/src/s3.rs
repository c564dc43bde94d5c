//! `S3Server`: a real S3-protocol server for one test, `s3s` over a temporary folder
//! (`s3s-fs`), served with hyper on a random loopback port. Objects are plain files under
//! `<folder>/<bucket>/<key>`, so a test can see (and break) what the store wrote.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use peitao::settings::{AttachmentStore, Settings};
use peitao_persistence::blobs::S3Config;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;

pub const BUCKET: &str = "peitao-attachments";
pub const PREFIX: &str = "test/attachments";
const ACCESS_KEY_ID: &str = "PEITAOTESTKEY";
const SECRET_ACCESS_KEY: &str = "peitao-test-secret-not-a-real-one";

/// A running S3 server with one bucket. Dropping it stops the server and removes the folder.
pub struct S3Server {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    folder: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl S3Server {
    /// Starts a server whose bucket `BUCKET` exists and is empty; it checks SigV4 signatures
    /// against one access key.
    pub async fn start() -> S3Server {
        let folder = tempfile::tempdir().expect("a folder for the S3 server");
        std::fs::create_dir(folder.path().join(BUCKET)).expect("the bucket's folder");
        let fs = s3s_fs::FileSystem::new(folder.path()).expect("the S3 file system");
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY_ID, SECRET_ACCESS_KEY));
        let service = builder.build();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port for S3");
        let address: SocketAddr = listener.local_addr().expect("the S3 port");
        // Connections live in a JoinSet owned by the accept loop, so aborting the loop closes
        // them too (`stop`): pooled keep-alive connections must not outlive the server.
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                while connections.try_join_next().is_some() {}
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let service = service.clone();
                connections.spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        S3Server {
            endpoint: format!("http://{address}"),
            folder,
            task,
        }
    }

    /// Stops serving: its port refuses connections from now on, open ones are closed.
    pub async fn stop(&self) {
        self.task.abort();
        // Let the abort land (the listener and the connections are dropped with the task).
        for _ in 0..50 {
            if self.task.is_finished() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A store configuration for this server (path-style, as s3s serves without a domain).
    #[must_use]
    pub fn config(&self) -> S3Config {
        S3Server::config_for(&self.endpoint)
    }

    /// This harness's bucket, prefix and credentials at another endpoint.
    #[must_use]
    pub fn config_for(endpoint: &str) -> S3Config {
        S3Config {
            endpoint: endpoint.to_owned(),
            bucket: BUCKET.to_owned(),
            region: "us-east-1".to_owned(),
            prefix: PREFIX.to_owned(),
            path_style: true,
            access_key_id: ACCESS_KEY_ID.to_owned(),
            secret_access_key: SECRET_ACCESS_KEY.to_owned(),
            timeout: Duration::from_secs(10),
            max_retries: 1,
        }
    }

    /// Points the app's settings at this server's bucket.
    pub fn configure(&self, settings: &mut Settings) {
        configure_s3(settings, &self.config());
    }

    /// The bucket's folder: each object is the file `<bucket folder>/<key>`.
    #[must_use]
    pub fn bucket_dir(&self) -> PathBuf {
        self.folder.path().join(BUCKET)
    }

    /// The file holding the object `key`, whether or not it exists.
    #[must_use]
    pub fn object_file(&self, key: &str) -> PathBuf {
        self.bucket_dir().join(key)
    }

    /// Every object's key in the bucket, sorted.
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        let root = self.bucket_dir();
        let mut keys: Vec<String> = files_under(&root)
            .iter()
            .filter_map(|p| p.strip_prefix(&root).ok())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect();
        keys.sort();
        keys
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Makes the settings use an S3 store with this configuration.
pub fn configure_s3(settings: &mut Settings, config: &S3Config) {
    settings.attachments.store = AttachmentStore::S3;
    let s3 = &mut settings.attachments.s3;
    s3.endpoint.clone_from(&config.endpoint);
    s3.bucket.clone_from(&config.bucket);
    s3.region.clone_from(&config.region);
    s3.prefix.clone_from(&config.prefix);
    s3.path_style = config.path_style;
    s3.access_key_id.clone_from(&config.access_key_id);
    s3.secret_access_key.clone_from(&config.secret_access_key);
    s3.timeout_secs = config.timeout.as_secs();
    s3.max_retries = config.max_retries;
}

/// An endpoint on a loopback port nobody listens on (bound, then released).
pub async fn unreachable_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("its address");
    drop(listener);
    format!("http://{address}")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}
