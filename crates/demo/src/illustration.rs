//! The demo catalogue's pictures, drawn here as SVG: one per category and colour (a
//! simple white figure of the category on a coloured ground, with the category's name in
//! both languages), so the demo shop never shows a placeholder. A product's colour is
//! the one its name mentions (`雅川青`, `Black`), else one picked by its SKU.
//!
//! The drawings are plain shapes and text: no script, no external reference, no font
//! files; the server still sends them with a content policy that forbids anything else.

use crate::DemoProduct;
use crate::category::{ALL, Category};

/// A colour of the drawings.
struct Colour {
    /// In file names and alt text.
    name: &'static str,
    /// In Chinese alt text.
    zh: &'static str,
    /// The ground.
    ground: &'static str,
    /// Outlines and details.
    deep: &'static str,
    /// Words in a product name that ask for this colour.
    words: &'static [&'static str],
}

const PALETTE: [Colour; 8] = [
    Colour {
        name: "jade",
        zh: "青",
        ground: "#2f7d6d",
        deep: "#184a40",
        words: &["青", "绿", "Green"],
    },
    Colour {
        name: "ink",
        zh: "墨",
        ground: "#343b4a",
        deep: "#161a22",
        words: &["黑", "Black"],
    },
    Colour {
        name: "vermilion",
        zh: "朱",
        ground: "#c0452f",
        deep: "#7a2616",
        words: &["红", "Red"],
    },
    Colour {
        name: "ocean",
        zh: "蓝",
        ground: "#2e6ca4",
        deep: "#183f63",
        words: &["蓝", "Blue"],
    },
    Colour {
        name: "amber",
        zh: "金",
        ground: "#c08a1e",
        deep: "#6f4d0c",
        words: &["金", "黄", "Gold", "Yellow"],
    },
    Colour {
        name: "rose",
        zh: "粉",
        ground: "#c2577a",
        deep: "#7a2f48",
        words: &["粉", "Pink"],
    },
    Colour {
        name: "slate",
        zh: "银",
        ground: "#6f7d8c",
        deep: "#3a434d",
        words: &["银", "灰", "白", "Silver", "Grey", "White"],
    },
    Colour {
        name: "plum",
        zh: "紫",
        ground: "#6e4a8e",
        deep: "#3c2453",
        words: &["紫", "Purple"],
    },
];

/// A drawing and how a product refers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illustration {
    /// Its name: `[a-z0-9-]`, e.g. `tea-jade`; the same figure and colour, the same name.
    pub name: String,
    /// Alt text in both languages, e.g. `茶叶插画（青） · Tea illustration, jade`.
    pub alt: String,
    /// The SVG document.
    pub svg: String,
}

/// The drawing of `product`: its category's figure in the colour its name mentions last,
/// or one picked by its SKU.
pub fn illustration(product: &DemoProduct) -> Illustration {
    let category = ALL.iter().find(|c| c.name == product.category).unwrap_or(&ALL[0]);
    // The colour named last (a listing ends with the variant's colour: `… 深海蓝 44码`);
    // 蓝牙 is Bluetooth, not blue.
    let name = product.name.replace("蓝牙", "");
    let colour = PALETTE
        .iter()
        .filter_map(|c| c.words.iter().filter_map(|w| name.rfind(w)).max().map(|at| (at, c)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, c)| c)
        .unwrap_or_else(|| {
            let spread = product
                .sku
                .bytes()
                .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
            &PALETTE[(spread % PALETTE.len() as u64) as usize]
        });
    draw(category, colour)
}

/// Every drawing there is (each category in each colour).
pub fn all_illustrations() -> impl Iterator<Item = Illustration> {
    ALL.iter()
        .flat_map(|category| PALETTE.iter().map(move |colour| draw(category, colour)))
}

