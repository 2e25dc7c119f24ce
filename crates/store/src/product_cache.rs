//! An in-process cache of products and listing pages in front of the read pool.
//!
//! Product pages, listings and search results are the hottest reads a shop serves, and
//! each was a database round trip; on SQLite every statement also hops to the driver's
//! connection thread and back, which the profiles showed costing far more than SQLite's
//! own work. So the store keeps recently read products (by id) and recently read listing
//! pages (as ids) in memory.
//!
//! **How it stays correct.** Every transaction that changes a product already calls
//! [`crate::catalog::record_change`]; that call also notes the id for the running write
//! ([`note_changed`]). The writer forgets the noted ids *after* the commit, before the
//! caller is answered, so a write is visible in the cache as soon as it is acknowledged.
//! A reader that raced with a write must not put back what it read before the commit:
//! each read takes a [`Ticket`] before touching the database, and [`ProductCache::offer`]
//! refuses a product forgotten since that ticket (and every listing page, since any
//! change may reorder a listing). Another instance's writes reach this cache through the
//! product change feed, which the search follower reads anyway: it forgets what it sees,
//! so across instances a product page lags by at most the follower's poll, as search does.
//! Orders never read products from here: they read and lock the rows in their own
//! transactions.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

use crate::catalog::Product;

/// How many recent forgets are remembered to judge offers by; a read that took longer
/// than this many product changes to come back is simply not cached.
const FORGET_LOG: usize = 4096;
/// Listing pages kept (each a few dozen ids).
const PAGES: usize = 1024;

tokio::task_local! {
    /// The products the running write operation changed.
    static CHANGED: RefCell<Vec<i64>>;
}

/// Notes that the running write operation changed product `id` (called by
/// `record_change`, inside the operation's transaction).
pub(crate) fn note_changed(id: i64) {
    // Outside a write scope (never in the product) there is nothing to forget later.
    let _ = CHANGED.try_with(|c| c.borrow_mut().push(id));
}

/// Runs a write operation's future, collecting the products it notes as changed.
pub(crate) async fn collecting<F: Future>(op: F) -> (F::Output, Vec<i64>) {
    CHANGED
        .scope(RefCell::new(Vec::new()), async {
            let out = op.await;
            (out, CHANGED.with(|c| std::mem::take(&mut *c.borrow_mut())))
        })
        .await
}

/// The cache; cheap to clone (one `Arc`), clones share the entries.
#[derive(Clone)]
pub(crate) struct ProductCache(Option<Arc<Mutex<Inner>>>);

/// Where a read stood when it began: the number of forgets made so far.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

struct Inner {
    /// Shared, so a reader unpacks its copy after letting go of the lock.
    products: LruCache<i64, Arc<Packed>>,
    pages: LruCache<String, (u64, Vec<i64>)>,
    /// How many ids have been forgotten since start.
    forgets: u64,
    /// The most recent forgets, as (forget number, id), oldest first.
    log: VecDeque<(u64, i64)>,
}

impl std::fmt::Debug for ProductCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => f.write_str("ProductCache(disabled)"),
            Some(inner) => {
                let inner = inner.lock().unwrap_or_else(|e| e.into_inner());
                write!(f, "ProductCache({} products)", inner.products.len())
            }
        }
    }
}

impl ProductCache {
    /// A cache of up to `capacity` products; 0 disables it.
    pub(crate) fn new(capacity: usize) -> Self {
        Self(NonZeroUsize::new(capacity).map(|capacity| {
            Arc::new(Mutex::new(Inner {
                products: LruCache::new(capacity),
                pages: LruCache::new(NonZeroUsize::new(PAGES).expect("non-zero")),
                forgets: 0,
                log: VecDeque::with_capacity(FORGET_LOG),
            }))
        }))
    }

