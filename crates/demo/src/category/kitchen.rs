//! Kitchen: cookware, small appliances, knives, flasks and food storage.

use fastrand::Rng;

use super::Listing;
use crate::english::title_case;
use crate::text::{pick, pick_ref, push_model_code, push_tags};

/// A kind of kitchen product: who makes it, its sizes (Chinese, English) and prices in yuan,
/// its selling points (Chinese, English) and what it is made of.
struct Item {
    zh: &'static str,
    en: &'static str,
    brands: &'static [(&'static str, &'static str)],
    sizes: &'static [(&'static str, &'static str, i64)],
    features: &'static [(&'static str, &'static str)],
    material: &'static str,
    use_zh: &'static str,
}

const SUPOR: (&str, &str) = ("苏泊尔", "SUPOR");
const MIDEA: (&str, &str) = ("美的", "Midea");
const JOYOUNG: (&str, &str) = ("九阳", "Joyoung");
const BEAR: (&str, &str) = ("小熊", "Bear");
const ZWILLING: (&str, &str) = ("双立人", "ZWILLING");
const ASD: (&str, &str) = ("爱仕达", "ASD");
const THERMOS: (&str, &str) = ("膳魔师", "THERMOS");
const ZOJIRUSHI: (&str, &str) = ("象印", "ZOJIRUSHI");
const TIGER: (&str, &str) = ("虎牌", "TIGER");
const LOCK: (&str, &str) = ("乐扣乐扣", "LocknLock");
const ZHANG: (&str, &str) = ("张小泉", "Zhang Xiaoquan");
const MORPHY: (&str, &str) = ("摩飞", "Morphy Richards");
const BUYDEEM: (&str, &str) = ("北鼎", "Buydeem");
const CORELLE: (&str, &str) = ("康宁", "Corelle");

