//! Staff pages for the catalogue: products, their stock lots, and the FIFO valuation.

use emporium_domain::staff::Permission;
use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use emporium_domain::FieldError;
use emporium_store::catalog::Product;
use serde::Deserialize;

use emporium_app::catalog::{self, ImageInput, InitialStock, ProductDraft, ProductEdit, ProductQuery, find_products};
use emporium_app::inventory::{self, Receipt};
use emporium_app::variants::VariantDraft;
use emporium_app::{AppError, AppState};
use emporium_domain::translation::TextDraft;

use super::images::{ImageRow, UploadForm};
use crate::flash::{Done, after};
use crate::session::Visitor;
use crate::view::{
    Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, money, page, parse_money, render, see_other,
    time, with_query,
};

/// A product row.
#[derive(Debug)]
pub struct ProductRow {
    id: i64,
    name: String,
    price: String,
    status: String,
    stock: i64,
    category: String,
}

#[derive(Template)]
#[template(path = "admin/products.html")]
struct ProductsPage {
    ctx: Ctx,
    status: String,
    q: String,
    sort: String,
    sorts: [(&'static str, &'static str); 5],
    products: Vec<ProductRow>,
    csv_url: String,
    next_url: Option<String>,
}

/// `?status=&q=&sort=&cursor=`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    cursor: Option<String>,
}

impl ListQuery {
    /// The catalogue query for a page of `limit` products.
    fn params(&self, limit: i64) -> ProductQuery {
        ProductQuery {
            q: Some(self.q.clone()),
            status: Some(self.status.clone()).filter(|s| !s.is_empty()),
            sort: Some(self.sort.clone()).filter(|s| !s.is_empty()),
            limit: Some(limit.to_string()),
            cursor: self.cursor.clone().filter(|c| !c.is_empty()),
            facets: Some("false".into()),
            ..ProductQuery::default()
        }
    }

    /// The filters as a query string (for the export link).
    fn query_string(&self) -> String {
        let pairs = [("q", &self.q), ("status", &self.status), ("sort", &self.sort)];
        serde_urlencoded::to_string(pairs.iter().filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>()).unwrap_or_default()
    }
}

/// `GET /admin/products`.
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(p): Query<ListQuery>) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let found = find_products(&state, &p.params(50), true).await?;
    let (products, next) = (found.products, found.next_cursor);
    let t = visitor.t();
    Ok(page(&ProductsPage {
        ctx: Ctx::new(&visitor),
        products: products
            .iter()
            .map(|p| ProductRow {
                id: p.id,
                name: p.name.clone(),
                price: money(p.price, &p.currency),
                status: p.status.as_str().to_owned(),
                stock: p.stock_available,
                category: p.category.clone().unwrap_or_default(),
            })
            .collect(),
        next_url: next.map(|c| with_query(&visitor.path, "cursor", &c)),
        csv_url: format!("/admin/products.csv?{}", p.query_string()),
        sorts: [
            ("newest", t.sort_newest),
            ("relevance", t.sort_relevance),
            ("price_asc", t.sort_price_asc),
            ("price_desc", t.sort_price_desc),
            ("rating", t.sort_rating),
        ],
        // What the catalogue sorts by when the query names no sort.
        sort: match (p.sort.is_empty(), p.q.trim().is_empty()) {
            (false, _) => p.sort,
            (true, true) => "newest".to_owned(),
            (true, false) => "relevance".to_owned(),
        },
        status: p.status,
        q: p.q,
    }))
}

/// The most products one CSV export holds.
const PRODUCTS_CSV_CAP: usize = 10_000;

