//! Session tokens: 256 random bits from the operating system's CSPRNG, handed to the
//! client once and stored only as a SHA-256 hash, so a leaked database holds no usable
//! token. (A fast hash suffices: unlike passwords, the token has full entropy.)

use sha2::{Digest, Sha256};

const TOKEN_BYTES: usize = 32;

/// A fresh token, hex-encoded (64 characters).
pub fn generate() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether a string has a token's shape (checked before touching the database).
pub fn looks_valid(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_well_formed_and_hashed() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert!(looks_valid(&a));
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
        assert!(!looks_valid("short"));
        assert!(!looks_valid(&"z".repeat(64)));
    }
}
