//! The shop's [`Transport`] to the payment providers' servers: hyper with rustls on ring
//! and the system's trusted certificates, as the S3 and SMS clients.

use std::time::Duration;

use bytes::Bytes;
use emporium_payments::{BoxFuture, HttpRequest, HttpResponse, Transport};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// How long a provider may take to answer before the shop treats the call as unanswered
/// (the payment or refund stays open and is asked about again).
pub const PROVIDER_TIMEOUT: Duration = Duration::from_secs(15);

/// The largest answer read from a provider; theirs are a few kilobytes.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// Sends the adapters' requests over HTTPS (plain HTTP only where a setting points at one,
/// as the tests' local fakes do).
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// An HTTP/1 client over rustls on ring that trusts the system's certificates (and speaks
/// plain http where a setting points at it): what the shop calls other services with
/// (payment providers, the SMS webhook).
pub(crate) fn https_client() -> Result<Client<HttpsConnector<HttpConnector>, Full<Bytes>>, String> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| format!("loading the system's trusted certificates: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

impl HyperTransport {
    /// A transport that gives up after `timeout`.
    pub fn new(timeout: Duration) -> Result<Self, String> {
        Ok(Self {
            client: https_client()?,
            timeout,
        })
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let mut builder = http::Request::builder().method(request.method).uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let request = builder
            .body(Full::new(Bytes::from(request.body)))
            .map_err(|e| format!("building the request: {e}"))?;
        let answer = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("the provider cannot be reached: {e}"))?;
        let (parts, body) = answer.into_parts();
        let body = http_body_util::Limited::new(body, MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| format!("reading the provider's answer: {e}"))?
            .to_bytes()
            .to_vec();
        Ok(HttpResponse::new(parts.status.as_u16(), &parts.headers, body))
    }
}

impl Transport for HyperTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, String>> {
        Box::pin(async move {
            tokio::time::timeout(self.timeout, self.exchange(request))
                .await
                .map_err(|_| format!("the provider did not answer within {} s", self.timeout.as_secs()))?
        })
    }
}