/// `GET /admin/products.csv`: the products the list's filters select, in its sort (up to
/// 10,000), one line per variant, prices in major units.
pub async fn csv(State(state): State<AppState>, visitor: Visitor, Query(mut p): Query<ListQuery>) -> WebResult {
    use emporium_app::audit::csv_field;
    visitor.staff(Permission::Catalogue)?;
    let mut out = String::from("product_id,name,status,category,variant_id,sku,options,currency,price,stock\r\n");
    let mut count = 0;
    p.cursor = None;
    loop {
        let found = find_products(&state, &p.params(100), true).await?;
        for product in &found.products {
            for v in &product.variants {
                let fields = [
                    product.id.to_string(),
                    product.name.clone(),
                    product.status.as_str().to_owned(),
                    product.category.clone().unwrap_or_default(),
                    v.id.to_string(),
                    v.sku.clone().unwrap_or_default(),
                    v.option_values.label(),
                    product.currency.clone(),
                    super::order_list::decimal(v.price, &product.currency),
                    v.stock_available.to_string(),
                ];
                out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
                out.push_str("\r\n");
            }
        }
        count += found.products.len();
        match found.next_cursor {
            Some(c) if count < PRODUCTS_CSV_CAP => p.cursor = Some(c),
            _ => break,
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"products.csv\""),
        ],
        out,
    )
        .into_response())
}

/// The product form, as typed.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ProductForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    images: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    initial_quantity: String,
    #[serde(default)]
    initial_unit_cost: String,
    /// One option per line, `颜色: 黑, 白`; a new product gets a variant per combination.
    #[serde(default)]
    options: String,
    /// Whether the product has one variant, whose price and SKU the form edits.
    #[serde(skip)]
    single: bool,
    /// The English name, description and labels (`颜色 = Colour`, `颜色: 黑 = Black` per
    /// line).
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    labels_en: String,
    /// The same in Chinese, for a shop that writes in English.
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    description_zh: String,
    #[serde(default)]
    labels_zh: String,
}

/// The form's translation fields' suffix for each locale.
const TRANSLATED: [(&str, &str); 2] = [("en", "en"), ("zh-CN", "zh")];

/// A translation as the form shows it: name, description, labels.
fn translation_fields(p: &Product, tag: &str) -> (String, String, String) {
    let Some(t) = p.translations.get(tag) else {
        return Default::default();
    };
    let labels = t
        .options
        .iter()
        .map(|(option, label)| format!("{option} = {label}"))
        .chain(
            t.values
                .iter()
                .map(|((option, value), label)| format!("{option}: {value} = {label}")),
        )
        .collect::<Vec<_>>()
        .join("\n");
    (
        t.name.clone().unwrap_or_default(),
        t.description.clone().unwrap_or_default(),
        labels,
    )
}

