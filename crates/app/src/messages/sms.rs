//! Text messages: a small provider trait, the log-only sender used when no provider is
//! configured, and an HTTP webhook (`EMPORIUM_SMS_URL`, `EMPORIUM_SMS_TOKEN`) that hands
//! each text to whatever gateway the shop uses.
//!
//! The webhook's contract: `POST <EMPORIUM_SMS_URL>` with `Content-Type:
//! application/json`, `Authorization: Bearer <EMPORIUM_SMS_TOKEN>` and the body
//! `{"to": "+86 138 0013 8000", "text": "…", "id": "message-42"}`; any 2xx answer means
//! the gateway took it (it should use `id` to drop a repeat), anything else is retried
//! with backoff.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;

/// A sending in progress.
pub type SmsFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Something that delivers text messages.
pub trait SmsSender: Send + Sync + fmt::Debug {
    /// Sends `text` to the phone number `to`; `id` is the same on every attempt at one
    /// message, so a gateway can drop a repeat.
    fn send<'a>(&'a self, id: &'a str, to: &'a str, text: &'a str) -> SmsFuture<'a>;
}

/// Writes each text to the log instead of sending it (with the number masked): the
/// default, so a shop without a gateway sees what would have gone out.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogSms;

impl SmsSender for LogSms {
    fn send<'a>(&'a self, id: &'a str, to: &'a str, text: &'a str) -> SmsFuture<'a> {
        Box::pin(async move {
            tracing::info!(sms.id = id, sms.to = %mask_phone(to), sms.text = text, "text message (no SMS gateway configured; logged only)");
            Ok(())
        })
    }
}

/// A phone number with all but its last four digits hidden, for logs.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let shown: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("***{shown}")
}

/// `EMPORIUM_SMS_URL` and `EMPORIUM_SMS_TOKEN`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsConfig {
    /// Where texts are POSTed (`http://` or `https://`).
    pub url: String,
    /// The bearer token sent with each.
    pub token: String,
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &self.url)
            .field("token", &"***")
            .finish()
    }
}

impl SmsConfig {
    /// Checks the URL (`http` or `https`, with a host).
    pub fn parse(url: &str, token: &str) -> Result<Self, String> {
        let uri: Uri = url
            .trim()
            .parse()
            .map_err(|e| format!("EMPORIUM_SMS_URL is not a URL: {e}"))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err("EMPORIUM_SMS_URL must be an http:// or https:// URL with a host".into());
        }
        Ok(Self {
            url: url.trim().to_owned(),
            token: token.to_owned(),
        })
    }
}

/// How long the gateway may take to answer.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);

/// POSTs each text as JSON to the configured URL (see the module's contract).
pub struct WebhookSms {
    config: SmsConfig,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl fmt::Debug for WebhookSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSms").field("config", &self.config).finish()
    }
}

impl WebhookSms {
    /// A sender for `config`, trusting the system's certificates for https (rustls on
    /// ring, as the rest of the shop).
    pub fn new(config: SmsConfig) -> Result<Self, String> {
        Ok(Self {
            config,
            client: crate::payments::transport::https_client()?,
        })
    }
}

impl SmsSender for WebhookSms {
    fn send<'a>(&'a self, id: &'a str, to: &'a str, text: &'a str) -> SmsFuture<'a> {
        Box::pin(async move {
            let body = serde_json::json!({ "to": to, "text": text, "id": id }).to_string();
            let request = Request::builder()
                .method(Method::POST)
                .uri(&self.config.url)
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {}", self.config.token))
                .body(Full::new(Bytes::from(body)))
                .map_err(|e| format!("building the request: {e}"))?;
            let answer = tokio::time::timeout(WEBHOOK_TIMEOUT, self.client.request(request))
                .await
                .map_err(|_| "the SMS gateway did not answer in time".to_owned())?
                .map_err(|e| format!("the SMS gateway cannot be reached: {e}"))?;
            let status = answer.status();
            // Read the body so the connection can be reused; its text is not needed.
            let _ = answer.into_body().collect().await;
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("the SMS gateway answered {status}"))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A gateway on a local socket that answers `status` and hands back the request.
    async fn gateway(status: &'static str) -> (String, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/send", listener.local_addr().unwrap());
        let served = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            // Headers, then as much body as Content-Length says.
            loop {
                let n = socket.read(&mut buffer).await.unwrap();
                request.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if body.len() >= length || n == 0 {
                        break;
                    }
                }
            }
            let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            socket.write_all(answer.as_bytes()).await.unwrap();
            String::from_utf8_lossy(&request).to_string()
        });
        (url, served)
    }

    #[tokio::test]
    async fn the_webhook_posts_json_with_the_bearer_token() {
        let (url, served) = gateway("200 OK").await;
        let sender = WebhookSms::new(SmsConfig::parse(&url, "tok3n").unwrap()).unwrap();
        sender
            .send("message-7@shop", "+86 138 0013 8000", "已发货 SF1")
            .await
            .unwrap();
        let request = served.await.unwrap();
        assert!(request.starts_with("POST /send HTTP/1.1"), "{request}");
        let lower = request.to_ascii_lowercase();
        assert!(lower.contains("authorization: bearer tok3n"), "{request}");
        assert!(lower.contains("content-type: application/json"), "{request}");
        let body = request.split_once("\r\n\r\n").unwrap().1;
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"to": "+86 138 0013 8000", "text": "已发货 SF1", "id": "message-7@shop"})
        );
    }

    #[tokio::test]
    async fn a_refusal_or_no_gateway_is_an_error_to_retry() {
        let (url, served) = gateway("503 Service Unavailable").await;
        let sender = WebhookSms::new(SmsConfig::parse(&url, "t").unwrap()).unwrap();
        let error = sender.send("m", "+1", "x").await.unwrap_err();
        assert!(error.contains("503"), "{error}");
        served.await.unwrap();
        let gone = WebhookSms::new(SmsConfig::parse("http://127.0.0.1:9/send", "t").unwrap()).unwrap();
        assert!(gone.send("m", "+1", "x").await.is_err());
    }

    #[test]
    fn phones_are_masked_and_tokens_hidden() {
        assert_eq!(mask_phone("+86 138 0013 8000"), "***8000");
        assert_eq!(mask_phone("12"), "***12");
        let config = SmsConfig::parse("https://sms.example.com/send", "s3cret").unwrap();
        assert!(!format!("{config:?}").contains("s3cret"));
        assert!(SmsConfig::parse("ftp://x", "t").is_err());
        assert!(SmsConfig::parse("not a url", "t").is_err());
    }
}
