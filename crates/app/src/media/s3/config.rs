//! The bucket's settings, read from one URL (`--media-s3-url`):
//!
//! ```text
//! s3://ACCESS_KEY:SECRET@HOST[:PORT]/BUCKET[/PREFIX…][?region=…&path_style=…&tls=…&timeout=…]
//! ```
//!
//! | part | meaning | default |
//! |---|---|---|
//! | `ACCESS_KEY`, `SECRET` | the credentials, percent-encoded (a `/` in a secret is `%2F`, `+` is `%2B`) | required |
//! | `HOST[:PORT]` | the S3 endpoint: `s3.eu-west-1.amazonaws.com`, `<account>.r2.cloudflarestorage.com`, `s3.oss-cn-hangzhou.aliyuncs.com`, `127.0.0.1:9000` | required |
//! | `BUCKET` | the bucket (3–63 of `a-z`, `0-9`, `.`, `-`) | required |
//! | `PREFIX` | folders the files go under inside the bucket (`shop/media`) | none |
//! | `region` | the signing region (`auto` for R2) | `us-east-1` |
//! | `path_style` | `true`: `HOST/BUCKET/KEY` (MinIO, moto, an IP address); `false`: `BUCKET.HOST/KEY` | `false` |
//! | `tls` | `false` speaks plain http (a bucket on a private network only) | `true` |
//! | `timeout` | seconds one request may take, answer included (1–300) | `20` |
//!
//! The secret never leaves this module in text: [`S3Config`]'s `Debug` and
//! [`S3Config::redacted`] show `***`, and no error message repeats the URL.

use std::fmt;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use rusty_s3::{Bucket, Credentials, UrlStyle};
use url::Url;

/// How long one request to the bucket may take by default, answer included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Where and how to reach an S3-compatible bucket, parsed from its URL.
#[derive(Clone)]
pub struct S3Config {
    pub(super) bucket: Bucket,
    pub(super) credentials: Credentials,
    /// `""` or folders ending in `/`, put before every key.
    pub(super) prefix: String,
    pub(super) path_style: bool,
    pub(super) tls: bool,
    pub(super) timeout: Duration,
    /// `host[:port]` as given.
    pub(super) authority: String,
}

/// Why a bucket URL was refused. The message names the part at fault and never holds the
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0}; expected s3://ACCESS_KEY:SECRET@HOST[:PORT]/BUCKET[/PREFIX][?region=…&path_style=true|false&tls=true|false&timeout=SECONDS]"
)]
pub struct S3ConfigError(String);

fn refuse(why: impl Into<String>) -> S3ConfigError {
    S3ConfigError(why.into())
}

impl S3Config {
    /// Reads a bucket URL (the module's documentation gives its form).
    pub fn parse(raw: &str) -> Result<Self, S3ConfigError> {
        // `Url`'s own errors never quote the input, so the secret stays out of them.
        let url = Url::parse(raw.trim()).map_err(|e| refuse(format!("not a URL ({e})")))?;
        if url.scheme() != "s3" {
            // The scheme is not repeated: in `KEY:SECRET@host` it would be the key.
            return Err(refuse("the URL must start with s3://"));
        }
        if url.fragment().is_some() {
            return Err(refuse("a bucket URL has no #fragment"));
        }
        let key = decode(url.username(), "the access key")?;
        let secret = decode(url.password().unwrap_or(""), "the secret")?;
        if key.is_empty() || secret.is_empty() {
            return Err(refuse(
                "the access key and the secret are required (ACCESS_KEY:SECRET@)",
            ));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| refuse("no host"))?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let mut segments = url.path().trim_start_matches('/').split('/');
        let name = segments.next().unwrap_or_default();
        if !is_bucket_name(name) {
            return Err(refuse(format!(
                "the bucket name {name:?} is not 3–63 of a-z, 0-9, '.' and '-', starting and ending with a letter or digit"
            )));
        }
        let mut prefix = String::new();
        let folders: Vec<&str> = segments.collect();
        for (i, folder) in folders.iter().enumerate() {
            // One trailing slash is allowed: `/bucket/` or `/bucket/prefix/`.
            if folder.is_empty() && i + 1 == folders.len() {
                break;
            }
            if !is_folder_name(folder) {
                return Err(refuse(format!(
                    "the prefix folder {folder:?} is not 1–64 of A-Z, a-z, 0-9, '.', '_' and '-' (and not '.' or '..')"
                )));
            }
            prefix.push_str(folder);
            prefix.push('/');
        }

        let mut region = None;
        let mut path_style = None;
        let mut tls = None;
        let mut timeout = None;
        for (name, value) in url.query_pairs() {
            let taken = match name.as_ref() {
                "region" => region.replace(parse_region(&value)?).is_some(),
                "path_style" => path_style.replace(parse_flag("path_style", &value)?).is_some(),
                "tls" => tls.replace(parse_flag("tls", &value)?).is_some(),
                "timeout" => timeout.replace(parse_timeout(&value)?).is_some(),
                other => {
                    return Err(refuse(format!(
                        "unknown parameter {other:?} (known: region, path_style, tls, timeout)"
                    )));
                }
            };
            if taken {
                return Err(refuse(format!("the parameter {name:?} is given twice")));
            }
        }
        let path_style = path_style.unwrap_or(false);
        let tls = tls.unwrap_or(true);
        let region = region.unwrap_or_else(|| "us-east-1".to_owned());
        let scheme = if tls { "https" } else { "http" };
        let endpoint = Url::parse(&format!("{scheme}://{authority}"))
            .map_err(|e| refuse(format!("the host {authority:?} cannot be an endpoint ({e})")))?;
        let style = if path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(endpoint, style, name.to_owned(), region).map_err(|_| {
            refuse(format!(
                "the bucket {name:?} cannot be put before the host {host:?} (path_style=false); \
                 use path_style=true for an IP address, MinIO or moto"
            ))
        })?;
        Ok(Self {
            bucket,
            credentials: Credentials::new(key, secret),
            prefix,
            path_style,
            tls,
            timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
            authority,
        })
    }

