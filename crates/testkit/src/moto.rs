//! A real S3 server for tests: moto's server mode (`moto_server`, from PyPI), started per
//! test on a port of its own choosing and stopped when the test's [`Moto`] is dropped.
//!
//! `.ci/moto.sh` installs it in `<target-dir>/venv-moto`, where it is found from the test
//! binary's own path; `EMPORIUM_TEST_MOTO_SERVER` may name another `moto_server`. Without
//! it the S3 tests pass as skipped, saying why, except under `CI=true`, where a moto that
//! is missing or does not start is a failure: CI must not go green without them.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The variable that may name the `moto_server` program.
pub const MOTO_SERVER_VAR: &str = "EMPORIUM_TEST_MOTO_SERVER";
/// The access key and secret the tests use (moto accepts any).
pub const ACCESS_KEY: &str = "emporium-test";
/// See [`ACCESS_KEY`].
pub const SECRET: &str = "test-secret/with+signs";
/// An `Authorization` header of the right shape; moto checks no signature by default.
const ANY_SIGNATURE: &str =
    "AWS4-HMAC-SHA256 Credential=emporium-test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";
/// How long moto may take to start (a cold Python import of boto and Flask).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto server, stopped on drop.
#[derive(Debug)]
pub struct Moto {
    /// `127.0.0.1:<port>`.
    pub authority: String,
    child: Option<Child>,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Moto {
    /// Starts moto, or answers `None` (skipped, with the reason printed) when it is not
    /// installed or does not start, which panics under `CI=true`.
    pub fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    /// Like [`Moto::start`], serving https with a self-signed certificate that no client
    /// trusts (werkzeug's "adhoc" one).
    pub fn start_untrusted_tls() -> Option<Self> {
        Self::start_with(&["--ssl"])
    }

    fn start_with(extra: &[&str]) -> Option<Self> {
        let program = match find_moto_server() {
            Ok(program) => program,
            Err(why) => return skip(&why),
        };
        match Self::spawn(&program, extra) {
            Ok(moto) => Some(moto),
            Err(why) => skip(&format!("{} did not start: {why}", program.display())),
        }
    }

    fn spawn(program: &Path, extra: &[&str]) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
        let log = dir.path().join("moto.log");
        let out = std::fs::File::create(&log).map_err(|e| format!("log file: {e}"))?;
        let err = out.try_clone().map_err(|e| format!("log file: {e}"))?;
        // Port 0: the server picks a free port and says which, so parallel tests never race
        // for one.
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot run it: {e}"))?;
        let mut moto = Self {
            authority: String::new(),
            child: Some(child),
            log,
            _dir: dir,
        };
        let started = Instant::now();
        loop {
            if let Some(authority) = moto.announced_authority() {
                moto.authority = authority;
                return Ok(moto);
            }
            if let Some(Ok(Some(status))) = moto.child.as_mut().map(Child::try_wait) {
                return Err(format!("it exited with {status}; its log:\n{}", moto.log_text()));
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "no address after {} s; its log:\n{}",
                    START_TIMEOUT.as_secs(),
                    moto.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The `127.0.0.1:<port>` of werkzeug's ` * Running on http(s)://127.0.0.1:<port>` line.
    fn announced_authority(&self) -> Option<String> {
        let file = std::fs::File::open(&self.log).ok()?;
        std::io::BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                let rest = line
                    .split("Running on http")
                    .nth(1)?
                    .trim_start_matches('s')
                    .strip_prefix("://")?;
                let authority = rest.split_whitespace().next()?.trim_end_matches('/');
                authority.starts_with("127.0.0.1:").then(|| authority.to_owned())
            })
    }

    /// What moto has written so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Creates a bucket with a fresh name and answers it. moto keeps everything in
    /// memory, so a test's buckets go with its server.
    pub fn bucket(&self) -> String {
        let mut suffix = [0u8; 6];
        getrandom::fill(&mut suffix).expect("random bucket name");
        let name = format!("media-{}", hex::encode(suffix));
        let answer = self.request("PUT", &format!("/{name}"));
        let status = answer.lines().next().unwrap_or_default();
        assert!(status.contains(" 200 "), "creating bucket {name} on moto: {status}");
        name
    }

    /// The `Content-Type` an object was stored with (`HEAD` on it), or `None` when there
    /// is no such object.
    pub fn stored_type(&self, bucket: &str, key: &str) -> Option<String> {
        let answer = self.request("HEAD", &format!("/{bucket}/{key}"));
        let mut lines = answer.lines();
        if !lines.next().unwrap_or_default().contains(" 200 ") {
            return None;
        }
        lines.find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
    }

    /// The `--media-s3-url` of `bucket` on this server: path style over plain http, with
    /// a short timeout.
    pub fn url(&self, bucket: &str) -> String {
        format!(
            "s3://{ACCESS_KEY}:{}@{}/{bucket}?region=us-east-1&path_style=true&tls=false&timeout=5",
            SECRET.replace('/', "%2F").replace('+', "%2B"),
            self.authority
        )
    }

    /// Stops the server now (a bucket that goes away under a running shop).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends a request with no body and answers the whole answer. moto checks no
    /// signature; some reads only want to see that an `Authorization` header is there.
    fn request(&self, method: &str, path: &str) -> String {
        let mut stream = TcpStream::connect(&self.authority).expect("connect to moto");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {ANY_SIGNATURE}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.authority
        )
        .expect("request to moto");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `EMPORIUM_TEST_MOTO_SERVER`, else `venv-moto/bin/moto_server` in the target directory
/// that holds this test binary (`<target>/debug/deps/<test>`).
fn find_moto_server() -> Result<PathBuf, String> {
    if let Ok(program) = std::env::var(MOTO_SERVER_VAR)
        && !program.is_empty()
    {
        return Ok(PathBuf::from(program));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot tell where this test runs from: {e}"))?;
    exe.ancestors()
        .map(|dir| dir.join("venv-moto").join("bin").join("moto_server"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            format!(
                "moto_server is not installed beside {} (run .ci/moto.sh, which makes <target-dir>/venv-moto, or set {MOTO_SERVER_VAR})",
                exe.display()
            )
        })
}

fn skip(why: &str) -> Option<Moto> {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "under CI=true the S3 suite must run: {why}"
    );
    eprintln!("skipped: {why}");
    None
}
