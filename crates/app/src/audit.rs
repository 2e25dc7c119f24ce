//! The audit log's use cases: recording staff writes and security events, and reading
//! the log (the API's `GET /audit-log`, the admin page and its CSV).
//!
//! **Who and which request.** A use case records its event with [`record`] (right after
//! its store write) or builds an [`entry`] for a store operation that records inside its
//! own transaction (`emporium_store::audit::record_in`). Neither takes the actor or the
//! request id as an argument: the server wraps every request in [`scope`] (a task-local
//! holding the request id and client address), and the staff gates of the API and the
//! pages name the actor with [`act_as`] when they let a request through. We chose this
//! over an extra parameter on every staff use case because those signatures are the
//! contract of both front ends and of the staff-roles work landing beside this one: the
//! context travels with the request's own task, which is where the handler, the use case
//! and the store call run, so nothing else can see or change it, and a use case called
//! outside a request (a job, the CLI, a test) records with no request id and the actor
//! `system` instead of failing.

use std::future::Future;
use std::sync::{Arc, Mutex};

use emporium_domain::time::Timestamp;
use emporium_domain::{FieldError, Invalid};
use emporium_store::accounts::User;
use emporium_store::audit::{Entry, Filter, Recorded};

use crate::cursor::Position;
use crate::error::AppResult;
use crate::paging::{self, cut_page, keyset};
use crate::state::AppState;

/// What the request being served knows about itself.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// Its id (`x-request-id`).
    pub request_id: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
    /// The signed-in staff member (or customer, for their own security events) acting.
    pub actor: Option<(i64, String)>,
}

tokio::task_local! {
    static REQUEST: Arc<Mutex<RequestContext>>;
}

/// Runs `f` (a request's handling) with `context` as its request context.
pub async fn scope<F: Future>(context: RequestContext, f: F) -> F::Output {
    REQUEST.scope(Arc::new(Mutex::new(context)), f).await
}

/// Names `user` as the actor of the current request (called by the staff gates).
pub fn act_as(user: &User) {
    let _ = REQUEST.try_with(|context| {
        if let Ok(mut context) = context.lock() {
            context.actor = Some((user.id, user.username.clone()));
        }
    });
}

/// The current request's context (empty outside a request).
pub fn current() -> RequestContext {
    REQUEST
        .try_with(|context| context.lock().map(|c| c.clone()).unwrap_or_default())
        .unwrap_or_default()
}

/// An entry for `action` on `kind` `id` by the current actor, in the current request, now.
pub fn entry(state: &AppState, action: &str, kind: &str, id: impl ToString, summary: impl Into<String>) -> Entry {
    let context = current();
    let (actor_id, actor_name) = match context.actor {
        Some((id, name)) => (Some(id), name),
        None => (None, "system".to_owned()),
    };
    let id = id.to_string();
    Entry {
        at: state.now(),
        actor_id,
        actor_name,
        action: action.to_owned(),
        entity_kind: kind.to_owned(),
        entity_id: Some(id).filter(|i| !i.is_empty()),
        summary: summary.into(),
        request_id: context.request_id,
        ip: context.ip,
    }
}

/// Records `action` on `kind` `id` (e.g. `record(state, "product.update", "product", 7,
/// "price 1000 → 1200")`) by the current actor, right after the write it describes. The
/// write has committed by then: a failure to record is logged as an error rather than
/// turned into a failed answer for a change that was made.
pub async fn record(state: &AppState, action: &str, kind: &str, id: impl ToString, summary: impl Into<String>) {
    store_entry(state, entry(state, action, kind, id, summary)).await;
}

/// Records a change of `user_id`'s staff role (or their being disabled) by the current
/// actor: the one line the staff-roles use cases call after their write, e.g.
/// `audit::role_changed(state, id, "manager", "owner").await`.
pub async fn role_changed(state: &AppState, user_id: i64, before: &str, after: &str) {
    let summary = serde_json::json!({"before": {"role": before}, "after": {"role": after}}).to_string();
    record(state, "staff.role_change", "user", user_id, summary).await;
}