    /// The URL as it was understood, with `***` for the secret: for logs and messages.
    pub fn redacted(&self) -> String {
        format!(
            "s3://{}:***@{}/{}/{}?region={}&path_style={}&tls={}&timeout={}",
            // The key is set from decoded text; encode it back so the form reads as given.
            percent_encoding::utf8_percent_encode(self.credentials.key(), percent_encoding::NON_ALPHANUMERIC),
            self.authority,
            self.bucket.name(),
            self.prefix,
            self.bucket.region(),
            self.path_style,
            self.tls,
            self.timeout.as_secs(),
        )
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        self.bucket.name()
    }

    /// The folders keys are put under (`""` or ending in `/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// How long one request may take, answer included.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Where the bucket's objects are addressed: `http(s)://host[:port]/bucket/` in path
    /// style, `http(s)://bucket.host[:port]/` otherwise.
    pub fn base_url(&self) -> &Url {
        self.bucket.base_url()
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("S3Config").field(&self.redacted()).finish()
    }
}

/// Percent-decodes the user or password part of the URL.
fn decode(raw: &str, what: &str) -> Result<String, S3ConfigError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| refuse(format!("{what} is not percent-encoded UTF-8")))
}

/// S3's rule for bucket names (what AWS, R2, OSS and MinIO all accept).
fn is_bucket_name(name: &str) -> bool {
    let ok_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-';
    let ok_end = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&name.len())
        && name.bytes().all(ok_char)
        && ok_end(name.as_bytes().first())
        && ok_end(name.as_bytes().last())
}

/// A folder of the key prefix: plain characters only, so keys need no encoding rules of
/// their own and cannot climb out of the prefix.
fn is_folder_name(folder: &str) -> bool {
    (1..=64).contains(&folder.len())
        && folder != "."
        && folder != ".."
        && folder
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn parse_region(value: &str) -> Result<String, S3ConfigError> {
    let ok = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(refuse(format!("region={value:?} is not 1–64 of a-z, 0-9 and '-'")))
    }
}

fn parse_flag(name: &str, value: &str) -> Result<bool, S3ConfigError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(refuse(format!("{name}={value:?} is neither true nor false"))),
    }
}

