//! Products and categories: listing with filters, sorts and pagination (full-text search
//! when `q` is given), detail, and the staff operations that create, edit and archive.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::catalog::{self, ImageInput, ProductDraft, ProductEdit, ProductQuery};
use emporium_app::variants::VariantDraft;
use std::collections::BTreeMap;

use emporium_domain::catalog::{Image, ProductStatus};
use emporium_domain::media::{Rendition, rendition_url};
use emporium_domain::translation::{InLocale, ProductTranslations, TextDraft};
use emporium_domain::variant::ProductOptions;
use emporium_store::catalog::{OptionLabels, Product};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{JsonBody, MaybeAuth, Path, Query, Staff, area};

/// A product as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProductView {
    /// Product id.
    pub id: i64,
    /// Display name, in the request's language (`Accept-Language`) when translated, else
    /// the original.
    pub name: String,
    /// Long text, likewise.
    pub description: String,
    /// The name as staff wrote it.
    pub original_name: String,
    /// Its texts in other languages, by locale (`en`, `zh-CN`): in staff's answers only
    /// (they edit them; anyone else reads the language they ask for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<BTreeMap<String, TranslationView>>,
    /// The lowest price among its variants on sale, minor units (1999 = 19.99); the
    /// same as `price_min`, kept for clients of the first contract.
    pub price: i64,
    /// The lowest price among its variants on sale.
    pub price_min: i64,
    /// The highest.
    pub price_max: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Its category's name.
    pub category: Option<String>,
    /// Its category (the product appears under the category's ancestors too).
    pub category_id: Option<i64>,
    /// The category's path from the top (detail answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_path: Option<Vec<CategoryRef>>,
    /// The SKU of its only variant (`null` for a product with several).
    pub sku: Option<String>,
    /// Its images' URLs, in their shown order (for clients of the first contract; `gallery`
    /// has their sizes and alt text).
    pub images: Vec<String>,
    /// Its images with their alt text and the URL of each size, in their shown order.
    pub gallery: Vec<GalleryImage>,
    /// `active`, `draft` or `archived`.
    pub status: String,
    /// Its options and their values, in order (empty for a simple product).
    pub options: Vec<OptionView>,
    /// Its variants, in their shown order (customers see those on sale only).
    pub variants: Vec<VariantView>,
    /// Units that can be ordered now, over the variants shown.
    pub stock_available: i64,
    /// Mean review rating (0 when unrated).
    pub rating_average: f64,
    /// Number of reviews counted in the average.
    pub rating_count: i64,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// A category on a product's path: `{id, slug, name}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CategoryRef {
    /// Category id.
    pub id: i64,
    /// URL name.
    pub slug: String,
    /// Name in the request's language, else the original.
    pub name: String,
}

/// An image of a product: for an upload (`/media/<sha256>`) each size is a generated
/// file; for any other URL every size is the URL itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GalleryImage {
    /// The image as recorded (what `images` lists).
    pub url: String,
    /// Alt text (empty when none was given).
    pub alt: String,
    /// At most 320 px on the longer side.
    pub small: String,
    /// At most 800 px.
    pub medium: String,
    /// At most 1600 px.
    pub large: String,
}

impl From<&Image> for GalleryImage {
    fn from(i: &Image) -> Self {
        Self {
            url: i.url().to_owned(),
            alt: i.alt().to_owned(),
            small: rendition_url(i.url(), Rendition::Small),
            medium: rendition_url(i.url(), Rendition::Medium),
            large: rendition_url(i.url(), Rendition::Large),
        }
    }
}

/// An image as sent: a URL, or `{url, alt}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ImageRef {
    /// An http(s) URL or a path on this server, without alt text.
    Url(String),
    /// A URL with its alt text.
    Labelled(LabelledImage),
}

/// An image with its alt text.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelledImage {
    /// An http(s) URL or a path on this server (`/media/<sha256>` for an upload).
    pub url: String,
    /// 0–200 characters, one line.
    #[serde(default)]
    pub alt: String,
}

fn images_of(images: Vec<ImageRef>) -> Vec<ImageInput> {
    images
        .into_iter()
        .map(|i| match i {
            ImageRef::Url(url) => ImageInput::url(url),
            ImageRef::Labelled(l) => ImageInput {
                url: l.url,
                alt: Some(l.alt),
            },
        })
        .collect()
}

