//! The catalogue: finding products (a keyset listing, or the search index for words,
//! option values and stock) with their facet counts, and the staff's operations that
//! create, edit, translate and archive them.

use std::collections::BTreeMap;

use emporium_domain::catalog::{CategoryName, Description, Images, ProductName, ProductStatus};
use emporium_domain::inventory;
use emporium_domain::money::{Currency, MAX_AMOUNT};
use emporium_domain::time::Timestamp;
use emporium_domain::translation::{ProductTranslations, TextDraft};
use emporium_domain::variant::ProductOptions;
use emporium_domain::{FieldError, Invalid};
use emporium_search::{OptionFacet, OptionFilter, PRICE_BANDS, SearchQuery, SearchSort};
use emporium_store::catalog::{NewProduct, Product, ProductChanges, ProductFilter, ProductOrder};
use emporium_store::categories::Category;
use emporium_store::variants::NewVariant;

use crate::accounts::clearable;
use crate::cursor::Position;
use crate::error::{AppError, AppResult};
use crate::paging::{self, cut_page, keyset};
use crate::state::AppState;
use crate::variants::{VariantDraft, VariantEdit, check_set, parse_variant};

/// What a listing or search asks for, as typed (every value optional and unparsed).
#[derive(Debug, Clone, Default)]
pub struct ProductQuery {
    /// Full-text search, Chinese or English; up to 200 characters (after trimming).
    pub q: Option<String>,
    /// Only this category and those below it, by name (in any language) or slug (empty
    /// means any).
    pub category: Option<String>,
    /// Lowest price, minor units; empty means none.
    pub min_price: Option<String>,
    /// Highest price, minor units, not below `min_price`; empty means none.
    pub max_price: Option<String>,
    /// `relevance` (default with `q`), `newest` (default without), `price_asc`, `price_desc`, `rating`.
    pub sort: Option<String>,
    /// Staff only: `active`, `draft` or `archived`.
    pub status: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<String>,
    /// The cursor of the previous page.
    pub cursor: Option<String>,
    /// Option values wanted, each `name:value` (split at the first colon): values of one
    /// option are alternatives, different options all apply. At most 20.
    pub options: Vec<String>,
    /// `true`: only products with units on hand; `false` or empty: all.
    pub in_stock: Option<String>,
    /// `false`: leave the facet counts out (they are counted unless asked not to).
    pub facets: Option<String>,
}

/// Most `name:value` option filters in one listing.
pub const MAX_OPTION_FILTERS: usize = 20;

/// A page of products, the cursor of the next, and the counts of everything matching.
#[derive(Debug, Clone)]
pub struct ProductPage {
    /// The products of this page.
    pub products: Vec<Product>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
    /// Counts of all matches by category, price band, option value and stock (unless the
    /// query asked for none).
    pub facets: Option<CatalogFacets>,
    /// When words found nothing: other words that find something with the same filters (a
    /// spelling correction, or the Chinese words of a pinyin query), to offer the shopper.
    pub suggestion: Option<String>,
}

/// Counts of the products a listing or search matches (all pages), by what a shopper can
/// narrow it by. Counted by the search index: it follows the database within about a
/// second.
#[derive(Debug, Clone, Default)]
pub struct CatalogFacets {
    /// Products matched.
    pub total: u64,
    /// Categories with matches (a product counts under every ancestor of its category),
    /// in the tree's order.
    pub categories: Vec<(Category, u64)>,
    /// Price bands with matches, cheapest first.
    pub price_bands: Vec<PriceBand>,
    /// Per option name, its values with matches (most first). An option filtered on is
    /// counted without its own filter, so its other values show what choosing them gives.
    pub options: Vec<OptionFacet>,
    /// Products with units on hand.
    pub in_stock: u64,
}

/// Products priced from `min` up to, not including, `max` (minor units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceBand {
    /// Lowest price in the band.
    pub min: i64,
    /// The next band's lowest; `None` for the last band.
    pub max: Option<i64>,
    /// Products matched in the band.
    pub count: u64,
}

