//! Toys: LEGO sets by number, blind boxes, model kits, plush, puzzles and remote-control cars.

use fastrand::Rng;

use super::Listing;
use crate::english::{title_case, words};
use crate::text::{pick, pick_ref, push_tags};

/// A LEGO set: number, Chinese and English names, theme (Chinese, English), age and price in
/// yuan.
struct LegoSet {
    number: u32,
    zh: &'static str,
    en: &'static str,
    theme: &'static str,
    theme_en: &'static str,
    age: &'static str,
    yuan: i64,
}

const fn lego(
    number: u32,
    zh: &'static str,
    en: &'static str,
    theme: (&'static str, &'static str),
    age: &'static str,
    yuan: i64,
) -> LegoSet {
    LegoSet {
        number,
        zh,
        en,
        theme: theme.0,
        theme_en: theme.1,
        age,
        yuan,
    }
}

const LEGO: &[LegoSet] = &[
    lego(
        42141,
        "迈凯伦 F1 赛车",
        "McLaren Formula 1 Race Car",
        ("机械组", "Technic"),
        "18岁+",
        1_399,
    ),
    lego(
        42115,
        "兰博基尼 Sián FKP 37",
        "Lamborghini Sián FKP 37",
        ("机械组", "Technic"),
        "18岁+",
        2_999,
    ),
    lego(10497, "银河探险家", "Galaxy Explorer", ("ICONS", "Icons"), "18岁+", 799),
    lego(10281, "盆景树", "Bonsai Tree", ("植物系列", "Botanicals"), "18岁+", 399),
    lego(10311, "兰花", "Orchid", ("植物系列", "Botanicals"), "18岁+", 399),
    lego(
        76419,
        "霍格沃茨城堡和庭院",
        "Hogwarts Castle and Grounds",
        ("哈利·波特", "Harry Potter"),
        "9岁+",
        1_299,
    ),
    lego(
        75192,
        "千年隼",
        "Millennium Falcon",
        ("星球大战", "Star Wars"),
        "16岁+",
        5_999,
    ),
    lego(
        60337,
        "特快客运列车",
        "Express Passenger Train",
        ("城市组", "City"),
        "7岁+",
        999,
    ),
    lego(31141, "主街", "Main Street", ("创意百变", "Creator 3in1"), "12岁+", 899),
    lego(
        71043,
        "霍格沃茨城堡",
        "Hogwarts Castle",
        ("哈利·波特", "Harry Potter"),
        "16岁+",
        3_799,
    ),
    lego(
        10316,
        "瑞文戴尔",
        "Rivendell",
        ("指环王", "The Lord of the Rings"),
        "18岁+",
        3_799,
    ),
    lego(
        21348,
        "龙与地下城：红龙传说",
        "Dungeons & Dragons: Red Dragon's Tale",
        ("IDEAS", "Ideas"),
        "18岁+",
        2_799,
    ),
    lego(
        80054,
        "悟空小侠 天庭战车",
        "Monkie Kid Celestial Chariot",
        ("悟空小侠", "Monkie Kid"),
        "9岁+",
        699,
    ),
    lego(
        11021,
        "经典创意积木盒",
        "Classic Creative Brick Box",
        ("经典创意", "Classic"),
        "4岁+",
        299,
    ),
];

/// Other toys: maker, noun, English, age band, variants (Chinese, English) and prices in yuan.
struct Toy {
    brand: &'static str,
    brand_en: &'static str,
    zh: &'static str,
    en: &'static str,
    age: &'static str,
    variants: &'static [(&'static str, &'static str, i64)],
}

