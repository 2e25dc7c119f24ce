//! The options a demo product is sold in, by category: phones and headphones in colours,
//! sportswear in sizes, tea by weight… About three variants per product on average
//! (2.9), so a catalogue of 100,000 products holds about 290,000 variants. Each variant
//! past the first gets its own price (larger sizes cost more) and lots of its own.

use fastrand::Rng;

use crate::{DemoLot, DemoVariant};

// The option names, in Chinese and in English.
const COLOUR: (&str, &str) = ("颜色", "Colour");
const SIZE: (&str, &str) = ("尺码", "Size");
const STORAGE: (&str, &str) = ("存储", "Storage");
const LENGTH: (&str, &str) = ("长度", "Length");
/// A pack's size: a tea's net weight, a bottle's volume.
const PACK_SIZE: (&str, &str) = ("规格", "Size");
const OPTION_NAMES: [(&str, &str); 5] = [COLOUR, SIZE, STORAGE, LENGTH, PACK_SIZE];

/// The colours products come in, in Chinese and in English.
const COLOURS: [(&str, &str); 6] = [
    ("黑色", "Black"),
    ("白色", "White"),
    ("蓝色", "Blue"),
    ("银色", "Silver"),
    ("绿色", "Green"),
    ("粉色", "Pink"),
];

/// The English for an option name of the demo catalogue (`颜色` → `Colour`, `规格` → `Size`),
/// or `None` for a name it does not use.
pub fn option_en(name: &str) -> Option<&'static str> {
    english(&OPTION_NAMES, name)
}

/// The English for a Chinese option value of the demo catalogue (`黑色` → `Black`), or
/// `None` for a value that reads the same in English (`128GB`, `S`, `1m`, `100g`) or that
/// the catalogue does not use.
pub fn option_value_en(value: &str) -> Option<&'static str> {
    english(&COLOURS, value)
}

/// The English of `zh` in a table of `(Chinese, English)` pairs.
fn english(table: &[(&'static str, &'static str)], zh: &str) -> Option<&'static str> {
    table.iter().find(|(z, _)| *z == zh).map(|(_, en)| *en)
}

/// The options for a category's SKU code: `(name, values)`, none for a simple product.
fn options_for(code: &str, rng: &mut Rng) -> Vec<(&'static str, Vec<&'static str>)> {
    let colours = |rng: &mut Rng, n: usize| {
        let start = rng.usize(..COLOURS.len());
        (0..n)
            .map(|i| COLOURS[(start + i) % COLOURS.len()].0)
            .collect::<Vec<_>>()
    };
    match code {
        "PHN" => vec![(COLOUR.0, colours(rng, 3)), (STORAGE.0, vec!["128GB", "256GB"])],
        "LAP" => vec![(COLOUR.0, colours(rng, 2))],
        "AUD" => vec![(COLOUR.0, colours(rng, 3))],
        "CHG" => vec![(LENGTH.0, vec!["1m", "2m"])],
        "TEA" => vec![(PACK_SIZE.0, vec!["100g", "250g", "500g"])],
        "SPT" => vec![(COLOUR.0, colours(rng, 2)), (SIZE.0, vec!["S", "M", "L", "XL"])],
        "KIT" => vec![(COLOUR.0, colours(rng, 2))],
        "BTY" => vec![(PACK_SIZE.0, vec!["30ml", "50ml"])],
        "HOM" => vec![(COLOUR.0, colours(rng, 2))],
        _ => Vec::new(),
    }
}

/// Every combination of `options`' values, first option slowest.
fn combinations(options: &[(&'static str, Vec<&'static str>)]) -> Vec<Vec<String>> {
    options.iter().fold(vec![Vec::new()], |acc, (_, values)| {
        acc.iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push((*v).to_owned());
                    next
                })
            })
            .collect()
    })
}

/// The options and variants of a product whose first variant is `(sku, price, lots)`.
/// Later variants cost a step more per position in the last option (a bigger size, more
/// storage), rounded to whole yuan, and arrive in lots of their own.
pub(crate) fn variants(
    rng: &mut Rng,
    code: &str,
    sku: &str,
    price: i64,
    lots: Vec<DemoLot>,
) -> (Vec<(&'static str, Vec<&'static str>)>, Vec<DemoVariant>) {
    let options = options_for(code, rng);
    let combinations = combinations(&options);
    let steps = options.last().map_or(1, |(_, v)| v.len());
    let mut out = Vec::with_capacity(combinations.len());
    for (n, option_values) in combinations.into_iter().enumerate() {
        if n == 0 {
            out.push(DemoVariant {
                sku: sku.to_owned(),
                option_values,
                price,
                lots: lots.clone(),
            });
            continue;
        }
        let step = (n % steps) as i64;
        let variant_price = (price + price * step * 15 / 100) / 100 * 100;
        out.push(DemoVariant {
            sku: format!("{sku}-{}", n + 1),
            option_values,
            price: variant_price.max(100),
            lots: crate::lots::lots(rng, variant_price.max(100)),
        });
    }
    (options, out)
}