/// The parsed listing request.
struct Listing {
    text: Option<String>,
    /// Option values wanted, by option, sorted (so equal filters make one cache key).
    options: Vec<OptionFilter>,
    in_stock: bool,
    facets: bool,
    /// The category asked for, as typed (resolved against the tree into `filter`).
    category: Option<String>,
    filter: ProductFilter,
    sort: SearchSort,
    limit: i64,
    position: Option<Position>,
}

/// Parses the listing parameters; answers the listing and its fingerprint, the string its
/// cursors are bound to (everything that shapes the listing).
fn parse_listing(params: &ProductQuery, staff: bool, state: &AppState) -> AppResult<(Listing, String)> {
    let text = match params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > 200 => Err(FieldError::new("q", "must be at most 200 characters")),
        q => Ok(q.map(str::to_owned)),
    };
    let category = params
        .category
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| CategoryName::parse("category", c).map(|c| c.as_str().to_owned()))
        .transpose();
    let min_price = paging::int("min_price", params.min_price.as_deref(), 0, MAX_AMOUNT);
    let max_price = paging::int("max_price", params.max_price.as_deref(), 0, MAX_AMOUNT);
    let sort = match params.sort.as_deref().map(str::trim) {
        None | Some("") => Ok(if matches!(text, Ok(Some(_))) {
            SearchSort::Relevance
        } else {
            SearchSort::Newest
        }),
        Some("relevance") => Ok(SearchSort::Relevance),
        Some("newest") => Ok(SearchSort::Newest),
        Some("price_asc") => Ok(SearchSort::PriceAsc),
        Some("price_desc") => Ok(SearchSort::PriceDesc),
        Some("rating") => Ok(SearchSort::Rating),
        Some(_) => Err(FieldError::new(
            "sort",
            "must be one of relevance, newest, price_asc, price_desc, rating",
        )),
    };
    let status = match (params.status.as_deref().filter(|s| !s.is_empty()), staff) {
        (None, true) => Ok(None),
        (None, false) => Ok(Some(ProductStatus::Active)),
        (Some(s), true) => ProductStatus::parse("status", s).map(Some),
        (Some(_), false) => Err(FieldError::new("status", "only staff may list products by status")),
    };
    let limit = paging::limit(params.limit.as_deref());
    let options = option_filters(&params.options);
    let in_stock = flag("in_stock", params.in_stock.as_deref(), false);
    let facets = flag("facets", params.facets.as_deref(), true);
    let (text, category, min_price, max_price, sort, status, limit, options, in_stock, facets) = match (
        text, category, min_price, max_price, sort, status, limit, options, in_stock, facets,
    ) {
        (Ok(t), Ok(c), Ok(min), Ok(max), Ok(so), Ok(st), Ok(l), Ok(o), Ok(i), Ok(f)) => {
            (t, c, min, max, so, st, l, o, i, f)
        }
        (t, c, min, max, so, st, l, o, i, f) => {
            return Err(Invalid::of([
                t.err(),
                c.err(),
                min.err(),
                max.err(),
                so.err(),
                st.err(),
                l.err(),
                o.err(),
                i.err(),
                f.err(),
            ])
            .into());
        }
    };
    if let (Some(min), Some(max)) = (min_price, max_price)
        && min > max
    {
        return Err(FieldError::new("max_price", "must not be below min_price").into());
    }
    let filter = ProductFilter {
        status,
        category_ids: None,
        min_price,
        max_price,
    };
    let mut listing = Listing {
        text,
        options,
        in_stock,
        facets,
        category,
        filter,
        sort,
        limit,
        position: None,
    };
    let fingerprint = fingerprint(&listing, staff);
    listing.position = params
        .cursor
        .as_deref()
        .map(|c| state.cursors().decode(&fingerprint, c))
        .transpose()?;
    Ok((listing, fingerprint))
}

