//! Delivery to an SMTP relay: our own pool of lettre connections with TCP_NODELAY for plain and
//! STARTTLS relays, lettre's pooled transport for implicit TLS; timeouts and error classes.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::net::TcpStream;
use url::Url;

use crate::transport::{SendError, TransportError};

/// Idle connections kept for reuse. The worker sends at most `worker.mail_concurrency` (≤ 16)
/// mails at once, so no more connections than that are ever open.
const MAX_IDLE: u32 = 16;

/// A parked connection older than this is closed rather than reused: relays drop idle clients
/// after a while (RFC 5321 suggests 5 minutes), and lettre's own pool uses the same 60 s.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

/// An SMTP relay and its open connections.
pub struct SmtpRelay {
    route: Route,
    timeout: Duration,
    /// `host:port` without credentials, for messages.
    endpoint: String,
}

enum Route {
    /// Plain or STARTTLS: connections we open ourselves. lettre writes a mail's body and its
    /// closing dot in two writes; on its own sockets (no TCP_NODELAY) the dot then waits for the
    /// relay's delayed ACK, ~40 ms per mail. Ours set TCP_NODELAY.
    Direct {
        relay: Relay,
        idle: Mutex<Vec<Parked>>,
    },
    /// Implicit TLS (`smtps://`): lettre opens the socket and starts TLS before the greeting,
    /// leaving no place to set TCP_NODELAY, so each mail there still waits out a delayed ACK.
    Wrapped {
        // Boxed: the builder is large and there is one relay per process.
        builder: Box<AsyncSmtpTransportBuilder>,
        /// Built on first use: lettre's pool spawns a task, which needs the Tokio runtime that
        /// start-up code may not be running in yet. Emptied after a timed-out exchange, whose
        /// connection lettre would otherwise put back into the pool mid-command.
        mailer: Mutex<Option<AsyncSmtpTransport<Tokio1Executor>>>,
    },
}

/// Where and how a direct connection is opened, read from the URL as lettre's `from_url` does.
struct Relay {
    host: String,
    port: u16,
    hello: ClientId,
    tls: Tls,
    credentials: Option<Credentials>,
}

struct Parked {
    connection: AsyncSmtpConnection,
    since: Instant,
}

