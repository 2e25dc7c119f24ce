//! Query-string parameters shared by the lists (the rules are the application layer's
//! `paging`; this is their OpenAPI description).

use serde::Deserialize;
use utoipa::IntoParams;

use emporium_app::cursor::{Cursors, Position};
use emporium_app::paging;

use crate::error::ApiError;

/// `?limit=&cursor=` for lists without other parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page size and the position to start after, checked against `query`.
    pub fn parse(&self, cursors: &Cursors, query: &str) -> Result<(i64, Option<Position>), ApiError> {
        Ok(paging::page(
            cursors,
            self.limit.as_deref(),
            self.cursor.as_deref(),
            query,
        )?)
    }
}
