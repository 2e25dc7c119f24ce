//! A real SMTP server for tests: `.ci/smtp_sink.py` (Python's `aiosmtpd`, from PyPI),
//! started per test on a free port and stopped when the test's [`SmtpSink`] is dropped.
//! It writes each message it accepts to a folder as JSON (recipients, decoded subject,
//! text and HTML parts, the raw message), which [`SmtpSink::received`] reads.
//!
//! `.ci/smtp.sh` installs it in `<target-dir>/venv-smtp`, where it is found from the test
//! binary's own path; `EMPORIUM_TEST_SMTP_PYTHON` may name another python that has
//! aiosmtpd. Without it the email tests pass as skipped, saying why, except under
//! `CI=true`, where a server that is missing or does not start is a failure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The variable that may name the python to run the server with.
pub const SMTP_PYTHON_VAR: &str = "EMPORIUM_TEST_SMTP_PYTHON";
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running SMTP server, stopped on drop.
#[derive(Debug)]
pub struct SmtpSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    python: PathBuf,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope's recipients.
    pub rcpt_tos: Vec<String>,
    /// The decoded subject.
    pub subject: String,
    /// `Message-ID`.
    pub message_id: String,
    /// The top-level content type (`multipart/alternative`).
    pub content_type: String,
    /// The decoded text part.
    pub text: String,
    /// The decoded HTML part.
    pub html: String,
    /// The message as it arrived.
    pub raw: String,
}

impl SmtpSink {
    /// Starts a server, or answers `None` (skipped, with the reason printed) when aiosmtpd
    /// is not installed or the server does not start, which panics under `CI=true`.
    pub fn start() -> Option<Self> {
        let python = match find_python() {
            Ok(python) => python,
            Err(why) => return skip(&why),
        };
        let dir = match tempfile::tempdir() {
            Ok(dir) => dir,
            Err(e) => return skip(&format!("temporary folder: {e}")),
        };
        let mut sink = Self {
            port: 0,
            python,
            child: None,
            dir,
        };
        match sink.spawn(0) {
            Ok(()) => Some(sink),
            Err(why) => skip(&format!("the SMTP server did not start: {why}")),
        }
    }

    fn spawn(&mut self, port: u16) -> Result<(), String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/smtp_sink.py");
        let mut child = Command::new(&self.python)
            .arg(&script)
            .arg(self.dir.path())
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.python.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .map_err(|_| format!("no port after {} s", START_TIMEOUT.as_secs()))?;
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("unexpected first line {line:?}"))?;
        self.port = port;
        self.child = Some(child);
        Ok(())
    }

    /// `smtp://127.0.0.1:<port>`: plain (no STARTTLS offered), as to a local relay.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server (the mail server down); messages already received are kept.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (the mail server back).
    pub fn restart(&mut self) {
        self.stop();
        let port = self.port;
        let started = Instant::now();
        // The port was just released; on a busy machine binding it may take a moment.
        while let Err(why) = self.spawn(port) {
            assert!(started.elapsed() < START_TIMEOUT, "restarting the SMTP server: {why}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Every message received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("the sink's folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).expect("a received message");
                let v: serde_json::Value = serde_json::from_str(&text).expect("the sink's JSON");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                Received {
                    rcpt_tos: v["rcpt_tos"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default(),
                    subject: s("subject"),
                    message_id: s("message_id"),
                    content_type: s("content_type"),
                    text: s("text"),
                    html: s("html"),
                    raw: s("raw"),
                }
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `EMPORIUM_TEST_SMTP_PYTHON`, else `venv-smtp/bin/python` in the target directory that
/// holds this test binary (`<target>/debug/deps/<test>`).
fn find_python() -> Result<PathBuf, String> {
    if let Ok(program) = std::env::var(SMTP_PYTHON_VAR)
        && !program.is_empty()
    {
        return Ok(PathBuf::from(program));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot tell where this test runs from: {e}"))?;
    exe.ancestors()
        .map(|dir| dir.join("venv-smtp").join("bin").join("python"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            format!(
                "aiosmtpd is not installed beside {} (run .ci/smtp.sh, which makes <target-dir>/venv-smtp, or set {SMTP_PYTHON_VAR})",
                exe.display()
            )
        })
}

fn skip(why: &str) -> Option<SmtpSink> {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "under CI=true the email suite must run: {why}"
    );
    eprintln!("skipped: {why}");
    None
}