impl fmt::Debug for SmtpRelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The route holds the credentials: show only where mail goes.
        f.debug_struct("SmtpRelay")
            .field("endpoint", &self.endpoint)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SmtpRelay {
    /// Reads the URL; nothing connects yet.
    pub(crate) fn new(url: &str, timeout: Duration) -> Result<SmtpRelay, TransportError> {
        let invalid = |reason: String| TransportError::SmtpUrl { reason };
        // lettre's parser is the reference for which URLs are valid, and builds the smtps route.
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| invalid(e.to_string()))?
            .timeout(Some(timeout))
            .pool_config(PoolConfig::new().max_size(MAX_IDLE));
        let relay = relay_of(url).map_err(invalid)?;
        let route = if matches!(relay.tls, Tls::Wrapper(_)) {
            Route::Wrapped {
                builder: Box::new(builder),
                mailer: Mutex::new(None),
            }
        } else {
            Route::Direct {
                relay,
                idle: Mutex::new(Vec::new()),
            }
        };
        Ok(SmtpRelay {
            route,
            timeout,
            endpoint: endpoint_of(url),
        })
    }

    pub(crate) async fn send(&self, message: Message) -> Result<(), SendError> {
        match &self.route {
            Route::Direct { relay, idle } => self.send_direct(relay, idle, &message).await,
            Route::Wrapped { builder, mailer } => self.send_wrapped(builder, mailer, message).await,
        }
    }

    async fn send_direct(
        &self,
        relay: &Relay,
        idle: &Mutex<Vec<Parked>>,
        message: &Message,
    ) -> Result<(), SendError> {
        let bytes = message.formatted();
        // The whole exchange, connecting included, gets the timeout: a relay that accepts and
        // then stalls would otherwise hold this worker forever.
        let exchange = async {
            let mut connection = match checkout(idle).await {
                Some(connection) => connection,
                None => self.connect(relay).await?,
            };
            connection
                .send(message.envelope(), &bytes)
                .await
                .map_err(|e| classify(&e, &self.endpoint))?;
            Ok(connection)
        };
        // On an error or a timeout the connection is dropped with the exchange, never reused:
        // lettre has already sent QUIT after an SMTP error, and a timed-out one is mid-command.
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(connection)) => {
                park(idle, connection);
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(self.timed_out()),
        }
    }

    async fn connect(&self, relay: &Relay) -> Result<AsyncSmtpConnection, SendError> {
        let lettre_error = |e: lettre::transport::smtp::Error| classify(&e, &self.endpoint);
        let network_error = |e: std::io::Error| {
            SendError::transient(format!("SMTP {}: connection error: {e}", self.endpoint))
        };
        let stream = TcpStream::connect((relay.host.as_str(), relay.port))
            .await
            .map_err(network_error)?;
        stream.set_nodelay(true).map_err(network_error)?;
        let mut connection =
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &relay.hello)
                .await
                .map_err(lettre_error)?;
        // As lettre's own transport does for these two modes (executor.rs, `connect`).
        match &relay.tls {
            Tls::Opportunistic(tls) if connection.can_starttls() => connection
                .starttls(tls.clone(), &relay.hello)
                .await
                .map_err(lettre_error)?,
            Tls::Required(tls) => connection
                .starttls(tls.clone(), &relay.hello)
                .await
                .map_err(lettre_error)?,
            _ => {}
        }
        if let Some(credentials) = &relay.credentials {
            connection
                .auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(lettre_error)?;
        }
        Ok(connection)
    }

    async fn send_wrapped(
        &self,
        builder: &AsyncSmtpTransportBuilder,
        slot: &Mutex<Option<AsyncSmtpTransport<Tokio1Executor>>>,
        message: Message,
    ) -> Result<(), SendError> {
        let mailer = slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| builder.clone().build())
            .clone();
        // lettre bounds only the connect by the timeout: the whole exchange gets the same bound.
        match tokio::time::timeout(self.timeout, mailer.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(classify(&e, &self.endpoint)),
            Err(_) => {
                // Drop the pool (and the half-used connection it would recycle); the next mail
                // builds a fresh one.
                slot.lock().unwrap_or_else(PoisonError::into_inner).take();
                Err(self.timed_out())
            }
        }
    }

    fn timed_out(&self) -> SendError {
        SendError::transient(format!(
            "SMTP {}: no answer within {:?}",
            self.endpoint, self.timeout
        ))
    }
}

/// The most recently parked connection that still answers NOOP, as lettre's pool checks it: one
/// round trip that keeps a mail from failing on a connection the relay has closed meanwhile.
async fn checkout(idle: &Mutex<Vec<Parked>>) -> Option<AsyncSmtpConnection> {
    loop {
        let parked = idle.lock().unwrap_or_else(PoisonError::into_inner).pop()?;
        let mut connection = parked.connection;
        // A stale or silent connection is dropped (closing its socket) rather than sent QUIT,
        // which could wait on a relay that no longer answers.
        if parked.since.elapsed() < IDLE_LIMIT && connection.test_connected().await {
            return Some(connection);
        }
    }
}

/// Keeps a connection that just delivered a mail, and closes those idle too long.
fn park(idle: &Mutex<Vec<Parked>>, connection: AsyncSmtpConnection) {
    let mut idle = idle.lock().unwrap_or_else(PoisonError::into_inner);
    idle.retain(|parked| parked.since.elapsed() < IDLE_LIMIT);
    if idle.len() < MAX_IDLE as usize {
        idle.push(Parked {
            connection,
            since: Instant::now(),
        });
    }
}

