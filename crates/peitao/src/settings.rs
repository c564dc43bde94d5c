//! The one `Settings` struct, loaded once from layered TOML and `PEITAO__SECTION__KEY` variables,
//! then checked as a whole so a bad value stops start-up with a message naming its key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use peitao_domain::matching::{ScoringRules, Weights};
use peitao_persistence::blobs::S3Config;
use serde::Deserialize;

const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");
const DEVELOPMENT_TOML: &str = include_str!("../../../config/development.toml");
const TEST_TOML: &str = include_str!("../../../config/test.toml");
const PRODUCTION_TOML: &str = include_str!("../../../config/production.toml");

/// Refused outside development and test: it is public, in this repository.
pub const DEVELOPMENT_JWT_SECRET: &str = "development-only-jwt-secret-do-not-deploy-0000";

/// Which set of overrides applies (`PEITAO_ENV`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnv {
    Development,
    Test,
    Production,
}

impl RunEnv {
    /// Reads `PEITAO_ENV`'s value.
    ///
    /// # Errors
    /// A message naming PEITAO_ENV and the allowed words.
    pub fn parse(value: &str) -> Result<RunEnv, SettingsError> {
        match value {
            "development" | "" => Ok(RunEnv::Development),
            "test" => Ok(RunEnv::Test),
            "production" => Ok(RunEnv::Production),
            other => Err(SettingsError(format!(
                "PEITAO_ENV must be development, test or production, not {other:?}"
            ))),
        }
    }

    fn name(self) -> &'static str {
        match self {
            RunEnv::Development => "development",
            RunEnv::Test => "test",
            RunEnv::Production => "production",
        }
    }

    fn overrides(self) -> &'static str {
        match self {
            RunEnv::Development => DEVELOPMENT_TOML,
            RunEnv::Test => TEST_TOML,
            RunEnv::Production => PRODUCTION_TOML,
        }
    }
}

/// A configuration problem, worded for the person starting the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {0}")]
pub struct SettingsError(pub String);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(skip, default = "default_env")]
    pub env: RunEnv,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub mail: MailSettings,
    pub auth: AuthSettings,
    pub worker: WorkerSettings,
    pub matcher: MatcherSettings,
    pub moderation: ModerationSettings,
    pub attachments: AttachmentSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModerationSettings {
    /// The worker approves proposals whose two organizations are both verified.
    pub auto_approve_verified: bool,
}

fn default_env() -> RunEnv {
    RunEnv::Development
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub public_url: String,
    pub body_limit_bytes: usize,
    /// Largest roster upload; only the import routes accept more than `body_limit_bytes`.
    pub import_limit_bytes: usize,
    pub shutdown_timeout_secs: u64,
    pub workers: usize,
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub migrate_on_start: bool,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Smtp,
    File,
    Log,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    pub file_dir: PathBuf,
    pub smtp_url: String,
    pub from: String,
    pub smtp_timeout_secs: u64,
    pub max_attempts: u32,
    /// The wait after a mail's first failed attempt, doubling after each further one.
    pub retry_base_ms: u64,
    /// The longest wait between attempts.
    pub retry_max_secs: u64,
    pub digest_hour: u32,
    pub digest_timezone: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_secret: String,
    pub jwt_secret_file: String,
    pub access_token_minutes: u32,
    pub refresh_token_days: u32,
    pub jwt_previous_secrets: Vec<String>,
    pub issuer: String,
    pub password_hash_cost: HashCostSetting,
    pub login_max_failures: u32,
    pub login_window_minutes: u32,
    pub ip_max_requests: u32,
    pub hashing_threads: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashCostSetting {
    Owasp,
    Fast,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    pub enabled: bool,
    pub poll_interval_ms: u64,
    pub mail_batch: u64,
    pub lease_secs: u64,
    pub mail_concurrency: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatcherSettings {
    pub top_k: usize,
    pub distance_scale_km: f64,
    pub refresh_secs: u64,
    pub weights: WeightSettings,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightSettings {
    pub category: f64,
    pub distance: f64,
    pub local: f64,
    pub capacity: f64,
    pub text: f64,
    pub verified: f64,
    pub responsiveness: f64,
}

impl MatcherSettings {
    /// The scoring rules these settings describe.
    #[must_use]
    pub fn rules(&self) -> ScoringRules {
        let w = self.weights;
        ScoringRules {
            weights: Weights {
                category: w.category,
                distance: w.distance,
                local: w.local,
                capacity: w.capacity,
                text: w.text,
                verified: w.verified,
                responsiveness: w.responsiveness,
            },
            distance_scale_km: self.distance_scale_km,
        }
    }
}

/// Files attached to capabilities and needs (`[attachments]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSettings {
    /// Which store keeps the bytes.
    pub store: AttachmentStore,
    /// Folder of the content-addressed filesystem store (`store = "fs"`).
    pub dir: PathBuf,
    /// Largest file accepted, in bytes.
    pub max_bytes: usize,
    /// The bucket of the S3-compatible store (`store = "s3"`).
    pub s3: S3Settings,
}

/// Where attachment bytes are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentStore {
    /// A folder: `attachments.dir`.
    Fs,
    /// An S3-compatible bucket: `attachments.s3`.
    S3,
}

/// `[attachments.s3]`: read only when `attachments.store = "s3"`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub prefix: String,
    pub path_style: bool,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub timeout_secs: u64,
    pub max_retries: usize,
}

