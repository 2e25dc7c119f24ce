//! RSA key pairs made at test time (the payment providers' tests sign with the merchant's
//! key and verify with the provider's, so each test run has fresh ones and no private key
//! is ever committed). Made by the machine's `openssl`, an independent implementation;
//! ring, which the shop signs with, cannot generate RSA keys.

use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// An RSA-2048 key pair as PEM text.
#[derive(Debug, Clone)]
pub struct KeyPair {
    /// PKCS#8 (`BEGIN PRIVATE KEY`).
    pub private_pkcs8: String,
    /// PKCS#1 (`BEGIN RSA PRIVATE KEY`) of the same key.
    pub private_pkcs1: String,
    /// SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`).
    pub public: String,
}

fn openssl(args: &[&str], input: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the openssl command (Debian's openssl package) is needed to make test keys");
    if let Some(input) = input {
        child
            .stdin
            .take()
            .expect("a piped stdin")
            .write_all(input.as_bytes())
            .expect("writing to openssl");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("openssl ran");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("PEM is ASCII")
}

/// A fresh RSA-2048 key pair.
pub fn fresh() -> KeyPair {
    let private_pkcs8 = openssl(
        &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        None,
    );
    let private_pkcs1 = openssl(&["rsa", "-traditional"], Some(&private_pkcs8));
    let public = openssl(&["pkey", "-pubout"], Some(&private_pkcs8));
    KeyPair {
        private_pkcs8,
        private_pkcs1,
        public,
    }
}

/// Key pair number `n` of this test process, made once and shared (key generation takes
/// a noticeable moment; tests that need two different keys ask for two numbers).
pub fn shared(n: usize) -> KeyPair {
    static KEYS: OnceLock<Mutex<Vec<KeyPair>>> = OnceLock::new();
    let mut keys = KEYS
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .expect("no test panicked while making a key");
    while keys.len() <= n {
        keys.push(fresh());
    }
    keys[n].clone()
}

/// Writes `text` to a new file in `dir` and answers its path (settings take key files).
pub fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("writing a key file");
    path
}
