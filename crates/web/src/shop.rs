//! The shop's public pages: home, search and category browsing, the product page, and the
//! cart.

use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use emporium_domain::catalog::{Image, ProductStatus};
use emporium_domain::media::{Rendition, rendition_url};
use emporium_domain::translation::InLocale;
use emporium_store::accounts::Session;
use emporium_store::cart::CartLine;
use emporium_store::catalog::{Product, ProductFilter, ProductOrder};
use emporium_store::categories::CategoryTree;
use serde::Deserialize;

use super::checkout::Breakdown;
use super::guest;
use super::i18n::Lang;
use super::orders::{Line, cart_subtotal};
use super::session::{Visitor, is_secure};
use super::view::Path;
use super::view::{
    Ctx, FieldErrors, Posted, WebError, WebResult, form_errors, money, page, parse_money, render, see_other, time,
};
use emporium_app::catalog::{self, find_products};
use emporium_app::error::AppError;
use emporium_app::recommendations::{Basis, also_bought, for_user, popular};
use emporium_app::{AppState, cart, storefront};

/// A product as a card in a grid.
#[derive(Debug, Clone)]
pub struct Card {
    /// Product id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Formatted price.
    pub price: String,
    /// Its first image at the medium size (a placeholder when it has none).
    pub image: Picture,
    /// The struck-through price the lowest price is cut from (划线价), if any.
    pub compare_at: Option<String>,
    /// The star bar, or `None` when unrated.
    pub stars: Option<Stars>,
    /// Whether any units can be ordered.
    pub in_stock: bool,
}

/// A rating as a bar of five stars filled to the nearest half, with its number and count.
#[derive(Debug, Clone)]
pub struct Stars {
    /// Half stars filled, 0–10 (the CSS class `s-N` fills the bar to N × 10 %).
    pub halves: u8,
    /// `4.5`.
    pub average: String,
    /// How many reviews.
    pub count: i64,
}

impl Stars {
    /// The bar of a product's rating, `None` while it has no reviews.
    pub fn of(average: f64, count: i64) -> Option<Self> {
        (count > 0).then(|| Self {
            // 0.0..=5.0 in half stars; the cast cannot truncate a value in 0..=10.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            halves: (average.clamp(0.0, 5.0) * 2.0).round() as u8,
            average: format!("{average:.1}"),
            count,
        })
    }
}

impl Card {
    /// A product's card, its name in `lang` where translated.
    fn new(p: &Product, lang: Lang) -> Self {
        Self {
            id: p.id,
            name: names(p, lang).name(&p.name).to_owned(),
            price: price_range(p),
            compare_at: compare_at(p),
            image: image_of(p),
            stars: Stars::of(p.rating_average, p.rating_count),
            in_stock: p.stock_available > 0,
        }
    }
}

/// A product's translations into `lang` (the originals where it has none).
fn names(p: &Product, lang: Lang) -> InLocale<'_> {
    InLocale::of(&p.translations, Some(lang.html_tag()))
}

/// An image as a page shows it: the URL of one size, the sizes a browser may pick from
/// (`srcset`; empty for an image that has no generated sizes), and its alt text.
#[derive(Debug, Clone)]
pub struct Picture {
    /// The URL for browsers that do not read `srcset`.
    pub src: String,
    /// `url 320w, url 800w, …`, or empty.
    pub srcset: String,
    /// The alt text.
    pub alt: String,
}

impl Picture {
    /// `image` at `size`, offering the sizes up to it; `fallback_alt` when it has none.
    pub fn of(image: &Image, size: Rendition, fallback_alt: &str) -> Self {
        let sized = rendition_url(image.url(), Rendition::Small) != image.url();
        let srcset = if sized {
            Rendition::ALL
                .iter()
                .filter(|r| r.longer_side() <= size.longer_side())
                .map(|r| format!("{} {}w", rendition_url(image.url(), *r), r.longer_side()))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            String::new()
        };
        Self {
            src: rendition_url(image.url(), size),
            srcset,
            alt: if image.alt().is_empty() {
                fallback_alt.to_owned()
            } else {
                image.alt().to_owned()
            },
        }
    }