/// Records a security event about `user` (a failed login, a lock-out): the user is the
/// subject and, when known, the actor; `None` for a name that matches no account.
pub async fn security(
    state: &AppState,
    action: &str,
    user: Option<&User>,
    ip: Option<String>,
    summary: impl Into<String>,
) {
    let mut entry = entry(
        state,
        action,
        "user",
        user.map_or(String::new(), |u| u.id.to_string()),
        summary,
    );
    entry.actor_id = user.map(|u| u.id);
    entry.actor_name = user.map_or_else(String::new, |u| u.username.clone());
    if ip.is_some() {
        entry.ip = ip;
    }
    store_entry(state, entry).await;
}

/// Records `action` on the record `describe` names (its id and a summary, from the
/// use case's answer) when `result` is a success, and answers `result` unchanged: the
/// wrapper every staff write in this crate ends with.
pub async fn recorded<T>(
    state: &AppState,
    action: &str,
    kind: &str,
    result: AppResult<T>,
    describe: impl FnOnce(&T) -> (String, String),
) -> AppResult<T> {
    if let Ok(value) = &result {
        let (id, summary) = describe(value);
        record(state, action, kind, id, summary).await;
    }
    result
}

async fn store_entry(state: &AppState, entry: Entry) {
    if let Err(e) = state.store().record_audit(entry.clone()).await {
        tracing::error!(action = %entry.action, entity = ?entry.entity_id, error = %e, "audit entry not recorded");
    }
}

/// The audit log's filters as typed (query string or form).
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditQuery<'a> {
    /// A user id, or a name as recorded.
    pub actor: Option<&'a str>,
    /// `kind` or `kind:id` (`product`, `order:12`).
    pub entity: Option<&'a str>,
    /// An action (`product.update`) or an area (`product`).
    pub action: Option<&'a str>,
    /// From (RFC 3339 or `YYYY-MM-DD`, UTC).
    pub since: Option<&'a str>,
    /// Until, excluded (same forms).
    pub until: Option<&'a str>,
    /// Page size (1–100, default 20).
    pub limit: Option<&'a str>,
    /// Where to continue.
    pub cursor: Option<&'a str>,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<Recorded>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

