//! Rules shared by every free-text field: length in characters and no control characters.

use crate::FieldError;

/// Checks a single-line text field: trimmed, `min..=max` characters, no control
/// characters (which would corrupt logs, CSV exports and terminal output).
pub fn single_line(field: &str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    let len = value.chars().count();
    if len < min {
        return Err(if min <= 1 {
            FieldError::new(field, "must not be empty")
        } else {
            FieldError::new(field, format!("must be at least {min} characters"))
        });
    }
    if len > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

/// Like [`single_line`] for an optional field: an empty or blank value means absent.
pub fn optional_line(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => single_line(field, v, 1, max).map(Some),
    }
}

/// Checks a multi-line text field (a description, a review): trimmed, at most `max`
/// characters; line breaks and tabs allowed, other control characters not.
pub fn multi_line(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_counts_characters_not_bytes() {
        assert_eq!(single_line("f", "  华为手机 ", 1, 4).as_deref(), Ok("华为手机"));
        assert!(single_line("f", "华为手机!", 1, 4).is_err());
    }

    #[test]
    fn rejects_control_characters_and_empty() {
        assert!(single_line("f", "a\u{0}b", 1, 10).is_err());
        assert!(single_line("f", "a\nb", 1, 10).is_err());
        assert_eq!(single_line("f", "   ", 1, 10).unwrap_err().message, "must not be empty");
        assert_eq!(optional_line("f", Some("  "), 10), Ok(None));
    }

    #[test]
    fn multi_line_keeps_line_breaks_only() {
        assert_eq!(multi_line("f", " a\n\tb ", 10).as_deref(), Ok("a\n\tb"));
        assert!(multi_line("f", "a\u{7}b", 10).is_err());
        assert!(multi_line("f", "好好好", 2).is_err());
    }
}