    /// The shop's placeholder.
    pub fn placeholder(alt: &str) -> Self {
        Self {
            src: crate::assets::url("placeholder.svg").to_owned(),
            srcset: String::new(),
            alt: alt.to_owned(),
        }
    }
}

fn image_of(p: &Product) -> Picture {
    // The card's name link follows the picture, so an image without alt text adds
    // nothing for a screen reader: its alt stays empty.
    p.images
        .first()
        .map_or_else(|| Picture::placeholder(""), |i| Picture::of(i, Rendition::Medium, ""))
}

/// The breadcrumbs to a category: home, then each ancestor and the category itself, each
/// linking to its listing.
fn crumbs(tree: &CategoryTree, category: Option<i64>, lang: Lang) -> Vec<(String, String)> {
    let mut crumbs = vec![("/".to_owned(), lang.texts().home.to_owned())];
    if let Some(id) = category {
        let locale = Some(lang.html_tag());
        crumbs.extend(tree.path(id).into_iter().map(|c| {
            (
                format!("/products?category={}", super::view::urlencode(&c.name)),
                c.name_in(locale).to_owned(),
            )
        }));
    }
    crumbs
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    featured: Vec<Card>,
    top_rated: Vec<Card>,
    /// The banner staff set, in the page's language; `None` when there is none.
    hero: Option<HeroView>,
    /// Top-level categories with their children, each with its active products.
    categories: Vec<CategoryLink>,
    /// "For you" for a logged-in shopper with history, else what sells; hidden while
    /// nothing was ever bought.
    recommendations: Vec<Card>,
    recommendations_title: &'static str,
}

/// The home page's banner in the page's language.
#[derive(Debug)]
struct HeroView {
    title: String,
    subtitle: String,
    link: String,
    picture: Option<Picture>,
}

/// A category's link with its count, and its children's (the home page's tree).
#[derive(Debug)]
struct CategoryLink {
    href: String,
    label: String,
    count: i64,
    children: Vec<CategoryLink>,
}

/// `GET /`: the banner, recommendations, the category tree, new arrivals, top rated.
pub async fn home(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    let active = ProductFilter {
        status: Some(ProductStatus::Active),
        ..ProductFilter::default()
    };
    let featured = state
        .store()
        .list_products(&active, ProductOrder::Newest, None, 8)
        .await?;
    let top = state
        .store()
        .list_products(&active, ProductOrder::Rating, None, 4)
        .await?;
    let tree = state.store().category_tree().await?;
    let locale = Some(visitor.lang.html_tag());
    let link = |c: &emporium_store::categories::Category| CategoryLink {
        href: format!("/products?category={}", super::view::urlencode(&c.name)),
        label: c.name_in(locale).to_owned(),
        count: tree.product_count(c.id),
        children: Vec::new(),
    };
    let mut categories: Vec<CategoryLink> = Vec::new();
    for (depth, c) in tree.iter().filter(|(_, c)| tree.product_count(c.id) > 0) {
        match (depth, categories.last_mut()) {
            (0, _) => categories.push(link(c)),
            (1, Some(parent)) => parent.children.push(link(c)),
            _ => {}
        }
    }
    let hero = storefront::hero(&state).await?;
    let hero = hero.is_set().then(|| HeroView {
        title: hero.title.get(visitor.lang.html_tag()).to_owned(),
        subtitle: hero.subtitle.get(visitor.lang.html_tag()).to_owned(),
        link: if hero.link.is_empty() {
            "/products".to_owned()
        } else {
            hero.link.clone()
        },
        picture: hero
            .image
            .as_deref()
            .and_then(|url| Image::parse("image", url, &hero.image_alt).ok())
            .map(|image| Picture::of(&image, Rendition::Large, "")),
    });
    let t = visitor.t();
    let (recommended, recommendations_title) = match &visitor.session {
        Some(session) => match for_user(&state, session.user.id, 8).await? {
            (list, Basis::Personal) => (list, t.recommended),
            (list, Basis::Popular) => (list, t.popular_now),
        },
        None => (popular(&state, 8).await?, t.popular_now),
    };
    Ok(page(&HomePage {
        ctx: Ctx::new(&visitor),
        featured: featured.iter().map(|p| Card::new(p, visitor.lang)).collect(),
        top_rated: top
            .iter()
            .filter(|p| p.rating_count > 0)
            .map(|p| Card::new(p, visitor.lang))
            .collect(),
        categories,
        hero,
        recommendations: recommended.iter().map(|(p, _)| Card::new(p, visitor.lang)).collect(),
        recommendations_title,
    }))
}

