//! RSA keys for SHA256withRSA (PKCS#1 v1.5), the signature both Alipay (`RSA2`) and
//! WeChat Pay (`WECHATPAY2-SHA256-RSA2048`) use, on ring. The signatures are
//! deterministic, so the same key and text always give the same bytes (which the
//! interoperability tests compare with the providers' own SDKs).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::rand::SystemRandom;
use ring::signature::{self as sig, RsaKeyPair, UnparsedPublicKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};

/// Why a key could not be read. Never echoes key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

/// A merchant's private key.
pub struct SigningKey {
    pair: RsaKeyPair,
    rng: SystemRandom,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets stay out of logs: only the size shows.
        write!(f, "SigningKey(RSA-{})", self.pair.public().modulus_len() * 8)
    }
}

impl SigningKey {
    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`). Alipay's tools also hand out the bare base64 of a PKCS#8
    /// or PKCS#1 key without the PEM lines; that is accepted too.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let pair = match PrivateKeyDer::from_pem_slice(text.as_bytes()) {
            Ok(PrivateKeyDer::Pkcs8(der)) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
            Ok(PrivateKeyDer::Pkcs1(der)) => RsaKeyPair::from_der(der.secret_pkcs1_der()),
            Ok(_) => return Err(KeyError("the private key is not an RSA key".into())),
            Err(_) => {
                let der = bare_base64(text)?;
                RsaKeyPair::from_pkcs8(&der).or_else(|_| RsaKeyPair::from_der(&der))
            }
        }
        .map_err(|e| KeyError(format!("not a usable RSA private key: {e}")))?;
        if pair.public().modulus_len() < 256 {
            return Err(KeyError("the RSA key is shorter than 2048 bits".into()));
        }
        Ok(Self {
            pair,
            rng: SystemRandom::new(),
        })
    }

    /// The SHA256withRSA signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        // Signing fails only for a wrong buffer length (sized above) or a broken random
        // source for blinding, which ring treats as fatal everywhere.
        self.pair
            .sign(&sig::RSA_PKCS1_SHA256, &self.rng, message, &mut signature)
            .expect("RSA signing with a correctly sized buffer");
        signature
    }

    /// [`sign`](Self::sign) in standard base64, as both providers send it.
    pub fn sign_base64(&self, message: &[u8]) -> String {
        BASE64.encode(self.sign(message))
    }
}

/// A provider's public key.
#[derive(Clone)]
pub struct VerifyingKey {
    /// The PKCS#1 `RSAPublicKey` DER that ring verifies with.
    rsa_public_key: Vec<u8>,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerifyingKey(RSA)")
    }
}

impl VerifyingKey {
    /// Reads a PEM public key (`BEGIN PUBLIC KEY`, SubjectPublicKeyInfo, as Alipay and
    /// WeChat Pay publish theirs), or its bare base64 as Alipay's console shows it.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let spki = match SubjectPublicKeyInfoDer::from_pem_slice(text.as_bytes()) {
            Ok(der) => der.to_vec(),
            Err(_) => bare_base64(text)?,
        };
        let rsa_public_key = rsa_key_in_spki(&spki)
            .ok_or_else(|| KeyError("the public key is not an RSA SubjectPublicKeyInfo".into()))?;
        Ok(Self {
            rsa_public_key: rsa_public_key.to_vec(),
        })
    }

    /// Whether `signature` is this key's SHA256withRSA signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&sig::RSA_PKCS1_2048_8192_SHA256, &self.rsa_public_key)
            .verify(message, signature)
            .is_ok()
    }

    /// [`verify`](Self::verify) with the signature in standard base64 (false when it is not base64).
    pub fn verify_base64(&self, message: &[u8], signature: &str) -> bool {
        BASE64
            .decode(signature.trim())
            .is_ok_and(|signature| self.verify(message, &signature))
    }
}

fn bare_base64(text: &str) -> Result<Vec<u8>, KeyError> {
    let compact: String = text.split_whitespace().collect();
    BASE64
        .decode(compact)
        .map_err(|_| KeyError("the key is neither PEM nor base64".into()))
}

/// The `RSAPublicKey` inside an RSA SubjectPublicKeyInfo:
/// `SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { 0 unused bits, key } }`.
/// ring verifies with the inner key only, and no crate in the build unwraps it, so this
/// reads exactly that shape (and nothing else) by hand.
fn rsa_key_in_spki(der: &[u8]) -> Option<&[u8]> {
    /// The DER of `SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }`.
    const RSA_ALGORITHM: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let (tag, body, rest) = der_element(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let body = body.strip_prefix(RSA_ALGORITHM)?;
    let (tag, bits, rest) = der_element(body)?;
    if tag != 0x03 || !rest.is_empty() {
        return None;
    }
    bits.strip_prefix(&[0])
}

/// One DER element: (tag, contents, what follows). Definite lengths up to 4 bytes.
fn der_element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, der) = der.split_first()?;
    let (&first, der) = der.split_first()?;
    let (len, der) = if first < 0x80 {
        (usize::from(first), der)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || der.len() < n {
            return None;
        }
        let len = der[..n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &der[n..])
    };
    (der.len() >= len).then(|| (tag, &der[..len], &der[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_are_read_strictly() {
        assert_eq!(
            der_element(&[0x04, 0x02, 1, 2, 9]),
            Some((0x04, &[1u8, 2][..], &[9u8][..]))
        );
        assert_eq!(der_element(&[0x04, 0x81, 0x01, 7]), Some((0x04, &[7u8][..], &[][..])));
        assert_eq!(der_element(&[0x04, 0x03, 1, 2]), None, "shorter than its length");
        assert_eq!(der_element(&[0x04, 0x80]), None, "indefinite length");
        assert_eq!(der_element(&[0x04, 0x85, 0, 0, 0, 0, 1]), None, "length of 5 bytes");
        assert_eq!(der_element(&[]), None);
    }

    #[test]
    fn keys_that_are_not_keys_are_refused_without_echoing_them() {
        let error =
            SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n").unwrap_err();
        assert!(!error.to_string().contains("c2VjcmV0"), "{error}");
        assert!(VerifyingKey::from_pem("not a key at all!").is_err());
        assert!(VerifyingKey::from_pem("AAAA").is_err());
    }
}
