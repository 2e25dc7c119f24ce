//! The audit log: one append-only row per staff write and per security event (who, what,
//! which record, a short before/after summary, the request, when). Rows are only ever
//! inserted ([`record_in`] inside the write's own transaction, or [`Store::record_audit`]
//! right after it) and read ([`Store::audit_page`]); nothing updates or deletes one, except
//! an account's deletion replacing that account's name (`privacy.rs`).

use emporium_domain::time::Timestamp;

use crate::db::{Conn, Row, query};
use crate::sql::Sql;
use crate::{Store, StoreError};

/// The longest summary kept; a longer one is cut (on a character boundary).
pub const MAX_SUMMARY: usize = 2000;

/// One event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// When it happened.
    pub at: Timestamp,
    /// The user who acted; `None` for an anonymous security event.
    pub actor_id: Option<i64>,
    /// Their name as it was then (`""` when anonymous).
    pub actor_name: String,
    /// What was done: `<area>.<verb>` (`product.update`, `login.failed`, `keys.reseal`).
    pub action: String,
    /// The kind of record it touched (`product`, `order`, `user`, `keys`).
    pub entity_kind: String,
    /// Which one, if one.
    pub entity_id: Option<String>,
    /// A short before/after note (text or JSON): never a secret, never sealed data.
    pub summary: String,
    /// The request it came from (`x-request-id`), if any.
    pub request_id: Option<String>,
    /// The client's address, if known.
    pub ip: Option<String>,
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Its id (newest is highest).
    pub id: i64,
    /// What was recorded.
    pub entry: Entry,
}

/// What [`Store::audit_page`] looks for; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Entries by this user id.
    pub actor_id: Option<i64>,
    /// Entries by this name (as it was recorded).
    pub actor_name: Option<String>,
    /// This entity kind…
    pub entity_kind: Option<String>,
    /// …and id.
    pub entity_id: Option<String>,
    /// This action (`product.update`), or every action of an area (`product`).
    pub action: Option<String>,
    /// At or after.
    pub since: Option<Timestamp>,
    /// Before.
    pub until: Option<Timestamp>,
}

/// Appends `entry` inside the caller's transaction, so the record and the write commit or
/// roll back together.
pub async fn record_in(conn: &mut Conn, entry: &Entry) -> Result<i64, StoreError> {
    let mut summary = entry.summary.clone();
    if summary.len() > MAX_SUMMARY {
        let mut cut = MAX_SUMMARY;
        while !summary.is_char_boundary(cut) {
            cut -= 1;
        }
        summary.truncate(cut);
    }
    let row = query(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, entity_kind, entity_id, summary, request_id, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(entry.at.millis())
    .bind(entry.actor_id)
    .bind(&entry.actor_name)
    .bind(&entry.action)
    .bind(&entry.entity_kind)
    .bind(&entry.entity_id)
    .bind(&summary)
    .bind(&entry.request_id)
    .bind(&entry.ip)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

fn recorded_from(row: &Row) -> Result<Recorded, StoreError> {
    Ok(Recorded {
        id: row.try_get("id")?,
        entry: Entry {
            at: Timestamp::from_millis(row.try_get("at")?),
            actor_id: row.try_get("actor_id")?,
            actor_name: row.try_get("actor_name")?,
            action: row.try_get("action")?,
            entity_kind: row.try_get("entity_kind")?,
            entity_id: row.try_get("entity_id")?,
            summary: row.try_get("summary")?,
            request_id: row.try_get("request_id")?,
            ip: row.try_get("ip")?,
        },
    })
}

impl Store {
    /// Appends `entry` in a transaction of its own (for an event whose write could not
    /// carry it, recorded right after that write commits).
    pub async fn record_audit(&self, entry: Entry) -> Result<i64, StoreError> {
        self.write(move |conn| Box::pin(async move { record_in(conn, &entry).await }))
            .await
    }

    /// Entries matching `filter`, newest first, with ids below `before` (the keyset
    /// position), at most `limit`.
    pub async fn audit_page(
        &self,
        filter: &Filter,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Recorded>, StoreError> {
        let mut sql = Sql::new("SELECT * FROM audit_log WHERE 1 = 1");
        if let Some(id) = filter.actor_id {
            sql.push(" AND actor_id = ").bind(id.into());
        }
        if let Some(name) = &filter.actor_name {
            sql.push(" AND actor_name = ").bind(name.clone().into());
        }
        if let Some(kind) = &filter.entity_kind {
            sql.push(" AND entity_kind = ").bind(kind.clone().into());
        }
        if let Some(id) = &filter.entity_id {
            sql.push(" AND entity_id = ").bind(id.clone().into());
        }
        if let Some(action) = &filter.action {
            if action.contains('.') {
                sql.push(" AND action = ").bind(action.clone().into());
            } else {
                // An area: its actions start with `<area>.`; compared by prefix without
                // LIKE, so `_` and `%` in the filter mean themselves.
                sql.push(" AND SUBSTR(action, 1, CAST(")
                    .bind((action.len() as i64 + 1).into())
                    .push(" AS INTEGER)) = ")
                    .bind(format!("{action}.").into());
            }
        }
        if let Some(since) = filter.since {
            sql.push(" AND at >= ").bind(since.millis().into());
        }
        if let Some(until) = filter.until {
            sql.push(" AND at < ").bind(until.millis().into());
        }
        if let Some(before) = before {
            sql.push(" AND id < ").bind(before.into());
        }
        sql.push(" ORDER BY id DESC LIMIT ").bind(limit.into());
        let rows = sql.build().fetch_all(self.reader()).await?;
        rows.iter().map(recorded_from).collect()
    }
}