/// `true`/`false` (empty or absent: `default`).
fn flag(field: &str, raw: Option<&str>, default: bool) -> Result<bool, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(FieldError::new(field, "must be true or false")),
    }
}

/// Parses `name:value` option filters, grouping the values of each option.
fn option_filters(raw: &[String]) -> Result<Vec<OptionFilter>, FieldError> {
    if raw.len() > MAX_OPTION_FILTERS {
        return Err(FieldError::new(
            "option",
            format!("at most {MAX_OPTION_FILTERS} option values"),
        ));
    }
    let mut filters: Vec<OptionFilter> = Vec::new();
    for pair in raw {
        let Some((name, value)) = pair.split_once(':').map(|(n, v)| (n.trim(), v.trim())) else {
            return Err(FieldError::new("option", "must be name:value, as 尺码:42"));
        };
        if name.is_empty() || value.is_empty() || name.chars().count() > 32 || value.chars().count() > 64 {
            return Err(FieldError::new(
                "option",
                "must be name:value with a name of 1–32 and a value of 1–64 characters",
            ));
        }
        match filters.iter_mut().find(|f| f.name == name) {
            Some(filter) => filter.values.push(value.to_owned()),
            None => filters.push(OptionFilter {
                name: name.to_owned(),
                values: vec![value.to_owned()],
            }),
        }
    }
    for filter in &mut filters {
        filter.values.sort_unstable();
        filter.values.dedup();
    }
    filters.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(filters)
}

fn fingerprint(listing: &Listing, staff: bool) -> String {
    format!(
        "products|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{staff}",
        listing.text.as_deref(),
        listing.category,
        listing.filter,
        listing.sort,
        listing.options,
        listing.in_stock
    )
}

/// One page of a listing or search, the cursor of the next, and the facet counts.
/// Customers and visitors (`staff` false) see active products only.
///
/// Words, option values or stock make it a question for the search index (offset
/// pages); otherwise the database answers it (keyset pages, always current). The index
/// counts the facets either way: one collector pass over the matches, kept per snapshot.
pub async fn find_products(state: &AppState, params: &ProductQuery, staff: bool) -> AppResult<ProductPage> {
    let (mut listing, fingerprint) = parse_listing(params, staff, state)?;
    // A category stands for itself and every category below it; an unknown one for none.
    if let Some(wanted) = listing.category.clone() {
        let tree = state.store().category_tree().await?;
        let found = tree.find(&wanted);
        listing.filter.category_ids = Some(found.map(|c| tree.subtree(c.id)).unwrap_or_default());
        // Search filters by name: the index files products under their path's names, not
        // slugs.
        listing.category = Some(found.map_or(wanted, |c| c.name.clone()));
    }
    let indexed = listing.text.is_some() || !listing.options.is_empty() || listing.in_stock;
    let (products, next, partial) = match indexed {
        true => search(state, &listing).await?,
        false => {
            let order = match listing.sort {
                SearchSort::PriceAsc => ProductOrder::PriceAsc,
                SearchSort::PriceDesc => ProductOrder::PriceDesc,
                SearchSort::Rating => ProductOrder::Rating,
                SearchSort::Newest | SearchSort::Relevance => ProductOrder::Newest,
            };
            let after = keyset(listing.position)?;
            let rows = state
                .store()
                .list_products(&listing.filter, order, after, listing.limit + 1)
                .await?;
            let (products, next) = cut_page(rows, listing.limit, |p| Position::After(order.key_of(p), p.id));
            (products, next, false)
        }
    };
    // Only the first page of a search that found nothing, or matched only some of its
    // words, pays for a suggestion.
    let suggestion = match indexed && (products.is_empty() || partial) && listing.position.is_none() {
        true => suggest(state, &listing).await?,
        false => None,
    };
    let facets = match listing.facets {
        true => Some(facets(state, &listing).await?),
        false => None,
    };
    Ok(ProductPage {
        products,
        next_cursor: next.map(|p| state.cursors().encode(&fingerprint, p)),
        facets,
        suggestion,
    })
}