/// An option and its values: `{name: "颜色", values: ["黑", "白"]}`, with their
/// labels in the request's language.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OptionView {
    /// 1–32 characters, as staff wrote it (what `option=` filters name).
    pub name: String,
    /// 1–50 values, in the order shown (what variants and filters use).
    pub values: Vec<String>,
    /// The name in the request's language, else the original.
    pub label: String,
    /// The values in the request's language, in the same order.
    pub value_labels: Vec<String>,
}

/// A product's texts in one language, every part optional: `{name, description,
/// options: {"颜色": "Colour"}, values: {"颜色": {"黑": "Black"}}}` (keys are the originals).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslationView {
    /// The name, 1–200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The description, up to 10,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Option name → its translation (1–32 characters).
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Option name → value → its translation (1–64 characters).
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

fn translations_view(t: &ProductTranslations) -> BTreeMap<String, TranslationView> {
    t.iter()
        .map(|(tag, text)| {
            let mut values: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for ((option, value), label) in &text.values {
                values
                    .entry(option.clone())
                    .or_default()
                    .insert(value.clone(), label.clone());
            }
            let view = TranslationView {
                name: text.name.clone(),
                description: text.description.clone(),
                options: text.options.iter().cloned().collect(),
                values,
            };
            (tag.to_owned(), view)
        })
        .collect()
}

/// Translations as sent, for the application layer.
fn translations_of(t: BTreeMap<String, TranslationView>) -> BTreeMap<String, TextDraft> {
    t.into_iter()
        .map(|(tag, v)| {
            let draft = TextDraft {
                name: v.name,
                description: v.description,
                options: v.options,
                values: v.values,
            };
            (tag, draft)
        })
        .collect()
}

/// A variant: one combination of option values, with its own SKU, price and stock.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VariantView {
    /// Variant id (what a cart line names).
    pub id: i64,
    /// Stock-keeping unit.
    pub sku: Option<String>,
    /// One value per option, in the options' order (empty for a simple product).
    pub option_values: Vec<String>,
    /// The values joined, `黑 / 42` (empty for a simple product).
    pub title: String,
    /// Price, minor units.
    pub price: i64,
    /// The struck-through "was" price (划线价), above `price`.
    pub compare_at_price: Option<i64>,
    /// Shipping weight, grams.
    pub weight_grams: i64,
    /// EAN/UPC or the shop's own code.
    pub barcode: Option<String>,
    /// An image of this variant.
    pub image: Option<String>,
    /// `active`, `draft` or `archived`.
    pub status: String,
    /// Units that can be ordered now.
    pub stock_available: i64,
}

impl VariantView {
    /// The variant, its title in `names`' language.
    fn new(v: emporium_store::variants::Variant, options: &ProductOptions, names: InLocale<'_>) -> Self {
        let title = names.variant_title(options, &v.option_values);
        Self { title, ..v.into() }
    }
}

impl From<emporium_store::variants::Variant> for VariantView {
    fn from(v: emporium_store::variants::Variant) -> Self {
        Self {
            id: v.id,
            title: v.option_values.label(),
            sku: v.sku,
            option_values: v.option_values.as_slice().to_vec(),
            price: v.price,
            compare_at_price: v.compare_at_price,
            weight_grams: v.weight_grams,
            barcode: v.barcode,
            image: v.image,
            status: v.status.as_str().to_owned(),
            stock_available: v.stock_available,
        }
    }
}

impl ProductView {
    /// The product as `staff` (every variant) or anyone else (variants on sale) sees it,
    /// in its original language.
    pub fn new(p: Product, staff: bool) -> Self {
        Self::localized(p, staff, None)
    }

