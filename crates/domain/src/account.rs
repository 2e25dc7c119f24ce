//! Accounts: who may log in, with what name and password, in which role.

use std::fmt;
use std::str::FromStr;

use unicode_normalization::UnicodeNormalization;
use unicode_security::{RestrictionLevel, RestrictionLevelDetection};

use crate::{FieldError, text};

/// A login name: 3–32 letters or digits of any script, or `_ . -`, kept in Unicode
/// normal form NFKC.
///
/// Uniqueness is case-insensitive and compatibility-insensitive: [`Username::key`] is the
/// form the store indexes, so `Alice`, `alice` and the full-width `ａｌｉｃｅ` cannot all
/// register. Names that mix scripts the way look-alikes do (a Cyrillic `е` in `dеmo`)
/// are refused: a name must be "highly restrictive" in the sense of Unicode TS #39 §5.2,
/// one script, or Latin with Han, Japanese or Korean (`小明xiaoming` is fine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Shortest allowed name, in characters.
    pub const MIN: usize = 3;
    /// Longest allowed name, in characters.
    pub const MAX: usize = 32;

    /// Parses a username as typed by a person.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let field = "username";
        let normal: String = raw.nfkc().collect();
        let raw = normal.as_str();
        let len = raw.chars().count();
        if !(Self::MIN..=Self::MAX).contains(&len) {
            return Err(FieldError::new(
                field,
                format!("must be {}–{} characters", Self::MIN, Self::MAX),
            ));
        }
        if let Some(bad) = raw
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            return Err(FieldError::new(
                field,
                format!("may hold only letters, digits, '_', '.' and '-' (found {bad:?})"),
            ));
        }
        if raw.detect_restriction_level() > RestrictionLevel::HighlyRestrictive {
            return Err(FieldError::new(
                field,
                "mixes scripts whose letters look alike (such as Latin with Cyrillic or Greek); use one script",
            ));
        }
        Ok(Self(normal))
    }

    /// The case-folded form used for uniqueness and look-ups.
    pub fn key(&self) -> String {
        Self::key_of(&self.0)
    }

    /// The case-folded form of any string, valid or not, for look-ups (a login attempt
    /// with an invalid name simply finds nobody).
    pub fn key_of(raw: &str) -> String {
        // NFKC, then lower case, then NFKC again: lower-casing can undo a normal form.
        let normal: String = raw.nfkc().collect();
        normal.to_lowercase().nfkc().collect()
    }

    /// The name as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: 8–72 bytes. bcrypt reads only the first 72 bytes, so a longer