/// As the store's configuration prints it: never the secret.
impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.config(), f)
    }
}

impl S3Settings {
    /// The store's configuration.
    #[must_use]
    pub fn config(&self) -> S3Config {
        S3Config {
            endpoint: self.endpoint.clone(),
            bucket: self.bucket.clone(),
            region: self.region.clone(),
            prefix: self.prefix.clone(),
            path_style: self.path_style,
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            timeout: Duration::from_secs(self.timeout_secs),
            max_retries: self.max_retries,
        }
    }

    /// The first missing or malformed key, when the S3 store is the one chosen.
    fn check(&self) -> Result<(), SettingsError> {
        let fail = |key: &str, why: &str| {
            Err(SettingsError(format!(
                "attachments.s3.{key}: {why} (attachments.store = \"s3\")"
            )))
        };
        let url = self.endpoint.trim();
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or("");
        if host.trim_end_matches('/').is_empty() || host.trim_end_matches('/').contains('/') {
            return fail(
                "endpoint",
                "must be the store's http:// or https:// address without a path, \
                 e.g. https://oss-cn-shanghai.aliyuncs.com or http://127.0.0.1:9000",
            );
        }
        if self.bucket.trim().is_empty() {
            return fail("bucket", "must name the bucket");
        }
        if self.region.trim().is_empty() {
            return fail(
                "region",
                "must not be empty (us-east-1 for stores that ignore it, such as MinIO)",
            );
        }
        let clean_segment = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        if !self.prefix.is_empty() && !self.prefix.split('/').all(clean_segment) {
            return fail(
                "prefix",
                "must be empty or folder names of letters, digits, '-', '_' and '.' joined by \
                 '/', without a leading or trailing '/'",
            );
        }
        if self.access_key_id.trim().is_empty() {
            return fail(
                "access_key_id",
                "must be set, from PEITAO__ATTACHMENTS__S3__ACCESS_KEY_ID (never in a file in \
                 the repository)",
            );
        }
        if self.secret_access_key.is_empty() {
            return fail(
                "secret_access_key",
                "must be set, from PEITAO__ATTACHMENTS__S3__SECRET_ACCESS_KEY (never in a file \
                 in the repository)",
            );
        }
        if !(1..=300).contains(&self.timeout_secs) {
            return fail("timeout_secs", "must be from 1 to 300");
        }
        if self.max_retries > 10 {
            return fail("max_retries", "must be from 0 to 10");
        }
        Ok(())
    }
}

/// The ceiling for `attachments.max_bytes`: uploads are held in memory while they are checked.
pub const ATTACHMENT_MAX_BYTES_CEILING: usize = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

/// Where settings come from; `Sources::from_process()` reads the real environment.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub env: Option<String>,
    pub config_dir: Option<PathBuf>,
    pub extra_file: Option<PathBuf>,
    /// `PEITAO__...` variables as (name, value) pairs.
    pub vars: Vec<(String, String)>,
}

