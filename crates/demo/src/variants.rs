//! The options a demo product is sold in, by category: phones and headphones in colours,
//! sportswear in sizes, tea by weight… About three variants per product on average
//! (2.9), so a catalogue of 100,000 products holds about 290,000 variants. Each variant
//! past the first gets its own price (larger sizes cost more) and lots of its own.

use fastrand::Rng;

use crate::{DemoLot, DemoVariant};

/// The options for a category's SKU code: `(name, values)`, none for a simple product.
fn options_for(code: &str, rng: &mut Rng) -> Vec<(&'static str, Vec<&'static str>)> {
    const COLOURS: [&str; 6] = ["黑色", "白色", "蓝色", "银色", "绿色", "粉色"];
    let colours = |rng: &mut Rng, n: usize| {
        let start = rng.usize(..COLOURS.len());
        (0..n).map(|i| COLOURS[(start + i) % COLOURS.len()]).collect::<Vec<_>>()
    };
    match code {
        "PHN" => vec![("颜色", colours(rng, 3)), ("存储", vec!["128GB", "256GB"])],
        "LAP" => vec![("颜色", colours(rng, 2))],
        "AUD" => vec![("颜色", colours(rng, 3))],
        "CHG" => vec![("长度", vec!["1m", "2m"])],
        "TEA" => vec![("规格", vec!["100g", "250g", "500g"])],
        "SPT" => vec![("颜色", colours(rng, 2)), ("尺码", vec!["S", "M", "L", "XL"])],
        "KIT" => vec![("颜色", colours(rng, 2))],
        "BTY" => vec![("规格", vec!["30ml", "50ml"])],
        "HOM" => vec![("颜色", colours(rng, 2))],
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
