//! A plain-HTTP [`Transport`] for the payment adapters' own tests (the shop's real one,
//! hyper with rustls, is in `emporium-app` and is exercised by the server's journeys).

use std::time::Duration;

use emporium_payments::{BoxFuture, HttpRequest, HttpResponse, Transport};

/// Sends over reqwest (no TLS: the fake providers listen on 127.0.0.1), giving up after
/// `timeout` as the shop's transport does.
#[derive(Debug, Clone)]
pub struct PlainHttp {
    client: reqwest::Client,
}

impl PlainHttp {
    /// A transport that waits at most `timeout` for an answer.
    pub fn new(timeout: Duration) -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .expect("a plain HTTP client"),
        }
    }
}

impl Transport for PlainHttp {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, String>> {
        Box::pin(async move {
            let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| e.to_string())?;
            let mut builder = self.client.request(method, &request.url).body(request.body);
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            let answer = builder.send().await.map_err(|e| e.to_string())?;
            let (status, headers) = (answer.status().as_u16(), answer.headers().clone());
            let body = answer.bytes().await.map_err(|e| e.to_string())?.to_vec();
            Ok(HttpResponse::new(status, &headers, body))
        })
    }
}