impl Sources {
    #[must_use]
    pub fn from_process(extra_file: Option<PathBuf>) -> Sources {
        Sources {
            env: std::env::var("PEITAO_ENV").ok(),
            config_dir: std::env::var_os("PEITAO_CONFIG_DIR").map(PathBuf::from),
            extra_file,
            vars: std::env::vars()
                .filter(|(k, _)| k.starts_with("PEITAO__"))
                .collect(),
        }
    }
}

impl Settings {
    /// Loads and validates the settings.
    ///
    /// # Errors
    /// The first problem, naming the key (`server.port`, `PEITAO_ENV` ...).
    pub fn load(sources: &Sources) -> Result<Settings, SettingsError> {
        let env = RunEnv::parse(sources.env.as_deref().unwrap_or(""))?;
        let dir = sources
            .config_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("config"));
        let mut builder = Config::builder()
            .add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml))
            .add_source(File::from_str(env.overrides(), FileFormat::Toml))
            .add_source(File::from(dir.join("default.toml")).required(false))
            .add_source(File::from(dir.join(format!("{}.toml", env.name()))).required(false));
        if let Some(extra) = &sources.extra_file {
            if !extra.exists() {
                return Err(SettingsError(format!(
                    "--config {} does not exist",
                    extra.display()
                )));
            }
            builder = builder.add_source(File::from(extra.as_path()));
        }
        let vars: config::Map<String, String> = sources.vars.iter().cloned().collect();
        builder = builder.add_source(
            Environment::with_prefix("PEITAO")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(vars)),
        );
        let raw = builder.build().map_err(|e| SettingsError(e.to_string()))?;
        let mut settings: Settings = raw
            .try_deserialize()
            .map_err(|e| SettingsError(explain(&e)))?;
        settings.env = env;
        settings.resolve_secret_file()?;
        settings.validate()?;
        Ok(settings)
    }

    fn resolve_secret_file(&mut self) -> Result<(), SettingsError> {
        if self.auth.jwt_secret_file.is_empty() {
            return Ok(());
        }
        let path = Path::new(&self.auth.jwt_secret_file);
        let secret = std::fs::read_to_string(path)
            .map_err(|e| SettingsError(format!("auth.jwt_secret_file {}: {e}", path.display())))?;
        self.auth.jwt_secret = secret.trim().to_owned();
        Ok(())
    }

    /// Checks what types alone cannot.
    ///
    /// # Errors
    /// The first bad key with what is wrong with it.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let fail = |key: &str, why: &str| Err(SettingsError(format!("{key}: {why}")));
        if self.server.host.trim().is_empty() {
            return fail("server.host", "must not be empty");
        }
        let url = self.server.public_url.as_str();
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.ends_with('/') {
            return fail(
                "server.public_url",
                "must be an http:// or https:// URL without a trailing slash",
            );
        }
        if self.server.body_limit_bytes < 1024 {
            return fail("server.body_limit_bytes", "must be at least 1024");
        }
        if self.server.import_limit_bytes < 1024 {
            return fail("server.import_limit_bytes", "must be at least 1024");
        }
        if !(self.database.url.starts_with("sqlite:")
            || self.database.url.starts_with("postgres://")
            || self.database.url.starts_with("postgresql://"))
        {
            return fail("database.url", "must start with sqlite: or postgres://");
        }
        if self.database.max_connections == 0 {
            return fail("database.max_connections", "must be at least 1");
        }
        if self.mail.transport == MailTransport::Smtp
            && !(self.mail.smtp_url.starts_with("smtp://")
                || self.mail.smtp_url.starts_with("smtps://"))
        {
            return fail("mail.smtp_url", "must start with smtp:// or smtps://");
        }
        if !self.mail.from.contains('@') {
            return fail(
                "mail.from",
                "must hold an email address, e.g. 配套 Peitao <noreply@example.cn>",
            );
        }
        if self.auth.jwt_secret.len() < 32 {
            return fail(
                "auth.jwt_secret",
                "must be at least 32 bytes (set PEITAO__AUTH__JWT_SECRET or auth.jwt_secret_file)",
            );
        }
        if self.env == RunEnv::Production && self.auth.jwt_secret == DEVELOPMENT_JWT_SECRET {
            return fail(
                "auth.jwt_secret",
                "the development secret is refused in production",
            );
        }
        if !(1..=60).contains(&self.auth.access_token_minutes) {
            return fail("auth.access_token_minutes", "must be between 1 and 60");
        }
        if self.auth.refresh_token_days == 0 {
            return fail("auth.refresh_token_days", "must be at least 1");
        }
        if self.auth.password_hash_cost == HashCostSetting::Fast && self.env != RunEnv::Test {
            return fail(
                "auth.password_hash_cost",
                "\"fast\" is only for the test suite",
            );
        }
        if self.auth.issuer.trim().is_empty() {
            return fail("auth.issuer", "must not be empty");
        }
        if let Some(i) = self
            .auth
            .jwt_previous_secrets
            .iter()
            .position(|s| s.len() < 32)
        {
            return fail(
                &format!("auth.jwt_previous_secrets[{i}]"),
                "must be at least 32 bytes",
            );
        }
        if self.auth.login_max_failures == 0
            || self.auth.login_window_minutes == 0
            || self.auth.ip_max_requests == 0
        {
            return fail("auth.login_max_failures", "login limits must be at least 1");
        }
        if let Err(e) = self.matcher.rules().check() {
            return Err(SettingsError(e.0));
        }
        if !(1..=100).contains(&self.matcher.top_k) {
            return fail("matcher.top_k", "must be between 1 and 100");
        }
        if self.matcher.refresh_secs == 0 {
            return fail("matcher.refresh_secs", "must be at least 1");
        }
        if self.mail.max_attempts == 0 {
            return fail("mail.max_attempts", "must be at least 1");
        }
        if self.mail.retry_base_ms == 0 || self.mail.retry_max_secs == 0 {
            return fail(
                "mail.retry_base_ms",
                "mail.retry_base_ms and mail.retry_max_secs must be at least 1",
            );
        }
        if self.mail.digest_hour > 23 {
            return fail("mail.digest_hour", "must be an hour from 0 to 23");
        }
        if self.mail.digest_timezone.parse::<chrono_tz::Tz>().is_err() {
            return fail(
                "mail.digest_timezone",
                "must be an IANA time zone such as Asia/Shanghai",
            );
        }
        if !(1..=16).contains(&self.worker.mail_concurrency) {
            return fail(
                "worker.mail_concurrency",
                "must be from 1 to 16 (the SMTP connection pool's size)",
            );
        }
        if self.worker.mail_batch == 0 || self.worker.lease_secs == 0 {
            return fail(
                "worker.mail_batch",
                "mail_batch and lease_secs must be at least 1",
            );
        }
        if self.worker.poll_interval_ms == 0 {
            return fail("worker.poll_interval_ms", "must be at least 1");
        }
        if self.attachments.store == AttachmentStore::Fs
            && self.attachments.dir.as_os_str().is_empty()
        {
            return fail("attachments.dir", "must not be empty");
        }
        if self.attachments.store == AttachmentStore::S3 {
            self.attachments.s3.check()?;
        }
        if !(1024..=ATTACHMENT_MAX_BYTES_CEILING).contains(&self.attachments.max_bytes) {
            return fail(
                "attachments.max_bytes",
                "must be from 1024 to 268435456 (256 MiB)",
            );
        }
        Ok(())
    }
}