    fn inner(&self) -> Option<std::sync::MutexGuard<'_, Inner>> {
        // A panic while holding the lock cannot leave the maps half-updated in a way
        // that matters (each call is one map operation), so a poisoned lock is used on.
        self.0.as_ref().map(|m| m.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Takes a ticket; call before reading from the database what will be offered.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.inner().map_or(0, |i| i.forgets))
    }

    /// The cached product `id`.
    pub(crate) fn get(&self, id: i64) -> Option<Product> {
        // Every request thread takes this one lock; unpacking (a dozen allocations) waits
        // until it is released.
        let packed = self.inner()?.products.get(&id).cloned()?;
        Some(packed.unpack())
    }

    /// The cached ids of listing page `key`.
    pub(crate) fn page(&self, key: &str) -> Option<Vec<i64>> {
        let mut inner = self.inner()?;
        let forgets = inner.forgets;
        match inner.pages.get(key) {
            Some((at, ids)) if *at == forgets => Some(ids.clone()),
            _ => None,
        }
    }

    /// Offers products read from the database since `ticket`; those changed since are
    /// refused.
    pub(crate) fn offer<'a>(&self, ticket: Ticket, products: impl IntoIterator<Item = &'a Product>) {
        let Some(mut inner) = self.inner() else { return };
        if inner.forgets > ticket.0 {
            // Forgets since the ticket must all still be in the log to judge by it.
            let oldest = inner.log.front().map_or(u64::MAX, |(n, _)| *n);
            if oldest > ticket.0 + 1 {
                return;
            }
        }
        for p in products {
            let changed = inner
                .log
                .iter()
                .rev()
                .take_while(|(n, _)| *n > ticket.0)
                .any(|(_, id)| *id == p.id);
            if !changed {
                inner.products.put(p.id, Arc::new(Packed::pack(p)));
            }
        }
    }

    /// Offers a listing page read since `ticket`; refused if any product changed since.
    pub(crate) fn offer_page(&self, ticket: Ticket, key: String, ids: Vec<i64>) {
        let Some(mut inner) = self.inner() else { return };
        if inner.forgets == ticket.0 {
            inner.pages.put(key, (ticket.0, ids));
        }
    }

    /// Forgets these products (and, by moving on, every listing page).
    pub(crate) fn forget(&self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        let Some(mut inner) = self.inner() else { return };
        for &id in ids {
            inner.products.pop(&id);
            inner.forgets += 1;
            let n = inner.forgets;
            if inner.log.len() == FORGET_LOG {
                inner.log.pop_front();
            }
            inner.log.push_back((n, id));
        }
    }
}

/// A product in much less memory than a [`Product`]: its texts in one allocation instead
/// of six. Measured with variants and translations (BENCHMARKS, round fourteen): a full
/// cache of demo products costs about 2 KB of resident memory a product.
struct Packed {
    /// Name, description, currency, category, options and images (their stored forms),
    /// end to end.
    text: Box<str>,
    /// Where each of the first five texts ends in `text`; the images run to the end.
    ends: [u32; 5],
    /// Whether the category is present (bit 0).
    present: u8,
    status: emporium_domain::catalog::ProductStatus,
    numbers: [i64; 9],
    variants: Box<[PackedVariant]>,
    /// Translations, shared with the products handed out.
    translations: Arc<emporium_domain::translation::ProductTranslations>,
    rating_average: f64,
}

/// A variant packed the same way: its four texts in one allocation (a catalogue of
/// 100,000 products holds about 290,000 variants; unpacked they cost about 30 MB more).
struct PackedVariant {
    /// SKU, option values (stored form), barcode and image, separated by newlines (none
    /// of them can hold one).
    text: Box<str>,
    /// Which of SKU, barcode, image and compare-at price are present (bits 0–3).
    present: u8,
    status: emporium_domain::catalog::ProductStatus,
    /// id, product id, price, compare-at price, weight, stock, position.
    numbers: [i64; 7],
}

