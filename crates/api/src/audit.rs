//! The audit log (staff): who did what to which record, newest first, filtered and paged
//! with signed cursors. Read only: no route writes, edits or deletes an entry.

use axum::Json;
use axum::extract::State;
use emporium_app::AppState;
use emporium_app::audit::{self, AuditQuery};
use emporium_store::audit::Recorded;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{Query, Staff, area};

/// The audit log's filters; every one optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries by this user id, or by this name as recorded.
    pub actor: Option<String>,
    /// `kind` or `kind:id` (`product`, `order:12`, `user:7`).
    pub entity: Option<String>,
    /// An action (`product.update`) or an area (`product`, `login`).
    pub action: Option<String>,
    /// From this time on (RFC 3339, or `YYYY-MM-DD` for midnight UTC).
    pub since: Option<String>,
    /// Before this time (same forms).
    pub until: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (same filters).
    pub cursor: Option<String>,
}

impl AuditParams {
    /// The filters as the use case reads them.
    fn query(&self) -> AuditQuery<'_> {
        AuditQuery {
            actor: self.actor.as_deref(),
            entity: self.entity.as_deref(),
            action: self.action.as_deref(),
            since: self.since.as_deref(),
            until: self.until.as_deref(),
            limit: self.limit.as_deref(),
            cursor: self.cursor.as_deref(),
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    /// Entry id (newer entries have higher ids).
    pub id: i64,
    /// RFC 3339 UTC.
    pub at: String,
    /// The user who acted; null for an anonymous security event or the system.
    pub actor_id: Option<i64>,
    /// Their name as it was then (`deleted-<id>` once that account was deleted).
    pub actor_name: String,
    /// `<area>.<verb>`: `product.update`, `refund.approve`, `login.failed`, `keys.reseal`…
    pub action: String,
    /// The kind of record: `product`, `order`, `user`, `keys`…
    pub entity_kind: String,
    /// Which one.
    pub entity_id: Option<String>,
    /// A short before/after summary (JSON or text); never secrets or personal data.
    pub summary: String,
    /// The request's `x-request-id`.
    pub request_id: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
}

impl From<Recorded> for AuditEntryView {
    fn from(r: Recorded) -> Self {
        let e = r.entry;
        Self {
            id: r.id,
            at: e.at.to_rfc3339(),
            actor_id: e.actor_id,
            actor_name: e.actor_name,
            action: e.action,
            entity_kind: e.entity_kind,
            entity_id: e.entity_id,
            summary: e.summary,
            request_id: e.request_id,
            ip: e.ip,
        }
    }
}

/// The audit log, newest first (staff).
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "operations", security(("bearer" = [])), params(AuditParams),
    responses(
        (status = 200, description = "A page of entries, newest first", body = Page<AuditEntryView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_audit_log(
    State(state): State<AppState>,
    _staff: Staff<area::Staff>,
    Query(p): Query<AuditParams>,
) -> ApiResult<Json<Page<AuditEntryView>>> {
    let page = audit::list(&state, p.query()).await?;
    Ok(Json(Page {
        data: page.entries.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}
