//! Beauty: skincare best-sellers by their shop nicknames (小黑瓶, 神仙水), sunscreen and lipstick.

use fastrand::Rng;

use super::Listing;
use crate::text::{pick, pick_ref, push_tags};

/// A beauty product with its sizes (or shades, in Chinese and English) and prices in yuan.
struct Product {
    brand: &'static str,
    brand_en: &'static str,
    nickname: &'static str,
    /// The product's English name after the brand (`Advanced Night Repair Serum` for 小棕瓶).
    name_en: &'static str,
    zh: &'static str,
    en: &'static str,
    sizes: &'static [(&'static str, &'static str, i64)],
    benefit: &'static str,
}

const fn p(
    brand: (&'static str, &'static str),
    nickname: (&'static str, &'static str),
    noun: (&'static str, &'static str),
    sizes: &'static [(&'static str, &'static str, i64)],
    benefit: &'static str,
) -> Product {
    Product {
        brand: brand.0,
        brand_en: brand.1,
        nickname: nickname.0,
        name_en: nickname.1,
        zh: noun.0,
        en: noun.1,
        sizes,
        benefit,
    }
}

const SERUM: (&str, &str) = ("精华液", "serum");
const CREAM: (&str, &str) = ("面霜", "face cream");
const TONER: (&str, &str) = ("精华水", "essence toner");
const EYE: (&str, &str) = ("眼霜", "eye cream");
const SUNSCREEN: (&str, &str) = ("防晒霜", "sunscreen");
const LIPSTICK: (&str, &str) = ("口红", "lipstick");
const CLEANSER: (&str, &str) = ("洁面乳", "facial cleanser");
const MASK: (&str, &str) = ("面膜", "sheet mask");

/// Lipstick shades as shops list them, in Chinese and English.
const SHADES: &[(&str, &str, i64)] = &[
    ("#999 正红色", "#999 True Red", 0),
    ("#888 砖红色", "#888 Brick Red", 0),
    ("#316 豆沙色", "#316 Rosewood", 0),
    ("#720 枫叶红", "#720 Maple Red", 0),
];

const PRODUCTS: &[Product] = &[
    p(
        ("兰蔻", "Lancôme"),
        ("小黑瓶", "Advanced Génifique Serum"),
        SERUM,
        &[
            ("30ml", "30 ml", 760),
            ("50ml", "50 ml", 1_080),
            ("100ml", "100 ml", 1_700),
        ],
        "修护肌底、稳定肤况",
    ),
    p(
        ("兰蔻", "Lancôme"),
        ("菁纯", "Absolue Cream"),
        CREAM,
        &[("30ml", "30 ml", 1_450), ("60ml", "60 ml", 2_500)],
        "紧致抗老、滋润保湿",
    ),
    p(
        ("雅诗兰黛", "Estée Lauder"),
        ("小棕瓶", "Advanced Night Repair Serum"),
        SERUM,
        &[
            ("30ml", "30 ml", 650),
            ("50ml", "50 ml", 950),
            ("100ml", "100 ml", 1_550),
        ],
        "修护抗老、淡化细纹",
    ),
    p(
        ("雅诗兰黛", "Estée Lauder"),
        ("多效智妍", "Resilience Multi-Effect Cream"),
        CREAM,
        &[("50ml", "50 ml", 690)],
        "紧致提拉、保湿",
    ),
    p(
        ("SK-II", "SK-II"),
        ("神仙水", "Facial Treatment Essence"),
        TONER,
        &[
            ("75ml", "75 ml", 590),
            ("160ml", "160 ml", 1_070),
            ("230ml", "230 ml", 1_390),
        ],
        "调理肌肤、细腻毛孔",
    ),
    p(
        ("资生堂", "Shiseido"),
        ("红腰子", "Ultimune Power Infusing Serum"),
        SERUM,
        &[("50ml", "50 ml", 730), ("75ml", "75 ml", 1_050)],
        "强韧屏障、抵御干燥",
    ),
    p(
        ("娇韵诗", "Clarins"),
        ("双萃", "Double Serum"),
        SERUM,
        &[("50ml", "50 ml", 860), ("75ml", "75 ml", 1_180)],
        "抗初老、提亮",
    ),
    p(
        ("科颜氏", "Kiehl's"),
        ("高保湿", "Ultra Facial Cream"),
        CREAM,
        &[("50ml", "50 ml", 270), ("125ml", "125 ml", 520)],
        "长效保湿、舒缓干燥",
    ),
    p(
        ("欧莱雅", "L'ORÉAL"),
        ("紫熨斗", "Revitalift Filler Eye Cream"),
        EYE,
        &[("15ml", "15 ml", 290), ("30ml", "30 ml", 450)],
        "淡化眼纹、紧致眼周",
    ),
    p(
        ("欧莱雅", "L'ORÉAL"),
        ("玻尿酸", "Revitalift Hyaluronic Acid Serum"),
        SERUM,
        &[("30ml", "30 ml", 299), ("50ml", "50 ml", 399)],
        "补水保湿、水光透亮",
    ),
    p(
        ("玉兰油", "OLAY"),
        ("小白瓶", "Luminous Niacinamide Serum"),
        SERUM,
        &[("30ml", "30 ml", 299), ("50ml", "50 ml", 429)],
        "烟酰胺提亮、淡化暗沉",
    ),
    p(
        ("玉兰油", "OLAY"),
        ("大红瓶", "Regenerist Micro-Sculpting Cream"),
        CREAM,
        &[("50g", "50 g", 299)],
        "紧致弹润、淡纹",
    ),
    p(
        ("珀莱雅", "PROYA"),
        ("双抗", "Double Resist Serum"),
        SERUM,
        &[("30ml", "30 ml", 229), ("50ml", "50 ml", 329)],
        "抗氧化、抗糖化",
    ),
    p(
        ("珀莱雅", "PROYA"),
        ("红宝石", "Ruby Cream"),
        CREAM,
        &[("50g", "50 g", 299)],
        "淡纹紧致、抗初老",
    ),
    p(
        ("薇诺娜", "Winona"),
        ("舒敏保湿", "Soothing Moisturising Cream"),
        CREAM,
        &[("50g", "50 g", 268)],
        "舒缓敏感、修护屏障",
    ),
    p(
        ("理肤泉", "La Roche-Posay"),
        ("B5", "Cicaplast Baume B5"),
        CREAM,
        &[("40ml", "40 ml", 168), ("100ml", "100 ml", 298)],
        "修护舒缓、急救泛红",
    ),
    p(
        ("百雀羚", "Pechoin"),
        ("帧颜", "Frame Youth Cream"),
        CREAM,
        &[("50g", "50 g", 239)],
        "淡纹紧致",
    ),
    p(
        ("自然堂", "CHANDO"),
        ("冰肌水", "Ice Skin Toner"),
        TONER,
        &[("160ml", "160 ml", 139)],
        "补水保湿、清爽",
    ),
    p(
        ("安热沙", "ANESSA"),
        ("小金瓶", "Perfect UV Sunscreen Milk SPF50+"),
        SUNSCREEN,
        &[("60ml", "60 ml", 228), ("90ml", "90 ml", 318)],
        "SPF50+ PA++++ 清爽防水",
    ),
    p(
        ("芙丽芳丝", "freeplus"),
        ("氨基酸", "Amino Acid Facial Cleanser"),
        CLEANSER,
        &[("100g", "100 g", 125)],
        "温和洁净、不紧绷",
    ),
    p(
        ("可复美", "Comfy"),
        ("重组胶原蛋白", "Recombinant Collagen Sheet Mask"),
        MASK,
        &[("5片", "5 Sheets", 198), ("10片", "10 Sheets", 358)],
        "舒缓修护、补水",
    ),
    p(
        ("迪奥", "Dior"),
        ("烈艳蓝金", "Rouge Dior Lipstick"),
        LIPSTICK,
        SHADES,
        "丝绒质地、显色持久",
    ),
    p(
        ("魅可", "MAC"),
        ("子弹头", "Matte Lipstick"),
        LIPSTICK,
        SHADES,
        "哑光显色、不易沾杯",
    ),
    p(
        ("完美日记", "Perfect Diary"),
        ("小细跟", "Stiletto Lipstick"),
        LIPSTICK,
        SHADES,
        "轻薄丝绒、平价显白",
    ),
    p(
        ("花西子", "Florasis"),
        ("雕花", "Carved Lipstick"),
        LIPSTICK,
        SHADES,
        "东方雕花工艺、滋润显色",
    ),
];

