//! Snacks: nuts, jerky, spicy strips, chips and gift boxes from the brands Chinese shoppers know.

use fastrand::Rng;

use super::Listing;
use crate::text::{pick, pick_ref, push_tags};

/// A kind of snack, who makes it, its flavours and its price per 500g in yuan.
struct Snack {
    zh: &'static str,
    en: &'static str,
    brands: &'static [&'static str],
    flavours: &'static [&'static str],
    yuan_per_500g: i64,
    shelf_days: u32,
}

const fn s(
    zh: &'static str,
    en: &'static str,
    brands: &'static [&'static str],
    flavours: &'static [&'static str],
    yuan_per_500g: i64,
    shelf_days: u32,
) -> Snack {
    Snack {
        zh,
        en,
        brands,
        flavours,
        yuan_per_500g,
        shelf_days,
    }
}

/// The big online snack brands, which sell a bit of everything.
const SHOPS: &[&str] = &["三只松鼠", "良品铺子", "百草味", "来伊份"];
const NUT_FLAVOURS: &[&str] = &["原味", "奶油味", "椒盐味", "蜂蜜味", "炭烧味"];
const SPICY: &[&str] = &["香辣味", "麻辣味", "甜辣味", "五香味", "藤椒味"];

const SNACKS: &[Snack] = &[
    s(
        "每日坚果",
        "daily mixed nuts",
        &["三只松鼠", "良品铺子", "百草味", "沃隆", "洽洽"],
        &["混合果仁", "含果干", "儿童款"],
        75,
        180,
    ),
    s("夏威夷果", "macadamia nuts", SHOPS, NUT_FLAVOURS, 60, 240),
    s("碧根果", "pecans", SHOPS, NUT_FLAVOURS, 70, 240),
    s("开心果", "pistachios", SHOPS, &["原色", "盐焗味", "无漂白"], 80, 270),
    s(
        "瓜子",
        "sunflower seeds",
        &["洽洽", "三只松鼠"],
        &["焦糖味", "山核桃味", "五香味", "藤椒味"],
        25,
        270,
    ),
    s(
        "手撕面包",
        "hand-torn bread",
        &["良品铺子", "盼盼", "达利园", "三只松鼠"],
        &["原味", "奶香味", "红枣味"],
        25,
        150,
    ),
    s("猪肉脯", "pork jerky", SHOPS, &["原味", "蜜汁味", "黑胡椒味"], 90, 180),
    s(
        "牛肉干",
        "beef jerky",
        &["科尔沁", "良品铺子", "百草味", "牧民人家"],
        SPICY,
        140,
        270,
    ),
    s(
        "辣条",
        "spicy gluten strips",
        &["卫龙", "麻辣王子"],
        &["大面筋", "小面筋", "魔芋爽", "亲嘴烧"],
        30,
        180,
    ),
    s(
        "零食大礼包",
        "snack gift box",
        SHOPS,
        &["混合口味", "年货款", "儿童节款", "办公室款"],
        60,
        150,
    ),
    s(
        "薯片",
        "potato chips",
        &["乐事", "可比克", "上好佳"],
        &["原味", "黄瓜味", "番茄味", "烧烤味", "青柠味"],
        50,
        270,
    ),
    s(
        "夹心饼干",
        "sandwich cookies",
        &["奥利奥", "好丽友", "趣多多"],
        &["原味", "巧克力味", "草莓味", "抹茶味"],
        35,
        300,
    ),
    s(
        "虎皮凤爪",
        "braised chicken feet",
        &["王小卤", "有友"],
        &["卤香味", "香辣味", "酸辣味"],
        90,
        180,
    ),
    s(
        "鸭脖",
        "braised duck neck",
        &["周黑鸭", "绝味", "煌上煌"],
        SPICY,
        100,
        60,
    ),
    s("芒果干", "dried mango", SHOPS, &["原味", "无添加糖"], 55, 240),
    s(
        "海苔",
        "seaweed snacks",
        &["波力", "美好时光", "良品铺子"],
        &["原味", "芝麻夹心", "番茄味"],
        120,
        300,
    ),
    s(
        "沙琪玛",
        "sachima",
        &["徐福记", "盼盼"],
        &["鸡蛋味", "黑糖味", "椰丝味"],
        30,
        180,
    ),
    s(
        "蛋黄酥",
        "salted egg yolk pastry",
        &["良品铺子", "轩妈"],
        &["经典原味", "麻薯夹心"],
        60,
        60,
    ),
    s(
        "话梅",
        "preserved plums",
        &["溜溜梅", "华味亨"],
        &["青梅", "西梅", "乌梅"],
        45,
        360,
    ),
    s(
        "雪饼仙贝",
        "rice crackers",
        &["旺旺"],
        &["原味", "香甜味", "海苔味"],
        35,
        270,
    ),
];