impl PackedVariant {
    fn pack(v: &crate::variants::Variant) -> Self {
        let text = [
            v.sku.as_deref().unwrap_or(""),
            &v.option_values.encode(),
            v.barcode.as_deref().unwrap_or(""),
            v.image.as_deref().unwrap_or(""),
        ]
        .join("\n");
        Self {
            text: text.into_boxed_str(),
            present: u8::from(v.sku.is_some())
                | (u8::from(v.barcode.is_some()) << 1)
                | (u8::from(v.image.is_some()) << 2)
                | (u8::from(v.compare_at_price.is_some()) << 3),
            status: v.status,
            numbers: [
                v.id,
                v.product_id,
                v.price,
                v.compare_at_price.unwrap_or(0),
                v.weight_grams,
                v.stock_available,
                v.position,
            ],
        }
    }

    fn unpack(&self) -> crate::variants::Variant {
        let mut parts = self.text.split('\n');
        let (sku, values, barcode, image) = (parts.next(), parts.next(), parts.next(), parts.next());
        let present = |part: Option<&str>, bit: u8| (self.present & bit != 0).then(|| part.unwrap_or("").to_owned());
        let (sku, barcode, image) = (present(sku, 1), present(barcode, 2), present(image, 4));
        let values = values.unwrap_or("");
        let [
            id,
            product_id,
            price,
            compare_at_price,
            weight_grams,
            stock_available,
            position,
        ] = self.numbers;
        crate::variants::Variant {
            id,
            product_id,
            sku,
            option_values: emporium_domain::variant::OptionValues::decode(values),
            price,
            compare_at_price: (self.present & 8 != 0).then_some(compare_at_price),
            weight_grams,
            barcode,
            image,
            status: self.status,
            stock_available,
            position,
        }
    }
}