fn draw(category: &Category, colour: &Colour) -> Illustration {
    let slug: String = category
        .name
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let alt = format!(
        "{}插画（{}） · {} illustration, {}",
        category.zh, colour.zh, category.name, colour.name
    );
    let label = escape(&format!("{} · {}", category.zh, category.name));
    let svg = format!(
        concat!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800" width="800" height="800" role="img" aria-label="{alt}">"##,
            r##"<rect width="800" height="800" fill="{ground}"/>"##,
            // Pages show pictures cropped to 4:3 at times: everything stays within the
            // middle three quarters of the height.
            r##"<circle cx="400" cy="345" r="240" fill="#ffffff" fill-opacity="0.12"/>"##,
            r##"<g transform="translate(40 10) scale(0.9)" fill="#ffffff" stroke="{deep}" stroke-width="14" stroke-linejoin="round" stroke-linecap="round">{figure}</g>"##,
            r##"<text x="400" y="660" text-anchor="middle" font-family="'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif" font-size="46" fill="#ffffff">{label}</text>"##,
            "</svg>\n"
        ),
        alt = escape(&alt),
        ground = colour.ground,
        deep = colour.deep,
        figure = figure(category.code, colour.deep),
        label = label,
    );
    Illustration {
        name: format!("{slug}-{}", colour.name),
        alt,
        svg,
    }
}

