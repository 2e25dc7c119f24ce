//! Sportswear: running and basketball shoes with named series, and training apparel, by size.

use fastrand::Rng;

use super::Listing;
use crate::english::title_case;
use crate::text::{pick, pick_ref, push_tags};

/// A shoe series with its maker, Chinese shoe noun, English noun and price in yuan.
struct Shoe {
    brand: &'static str,
    brand_en: &'static str,
    series: &'static str,
    series_en: &'static str,
    zh: &'static str,
    en: &'static str,
    yuan: i64,
}

const fn shoe(
    brand: (&'static str, &'static str),
    series: &'static str,
    series_en: &'static str,
    basketball: bool,
    yuan: i64,
) -> Shoe {
    let (zh, en) = if basketball {
        ("篮球鞋", "basketball shoes")
    } else {
        ("跑步鞋", "running shoes")
    };
    Shoe {
        brand: brand.0,
        brand_en: brand.1,
        series,
        series_en,
        zh,
        en,
        yuan,
    }
}

const LI_NING: (&str, &str) = ("李宁", "LI-NING");
const ANTA: (&str, &str) = ("安踏", "ANTA");
const XTEP: (&str, &str) = ("特步", "Xtep");
const B361: (&str, &str) = ("361°", "361 Degrees");
const ERKE: (&str, &str) = ("鸿星尔克", "ERKE");
const NIKE: (&str, &str) = ("耐克", "Nike");
const ADIDAS: (&str, &str) = ("阿迪达斯", "adidas");
const ASICS: (&str, &str) = ("亚瑟士", "ASICS");
const NEW_BALANCE: (&str, &str) = ("新百伦", "New Balance");
const PUMA: (&str, &str) = ("彪马", "PUMA");
const UNDER_ARMOUR: (&str, &str) = ("安德玛", "Under Armour");
const LULULEMON: (&str, &str) = ("lululemon", "lululemon");

const SHOES: &[Shoe] = &[
    shoe(LI_NING, "超轻21", "Super Light 21", false, 499),
    shoe(LI_NING, "赤兔7 PRO", "Chitu 7 PRO", false, 599),
    shoe(LI_NING, "飞电4 Challenger", "Feidian 4 Challenger", false, 999),
    shoe(LI_NING, "韦德之道11", "Way of Wade 11", true, 1_499),
    shoe(ANTA, "C202 5代", "C202 5", false, 599),
    shoe(ANTA, "马赫4", "Mach 4", false, 459),
    shoe(ANTA, "KT9", "KT9", true, 1_099),
    shoe(XTEP, "160X 6.0 PRO", "160X 6.0 PRO", false, 1_299),
    shoe(XTEP, "两千公里4.0", "2000KM 4.0", false, 399),
    shoe(B361, "飞燃3", "Flame 3", false, 599),
    shoe(ERKE, "绝尘2.0", "Juechen 2.0", false, 299),
    shoe(NIKE, "Pegasus 41", "Pegasus 41", false, 899),
    shoe(NIKE, "Vomero 18", "Vomero 18", false, 1_099),
    shoe(NIKE, "LeBron 21", "LeBron 21", true, 1_399),
    shoe(ADIDAS, "Ultraboost Light", "Ultraboost Light", false, 1_499),
    shoe(ADIDAS, "Adizero Boston 12", "Adizero Boston 12", false, 1_199),
    shoe(ASICS, "GEL-KAYANO 31", "GEL-KAYANO 31", false, 1_399),
    shoe(ASICS, "NOVABLAST 4", "NOVABLAST 4", false, 899),
    shoe(NEW_BALANCE, "1080v13", "1080v13", false, 1_299),
    shoe(NEW_BALANCE, "FuelCell Rebel v4", "FuelCell Rebel v4", false, 999),
    shoe(PUMA, "Velocity NITRO 3", "Velocity NITRO 3", false, 799),
    shoe(UNDER_ARMOUR, "Curry 11", "Curry 11", true, 1_299),
];

/// A kind of apparel, its brands, styles (Chinese, English) and price in yuan.
struct Apparel {
    zh: &'static str,
    en: &'static str,
    brands: &'static [(&'static str, &'static str)],
    styles: &'static [(&'static str, &'static str)],
    fabric: &'static str,
    yuan: i64,
    /// Cut for women only (leggings, sports bras).
    women_only: bool,
}