    /// The product's texts in `locale` (a tag) where translated.
    pub fn localized(p: Product, staff: bool, locale: Option<&str>) -> Self {
        // Moves what it can out of `p`: this runs for every product of every answer.
        let translations = p.translations.clone();
        let names = InLocale::of(&translations, locale);
        let sku = p.sole_variant().and_then(|v| v.sku.clone());
        let variants: Vec<VariantView> = p
            .variants
            .into_iter()
            .filter(|v| staff || v.status == ProductStatus::Active)
            .map(|v| VariantView::new(v, &p.options, names))
            .collect();
        let description = match names.0.and_then(|t| t.description.as_deref()) {
            Some(translated) => translated.to_owned(),
            None => p.description,
        };
        Self {
            id: p.id,
            name: names.name(&p.name).to_owned(),
            description,
            original_name: p.name,
            translations: staff.then(|| translations_view(&translations)),
            price: p.price,
            price_min: p.price,
            price_max: p.price_max,
            currency: p.currency,
            category: p.category,
            category_id: p.category_id,
            category_path: None,
            sku,
            images: p.images.iter().map(|i| i.url().to_owned()).collect(),
            gallery: p.images.iter().map(GalleryImage::from).collect(),
            status: p.status.as_str().to_owned(),
            options: p
                .options
                .as_slice()
                .iter()
                .map(|o| OptionView {
                    name: o.name.clone(),
                    values: o.values.clone(),
                    label: names.option(&o.name).to_owned(),
                    value_labels: o.values.iter().map(|v| names.value(&o.name, v).to_owned()).collect(),
                })
                .collect(),
            stock_available: if staff {
                p.stock_available
            } else {
                variants.iter().map(|v| v.stock_available).sum()
            },
            variants,
            rating_average: (p.rating_average * 100.0).round() / 100.0,
            rating_count: p.rating_count,
            created_at: p.created_at.to_rfc3339(),
            updated_at: p.updated_at.to_rfc3339(),
        }
    }

    /// The staff's view.
    pub fn staff(p: Product) -> Self {
        Self::new(p, true)
    }
}

/// Anyone's view: the variants on sale.
impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        Self::new(p, false)
    }
}

/// Listing parameters. All are optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListProductsParams {
    /// Full-text search, Chinese or English; up to 200 characters (after trimming).
    pub q: Option<String>,
    /// Only this category (up to 64 characters; empty means any).
    pub category: Option<String>,
    /// Lowest price, minor units, 0–100,000,000,000; empty means none (the shop's search
    /// form sends empty fields).
    #[param(pattern = r"^\s*([+-]?[0-9]+)?\s*$")]
    pub min_price: Option<String>,
    /// Highest price, minor units, 0–100,000,000,000, not below `min_price`; empty means none.
    #[param(pattern = r"^\s*([+-]?[0-9]+)?\s*$")]
    pub max_price: Option<String>,
    /// `relevance` (default with `q`), `newest` (default without), `price_asc`, `price_desc`, `rating`.
    #[param(pattern = r"^\s*(relevance|newest|price_asc|price_desc|rating)?\s*$")]
    pub sort: Option<String>,
    /// Staff only: `active`, `draft` or `archived` (default: all for staff, active for everyone else).
    #[param(pattern = "^(active|draft|archived)?$")]
    pub status: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// `true`: only products with units on hand.
    #[param(pattern = r"^\s*(true|false)?\s*$")]
    pub in_stock: Option<String>,
    /// `false` leaves `facets` out of the answer (default `true`).
    #[param(pattern = r"^\s*(true|false)?\s*$")]
    pub facets: Option<String>,
}

impl ListProductsParams {
    /// The application's query. `option` may repeat, which the derived deserializer
    /// refuses, so it is read from the raw query (and described beside these).
    fn into_query(self, raw: Option<&str>) -> ProductQuery {
        let options = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .filter(|(key, _)| key == "option")
            .map(|(_, value)| value.into_owned())
            .collect();
        ProductQuery {
            q: self.q,
            category: self.category,
            min_price: self.min_price,
            max_price: self.max_price,
            sort: self.sort,
            status: self.status,
            limit: self.limit,
            cursor: self.cursor,
            options,
            in_stock: self.in_stock,
            facets: self.facets,
        }
    }
}

/// A page of products with the counts of all matches.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProductPage {
    /// The products on this page.
    pub data: Vec<ProductView>,
    /// Pass as `?cursor=` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Counts of every product matching (all pages), absent with `facets=false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facets: Option<FacetsView>,
    /// When `q` found nothing: a `q` that finds products with the same other parameters (a
    /// spelling correction, or the Chinese words of pinyin); absent when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// Counts of the products a listing or search matches, by what it can be narrowed by.
/// Counted by the search index, which follows the database within about a second.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FacetsView {
    /// Products matched.
    pub total: u64,
    /// Categories with matches, in the tree's order; a product counts under its category
    /// and every ancestor.
    pub categories: Vec<CategoryCount>,
    /// Price bands with matches, cheapest first (filter one with `min_price` and
    /// `max_price` = `max` − 1).
    pub price_bands: Vec<PriceBandCount>,
    /// Per option, its values with matches, most first. An option being filtered on is
    /// counted without its own filter (what choosing another value would give).
    pub options: Vec<OptionCount>,
    /// Products with units on hand.
    pub in_stock: u64,
}