impl Packed {
    fn pack(p: &Product) -> Self {
        let parts = [
            p.name.as_str(),
            p.description.as_str(),
            p.currency.as_str(),
            p.category.as_deref().unwrap_or(""),
            &p.options.encode(),
        ];
        let mut text = String::with_capacity(parts.iter().map(|s| s.len()).sum::<usize>() + 64);
        let mut ends = [0u32; 5];
        for (end, part) in ends.iter_mut().zip(parts) {
            text.push_str(part);
            // Texts are bounded far below 4 GiB by validation (10,000 characters at most).
            *end = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        text.push_str(&emporium_domain::catalog::Images::encode(&p.images));
        Packed {
            text: text.into_boxed_str(),
            ends,
            present: u8::from(p.category.is_some()),
            status: p.status,
            numbers: [
                p.id,
                p.price,
                p.price_max,
                // Ids start at 1: 0 stands for none.
                p.category_id.unwrap_or(0),
                p.stock_available,
                p.rating_count,
                p.rating_milli,
                p.created_at.millis(),
                p.updated_at.millis(),
            ],
            rating_average: p.rating_average,
            variants: p.variants.iter().map(PackedVariant::pack).collect(),
            translations: p.translations.clone(),
        }
    }

    fn unpack(&self) -> Product {
        let mut start = 0;
        let mut part = |i: usize| {
            let end = self.ends[i] as usize;
            let s = self.text[start..end].to_owned();
            start = end;
            s
        };
        let (name, description, currency, category, options) = (part(0), part(1), part(2), part(3), part(4));
        let images = &self.text[self.ends[4] as usize..];
        let [
            id,
            price,
            price_max,
            category_id,
            stock_available,
            rating_count,
            rating_milli,
            created_at,
            updated_at,
        ] = self.numbers;
        Product {
            id,
            name,
            description,
            price,
            price_max,
            currency,
            category: (self.present & 1 != 0).then_some(category),
            category_id: (category_id != 0).then_some(category_id),
            // As `product_from` reads the column.
            images: emporium_domain::catalog::Images::decode(images),
            status: self.status,
            options: emporium_domain::variant::ProductOptions::decode(&options),
            variants: self.variants.iter().map(PackedVariant::unpack).collect(),
            translations: self.translations.clone(),
            stock_available,
            rating_average: self.rating_average,
            rating_count,
            rating_milli,
            created_at: emporium_domain::time::Timestamp::from_millis(created_at),
            updated_at: emporium_domain::time::Timestamp::from_millis(updated_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use emporium_domain::catalog::ProductStatus;
    use emporium_domain::time::Timestamp;

    use super::*;

    fn product(id: i64, price: i64) -> Product {
        Product {
            id,
            name: format!("p{id}"),
            description: String::new(),
            price,
            price_max: price,
            currency: "CNY".into(),
            category: None,
            category_id: None,
            images: Vec::new(),
            status: ProductStatus::Active,
            options: Default::default(),
            variants: Vec::new(),
            translations: Default::default(),
            stock_available: 1,
            rating_average: 0.0,
            rating_count: 0,
            rating_milli: 0,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    #[test]
    fn packing_keeps_every_field() {
        let mut p = product(9, 1234);
        p.description = "两行\n描述".into();
        p.category = Some(String::new());
        p.category_id = Some(3);
        p.images = emporium_domain::catalog::Images::decode("/a.png\tA cup, 白瓷\n/b.png");
        p.rating_average = 4.5;
        assert_eq!(Packed::pack(&p).unpack(), p);
        p.options = emporium_domain::variant::ProductOptions::decode("颜色\t黑\t白");
        p.variants = vec![crate::variants::Variant {
            id: 4,
            product_id: 9,
            sku: Some("SKU-1".into()),
            option_values: emporium_domain::variant::OptionValues::decode("黑"),
            price: 1234,
            compare_at_price: Some(1500),
            weight_grams: 300,
            barcode: None,
            image: Some("/a.png".into()),
            status: ProductStatus::Active,
            stock_available: 3,
            position: 0,
        }];
        p.category = None;
        p.images.clear();
        assert_eq!(Packed::pack(&p).unpack(), p);
        Arc::make_mut(&mut p.translations).add_row("en", "name", "Cup".into());
        Arc::make_mut(&mut p.translations).add_row("en", "value\t颜色\t黑", "Black".into());
        assert_eq!(Packed::pack(&p).unpack(), p);
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_cached() {
        let cache = ProductCache::new(10);
        let before = cache.ticket();
        cache.forget(&[1]);
        cache.offer(before, [&product(1, 100), &product(2, 100)]);
        assert!(cache.get(1).is_none(), "read before the change, offered after it");
        assert_eq!(cache.get(2).map(|p| p.price), Some(100), "untouched by the change");
        cache.offer(cache.ticket(), [&product(1, 200)]);
        assert_eq!(cache.get(1).map(|p| p.price), Some(200));
        cache.forget(&[1]);
        assert!(cache.get(1).is_none());
    }

    #[test]
    fn any_change_retires_listing_pages() {
        let cache = ProductCache::new(10);
        let t = cache.ticket();
        cache.offer_page(t, "newest".into(), vec![3, 2, 1]);
        assert_eq!(cache.page("newest"), Some(vec![3, 2, 1]));
        cache.forget(&[7]);
        assert_eq!(cache.page("newest"), None);
        cache.offer_page(t, "newest".into(), vec![3, 2, 1]);
        assert_eq!(cache.page("newest"), None, "read before the change");
    }

    #[test]
    fn a_ticket_older_than_the_log_offers_nothing() {
        let cache = ProductCache::new(10);
        let old = cache.ticket();
        let ids: Vec<i64> = (100..100 + FORGET_LOG as i64 + 1).collect();
        cache.forget(&ids);
        cache.offer(old, [&product(1, 100)]);
        assert!(cache.get(1).is_none(), "cannot tell whether 1 changed");
    }

    #[test]
    fn capacity_zero_disables() {
        let cache = ProductCache::new(0);
        cache.offer(cache.ticket(), [&product(1, 100)]);
        assert!(cache.get(1).is_none());
    }

    #[tokio::test]
    async fn writes_collect_the_ids_they_change() {
        let ((), ids) = collecting(async {
            note_changed(4);
            note_changed(5);
        })
        .await;
        assert_eq!(ids, vec![4, 5]);
        note_changed(6); // outside a scope: ignored, no panic
    }
}
