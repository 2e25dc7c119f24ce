//! The audit log in the admin (`/admin/audit`): the entries newest first with the same
//! filters as the API's `GET /audit-log`, paged by its signed cursor, and the same
//! selection as CSV (`/admin/audit.csv`, escaped and safe from spreadsheet formulas).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use emporium_app::AppState;
use emporium_app::audit::{self, AuditQuery};
use emporium_domain::staff::Permission;
use serde::Deserialize;

use super::audit_words;
use crate::session::Visitor;
use crate::view::{Ctx, WebResult, page, time};

/// The most rows one CSV download holds.
const CSV_CAP: usize = 50_000;

/// The filters as the form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct AuditFilters {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    cursor: Option<String>,
}

impl AuditFilters {
    fn query(&self) -> AuditQuery<'_> {
        AuditQuery {
            actor: Some(self.actor.as_str()),
            entity: Some(self.entity.as_str()),
            action: Some(self.action.as_str()),
            since: Some(self.since.as_str()),
            until: Some(self.until.as_str()),
            limit: Some("50"),
            cursor: self.cursor.as_deref(),
        }
    }

    /// The filters as a query string (for the next page and the CSV link).
    fn query_string(&self) -> String {
        let pairs = [
            ("actor", &self.actor),
            ("entity", &self.entity),
            ("action", &self.action),
            ("since", &self.since),
            ("until", &self.until),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One row of the page.
#[derive(Debug)]
struct AuditRow {
    at: String,
    actor: String,
    /// The action in words, and its code (what the filter takes).
    action: String,
    code: String,
    /// The record in words ("Product #3").
    entity: String,
    /// The entity's admin page, where it has one.
    entity_url: Option<String>,
    summary: String,
    request_id: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    ctx: Ctx,
    filters: AuditFilters,
    rows: Vec<AuditRow>,
    csv_url: String,
    next_url: Option<String>,
}

/// The admin page of an audited thing, for the log's link (ids that are not numbers, and
/// kinds without a page of their own, get none).
fn entity_page(kind: &str, id: &str) -> Option<String> {
    let id: i64 = id.parse().ok()?;
    let section = match kind {
        "product" => "products",
        "order" => "orders",
        "return" => "returns",
        "user" | "customer" => "customers",
        _ => return None,
    };
    Some(format!("/admin/{section}/{id}"))
}

/// `GET /admin/audit`.
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(filters): Query<AuditFilters>) -> WebResult {
    visitor.staff(Permission::Staff)?;
    let found = audit::list(&state, filters.query()).await?;
    let query = filters.query_string();
    let rows = found
        .entries
        .into_iter()
        .map(|r| {
            let e = r.entry;
            AuditRow {
                at: time(e.at),
                actor: match e.actor_id {
                    Some(id) => format!("{} (#{id})", e.actor_name),
                    None => e.actor_name,
                },
                action: audit_words::action(&e.action, visitor.lang),
                code: e.action,
                entity_url: e.entity_id.as_deref().and_then(|id| entity_page(&e.entity_kind, id)),
                entity: audit_words::entity(&e.entity_kind, e.entity_id.as_deref(), visitor.lang),
                summary: audit_words::summary(&e.summary, visitor.lang),
                request_id: e.request_id.unwrap_or_default(),
                ip: e.ip.unwrap_or_default(),
            }
        })
        .collect();
    let next_url = found.next_cursor.map(|c| {
        let sep = if query.is_empty() { "" } else { "&" };
        format!("/admin/audit?{query}{sep}cursor={}", urlencode(&c))
    });
    Ok(page(&AuditPage {
        ctx: Ctx::new(&visitor),
        csv_url: format!("/admin/audit.csv?{query}"),
        filters,
        rows,
        next_url,
    }))
}

/// `GET /admin/audit.csv`: every entry the filters select (up to 50,000), newest first.
pub async fn csv(State(state): State<AppState>, visitor: Visitor, Query(filters): Query<AuditFilters>) -> WebResult {
    visitor.staff(Permission::Staff)?;
    let entries = audit::export(&state, filters.query(), CSV_CAP).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""),
        ],
        audit::csv(&entries),
    )
        .into_response())
}