const TOYS: &[Toy] = &[
    Toy {
        brand: "泡泡玛特",
        brand_en: "POP MART",
        zh: "盲盒手办",
        en: "blind box figure",
        age: "15岁+",
        variants: &[
            ("LABUBU 单盒", "LABUBU Single Box", 99),
            ("MOLLY 单盒", "MOLLY Single Box", 69),
            ("SKULLPANDA 整盒12只", "SKULLPANDA Case of 12", 828),
            ("DIMOO 单盒", "DIMOO Single Box", 69),
        ],
    },
    Toy {
        brand: "万代",
        brand_en: "BANDAI",
        zh: "高达拼装模型",
        en: "Gundam model kit",
        age: "15岁+",
        variants: &[
            ("HG 1/144 RX-78-2", "HG 1/144 RX-78-2", 129),
            ("RG 1/144 自由高达", "RG 1/144 Freedom Gundam", 299),
            ("MG 1/100 强袭自由", "MG 1/100 Strike Freedom", 599),
            ("PG 1/60 独角兽", "PG 1/60 Unicorn Gundam", 2_299),
        ],
    },
    Toy {
        brand: "布鲁可",
        brand_en: "Blokees",
        zh: "积木人",
        en: "building block figures",
        age: "6岁+",
        variants: &[
            ("奥特曼 英雄版", "Ultraman Hero Edition", 39),
            ("变形金刚 群星版", "Transformers All-Stars Edition", 69),
            ("6只装", "Pack of 6", 199),
        ],
    },
    Toy {
        brand: "奥迪双钻",
        brand_en: "Alpha",
        zh: "超级飞侠变形机器人",
        en: "Super Wings transforming robot toy",
        age: "3岁+",
        variants: &[
            ("乐迪", "Jett", 89),
            ("小爱", "Dizzy", 89),
            ("大号套装", "Large Set", 299),
        ],
    },
    Toy {
        brand: "Jellycat",
        brand_en: "Jellycat",
        zh: "毛绒玩具",
        en: "plush toy",
        age: "0岁+",
        variants: &[
            ("邦尼兔 中号31cm", "Bashful Bunny, Medium 31 cm", 299),
            ("邦尼兔 大号36cm", "Bashful Bunny, Large 36 cm", 399),
            ("巴塞罗熊 26cm", "Bartholomew Bear, 26 cm", 269),
            ("茄子 小号", "Vivacious Aubergine, Small", 199),
        ],
    },
    Toy {
        brand: "美泰",
        brand_en: "Mattel",
        zh: "风火轮合金车",
        en: "Hot Wheels die-cast cars",
        age: "3岁+",
        variants: &[
            ("5辆装", "5-Car Pack", 59),
            ("20辆礼盒", "20-Car Gift Pack", 199),
            ("轨道套装", "Track Set", 299),
        ],
    },
    Toy {
        brand: "美泰",
        brand_en: "Mattel",
        zh: "芭比娃娃",
        en: "Barbie doll",
        age: "3岁+",
        variants: &[
            ("梦想衣橱", "Dream Closet", 399),
            ("时尚单人", "Fashionistas Doll", 99),
            ("梦幻豪宅", "Dreamhouse", 1_599),
        ],
    },
    Toy {
        brand: "TOI图益",
        brand_en: "TOI",
        zh: "拼图",
        en: "jigsaw puzzle",
        age: "3岁+",
        variants: &[
            ("儿童进阶 100片", "Kids' 100 Pieces", 59),
            ("地图拼图 300片", "World Map, 300 Pieces", 89),
            ("名画 1000片", "Famous Painting, 1000 Pieces", 129),
        ],
    },
    Toy {
        brand: "贝恩施",
        brand_en: "Beiens",
        zh: "遥控越野车",
        en: "remote-control off-road car",
        age: "6岁+",
        variants: &[
            ("1:16 四驱", "1:16 4WD", 159),
            ("1:10 高速漂移", "1:10 High-Speed Drift", 299),
        ],
    },
    Toy {
        brand: "费雪",
        brand_en: "Fisher-Price",
        zh: "早教益智玩具",
        en: "early-learning toy",
        age: "0岁+",
        variants: &[
            ("学习小狗", "Laugh and Learn Puppy", 199),
            ("健身架", "Baby Gym", 299),
            ("叠叠杯", "Stacking Cups", 69),
        ],
    },
];

const TAGS: &[&str] = &[
    "生日礼物",
    "儿童节礼物",
    "新年礼物",
    "男孩女孩",
    "益智玩具",
    "收藏摆件",
    "官方正品",
    "现货",
    "亲子互动",
    "圣诞礼物",
    "六一礼物",
    "拼装模型",
    "桌面摆件",
    "送男朋友",
];

/// Writes one toy listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    if rng.u8(..100) < 40 {
        lego_set(rng)
    } else {
        other_toy(rng)
    }
}

fn lego_set(rng: &mut Rng) -> Listing {
    let set = pick_ref(rng, LEGO);
    let mut name = if rng.bool() {
        format!("乐高 LEGO {} {} {}积木玩具 {}", set.number, set.zh, set.theme, set.age)
    } else {
        format!(
            "LEGO乐高 {}系列 {} {} 拼装积木 {}",
            set.theme, set.number, set.zh, set.age
        )
    };
    push_tags(&mut name, rng, TAGS, 1..=3);
    let pieces = (set.yuan * rng.i64(8..=12) / 10).max(100);
    let description = format!(
        "乐高{theme}系列{number}「{zh}」，约{pieces}块颗粒，适合{age}。正品乐高积木，ABS材质，拼插咬合精准，\
         附图文拼搭说明书，完成后可作为摆件展示。",
        theme = set.theme,
        number = set.number,
        zh = set.zh,
        age = set.age,
    );
    let age_en = english_age(set.age);
    // A set named after its theme (`Classic Creative Brick Box`) does not repeat it.
    let theme_en = if set.en.starts_with(set.theme_en) {
        ""
    } else {
        set.theme_en
    };
    let lego_theme = words(&["LEGO", theme_en]);
    let description_en = format!(
        "{lego_theme} {number} {en}, about {pieces} pieces, ages {age_en}. Genuine LEGO building blocks.",
        number = set.number,
        en = set.en,
    );
    let name_en = format!("{lego_theme} {} {} Building Set, Ages {age_en}", set.en, set.number);
    Listing {
        name,
        name_en,
        description,
        description_en,
        yuan: set.yuan * rng.i64(80..=100) / 100,
    }
}

fn other_toy(rng: &mut Rng) -> Listing {
    let toy = pick_ref(rng, TOYS);
    let (variant, variant_en, yuan) = pick(rng, toy.variants);
    let mut name = format!("{} {} {variant} {}", toy.brand, toy.zh, toy.age);
    push_tags(&mut name, rng, TAGS, 1..=3);
    let description = format!(
        "{brand}{zh}（{variant}），适合{age}。材质安全环保，通过3C认证，边角圆润不伤手，包装精美适合送礼。\
         小零件请在成人看护下使用。",
        brand = toy.brand,
        zh = toy.zh,
        age = toy.age,
    );
    let age_en = english_age(toy.age);
    let description_en = format!(
        "{brand_en} {en} ({variant_en}), ages {age_en}. Safe materials, a great gift.",
        brand_en = toy.brand_en,
        en = toy.en,
    );
    Listing {
        name,
        name_en: format!("{} {}, {variant_en}, Ages {age_en}", toy.brand_en, title_case(toy.en)),
        description,
        description_en,
        yuan: yuan * rng.i64(85..=110) / 100,
    }
}

/// An age band in English: `18岁+` → `18+`.
fn english_age(age: &str) -> String {
    age.replace('岁', "")
}
