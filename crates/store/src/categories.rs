//! The category tree: categories with a parent, a slug and a position among their
//! siblings. A product belongs to one category and appears under its ancestors too (the
//! listings filter on a category's subtree). Names are unique in the shop, so old
//! clients that send a category by name still find it (or make a top-level one).
//!
//! The tree is small and read on every listing, so it is cached whole; this instance's
//! changes clear it at once, another instance's after [`TREE_TTL`] at most.

use std::sync::Arc;
use std::time::Duration;

use emporium_domain::catalog::{CategoryName, Slug};
use emporium_domain::time::Timestamp;

use crate::catalog::record_change;
use crate::db::{Conn, Row, query, query_scalar};
use crate::kept::Lookup;
use crate::{Store, StoreError};

/// How long another instance's category change may take to show here.
pub const TREE_TTL: Duration = Duration::from_secs(5);

/// A category as stored, with its translations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Primary key.
    pub id: i64,
    /// The parent; `None` at the top.
    pub parent_id: Option<i64>,
    /// URL name, unique.
    pub slug: String,
    /// The name in the shop's own language, unique.
    pub name: String,
    /// Order among its siblings (then the id).
    pub position: i64,
    /// Translations of the name: `(locale, name)`.
    pub names: Vec<(String, String)>,
    /// Active products directly in it.
    pub own_products: i64,
}

impl Category {
    /// The name in `locale`, or the original.
    pub fn name_in(&self, locale: Option<&str>) -> &str {
        locale
            .and_then(|l| self.names.iter().find(|(loc, _)| loc == l))
            .map_or(self.name.as_str(), |(_, n)| n.as_str())
    }
}

/// The whole tree in display order (depth first, siblings by position then id).
///
/// Every page draws from it (the header's links, the listing's filter), so what they ask
/// is worked out once when the tree is read: a category's subtree is the run of entries
/// after it that are deeper, and its product count is summed once.
#[derive(Debug, Clone, Default)]
pub struct CategoryTree {
    entries: Vec<(usize, Category)>,
    /// Active products in each entry's category and below, by entry.
    totals: Vec<i64>,
}

impl CategoryTree {
    fn build(mut all: Vec<Category>) -> Self {
        all.sort_by_key(|c| (c.position, c.id));
        let mut out = Vec::with_capacity(all.len());
        fn walk(all: &[Category], parent: Option<i64>, depth: usize, out: &mut Vec<(usize, Category)>) {
            for c in all.iter().filter(|c| c.parent_id == parent) {
                out.push((depth, c.clone()));
                // Depth is bounded by the no-cycle rule; a corrupt cycle cannot recurse
                // because a category is only reached from its one parent.
                if depth < 64 {
                    walk(all, Some(c.id), depth + 1, out);
                }
            }
        }
        walk(&all, None, 0, &mut out);
        // Each category's products count for it and for every category above it (its
        // ancestors are the entries still open on the way down).
        let mut totals = vec![0; out.len()];
        let mut ancestors: Vec<usize> = Vec::new();
        for (i, (depth, c)) in out.iter().enumerate() {
            ancestors.truncate(*depth);
            ancestors.push(i);
            for &at in &ancestors {
                totals[at] += c.own_products;
            }
        }
        Self { entries: out, totals }
    }

    fn position(&self, id: i64) -> Option<usize> {
        self.entries.iter().position(|(_, c)| c.id == id)
    }

    /// `(depth, category)` in display order.
    pub fn iter(&self) -> impl Iterator<Item = &(usize, Category)> {
        self.entries.iter()
    }

    /// The category with this id.
    pub fn get(&self, id: i64) -> Option<&Category> {
        self.entries.iter().map(|(_, c)| c).find(|c| c.id == id)
    }

    /// The category with this name or slug.
    pub fn find(&self, name_or_slug: &str) -> Option<&Category> {
        self.entries.iter().map(|(_, c)| c).find(|c| {
            c.name == name_or_slug || c.slug == name_or_slug || c.names.iter().any(|(_, n)| n == name_or_slug)
        })
    }

