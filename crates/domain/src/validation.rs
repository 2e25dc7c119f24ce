//! Field-level validation errors, collected so a client learns every problem at once.

use std::fmt;

/// One problem with one input field, phrased for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as the client sent it (`username`, `address.city`).
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Input that failed validation: one entry per offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl From<FieldError> for Invalid {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

impl Invalid {
    /// The errors among the results of parsing several fields. Used after a match on the
    /// results has found at least one `Err`:
    ///
    /// ```
    /// # use emporium_domain::{FieldError, Invalid};
    /// let a: Result<u8, FieldError> = Err(FieldError::new("a", "bad"));
    /// let b: Result<u8, FieldError> = Ok(1);
    /// let (a, b) = match (a, b) {
    ///     (Ok(a), Ok(b)) => (a, b),
    ///     (a, b) => return assert_eq!(Invalid::of([a.err(), b.err()]).0.len(), 1),
    /// };
    /// # unreachable!("{a}{b}");
    /// ```
    pub fn of(errors: impl IntoIterator<Item = Option<FieldError>>) -> Self {
        Self(errors.into_iter().flatten().collect())
    }
}