/// A category and its matches.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryCount {
    /// Category id.
    pub id: i64,
    /// Its parent, `null` at the top.
    pub parent_id: Option<i64>,
    /// URL name (filter with `category=`).
    pub slug: String,
    /// Name in the request's language, else the original.
    pub name: String,
    /// Products matched in it or below it.
    pub count: u64,
}

/// A price band and its matches.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PriceBandCount {
    /// Lowest price in the band, minor units.
    pub min: i64,
    /// The next band's lowest price (not in this band); `null` for the last band.
    pub max: Option<i64>,
    /// Products matched.
    pub count: u64,
}

/// An option's values and their matches.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OptionCount {
    /// The option's name (filter with `option=name:value`).
    pub name: String,
    /// The name in the request's language: the translation most products give it.
    pub label: String,
    /// Its values with matches.
    pub values: Vec<ValueCount>,
}

/// An option value and its matches.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ValueCount {
    /// The value.
    pub value: String,
    /// The value in the request's language.
    pub label: String,
    /// Products offering it.
    pub count: u64,
}

impl FacetsView {
    fn new(f: catalog::CatalogFacets, locale: Option<&str>, labels: &OptionLabels) -> Self {
        Self {
            total: f.total,
            categories: f
                .categories
                .into_iter()
                .map(|(c, count)| CategoryCount {
                    id: c.id,
                    parent_id: c.parent_id,
                    name: c.name_in(locale).to_owned(),
                    slug: c.slug,
                    count,
                })
                .collect(),
            price_bands: f
                .price_bands
                .into_iter()
                .map(|b| PriceBandCount {
                    min: b.min,
                    max: b.max,
                    count: b.count,
                })
                .collect(),
            options: f
                .options
                .into_iter()
                .map(|o| OptionCount {
                    label: labels.option(&o.name).to_owned(),
                    values: o
                        .values
                        .into_iter()
                        .map(|(value, count)| ValueCount {
                            label: labels.value(&o.name, &value).to_owned(),
                            value,
                            count,
                        })
                        .collect(),
                    name: o.name,
                })
                .collect(),
            in_stock: f.in_stock,
        }
    }
}

/// Lists products: full-text search when `q` is given (Chinese is segmented into words,
/// English is stemmed and case-insensitive), else the catalogue in the chosen order, with
/// facet counts of everything matching. Customers and visitors see active products only.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalogue",
    params(ListProductsParams,
        ("option" = Option<Vec<String>>, Query, style = Form, explode,
            description = "An option value wanted, `name:value` (split at the first colon), e.g. \
            `option=尺码:42`; repeat the parameter for more (up to 20): values of one option are \
            alternatives, different options all apply.")),
    responses(
        (status = 200, description = "A page of products and the facet counts", body = ProductPage),
        (status = 401, description = "A token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_products(
    State(state): State<AppState>,
    caller: MaybeAuth,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
    Query(params): Query<ListProductsParams>,
) -> ApiResult<Json<ProductPage>> {
    let staff = caller.is_staff();
    let found = catalog::find_products(&state, &params.into_query(raw.as_deref()), staff).await?;
    let locale = crate::categories::locale(&headers).map(|l| l.tag());
    let labels = match (&found.facets, locale) {
        (Some(_), Some(locale)) => state.store().option_labels(locale).await?,
        _ => Default::default(),
    };
    Ok(Json(ProductPage {
        data: found
            .products
            .into_iter()
            .map(|p| ProductView::localized(p, staff, locale))
            .collect(),
        next_cursor: found.next_cursor,
        facets: found.facets.map(|f| FacetsView::new(f, locale, &labels)),
        suggestion: found.suggestion,
    }))
}

/// One product. Customers see active products only; staff see any.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalogue",
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, description = "The product", body = ProductView),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_product(
    State(state): State<AppState>,
    caller: MaybeAuth,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProductView>> {
    let product = state
        .store()
        .product(id)
        .await?
        .filter(|p| p.status == ProductStatus::Active || caller.is_staff())
        .ok_or(ApiError::NotFound("product"))?;
    let locale = crate::categories::locale(&headers).map(|l| l.tag());
    let path = match product.category_id {
        Some(category) => {
            let tree = state.store().category_tree().await?;
            tree.path(category)
                .into_iter()
                .map(|c| CategoryRef {
                    id: c.id,
                    slug: c.slug.clone(),
                    name: c.name_in(locale).to_owned(),
                })
                .collect()
        }
        None => Vec::new(),
    };
    let mut view = ProductView::localized(product, caller.is_staff(), locale);
    view.category_path = Some(path);
    Ok(Json(view))
}

/// Stock received together with a new product or variant.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitialStock {
    /// Units, 1–1,000,000,000.
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
    /// Cost per unit, minor units, ≥ 0.
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub unit_cost: i64,
}