impl ProductForm {
    pub(super) fn of(p: &Product) -> Self {
        let exponent = emporium_domain::money::Currency::parse("currency", &p.currency).map_or(2, |c| c.exponent());
        let scale = 10i64.pow(u32::from(exponent));
        Self {
            name: p.name.clone(),
            description: p.description.clone(),
            price: if exponent == 0 {
                p.price.to_string()
            } else {
                format!("{}.{:0w$}", p.price / scale, p.price % scale, w = usize::from(exponent))
            },
            currency: p.currency.clone(),
            category: p.category.clone().unwrap_or_default(),
            sku: p.sole_variant().and_then(|v| v.sku.clone()).unwrap_or_default(),
            options: p
                .options
                .as_slice()
                .iter()
                .map(|o| format!("{}: {}", o.name, o.values.join(", ")))
                .collect::<Vec<_>>()
                .join("\n"),
            single: p.variants.len() == 1,
            images: p
                .images
                .iter()
                .map(|i| {
                    if i.alt().is_empty() {
                        i.url().to_owned()
                    } else {
                        format!("{} {}", i.url(), i.alt())
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
            status: p.status.as_str().to_owned(),
            initial_quantity: String::new(),
            initial_unit_cost: String::new(),
            ..Self::translations_of(p)
        }
    }

    fn translations_of(p: &Product) -> Self {
        let (name_en, description_en, labels_en) = translation_fields(p, "en");
        let (name_zh, description_zh, labels_zh) = translation_fields(p, "zh-CN");
        Self {
            name_en,
            description_en,
            labels_en,
            name_zh,
            description_zh,
            labels_zh,
            ..Self::default()
        }
    }

    /// Each locale's fields for the page: `(suffix, language, name, description, labels)`.
    pub(super) fn translation_sections(&self) -> [(&'static str, &'static str, &str, &str, &str); 2] {
        [
            ("en", "English", &self.name_en, &self.description_en, &self.labels_en),
            ("zh", "简体中文", &self.name_zh, &self.description_zh, &self.labels_zh),
        ]
    }

    /// The translations as typed; a locale with nothing typed has none.
    fn translations(&self) -> BTreeMap<String, TextDraft> {
        let mut out = BTreeMap::new();
        for (tag, suffix) in TRANSLATED {
            let (name, description, labels) = match suffix {
                "en" => (&self.name_en, &self.description_en, &self.labels_en),
                _ => (&self.name_zh, &self.description_zh, &self.labels_zh),
            };
            let mut draft = TextDraft {
                name: Some(name.trim().to_owned()).filter(|n| !n.is_empty()),
                description: Some(description.trim().to_owned()).filter(|d| !d.is_empty()),
                ..TextDraft::default()
            };
            for line in labels.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let (key, label) = line.split_once('=').unwrap_or((line, ""));
                let label = label.trim().to_owned();
                match key.split_once([':', '：']) {
                    Some((option, value)) => {
                        draft
                            .values
                            .entry(option.trim().to_owned())
                            .or_default()
                            .insert(value.trim().to_owned(), label);
                    }
                    None => {
                        draft.options.insert(key.trim().to_owned(), label);
                    }
                }
            }
            if draft != TextDraft::default() {
                out.insert(tag.to_owned(), draft);
            }
        }
        out
    }

    fn currency(&self) -> String {
        if self.currency.trim().is_empty() {
            "CNY".to_owned()
        } else {
            self.currency.trim().to_ascii_uppercase()
        }
    }

    /// The options as typed: `name: value, value` per line.
    fn options(&self) -> Vec<(String, Vec<String>)> {
        self.options
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (name, values) = l.split_once([':', '：']).unwrap_or((l, ""));
                let values = values
                    .split([',', '，'])
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .collect();
                (name.trim().to_owned(), values)
            })
            .collect()
    }

    /// The images as typed: a URL per line, then its alt text after a space (URLs hold
    /// no spaces, so the first one ends the URL).
    fn images(&self) -> Vec<ImageInput> {
        self.images
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (url, alt) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
                ImageInput {
                    url: url.to_owned(),
                    alt: Some(alt.trim().to_owned()),
                }
            })
            .collect()
    }
}

/// A lot row.
#[derive(Debug)]
pub struct LotRow {
    id: i64,
    /// The variant's values (empty for a simple product).
    variant: String,
    quantity: i64,
    remaining: i64,
    unit_cost: String,
    received_at: String,
    note: String,
}

/// The receive-stock form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct LotForm {
    /// The variant receiving the lot (for a product with several).
    #[serde(default)]
    variant_id: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    unit_cost: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "admin/product.html")]