/// Host, port, EHLO name, TLS mode and credentials of an SMTP URL, read as lettre's
/// `from_url` reads them (lettre keeps its own copy private).
fn relay_of(url: &str) -> Result<Relay, String> {
    let url = Url::parse(url).map_err(|e| e.to_string())?;
    let host = match url.host() {
        Some(url::Host::Domain(name)) => name.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        // Without the brackets the URL needs: this is what the socket and TLS want.
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err("smtp host undefined".to_owned()),
    };
    let tls_mode = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let tls_parameters = || TlsParameters::new(host.clone()).map_err(|e| e.to_string());
    // The ports lettre defaults to: 25 plain, 587 submission with STARTTLS, 465 implicit TLS.
    let (tls, default_port) = match (url.scheme(), tls_mode.as_deref()) {
        ("smtp", None) => (Tls::None, 25),
        ("smtp", Some("required")) => (Tls::Required(tls_parameters()?), 587),
        ("smtp", Some("opportunistic")) => (Tls::Opportunistic(tls_parameters()?), 587),
        ("smtps", _) => (Tls::Wrapper(tls_parameters()?), 465),
        (scheme, tls) => return Err(format!("unknown scheme {scheme:?} or tls {tls:?}")),
    };
    let hello = if url.path().len() > 1 {
        ClientId::Domain(url.path().trim_matches('/').to_owned())
    } else {
        ClientId::default()
    };
    let credentials = match url.password() {
        Some(password) => {
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8()
                    .map(std::borrow::Cow::into_owned)
                    .map_err(|e| e.to_string())
            };
            Some(Credentials::new(decode(url.username())?, decode(password)?))
        }
        None => None,
    };
    Ok(Relay {
        port: url.port().unwrap_or(default_port),
        host,
        hello,
        tls,
        credentials,
    })
}

/// 4xx, network, TLS and timeout failures may pass; a 5xx is the relay's final word on this
/// mail, except for authentication replies, which are our configuration and get fixed.
fn classify(error: &lettre::transport::smtp::Error, endpoint: &str) -> SendError {
    let message = format!("SMTP {endpoint}: {error}");
    let auth_problem = error
        .status()
        .is_some_and(|code| matches!(code.to_string().as_str(), "530" | "534" | "535" | "538"));
    if error.is_permanent() && !auth_problem {
        SendError::permanent(message)
    } else {
        SendError::transient(message)
    }
}

/// `host:port` of an SMTP URL, without scheme, credentials or query.
fn endpoint_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_lose_their_credentials() {
        assert_eq!(
            endpoint_of("smtps://u:p@host.example:465"),
            "host.example:465"
        );
        assert_eq!(
            endpoint_of("smtp://127.0.0.1:1025?tls=required"),
            "127.0.0.1:1025"
        );
    }

    #[test]
    fn urls_are_read_as_lettre_reads_them() {
        let relay =
            relay_of("smtp://user:p%40ss@mail.example.cn/peitao.example.cn?tls=required").unwrap();
        assert_eq!((relay.host.as_str(), relay.port), ("mail.example.cn", 587));
        assert!(matches!(relay.tls, Tls::Required(_)));
        assert_eq!(
            relay.hello,
            ClientId::Domain("peitao.example.cn".to_owned())
        );
        assert_eq!(
            relay.credentials,
            Some(Credentials::new("user".to_owned(), "p@ss".to_owned()))
        );
        let relay = relay_of("smtp://[::1]:1025").unwrap();
        assert_eq!((relay.host.as_str(), relay.port), ("::1", 1025));
        assert!(matches!(relay.tls, Tls::None) && relay.credentials.is_none());
        assert!(matches!(
            relay_of("smtp://h?tls=opportunistic").unwrap().tls,
            Tls::Opportunistic(_)
        ));
        let relay = relay_of("smtps://h").unwrap();
        assert!(matches!(relay.tls, Tls::Wrapper(_)) && relay.port == 465);
    }
}