/// The search form's fields, as typed (prices in major units).
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    min_price: String,
    #[serde(default)]
    max_price: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    cursor: Option<String>,
    /// The cursors of the pages before this one (see [`Pager`]).
    #[serde(default)]
    back: String,
    /// Products per page (1–96, default 24); a malformed value is the default.
    #[serde(default)]
    limit: String,
    /// `true` for products in stock only.
    #[serde(default)]
    in_stock: String,
    /// The `option=name:value` pairs ticked (the parameter repeats, so it is read from the
    /// raw query).
    #[serde(skip)]
    options: Vec<String>,
}

/// A price band as a link that filters by it.
#[derive(Debug)]
struct BandLink {
    label: String,
    url: String,
    count: u64,
    active: bool,
}

/// One value of an option as a checkbox.
#[derive(Debug)]
struct ValueBox {
    /// `name:value`, the `option` parameter.
    param: String,
    value: String,
    count: u64,
    checked: bool,
}

#[derive(Template)]
#[template(path = "products.html")]
struct ProductsPage {
    ctx: Ctx,
    form: SearchForm,
    /// The filter's choices: (value, label indented by depth, with its matches).
    categories: Vec<(String, String)>,
    /// Products matched over all pages (when counted).
    total: Option<u64>,
    bands: Vec<BandLink>,
    /// Per option, its values with matches.
    option_groups: Vec<(String, Vec<ValueBox>)>,
    in_stock_count: u64,
    sorts: Vec<(&'static str, &'static str)>,
    /// The sorts as links above the results: (link, label, whether it is the one shown).
    sort_links: Vec<(String, &'static str, bool)>,
    products: Vec<Card>,
    /// The heading: the query searched, else the category browsed (in the page's
    /// language), else "all products".
    heading: String,
    /// Home, then the browsed category and its ancestors.
    crumbs: Vec<(String, String)>,
    pages: Pager,
    errors: FieldErrors,
    /// When the words found nothing: other words that find something, and the search with
    /// them (same filters).
    suggestion: Option<(String, String)>,
}

/// Previous and next for keyset pages. A cursor only goes forward, so each page's link
/// carries the cursors of the pages before it (`back=`, `~` standing for the first page,
/// which has none): "previous" pops one, "next" pushes the current one. The trail is cut
/// to the last [`Pager::TRAIL`] pages; "first page" reaches the rest.
#[derive(Debug, Default)]
struct Pager {
    /// 1 for the first page.
    number: usize,
    previous: Option<String>,
    next: Option<String>,
    /// The first page, from the third page on.
    first: Option<String>,
}

impl Pager {
    const TRAIL: usize = 20;