fn instant(field: &str, raw: Option<&str>) -> Result<Option<Timestamp>, FieldError> {
    let Some(raw) = non_empty(raw) else { return Ok(None) };
    let text = if raw.len() == 10 {
        format!("{raw}T00:00:00Z")
    } else {
        raw.to_owned()
    };
    Timestamp::parse_rfc3339(&text)
        .map(Some)
        .ok_or_else(|| FieldError::new(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
}

fn short(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match non_empty(raw) {
        Some(v) if v.len() > 100 => Err(FieldError::new(field, "must be at most 100 characters")),
        v => Ok(v.map(str::to_owned)),
    }
}

/// The filter `query` describes, every bad field reported at once.
pub fn filter(query: &AuditQuery<'_>) -> AppResult<Filter> {
    let actor = short("actor", query.actor);
    let entity = short("entity", query.entity);
    let action = short("action", query.action);
    let since = instant("since", query.since);
    let until = instant("until", query.until);
    let (Ok(actor), Ok(entity), Ok(action), Ok(since), Ok(until)) = (actor, entity, action, since, until) else {
        let (a, b, c, d, e) = (
            short("actor", query.actor).err(),
            short("entity", query.entity).err(),
            short("action", query.action).err(),
            instant("since", query.since).err(),
            instant("until", query.until).err(),
        );
        return Err(Invalid::of([a, b, c, d, e]).into());
    };
    let (actor_id, actor_name) = match actor {
        Some(a) => match a.parse::<i64>() {
            Ok(id) => (Some(id), None),
            Err(_) => (None, Some(a)),
        },
        None => (None, None),
    };
    let (entity_kind, entity_id) = match entity {
        Some(e) => match e.split_once(':') {
            Some((kind, id)) => (Some(kind.to_owned()), Some(id.to_owned())),
            None => (Some(e), None),
        },
        None => (None, None),
    };
    Ok(Filter {
        actor_id,
        actor_name,
        entity_kind,
        entity_id,
        action,
        since,
        until,
    })
}

/// The fingerprint a cursor is bound to: the same filters, or the cursor is refused.
fn fingerprint(query: &AuditQuery<'_>) -> String {
    format!(
        "audit\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        non_empty(query.actor).unwrap_or(""),
        non_empty(query.entity).unwrap_or(""),
        non_empty(query.action).unwrap_or(""),
        non_empty(query.since).unwrap_or(""),
        non_empty(query.until).unwrap_or(""),
    )
}

/// A page of the audit log (staff: the caller's gate checks that).
pub async fn list(state: &AppState, query: AuditQuery<'_>) -> AppResult<AuditPage> {
    let fingerprint = fingerprint(&query);
    let (limit, position) = paging::page(state.cursors(), query.limit, query.cursor, &fingerprint)?;
    let filter = filter(&query)?;
    let before = keyset(position)?.map(|(_, id)| id);
    let rows = state.store().audit_page(&filter, before, limit + 1).await?;
    let (entries, next) = cut_page(rows, limit, |r| Position::After(r.id, r.id));
    Ok(AuditPage {
        entries,
        next_cursor: next.map(|p| state.cursors().encode(&fingerprint, p)),
    })
}

/// Every entry matching `query` for an export, newest first, at most `cap` (the CSV).
pub async fn export(state: &AppState, query: AuditQuery<'_>, cap: usize) -> AppResult<Vec<Recorded>> {
    let filter = filter(&query)?;
    let mut out = Vec::new();
    let mut before = None;
    while out.len() < cap {
        let rows = state.store().audit_page(&filter, before, 500).await?;
        let Some(last) = rows.last() else { break };
        before = Some(last.id);
        let full = rows.len() == 500;
        out.extend(rows);
        if !full {
            break;
        }
    }
    out.truncate(cap);
    Ok(out)
}

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-`, `@`, tab or carriage
/// return neutralised with a `'`, so a spreadsheet never runs a cell as a formula.
pub fn csv_field(value: &str) -> String {
    let mut text = String::with_capacity(value.len() + 2);
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        text.push('\'');
    }
    text.push_str(value);
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The CSV text of `entries`, a header line first, lines ended by CRLF (RFC 4180).
pub fn csv(entries: &[Recorded]) -> String {
    let mut out = String::from("id,at,actor_id,actor_name,action,entity_kind,entity_id,summary,request_id,ip\r\n");
    for r in entries {
        let e = &r.entry;
        let fields = [
            r.id.to_string(),
            e.at.to_rfc3339(),
            e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
            e.actor_name.clone(),
            e.action.clone(),
            e.entity_kind.clone(),
            e.entity_id.clone().unwrap_or_default(),
            e.summary.clone(),
            e.request_id.clone().unwrap_or_default(),
            e.ip.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("-2"), "'-2");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn filters_parse_and_report_every_bad_field() {
        let f = filter(&AuditQuery {
            actor: Some("7"),
            entity: Some("order:12"),
            since: Some("2026-01-02"),
            ..AuditQuery::default()
        })
        .expect("filter");
        assert_eq!(f.actor_id, Some(7));
        assert_eq!(f.entity_kind.as_deref(), Some("order"));
        assert_eq!(f.entity_id.as_deref(), Some("12"));
        assert!(f.since.is_some());
        let by_name = filter(&AuditQuery {
            actor: Some("alice"),
            ..AuditQuery::default()
        })
        .expect("name");
        assert_eq!(by_name.actor_name.as_deref(), Some("alice"));
        assert!(
            filter(&AuditQuery {
                since: Some("yesterday"),
                until: Some("soon"),
                ..AuditQuery::default()
            })
            .is_err()
        );
    }
}
