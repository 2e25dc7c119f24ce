//! `emporium demo` and `serve --demo`: a realistic bilingual catalogue with FIFO stock,
//! generated deterministically from a seed (see `emporium-demo`) and bulk-loaded, and
//! demo shoppers whose orders and reviews feed the recommendations (`history`).

mod history;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use emporium_app::media::{self, MediaStorage};
use emporium_app::passwords::Passwords;
use emporium_domain::account::{Password, Role, Username};
use emporium_domain::catalog::{CategoryName, Description, Images, ProductName, ProductStatus, Sku};
use emporium_domain::inventory::Units;
use emporium_domain::media::MediaPath;
use emporium_domain::money::{Currency, Price, UnitCost};
use emporium_domain::time::{Clock, SystemClock, Timestamp};
use emporium_domain::translation::{ProductTranslations, TextDraft};
use emporium_domain::variant::ProductOptions;
use emporium_store::accounts::NewUser;
use emporium_store::catalog::{ImportProduct, NewProduct};
use emporium_store::categories::{CategoryChanges, NewCategory};
use emporium_store::inventory::NewLot;
use emporium_store::variants::NewVariant;
use emporium_store::{Store, StoreError};
use indicatif::{ProgressBar, ProgressStyle};

use super::{open_media, open_store};
use crate::settings::{MediaArgs, PasswordArgs, StoreArgs};

/// The seed of the demo catalogue: the same products on every machine.
pub const SEED: u64 = 42;
/// Products sent to the store per transaction.
const BATCH: usize = 2000;

/// The demo accounts, created once; their passwords are printed for the person trying it.
pub const ACCOUNTS: [(&str, &str, Role); 2] = [
    ("demo", "demo-password", Role::Customer),
    ("staff", "staff-password", Role::Staff),
];

/// `emporium demo --products N --shoppers M`.
pub async fn run(
    store_args: &StoreArgs,
    passwords: PasswordArgs,
    media_args: &MediaArgs,
    products: u32,
    shoppers: u32,
) -> anyhow::Result<()> {
    let media = open_media(store_args, media_args).await?;
    let store = open_store(store_args).await?;
    let started = Instant::now();
    let result = load_shop(
        &store,
        media.as_ref(),
        products as usize,
        shoppers as usize,
        passwords.bcrypt_cost,
    )
    .await;
    store.close().await;
    result?;
    println!(
        "demo loaded in {:.1?}; the search index catches up when `emporium serve` runs",
        started.elapsed()
    );
    Ok(())
}