    fn new(path: &str, cursor: Option<&str>, back: &str, next: Option<&str>) -> Self {
        let trail: Vec<&str> = back.split('.').filter(|c| !c.is_empty()).collect();
        let reset = ["cursor", "back"];
        let number = trail.len() + 1;
        let previous = trail.split_last().map(|(last, rest)| {
            let rest = rest.join(".");
            let mut set = Vec::new();
            if *last != "~" {
                set.push(("cursor", *last));
            }
            if !rest.is_empty() {
                set.push(("back", rest.as_str()));
            }
            super::view::replace_query(path, &reset, &set)
        });
        let next = next.map(|next| {
            let mut kept: Vec<&str> = trail.clone();
            kept.push(cursor.filter(|c| !c.is_empty()).unwrap_or("~"));
            let from = kept.len().saturating_sub(Self::TRAIL);
            let back = kept[from..].join(".");
            super::view::replace_query(path, &reset, &[("cursor", next), ("back", back.as_str())])
        });
        let first = (number > 2).then(|| super::view::replace_query(path, &reset, &[]));
        Self {
            number,
            previous,
            next,
            first,
        }
    }
}

/// `GET /products`: search and browse with filters, sorts and pages.
pub async fn products(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(raw): RawQuery,
    Query(mut form): Query<SearchForm>,
) -> WebResult {
    let t = visitor.t();
    form.options = serde_urlencoded::from_str::<Vec<(String, String)>>(raw.as_deref().unwrap_or_default())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(key, value)| (key == "option").then_some(value))
        .collect();
    let mut errors = FieldErrors::default();
    let mut price = |field: &str, raw: &str| -> Option<String> {
        if raw.trim().is_empty() {
            return None;
        }
        match parse_money(raw, "CNY") {
            Some(minor) => Some(minor.to_string()),
            None => {
                errors.0.push(emporium_domain::FieldError::new(
                    field,
                    "must be an amount such as 12.50",
                ));
                None
            }
        }
    };
    let params = catalog::ProductQuery {
        q: Some(form.q.clone()),
        category: Some(form.category.clone()),
        min_price: price("min_price", &form.min_price),
        max_price: price("max_price", &form.max_price),
        sort: Some(form.sort.clone()).filter(|s| !s.is_empty()),
        status: None,
        limit: Some(
            form.limit
                .trim()
                .parse::<u32>()
                .map_or(24, |n| n.clamp(1, 96))
                .to_string(),
        ),
        cursor: form.cursor.clone().filter(|c| !c.is_empty()),
        options: form.options.clone(),
        in_stock: Some(form.in_stock.clone()).filter(|s| s == "true"),
        facets: Some("true".into()),
    };
    errors = errors.localized(visitor.lang);
    let found = if errors.is_empty() {
        match find_products(&state, &params, false).await {
            Ok(page) => Some(page),
            Err(e) => {
                errors = form_errors(e, visitor.lang)?;
                None
            }
        }
    } else {
        None
    };
    let (found, next, facets, suggestion) = found.map_or((Vec::new(), None, None, None), |p| {
        (p.products, p.next_cursor, p.facets, p.suggestion)
    });
    let suggestion = suggestion.map(|words| {
        let url = super::view::replace_query(&visitor.path, &["q", "cursor", "back"], &[("q", &words)]);
        (words, url)
    });
    let pages = Pager::new(&visitor.path, form.cursor.as_deref(), &form.back, next.as_deref());
    let tree = state.store().category_tree().await?;
    let locale = Some(visitor.lang.html_tag());
    let facets = facets.unwrap_or_default();
    let categories = tree
        .iter()
        .filter(|(_, c)| tree.product_count(c.id) > 0)
        .map(|(depth, c)| {
            let count = facets
                .categories
                .iter()
                .find(|(f, _)| f.id == c.id)
                .map_or(0, |(_, n)| *n);
            (
                c.name.clone(),
                format!("{}{} ({count})", "— ".repeat(*depth), c.name_in(locale)),
            )
        })
        .collect();
    let bands = facets
        .price_bands
        .iter()
        .map(|b| {
            let (min, max) = (yuan(b.min), b.max.map(|m| yuan(m - 1)));
            let mut set = vec![("min_price", min.as_str())];
            set.extend(max.as_deref().map(|m| ("max_price", m)));
            BandLink {
                label: match b.max {
                    Some(max) => format!("{} – {}", money(b.min, "CNY"), money(max, "CNY")),
                    None => format!("{} +", money(b.min, "CNY")),
                },
                url: super::view::replace_query(&visitor.path, &["min_price", "max_price", "cursor"], &set),
                count: b.count,
                active: form.min_price.trim() == min && form.max_price.trim() == max.unwrap_or_default(),
            }
        })
        .collect();
    let labels = state.store().option_labels(visitor.lang.html_tag()).await?;
    let option_groups = facets
        .options
        .iter()
        .map(|o| {
            let values = o
                .values
                .iter()
                .map(|(value, count)| {
                    let param = format!("{}:{value}", o.name);
                    ValueBox {
                        checked: form.options.contains(&param),
                        param,
                        value: labels.value(&o.name, value).to_owned(),
                        count: *count,
                    }
                })
                .collect();
            (labels.option(&o.name).to_owned(), values)
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    // Without a query the default order is newest first; with one, relevance.
    let sorts = if form.q.trim().is_empty() {
        vec![
            ("", t.sort_newest),
            ("price_asc", t.sort_price_asc),
            ("price_desc", t.sort_price_desc),
            ("rating", t.sort_rating),
        ]
    } else {
        vec![
            ("", t.sort_relevance),
            ("newest", t.sort_newest),
            ("price_asc", t.sort_price_asc),
            ("price_desc", t.sort_price_desc),
            ("rating", t.sort_rating),
        ]
    };
    let sort_links = sorts
        .iter()
        .map(|(value, label)| {
            let set: Vec<(&str, &str)> = if value.is_empty() {
                Vec::new()
            } else {
                vec![("sort", *value)]
            };
            (
                super::view::replace_query(&visitor.path, &["sort", "cursor", "back"], &set),
                *label,
                *value == form.sort,
            )
        })
        .collect();
    let browsed = tree.find(&form.category);
    let heading = if !form.q.trim().is_empty() {
        format!("{}: “{}”", t.search, form.q.trim())
    } else {
        browsed.map_or_else(|| t.all_products.to_owned(), |c| c.name_in(locale).to_owned())
    };
    let crumbs = crumbs(&tree, browsed.map(|c| c.id), visitor.lang);
    Ok(render(
        status,
        &ProductsPage {
            ctx: Ctx::new(&visitor),
            pages,
            sort_links,
            heading,
            crumbs,
            total: (errors.is_empty()).then_some(facets.total),
            bands,
            option_groups,
            in_stock_count: facets.in_stock,
            form,
            categories,
            sorts,
            products: found.iter().map(|p| Card::new(p, visitor.lang)).collect(),
            errors,
            suggestion,
        },
    ))
}

/// Minor units as the price fields take them: `50`, `99.99`.
fn yuan(minor: i64) -> String {
    match minor % 100 {
        0 => (minor / 100).to_string(),
        cents => format!("{}.{cents:02}", minor / 100),
    }
}

/// A review as the product page shows it.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    /// Review id (the anchor, and staff's buttons).
    pub id: i64,
    /// Hidden by staff (only staff see it).
    pub hidden: bool,
    /// Who wrote it.
    pub author: String,
    /// 1–5.
    pub rating: i64,
    /// The text.
    pub body: String,
    /// When.
    pub at: String,
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    ctx: Ctx,
    product: Product,
    /// The price, or the range of the variants' prices.
    price: String,
    /// The variants on sale to choose from (empty for a product without options).
    choices: Vec<VariantChoice>,
    /// The main picture (large), then every image small for the strip below it.
    picture: Picture,
    thumbs: Vec<Picture>,
    /// The struck-through price beside the lowest one, if any.
    compare_at: Option<String>,
    stars: Option<Stars>,
    /// Home, then the product's category and its ancestors: (link, label).
    crumbs: Vec<(String, String)>,
    quantity: String,
    errors: FieldErrors,
    /// A page of reviews, newest first (staff also see hidden ones).
    reviews: Vec<ReviewItem>,
    /// The next page of reviews, when there is one.
    older_reviews: Option<String>,
    /// Products bought with this one; hidden while empty.
    also_bought: Vec<Card>,
}

/// A variant as the product page offers it.
#[derive(Debug)]
pub struct VariantChoice {
    id: i64,
    /// `黑 / 42`.
    label: String,
    price: String,
    /// The struck-through "was" price.
    compare_at: Option<String>,
    stock: i64,
    selected: bool,
}

/// The variants of `product` on sale, the `wanted` one (or the first in stock) selected.
fn choices(product: &Product, wanted: Option<i64>, lang: Lang) -> Vec<VariantChoice> {
    if product.options.is_empty() {
        return Vec::new();
    }
    let on_sale: Vec<_> = product
        .variants
        .iter()
        .filter(|v| v.status == ProductStatus::Active)
        .collect();
    let selected = wanted
        .filter(|w| on_sale.iter().any(|v| v.id == *w))
        .or_else(|| on_sale.iter().find(|v| v.stock_available > 0).map(|v| v.id));
    on_sale
        .into_iter()
        .map(|v| VariantChoice {
            id: v.id,
            label: names(product, lang).variant_title(&product.options, &v.option_values),
            price: money(v.price, &product.currency),
            compare_at: v.compare_at_price.map(|c| money(c, &product.currency)),
            stock: v.stock_available,
            selected: Some(v.id) == selected,
        })
        .collect()
}

/// A product's price as the shop shows it: one price, or the range over its variants.
/// The compare-at price of the product's cheapest offered variant, when it is above that
/// variant's price: what a card strikes through beside the lowest price.
pub fn compare_at(product: &Product) -> Option<String> {
    product
        .variants
        .iter()
        .filter(|v| v.status == ProductStatus::Active)
        .min_by_key(|v| v.price)
        .and_then(|v| v.compare_at_price.filter(|was| *was > v.price))
        .map(|was| money(was, &product.currency))
}

pub fn price_range(product: &Product) -> String {
    if product.price_max > product.price {
        format!(
            "{} – {}",
            money(product.price, &product.currency),
            money(product.price_max, &product.currency)
        )
    } else {
        money(product.price, &product.currency)
    }
}

/// Reviews shown per page on the product page.
const REVIEWS_PER_PAGE: i64 = 10;

/// The product page's query: where the review list continues.
#[derive(Debug, Default, Deserialize)]
pub struct ProductQuery {
    #[serde(default)]
    reviews_before: Option<String>,
}

async fn product_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    (quantity, variant): (String, Option<i64>),
    errors: FieldErrors,
    reviews_before: Option<i64>,
) -> WebResult {
    let product = state
        .store()
        .product(id)
        .await?
        .filter(|p| p.status == ProductStatus::Active || visitor.is_staff())
        .ok_or(WebError::NotFound)?;
    // The page shows the name and description in the visitor's language.
    let mut product = product;
    let (name, description) = {
        let n = names(&product, visitor.lang);
        (
            n.name(&product.name).to_owned(),
            n.description(&product.description).to_owned(),
        )
    };
    (product.name, product.description) = (name, description);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut reviews = state
        .store()
        .reviews(product.id, visitor.is_staff(), reviews_before, REVIEWS_PER_PAGE + 1)
        .await?;
    let older_reviews = (reviews.len() as i64 > REVIEWS_PER_PAGE).then(|| {
        reviews.truncate(REVIEWS_PER_PAGE as usize);
        let last = reviews.last().map_or(0, |r| r.id);
        format!("/products/{}?reviews_before={last}#reviews", product.id)
    });
    let also_bought = also_bought(state, product.id, 8).await?;
    let crumbs = crumbs(&visitor.categories, product.category_id, visitor.lang);
    Ok(render(
        status,
        &ProductPage {
            ctx: Ctx::new(visitor),
            price: price_range(&product),
            choices: choices(&product, variant, visitor.lang),
            picture: product.images.first().map_or_else(
                || Picture::placeholder(&product.name),
                |i| Picture::of(i, Rendition::Large, &product.name),
            ),
            thumbs: if product.images.len() > 1 {
                product
                    .images
                    .iter()
                    .map(|i| Picture::of(i, Rendition::Small, ""))
                    .collect()
            } else {
                Vec::new()
            },
            compare_at: compare_at(&product),
            stars: Stars::of(product.rating_average, product.rating_count),
            crumbs,
            product,
            quantity,
            errors,
            reviews: reviews
                .into_iter()
                .map(|r| ReviewItem {
                    id: r.id,
                    hidden: r.hidden,
                    author: r.author,
                    rating: r.rating,
                    body: r.body,
                    at: time(r.created_at),
                })
                .collect(),
            older_reviews,
            also_bought: also_bought.iter().map(|(p, _)| Card::new(p, visitor.lang)).collect(),
        },
    ))
}