struct ProductPage {
    ctx: Ctx,
    id: Option<i64>,
    form: ProductForm,
    errors: FieldErrors,
    statuses: [&'static str; 3],
    lots: Vec<LotRow>,
    lot: LotForm,
    lot_errors: FieldErrors,
    stock: i64,
    /// The product's variants (empty for a new product).
    variants: Vec<crate::admin::variants::VariantRow>,
    /// The option names, for the add-variant form.
    option_names: Vec<String>,
    /// The product's images (empty for a new product).
    images: Vec<ImageRow>,
    /// The upload form, as typed when it failed.
    upload: UploadForm,
    /// The write-off form, as typed when it failed, and its errors.
    write_off: super::product_actions::WriteOffForm,
    write_off_errors: FieldErrors,
    /// Whether the product is archived (the page offers to put it back on sale).
    archived: bool,
}

pub(super) async fn product_page(
    state: &AppState,
    visitor: &Visitor,
    id: Option<i64>,
    form: Option<(ProductForm, FieldErrors)>,
    lot: Option<(LotForm, FieldErrors)>,
) -> WebResult {
    render_product_page(state, visitor, id, form, lot, None, None).await
}

/// The edit page of product `id` with the upload form's errors.
pub(super) async fn product_page_with_upload(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    upload: UploadForm,
) -> WebResult {
    render_product_page(state, visitor, Some(id), None, None, Some(upload), None).await
}

/// The edit page of product `id` with the write-off form's errors.
pub(super) async fn product_page_with_write_off(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    write_off: (super::product_actions::WriteOffForm, FieldErrors),
) -> WebResult {
    render_product_page(state, visitor, Some(id), None, None, None, Some(write_off)).await
}

async fn render_product_page(
    state: &AppState,
    visitor: &Visitor,
    id: Option<i64>,
    form: Option<(ProductForm, FieldErrors)>,
    lot: Option<(LotForm, FieldErrors)>,
    upload: Option<UploadForm>,
    write_off: Option<(super::product_actions::WriteOffForm, FieldErrors)>,
) -> WebResult {
    let failed = form.is_some() || lot.is_some() || upload.is_some() || write_off.is_some();
    let product = match id {
        Some(id) => Some(state.store().product(id).await?.ok_or(WebError::NotFound)?),
        None => None,
    };
    let (form, errors) = form.unwrap_or_else(|| {
        (
            product.as_ref().map(ProductForm::of).unwrap_or_default(),
            FieldErrors::default(),
        )
    });
    let lots = match id {
        Some(id) => state.store().lots(id, None, None, 100).await?,
        None => Vec::new(),
    };
    let currency = product.as_ref().map_or("CNY", |p| p.currency.as_str()).to_owned();
    let (lot, lot_errors) = lot.unwrap_or_default();
    let (write_off, write_off_errors) = write_off.unwrap_or_default();
    Ok(render(
        if failed {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &ProductPage {
            ctx: Ctx::new(visitor),
            id,
            form,
            errors,
            statuses: ["active", "draft", "archived"],
            lots: lots
                .iter()
                .map(|l| LotRow {
                    id: l.id,
                    variant: product
                        .as_ref()
                        .and_then(|p| p.variant(l.variant_id))
                        .map(|v| v.option_values.label())
                        .unwrap_or_default(),
                    quantity: l.quantity,
                    remaining: l.remaining,
                    unit_cost: money(l.unit_cost, &currency),
                    received_at: time(l.received_at),
                    note: l.note.clone().unwrap_or_default(),
                })
                .collect(),
            lot,
            lot_errors,
            stock: product.as_ref().map_or(0, |p| p.stock_available),
            variants: product.as_ref().map(crate::admin::variants::rows).unwrap_or_default(),
            option_names: product
                .as_ref()
                .map(|p| p.options.names().into_iter().map(str::to_owned).collect())
                .unwrap_or_default(),
            images: product.as_ref().map(super::images::rows).unwrap_or_default(),
            upload: upload.unwrap_or_default(),
            write_off,
            write_off_errors,
            archived: product
                .as_ref()
                .is_some_and(|p| p.status == emporium_domain::catalog::ProductStatus::Archived),
        },
    ))
}

/// `GET /admin/products/new`.
pub async fn new_page(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let form = ProductForm {
        currency: "CNY".into(),
        status: "active".into(),
        ..ProductForm::default()
    };
    product_page(&state, &visitor, None, Some((form, FieldErrors::default())), None)
        .await
        .map(|mut r| {
            *r.status_mut() = StatusCode::OK;
            r
        })
}

fn price_of(form: &ProductForm, errors: &mut Vec<FieldError>) -> i64 {
    match parse_money(&form.price, &form.currency()) {
        Some(p) => p,
        None => {
            errors.push(FieldError::new("price", "must be an amount such as 12.50"));
            1
        }
    }
}

/// `POST /admin/products`.
pub async fn create(State(state): State<AppState>, Posted { visitor, form }: Posted<ProductForm>) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let mut errors = Vec::new();
    let price = price_of(&form, &mut errors);
    let initial_stock = if form.initial_quantity.trim().is_empty() {
        None
    } else {
        let quantity = form.initial_quantity.trim().parse::<i64>().unwrap_or_else(|_| {
            errors.push(FieldError::new("initial_quantity", "must be a whole number"));
            1
        });
        let unit_cost = parse_money(&form.initial_unit_cost, &form.currency()).unwrap_or_else(|| {
            errors.push(FieldError::new("initial_unit_cost", "must be an amount such as 8.00"));
            0
        });
        Some(InitialStock { quantity, unit_cost })
    };
    if !errors.is_empty() {
        return product_page(
            &state,
            &visitor,
            None,
            Some((form, FieldErrors(errors).localized(visitor.lang))),
            None,
        )
        .await;
    }
    let options = form.options();
    // With options, a variant per combination at the form's price (SKUs numbered after
    // the form's, when one is given); the first lot goes to the first.
    let variants = (!options.is_empty()).then(|| {
        crate::admin::variants::combinations(&options)
            .into_iter()
            .enumerate()
            .map(|(n, option_values)| VariantDraft {
                sku: Some(form.sku.trim())
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("{s}-{}", n + 1)),
                option_values,
                price,
                initial_stock: if n == 0 { initial_stock } else { None },
                ..VariantDraft::default()
            })
            .collect()
    });
    let single = variants.is_none();
    let request = ProductDraft {
        name: form.name.clone(),
        description: Some(form.description.clone()),
        price: single.then_some(price),
        currency: Some(form.currency()),
        category: Some(form.category.clone()),
        sku: single.then(|| form.sku.clone()),
        images: Some(form.images()),
        status: Some(form.status.clone()).filter(|s| !s.is_empty()),
        initial_stock: if single { initial_stock } else { None },
        options,
        variants,
        translations: form.translations(),
        ..ProductDraft::default()
    };
    match catalog::create_product(&state, request).await {
        Ok(product) => Ok(see_other(&after(
            &format!("/admin/products/{}", product.id),
            Done::Created,
        ))),
        Err(e) => {
            let errors = rename_initial(form_errors(e, visitor.lang)?);
            product_page(&state, &visitor, None, Some((form, errors)), None).await
        }
    }
}