const ALL_BRANDS: &[(&str, &str)] = &[LI_NING, ANTA, XTEP, B361, ERKE, NIKE, ADIDAS, PUMA, UNDER_ARMOUR];

const APPAREL: &[Apparel] = &[
    Apparel {
        zh: "速干运动T恤",
        en: "quick-dry training T-shirt",
        brands: ALL_BRANDS,
        styles: &[
            ("短袖", "Short Sleeve"),
            ("圆领", "Crew Neck"),
            ("冰丝透气", "Cooling and Breathable"),
            ("宽松", "Relaxed Fit"),
        ],
        fabric: "聚酯纤维速干面料",
        yuan: 129,
        women_only: false,
    },
    Apparel {
        zh: "运动短裤",
        en: "running shorts",
        brands: ALL_BRANDS,
        styles: &[
            ("跑步", "Running"),
            ("健身", "Training"),
            ("五分裤", "Knee Length"),
            ("带内衬", "Lined"),
        ],
        fabric: "轻薄梭织面料",
        yuan: 119,
        women_only: false,
    },
    Apparel {
        zh: "连帽卫衣",
        en: "hoodie",
        brands: ALL_BRANDS,
        styles: &[
            ("加绒", "Fleece-Lined"),
            ("宽松", "Relaxed Fit"),
            ("套头", "Pullover"),
            ("休闲", "Casual"),
        ],
        fabric: "棉混纺毛圈面料",
        yuan: 299,
        women_only: false,
    },
    Apparel {
        zh: "运动长裤",
        en: "jogger pants",
        brands: ALL_BRANDS,
        styles: &[
            ("束脚", "Cuffed"),
            ("直筒", "Straight Leg"),
            ("针织", "Knit"),
            ("休闲", "Casual"),
        ],
        fabric: "弹力针织面料",
        yuan: 259,
        women_only: false,
    },
    Apparel {
        zh: "羽绒服",
        en: "down jacket",
        brands: &[LI_NING, ANTA, NIKE, ADIDAS],
        styles: &[
            ("短款", "Short Cut"),
            ("连帽", "Hooded"),
            ("90%白鸭绒", "90% White Duck Down"),
            ("防风保暖", "Windproof and Warm"),
        ],
        fabric: "防泼水尼龙面料、90%白鸭绒填充",
        yuan: 699,
        women_only: false,
    },
    Apparel {
        zh: "冲锋衣",
        en: "waterproof shell jacket",
        brands: &[ANTA, XTEP, LI_NING],
        styles: &[
            ("三合一", "3-in-1"),
            ("防水透气", "Waterproof and Breathable"),
            ("户外登山", "Hiking"),
            ("可拆卸内胆", "Removable Liner"),
        ],
        fabric: "防水透气复合面料",
        yuan: 599,
        women_only: false,
    },
    Apparel {
        zh: "高腰瑜伽裤",
        en: "high-rise yoga leggings",
        brands: &[LULULEMON, ANTA, NIKE],
        styles: &[
            ("Align", "Align"),
            ("裸感", "Second-Skin Feel"),
            ("九分", "7/8 Length"),
            ("提臀", "Sculpting"),
        ],
        fabric: "裸感亲肤面料",
        yuan: 399,
        women_only: true,
    },
    Apparel {
        zh: "运动内衣",
        en: "sports bra",
        brands: &[LULULEMON, NIKE, UNDER_ARMOUR, ANTA],
        styles: &[
            ("高强度", "High Support"),
            ("防震", "Bounce Control"),
            ("中强度", "Medium Support"),
            ("跑步健身", "Running and Gym"),
        ],
        fabric: "高弹速干面料",
        yuan: 199,
        women_only: true,
    },
];

/// Colours in Chinese and in English.
const COLOURS: &[(&str, &str)] = &[
    ("黑色", "Black"),
    ("白色", "White"),
    ("黑白", "Black/White"),
    ("象牙白", "Ivory"),
    ("深海蓝", "Deep Sea Blue"),
    ("荧光绿", "Neon Green"),
    ("浅灰色", "Light Grey"),
    ("酒红色", "Burgundy"),
    ("藏青色", "Navy"),
    ("燕麦色", "Oatmeal"),
    ("薄荷绿", "Mint Green"),
    ("橙红色", "Red Orange"),
];
const SHOE_SIZES: &[&str] = &["36", "37", "38", "39", "40", "41", "42", "43", "44", "45"];
const SIZES: &[&str] = &["S", "M", "L", "XL", "XXL"];
const GENDERS: &[(&str, &str)] = &[("男子", "Men's"), ("女子", "Women's"), ("男女同款", "Unisex")];
const TAGS: &[&str] = &[
    "2024秋季新款",
    "官方旗舰",
    "透气",
    "轻便",
    "减震回弹",
    "耐磨防滑",
    "运动休闲",
    "情侣款",
];