    /// The ids of `id` and every category below it.
    pub fn subtree(&self, id: i64) -> Vec<i64> {
        let Some(at) = self.position(id) else { return vec![id] };
        let depth = self.entries[at].0;
        std::iter::once(id)
            .chain(
                self.entries[at + 1..]
                    .iter()
                    .take_while(|(d, _)| *d > depth)
                    .map(|(_, c)| c.id),
            )
            .collect()
    }

    /// `id`'s ancestors and itself, from the top.
    pub fn path(&self, id: i64) -> Vec<&Category> {
        let mut path = Vec::new();
        let mut next = self.get(id);
        while let Some(c) = next {
            if path.len() > 64 {
                break;
            }
            path.push(c);
            next = c.parent_id.and_then(|p| self.get(p));
        }
        path.reverse();
        path
    }

    /// Active products in `id` and below.
    pub fn product_count(&self, id: i64) -> i64 {
        self.position(id).map_or(0, |at| self.totals[at])
    }
}

/// A category to create, already validated.
#[derive(Debug, Clone)]
pub struct NewCategory {
    /// The parent, if any.
    pub parent_id: Option<i64>,
    /// URL name; `None` names it `c<id>`.
    pub slug: Option<Slug>,
    /// The name in the shop's language.
    pub name: CategoryName,
    /// Order among its siblings.
    pub position: i64,
    /// Translations: `(locale, name)`.
    pub names: Vec<(String, CategoryName)>,
}

/// Changes to a category; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct CategoryChanges {
    /// New parent (`Some(None)`: to the top).
    pub parent_id: Option<Option<i64>>,
    /// New slug.
    pub slug: Option<Slug>,
    /// New name.
    pub name: Option<CategoryName>,
    /// New position.
    pub position: Option<i64>,
    /// Translations to set (an empty name removes that locale's).
    pub names: Vec<(String, Option<CategoryName>)>,
}

