//! Reading purchase logs: CSV or TSV with a header naming the user, item and (optional)
//! time columns. Ids may be any tokens; they are numbered densely in order of first
//! appearance.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::{ItemId, UserId};

/// At most this many malformed rows are collected before loading stops.
const MAX_ERRORS: usize = 10;

/// Header names (lower case, before any `:type` suffix as in RecBole's
/// `user_id:token`) recognised for each column, in order of preference.
const USER_COLUMNS: &[&str] = &["user_id", "user", "userid", "customer_id", "visitor_id"];
const ITEM_COLUMNS: &[&str] = &["item_id", "item", "itemid", "product_id", "product", "movie_id"];
/// Time columns, most precise first. Instacart's `order_number` counts each user's
/// orders, which orders a user's purchases exactly as leave-last-out needs.
const TIME_COLUMNS: &[&str] = &["timestamp", "time", "ts", "order_number"];

/// One purchase row as read.
#[derive(Clone, Debug, PartialEq)]
pub struct Purchase {
    /// Dense id of the user token.
    pub user: UserId,
    /// Dense id of the item token.
    pub item: ItemId,
    /// The time column's value, when there is one.
    pub time: Option<f64>,
    /// The row's line in the file (1-based, the header is line 1).
    pub line: u64,
}

/// A loaded purchase log.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    /// Every row, in file order.
    pub rows: Vec<Purchase>,
    /// User id → the token in the file.
    pub user_tokens: Vec<String>,
    /// Item id → the token in the file.
    pub item_tokens: Vec<String>,
    /// The header of the time column used, if any.
    pub time_column: Option<String>,
}

/// One malformed row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// Its line in the file (1-based).
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Why a purchase log could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The header lacks a user or item column.
    #[error("line 1: the header {header:?} has no {missing} column (accepted names: {accepted})")]
    Header {
        /// The header as read.
        header: String,
        /// `user` or `item`.
        missing: &'static str,
        /// The names looked for.
        accepted: String,
    },
    /// The file has a header but no rows.
    #[error("no purchase rows after the header")]
    Empty,
    /// Some rows are malformed (the first ten of them).
    #[error("{} malformed row(s){}:\n{}", .errors.len(), if *.more { " (more after these)" } else { "" }, list(.errors))]
    Rows {
        /// The malformed rows, in file order.
        errors: Vec<RowError>,
        /// Whether loading stopped before the end of the file.
        more: bool,
    },
}

fn list(errors: &[RowError]) -> String {
    errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n")
}

/// Loads a purchase log from a file (see [`parse`]).
pub fn load(path: impl AsRef<Path>) -> Result<Dataset, LoadError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(&bytes)
}

/// Parses a purchase log: a header line, then one purchase per line, tab-separated when
/// the header holds a tab and comma-separated otherwise. Every malformed row is reported
/// with its line (up to ten), never skipped silently.
pub fn parse(bytes: &[u8]) -> Result<Dataset, LoadError> {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b'\t') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(LoadError::Rows {
                errors: vec![RowError {
                    line: 1,
                    message: e.to_string(),
                }],
                more: false,
            });
        }
    };
    let names: Vec<String> = header
        .iter()
        .map(|h| h.split(':').next().unwrap_or_default().trim().to_lowercase())
        .collect();
    let find = |accepted: &[&str]| accepted.iter().find_map(|want| names.iter().position(|n| n == want));
    let header_error = |missing, accepted: &[&str]| LoadError::Header {
        header: header
            .iter()
            .collect::<Vec<_>>()
            .join(if delimiter == b'\t' { "\t" } else { "," }),
        missing,
        accepted: accepted.join(", "),
    };
    let user_col = find(USER_COLUMNS).ok_or_else(|| header_error("user", USER_COLUMNS))?;
    let item_col = find(ITEM_COLUMNS).ok_or_else(|| header_error("item", ITEM_COLUMNS))?;
    let time_col = find(TIME_COLUMNS);
    let width = header.len();

    let mut data = Dataset {
        time_column: time_col.map(|c| header[c].to_owned()),
        ..Dataset::default()
    };
    let mut users: HashMap<String, UserId> = HashMap::new();
    let mut items: HashMap<String, ItemId> = HashMap::new();
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        if errors.len() >= MAX_ERRORS {
            return Err(LoadError::Rows { errors, more: true });
        }
        let read = reader.read_record(&mut record);
        let line = record
            .position()
            .or_else(|| reader.position().into())
            .map_or(0, |p| p.line());
        match read {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                errors.push(RowError {
                    line,
                    message: describe(&e),
                });
                continue;
            }
        }
        if record.len() != width {
            errors.push(RowError {
                line,
                message: format!("{} fields, the header has {width}", record.len()),
            });
            continue;
        }
        let user = record[user_col].trim();
        let item = record[item_col].trim();
        if user.is_empty() || item.is_empty() {
            let which = if user.is_empty() {
                &header[user_col]
            } else {
                &header[item_col]
            };
            errors.push(RowError {
                line,
                message: format!("empty {which}"),
            });
            continue;
        }
        let time = match time_col {
            None => None,
            Some(c) => match record[c].trim().parse::<f64>() {
                Ok(t) if t.is_finite() => Some(t),
                _ => {
                    errors.push(RowError {
                        line,
                        message: format!("{} {:?} is not a number", &header[c], &record[c]),
                    });
                    continue;
                }
            },
        };
        let user = intern(&mut users, &mut data.user_tokens, user);
        let item = intern(&mut items, &mut data.item_tokens, item);
        data.rows.push(Purchase { user, item, time, line });
    }
    if !errors.is_empty() {
        return Err(LoadError::Rows { errors, more: false });
    }
    if data.rows.is_empty() {
        return Err(LoadError::Empty);
    }
    Ok(data)
}

fn intern(ids: &mut HashMap<String, i64>, tokens: &mut Vec<String>, token: &str) -> i64 {
    if let Some(&id) = ids.get(token) {
        return id;
    }
    let id = i64::try_from(tokens.len()).unwrap_or(i64::MAX);
    tokens.push(token.to_owned());
    ids.insert(token.to_owned(), id);
    id
}

/// A csv error without the position (the line is reported beside it).
fn describe(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        csv::ErrorKind::Io(io) => format!("read error: {io}"),
        _ => e.to_string(),
    }
}