/// The category's figure, about 400 px across around the middle of the picture.
fn figure(code: &str, deep: &str) -> String {
    let detail = |shape: &str| format!(r#"<g fill="{deep}" fill-opacity="0.3" stroke="none">{shape}</g>"#);
    match code {
        "PHN" => format!(
            r#"<rect x="295" y="160" width="210" height="400" rx="38"/>{}"#,
            detail(r#"<rect x="322" y="205" width="156" height="285" rx="8"/><circle cx="400" cy="525" r="16"/>"#)
        ),
        "LAP" => format!(
            r#"<rect x="225" y="195" width="350" height="240" rx="16"/><path d="M165 470 H635 L600 530 H200 Z"/>{}"#,
            detail(r#"<rect x="255" y="225" width="290" height="180" rx="6"/>"#)
        ),
        "AUD" => r#"<path d="M245 430 V370 A155 155 0 0 1 555 370 V430" fill="none"/><rect x="205" y="395" width="85" height="160" rx="32"/><rect x="510" y="395" width="85" height="160" rx="32"/>"#.to_owned(),
        "CHG" => r#"<rect x="345" y="170" width="26" height="80" rx="6"/><rect x="429" y="170" width="26" height="80" rx="6"/><rect x="310" y="245" width="180" height="190" rx="28"/><path d="M400 435 C400 530 290 520 290 600" fill="none"/>"#.to_owned(),
        "TEA" => r#"<path d="M335 300 C315 260 355 240 335 195 M425 300 C405 260 445 240 425 195" fill="none"/><path d="M555 370 A55 55 0 0 1 555 480" fill="none"/><path d="M245 340 H560 V410 A157 157 0 0 1 245 410 Z"/><rect x="215" y="560" width="370" height="26" rx="13"/>"#.to_owned(),
        "SNK" => format!(
            r#"<path d="M285 205 L305 180 L325 205 L345 180 L365 205 L385 180 L405 205 L425 180 L445 205 L465 180 L485 205 L505 180 L515 205 L545 560 H255 Z"/>{}"#,
            detail(r#"<circle cx="400" cy="390" r="70"/>"#)
        ),
        "KIT" => r#"<rect x="370" y="235" width="60" height="45" rx="14"/><path d="M215 300 H585" fill="none"/><rect x="240" y="310" width="320" height="230" rx="34"/><path d="M240 370 H185 M560 370 H615" fill="none"/>"#.to_owned(),
        "SPT" => r#"<path d="M320 185 L235 228 L185 325 L262 357 L282 325 V565 H518 V325 L538 357 L615 325 L565 228 L480 185 C460 232 340 232 320 185 Z"/>"#.to_owned(),
        "BOK" => r#"<path d="M205 220 C280 195 350 205 400 250 C450 205 520 195 595 220 V535 C520 512 450 520 400 565 C350 520 280 512 205 535 Z"/><path d="M400 250 V565" fill="none"/>"#.to_owned(),
        "BTY" => format!(
            r#"<rect x="350" y="165" width="100" height="75" rx="14"/><rect x="368" y="240" width="64" height="50"/><rect x="325" y="285" width="150" height="275" rx="34"/>{}"#,
            detail(r#"<rect x="355" y="360" width="90" height="110" rx="10"/>"#)
        ),
        "HOM" => format!(
            r#"<path d="M195 385 L400 200 L605 385 V565 H195 Z"/>{}"#,
            detail(r#"<rect x="360" y="445" width="80" height="120" rx="6"/><rect x="255" y="410" width="70" height="70" rx="6"/><rect x="475" y="410" width="70" height="70" rx="6"/>"#)
        ),
        _ => r#"<rect x="215" y="400" width="165" height="165" rx="18"/><rect x="420" y="400" width="165" height="165" rx="18"/><rect x="318" y="230" width="165" height="165" rx="18"/>"#.to_owned(),
    }
}

/// Escapes text for SVG (XML) content and attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_and_colour_has_its_own_clean_drawing() {
        let all: Vec<Illustration> = all_illustrations().collect();
        assert_eq!(all.len(), ALL.len() * PALETTE.len());
        let names: std::collections::BTreeSet<&str> = all.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names.len(), all.len(), "names are distinct");
        for i in &all {
            assert!(
                i.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && i.name.len() <= 64,
                "{}",
                i.name
            );
            assert!(i.svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
            for never in ["<script", "href", "url(", "on", "foreignObject"] {
                let found = if never == "on" {
                    i.svg.contains(" on") && i.svg.split(' ').any(|w| w.starts_with("on") && w.contains('='))
                } else {
                    i.svg.contains(never)
                };
                assert!(!found, "{} holds {never}", i.name);
            }
            assert!(!i.alt.is_empty() && i.alt.chars().count() <= 200 && !i.alt.contains(['\t', '\n']));
        }
        assert!(names.contains("chargers-cables-jade"));
        let chargers = all.iter().find(|i| i.name == "chargers-cables-jade").unwrap();
        assert!(chargers.svg.contains("Chargers &amp; Cables"), "text is escaped");
    }

    #[test]
    fn a_product_gets_the_colour_its_name_names_and_the_same_drawing_every_time() {
        let products: Vec<DemoProduct> = crate::catalogue(42, 300).collect();
        let mut named = 0;
        for p in &products {
            let i = illustration(p);
            assert_eq!(i, illustration(p));
            let slug = i.name.rsplit_once('-').unwrap().0.to_owned();
            assert!(
                p.category.to_ascii_lowercase().replace(" & ", "-") == slug,
                "{} for {}",
                i.name,
                p.category
            );
            // A name whose only colour word is 黑 is drawn in ink.
            let words: Vec<&str> = PALETTE.iter().flat_map(|c| c.words.iter().copied()).collect();
            let named_colours: Vec<&&str> = words
                .iter()
                .filter(|w| p.name.replace("蓝牙", "").contains(**w))
                .collect();
            if named_colours == [&"黑"] {
                assert!(i.name.ends_with("-ink"), "{}: {}", p.name, i.name);
                named += 1;
            }
        }
        assert!(named > 0, "some demo products are black");
        // The colour named last wins, and Bluetooth (蓝牙) is no blue.
        let mut headphones = products.iter().find(|p| p.category == "Headphones").unwrap().clone();
        headphones.name = "JBL 头戴式无线蓝牙耳机 星空灰".into();
        assert_eq!(illustration(&headphones).name, "headphones-slate");
        headphones.name = "Sony 降噪耳机 黑色 / 午夜蓝".into();
        assert_eq!(illustration(&headphones).name, "headphones-ocean");
        let colours: std::collections::BTreeSet<String> = products
            .iter()
            .map(|p| illustration(p).name.rsplit_once('-').unwrap().1.to_owned())
            .collect();
        assert!(colours.len() >= 6, "the colours vary: {colours:?}");
    }
}