fn category_from(r: &Row) -> Result<Category, StoreError> {
    Ok(Category {
        id: r.try_get("id")?,
        parent_id: r.try_get("parent_id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        position: r.try_get("position")?,
        names: Vec::new(),
        own_products: r.try_get("own_products")?,
    })
}

impl Store {
    /// Forgets the cached tree (another instance may have changed it).
    pub fn forget_categories(&self) {
        self.categories.clear();
    }

    /// The whole category tree with translations and product counts (cached).
    pub async fn category_tree(&self) -> Result<Arc<CategoryTree>, StoreError> {
        let generation = match self.categories.get() {
            Lookup::Kept(tree) => return Ok(tree),
            Lookup::Read(generation) => generation,
        };
        let read = self.read_category_tree().await;
        self.categories.put(generation, read.as_ref().ok().map(Arc::clone));
        read
    }

    /// The tree as the database holds it now, with each category's own active products.
    async fn read_category_tree(&self) -> Result<Arc<CategoryTree>, StoreError> {
        let rows = query(
            "SELECT c.id, c.parent_id, c.slug, c.name, c.position,
                    (SELECT COUNT(*) FROM products p WHERE p.category_id = c.id AND p.status = 'active') AS own_products
             FROM categories c",
        )
        .fetch_all(self.reader())
        .await?;
        let mut all: Vec<Category> = rows.iter().map(category_from).collect::<Result<_, _>>()?;
        let names =
            query("SELECT subject_id, locale, value FROM translations WHERE subject = 'category' AND field = 'name'")
                .fetch_all(self.reader())
                .await?;
        for r in &names {
            let id: i64 = r.try_get("subject_id")?;
            if let Some(c) = all.iter_mut().find(|c| c.id == id) {
                c.names.push((r.try_get("locale")?, r.try_get("value")?));
            }
        }
        for c in &mut all {
            c.names.sort();
        }
        Ok(Arc::new(CategoryTree::build(all)))
    }

    /// Creates a category.
    pub async fn create_category(&self, new: NewCategory, now: Timestamp) -> Result<i64, StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    if let Some(parent) = new.parent_id {
                        exists(conn, parent).await.map_err(|_| StoreError::NotFound("parent"))?;
                    }
                    // Without a slug, one no one can have typed ('~' is not allowed in
                    // one) until the id is known.
                    let slug = new
                        .slug
                        .as_ref()
                        .map_or_else(|| format!("~{}", new.name.as_str()), |s| s.as_str().to_owned());
                    let id: i64 = query_scalar(
                        "INSERT INTO categories (parent_id, slug, name, position, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                    )
                    .bind(new.parent_id)
                    .bind(slug)
                    .bind(new.name.as_str())
                    .bind(new.position)
                    .bind(now.millis())
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(taken)?;
                    if new.slug.is_none() {
                        generated_slug(conn, id).await?;
                    }
                    for (locale, name) in &new.names {
                        set_name(conn, id, locale, Some(name)).await?;
                    }
                    Ok(id)
                })
            })
            .await;
        self.categories.clear();
        out
    }

    /// Changes a category: renaming it renames it on its products; moving it refuses a
    /// cycle ([`StoreError::CategoryCycle`]); either way its products are re-indexed.
    pub async fn update_category(&self, id: i64, changes: CategoryChanges, now: Timestamp) -> Result<(), StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    exists(conn, id).await?;
                    if let Some(Some(parent)) = changes.parent_id {
                        exists(conn, parent).await.map_err(|_| StoreError::NotFound("parent"))?;
                        // Walk up from the new parent: meeting `id` would close a loop.
                        let mut next = Some(parent);
                        let mut steps = 0;
                        while let Some(at) = next {
                            if at == id || steps > 64 {
                                return Err(StoreError::CategoryCycle);
                            }
                            next = query_scalar::<Option<i64>>("SELECT parent_id FROM categories WHERE id = $1")
                                .bind(at)
                                .fetch_optional(&mut *conn)
                                .await?
                                .ok_or(StoreError::NotFound("category"))?;
                            steps += 1;
                        }
                    }
                    fn flag<T>(v: &Option<T>) -> i64 {
                        i64::from(v.is_some())
                    }
                    let c = &changes;
                    query(
                        "UPDATE categories SET
                            parent_id = CASE WHEN $1 = 1 THEN $2 ELSE parent_id END,
                            slug      = CASE WHEN $3 = 1 THEN $4 ELSE slug END,
                            name      = CASE WHEN $5 = 1 THEN $6 ELSE name END,
                            position  = CASE WHEN $7 = 1 THEN $8 ELSE position END,
                            updated_at = $9
                         WHERE id = $10",
                    )
                    .bind(flag(&c.parent_id))
                    .bind(c.parent_id.flatten())
                    .bind(flag(&c.slug))
                    .bind(c.slug.as_ref().map(|s| s.as_str().to_owned()))
                    .bind(flag(&c.name))
                    .bind(c.name.as_ref().map(|n| n.as_str().to_owned()))
                    .bind(flag(&c.position))
                    .bind(c.position)
                    .bind(now.millis())
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .map_err(taken)?;
                    for (locale, name) in &c.names {
                        set_name(conn, id, locale, name.as_ref()).await?;
                    }
                    if let Some(name) = &c.name {
                        query("UPDATE products SET category = $1 WHERE category_id = $2")
                            .bind(name.as_str())
                            .bind(id)
                            .execute(&mut *conn)
                            .await?;
                    }
                    // Search indexes a product under its category's path: everything in
                    // this category's subtree follows a rename, a move or a translation.
                    let products: Vec<i64> = query_scalar(
                        "WITH RECURSIVE below(id) AS (SELECT $1 UNION ALL SELECT c.id FROM categories c JOIN below b ON c.parent_id = b.id)
                         SELECT p.id FROM products p WHERE p.category_id IN (SELECT id FROM below)",
                    )
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?;
                    for product in products {
                        record_change(conn, product, now).await?;
                    }
                    Ok(())
                })
            })
            .await;
        self.categories.clear();
        out
    }

    /// Deletes a category that holds no products and no categories
    /// ([`StoreError::CategoryInUse`] otherwise), with its tax rates.
    pub async fn delete_category(&self, id: i64) -> Result<(), StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    exists(conn, id).await?;
                    let used: i64 = query_scalar(
                        "SELECT (SELECT COUNT(*) FROM categories WHERE parent_id = $1) + (SELECT COUNT(*) FROM products WHERE category_id = $1)",
                    )
                    .bind(id)
                    .fetch_one(&mut *conn)
                    .await?;
                    if used > 0 {
                        return Err(StoreError::CategoryInUse);
                    }
                    query("DELETE FROM translations WHERE subject = 'category' AND subject_id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    // Its tax rates mean nothing without it (and would block the delete).
                    query("DELETE FROM tax_rates WHERE category_id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    query("DELETE FROM categories WHERE id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await;
        self.categories.clear();
        self.rules.clear();
        out
    }
}