/// The whole demo shop, saying what it is doing as it goes (a line per step; on a
/// terminal, progress bars too): `products` products with their stock lots (those already
/// there are skipped), the demo accounts, `shoppers` shoppers with [`history::DAYS`]
/// days of orders, and the recommendation model built on them.
pub async fn load_shop(
    store: &Store,
    media: &dyn MediaStorage,
    products: usize,
    shoppers: usize,
    bcrypt_cost: u32,
) -> anyhow::Result<()> {
    let step = Instant::now();
    let inserted = load(store, media, products).await?;
    println!(
        "loading demo catalogue… {inserted} new products of {products}, with their stock lots ({:.1?})",
        step.elapsed()
    );
    let (staff, demo) = accounts(store, bcrypt_cost).await?;

    let step = Instant::now();
    let now = SystemClock.now();
    let bar = ProgressBar::new(u64::from(history::DAYS)).with_style(
        ProgressStyle::with_template("{spinner} orders… {bar:30} {pos}/{len} days (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let cast = history::Cast { staff, demo };
    let loaded = history::load(store, shoppers, bcrypt_cost, cast, now, &|day| {
        bar.set_position(u64::from(day))
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "orders… {} days: {} orders of {shoppers} shoppers, {} refunds, {} returns ({:.1?})",
        history::DAYS,
        loaded.orders,
        loaded.refunds,
        loaded.returns,
        step.elapsed()
    );

    let step = Instant::now();
    emporium_app::recommendations::rebuild(store, &emporium_recommend::Params::default(), now)
        .await
        .context("building the recommendation model")?;
    println!("recommendations… built ({:.1?})", step.elapsed());
    Ok(())
}

/// Makes the demo accounts that do not exist yet. Answers the staff account's id and,
/// when it was made just now, the `demo` customer's (the history gives it its orders).
pub async fn accounts(store: &Store, cost: u32) -> anyhow::Result<(i64, Option<i64>)> {
    let passwords = Passwords::new(cost);
    let (mut staff, mut demo) = (None, None);
    for (name, password, role) in ACCOUNTS {
        let (id, new) = match store.credentials(name).await? {
            Some((user, _)) => (user.id, false),
            None => {
                let username = Username::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?;
                let password = Password::parse("password", password).map_err(|e| anyhow::anyhow!("{e}"))?;
                let user = NewUser {
                    username,
                    password_hash: passwords.hash(&password).await?,
                    email: None,
                    role,
                };
                // Made before the history, as any customer signs up before ordering.
                let at = SystemClock
                    .now()
                    .minus(Duration::from_secs(86_400 * u64::from(history::DAYS + 1)));
                match store.create_user(user, at).await {
                    Ok(user) => (user.id, true),
                    Err(StoreError::UsernameTaken) => {
                        let (user, _) = store
                            .credentials(name)
                            .await?
                            .context("a demo account vanished while it was made")?;
                        (user.id, false)
                    }
                    Err(e) => return Err(e).context("creating demo accounts"),
                }
            }
        };
        match role {
            Role::Staff => staff = Some(id),
            Role::Customer => demo = new.then_some(id),
        }
    }
    Ok((staff.context("no demo staff account")?, demo))
}

/// Files the demo categories in their two-level tree (`emporium_demo::category_tree`),
/// with Chinese names: the top-level ones are made, the others made or moved under them.
/// Categories staff made or moved themselves are left where they are.
async fn category_tree(store: &Store, now: Timestamp) -> anyhow::Result<()> {
    let named = |raw: &str| CategoryName::parse("name", raw).map_err(|e| anyhow::anyhow!("{e}"));
    for (position, (parent, parent_zh, children)) in emporium_demo::category_tree().iter().enumerate() {
        let tree = store.category_tree().await?;
        let parent_id = match tree.find(parent) {
            Some(c) => c.id,
            None => {
                let new = NewCategory {
                    parent_id: None,
                    slug: None,
                    name: named(parent)?,
                    position: position as i64,
                    names: vec![("zh-CN".into(), named(parent_zh)?)],
                };
                store.create_category(new, now).await?
            }
        };
        for (i, child) in children.iter().enumerate() {
            let zh = emporium_demo::category_zh(child).unwrap_or(child);
            let names = vec![("zh-CN".into(), named(zh)?)];
            match tree.find(child) {
                Some(c) if c.parent_id.is_none() => {
                    let changes = CategoryChanges {
                        parent_id: Some(Some(parent_id)),
                        position: Some(i as i64),
                        names: names.into_iter().map(|(l, n)| (l, Some(n))).collect(),
                        ..CategoryChanges::default()
                    };
                    store.update_category(c.id, changes, now).await?;
                }
                Some(_) => {}
                None => {
                    let new = NewCategory {
                        parent_id: Some(parent_id),
                        slug: None,
                        name: named(child)?,
                        position: i as i64,
                        names,
                    };
                    store.create_category(new, now).await?;
                }
            }
        }
    }
    Ok(())
}

/// Loads the first `n` products of the demo catalogue (skipping any already there) with a
/// progress bar on a terminal, each with its drawing (stored in `media`, as
/// `/media/demo/<name>.svg`). Answers how many were new.
pub async fn load(store: &Store, media: &dyn MediaStorage, n: usize) -> anyhow::Result<u64> {
    let now = SystemClock.now();
    category_tree(store, now).await.context("filing the demo categories")?;
    save_drawings(media).await?;
    hero(store, media).await.context("setting the demo banner")?;
    let bar = ProgressBar::new(n as u64).with_style(
        ProgressStyle::with_template(
            "{spinner} loading demo catalogue {bar:30} {pos}/{len} products ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut inserted = 0;
    let mut batch = Vec::with_capacity(BATCH);
    for demo in emporium_demo::catalogue(SEED, n) {
        batch.push(to_import(demo, now)?);
        if batch.len() == BATCH {
            inserted += store
                .import_products(std::mem::take(&mut batch), now)
                .await
                .context("loading demo products")?;
            bar.inc(BATCH as u64);
        }
    }
    let rest = batch.len() as u64;
    if rest > 0 {
        inserted += store
            .import_products(batch, now)
            .await
            .context("loading demo products")?;
        bar.inc(rest);
    }
    bar.finish_and_clear();
    Ok(inserted)
}

/// The demo shop's home-page banner, unless staff set one: new-season tea, with a drawing
/// of hills and a cup as its picture.
async fn hero(store: &Store, media: &dyn MediaStorage) -> anyhow::Result<()> {
    use emporium_app::storefront::{self, Hero, Texts};
    if store.setting(storefront::HERO_KEY).await?.is_some() {
        return Ok(());
    }
    let image = media::save_drawing(media, "hero-tea", HERO_DRAWING).await?;
    let hero = Hero {
        title: Texts {
            en: "New-season tea has arrived".into(),
            zh: "明前新茶 上市".into(),
        },
        subtitle: Texts {
            en: "Longjing, Biluochun and Keemun from this spring's first picking, in stock now.".into(),
            zh: "龙井、碧螺春、祁门红茶，今春头采，现货发售。".into(),
        },
        link: "/products?category=Tea".into(),
        image: Some(image),
        image_alt: String::new(),
    };
    store
        .put_setting(storefront::HERO_KEY, Some(storefront::encode(&hero)))
        .await?;
    Ok(())
}

/// Tea hills at dawn and a steaming cup: the demo banner's picture (decorative).
const HERO_DRAWING: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 400" width="1200" height="400">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f7d9a8"/><stop offset="1" stop-color="#e9a66b"/></linearGradient></defs>
<rect width="1200" height="400" fill="url(#sky)"/>
<circle cx="930" cy="120" r="60" fill="#fff3d6"/>
<path d="M0 260 C200 170 380 240 560 200 C760 150 900 230 1200 180 L1200 400 L0 400 Z" fill="#7fa36b"/>
<path d="M0 310 C240 240 420 320 640 280 C860 240 1000 300 1200 260 L1200 400 L0 400 Z" fill="#4e7a45"/>
<path d="M0 350 C260 300 520 370 760 330 C960 300 1080 350 1200 330 L1200 400 L0 400 Z" fill="#2f5a33"/>
<g fill="none" stroke="#3b5d32" stroke-width="3" opacity=".5"><path d="M60 330 q40 -14 80 0 q40 14 80 0"/><path d="M300 345 q40 -14 80 0 q40 14 80 0"/><path d="M820 320 q40 -14 80 0 q40 14 80 0"/></g>
<g transform="translate(880 250)"><path d="M0 0 h150 v40 a75 60 0 0 1 -150 0 z" fill="#fff"/><path d="M150 12 a28 24 0 0 1 0 48" fill="none" stroke="#fff" stroke-width="10"/><rect x="-25" y="95" width="200" height="12" rx="6" fill="#fff"/>
<g fill="none" stroke="#fff" stroke-width="6" stroke-linecap="round" opacity=".8"><path d="M40 -15 q-15 -25 0 -50"/><path d="M75 -15 q-15 -25 0 -50"/><path d="M110 -15 q-15 -25 0 -50"/></g></g>
</svg>
"##;

/// Stores every drawing the demo products use (a few dozen small SVG files; the same
/// bytes each time, so loading again rewrites them unchanged).
async fn save_drawings(storage: &dyn MediaStorage) -> anyhow::Result<()> {
    for drawing in emporium_demo::all_illustrations() {
        media::save_drawing(storage, &drawing.name, &drawing.svg)
            .await
            .with_context(|| format!("storing the demo drawing {}", drawing.name))?;
    }
    Ok(())
}

/// The compare-at price (划线价) of a demo variant: about one product in five is on sale,
/// its variants struck through at 20–35 % above their price (whole yuan). Decided by the
/// SKU, so the same products are on sale in every load.
fn on_sale(sku: &str, price: i64) -> Option<i64> {
    let spread: u64 = sku
        .bytes()
        .map(u64::from)
        .fold(7, |h, b| h.wrapping_mul(31).wrapping_add(b));
    spread.is_multiple_of(5).then(|| {
        let percent = 120 + i64::try_from(spread % 16).unwrap_or(0);
        (price * percent / 100).div_euclid(100) * 100 + 100
    })
}

/// A demo product through the same validation as any product.
fn to_import(demo: emporium_demo::DemoProduct, now: Timestamp) -> anyhow::Result<ImportProduct> {
    let invalid = |e: emporium_domain::FieldError| anyhow::anyhow!("demo product {}: {e}", demo.sku);
    let options: Vec<(String, Vec<String>)> = demo
        .options
        .iter()
        .map(|(name, values)| ((*name).to_owned(), values.iter().map(|v| (*v).to_owned()).collect()))
        .collect();
    let options =
        ProductOptions::parse(&options).map_err(|e| anyhow::anyhow!("demo product {}: {}", demo.sku, e.0[0]))?;
    let mut variants = Vec::with_capacity(demo.variants.len());
    let mut lots = Vec::with_capacity(demo.variants.len());
    for v in &demo.variants {
        let mut variant = NewVariant::simple(
            Price::parse("price", v.price).map_err(invalid)?,
            Some(Sku::parse(&v.sku).map_err(invalid)?),
            None,
        );
        variant.option_values = options
            .combination("option_values", &v.option_values)
            .map_err(invalid)?;
        variant.compare_at_price = on_sale(&demo.sku, v.price)
            .map(|was| Price::parse("compare_at_price", was))
            .transpose()
            .map_err(invalid)?;
        variants.push(variant);
        lots.push(
            v.lots
                .iter()
                .map(|lot| {
                    Ok(NewLot {
                        quantity: Units::parse("quantity", lot.quantity).map_err(invalid)?,
                        unit_cost: UnitCost::parse("unit_cost", lot.unit_cost).map_err(invalid)?,
                        received_at: now.minus(Duration::from_secs(u64::from(lot.received_days_ago) * 86_400)),
                        note: None,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
        );
    }
    // The English of everything the shop wrote in Chinese: the name, the description, and
    // each option's name and Chinese values.
    let english = TextDraft {
        name: Some(demo.name_en.clone()),
        description: Some(demo.description_en.clone()),
        options: demo
            .options
            .iter()
            .filter_map(|(name, _)| Some(((*name).to_owned(), emporium_demo::option_en(name)?.to_owned())))
            .collect(),
        values: demo
            .options
            .iter()
            .map(|(name, values)| {
                let english = values
                    .iter()
                    .filter_map(|v| Some(((*v).to_owned(), emporium_demo::option_value_en(v)?.to_owned())))
                    .collect();
                ((*name).to_owned(), english)
            })
            .filter(|(_, values): &(String, BTreeMap<String, String>)| !values.is_empty())
            .collect(),
    };
    let translations = ProductTranslations::parse(&[("en".to_owned(), english)].into(), &options)
        .map_err(|e| anyhow::anyhow!("demo product {}: {}", demo.sku, e.0[0]))?;
    let drawing = emporium_demo::illustration(&demo);
    let product = NewProduct {
        name: ProductName::parse(&demo.name).map_err(invalid)?,
        description: Description::parse(&demo.description).map_err(invalid)?,
        currency: Currency::CNY,
        category: Some(CategoryName::parse("category", demo.category).map_err(invalid)?),
        images: Images::parse(&[(MediaPath::drawing_url(&drawing.name), drawing.alt)]).map_err(invalid)?,
        status: ProductStatus::Active,
        options,
        variants,
        translations,
    };
    Ok(ImportProduct { product, lots })
}
