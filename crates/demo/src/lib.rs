//! A pure, deterministic generator of a bilingual (Simplified Chinese + English) demo catalogue.
//!
//! Product `i` of [`catalogue`] is derived from `(seed, i)` alone: it has its own random
//! number generator, so the same seed always gives the same products, and the first
//! thousand products are the same whether the caller asks for a thousand or a million.
//! Nothing here does I/O; loading the products into a store is the caller's business.

mod category;
mod english;
mod illustration;
mod lots;
mod text;
mod variants;

use fastrand::Rng;

pub use illustration::{Illustration, all_illustrations, illustration};
pub use variants::{option_en, option_value_en};

/// A product of the demo catalogue, with the stock lots it arrives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoProduct {
    /// Unique within one catalogue and stable across runs, e.g. `DEMO-PHN-000123`
    /// (ASCII letters, digits and `-` only, at most 32 characters).
    pub sku: String,
    /// A single-line listing title of 2..=120 characters, Chinese with English words where
    /// a Chinese shop would use them, e.g. `华为 Mate 60 Pro 手机 12GB+512GB 雅川青`.
    pub name: String,
    /// The same title in English, built from the same choices as `name`: a single line of
    /// 2..=200 characters in Latin script (brands as they spell themselves, pinyin for
    /// Chinese names without an English one), e.g. `HUAWEI Mate 60 Pro Phone 12GB+512GB Green`
    /// or `Shifeng West Lake Longjing Green Tea, Pre-Qingming, Top Grade, 2024 Harvest, 250 g Tin`.
    pub name_en: String,
    /// 1..=2000 characters of plain text: one Chinese paragraph.
    pub description: String,
    /// 1..=2000 characters of plain English text in Latin script: a sentence or two about
    /// the same product.
    pub description_en: String,
    /// One of [`categories()`].
    pub category: &'static str,
    /// Retail price in fen (minor units of CNY), always positive and a whole number of yuan.
    pub price: i64,
    /// The 1..=4 stock lots the product arrived in, oldest first.
    pub lots: Vec<DemoLot>,
    /// The options it is sold in (`颜色`, `尺码`), each with its values; none for a simple
    /// product. [`option_en`] and [`option_value_en`] give their English.
    pub options: Vec<(&'static str, Vec<&'static str>)>,
    /// Its variants, one per combination of the options; the first has the product's
    /// `sku`, `price` and `lots`.
    pub variants: Vec<DemoVariant>,
}

/// A variant of a demo product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoVariant {
    /// The product's SKU for the first variant, then `…-2`, `…-3`.
    pub sku: String,
    /// One value per option.
    pub option_values: Vec<String>,
    /// Price in fen, a whole number of yuan.
    pub price: i64,
    /// Its own 1..=4 lots, oldest first.
    pub lots: Vec<DemoLot>,
}

/// One delivery of stock: how many units, what each cost, and when it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoLot {
    /// Units received; positive, smaller for expensive goods.
    pub quantity: i64,
    /// Cost of one unit in fen: below the product's price (a 15%..60% margin) and
    /// different from the other lots of the same product, so FIFO costing matters.
    pub unit_cost: i64,
    /// Days before "today" the lot arrived; strictly decreasing from lot to lot, at most 180.
    pub received_days_ago: u32,
}

/// The English category names, in a fixed order.
pub fn categories() -> &'static [&'static str] {
    &category::NAMES
}

/// The Chinese display name of a category from [`categories()`] (`"Phones"` → `"手机"`),
/// or `None` for a name that is not one of them.
pub fn category_zh(category: &str) -> Option<&'static str> {
    category::ALL.iter().find(|c| c.name == category).map(|c| c.zh)
}

/// The demo shop's two-level category tree: each top-level category (English, Chinese)
/// and the categories of [`categories()`] under it.
pub fn category_tree() -> &'static [(&'static str, &'static str, &'static [&'static str])] {
    &[
        (
            "Electronics",
            "数码电子",
            &["Phones", "Laptops", "Headphones", "Chargers & Cables"],
        ),
        ("Food & Drink", "食品饮料", &["Tea", "Snacks"]),
        ("Home & Kitchen", "家居厨房", &["Kitchen", "Home"]),
        ("Fashion & Beauty", "服饰美妆", &["Sportswear", "Beauty"]),
        ("Books & Toys", "图书玩具", &["Books", "Toys"]),
    ]
}

/// A lazy iterator over `n` products generated from `seed`.
///
/// The same `seed` and `n` always give the same products in the same order, and product
/// `i` does not depend on `n`, so `catalogue(s, 50)` is a prefix of `catalogue(s, 1000)`.
pub fn catalogue(seed: u64, n: usize) -> impl Iterator<Item = DemoProduct> {
    (0..n).map(move |index| product(seed, index))
}

/// Product `index` of the catalogue for `seed`.
fn product(seed: u64, index: usize) -> DemoProduct {
    let mut rng = Rng::with_seed(product_seed(seed, index));
    let category = category::choose(&mut rng);
    let listing = (category.generate)(&mut rng);
    // The clamps keep a rare pile-up of pricey options (top model, biggest size, gift box),
    // and the charm rounding after it, within what the category sells for.
    let (min_fen, max_fen) = (category.min_yuan * 100, category.max_yuan * 100);
    let price =
        text::retail_price(&mut rng, listing.yuan.clamp(category.min_yuan, category.max_yuan)).clamp(min_fen, max_fen);
    let lots = lots::lots(&mut rng, price);
    let sku = format!("DEMO-{}-{index:06}", category.code);
    // Drawn after everything above, so the first variant is the product as it was
    // before the catalogue had variants.
    let (options, variants) = variants::variants(&mut rng, category.code, &sku, price, lots.clone());
    DemoProduct {
        sku,
        name: listing.name,
        name_en: listing.name_en,
        description: listing.description,
        description_en: listing.description_en,
        category: category.name,
        price,
        lots,
        options,
        variants,
    }
}

/// The seed of product `index`'s generator.
///
/// Mixing (SplitMix64's finaliser) before and after combining keeps neighbouring seeds
/// and neighbouring indices from producing related streams.
fn product_seed(seed: u64, index: usize) -> u64 {
    const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
    mix(mix(seed).wrapping_add((index as u64).wrapping_add(1).wrapping_mul(GOLDEN)))
}

/// SplitMix64's output function: a bijection on `u64` that scatters nearby inputs.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests;
