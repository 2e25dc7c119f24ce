//! Email over SMTP with `lettre`: the `EMPORIUM_SMTP_URL` setting, and a mailer that
//! sends one rendered message as `multipart/alternative` (text and HTML) with a
//! deterministic `Message-ID`.
//!
//! The URL says how to reach the server and how the connection is protected:
//!
//! | URL | connection |
//! |---|---|
//! | `smtps://[user:pass@]host[:465]` | TLS from the first byte (implicit TLS) |
//! | `smtp://[user:pass@]host[:587]` | STARTTLS, required: a server that does not offer it is an error, so a password never crosses in clear text |
//! | `smtp://[user:pass@]127.0.0.1[:587]` (or `localhost`, `::1`) | STARTTLS when the server offers it, else plain: a relay on the same machine (a local Postfix, the test suite's server) |
//!
//! The user and password are percent-decoded and never shown: [`SmtpUrl`]'s `Debug` and
//! [`SmtpUrl::redacted`] print `***`, and parse errors do not repeat the URL.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// How long one connection, command or answer may take: well inside the delivery's
/// lease, so a message is always finished (sent or not) before another instance may
/// claim it.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtps://`: TLS from the first byte.
    ImplicitTls,
    /// `smtp://` to another machine: STARTTLS or no connection.
    StartTls,
    /// `smtp://` to this machine: STARTTLS when offered.
    StartTlsIfOffered,
}

/// A parsed `EMPORIUM_SMTP_URL`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    /// The server's host name or address.
    pub host: String,
    /// Its port (default 465 for `smtps`, 587 for `smtp`).
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// User and password, when the server wants them.
    pub credentials: Option<(String, String)>,
}

impl SmtpUrl {
    /// Reads `smtp://…` or `smtps://…` (see the module's table). Errors never repeat the
    /// URL, which may hold a password.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = url::Url::parse(raw.trim()).map_err(|e| format!("not a URL ({e})"))?;
        let (default_port, tls) = match url.scheme() {
            "smtps" => (465, true),
            "smtp" => (587, false),
            other => return Err(format!("the scheme must be smtp or smtps, not {other:?}")),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the URL names no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if url.path() != "" && url.path() != "/" {
            return Err("the URL must not have a path".into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("the URL must not have a query or fragment".into());
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| "the user or password is not UTF-8 once decoded".to_owned())
        };
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (user, password) => Some((decode(user)?, decode(password.unwrap_or(""))?)),
        };
        let security = if tls {
            Security::ImplicitTls
        } else if is_loopback(&host) {
            Security::StartTlsIfOffered
        } else {
            Security::StartTls
        };
        Ok(Self {
            port: url.port().unwrap_or(default_port),
            host,
            security,
            credentials,
        })
    }

    /// The URL fit for a log: the password as `***`.
    pub fn redacted(&self) -> String {
        let scheme = if self.security == Security::ImplicitTls {
            "smtps"
        } else {
            "smtp"
        };
        let user = match &self.credentials {
            Some((user, _)) => format!("{user}:***@"),
            None => String::new(),
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{scheme}://{user}{host}:{}", self.port)
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// How the shop names itself in `EHLO`: its host name, or an address literal
/// (`[127.0.0.1]`) when the public URL names an address.
fn client_id(host: &str) -> ClientId {
    match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ClientId::Ipv4(ip),
        Ok(IpAddr::V6(ip)) => ClientId::Ipv6(ip),
        Err(_) => ClientId::Domain(host.to_owned()),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Where mail goes and who it is from: `EMPORIUM_SMTP_URL` and `EMPORIUM_MAIL_FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// The server.
    pub smtp: SmtpUrl,
    /// The sender, `shop@example.com` or `Emporium <shop@example.com>`.
    pub from: String,
}

impl MailConfig {
    /// Checks both settings; the error names what is wrong without repeating a secret.
    pub fn parse(smtp_url: &str, from: &str) -> Result<Self, String> {
        let smtp = SmtpUrl::parse(smtp_url).map_err(|e| format!("EMPORIUM_SMTP_URL: {e}"))?;
        from.trim()
            .parse::<Mailbox>()
            .map_err(|e| format!("EMPORIUM_MAIL_FROM {from:?} is not an address: {e}"))?;
        Ok(Self {
            smtp,
            from: from.trim().to_owned(),
        })
    }
}

/// One message ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Its addressees.
    pub to: Vec<String>,
    /// `Message-ID`, without the angle brackets; the same on every attempt.
    pub message_id: String,
    /// Subject line.
    pub subject: String,
    /// The text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailError {
    /// An address that is not one: sending again will not help.
    BadAddress(String),
    /// The server could not be reached, or refused; worth another attempt.
    Server(String),
}

/// The SMTP client (one connection per message: the outbox sends a few per pass).
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A client for `config`, greeting the server as `hello_name` (the shop's host).
    pub fn new(config: &MailConfig, hello_name: &str) -> Result<Self, String> {
        let smtp = &config.smtp;
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| format!("EMPORIUM_MAIL_FROM is not an address: {e}"))?;
        let tls = || TlsParameters::new(smtp.host.clone()).map_err(|e| format!("TLS for {}: {e}", smtp.host));
        let tls = match smtp.security {
            Security::ImplicitTls => Tls::Wrapper(tls()?),
            Security::StartTls => Tls::Required(tls()?),
            Security::StartTlsIfOffered => Tls::Opportunistic(tls()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT))
            .hello_name(client_id(hello_name));
        if let Some((user, password)) = &smtp.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends `email` as `multipart/alternative` (text, then HTML).
    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .subject(email.subject.clone())
            .message_id(Some(format!("<{}>", email.message_id)));
        for to in &email.to {
            let mailbox: Mailbox = to
                .parse()
                .map_err(|e| MailError::BadAddress(format!("recipient is not an address: {e}")))?;
            builder = builder.to(mailbox);
        }
        let message = builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html.clone()),
                    ),
            )
            .map_err(|e| MailError::BadAddress(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| MailError::Server(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_say_how_the_connection_is_protected() {
        let url = SmtpUrl::parse("smtp://shop%40example.com:p%3Ass@mail.example.com").unwrap();
        assert_eq!(url.security, Security::StartTls);
        assert_eq!(url.port, 587);
        assert_eq!(
            url.credentials,
            Some(("shop@example.com".to_owned(), "p:ss".to_owned()))
        );
        let url = SmtpUrl::parse("smtps://mail.example.com").unwrap();
        assert_eq!((url.security, url.port), (Security::ImplicitTls, 465));
        let url = SmtpUrl::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((url.security, url.port), (Security::StartTlsIfOffered, 2525));
        assert_eq!(
            SmtpUrl::parse("smtp://[::1]:25").unwrap().security,
            Security::StartTlsIfOffered
        );
        assert_eq!(
            SmtpUrl::parse("smtp://localhost").unwrap().security,
            Security::StartTlsIfOffered
        );
        for bad in [
            "http://mail.example.com",
            "smtp://",
            "smtp://h/path",
            "smtp://h?tls=none",
            "nonsense",
        ] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_never_shown() {
        let url = SmtpUrl::parse("smtp://user:hunter2@mail.example.com:2587").unwrap();
        assert_eq!(url.redacted(), "smtp://user:***@mail.example.com:2587");
        assert!(!format!("{url:?}").contains("hunter2"));
        let config = MailConfig::parse("smtp://user:hunter2@mail.example.com", "Shop <shop@example.com>").unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        let error = MailConfig::parse("smtp://user:hunter2@mail.example.com/x", "shop@example.com").unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(MailConfig::parse("smtp://mail.example.com", "not an address").is_err());
    }
}