/// The index's question for a listing (its page from `offset`).
fn index_query(listing: &Listing, offset: u64) -> SearchQuery {
    SearchQuery {
        text: listing.text.clone().unwrap_or_default(),
        // The index files a product under every name on its category's path.
        category: listing.category.clone(),
        min_price: listing.filter.min_price,
        max_price: listing.filter.max_price,
        sort: listing.sort,
        offset: usize::try_from(offset).unwrap_or(usize::MAX),
        limit: listing.limit as usize,
        active_only: listing.filter.status == Some(ProductStatus::Active),
        options: listing.options.clone(),
        in_stock: listing.in_stock,
    }
}

/// What the index answers: `kept` when it kept the answer (a map look-up, in place),
/// else `ask` on a blocking thread (analysis and scoring take tens of microseconds to
/// milliseconds).
async fn on_index<T: Send + 'static>(
    state: &AppState,
    kept: Option<T>,
    ask: impl FnOnce(emporium_search::SearchIndex) -> Result<T, emporium_search::SearchError> + Send + 'static,
) -> AppResult<T> {
    if let Some(answer) = kept {
        return Ok(answer);
    }
    let index = state.search().clone();
    tokio::task::spawn_blocking(move || ask(index))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))
}

/// Other words for a listing's words that found nothing (see [`ProductPage::suggestion`]).
async fn suggest(state: &AppState, listing: &Listing) -> AppResult<Option<String>> {
    if listing.text.is_none() {
        return Ok(None);
    }
    let query = index_query(listing, 0);
    on_index(state, None, move |index| index.suggest(&query)).await
}

/// Counts a listing's matches (see [`CatalogFacets`]).
async fn facets(state: &AppState, listing: &Listing) -> AppResult<CatalogFacets> {
    let query = index_query(listing, 0);
    let kept = state.search().kept_facets(&query);
    let counted = on_index(state, kept, move |index| index.facets(&query)).await?;
    let tree = state.store().category_tree().await?;
    let categories = tree
        .iter()
        .filter_map(|(_, c)| {
            let at = counted.categories.binary_search_by_key(&c.id, |(id, _)| *id).ok()?;
            Some((c.clone(), counted.categories[at].1))
        })
        .collect();
    let price_bands = counted
        .price_bands
        .iter()
        .map(|&(band, count)| PriceBand {
            min: PRICE_BANDS[band],
            max: PRICE_BANDS.get(band + 1).copied(),
            count,
        })
        .collect();
    Ok(CatalogFacets {
        total: counted.total,
        categories,
        price_bands,
        options: counted.options,
        in_stock: counted.in_stock,
    })
}

/// Runs a listing on the index, then reads the products themselves from the database so
/// prices and stock are current even if the index lags a moment behind.
/// The page the index finds, where the next starts, and whether it matched only some of
/// the words ([`emporium_search::SearchHits::partial`]).
async fn search(state: &AppState, listing: &Listing) -> AppResult<(Vec<Product>, Option<Position>, bool)> {
    let offset = match listing.position {
        None => 0,
        Some(Position::Offset(o)) => o,
        Some(Position::After(..)) => return Err(FieldError::new("cursor", "belongs to another listing").into()),
    };
    let query = index_query(listing, offset);
    let kept = state.search().kept_answer(&query);
    let hits = on_index(state, kept, move |index| index.search(&query)).await?;
    let mut products = state.store().products_by_ids(&hits.ids).await?;
    if let Some(status) = listing.filter.status {
        products.retain(|p| p.status == status);
    }
    let next = hits.has_more.then(|| Position::Offset(offset + listing.limit as u64));
    Ok((products, next, hits.partial))
}

/// An image as typed: where it is, and optionally its alt text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageInput {
    /// An http(s) URL or a path on this server (`/media/<sha256>` for an upload).
    pub url: String,
    /// 0–200 characters, one line; absent means none.
    pub alt: Option<String>,
}