/// Writes one sportswear listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    if rng.u8(..100) < 45 { shoes(rng) } else { apparel(rng) }
}

fn shoes(rng: &mut Rng) -> Listing {
    let shoe = pick_ref(rng, SHOES);
    let (gender, gender_en) = pick(rng, GENDERS);
    let (colour, colour_en) = pick(rng, COLOURS);
    let size = pick(rng, SHOE_SIZES);
    let mut name = format!("{} {} {gender}{} {colour} {size}码", shoe.brand, shoe.series, shoe.zh);
    push_tags(&mut name, rng, TAGS, 0..=2);
    let foam = pick(rng, foams(shoe.brand_en));
    let grams = rng.u32(200..=330);
    let description = format!(
        "{brand}{series}{gender}{zh}，{foam}带来轻弹脚感，工程网布鞋面透气包裹，橡胶大底耐磨防滑。\
         单只约{grams}g（42码），{colour}配色，尺码{size}码，偏标准，建议按平时尺码购买。",
        brand = shoe.brand,
        series = shoe.series,
        zh = shoe.zh,
    );
    let description_en = format!(
        "{brand_en} {series_en} {gender_en} {en}, size EU {size}, about {grams}g per shoe.",
        brand_en = shoe.brand_en,
        series_en = shoe.series_en,
        en = shoe.en,
    );
    let name_en = format!(
        "{} {} {gender_en} {}, {colour_en}, EU {size}",
        shoe.brand_en,
        shoe.series_en,
        title_case(shoe.en)
    );
    let yuan = shoe.yuan * rng.i64(80..=100) / 100;
    Listing {
        name,
        name_en,
        description,
        description_en,
        yuan,
    }
}

/// Midsole technologies by maker: each brand markets its own foam.
fn foams(brand_en: &str) -> &'static [&'static str] {
    match brand_en {
        "LI-NING" => &["䨻科技中底", "李宁弜科技中底"],
        "ANTA" => &["氮科技中底", "碳板推进"],
        "Xtep" => &["动力巢PB中底", "碳板推进"],
        "Nike" => &["ZoomX泡棉", "React泡棉", "Air Zoom气垫"],
        "adidas" => &["Boost中底", "Lightstrike Pro中底"],
        "ASICS" => &["FF BLAST+中底", "GEL缓震胶"],
        "New Balance" => &["Fresh Foam X中底", "FuelCell中底"],
        "PUMA" => &["NITRO氮气中底"],
        _ => &["超临界发泡中底", "轻量EVA中底"],
    }
}

fn apparel(rng: &mut Rng) -> Listing {
    let item = pick_ref(rng, APPAREL);
    let (brand, brand_en) = pick(rng, item.brands);
    let (gender, gender_en) = if item.women_only {
        GENDERS[1]
    } else {
        pick(rng, GENDERS)
    };
    let (style, style_en) = pick(rng, item.styles);
    let (colour, colour_en) = pick(rng, COLOURS);
    let size = pick(rng, SIZES);
    let mut name = format!("{brand} {gender}{} {style} {colour} {size}", item.zh);
    push_tags(&mut name, rng, TAGS, 0..=2);
    let description = format!(
        "{brand}{gender}{zh}，{fabric}，{style}设计，版型合身不紧绷，吸湿排汗、快干舒适，适合跑步、健身与日常通勤。\
         {colour}，{size}码；机洗请反面洗涤，勿漂白。",
        zh = item.zh,
        fabric = item.fabric,
    );
    let description_en = format!(
        "{brand_en} {gender_en} {en}, size {size}, for running, the gym and everyday wear.",
        en = item.en,
    );
    let name_en = format!(
        "{brand_en} {gender_en} {}, {style_en}, {colour_en}, Size {size}",
        title_case(item.en)
    );
    let yuan = item.yuan * rng.i64(70..=160) / 100;
    Listing {
        name,
        name_en,
        description,
        description_en,
        yuan,
    }
}
