//! The recommender inside the server: the model held in memory for the request path,
//! rebuilt in the background when orders have moved, and reloaded when another instance
//! (or `emporium recommendations rebuild`) stored a newer one.
//!
//! The model lives in the database as bytes (`recommendation_models`), so a restart or a
//! second instance serves the same model without refitting; requests read only the
//! in-memory copy (no query over orders per request). The lists a shopper sees ("also
//! bought", "for you", popular) keep only products on sale now.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use emporium_domain::catalog::ProductStatus;
use emporium_domain::time::Timestamp;
pub use emporium_recommend::Basis;
use emporium_recommend::{Interactions, Model, Params, Scored};
use emporium_store::catalog::Product;
use emporium_store::recommendations::{ModelInfo, NewModel};
use emporium_store::{Store, StoreError};

use crate::error::AppResult;
use crate::state::AppState;

/// How long a builder may hold the build lease before another instance may take over.
const BUILD_LEASE: Duration = Duration::from_secs(10 * 60);

/// The model this instance serves.
#[derive(Debug)]
pub struct Recommender {
    loaded: RwLock<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    /// The stored model's id; 0 before any was loaded.
    id: i64,
    /// The last order event the model had seen.
    watermark: i64,
    model: Arc<Model>,
}

impl Default for Recommender {
    fn default() -> Self {
        Self {
            loaded: RwLock::new(Loaded {
                id: 0,
                watermark: 0,
                model: Arc::new(Model::empty()),
            }),
        }
    }
}

impl Recommender {
    /// The model to answer a request with (cheap: one `Arc`), and the last order event
    /// it had seen.
    pub fn model(&self) -> (Arc<Model>, i64) {
        let loaded = self.read();
        (Arc::clone(&loaded.model), loaded.watermark)
    }

    /// The stored id of the model in use (0 when none is).
    pub fn model_id(&self) -> i64 {
        self.read().id
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        // A poisoned lock only means a panic elsewhere while swapping two fields that are
        // always valid together; the value is still sound.
        self.loaded.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn swap(&self, info: &ModelInfo, model: Model) {
        let mut loaded = self.loaded.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *loaded = Loaded {
            id: info.id,
            watermark: info.watermark,
            model: Arc::new(model),
        };
    }
}

/// What a rebuild produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Built {
    /// The stored model's id.
    pub id: i64,
    /// Buyers.
    pub users: usize,
    /// Products bought at least once.
    pub items: usize,
    /// Distinct purchases.
    pub interactions: usize,
    /// Time spent fitting (reading and storing not included).
    pub fit: Duration,
}

/// Reads every purchase, fits a model off the async threads and stores it as the newest.
/// Used by the background pass and by `emporium recommendations rebuild`.
pub async fn rebuild(store: &Store, params: &Params, now: Timestamp) -> Result<Built, StoreError> {
    // Read the watermark first: anything that happens while reading is newer than it, so
    // the next pass sees the model as stale rather than missing it.
    let watermark = store.order_watermark().await?;
    let purchases = store.purchases().await?;
    let categories: HashMap<i64, String> = store.purchased_categories().await?.into_iter().collect();
    let params = params.clone();
    let (model, body, fit) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let model = Model::fit(
            &Interactions::from_pairs(purchases),
            |item| categories.get(&item).cloned(),
            &params,
        );
        let fit = started.elapsed();
        let body = model.to_bytes();
        (model, body, fit)
    })
    .await
    .map_err(|_| StoreError::Panicked)?;
    let new = NewModel {
        watermark,
        users: model.users() as i64,
        items: model.items() as i64,
        interactions: model.interactions() as i64,
        fit_millis: i64::try_from(fit.as_millis()).unwrap_or(i64::MAX),
        body,
    };
    let id = store.save_model(new, now).await?;
    Ok(Built {
        id,
        users: model.users(),
        items: model.items(),
        interactions: model.interactions(),
        fit,
    })
}