/// The rules name the initial stock's fields `initial_stock.quantity` and translations
/// `translations.en.name`; the form flattens them.
fn rename_initial(mut errors: FieldErrors) -> FieldErrors {
    for e in &mut errors.0 {
        for (tag, suffix) in TRANSLATED {
            if let Some(rest) = e.field.strip_prefix(&format!("translations.{tag}")) {
                e.field = match rest {
                    ".name" => format!("name_{suffix}"),
                    ".description" => format!("description_{suffix}"),
                    _ => format!("labels_{suffix}"),
                };
            }
        }
        e.field = e
            .field
            .replace("initial_stock.quantity", "initial_quantity")
            .replace("initial_stock.unit_cost", "initial_unit_cost");
        if e.field.starts_with("options[") || e.field.starts_with("variants") {
            e.field = "options".into();
        }
    }
    errors
}

/// `GET /admin/products/{id}`.
pub async fn edit_page(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    product_page(&state, &visitor, Some(id), None, None).await
}

/// `POST /admin/products/{id}`.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<ProductForm>,
) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let product = state.store().product(id).await?.ok_or(WebError::NotFound)?;
    let single = product.variants.len() == 1;
    let mut errors = Vec::new();
    let price = if single {
        Some(price_of(&form, &mut errors))
    } else {
        None
    };
    if !errors.is_empty() {
        return product_page(
            &state,
            &visitor,
            Some(id),
            Some((form, FieldErrors(errors).localized(visitor.lang))),
            None,
        )
        .await;
    }
    let options = form.options();
    let request = ProductEdit {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
        price,
        currency: Some(form.currency()),
        category: Some(Some(form.category.clone())),
        sku: single.then(|| Some(form.sku.clone())),
        images: Some(form.images()),
        status: Some(form.status.clone()).filter(|s| !s.is_empty()),
        options: (options
            != product
                .options
                .as_slice()
                .iter()
                .map(|o| (o.name.clone(), o.values.clone()))
                .collect::<Vec<_>>())
        .then_some(options),
        translations: Some(form.translations()),
        ..ProductEdit::default()
    };
    match catalog::update_product(&state, id, request).await {
        Ok(_) => Ok(see_other(&after(&format!("/admin/products/{id}"), Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = rename_initial(form_errors(e, visitor.lang)?);
            product_page(&state, &visitor, Some(id), Some((form, errors)), None).await
        }
    }
}

/// `POST /admin/products/{id}/lots`: receives stock.
pub async fn receive(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<LotForm>,
) -> WebResult {
    visitor.staff(Permission::Inventory)?;
    let product = state.store().product(id).await?.ok_or(WebError::NotFound)?;
    let mut errors = Vec::new();
    let quantity = form.quantity.trim().parse::<i64>().unwrap_or_else(|_| {
        errors.push(FieldError::new("quantity", "must be a whole number greater than 0"));
        0
    });
    let unit_cost = parse_money(&form.unit_cost, &product.currency).unwrap_or_else(|| {
        errors.push(FieldError::new("unit_cost", "must be an amount such as 8.00"));
        0
    });
    if !errors.is_empty() {
        return product_page(
            &state,
            &visitor,
            Some(id),
            None,
            Some((form, FieldErrors(errors).localized(visitor.lang))),
        )
        .await;
    }
    let receipt = Receipt {
        quantity,
        unit_cost,
        received_at: None,
        note: Some(form.note.as_str()).filter(|n| !n.trim().is_empty()),
    };
    let variant_id = form.variant_id.trim().parse::<i64>().ok();
    match inventory::receive_stock(&state, id, variant_id, receipt).await {
        Ok(_) => Ok(see_other(&format!(
            "{}#lots",
            after(&format!("/admin/products/{id}"), Done::StockReceived)
        ))),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            product_page(&state, &visitor, Some(id), None, Some((form, errors))).await
        }
    }
}

