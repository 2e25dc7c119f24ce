//! What the recommender learns from and where its model is kept.
//!
//! A purchase is a distinct (buyer, product) pair from an order that was paid and not
//! undone: `paid`, `shipped` or `received` (cancelled orders were never paid; `refunded`
//! ones were paid back in full). The model itself is opaque bytes built by
//! `emporium-recommend`; it is stored whole so a restart, or another instance on the same
//! database, serves the same model without rebuilding it.

use crate::db::{query, query_scalar};
use emporium_domain::time::Timestamp;
use futures_util::TryStreamExt;

use crate::{Store, StoreError};

/// The order statuses whose items count as purchases.
const PURCHASED: &str = "('paid', 'shipped', 'received')";

/// A stored model's description, without its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelInfo {
    /// Primary key; a newer model has a larger id.
    pub id: i64,
    /// The last order event the model had seen when it was built.
    pub watermark: i64,
    /// Buyers in it.
    pub users: i64,
    /// Products in it.
    pub items: i64,
    /// Distinct purchases in it.
    pub interactions: i64,
    /// How long fitting took.
    pub fit_millis: i64,
    /// When it was stored.
    pub built_at: Timestamp,
}

/// A model to store.
#[derive(Debug, Clone)]
pub struct NewModel {
    /// See [`ModelInfo::watermark`].
    pub watermark: i64,
    /// Buyers in it.
    pub users: i64,
    /// Products in it.
    pub items: i64,
    /// Distinct purchases in it.
    pub interactions: i64,
    /// How long fitting took.
    pub fit_millis: i64,
    /// The serialized model.
    pub body: Vec<u8>,
}

/// How many stored models are kept (the newest, and one before it for a reader that is
/// still loading it).
const KEEP_MODELS: i64 = 2;

impl Store {
    /// Every distinct purchase, as `(user_id, product_id)`. Rows are streamed into the
    /// answer, so memory stays at 16 bytes a purchase however many there are.
    pub async fn purchases(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = format!(
            "SELECT DISTINCT o.user_id, i.product_id FROM orders o JOIN order_items i ON i.order_id = o.id
             WHERE o.status IN {PURCHASED}"
        );
        self.streamed_pairs(sql).await
    }

    /// The two columns of every row of `sql`, streamed straight from sqlx rather than
    /// collected as rows first (the only queries that do so: a rebuild reads every
    /// purchase, and rows cost far more than the pairs).
    async fn streamed_pairs<A, B>(&self, sql: String) -> Result<Vec<(A, B)>, StoreError>
    where
        A: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
        B: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(self.reader());
        let mut pairs = Vec::new();
        while let Some(row) = rows.try_next().await? {
            pairs.push((sqlx::Row::try_get(&row, 0)?, sqlx::Row::try_get(&row, 1)?));
        }
        Ok(pairs)
    }

    /// The products one user bought in orders that moved after order event `after` (a
    /// model's watermark): what a model built then does not know yet.
    pub async fn purchased_since(&self, user_id: i64, after: i64) -> Result<Vec<i64>, StoreError> {
        let sql = format!(
            "SELECT DISTINCT i.product_id FROM orders o JOIN order_items i ON i.order_id = o.id
             WHERE o.user_id = $1 AND o.status IN {PURCHASED}
               AND EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.id > $2)"
        );
        Ok(query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .bind(after)
            .fetch_all(self.reader())
            .await?)
    }

    /// The category of every product ever purchased (the model's items), for the
    /// "popular in your categories" fallback. Only those: a catalogue of 100,000 products
    /// of which a thousand sold read all 100,000 rows before, about 30 MB held for a
    /// moment on every rebuild, which the allocator then kept. Streamed like
    /// [`Store::purchases`].
    pub async fn purchased_categories(&self) -> Result<Vec<(i64, String)>, StoreError> {
        self.streamed_pairs(format!(
            "SELECT p.id, p.category FROM products p
             WHERE p.category IS NOT NULL AND p.id IN (
                 SELECT i.product_id FROM orders o JOIN order_items i ON i.order_id = o.id
                 WHERE o.status IN {PURCHASED})"
        ))
        .await
    }

    /// The newest order event: it moves whenever an order is placed, paid, cancelled or
    /// refunded, so a model whose watermark equals it is up to date.
    pub async fn order_watermark(&self) -> Result<i64, StoreError> {
        Ok(query_scalar("SELECT COALESCE(MAX(id), 0) FROM order_events")
            .fetch_one(self.reader())
            .await?)
    }

    /// The newest stored model's description.
    pub async fn latest_model(&self) -> Result<Option<ModelInfo>, StoreError> {
        let row = query(
            "SELECT id, watermark, users, items, interactions, fit_millis, built_at FROM recommendation_models
             ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| {
            Ok(ModelInfo {
                id: r.try_get("id")?,
                watermark: r.try_get("watermark")?,
                users: r.try_get("users")?,
                items: r.try_get("items")?,
                interactions: r.try_get("interactions")?,
                fit_millis: r.try_get("fit_millis")?,
                built_at: Timestamp::from_millis(r.try_get("built_at")?),
            })
        })
        .transpose()
    }

    /// A stored model's bytes (`None` once pruned).
    pub async fn model_body(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(query_scalar("SELECT body FROM recommendation_models WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?)
    }

    /// Stores a model as the newest and prunes the old ones; answers its id.
    pub async fn save_model(&self, model: NewModel, now: Timestamp) -> Result<i64, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let id: i64 = query_scalar(
                    "INSERT INTO recommendation_models (watermark, users, items, interactions, fit_millis, built_at, body)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(model.watermark)
                .bind(model.users)
                .bind(model.items)
                .bind(model.interactions)
                .bind(model.fit_millis)
                .bind(now.millis())
                .bind(model.body)
                .fetch_one(&mut *conn)
                .await?;
                query("DELETE FROM recommendation_models WHERE id <= $1")
                    .bind(id - KEEP_MODELS)
                    .execute(&mut *conn)
                    .await?;
                Ok(id)
            })
        })
        .await
    }

    /// Takes the right to build the model until `until`, if no one holds it at `now`.
    /// Of several instances asking at once, exactly one gets `true`.
    pub async fn take_model_lease(&self, now: Timestamp, until: Timestamp) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let done = query("UPDATE recommendation_lease SET until = $1 WHERE id = 1 AND until <= $2")
                    .bind(until.millis())
                    .bind(now.millis())
                    .execute(&mut *conn)
                    .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    /// Gives the build lease back early (the build finished or failed).
    pub async fn release_model_lease(&self) -> Result<(), StoreError> {
        self.write(|conn| {
            Box::pin(async move {
                query("UPDATE recommendation_lease SET until = 0 WHERE id = 1")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}