/// Pack sizes: label, grams, and how the price scales (bulk packs are a bit cheaper per gram).
const PACKS: &[(&str, i64, i64)] = &[
    ("200g", 200, 110),
    ("500g", 500, 100),
    ("750g/30袋", 750, 95),
    ("1kg 整箱", 1_000, 90),
    ("1.2kg 礼盒装", 1_200, 105),
    ("20包 量贩装", 600, 95),
];
const TAGS: &[&str] = &[
    "办公室零食",
    "休闲零食",
    "独立小包装",
    "网红零食",
    "年货礼盒",
    "追剧零食",
    "儿童零食",
    "解馋小吃",
    "新日期",
];

/// Writes one snack listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    let snack = pick_ref(rng, SNACKS);
    let brand = pick(rng, snack.brands);
    let flavour = pick(rng, snack.flavours);
    let (pack, grams, scale) = pick(rng, PACKS);
    let mut name = format!("{brand} {} {flavour} {pack}", snack.zh);
    push_tags(&mut name, rng, TAGS, 1..=3);
    let yuan = snack.yuan_per_500g * grams * scale / 50_000;
    let description = format!(
        "{brand}{zh}（{flavour}），精选原料，独立小包装锁住新鲜口感，开袋即食。净含量{pack}，保质期{days}天，\
         请置于阴凉干燥处，开封后请尽快食用。办公室加餐、追剧、出游分享都合适。\n\
         {en} from {brand_en}, {grams}g. A tasty snack for the office, movie nights and trips.",
        zh = snack.zh,
        days = snack.shelf_days,
        en = capitalised(snack.en),
        brand_en = brand_in_english(brand),
    );
    Listing {
        name,
        description,
        yuan,
    }
}

/// The English a shop would print for a snack brand: pinyin or the brand's own spelling.
fn brand_in_english(brand: &str) -> &'static str {
    match brand {
        "三只松鼠" => "Three Squirrels",
        "良品铺子" => "Bestore",
        "百草味" => "Be&Cheery",
        "来伊份" => "Laiyifen",
        "洽洽" => "ChaCheer",
        "沃隆" => "Wolong",
        "卫龙" => "Weilong",
        "乐事" => "Lay's",
        "奥利奥" => "Oreo",
        "好丽友" => "Orion",
        "旺旺" => "Want Want",
        "徐福记" => "Hsu Fu Chi",
        "周黑鸭" => "Zhou Hei Ya",
        "绝味" => "Juewei",
        "王小卤" => "Wang Xiaolu",
        "溜溜梅" => "Liuliumei",
        "盼盼" => "Panpan",
        "达利园" => "Daliyuan",
        "可比克" => "Copico",
        "上好佳" => "Oishi",
        "趣多多" => "Chips Ahoy!",
        "科尔沁" => "Kerchin",
        _ => "a Chinese snack brand",
    }
}

/// `text` with its first letter in upper case, to start a sentence.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