impl From<InitialStock> for catalog::InitialStock {
    fn from(s: InitialStock) -> Self {
        Self {
            quantity: s.quantity,
            unit_cost: s.unit_cost,
        }
    }
}

/// An option and its values, as sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionInput {
    /// 1–32 characters, distinct from the other options' (letter case ignored).
    pub name: String,
    /// 1–50 values of 1–64 characters, distinct (letter case ignored), in the order shown.
    pub values: Vec<String>,
}

fn options_of(options: Vec<OptionInput>) -> Vec<(String, Vec<String>)> {
    options.into_iter().map(|o| (o.name, o.values)).collect()
}

/// A new variant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVariantRequest {
    /// 1–64 ASCII letters, digits, `-`, `_`, `.`; unique among all variants.
    pub sku: Option<String>,
    /// One value per option of the product, in the options' order; each among that
    /// option's values; no two variants with the same combination.
    #[serde(default)]
    pub option_values: Vec<String>,
    /// Minor units, > 0.
    #[schema(minimum = 1, maximum = 100_000_000_000_i64)]
    pub price: i64,
    /// The struck-through "was" price (划线价), above `price`.
    pub compare_at_price: Option<i64>,
    /// 0–10,000,000 grams (default 0).
    pub weight_grams: Option<i64>,
    /// 4–32 ASCII letters and digits.
    pub barcode: Option<String>,
    /// An http(s) URL or a path on this server.
    pub image: Option<String>,
    /// `active` (default), `draft` or `archived`.
    pub status: Option<String>,
    /// A first lot of stock.
    pub initial_stock: Option<InitialStock>,
}

impl From<CreateVariantRequest> for VariantDraft {
    fn from(r: CreateVariantRequest) -> Self {
        Self {
            sku: r.sku,
            option_values: r.option_values,
            price: r.price,
            compare_at_price: r.compare_at_price,
            weight_grams: r.weight_grams,
            barcode: r.barcode,
            image: r.image,
            status: r.status,
            initial_stock: r.initial_stock.map(Into::into),
        }
    }
}

/// A new product. Stock, ratings, ids and timestamps are computed and cannot be set.
/// Either `variants` (one per combination of `options` offered), or for a product with
/// one variant its `price` (and optionally `sku`, `compare_at_price`, `weight_grams`,
/// `barcode`, `initial_stock`) at the top level.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProductRequest {
    /// 1–200 characters.
    #[schema(min_length = 1)]
    pub name: String,
    /// Up to 10,000 characters.
    pub description: Option<String>,
    /// The sole variant's price, minor units, > 0; required without `variants`.
    #[schema(minimum = 1, maximum = 100_000_000_000_i64)]
    pub price: Option<i64>,
    /// ISO 4217 (default CNY).
    pub currency: Option<String>,
    /// A category's name (any language) or slug; a new name makes a new top-level category.
    pub category: Option<String>,
    /// An existing category, instead of `category`.
    pub category_id: Option<i64>,
    /// The sole variant's SKU: 1–64 ASCII letters, digits, `-`, `_`, `.`; unique.
    pub sku: Option<String>,
    /// The sole variant's "was" price, above `price`.
    pub compare_at_price: Option<i64>,
    /// The sole variant's weight, 0–10,000,000 grams.
    pub weight_grams: Option<i64>,
    /// The sole variant's barcode.
    pub barcode: Option<String>,
    /// Up to 10 images: each an http(s) URL or a path, or `{url, alt}`.
    pub images: Option<Vec<ImageRef>>,
    /// `active` (default), `draft` or `archived`.
    pub status: Option<String>,
    /// The sole variant's first lot of stock.
    pub initial_stock: Option<InitialStock>,
    /// Up to 3 options.
    #[serde(default)]
    pub options: Vec<OptionInput>,
    /// 1–100 variants; required when there are options.
    pub variants: Option<Vec<CreateVariantRequest>>,
    /// Its texts in other languages, by locale (`en`, `zh-CN`).
    #[serde(default)]
    pub translations: BTreeMap<String, TranslationView>,
}

