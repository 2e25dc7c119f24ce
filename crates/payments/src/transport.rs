//! How an adapter reaches its provider's servers without this crate doing any I/O: the
//! shop hands each adapter a [`Transport`] (hyper with rustls in the server, a fake in
//! tests), and the adapter only builds requests and reads answers.

use crate::BoxFuture;

/// One HTTP request to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The absolute URL, query string included.
    pub url: String,
    /// Headers to send (the transport adds `Host` and `Content-Length`).
    pub headers: Vec<(String, String)>,
    /// The body (empty for a `GET`).
    pub body: Vec<u8>,
}

/// A provider's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as received.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// An answer from its parts, the headers as an HTTP client holds them.
    pub fn new(status: u16, headers: &http::HeaderMap, body: Vec<u8>) -> Self {
        let headers = headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        Self { status, headers, body }
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends requests to providers. `Err` means no answer came (refused connection, timeout,
/// broken TLS): the adapter reports [`ProviderError::Unavailable`](crate::ProviderError)
/// and the shop asks again later.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` and reads the whole answer.
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, String>>;
}

/// The shop's answer to a provider's notification, in the provider's expected format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`, when there is a body.
    pub content_type: Option<&'static str>,
    /// The body.
    pub body: String,
}

impl Reply {
    /// A status with no body.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            content_type: None,
            body: String::new(),
        }
    }

    /// A status with a plain-text body (Alipay's `success` and `fail`).
    pub fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            content_type: Some("text/plain; charset=utf-8"),
            body: body.to_owned(),
        }
    }

    /// A status with a JSON body (WeChat Pay's `{"code":"FAIL","message":…}`).
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            content_type: Some("application/json"),
            body: body.to_string(),
        }
    }
}