/// serde's messages name the field but not its section; config's own errors say "for key";
/// either way the person sees which key to fix.
fn explain(err: &config::ConfigError) -> String {
    let text = err.to_string();
    if text.contains("unknown field") {
        format!("{text} (a misspelt key in a config file or a PEITAO__ variable?)")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(env: &str, vars: &[(&str, &str)]) -> Sources {
        Sources {
            env: Some(env.to_owned()),
            config_dir: Some(PathBuf::from("/nonexistent-peitao-config")),
            extra_file: None,
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn defaults_load_for_development() {
        let s = Settings::load(&sources("development", &[])).unwrap();
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.database.url, "sqlite://data/peitao.db?mode=rwc");
        assert_eq!(s.mail.transport, MailTransport::File);
        assert!(s.worker.enabled);
        assert_eq!(s.env, RunEnv::Development);
    }

    #[test]
    fn environment_variables_override_with_double_underscores() {
        let s = Settings::load(&sources(
            "development",
            &[
                ("PEITAO__SERVER__PORT", "9090"),
                ("PEITAO__MAIL__TRANSPORT", "smtp"),
                ("PEITAO__WORKER__ENABLED", "false"),
            ],
        ))
        .unwrap();
        assert_eq!(s.server.port, 9090);
        assert_eq!(s.mail.transport, MailTransport::Smtp);
        assert!(!s.worker.enabled);
    }

    #[test]
    fn a_misspelt_key_is_named() {
        let err =
            Settings::load(&sources("development", &[("PEITAO__SERVER__PROT", "1")])).unwrap_err();
        assert!(err.0.contains("prot"), "{err}");
        let err = Settings::load(&sources(
            "development",
            &[("PEITAO__ATTACHMENTS__MAX_BYTE", "1")],
        ))
        .unwrap_err();
        assert!(err.0.contains("max_byte"), "{err}");
    }

    #[test]
    fn attachments_default_to_20_mib_under_data_and_bad_limits_are_named() {
        let s = Settings::load(&sources("development", &[])).unwrap();
        assert_eq!(s.attachments.max_bytes, 20 * 1024 * 1024);
        assert_eq!(s.attachments.dir, PathBuf::from("data/attachments"));
        for bad in ["10", "999999999999"] {
            let err = Settings::load(&sources(
                "development",
                &[("PEITAO__ATTACHMENTS__MAX_BYTES", bad)],
            ))
            .unwrap_err();
            assert!(err.0.starts_with("attachments.max_bytes:"), "{err}");
        }
    }

    #[test]
    fn an_incomplete_s3_store_is_refused_naming_the_missing_key() {
        let s = Settings::load(&sources("development", &[])).unwrap();
        assert_eq!(s.attachments.store, AttachmentStore::Fs);
        let complete = [
            ("PEITAO__ATTACHMENTS__STORE", "s3"),
            ("PEITAO__ATTACHMENTS__S3__ENDPOINT", "http://127.0.0.1:9000"),
            ("PEITAO__ATTACHMENTS__S3__BUCKET", "peitao"),
            ("PEITAO__ATTACHMENTS__S3__ACCESS_KEY_ID", "AKIDEXAMPLE"),
            (
                "PEITAO__ATTACHMENTS__S3__SECRET_ACCESS_KEY",
                "not-a-real-secret",
            ),
        ];
        let s = Settings::load(&sources("development", &complete)).unwrap();
        assert_eq!(s.attachments.store, AttachmentStore::S3);
        let config = s.attachments.s3.config();
        assert_eq!(config.bucket, "peitao");
        assert_eq!(config.region, "us-east-1");
        assert_eq!(config.prefix, "attachments");
        assert!(config.path_style);
        assert!(!format!("{s:?}").contains("not-a-real-secret"));
        // Each required key missing in turn is named, with where to set a credential.
        for (i, key) in ["endpoint", "bucket", "access_key_id", "secret_access_key"]
            .iter()
            .enumerate()
        {
            let vars: Vec<_> = complete
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i + 1)
                .map(|(_, v)| *v)
                .collect();
            let err = Settings::load(&sources("development", &vars)).unwrap_err();
            assert!(
                err.0.starts_with(&format!("attachments.s3.{key}:")),
                "{key}: {err}"
            );
            assert!(err.0.contains("attachments.store = \"s3\""), "{err}");
        }
        let err = Settings::load(&sources(
            "development",
            &[("PEITAO__ATTACHMENTS__STORE", "s3")],
        ))
        .unwrap_err();
        assert!(err.0.starts_with("attachments.s3.endpoint:"), "{err}");
        let mut bad = complete.to_vec();
        bad.push(("PEITAO__ATTACHMENTS__S3__ACCESS_KEY_ID", ""));
        let err = Settings::load(&sources("development", &bad)).unwrap_err();
        assert!(
            err.0.contains("PEITAO__ATTACHMENTS__S3__ACCESS_KEY_ID"),
            "{err}"
        );
        for (key, value) in [
            ("PEITAO__ATTACHMENTS__S3__ENDPOINT", "s3.example.cn"),
            (
                "PEITAO__ATTACHMENTS__S3__ENDPOINT",
                "https://s3.example.cn/bucket",
            ),
            ("PEITAO__ATTACHMENTS__S3__PREFIX", "/files/"),
            ("PEITAO__ATTACHMENTS__S3__PREFIX", "a/../b"),
        ] {
            let mut bad = complete.to_vec();
            bad.push((key, value));
            let err = Settings::load(&sources("development", &bad)).unwrap_err();
            assert!(err.0.starts_with("attachments.s3."), "{value}: {err}");
        }
        let err = Settings::load(&sources(
            "development",
            &[("PEITAO__ATTACHMENTS__STORE", "ftp")],
        ))
        .unwrap_err();
        assert!(err.0.contains("ftp") || err.0.contains("store"), "{err}");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let err = Settings::load(&sources(
            "development",
            &[("PEITAO__SERVER__PORT", "eighty")],
        ))
        .unwrap_err();
        assert!(err.0.contains("port"), "{err}");
        let err = Settings::load(&sources(
            "development",
            &[("PEITAO__MAIL__TRANSPORT", "pigeon")],
        ))
        .unwrap_err();
        assert!(
            err.0.contains("transport") || err.0.contains("pigeon"),
            "{err}"
        );
        let err = Settings::load(&sources(
            "development",
            &[("PEITAO__SERVER__PUBLIC_URL", "example.cn/")],
        ))
        .unwrap_err();
        assert!(err.0.starts_with("server.public_url:"), "{err}");
        let err = RunEnv::parse("staging").unwrap_err();
        assert!(err.0.contains("PEITAO_ENV"), "{err}");
    }

    #[test]
    fn production_refuses_missing_or_development_secret() {
        let err = Settings::load(&sources("production", &[])).unwrap_err();
        assert!(err.0.contains("auth.jwt_secret"), "{err}");
        let err = Settings::load(&sources(
            "production",
            &[("PEITAO__AUTH__JWT_SECRET", DEVELOPMENT_JWT_SECRET)],
        ))
        .unwrap_err();
        assert!(err.0.contains("refused in production"), "{err}");
        let ok = Settings::load(&sources(
            "production",
            &[(
                "PEITAO__AUTH__JWT_SECRET",
                "a-real-secret-of-enough-length-for-hmac-256",
            )],
        ))
        .unwrap();
        assert_eq!(ok.log.format, LogFormat::Json);
        assert_eq!(ok.server.host, "0.0.0.0");
    }

    #[test]
    fn cheap_hashing_and_unknown_zones_are_refused() {
        let err = Settings::load(&sources(
            "development",
            &[("PEITAO__AUTH__PASSWORD_HASH_COST", "fast")],
        ))
        .unwrap_err();
        assert!(err.0.contains("auth.password_hash_cost"), "{err}");
        assert_eq!(
            Settings::load(&sources("test", &[]))
                .unwrap()
                .auth
                .password_hash_cost,
            HashCostSetting::Fast
        );
        let err = Settings::load(&sources(
            "development",
            &[("PEITAO__MAIL__DIGEST_TIMEZONE", "Mars/Olympus")],
        ))
        .unwrap_err();
        assert!(err.0.contains("mail.digest_timezone"), "{err}");
    }

    #[test]
    fn the_secret_can_come_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt");
        std::fs::write(&path, "from-a-file-secret-long-enough-0123456789\n").unwrap();
        let s = Settings::load(&sources(
            "production",
            &[("PEITAO__AUTH__JWT_SECRET_FILE", path.to_str().unwrap())],
        ))
        .unwrap();
        assert_eq!(
            s.auth.jwt_secret,
            "from-a-file-secret-long-enough-0123456789"
        );
    }

    #[test]
    fn files_on_disk_override_the_embedded_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("development.toml"),
            "[server]\nport = 7070\n",
        )
        .unwrap();
        let mut src = sources("development", &[]);
        src.config_dir = Some(dir.path().to_owned());
        assert_eq!(Settings::load(&src).unwrap().server.port, 7070);
        std::fs::write(
            dir.path().join("development.toml"),
            "[sever]\nport = 7070\n",
        )
        .unwrap();
        let err = Settings::load(&src).unwrap_err();
        assert!(err.0.contains("sever"), "{err}");
    }
}
