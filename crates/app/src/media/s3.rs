//! Media files in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Aliyun OSS in
//! S3 mode…), so that several instances behind a load balancer share one set of images.
//!
//! Requests are signed by `rusty-s3` (AWS Signature V4, as presigned URLs: the signing is
//! a well-kept crate's, the I/O ours) and sent with hyper over rustls (ring, the system's
//! certificate store). Each object is written whole with one `PUT`, which S3 applies
//! atomically, as [`MediaStorage`] requires; read with `GET` (404: no such file) and
//! looked up with `HEAD`. Every request has a deadline ([`S3Config::timeout`]), and every
//! failure is an `io::Error` that says which operation on which key failed and why, in
//! S3's own words when it answered (its error code), never with the signed URL or the
//! secret.

mod config;

use std::fmt;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request, StatusCode, Uri, header};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rusty_s3::S3Action;

pub use config::{DEFAULT_TIMEOUT, S3Config, S3ConfigError};

use super::process::Format;
use super::storage::{MediaStorage, StorageFuture, StorageKey};

/// How long a signed request stays valid: long enough for any clock skew S3 forgives, and
/// the URL is only ever sent to the bucket.
const SIGNED_FOR: Duration = Duration::from_secs(15 * 60);
/// The most read of one object: past the largest upload the settings allow (256 MiB).
const MAX_OBJECT_BYTES: usize = 257 * 1024 * 1024;
/// How long connecting may take, within the request's deadline.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// An S3-compatible bucket holding the media files.
pub struct S3Bucket {
    config: S3Config,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl fmt::Debug for S3Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Bucket")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What one request answered: its status and body (empty for `HEAD`).
struct Answer {
    status: StatusCode,
    body: Bytes,
}

impl S3Bucket {
    /// A client for the bucket `config` names. Fails only when `tls=true` and the
    /// system has no trusted certificates to check the endpoint's with.
    pub fn new(config: S3Config) -> io::Result<Self> {
        let provider = rustls::crypto::ring::default_provider();
        let tls = if config.tls {
            hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_native_roots(provider)
                .map_err(|e| io::Error::new(e.kind(), format!("loading the system's trusted certificates: {e}")))?
                .https_only()
        } else {
            // Plain http: no certificate is ever checked, so none is loaded.
            let config = rustls::ClientConfig::builder_with_provider(provider.into())
                .with_safe_default_protocol_versions()
                .map_err(io::Error::other)?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(config)
                .https_or_http()
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(CONNECT_TIMEOUT.min(config.timeout)));
        http.set_nodelay(true);
        let connector = tls.enable_http1().wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            // S3 closes idle connections after about 20 s; reusing one it has just
            // closed would fail a request for nothing.
            .pool_idle_timeout(Duration::from_secs(15))
            .build(connector);
        Ok(Self { config, client })
    }

    /// The settings, for logs (their `Debug` hides the secret).
    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// Checks that the bucket answers and lets these credentials in (`HEAD` on the
    /// bucket), for a warning at start rather than at the first image.
    pub async fn check(&self) -> io::Result<()> {
        let action = self.config.bucket.head_bucket(Some(&self.config.credentials));
        let answer = self
            .send(Method::HEAD, action.sign(SIGNED_FOR), None, "HEAD", "the bucket")
            .await?;
        match answer.status {
            s if s.is_success() => Ok(()),
            s => Err(self.refused("HEAD", "the bucket", s, &answer.body)),
        }
    }

    fn object_key(&self, key: &StorageKey) -> String {
        format!("{}{}", self.config.prefix, key.as_str())
    }

    /// Sends one request and reads the whole answer, within the deadline.
    async fn send(
        &self,
        method: Method,
        url: url::Url,
        body: Option<(Vec<u8>, &'static str)>,
        operation: &str,
        what: &str,
    ) -> io::Result<Answer> {
        let uri: Uri = url
            .as_str()
            .parse()
            .map_err(|_| io::Error::other(format!("S3 {operation} {what}: the signed URL is no URI")))?;
        let mut request = Request::builder().method(method).uri(uri);
        let body = match body {
            Some((bytes, content_type)) => {
                request = request
                    .header(header::CONTENT_TYPE, content_type)
                    .header(header::CONTENT_LENGTH, bytes.len());
                Full::new(Bytes::from(bytes))
            }
            None => Full::new(Bytes::new()),
        };
        let request = request
            .body(body)
            .map_err(|e| io::Error::other(format!("S3 {operation} {what}: {e}")))?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                // The error's chain says why (refused, reset, TLS); it holds no URL.
                let kind = if e.is_connect() {
                    io::ErrorKind::ConnectionRefused
                } else {
                    io::ErrorKind::ConnectionAborted
                };
                io::Error::new(
                    kind,
                    format!("S3 {operation} {what} at {}: {}", self.config.authority, chain(&e)),
                )
            })?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_OBJECT_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        format!("S3 {operation} {what}: reading the answer: {e}"),
                    )
                })?
                .to_bytes();
            Ok(Answer { status, body })
        };
        tokio::time::timeout(self.config.timeout, exchange).await.map_err(|_| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "S3 {operation} {what} at {}: no answer within {} s",
                    self.config.authority,
                    self.config.timeout.as_secs()
                ),
            )
        })?
    }

    /// An answer that is not what the operation expects, as an error naming S3's code.
    fn refused(&self, operation: &str, what: &str, status: StatusCode, body: &[u8]) -> io::Error {
        let kind = match status {
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => io::ErrorKind::PermissionDenied,
            StatusCode::NOT_FOUND => io::ErrorKind::NotFound,
            s if s.is_server_error() => io::ErrorKind::ResourceBusy,
            _ => io::ErrorKind::Other,
        };
        let because = match (xml_field(body, "Code"), xml_field(body, "Message")) {
            (Some(code), Some(message)) => format!(" ({code}: {message})"),
            (Some(code), None) => format!(" ({code})"),
            _ => String::new(),
        };
        io::Error::new(
            kind,
            format!(
                "S3 {operation} {what} in bucket {:?} at {}: {status}{because}",
                self.config.bucket(),
                self.config.authority
            ),
        )
    }
}