/// `GET /products/{id}[?reviews_before=]`.
pub async fn product(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Query(q): Query<ProductQuery>,
) -> WebResult {
    // A malformed position just starts the list from the newest.
    let before = q.reviews_before.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
    product_page(&state, &visitor, id, ("1".into(), None), FieldErrors::default(), before).await
}

/// The add-to-cart and cart-line forms.
#[derive(Debug, Deserialize)]
pub struct CartForm {
    #[serde(default)]
    quantity: String,
    /// The variant, for a product with several (the product page's choice, a cart line).
    #[serde(default)]
    variant_id: String,
    /// `add` adds to what the cart holds (product page); otherwise the quantity is set.
    #[serde(default)]
    mode: String,
}

/// `POST /cart/items/{id}`: adds from the product page, or sets/removes from the cart; the
/// line is the form's `variant_id`, or the product's only variant. A visitor without a
/// login adding for the first time gets a guest cart (and its cookie).
pub async fn set_cart_item(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Posted { visitor, form }: Posted<CartForm>,
) -> WebResult {
    let adding = form.mode == "add";
    let variant = form.variant_id.trim().parse::<i64>().ok();
    let Ok(mut quantity) = form.quantity.trim().parse::<i64>() else {
        let errors = FieldErrors::one("quantity", "must be a whole number from 1 to 999").localized(visitor.lang);
        return if adding {
            product_page(&state, &visitor, id, (form.quantity, variant), errors, None).await
        } else {
            Err(WebError::BadRequest("quantity must be a whole number".into()))
        };
    };
    if adding && quantity < 1 {
        let errors = FieldErrors::one("quantity", "must be a whole number from 1 to 999").localized(visitor.lang);
        return product_page(&state, &visitor, id, (form.quantity, variant), errors, None).await;
    }
    let (user_id, new_cookie) = match guest::cart_owner(&state, &visitor).await? {
        Some(owner) => (owner.user.id, None),
        // Changing a line of a cart the visitor does not have: show the (empty) cart.
        None if !adding => return Ok(see_other("/cart")),
        None => {
            let (user_id, cookie) = guest::open_cart(&state, &visitor, is_secure(&headers, &state)).await?;
            (user_id, Some(cookie))
        }
    };
    if adding {
        let held = state
            .store()
            .cart(user_id)
            .await?
            .iter()
            .find(|l| l.product_id == id && variant.is_none_or(|v| l.variant_id == v))
            .map_or(0, |l| l.quantity);
        quantity += held;
    }
    let done = match variant {
        Some(variant_id) => match state.store().product(id).await? {
            Some(p) if p.variant(variant_id).is_some() => cart::set_line(&state, user_id, variant_id, quantity).await,
            _ => Err(AppError::NotFound("variant")),
        },
        None => cart::set_quantity(&state, user_id, id, quantity).await,
    };
    let mut response = match done {
        Ok(()) => see_other(if adding { "/cart?added=1" } else { "/cart" }),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            product_page(&state, &visitor, id, (form.quantity, variant), errors, None).await?
        }
    };
    // The cart exists now even if this line was refused: the visitor keeps it.
    if let Some(cookie) = new_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// A cart line for the page: the line as checkout shows it, and what is in stock.