/// One background pass: rebuilds the model if orders moved since it was built and it is
/// at least `recommendations_refresh` old (one instance at a time, by lease), then loads
/// the newest stored model if this instance serves an older one. Answers whether this
/// pass rebuilt.
pub async fn refresh(state: &AppState) -> Result<bool, StoreError> {
    let store = state.store();
    let now = state.now();
    let mut rebuilt = false;
    // Check, take the lease, check again: another instance may have finished a build
    // (and given the lease back) between our first look and our taking it.
    if is_stale(state).await? && store.take_model_lease(now, now.plus(BUILD_LEASE)).await? {
        let result = match is_stale(state).await {
            Ok(true) => rebuild(store, &Params::default(), now).await.map(Some),
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
        store.release_model_lease().await?;
        if let Some(built) = result? {
            tracing::info!(
                model.id = built.id,
                users = built.users,
                items = built.items,
                purchases = built.interactions,
                fit_ms = built.fit.as_millis() as u64,
                "recommendation model rebuilt"
            );
            rebuilt = true;
        }
    }
    load_latest(state).await?;
    Ok(rebuilt)
}

/// Whether orders moved since the newest model was built, and it is old enough to redo.
async fn is_stale(state: &AppState) -> Result<bool, StoreError> {
    let latest = state.store().latest_model().await?;
    let watermark = state.store().order_watermark().await?;
    Ok(match latest {
        None => watermark > 0,
        Some(m) => m.watermark < watermark && state.now().millis() - m.built_at.millis() >= refresh_millis(state),
    })
}

fn refresh_millis(state: &AppState) -> i64 {
    i64::try_from(state.config().recommendations_refresh.as_millis()).unwrap_or(i64::MAX)
}

/// Loads the newest stored model unless it is the one in use. A model that fails to
/// decode is logged and skipped: the old one keeps serving.
pub async fn load_latest(state: &AppState) -> Result<(), StoreError> {
    let Some(latest) = state.store().latest_model().await? else {
        return Ok(());
    };
    if latest.id == state.recommender().model_id() {
        return Ok(());
    }
    let Some(body) = state.store().model_body(latest.id).await? else {
        return Ok(()); // pruned meanwhile; the next pass loads the newer one
    };
    let decoded = tokio::task::spawn_blocking(move || Model::from_bytes(&body))
        .await
        .map_err(|_| StoreError::Panicked)?;
    match decoded {
        Ok(model) => state.recommender().swap(&latest, model),
        Err(e) => {
            tracing::warn!(model.id = latest.id, error = %e, "stored recommendation model does not decode; keeping the old one")
        }
    }
    Ok(())
}

/// The products bought with `id`, on sale, best first .
pub async fn also_bought(state: &AppState, id: i64, limit: usize) -> AppResult<Vec<(Product, f64)>> {
    let (model, _) = state.recommender().model();
    on_sale(state, limit, |n| model.also_bought(id, n, |_| true)).await
}

/// A user's "for you" list, on sale, best first.
pub async fn for_user(state: &AppState, user_id: i64, limit: usize) -> AppResult<(Vec<(Product, f64)>, Basis)> {
    // The model may predate the user's latest orders: exclude those purchases too (the
    // model itself excludes the ones it knows).
    let (model, watermark) = state.recommender().model();
    let bought: HashSet<i64> = state
        .store()
        .purchased_since(user_id, watermark)
        .await?
        .into_iter()
        .collect();
    let mut basis = Basis::Popular;
    let list = on_sale(state, limit, |n| {
        let (list, b) = model.for_user(user_id, n, |item| !bought.contains(&item));
        basis = b;
        list
    })
    .await?;
    Ok((list, basis))
}

/// What sells best, on sale.
pub async fn popular(state: &AppState, limit: usize) -> AppResult<Vec<(Product, f64)>> {
    let (model, _) = state.recommender().model();
    on_sale(state, limit, |n| model.popular(n, |_| true)).await
}

/// Takes candidates from `ranked(n)` (the model's best `n`) and keeps those on sale now,
/// asking for more when products archived since the model was built thinned the list.
async fn on_sale(
    state: &AppState,
    limit: usize,
    mut ranked: impl FnMut(usize) -> Vec<Scored>,
) -> AppResult<Vec<(Product, f64)>> {
    let mut want = limit + limit / 2 + 4;
    loop {
        let candidates = ranked(want);
        let ids: Vec<i64> = candidates.iter().map(|s| s.item).collect();
        let mut active: HashMap<i64, Product> = state
            .store()
            .products_by_ids(&ids)
            .await?
            .into_iter()
            .filter(|p| p.status == ProductStatus::Active)
            .map(|p| (p.id, p))
            .collect();
        let mut out: Vec<(Product, f64)> = candidates
            .iter()
            .filter_map(|s| active.remove(&s.item).map(|p| (p, s.score)))
            .collect();
        // Enough, or the model has nothing more to offer, or enough asked for.
        if out.len() >= limit || candidates.len() < want || want >= 1_000 {
            out.truncate(limit);
            return Ok(out);
        }
        want *= 4;
    }
}