impl ImageInput {
    /// An image without alt text.
    pub fn url(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            alt: None,
        }
    }
}

/// Parses a list of images as typed.
fn parse_images(raw: &[ImageInput]) -> Result<Images, FieldError> {
    let pairs: Vec<(String, String)> = raw
        .iter()
        .map(|i| (i.url.clone(), i.alt.clone().unwrap_or_default()))
        .collect();
    Images::parse(&pairs)
}

/// Stock received together with a new product or variant.
#[derive(Debug, Clone, Copy)]
pub struct InitialStock {
    /// Units, 1–1,000,000,000.
    pub quantity: i64,
    /// Cost per unit, minor units, ≥ 0.
    pub unit_cost: i64,
}

/// A new product as typed by staff: either `variants` (one per combination of the
/// `options` offered), or, for a product with one variant, that variant's fields at the
/// top level (`price`, `sku`, …).
#[derive(Debug, Clone, Default)]
pub struct ProductDraft {
    /// 1–200 characters.
    pub name: String,
    /// Up to 10,000 characters.
    pub description: Option<String>,
    /// ISO 4217 (default CNY).
    pub currency: Option<String>,
    /// A category's name (in any language) or slug; an unknown name makes a new
    /// top-level category of it.
    pub category: Option<String>,
    /// A category by id (instead of `category`).
    pub category_id: Option<i64>,
    /// Up to 10 images: http(s) URLs or paths, with alt text.
    pub images: Option<Vec<ImageInput>>,
    /// `active` (default), `draft` or `archived`.
    pub status: Option<String>,
    /// Up to 3 options, each `(name, values)`.
    pub options: Vec<(String, Vec<String>)>,
    /// The variants; absent for a product with one variant described by the fields below.
    pub variants: Option<Vec<VariantDraft>>,
    /// The sole variant's price, minor units, > 0 (required without `variants`).
    pub price: Option<i64>,
    /// The sole variant's SKU.
    pub sku: Option<String>,
    /// The sole variant's "was" price.
    pub compare_at_price: Option<i64>,
    /// The sole variant's weight.
    pub weight_grams: Option<i64>,
    /// The sole variant's barcode.
    pub barcode: Option<String>,
    /// The sole variant's first lot of stock.
    pub initial_stock: Option<InitialStock>,
    /// Its name, description, option names and values in other languages, by locale.
    pub translations: BTreeMap<String, TextDraft>,
}