const ITEMS: &[Item] = &[
    Item {
        zh: "不粘锅炒锅",
        en: "non-stick wok",
        brands: &[SUPOR, ASD, ZWILLING],
        sizes: &[
            ("28cm", "28 cm", 169),
            ("30cm", "30 cm", 199),
            ("32cm", "32 cm", 239),
            ("34cm", "34 cm", 279),
        ],
        features: &[
            ("燃气电磁炉通用", "Gas and Induction Compatible"),
            ("少油烟", "Low Smoke"),
            ("麦饭石色", "Stone Finish"),
            ("钛金涂层", "Titanium Coating"),
            ("带锅盖", "With Lid"),
        ],
        material: "铝合金锅身、不粘涂层",
        use_zh: "爆炒、煎蛋、炖菜",
    },
    Item {
        zh: "平底煎锅",
        en: "non-stick frying pan",
        brands: &[SUPOR, ASD, ZWILLING],
        sizes: &[("24cm", "24 cm", 99), ("26cm", "26 cm", 129), ("28cm", "28 cm", 159)],
        features: &[
            ("燃气电磁炉通用", "Gas and Induction Compatible"),
            ("牛排煎锅", "Steak Pan"),
            ("早餐锅", "Breakfast Pan"),
            ("麦饭石色", "Stone Finish"),
        ],
        material: "铝合金锅身、不粘涂层",
        use_zh: "煎牛排、煎饺、早餐",
    },
    Item {
        zh: "电饭煲",
        en: "rice cooker",
        brands: &[MIDEA, SUPOR, JOYOUNG, ZOJIRUSHI],
        sizes: &[("3L", "3 L", 229), ("4L", "4 L", 299), ("5L", "5 L", 369)],
        features: &[
            ("智能预约", "Smart Timer"),
            ("IH电磁加热", "IH Induction Heating"),
            ("球釜内胆", "Spherical Inner Pot"),
            ("低糖饭", "Low-Sugar Rice"),
            ("24小时保温", "24-Hour Keep Warm"),
        ],
        material: "不粘球釜内胆",
        use_zh: "煮饭、煲粥、蒸蛋糕",
    },
    Item {
        zh: "空气炸锅",
        en: "air fryer",
        brands: &[MIDEA, JOYOUNG, BEAR, SUPOR],
        sizes: &[("4.5L", "4.5 L", 249), ("5.5L", "5.5 L", 299), ("6.5L", "6.5 L", 369)],
        features: &[
            ("可视窗", "Viewing Window"),
            ("免翻面", "No Flipping Needed"),
            ("家用大容量", "Large Family Capacity"),
            ("智能触控", "Touch Controls"),
            ("不用油", "Oil-Free Cooking"),
        ],
        material: "不粘涂层炸篮",
        use_zh: "炸鸡翅、薯条、烤红薯",
    },
    Item {
        zh: "破壁机",
        en: "high-speed blender",
        brands: &[JOYOUNG, MIDEA, SUPOR],
        sizes: &[("1.2L", "1.2 L", 399), ("1.75L", "1.75 L", 599)],
        features: &[
            ("免滤豆浆", "Filter-Free Soy Milk"),
            ("低音降噪", "Quiet Motor"),
            ("预约加热", "Timer and Heating"),
            ("自动清洗", "Self-Cleaning"),
        ],
        material: "高硼硅玻璃杯体、八叶不锈钢刀头",
        use_zh: "豆浆、米糊、果汁",
    },
    Item {
        zh: "养生壶",
        en: "health kettle",
        brands: &[BEAR, MIDEA, BUYDEEM],
        sizes: &[("1L", "1 L", 129), ("1.5L", "1.5 L", 159), ("1.8L", "1.8 L", 199)],
        features: &[
            ("煮茶器", "Tea Maker"),
            ("花茶壶", "Flower Tea Pot"),
            ("多功能", "Multi-Function"),
            ("24小时预约", "24-Hour Timer"),
        ],
        material: "高硼硅玻璃壶身",
        use_zh: "煮茶、花茶、燕窝、糖水",
    },
    Item {
        zh: "电热水壶",
        en: "electric kettle",
        brands: &[MIDEA, SUPOR, BEAR],
        sizes: &[("1.5L", "1.5 L", 89), ("1.7L", "1.7 L", 109)],
        features: &[
            ("304不锈钢", "304 Stainless Steel"),
            ("双层防烫", "Double-Wall Cool Touch"),
            ("自动断电", "Auto Shut-Off"),
            ("恒温", "Keep Warm"),
        ],
        material: "304不锈钢内胆",
        use_zh: "烧水、泡茶、冲奶",
    },
    Item {
        zh: "菜刀",
        en: "kitchen knife",
        brands: &[ZHANG, ZWILLING],
        sizes: &[
            ("切片刀", "Slicer", 129),
            ("斩切刀", "Cleaver", 169),
            ("刀具五件套", "5-Piece Knife Set", 499),
        ],
        features: &[
            ("锋利耐用", "Sharp and Durable"),
            ("家用", "For Home Kitchens"),
            ("不锈钢", "Stainless Steel"),
            ("免磨", "No Sharpening Needed"),
        ],
        material: "5Cr15MoV不锈钢",
        use_zh: "切菜、切肉、片鱼",
    },
    Item {
        zh: "保温杯",
        en: "vacuum insulated bottle",
        brands: &[THERMOS, ZOJIRUSHI, TIGER],
        sizes: &[
            ("350ml", "350 ml", 139),
            ("480ml", "480 ml", 169),
            ("600ml", "600 ml", 199),
        ],
        features: &[
            ("316不锈钢", "316 Stainless Steel"),
            ("一键开盖", "One-Touch Lid"),
            ("男女学生", "For Students"),
            ("长效保温", "Long-Lasting Insulation"),
            ("轻量", "Lightweight"),
        ],
        material: "316不锈钢真空内胆",
        use_zh: "通勤、上学、户外",
    },
    Item {
        zh: "焖烧杯",
        en: "food jar",
        brands: &[THERMOS, ZOJIRUSHI],
        sizes: &[("470ml", "470 ml", 199), ("750ml", "750 ml", 259)],
        features: &[
            ("焖粥神器", "Slow-Cooks Porridge"),
            ("上班族便当", "Office Lunch Jar"),
            ("保温饭盒", "Insulated Lunch Box"),
        ],
        material: "不锈钢真空内胆",
        use_zh: "焖粥、汤、便当",
    },
    Item {
        zh: "玻璃保鲜盒",
        en: "glass food containers",
        brands: &[LOCK, CORELLE],
        sizes: &[
            ("3件套", "3-Piece Set", 69),
            ("5件套", "5-Piece Set", 109),
            ("10件套", "10-Piece Set", 189),
        ],
        features: &[
            ("可微波炉加热", "Microwave Safe"),
            ("带盖密封", "Airtight Lids"),
            ("冰箱收纳", "Fridge Storage"),
            ("便当盒", "Lunch Box"),
        ],
        material: "耐热玻璃、食品级PP盖",
        use_zh: "冷藏、带饭、微波加热",
    },
    Item {
        zh: "多功能料理锅",
        en: "multi-cooker",
        brands: &[MORPHY, BEAR, BUYDEEM],
        sizes: &[("2.5L", "2.5 L", 299), ("4L", "4 L", 599)],
        features: &[
            ("电火锅", "Electric Hot Pot"),
            ("蒸煮一体", "Steams and Boils"),
            ("宿舍小锅", "Dorm Size"),
            ("多档火力", "Adjustable Heat"),
        ],
        material: "陶瓷不粘内胆",
        use_zh: "火锅、煎烤、蒸煮",
    },
    Item {
        zh: "电压力锅",
        en: "electric pressure cooker",
        brands: &[MIDEA, SUPOR, JOYOUNG],
        sizes: &[("5L", "5 L", 329), ("6L", "6 L", 399)],
        features: &[
            ("双胆", "Two Inner Pots"),
            ("一键排气", "One-Touch Pressure Release"),
            ("智能预约", "Smart Timer"),
            ("快速煲汤", "Quick Soups"),
        ],
        material: "不粘双胆",
        use_zh: "炖肉、煲汤、煮饭",
    },
    Item {
        zh: "餐具套装",
        en: "dinnerware set",
        brands: &[CORELLE],
        sizes: &[
            ("10件套", "10-Piece Set", 299),
            ("16件套", "16-Piece Set", 499),
            ("30件套", "30-Piece Set", 899),
        ],
        features: &[
            ("康宁玻璃", "Vitrelle Glass"),
            ("轻薄耐摔", "Light and Chip-Resistant"),
            ("可洗碗机", "Dishwasher Safe"),
            ("乔迁礼物", "Housewarming Gift"),
        ],
        material: "三层康宁玻璃",
        use_zh: "家庭日常用餐、宴客",
    },
];