/// password is refused rather than silently cut (two passwords sharing those 72 bytes
/// would otherwise both work).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Shortest allowed password, in bytes.
    pub const MIN_BYTES: usize = 8;
    /// bcrypt's input limit, in bytes.
    pub const MAX_BYTES: usize = 72;

    /// Parses a password for `field` (`password`, `new_password`).
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let len = raw.len();
        if len < Self::MIN_BYTES {
            return Err(FieldError::new(
                field,
                format!("must be at least {} bytes", Self::MIN_BYTES),
            ));
        }
        if len > Self::MAX_BYTES {
            return Err(FieldError::new(
                field,
                format!(
                    "must be at most {} bytes (bcrypt's limit; longer passwords are not cut)",
                    Self::MAX_BYTES
                ),
            ));
        }
        if raw.contains('\0') {
            return Err(FieldError::new(field, "must not contain NUL characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// An e-mail address, checked for shape only (the mailbox is not contacted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Longest address allowed by RFC 5321.
    pub const MAX: usize = 254;

    /// Parses an address: one `@`, a non-empty local part, a dotted domain, no spaces.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let field = "email";
        let v = text::single_line(field, raw, 3, Self::MAX)?;
        let ok = match v.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !v.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if ok {
            Ok(Self(v))
        } else {
            Err(FieldError::new(
                field,
                "must be an e-mail address like name@example.com",
            ))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A telephone number: digits with optional `+`, spaces, `-` and parentheses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Parses a phone number for `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let v = text::single_line(field, raw, 3, 32)?;
        let digits = v.chars().filter(char::is_ascii_digit).count();
        let shape_ok = v
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
        if !shape_ok || digits < 3 {
            return Err(FieldError::new(
                field,
                "must be a phone number: digits, with optional '+', spaces, '-' or parentheses",
            ));
        }
        Ok(Self(v))
    }

    /// The number as entered (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown to others and on pages: 1–64 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Parses a display name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::single_line("display_name", raw, 1, 64).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an account may do. Customers act on their own data; staff run the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A shopper (the default for self-registration).
    #[default]
    Customer,
    /// Shop staff: manage the catalogue, stock, orders and refunds.
    Staff,
}

impl Role {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Staff => "staff",
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(Role::Customer),
            "staff" => Ok(Role::Staff),
            other => Err(format!("unknown role {other:?} (expected customer or staff)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn usernames_accept_any_script_and_fold_case() {
        assert!(Username::parse("张伟_88").is_ok());
        assert!(Username::parse("a.b-c").is_ok());
        assert_eq!(Username::parse("Alice").map(|u| u.key()), Ok("alice".to_owned()));
        for bad in ["ab", "has space", "semi;colon", "tab\tname", "x".repeat(33).as_str()] {
            assert!(Username::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn look_alike_usernames_fold_to_one_key_or_are_refused() {
        // Compatibility forms fold onto the plain name: full-width, ligatures, circled.
        for twin in ["ｄｅｍｏ", "ＤＥＭＯ", "Demo", "\u{FB01}ne"] {
            let key = Username::parse(twin).map(|u| u.key()).unwrap();
            assert!(key == "demo" || key == "fine", "{twin:?} -> {key:?}");
        }
        assert_eq!(
            Username::parse("ｄｅｍｏ").map(|u| u.as_str().to_owned()),
            Ok("demo".to_owned())
        );
        // Mixed scripts that look like Latin are refused; honest mixes are not.
        for spoof in [
            "d\u{0435}mo",
            "\u{03A9}mega",
            "ivan_\u{0438}\u{0432}\u{0430}\u{043D}",
            "x\u{200D}y",
        ] {
            assert!(Username::parse(spoof).is_err(), "{spoof:?} should be refused");
        }
        for fine in ["小明xiaoming", "김철수kim", "山田たろう", "иван", "παυλος99", "Ölaf"] {
            assert!(Username::parse(fine).is_ok(), "{fine:?} should be accepted");
        }
    }

    #[test]
    fn passwords_are_8_to_72_bytes_never_cut() {
        assert!(Password::parse("password", "1234567").is_err());
        assert!(Password::parse("password", "12345678").is_ok());
        assert!(Password::parse("password", &"a".repeat(72)).is_ok());
        let err = Password::parse("password", &"a".repeat(73)).unwrap_err();
        assert!(err.message.contains("72"));
        // 24 three-byte characters are 72 bytes; 25 are 75.
        assert!(Password::parse("password", &"密".repeat(24)).is_ok());
        assert!(Password::parse("password", &"密".repeat(25)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("p", "secretsecret").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn emails_and_phones_are_shape_checked() {
        assert!(Email::parse("a@example.com").is_ok());
        for bad in ["a", "a@b", "@b.com", "a@@b.com", "a b@c.com", "a@.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Phone::parse("phone", "+86 138-0013-8000").is_ok());
        assert!(Phone::parse("phone", "call me").is_err());
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::Customer, Role::Staff] {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("admin".parse::<Role>().is_err());
    }

    proptest! {
        #[test]
        fn username_parse_never_panics_and_accepts_only_the_alphabet(s in "\\PC{0,40}") {
            if let Ok(u) = Username::parse(&s) {
                let n = u.as_str().chars().count();
                prop_assert!((3..=32).contains(&n));
                prop_assert!(u.as_str().chars().all(|c| c.is_alphanumeric() || "_.-".contains(c)));
            }
        }

        #[test]
        fn password_length_rule_is_exact(s in ".{0,80}") {
            let ok = Password::parse("password", &s).is_ok();
            prop_assert_eq!(ok, (8..=72).contains(&s.len()) && !s.contains('\0'));
        }
    }
}