fn parse_timeout(value: &str) -> Result<Duration, S3ConfigError> {
    match value.parse::<u64>() {
        Ok(seconds) if (1..=300).contains(&seconds) => Ok(Duration::from_secs(seconds)),
        _ => Err(refuse(format!(
            "timeout={value:?} is not a number of seconds from 1 to 300"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn parse(url: &str) -> Result<S3Config, String> {
        S3Config::parse(url).map_err(|e| e.to_string())
    }

    #[test]
    fn a_minio_url_reads_with_every_parameter() {
        let config = parse(&format!(
            "s3://AKIAEXAMPLE:{}@127.0.0.1:9000/shop-media/eu/images/?region=eu-west-1&path_style=true&tls=false&timeout=5",
            percent_encoding::utf8_percent_encode(SECRET, percent_encoding::NON_ALPHANUMERIC)
        ))
        .unwrap();
        assert_eq!(config.credentials.key(), "AKIAEXAMPLE");
        assert_eq!(config.credentials.secret(), SECRET, "the secret is percent-decoded");
        assert_eq!(config.bucket(), "shop-media");
        assert_eq!(config.prefix(), "eu/images/");
        assert_eq!(config.bucket.region(), "eu-west-1");
        assert_eq!(config.timeout(), Duration::from_secs(5));
        assert_eq!(config.base_url().as_str(), "http://127.0.0.1:9000/shop-media/");
    }

    #[test]
    fn the_defaults_are_aws_over_https_in_virtual_host_style() {
        let config = parse("s3://AKIAEXAMPLE:secret@s3.eu-west-1.amazonaws.com/shop-media").unwrap();
        assert_eq!(
            config.base_url().as_str(),
            "https://shop-media.s3.eu-west-1.amazonaws.com/"
        );
        assert_eq!(config.bucket.region(), "us-east-1");
        assert_eq!(config.prefix(), "");
        assert_eq!(config.timeout(), DEFAULT_TIMEOUT);
        assert!(config.tls && !config.path_style);
        // R2 signs for the region `auto`.
        let r2 = parse("s3://k:s@0123abcd.r2.cloudflarestorage.com/media?region=auto&path_style=true").unwrap();
        assert_eq!(
            r2.base_url().as_str(),
            "https://0123abcd.r2.cloudflarestorage.com/media/"
        );
    }

    #[test]
    fn the_secret_is_never_shown() {
        let encoded = percent_encoding::utf8_percent_encode(SECRET, percent_encoding::NON_ALPHANUMERIC).to_string();
        let config = parse(&format!(
            "s3://AKIAEXAMPLE:{encoded}@minio.internal:9000/media?path_style=true"
        ))
        .unwrap();
        let shown = [format!("{config:?}"), config.redacted()];
        for text in &shown {
            assert!(!text.contains(SECRET) && !text.contains(&encoded), "{text}");
            assert!(!text.contains("wJalr"), "{text}");
            assert!(text.contains("AKIAEXAMPLE:***@minio.internal:9000/media/"), "{text}");
        }
        assert_eq!(
            config.redacted(),
            "s3://AKIAEXAMPLE:***@minio.internal:9000/media/?region=us-east-1&path_style=true&tls=true&timeout=20"
        );
        // Nor does any refusal repeat it, whatever part is wrong.
        for bad in [
            format!("s3://AKIAEXAMPLE:{encoded}@host/Bad_Bucket"),
            format!("s3://AKIAEXAMPLE:{encoded}@host/media?tls=maybe"),
            format!("s3://AKIAEXAMPLE:{encoded}@host/media?color=blue"),
            format!("s3://AKIAEXAMPLE:{encoded}@10.0.0.1/media"),
            format!("https://AKIAEXAMPLE:{encoded}@host/media"),
            format!("s3://AKIAEXAMPLE:{encoded}@/media"),
            format!("s3://AKIAEXAMPLE:{encoded}@host/media/../x"),
        ] {
            let error = parse(&bad).unwrap_err();
            assert!(!error.contains("wJalr") && !error.contains(&encoded), "{error}");
        }
    }

    #[test]
    fn each_wrong_part_is_named() {
        let cases = [
            ("http://k:s@host/media", "must start with s3://"),
            ("AKIAEXAMPLE:secret@host", "must start with s3://"),
            ("s3://host/media", "the access key and the secret are required"),
            ("s3://k@host/media", "the access key and the secret are required"),
            ("s3://k:s@host", "the bucket name \"\""),
            ("s3://k:s@host/Media", "the bucket name \"Media\""),
            ("s3://k:s@host/ab", "the bucket name \"ab\""),
            ("s3://k:s@host/media//x", "the prefix folder \"\""),
            ("s3://k:s@host/media/a%20b", "the prefix folder \"a%20b\""),
            ("s3://k:s@host/media?region=EU", "region=\"EU\""),
            ("s3://k:s@host/media?path_style=yes", "path_style=\"yes\""),
            ("s3://k:s@host/media?timeout=0", "timeout=\"0\""),
            ("s3://k:s@host/media?timeout=301", "timeout=\"301\""),
            ("s3://k:s@host/media?tls=false&tls=true", "\"tls\" is given twice"),
            ("s3://k:s@host/media?pathstyle=true", "unknown parameter \"pathstyle\""),
            ("s3://k:s@host/media#x", "no #fragment"),
            ("s3://k:s@127.0.0.1:9000/media", "use path_style=true"),
            ("not a url", "not a URL"),
        ];
        for (url, expected) in cases {
            let error = parse(url).unwrap_err();
            assert!(error.contains(expected), "{url}: {error}");
            assert!(error.contains("expected s3://ACCESS_KEY:SECRET@HOST"), "{url}: {error}");
        }
    }
}