/// A valuation row.
#[derive(Debug)]
pub struct ValueRow {
    product_id: i64,
    name: String,
    /// The variant's SKU and values.
    variant: String,
    units: i64,
    value: String,
}

#[derive(Template)]
#[template(path = "admin/inventory.html")]
struct InventoryPage {
    ctx: Ctx,
    rows: Vec<ValueRow>,
    total_units: i64,
    total_value: String,
    next_url: Option<String>,
}

/// `?after=` product id for valuation pages.
#[derive(Debug, Deserialize)]
pub struct After {
    after: Option<String>,
}

/// `GET /admin/inventory`: the FIFO valuation.
pub async fn inventory(State(state): State<AppState>, visitor: Visitor, Query(p): Query<After>) -> WebResult {
    visitor.staff(Permission::Inventory)?;
    const PER_PAGE: i64 = 50;
    let after = p.after.as_deref().and_then(|a| a.parse().ok()).unwrap_or(0);
    let (mut rows, total_units, total_value) = state.store().valuation(after, PER_PAGE + 1).await?;
    let next_url = if rows.len() as i64 > PER_PAGE {
        rows.truncate(PER_PAGE as usize);
        rows.last()
            .map(|r| with_query(&visitor.path, "after", &r.variant_id.to_string()))
    } else {
        None
    };
    Ok(page(&InventoryPage {
        ctx: Ctx::new(&visitor),
        rows: rows
            .iter()
            .map(|r| ValueRow {
                product_id: r.product_id,
                name: r.name.clone(),
                variant: [r.sku.clone().unwrap_or_default(), r.option_values.label()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                units: r.units_on_hand,
                value: money(r.value, &r.currency),
            })
            .collect(),
        total_units,
        total_value: money(total_value, "CNY"),
        next_url,
    }))
}