impl From<CreateProductRequest> for ProductDraft {
    fn from(r: CreateProductRequest) -> Self {
        Self {
            name: r.name,
            description: r.description,
            currency: r.currency,
            category: r.category,
            category_id: r.category_id,
            images: r.images.map(images_of),
            status: r.status,
            options: options_of(r.options),
            variants: r.variants.map(|v| v.into_iter().map(Into::into).collect()),
            price: r.price,
            sku: r.sku,
            compare_at_price: r.compare_at_price,
            weight_grams: r.weight_grams,
            barcode: r.barcode,
            initial_stock: r.initial_stock.map(Into::into),
            translations: translations_of(r.translations),
        }
    }
}

/// Creates a product (staff).
#[utoipa::path(post, path = "/api/v1/products", tag = "catalogue", security(("bearer" = [])), request_body = CreateProductRequest,
    responses(
        (status = 201, description = "Created", body = ProductView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_product(
    State(state): State<AppState>,
    _staff: Staff<area::Catalogue>,
    JsonBody(req): JsonBody<CreateProductRequest>,
) -> ApiResult<(StatusCode, Json<ProductView>)> {
    let product = catalog::create_product(&state, req.into()).await?;
    Ok((StatusCode::CREATED, Json(ProductView::staff(product))))
}

/// Changes to a product: any writable field; absent fields stay as they are. `price`,
/// `sku`, `compare_at_price`, `weight_grams` and `barcode` change the product's only
/// variant (422 `variant_required` for a product with several: use the variant routes).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProductRequest {
    /// 1–200 characters.
    pub name: Option<String>,
    /// Up to 10,000 characters.
    pub description: Option<String>,
    /// The sole variant's price, minor units, > 0.
    pub price: Option<i64>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// A category's name or slug; `null` clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    /// An existing category, instead of `category`; `null` clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<i64>)]
    pub category_id: Option<Option<i64>>,
    /// The sole variant's SKU; `null` clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub sku: Option<Option<String>>,
    /// The sole variant's "was" price; `null` clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<i64>)]
    pub compare_at_price: Option<Option<i64>>,
    /// The sole variant's weight, grams.
    pub weight_grams: Option<i64>,
    /// The sole variant's barcode; `null` clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub barcode: Option<Option<String>>,
    /// Replaces the image list (to reorder, remove or re-label): each a URL, or
    /// `{url, alt}`; a bare URL has no alt text.
    pub images: Option<Vec<ImageRef>>,
    /// `active`, `draft` or `archived`.
    pub status: Option<String>,
    /// Replaces the options (to add a value, say); every variant's values must remain
    /// among them.
    pub options: Option<Vec<OptionInput>>,
    /// Replaces every translation, by locale (a locale left out loses its translation).
    pub translations: Option<BTreeMap<String, TranslationView>>,
}

impl From<UpdateProductRequest> for ProductEdit {
    fn from(r: UpdateProductRequest) -> Self {
        Self {
            name: r.name,
            description: r.description,
            currency: r.currency,
            category: r.category,
            category_id: r.category_id,
            images: r.images.map(images_of),
            status: r.status,
            options: r.options.map(options_of),
            price: r.price,
            sku: r.sku,
            compare_at_price: r.compare_at_price,
            weight_grams: r.weight_grams,
            barcode: r.barcode,
            translations: r.translations.map(translations_of),
        }
    }
}

/// Edits a product (staff).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = UpdateProductRequest,
    responses(
        (status = 200, description = "Updated", body = ProductView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_product(
    State(state): State<AppState>,
    _staff: Staff<area::Catalogue>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<UpdateProductRequest>,
) -> ApiResult<Json<ProductView>> {
    Ok(Json(ProductView::staff(
        catalog::update_product(&state, id, req.into()).await?,
    )))
}

/// Archives a product (staff): it leaves listings, search and carts, and stays in past
/// orders. Answers the archived product.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, description = "Archived", body = ProductView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn archive_product(
    State(state): State<AppState>,
    _staff: Staff<area::Catalogue>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProductView>> {
    Ok(Json(ProductView::staff(catalog::archive_product(&state, id).await?)))
}
