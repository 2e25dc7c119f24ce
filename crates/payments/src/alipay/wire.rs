//! Alipay's wire formats: the text a signature covers, strict form decoding, and the
//! exact bytes of an answer's `*_response` value.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;

/// The text an OpenAPI (v1 gateway) signature covers: `key=value` pairs of the non-empty
/// values, sorted by key (byte order), joined with `&`, values as they are (not
/// url-encoded). `skip` names the keys left out: `sign` for requests; `sign` and
/// `sign_type` for notifications.
///
/// Alipay's own SDKs build this string the same way (Java `AlipaySignature.getSignContent`,
/// Node `util.sign`), and the gateway verifies it the same way, so any difference in
/// ordering or in which empty values count would make every request "invalid-signature".
pub fn signing_text<'a, I>(params: I, skip: &[&str]) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let sorted: BTreeMap<&str, &str> = params
        .into_iter()
        .filter(|(key, value)| !key.is_empty() && !value.is_empty() && !skip.contains(key))
        .collect();
    let mut text = String::new();
    for (key, value) in sorted {
        if !text.is_empty() {
            text.push('&');
        }
        text.push_str(key);
        text.push('=');
        text.push_str(value);
    }
    text
}

/// Decodes an `application/x-www-form-urlencoded` body strictly: `+` is a space, every
/// value must be valid UTF-8 after percent-decoding (Alipay sends `charset=utf-8`; a
/// lossy decoding would verify a signature over text we did not receive), and a key may
/// appear once (two values for one key leave it unclear which one was signed).
pub fn decode_form(body: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the form is not UTF-8".to_owned())?;
    let mut fields = BTreeMap::new();
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_component(key)?;
        let value = decode_component(value)?;
        if fields.contains_key(&key) {
            return Err(format!("the form repeats {key:?}"));
        }
        fields.insert(key, value);
    }
    Ok(fields)
}

/// One percent-encoded form component, `+` being a space.
fn decode_component(raw: &str) -> Result<String, String> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| "a form value is not UTF-8 once decoded".to_owned())
}

/// The top-level members of a JSON object, each with its value's exact text as it
/// appears in `body` (nothing re-serialized), in order. `None` when `body` is not one
/// well-formed JSON object.
///
/// Alipay signs the `*_response` member's value byte for byte as it sent it, escapes
/// (`https:\/\/`) and key order included, so that text has to be cut out of the body
/// rather than rebuilt from parsed JSON. serde_json parses each key and value here, so
/// strings, escapes and nesting are read by a real JSON parser; only the positions are
/// ours.
pub fn top_level_members(body: &str) -> Option<Vec<(String, &str)>> {
    let mut at = skip_whitespace(body, 0);
    if !body[at..].starts_with('{') {
        return None;
    }
    at = skip_whitespace(body, at + 1);
    let mut members = Vec::new();
    if body[at..].starts_with('}') {
        return skip_whitespace(body, at + 1).eq(&body.len()).then_some(members);
    }
    loop {
        let (key, end) = one_value::<String>(body, at)?;
        at = skip_whitespace(body, end);
        if !body[at..].starts_with(':') {
            return None;
        }
        let start = skip_whitespace(body, at + 1);
        let (IgnoredAny, end) = one_value::<IgnoredAny>(body, start)?;
        members.push((key, &body[start..end]));
        at = skip_whitespace(body, end);
        match body[at..].chars().next()? {
            ',' => at = skip_whitespace(body, at + 1),
            '}' => break,
            _ => return None,
        }
    }
    skip_whitespace(body, at + 1).eq(&body.len()).then_some(members)
}

/// Parses one JSON value of type `T` starting at byte `at`, answering it and the byte
/// just after it.
fn one_value<'de, T: serde::Deserialize<'de>>(body: &'de str, at: usize) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_str(&body[at..]).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((value, at + values.byte_offset()))
}

/// The first byte at or after `at` that is not JSON whitespace.
fn skip_whitespace(body: &str, at: usize) -> usize {
    at + body[at..]
        .bytes()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_text_sorts_and_drops_empty_values_and_skipped_keys() {
        let params = [("b", "2"), ("a", "1"), ("sign", "x"), ("c", ""), ("sign_type", "RSA2")];
        assert_eq!(signing_text(params, &["sign"]), "a=1&b=2&sign_type=RSA2");
        assert_eq!(signing_text(params, &["sign", "sign_type"]), "a=1&b=2");
    }

    #[test]
    fn forms_decode_strictly() {
        let form = decode_form(b"a=x+y%26z&b=%E6%94%AF&c").unwrap();
        assert_eq!(form["a"], "x y&z");
        assert_eq!(form["b"], "支");
        assert_eq!(form["c"], "");
        assert!(decode_form(b"a=%FF").is_err(), "invalid UTF-8 once decoded");
        assert!(decode_form(b"a=\xff").is_err(), "invalid UTF-8 as received");
        assert!(decode_form(b"a=1&a=1").is_err(), "a repeated key");
    }

    #[test]
    fn members_keep_their_exact_text() {
        let body = " {\"x_response\" : {\"qr\":\"https:\\/\\/q\", \"n\":[1,{\"}\":2}]} ,\"sign\":\"s\\u003d\"}\n";
        let members = top_level_members(body).unwrap();
        assert_eq!(
            members[0],
            (
                "x_response".to_owned(),
                "{\"qr\":\"https:\\/\\/q\", \"n\":[1,{\"}\":2}]}"
            )
        );
        assert_eq!(members[1], ("sign".to_owned(), "\"s\\u003d\""));
        assert_eq!(top_level_members("{}"), Some(vec![]));
    }

    #[test]
    fn anything_but_one_object_is_refused() {
        for body in [
            "",
            "[]",
            "{",
            "{\"a\":1",
            "{\"a\":1}x",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{a:1}",
            "{\"a\":01}",
            "\"s\"",
        ] {
            assert_eq!(top_level_members(body), None, "{body:?}");
        }
    }
}