/// The sole variant's fields at the top level of a draft, named, for refusing them when
/// `variants` is given.
fn sole_variant_fields(d: &ProductDraft) -> Vec<&'static str> {
    [
        ("price", d.price.is_some()),
        ("sku", d.sku.is_some()),
        ("compare_at_price", d.compare_at_price.is_some()),
        ("weight_grams", d.weight_grams.is_some()),
        ("barcode", d.barcode.is_some()),
        ("initial_stock", d.initial_stock.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect()
}

/// The variants a draft describes, parsed against its options.
fn draft_variants(req: &ProductDraft, options: &ProductOptions, now: Timestamp) -> Result<Vec<NewVariant>, Invalid> {
    match &req.variants {
        Some(drafts) => {
            let given = sole_variant_fields(req);
            if !given.is_empty() {
                return Err(Invalid(
                    given
                        .into_iter()
                        .map(|f| FieldError::new(f, "belongs to each variant when variants are given"))
                        .collect(),
                ));
            }
            let mut errors = Vec::new();
            let mut variants = Vec::with_capacity(drafts.len());
            for (i, d) in drafts.iter().enumerate() {
                match parse_variant(&format!("variants[{i}]."), options, d, now) {
                    Ok(v) => variants.push(v),
                    Err(Invalid(e)) => errors.extend(e),
                }
            }
            if !errors.is_empty() {
                return Err(Invalid(errors));
            }
            check_set(&[], &variants.iter().collect::<Vec<_>>(), false)?;
            Ok(variants)
        }
        None if !options.is_empty() => Err(Invalid(vec![FieldError::new(
            "variants",
            "required when the product has options: one per combination offered",
        )])),
        None => {
            let draft = VariantDraft {
                sku: req.sku.clone(),
                option_values: Vec::new(),
                price: req
                    .price
                    .ok_or_else(|| Invalid(vec![FieldError::new("price", "is required without variants")]))?,
                compare_at_price: req.compare_at_price,
                weight_grams: req.weight_grams,
                barcode: req.barcode.clone(),
                image: None,
                status: None,
                initial_stock: req.initial_stock,
            };
            Ok(vec![parse_variant("", options, &draft, now)?])
        }
    }
}

/// Where a field of a new product comes in the request's documented order, so errors
/// are named in that order whichever rule found them (a stable sort keeps the order
/// within one field's errors, and among the variants' fields).
fn field_order(field: &str) -> usize {
    const ORDER: [&str; 14] = [
        "name",
        "description",
        "price",
        "currency",
        "category",
        "sku",
        "compare_at_price",
        "weight_grams",
        "barcode",
        "images",
        "status",
        "initial_stock",
        "options",
        "variants",
    ];
    ORDER
        .iter()
        .position(|f| {
            field
                .strip_prefix(f)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
        .unwrap_or(ORDER.len())
}

/// The name of the category a request names: by `category_id` (which must exist), or by
/// `category`, a name in any language or a slug of an existing category, else a new name.
async fn category_of(state: &AppState, name: Option<String>, id: Option<i64>) -> AppResult<Option<String>> {
    let name = name.filter(|n| !n.trim().is_empty());
    if id.is_none() && name.is_none() {
        return Ok(None);
    }
    let tree = state.store().category_tree().await?;
    match (name, id) {
        (Some(_), Some(_)) => Err(FieldError::new("category_id", "give category or category_id, not both").into()),
        (_, Some(id)) => tree
            .get(id)
            .map(|c| Some(c.name.clone()))
            .ok_or_else(|| FieldError::new("category_id", "names no category").into()),
        (Some(name), None) => Ok(Some(tree.find(name.trim()).map_or(name, |c| c.name.clone()))),
        (None, None) => Ok(None),
    }
}

/// Validates and creates a product with its variants (and their first lots, if given).
pub async fn create_product(state: &AppState, mut req: ProductDraft) -> AppResult<Product> {
    let result: AppResult<Product> = async {
        let now = state.now();
        req.category = category_of(state, req.category.take(), req.category_id).await?;
        let options = ProductOptions::parse(&req.options);
        let variants = match &options {
            Ok(options) => draft_variants(&req, options, now).map(Some),
            Err(_) => Ok(None),
        };
        let translations = match &options {
            Ok(options) => ProductTranslations::parse(&req.translations, options).map(Some),
            Err(_) => Ok(None),
        };
        let parsed = (
            ProductName::parse(&req.name),
            Description::parse(req.description.as_deref().unwrap_or("")),
            req.currency
                .as_deref()
                .map_or(Ok(Currency::CNY), |c| Currency::parse("currency", c)),
            req.category
                .as_deref()
                .filter(|c| !c.trim().is_empty())
                .map(|c| CategoryName::parse("category", c))
                .transpose(),
            parse_images(req.images.as_deref().unwrap_or_default()),
            req.status
                .as_deref()
                .map_or(Ok(ProductStatus::Active), |s| ProductStatus::parse("status", s)),
        );
        let new = match (parsed, options, variants, translations) {
            (
                (Ok(name), Ok(description), Ok(currency), Ok(category), Ok(images), Ok(status)),
                Ok(options),
                Ok(Some(variants)),
                Ok(Some(translations)),
            ) => NewProduct {
                name,
                description,
                currency,
                category,
                images,
                status,
                options,
                variants,
                translations,
            },
            ((a, b, c, d, e, f), options, variants, translations) => {
                let mut errors = Invalid::of([a.err(), b.err(), c.err(), d.err(), e.err(), f.err()]);
                errors.0.extend(options.err().map(|i| i.0).unwrap_or_default());
                errors.0.extend(variants.err().map(|i| i.0).unwrap_or_default());
                errors.0.extend(translations.err().map(|i| i.0).unwrap_or_default());
                errors.0.sort_by_key(|e| field_order(&e.field));
                return Err(errors.into());
            }
        };
        // Each first lot within a lot's bound, and all of them within a product's.
        let mut value = 0;
        for (i, lot) in new
            .variants
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some(i).zip(v.initial_stock.as_ref()))
        {
            let field = if req.variants.is_some() {
                format!("variants[{i}].initial_stock.unit_cost")
            } else {
                "initial_stock.unit_cost".to_owned()
            };
            crate::inventory::check_value(state, &field, None, lot).await?;
            let lot_value = inventory::lot_value(&field, lot.quantity, lot.unit_cost)?;
            inventory::check_stock_value(&field, value, lot_value)?;
            value += lot_value;
        }
        let product = state.store().create_product(new, now).await?;
        state.nudge_search();
        tracing::info!(product.id = product.id, "product created");
        Ok(product)
    }
    .await;
    crate::audit::recorded(state, "product.create", "product", result, |v| {
        (
            v.id.to_string(),
            serde_json::json!({"name": v.name, "price": v.price, "currency": v.currency}).to_string(),
        )
    })
    .await
}

/// Changes to a product as typed by staff: absent fields stay as they are; for
/// `category`, `sku`, `compare_at_price` and `barcode`, `Some(None)` (or blank) clears.
/// The sole-variant fields (`price`, `sku`, …) change the product's one variant, and are
/// `variant_required` for a product with several.
#[derive(Debug, Clone, Default)]
pub struct ProductEdit {
    /// 1–200 characters.
    pub name: Option<String>,
    /// Up to 10,000 characters.
    pub description: Option<String>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// A category's name or slug (see [`ProductDraft::category`]).
    pub category: Option<Option<String>>,
    /// A category by id (instead of `category`); `Some(None)` clears.
    pub category_id: Option<Option<i64>>,
    /// Replaces the image list (to reorder, remove or re-label images).
    pub images: Option<Vec<ImageInput>>,
    /// `active`, `draft` or `archived`.
    pub status: Option<String>,
    /// Replaces the options; every variant's values must be among the new ones.
    pub options: Option<Vec<(String, Vec<String>)>>,
    /// The sole variant's new price.
    pub price: Option<i64>,
    /// The sole variant's new SKU.
    pub sku: Option<Option<String>>,
    /// The sole variant's new "was" price.
    pub compare_at_price: Option<Option<i64>>,
    /// The sole variant's new weight.
    pub weight_grams: Option<i64>,
    /// The sole variant's new barcode.
    pub barcode: Option<Option<String>>,
    /// Replaces every translation (locales left out lose theirs).
    pub translations: Option<BTreeMap<String, TextDraft>>,
}

/// New options for `product`, checked against every variant it has.
fn edited_options(product: &Product, raw: &[(String, Vec<String>)]) -> Result<ProductOptions, Invalid> {
    let options = ProductOptions::parse(raw)?;
    for v in &product.variants {
        if options.combination("options", v.option_values.as_slice()).is_err() {
            return Err(Invalid(vec![FieldError::new(
                "options",
                format!(
                    "must keep the values of variant {} ({}); change or archive it first",
                    v.id,
                    v.option_values.label()
                ),
            )]));
        }
    }
    Ok(options)
}

/// Validates and applies changes to a product.
pub async fn update_product(state: &AppState, id: i64, mut req: ProductEdit) -> AppResult<Product> {
    let result: AppResult<Product> = async {
        req.category = match (req.category.take(), req.category_id) {
            (None, None) => None,
            (Some(Some(_)), Some(_)) => {
                return Err(FieldError::new("category_id", "give category or category_id, not both").into());
            }
            (_, Some(None)) | (Some(None), None) => Some(None),
            (Some(Some(name)), None) => Some(category_of(state, Some(name), None).await?),
            (_, Some(Some(category))) => Some(category_of(state, None, Some(category)).await?),
        };
        let edits_variant = req.price.is_some()
            || req.sku.is_some()
            || req.compare_at_price.is_some()
            || req.weight_grams.is_some()
            || req.barcode.is_some();
        let needs_product = edits_variant || req.options.is_some() || req.translations.is_some();
        let product = if needs_product {
            Some(crate::variants::product_for_edit(state, id).await?)
        } else {
            None
        };
        let variant = match (&product, edits_variant) {
            (Some(p), true) => {
                let variant_id = p.sole_variant().ok_or_else(|| crate::variants::variant_required(p))?.id;
                let edit = VariantEdit {
                    sku: req.sku.clone(),
                    price: req.price,
                    compare_at_price: req.compare_at_price,
                    weight_grams: req.weight_grams,
                    barcode: req.barcode.clone(),
                    ..VariantEdit::default()
                };
                Some((variant_id, crate::variants::parse_edit("", p, variant_id, edit)?))
            }
            _ => None,
        };
        let parsed = (
            req.name.as_deref().map(ProductName::parse).transpose(),
            req.description.as_deref().map(Description::parse).transpose(),
            req.currency
                .as_deref()
                .map(|c| Currency::parse("currency", c))
                .transpose(),
            clearable(req.category, |c| CategoryName::parse("category", c)),
            req.images.as_deref().map(parse_images).transpose(),
            req.status
                .as_deref()
                .map(|s| ProductStatus::parse("status", s))
                .transpose(),
        );
        let options = match (&product, &req.options) {
            (Some(p), Some(raw)) => edited_options(p, raw).map(Some),
            _ => Ok(None),
        };
        // Translations name the options the product will have after this edit.
        let translations = match (&product, &req.translations, &options) {
            (Some(p), Some(raw), Ok(options)) => {
                ProductTranslations::parse(raw, options.as_ref().unwrap_or(&p.options)).map(Some)
            }
            _ => Ok(None),
        };
        let changes = match (parsed, options, translations) {
            (
                (Ok(name), Ok(description), Ok(currency), Ok(category), Ok(images), Ok(status)),
                Ok(options),
                Ok(translations),
            ) => ProductChanges {
                name,
                description,
                currency,
                category,
                images,
                status,
                options,
                variant,
                translations,
            },
            ((a, b, c, d, e, f), options, translations) => {
                let mut errors = Invalid::of([a.err(), b.err(), c.err(), d.err(), e.err(), f.err()]);
                errors.0.extend(options.err().map(|i| i.0).unwrap_or_default());
                errors.0.extend(translations.err().map(|i| i.0).unwrap_or_default());
                return Err(errors.into());
            }
        };
        let product = state.store().update_product(id, changes, state.now()).await?;
        state.nudge_search();
        Ok(product)
    }
    .await;
    crate::audit::recorded(state, "product.update", "product", result, |v| {
        (
            id.to_string(),
            serde_json::json!({"after": {"name": v.name, "price": v.price, "price_max": v.price_max}}).to_string(),
        )
    })
    .await
}

/// Archives a product: it leaves listings, search and carts, and stays in past orders.
pub async fn archive_product(state: &AppState, id: i64) -> AppResult<Product> {
    let result: AppResult<Product> = async {
        let changes = ProductChanges {
            status: Some(ProductStatus::Archived),
            ..Default::default()
        };
        let product = state.store().update_product(id, changes, state.now()).await?;
        state.nudge_search();
        tracing::info!(product.id = id, "product archived");
        Ok(product)
    }
    .await;
    crate::audit::recorded(state, "product.archive", "product", result, |_v| {
        (id.to_string(), String::from("{\"status\":\"archived\"}"))
    })
    .await
}