#[derive(Debug)]
pub struct CartRow {
    line: Line,
    stock_available: i64,
}

#[derive(Template)]
#[template(path = "cart.html")]
struct CartPage {
    ctx: Ctx,
    /// Some line asks for more than is in stock: say so, and offer no checkout until the
    /// shopper lowers it (placing the order would be refused).
    short: bool,
    rows: Vec<CartRow>,
    subtotal: String,
    /// The cart priced as checkout would price it to the address checkout starts with
    /// (the shopper's last one), when there is one and some method ships there.
    breakdown: Option<Breakdown>,
    /// That address, in one line.
    priced_to: String,
}

impl CartPage {
    /// A discounted line's cost after its discounts (beside its struck-through total).
    fn net_of(&self, variant_id: &i64) -> Option<&str> {
        super::checkout::net_of(self.breakdown.as_ref(), *variant_id)
    }
}

/// The breakdown of the cart of `owner` to the address checkout starts with, and that
/// address in one line; `None` without an address, or when no method ships there (the
/// checkout page says why).
async fn cart_breakdown(
    state: &AppState,
    visitor: &Visitor,
    owner: &Session,
) -> Result<Option<(Breakdown, String)>, WebError> {
    let addresses = state.store().addresses(owner.user.id).await?;
    let Some(address) = addresses.last() else {
        return Ok(None);
    };
    match cart::price(state, owner.user.id, address.id, None, &[]).await {
        Ok(priced) => Ok(Some((
            Breakdown::new(&priced, visitor),
            super::account::address_line(address),
        ))),
        Err(AppError::Unprocessable { .. } | AppError::Invalid(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether `?added=1` is on the URL.
#[derive(Debug, Deserialize)]
pub struct AddedFlag {
    added: Option<String>,
}

/// Whether the visitor's cart asks for more of something than is in stock (the checkout
/// sends them back to the cart, which says which line).
pub async fn cart_is_short(state: &AppState, visitor: &Visitor) -> Result<bool, WebError> {
    let (_, lines) = visitor_cart(state, visitor).await?;
    Ok(lines.iter().any(|l| l.stock_available < l.quantity))
}

/// The visitor's cart with its owner: their account's, or the guest cart of the cookie
/// (no owner and empty without one).
async fn visitor_cart(state: &AppState, visitor: &Visitor) -> Result<(Option<Session>, Vec<CartLine>), WebError> {
    Ok(match guest::cart_owner(state, visitor).await? {
        // The header's count read the cart a moment ago: an empty one has no lines to read.
        Some(owner) if visitor.cart_count == 0 => (Some(owner), Vec::new()),
        Some(owner) => {
            let lines = state.store().cart(owner.user.id).await?;
            (Some(owner), lines)
        }
        None => (None, Vec::new()),
    })
}

/// `GET /cart`: the customer's cart, or the guest cart of the cookie (empty without one).
pub async fn cart(State(state): State<AppState>, visitor: Visitor, Query(flag): Query<AddedFlag>) -> WebResult {
    let (owner, lines) = visitor_cart(&state, &visitor).await?;
    let mut ctx = Ctx::new(&visitor);
    if flag.added.is_some() {
        ctx.notice = Some(ctx.t.added_to_cart);
    }
    let short = lines.iter().any(|l| l.stock_available < l.quantity);
    // A short cart cannot be priced (nothing could be placed); it says which line first.
    let priced = match &owner {
        Some(owner) if !lines.is_empty() && !short => cart_breakdown(&state, &visitor, owner).await?,
        _ => None,
    };
    let (breakdown, priced_to) = priced.map_or((None, String::new()), |(b, to)| (Some(b), to));
    let names = super::orders::Names::load(&state, visitor.lang, lines.iter().map(|l| l.product_id)).await?;
    Ok(page(&CartPage {
        ctx,
        short,
        rows: lines
            .iter()
            .map(|l| CartRow {
                line: Line::of_cart(l, &names),
                stock_available: l.stock_available,
            })
            .collect(),
        subtotal: cart_subtotal(&lines),
        breakdown,
        priced_to,
    }))
}
