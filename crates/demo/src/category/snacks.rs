//! Snacks: nuts, jerky, spicy strips, chips and gift boxes from the brands Chinese shoppers know.

use fastrand::Rng;

use super::Listing;
use crate::english::{capitalised, title_case};
use crate::text::{pick, pick_ref, push_tags};

/// A kind of snack, who makes it, its flavours and its price per 500g in yuan; brands and
/// flavours in Chinese and English.
struct Snack {
    zh: &'static str,
    en: &'static str,
    brands: &'static [(&'static str, &'static str)],
    flavours: &'static [(&'static str, &'static str)],
    yuan_per_500g: i64,
    shelf_days: u32,
}

const fn s(
    zh: &'static str,
    en: &'static str,
    brands: &'static [(&'static str, &'static str)],
    flavours: &'static [(&'static str, &'static str)],
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
const SHOPS: &[(&str, &str)] = &[
    ("三只松鼠", "Three Squirrels"),
    ("良品铺子", "Bestore"),
    ("百草味", "Be&Cheery"),
    ("来伊份", "Laiyifen"),
];
const NUT_FLAVOURS: &[(&str, &str)] = &[
    ("原味", "Original"),
    ("奶油味", "Cream Flavour"),
    ("椒盐味", "Salt and Pepper"),
    ("蜂蜜味", "Honey Flavour"),
    ("炭烧味", "Charcoal Roasted"),
];
const SPICY: &[(&str, &str)] = &[
    ("香辣味", "Hot and Spicy"),
    ("麻辣味", "Mala Spicy"),
    ("甜辣味", "Sweet Chilli"),
    ("五香味", "Five Spice"),
    ("藤椒味", "Green Sichuan Pepper"),
];

const SNACKS: &[Snack] = &[
    s(
        "每日坚果",
        "daily mixed nuts",
        &[
            ("三只松鼠", "Three Squirrels"),
            ("良品铺子", "Bestore"),
            ("百草味", "Be&Cheery"),
            ("沃隆", "Wolong"),
            ("洽洽", "ChaCheer"),
        ],
        &[
            ("混合果仁", "Mixed Nuts"),
            ("含果干", "With Dried Fruit"),
            ("儿童款", "Kids' Pack"),
        ],
        75,
        180,
    ),
    s("夏威夷果", "macadamia nuts", SHOPS, NUT_FLAVOURS, 60, 240),
    s("碧根果", "pecans", SHOPS, NUT_FLAVOURS, 70, 240),
    s(
        "开心果",
        "pistachios",
        SHOPS,
        &[("原色", "Natural"), ("盐焗味", "Salt Baked"), ("无漂白", "Unbleached")],
        80,
        270,
    ),
    s(
        "瓜子",
        "sunflower seeds",
        &[("洽洽", "ChaCheer"), ("三只松鼠", "Three Squirrels")],
        &[
            ("焦糖味", "Caramel Flavour"),
            ("山核桃味", "Hickory Flavour"),
            ("五香味", "Five Spice"),
            ("藤椒味", "Green Sichuan Pepper"),
        ],
        25,
        270,
    ),
    s(
        "手撕面包",
        "hand-torn bread",
        &[
            ("良品铺子", "Bestore"),
            ("盼盼", "Panpan"),
            ("达利园", "Daliyuan"),
            ("三只松鼠", "Three Squirrels"),
        ],
        &[
            ("原味", "Original"),
            ("奶香味", "Milk Flavour"),
            ("红枣味", "Red Date Flavour"),
        ],
        25,
        150,
    ),
    s(
        "猪肉脯",
        "pork jerky",
        SHOPS,
        &[
            ("原味", "Original"),
            ("蜜汁味", "Honey Glazed"),
            ("黑胡椒味", "Black Pepper"),
        ],
        90,
        180,
    ),
    s(
        "牛肉干",
        "beef jerky",
        &[
            ("科尔沁", "Kerchin"),
            ("良品铺子", "Bestore"),
            ("百草味", "Be&Cheery"),
            ("牧民人家", "Mumin Renjia"),
        ],
        SPICY,
        140,
        270,
    ),
    s(
        "辣条",
        "spicy gluten strips",
        &[("卫龙", "Weilong"), ("麻辣王子", "Mala Wangzi")],
        &[
            ("大面筋", "Large"),
            ("小面筋", "Small"),
            ("魔芋爽", "Konjac Strips"),
            ("亲嘴烧", "Qinzuishao"),
        ],
        30,
        180,
    ),
    s(
        "零食大礼包",
        "snack gift box",
        SHOPS,
        &[
            ("混合口味", "Mixed Flavours"),
            ("年货款", "Chinese New Year Edition"),
            ("儿童节款", "Children's Day Edition"),
            ("办公室款", "Office Edition"),
        ],
        60,
        150,
    ),
    s(
        "薯片",
        "potato chips",
        &[("乐事", "Lay's"), ("可比克", "Copico"), ("上好佳", "Oishi")],
        &[
            ("原味", "Original"),
            ("黄瓜味", "Cucumber Flavour"),
            ("番茄味", "Tomato Flavour"),
            ("烧烤味", "Barbecue Flavour"),
            ("青柠味", "Lime Flavour"),
        ],
        50,
        270,
    ),
    s(
        "夹心饼干",
        "sandwich cookies",
        &[("奥利奥", "Oreo"), ("好丽友", "Orion"), ("趣多多", "Chips Ahoy!")],
        &[
            ("原味", "Original"),
            ("巧克力味", "Chocolate Flavour"),
            ("草莓味", "Strawberry Flavour"),
            ("抹茶味", "Matcha Flavour"),
        ],
        35,
        300,
    ),
    s(
        "虎皮凤爪",
        "braised chicken feet",
        &[("王小卤", "Wang Xiaolu"), ("有友", "Youyou")],
        &[
            ("卤香味", "Braised"),
            ("香辣味", "Hot and Spicy"),
            ("酸辣味", "Hot and Sour"),
        ],
        90,
        180,
    ),
    s(
        "鸭脖",
        "braised duck neck",
        &[
            ("周黑鸭", "Zhou Hei Ya"),
            ("绝味", "Juewei"),
            ("煌上煌", "Huangshanghuang"),
        ],
        SPICY,
        100,
        60,
    ),
    s(
        "芒果干",
        "dried mango",
        SHOPS,
        &[("原味", "Original"), ("无添加糖", "No Added Sugar")],
        55,
        240,
    ),
    s(
        "海苔",
        "seaweed snacks",
        &[
            ("波力", "Boli"),
            ("美好时光", "Meihao Shiguang"),
            ("良品铺子", "Bestore"),
        ],
        &[
            ("原味", "Original"),
            ("芝麻夹心", "Sesame Filled"),
            ("番茄味", "Tomato Flavour"),
        ],
        120,
        300,
    ),
    s(
        "沙琪玛",
        "sachima",
        &[("徐福记", "Hsu Fu Chi"), ("盼盼", "Panpan")],
        &[
            ("鸡蛋味", "Egg Flavour"),
            ("黑糖味", "Brown Sugar Flavour"),
            ("椰丝味", "Coconut Flavour"),
        ],
        30,
        180,
    ),
    s(
        "蛋黄酥",
        "salted egg yolk pastry",
        &[("良品铺子", "Bestore"), ("轩妈", "Xuanma")],
        &[("经典原味", "Classic"), ("麻薯夹心", "Mochi Filled")],
        60,
        60,
    ),
    s(
        "话梅",
        "preserved plums",
        &[("溜溜梅", "Liuliumei"), ("华味亨", "Huaweiheng")],
        &[("青梅", "Green Plum"), ("西梅", "Prune"), ("乌梅", "Smoked Plum")],
        45,
        360,
    ),
    s(
        "雪饼仙贝",
        "rice crackers",
        &[("旺旺", "Want Want")],
        &[("原味", "Original"), ("香甜味", "Sweet"), ("海苔味", "Seaweed Flavour")],
        35,
        270,
    ),
];

/// Pack sizes: Chinese and English labels, grams, and how the price scales (bulk packs are
/// a bit cheaper per gram).
const PACKS: &[(&str, &str, i64, i64)] = &[
    ("200g", "200 g", 200, 110),
    ("500g", "500 g", 500, 100),
    ("750g/30袋", "750 g, 30 Bags", 750, 95),
    ("1kg 整箱", "1 kg Case", 1_000, 90),
    ("1.2kg 礼盒装", "1.2 kg Gift Box", 1_200, 105),
    ("20包 量贩装", "Value Pack of 20", 600, 95),
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
    let (brand, brand_en) = pick(rng, snack.brands);
    let (flavour, flavour_en) = pick(rng, snack.flavours);
    let (pack, pack_en, grams, scale) = pick(rng, PACKS);
    let mut name = format!("{brand} {} {flavour} {pack}", snack.zh);
    push_tags(&mut name, rng, TAGS, 1..=3);
    let yuan = snack.yuan_per_500g * grams * scale / 50_000;
    let description = format!(
        "{brand}{zh}（{flavour}），精选原料，独立小包装锁住新鲜口感，开袋即食。净含量{pack}，保质期{days}天，\
         请置于阴凉干燥处，开封后请尽快食用。办公室加餐、追剧、出游分享都合适。",
        zh = snack.zh,
        days = snack.shelf_days,
    );
    let description_en = format!(
        "{en} from {brand_en}, {grams}g. A tasty snack for the office, movie nights and trips.",
        en = capitalised(snack.en),
    );
    Listing {
        name,
        name_en: format!("{brand_en} {}, {flavour_en}, {pack_en}", title_case(snack.en)),
        description,
        description_en,
        yuan,
    }
}
