//! The category table: names in both languages, SKU codes, how common each category is,
//! its price band, and the generator that writes its listings.

mod beauty;
mod books;
mod chargers;
mod headphones;
mod home;
mod kitchen;
mod laptops;
mod phones;
mod snacks;
mod sportswear;
mod tea;
mod toys;

use fastrand::Rng;

/// What a category generator writes; the caller turns `yuan` into a shelf price and adds lots.
pub(crate) struct Listing {
    /// The single-line Chinese listing title.
    pub(crate) name: String,
    /// The single-line English listing title, built from the same choices as `name`.
    pub(crate) name_en: String,
    /// The Chinese description: one paragraph.
    pub(crate) description: String,
    /// The English description: a sentence or two.
    pub(crate) description_en: String,
    /// Roughly what the product sells for, in yuan, before charm-price rounding.
    pub(crate) yuan: i64,
}

/// One category of the demo shop.
pub(crate) struct Category {
    /// English name, as listed by `categories()`.
    pub(crate) name: &'static str,
    /// Chinese display name.
    pub(crate) zh: &'static str,
    /// Three letters in the SKU.
    pub(crate) code: &'static str,
    /// Relative share of the catalogue: a shop has more snacks than laptops.
    weight: u32,
    /// Lowest realistic price in yuan.
    pub(crate) min_yuan: i64,
    /// Highest realistic price in yuan.
    pub(crate) max_yuan: i64,
    /// Writes one listing.
    pub(crate) generate: fn(&mut Rng) -> Listing,
}

/// Every category, in the order `categories()` reports them.
pub(crate) static ALL: [Category; 12] = [
    category("Phones", "手机", "PHN", 10, 799, 15_999, phones::generate),
    category("Laptops", "笔记本电脑", "LAP", 6, 2_999, 32_999, laptops::generate),
    category("Headphones", "耳机", "AUD", 8, 79, 4_599, headphones::generate),
    category(
        "Chargers & Cables",
        "充电器与数据线",
        "CHG",
        8,
        15,
        999,
        chargers::generate,
    ),
    category("Tea", "茶叶", "TEA", 8, 38, 1_280, tea::generate),
    category("Snacks", "零食", "SNK", 10, 9, 399, snacks::generate),
    category("Kitchen", "厨房用品", "KIT", 9, 19, 4_999, kitchen::generate),
    category("Sportswear", "运动服饰", "SPT", 10, 49, 2_999, sportswear::generate),
    category("Books", "图书", "BOK", 9, 9, 899, books::generate),
    category("Beauty", "美妆护肤", "BTY", 9, 29, 3_999, beauty::generate),
    category("Home", "家居家纺", "HOM", 8, 19, 6_999, home::generate),
    category("Toys", "玩具", "TOY", 7, 19, 5_999, toys::generate),
];

/// The English names of [`ALL`], in the same order.
pub(crate) static NAMES: [&str; ALL.len()] = {
    let mut names = [""; ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = ALL[i].name;
        i += 1;
    }
    names
};

/// The sum of all weights, for weighted choice.
static TOTAL_WEIGHT: u32 = {
    let mut total = 0;
    let mut i = 0;
    while i < ALL.len() {
        total += ALL[i].weight;
        i += 1;
    }
    total
};

/// Shortens the table above.
const fn category(
    name: &'static str,
    zh: &'static str,
    code: &'static str,
    weight: u32,
    min_yuan: i64,
    max_yuan: i64,
    generate: fn(&mut Rng) -> Listing,
) -> Category {
    Category {
        name,
        zh,
        code,
        weight,
        min_yuan,
        max_yuan,
        generate,
    }
}

/// A category drawn in proportion to the weights.
pub(crate) fn choose(rng: &mut Rng) -> &'static Category {
    let mut ticket = rng.u32(..TOTAL_WEIGHT);
    for category in &ALL {
        if ticket < category.weight {
            return category;
        }
        ticket -= category.weight;
    }
    // Unreachable: the tickets add up to TOTAL_WEIGHT. The last category is a safe answer.
    &ALL[ALL.len() - 1]
}
