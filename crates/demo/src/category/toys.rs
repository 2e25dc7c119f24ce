//! Toys: LEGO sets by number, blind boxes, model kits, plush, puzzles and remote-control cars.

use fastrand::Rng;

use super::Listing;
use crate::text::{pick, pick_ref, push_tags};

/// A LEGO set: number, Chinese and English names, theme, age and price in yuan.
struct LegoSet {
    number: u32,
    zh: &'static str,
    en: &'static str,
    theme: &'static str,
    age: &'static str,
    yuan: i64,
}

const fn lego(
    number: u32,
    zh: &'static str,
    en: &'static str,
    theme: &'static str,
    age: &'static str,
    yuan: i64,
) -> LegoSet {
    LegoSet {
        number,
        zh,
        en,
        theme,
        age,
        yuan,
    }
}

const LEGO: &[LegoSet] = &[
    lego(
        42141,
        "迈凯伦 F1 赛车",
        "McLaren Formula 1 Race Car",
        "机械组",
        "18岁+",
        1_399,
    ),
    lego(
        42115,
        "兰博基尼 Sián FKP 37",
        "Lamborghini Sián FKP 37",
        "机械组",
        "18岁+",
        2_999,
    ),
    lego(10497, "银河探险家", "Galaxy Explorer", "ICONS", "18岁+", 799),
    lego(10281, "盆景树", "Bonsai Tree", "植物系列", "18岁+", 399),
    lego(10311, "兰花", "Orchid", "植物系列", "18岁+", 399),
    lego(
        76419,
        "霍格沃茨城堡和庭院",
        "Hogwarts Castle and Grounds",
        "哈利·波特",
        "9岁+",
        1_299,
    ),
    lego(75192, "千年隼", "Millennium Falcon", "星球大战", "16岁+", 5_999),
    lego(60337, "特快客运列车", "Express Passenger Train", "城市组", "7岁+", 999),
    lego(31141, "主街", "Main Street", "创意百变", "12岁+", 899),
    lego(71043, "霍格沃茨城堡", "Hogwarts Castle", "哈利·波特", "16岁+", 3_799),
    lego(10316, "瑞文戴尔", "Rivendell", "指环王", "18岁+", 3_799),
    lego(
        21348,
        "龙与地下城：红龙传说",
        "Dungeons & Dragons: Red Dragon's Tale",
        "IDEAS",
        "18岁+",
        2_799,
    ),
    lego(
        80054,
        "悟空小侠 天庭战车",
        "Monkie Kid Celestial Chariot",
        "悟空小侠",
        "9岁+",
        699,
    ),
    lego(
        11021,
        "经典创意积木盒",
        "Classic Creative Brick Box",
        "经典创意",
        "4岁+",
        299,
    ),
];

/// Other toys: maker, noun, English, age band, variants and prices in yuan.
struct Toy {
    brand: &'static str,
    brand_en: &'static str,
    zh: &'static str,
    en: &'static str,
    age: &'static str,
    variants: &'static [(&'static str, i64)],
}

const TOYS: &[Toy] = &[
    Toy {
        brand: "泡泡玛特",
        brand_en: "POP MART",
        zh: "盲盒手办",
        en: "blind box figure",
        age: "15岁+",
        variants: &[
            ("LABUBU 单盒", 99),
            ("MOLLY 单盒", 69),
            ("SKULLPANDA 整盒12只", 828),
            ("DIMOO 单盒", 69),
        ],
    },
    Toy {
        brand: "万代",
        brand_en: "BANDAI",
        zh: "高达拼装模型",
        en: "Gundam model kit",
        age: "15岁+",
        variants: &[
            ("HG 1/144 RX-78-2", 129),
            ("RG 1/144 自由高达", 299),
            ("MG 1/100 强袭自由", 599),
            ("PG 1/60 独角兽", 2_299),
        ],
    },
    Toy {
        brand: "布鲁可",
        brand_en: "Blokees",
        zh: "积木人",
        en: "building block figures",
        age: "6岁+",
        variants: &[("奥特曼 英雄版", 39), ("变形金刚 群星版", 69), ("6只装", 199)],
    },
    Toy {
        brand: "奥迪双钻",
        brand_en: "Alpha",
        zh: "超级飞侠变形机器人",
        en: "transforming robot toy",
        age: "3岁+",
        variants: &[("乐迪", 89), ("小爱", 89), ("大号套装", 299)],
    },
    Toy {
        brand: "Jellycat",
        brand_en: "Jellycat",
        zh: "毛绒玩具",
        en: "plush toy",
        age: "0岁+",
        variants: &[
            ("邦尼兔 中号31cm", 299),
            ("邦尼兔 大号36cm", 399),
            ("巴塞罗熊 26cm", 269),
            ("茄子 小号", 199),
        ],
    },
    Toy {
        brand: "美泰",
        brand_en: "Mattel",
        zh: "风火轮合金车",
        en: "Hot Wheels die-cast cars",
        age: "3岁+",
        variants: &[("5辆装", 59), ("20辆礼盒", 199), ("轨道套装", 299)],
    },
    Toy {
        brand: "美泰",
        brand_en: "Mattel",
        zh: "芭比娃娃",
        en: "Barbie doll",
        age: "3岁+",
        variants: &[("梦想衣橱", 399), ("时尚单人", 99), ("梦幻豪宅", 1_599)],
    },
    Toy {
        brand: "TOI图益",
        brand_en: "TOI",
        zh: "拼图",
        en: "jigsaw puzzle",
        age: "3岁+",
        variants: &[("儿童进阶 100片", 59), ("地图拼图 300片", 89), ("名画 1000片", 129)],
    },
    Toy {
        brand: "贝恩施",
        brand_en: "Beiens",
        zh: "遥控越野车",
        en: "remote-control off-road car",
        age: "6岁+",
        variants: &[("1:16 四驱", 159), ("1:10 高速漂移", 299)],
    },
    Toy {
        brand: "费雪",
        brand_en: "Fisher-Price",
        zh: "早教益智玩具",
        en: "early-learning toy",
        age: "0岁+",
        variants: &[("学习小狗", 199), ("健身架", 299), ("叠叠杯", 69)],
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
         附图文拼搭说明书，完成后可作为摆件展示。\n\
         LEGO {number} {en}, about {pieces} pieces, ages {age_en}. Genuine LEGO building blocks.",
        theme = set.theme,
        number = set.number,
        zh = set.zh,
        en = set.en,
        age = set.age,
        age_en = set.age.replace("岁", ""),
    );
    Listing {
        name,
        description,
        yuan: set.yuan * rng.i64(80..=100) / 100,
    }
}

fn other_toy(rng: &mut Rng) -> Listing {
    let toy = pick_ref(rng, TOYS);
    let (variant, yuan) = pick(rng, toy.variants);
    let mut name = format!("{} {} {variant} {}", toy.brand, toy.zh, toy.age);
    push_tags(&mut name, rng, TAGS, 1..=3);
    let description = format!(
        "{brand}{zh}（{variant}），适合{age}。材质安全环保，通过3C认证，边角圆润不伤手，包装精美适合送礼。\
         小零件请在成人看护下使用。\n\
         {brand_en} {en}, ages {age_en}. Safe materials, a great gift.",
        brand = toy.brand,
        brand_en = toy.brand_en,
        zh = toy.zh,
        en = toy.en,
        age = toy.age,
        age_en = toy.age.replace("岁", ""),
    );
    Listing {
        name,
        description,
        yuan: yuan * rng.i64(85..=110) / 100,
    }
}