impl MediaStorage for S3Bucket {
    fn get<'a>(&'a self, key: &'a StorageKey) -> StorageFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let object = self.object_key(key);
            let action = self.config.bucket.get_object(Some(&self.config.credentials), &object);
            let answer = self
                .send(Method::GET, action.sign(SIGNED_FOR), None, "GET", &object)
                .await?;
            match answer.status {
                s if s.is_success() => Ok(Some(answer.body.into())),
                // A missing bucket is a setting to fix, not a missing file.
                StatusCode::NOT_FOUND if xml_field(&answer.body, "Code") != Some("NoSuchBucket") => Ok(None),
                s => Err(self.refused("GET", &object, s, &answer.body)),
            }
        })
    }

    fn put<'a>(&'a self, key: &'a StorageKey, bytes: Vec<u8>) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let object = self.object_key(key);
            let content_type = content_type(key, &bytes);
            let mut action = self.config.bucket.put_object(Some(&self.config.credentials), &object);
            // Signed, so the bucket keeps (and later answers) the type we stored.
            action.headers_mut().insert("content-type", content_type);
            let url = action.sign(SIGNED_FOR);
            let answer = self
                .send(Method::PUT, url, Some((bytes, content_type)), "PUT", &object)
                .await?;
            match answer.status {
                s if s.is_success() => Ok(()),
                s => Err(self.refused("PUT", &object, s, &answer.body)),
            }
        })
    }

    fn exists<'a>(&'a self, key: &'a StorageKey) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let object = self.object_key(key);
            let action = self.config.bucket.head_object(Some(&self.config.credentials), &object);
            let answer = self
                .send(Method::HEAD, action.sign(SIGNED_FOR), None, "HEAD", &object)
                .await?;
            match answer.status {
                s if s.is_success() => Ok(true),
                StatusCode::NOT_FOUND => Ok(false),
                s => Err(self.refused("HEAD", &object, s, &answer.body)),
            }
        })
    }
}

/// The media type of a file about to be stored: what its bytes are (an upload's files
/// were verified or made by us), or SVG for a drawing.
fn content_type(key: &StorageKey, bytes: &[u8]) -> &'static str {
    if key.as_str().ends_with(".svg") {
        "image/svg+xml"
    } else {
        Format::sniff(bytes).map_or("application/octet-stream", Format::content_type)
    }
}

/// The text of the first `<name>…</name>` in an S3 error document, if any.
fn xml_field<'a>(body: &'a [u8], name: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find(&format!("<{name}>"))? + name.len() + 2;
    let end = text[start..].find(&format!("</{name}>"))?;
    Some(text[start..start + end].trim()).filter(|s| !s.is_empty() && s.len() <= 300)
}

/// An error and its causes on one line (`connection refused` sits a few levels down).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_error_documents_are_read_for_their_code() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>media</BucketName></Error>"#;
        assert_eq!(xml_field(body, "Code"), Some("NoSuchBucket"));
        assert_eq!(xml_field(body, "Message"), Some("The specified bucket does not exist"));
        assert_eq!(xml_field(body, "Resource"), None);
        assert_eq!(xml_field(b"", "Code"), None);
        assert_eq!(xml_field(b"<Code></Code>", "Code"), None);
    }

    #[test]
    fn stored_files_carry_their_type() {
        let drawing = StorageKey::drawing("tea-jade");
        assert_eq!(content_type(&drawing, b"<svg/>"), "image/svg+xml");
        let hash = emporium_domain::media::ContentHash::parse(&"ab".repeat(32)).unwrap();
        let original = StorageKey::upload(&hash, emporium_domain::media::UploadFile::Original);
        assert_eq!(content_type(&original, b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(content_type(&original, b"\xff\xd8\xff\xe0"), "image/jpeg");
        assert_eq!(content_type(&original, b"????"), "application/octet-stream");
    }
}
