//! The load generator: keep-alive HTTP/1.1 connections on tokio, one task each, every
//! task a loop that sends a request, reads the whole answer and records how long it took
//! in an HDR histogram (microseconds, so percentiles cost no stored samples).
//!
//! A small client of our own rather than a load-testing framework: the scenarios are
//! journeys whose next request depends on the last answer (order id, pay URL), and the
//! client must stay cheap because it shares the two cores with the server it measures.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// One keep-alive connection to the server, reopened when the server closes it.
pub struct Client {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

/// A request to send: method, path, and optional bearer token, headers and JSON body.
pub struct Call {
    method: Method,
    path: String,
    token: Option<String>,
    headers: Vec<(&'static str, String)>,
    body: Option<Bytes>,
}

impl Call {
    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// `method path` without a body.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            token: None,
            headers: Vec::new(),
            body: None,
        }
    }

    /// `method path` with `body` as JSON.
    pub fn json(method: Method, path: impl Into<String>, body: &Value) -> Self {
        Self::new(method, path).raw_json(body.to_string().into_bytes())
    }

    /// With these exact bytes as a JSON body (a signed notification must arrive unchanged).
    pub fn raw_json(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// As the session holding `token`.
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// With the header `name: value`.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// The server's answer.
pub struct Answer {
    /// Its status.
    pub status: StatusCode,
    /// Its whole body.
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// A short name for an unexpected answer, for the error counts: the status and the
    /// problem's `code` when there is one.
    pub fn describe(&self) -> String {
        match self.json()["code"].as_str() {
            Some(code) => format!("{} {code}", self.status.as_u16()),
            None => self.status.as_u16().to_string(),
        }
    }
}

impl Client {
    /// A client of the server at `addr` (it connects on first use).
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            host: addr.to_string(),
            sender: None,
        }
    }

    async fn connect(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr)
                .await
                .with_context(|| format!("connecting to {}", self.addr))?;
            stream.set_nodelay(true)?;
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            self.sender = Some(sender);
        }
        self.sender.as_mut().context("no connection")
    }

    /// Sends `call` and reads the whole answer. A transport error drops the connection,
    /// so the next call opens a fresh one.
    pub async fn send(&mut self, call: Call) -> anyhow::Result<Answer> {
        let mut request = Request::builder()
            .method(call.method)
            .uri(call.path)
            .header("host", &self.host);
        if let Some(token) = &call.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if call.body.is_some() {
            request = request.header("content-type", "application/json");
        }
        for (name, value) in call.headers {
            request = request.header(name, value);
        }
        let request = request.body(Full::new(call.body.unwrap_or_default()))?;
        let sender = self.connect().await?;
        let result = async {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::Ok(Answer { status, body })
        }
        .await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }
}

/// What one worker (or all of them, merged) saw: latencies of what succeeded and counts
/// of what did not, by kind.
pub struct Tally {
    latency: Histogram<u64>,
    errors: BTreeMap<String, u64>,
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            // 1 µs to 100 s at three significant digits.
            latency: Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid histogram bounds"),
            errors: BTreeMap::new(),
        }
    }
}

impl Tally {
    /// One success that began at `started`.
    pub fn ok(&mut self, started: Instant) {
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.latency.saturating_record(micros.max(1));
    }

    /// One failure of kind `what`.
    pub fn error(&mut self, what: impl Into<String>) {
        *self.errors.entry(what.into()).or_default() += 1;
    }

    /// Adds `other` into this one.
    pub fn merge(&mut self, other: &Tally) {
        self.latency.add(&other.latency).expect("same histogram bounds");
        for (what, n) in &other.errors {
            *self.errors.entry(what.clone()).or_default() += n;
        }
    }

    /// How many succeeded.
    pub fn successes(&self) -> u64 {
        self.latency.len()
    }

    /// How many failed, of any kind.
    pub fn failures(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Failures by kind.
    pub fn errors(&self) -> &BTreeMap<String, u64> {
        &self.errors
    }

    /// The latency at quantile `q` (0–1).
    pub fn quantile(&self, q: f64) -> Duration {
        Duration::from_micros(self.latency.value_at_quantile(q))
    }

    /// The slowest success.
    pub fn max(&self) -> Duration {
        Duration::from_micros(self.latency.max())
    }
}

/// A finished run: what was seen and how long it took.
pub struct Measured {
    /// Everything the workers saw, merged.
    pub tally: Tally,
    /// From the first worker starting to the last one finishing.
    pub elapsed: Duration,
}

impl Measured {
    /// Successes per second.
    pub fn rate(&self) -> f64 {
        self.tally.successes() as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `workers` copies of `worker` concurrently (each given its index) and merges what
/// they saw. Each worker decides itself when to stop (a deadline, a shared counter).
pub async fn run<F, Fut>(workers: usize, worker: F) -> anyhow::Result<Measured>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Tally> + Send + 'static,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers).map(|i| tokio::spawn(worker(i))).collect();
    let mut tally = Tally::default();
    for task in tasks {
        tally.merge(&task.await.context("a load worker panicked")?);
    }
    Ok(Measured {
        tally,
        elapsed: started.elapsed(),
    })
}