const TAGS: &[&str] = &[
    "家用",
    "新款",
    "官方正品",
    "送礼",
    "新婚礼物",
    "厨房好物",
    "一年质保",
    "以旧换新",
];

/// Writes one kitchen listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    let item = pick_ref(rng, ITEMS);
    let (brand, brand_en) = pick(rng, item.brands);
    let (size, size_en, yuan) = pick(rng, item.sizes);
    let (feature, feature_en) = pick(rng, item.features);
    let mut name = format!("{brand} {} {size} {feature}", item.zh);
    push_tags(&mut name, rng, TAGS, 0..=2);
    // Manufacturers print a model number on appliances and cookware; shops copy it into titles.
    let mut code = String::with_capacity(12);
    push_model_code(&mut code, rng, model_prefix(brand_en));
    let show_code = rng.u8(..10) < 7;
    if show_code {
        name.push(' ');
        name.push_str(&code);
    }
    let warranty = pick(rng, &["一年", "两年", "三年"]);
    let description = format!(
        "{brand}{zh}（型号{code}），规格{size}，{material}，{feature}。适用于{use_zh}，做工扎实，易清洗。\
         整机{warranty}质保，支持全国联保。",
        zh = item.zh,
        material = item.material,
        use_zh = item.use_zh,
    );
    let description_en = format!(
        "{brand_en} {en}, {size_en}, model {code}. Built for everyday home cooking and easy to clean.",
        en = item.en,
    );
    let mut name_en = format!("{brand_en} {}, {size_en}, {feature_en}", title_case(item.en));
    if show_code {
        name_en.push_str(", Model ");
        name_en.push_str(&code);
    }
    Listing {
        name,
        name_en,
        description,
        description_en,
        yuan,
    }
}

/// The letters a brand's model numbers start with.
fn model_prefix(brand_en: &str) -> &'static str {
    match brand_en {
        "Midea" => "MB-",
        "SUPOR" => "SF",
        "Joyoung" => "JYL-",
        "Bear" => "DRG-",
        "THERMOS" => "TCMK-",
        "ZOJIRUSHI" => "SM-",
        "TIGER" => "MMJ-",
        "LocknLock" => "LLG",
        _ => "KS-",
    }
}