async fn exists(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    query_scalar::<i64>("SELECT id FROM categories WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .map(drop)
        .ok_or(StoreError::NotFound("category"))
}

async fn set_name(conn: &mut Conn, id: i64, locale: &str, name: Option<&CategoryName>) -> Result<(), StoreError> {
    match name {
        Some(name) => {
            query(
                "INSERT INTO translations (subject, subject_id, locale, field, value) VALUES ('category', $1, $2, 'name', $3)
                 ON CONFLICT (subject, subject_id, locale, field) DO UPDATE SET value = excluded.value",
            )
            .bind(id)
            .bind(locale)
            .bind(name.as_str())
            .execute(&mut *conn)
            .await?;
        }
        None => {
            query("DELETE FROM translations WHERE subject = 'category' AND subject_id = $1 AND locale = $2 AND field = 'name'")
                .bind(id)
                .bind(locale)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// The category a product is filed under, by name: the existing one, or a new top-level
/// one (old clients send free-text categories). Inside a transaction.
pub(crate) async fn category_named(conn: &mut Conn, name: &CategoryName, now: Timestamp) -> Result<i64, StoreError> {
    if let Some(id) = query_scalar::<i64>("SELECT id FROM categories WHERE name = $1")
        .bind(name.as_str())
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(id);
    }
    // A slug no one can have typed ('~' is not allowed in one) until the id is known.
    let id: i64 = query_scalar(
        "INSERT INTO categories (slug, name, position, created_at, updated_at) VALUES ($1, $2, 0, $3, $3) RETURNING id",
    )
    .bind(format!("~{}", name.as_str()))
    .bind(name.as_str())
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    generated_slug(conn, id).await?;
    Ok(id)
}

/// Names a category `c<id>`, as the migration named the first ones: ASCII, unique (typed
/// slugs may not take that form), and staff may change it.
async fn generated_slug(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    query("UPDATE categories SET slug = $1 WHERE id = $2")
        .bind(format!("c{id}"))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn taken(e: sqlx::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            if d.message().contains("slug") || d.constraint().is_some_and(|c| c.contains("slug")) {
                StoreError::CategoryTaken("slug")
            } else {
                StoreError::CategoryTaken("name")
            }
        }
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: i64, parent_id: Option<i64>, own_products: i64) -> Category {
        Category {
            id,
            parent_id,
            slug: format!("c{id}"),
            name: format!("C{id}"),
            position: id,
            names: Vec::new(),
            own_products,
        }
    }

    #[test]
    fn counts_and_subtrees_take_in_everything_below() {
        // 1 ─┬─ 2 ── 3
        //    └─ 4
        // 5
        let tree = CategoryTree::build(vec![
            category(3, Some(2), 4),
            category(1, None, 1),
            category(2, Some(1), 2),
            category(4, Some(1), 8),
            category(5, None, 16),
        ]);
        let order: Vec<(usize, i64)> = tree.iter().map(|(d, c)| (*d, c.id)).collect();
        assert_eq!(order, [(0, 1), (1, 2), (2, 3), (1, 4), (0, 5)]);
        let counts: Vec<i64> = (1..=5).map(|id| tree.product_count(id)).collect();
        assert_eq!(counts, [15, 6, 4, 8, 16]);
        assert_eq!(tree.subtree(1), [1, 2, 3, 4]);
        assert_eq!(tree.subtree(2), [2, 3]);
        assert_eq!(tree.subtree(5), [5]);
        assert_eq!(tree.subtree(9), [9], "an unknown id is its own subtree");
        assert_eq!(tree.product_count(9), 0);
    }
}