/// Lipstick prices by brand, since the shade does not change them.
fn lipstick_yuan(brand_en: &str) -> i64 {
    match brand_en {
        "Dior" => 350,
        "MAC" => 230,
        "Florasis" => 219,
        _ => 89,
    }
}

/// Ways of selling a product, in Chinese and English, with the price in percent of a
/// single item.
const OFFERS: &[(&str, &str, i64)] = &[
    ("", "", 100),
    ("", "", 100),
    (" 礼盒装", ", Gift Box", 110),
    (" 赠小样", ", with Free Samples", 105),
    (" 2支装", ", Pack of 2", 190),
    (" 节日限定", ", Holiday Limited Edition", 115),
];
const TAGS: &[&str] = &[
    "补水保湿",
    "敏感肌适用",
    "送女友礼物",
    "官方正品",
    "护肤品",
    "学生党",
    "提亮肤色",
    "熬夜急救",
    "七夕礼物",
    "滋润",
    "修护",
    "持久",
];

/// Writes one beauty listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    let product = pick_ref(rng, PRODUCTS);
    let (size, size_en, mut yuan) = pick(rng, product.sizes);
    if product.en == LIPSTICK.1 {
        yuan = lipstick_yuan(product.brand_en);
    }
    // Shops sell the same bottle alone, boxed, with samples or in pairs; each is its own listing.
    let (offer, offer_en, percent) = pick(rng, OFFERS);
    let mut name = format!("{} {} {} {size}{offer}", product.brand, product.nickname, product.zh);
    yuan = yuan * percent / 100;
    push_tags(&mut name, rng, TAGS, 1..=3);
    let skin = pick(rng, &["各种肤质", "干性及混合性肌肤", "油性及混合性肌肤", "敏感肌"]);
    let usage = if product.en == LIPSTICK.1 {
        "直接涂抹于唇部，可叠涂加深颜色"
    } else {
        "洁面后取适量，均匀涂抹于面部，轻拍至吸收"
    };
    let description = format!(
        "{brand}{nickname}{zh}（{size}），{benefit}。适用肤质：{skin}。使用方法：{usage}。\
         官方正品，保质期三年，请于开封后12个月内使用完毕。",
        brand = product.brand,
        nickname = product.nickname,
        zh = product.zh,
        benefit = product.benefit,
    );
    let description_en = format!(
        "{brand_en} {name_en}, {size_en}. {closing}",
        brand_en = product.brand_en,
        name_en = product.name_en,
        closing = if product.en == LIPSTICK.1 {
            "Rich, long-wearing colour."
        } else {
            "Gentle enough for daily use."
        },
    );
    Listing {
        name,
        name_en: format!("{} {} {size_en}{offer_en}", product.brand_en, product.name_en),
        description,
        description_en,
        yuan,
    }
}
