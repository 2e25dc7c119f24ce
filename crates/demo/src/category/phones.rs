//! Phones: flagships and mid-range handsets from the big Chinese brands, Apple and Samsung.

use fastrand::Rng;

use super::Listing;
use crate::text::{brand_model, pick, pick_ref, push_tags};

/// A system-on-chip as a Chinese listing writes it, and in English.
#[derive(Clone, Copy)]
struct Chip(&'static str, &'static str);

const KIRIN_9000S: Chip = Chip("麒麟9000S", "Kirin 9000S");
const KIRIN_9010: Chip = Chip("麒麟9010", "Kirin 9010");
const KIRIN_9020: Chip = Chip("麒麟9020", "Kirin 9020");
const KIRIN_8000: Chip = Chip("麒麟8000", "Kirin 8000");
const SD_8_ELITE: Chip = Chip("骁龙8至尊版", "Snapdragon 8 Elite");
const SD_8G3: Chip = Chip("骁龙8 Gen 3", "Snapdragon 8 Gen 3");
const SD_8G2: Chip = Chip("骁龙8 Gen 2", "Snapdragon 8 Gen 2");
const SD_8S_G3: Chip = Chip("骁龙8s Gen 3", "Snapdragon 8s Gen 3");
const SD_7G3: Chip = Chip("骁龙7 Gen 3", "Snapdragon 7 Gen 3");
const SD_7S_G2: Chip = Chip("骁龙7s Gen 2", "Snapdragon 7s Gen 2");
const SD_6G1: Chip = Chip("骁龙6 Gen 1", "Snapdragon 6 Gen 1");
const DIM_9300: Chip = Chip("天玑9300", "Dimensity 9300");
const DIM_9200P: Chip = Chip("天玑9200+", "Dimensity 9200+");
const DIM_8200: Chip = Chip("天玑8200", "Dimensity 8200");
const DIM_7050: Chip = Chip("天玑7050", "Dimensity 7050");
const DIM_6100P: Chip = Chip("天玑6100+", "Dimensity 6100+");
const EXYNOS_1480: Chip = Chip("Exynos 1480", "Exynos 1480");
const A15: Chip = Chip("A15仿生", "A15 Bionic");
const A16: Chip = Chip("A16仿生", "A16 Bionic");
const A17_PRO: Chip = Chip("A17 Pro", "A17 Pro");
const A18: Chip = Chip("A18", "A18");
const A18_PRO: Chip = Chip("A18 Pro", "A18 Pro");

/// A phone model with the base configuration's price in yuan.
struct Model {
    name: &'static str,
    yuan: i64,
    chip: Chip,
}

const fn m(name: &'static str, yuan: i64, chip: Chip) -> Model {
    Model { name, yuan, chip }
}

/// A phone maker with its Chinese and English names, models and colourways (Chinese,
/// English).
struct Brand {
    zh: &'static str,
    en: &'static str,
    models: &'static [Model],
    colours: &'static [(&'static str, &'static str)],
}

const APPLE: Brand = Brand {
    zh: "苹果",
    en: "Apple",
    models: &[
        m("iPhone 13", 3_999, A15),
        m("iPhone 14", 4_599, A15),
        m("iPhone 15", 5_299, A16),
        m("iPhone 15 Plus", 6_299, A16),
        m("iPhone 15 Pro", 7_299, A17_PRO),
        m("iPhone 15 Pro Max", 8_999, A17_PRO),
        m("iPhone 16", 5_999, A18),
        m("iPhone 16 Plus", 6_999, A18),
        m("iPhone 16 Pro", 7_999, A18_PRO),
        m("iPhone 16 Pro Max", 9_999, A18_PRO),
    ],
    colours: &[
        ("黑色", "Black"),
        ("白色", "White"),
        ("蓝色", "Blue"),
        ("粉色", "Pink"),
        ("绿色", "Green"),
        ("原色钛金属", "Natural Titanium"),
        ("黑色钛金属", "Black Titanium"),
        ("白色钛金属", "White Titanium"),
        ("沙漠色钛金属", "Desert Titanium"),
    ],
};

const ANDROID: &[Brand] = &[
    Brand {
        zh: "华为",
        en: "HUAWEI",
        models: &[
            m("Mate 60", 5_499, KIRIN_9000S),
            m("Mate 60 Pro", 6_499, KIRIN_9000S),
            m("Mate 60 Pro+", 8_999, KIRIN_9000S),
            m("Mate 70 Pro", 6_999, KIRIN_9020),
            m("Mate X5", 12_999, KIRIN_9000S),
            m("Pura 70", 5_499, KIRIN_9010),
            m("Pura 70 Pro", 6_499, KIRIN_9010),
            m("Pura 70 Ultra", 9_999, KIRIN_9010),
            m("nova 12 Pro", 3_499, KIRIN_8000),
            m("nova 12", 2_699, KIRIN_8000),
        ],
        colours: &[
            ("雅川青", "Green"),
            ("雅丹黑", "Yadan Black"),
            ("白沙银", "White Silver"),
            ("南糯紫", "Purple"),
            ("羽砂黑", "Feather Black"),
            ("烟云灰", "Smoke Grey"),
            ("冰晶蓝", "Ice Blue"),
        ],
    },
    Brand {
        zh: "小米",
        en: "Xiaomi",
        models: &[
            m("14", 3_999, SD_8G3),
            m("14 Pro", 4_999, SD_8G3),
            m("14 Ultra", 6_499, SD_8G3),
            m("15", 4_499, SD_8_ELITE),
            m("15 Pro", 5_299, SD_8_ELITE),
            m("Civi 4 Pro", 2_999, SD_8S_G3),
        ],
        colours: &[
            ("黑色", "Black"),
            ("白色", "White"),
            ("雪山粉", "Snow Pink"),
            ("岩石青", "Jade Green"),
            ("钛金属色", "Titanium"),
            ("浅云蓝", "Light Blue"),
        ],
    },
    Brand {
        zh: "红米",
        en: "Redmi",
        models: &[
            m("K70", 2_499, SD_8G2),
            m("K70 Pro", 3_299, SD_8G3),
            m("K80", 2_499, SD_8_ELITE),
            m("Turbo 3", 1_999, SD_8S_G3),
            m("Note 13 Pro", 1_399, SD_7S_G2),
            m("13R 5G", 999, DIM_6100P),
        ],
        colours: &[
            ("墨羽", "Ink Black"),
            ("晴雪", "Snow White"),
            ("竹月蓝", "Bamboo Blue"),
            ("冰钛", "Ice Titanium"),
            ("子夜黑", "Midnight Black"),
            ("星沙白", "Stardust White"),
        ],
    },
    Brand {
        zh: "OPPO",
        en: "OPPO",
        models: &[
            m("Find X7", 3_999, DIM_9300),
            m("Find X7 Ultra", 5_999, SD_8G3),
            m("Reno12", 2_699, DIM_8200),
            m("Reno12 Pro", 3_399, DIM_9200P),
            m("K12", 1_899, SD_7G3),
            m("A3 Pro", 1_999, DIM_7050),
        ],
        colours: &[
            ("大漠银月", "Desert Silver Moon"),
            ("星河蓝", "Galaxy Blue"),
            ("海阔天空", "Ocean Blue"),
            ("千禧银", "Millennium Silver"),
            ("乌木黑", "Ebony Black"),
            ("柔和粉", "Soft Pink"),
        ],
    },
    Brand {
        zh: "vivo",
        en: "vivo",
        models: &[
            m("X100", 3_999, DIM_9300),
            m("X100 Pro", 4_999, DIM_9300),
            m("X100 Ultra", 6_499, SD_8G3),
            m("S19", 2_499, SD_7G3),
            m("S19 Pro", 3_299, DIM_9200P),
            m("iQOO 12", 3_999, SD_8G3),
            m("iQOO Neo9", 2_299, SD_8G2),
            m("Y200", 1_599, SD_6G1),
        ],
        colours: &[
            ("辰夜黑", "Night Black"),
            ("星迹蓝", "Star Trail Blue"),
            ("白月光", "Moonlight White"),
            ("落日橙", "Sunset Orange"),
            ("烟雨青", "Misty Green"),
            ("钛色", "Titanium"),
        ],
    },
    Brand {
        zh: "荣耀",
        en: "HONOR",
        models: &[
            m("Magic6", 4_399, SD_8G3),
            m("Magic6 Pro", 5_699, SD_8G3),
            m("Magic V2", 8_999, SD_8G2),
            m("90", 2_499, SD_7G3),
            m("X50", 1_399, SD_6G1),
            m("Play 50", 1_099, DIM_6100P),
        ],
        colours: &[
            ("绒黑色", "Velvet Black"),
            ("祁连雪", "Qilian Snow"),
            ("海湖青", "Lake Green"),
            ("流云紫", "Cloud Purple"),
            ("天海青", "Sea Green"),
            ("燃橙色", "Blaze Orange"),
        ],
    },
    Brand {
        zh: "一加",
        en: "OnePlus",
        models: &[
            m("12", 4_299, SD_8G3),
            m("13", 4_499, SD_8_ELITE),
            m("Ace 3", 2_599, SD_8G2),
            m("Ace 3V", 1_999, SD_7G3),
        ],
        colours: &[
            ("岩黑", "Silky Black"),
            ("留白", "White"),
            ("苍绿", "Flowy Emerald"),
            ("鸣沙金", "Sand Gold"),
            ("星辰黑", "Starry Black"),
        ],
    },
    Brand {
        zh: "三星",
        en: "Samsung",
        models: &[
            m("Galaxy S24", 5_499, SD_8G3),
            m("Galaxy S24 Ultra", 9_699, SD_8G3),
            m("Galaxy Z Flip5", 7_499, SD_8G2),
            m("Galaxy Z Fold5", 12_999, SD_8G2),
            m("Galaxy A55", 2_599, EXYNOS_1480),
        ],
        colours: &[
            ("钛黑", "Titanium Black"),
            ("钛灰", "Titanium Grey"),
            ("水墨黑", "Onyx Black"),
            ("雾岩灰", "Misty Grey"),
            ("琥珀黄", "Amber Yellow"),
            ("冰薄荷", "Mint"),
        ],
    },
];

/// Android memory configurations: RAM, storage, and the surcharge over the base model.
const MEMORY: &[(&str, &str, i64)] = &[
    ("8GB", "256GB", 0),
    ("12GB", "256GB", 300),
    ("12GB", "512GB", 700),
    ("16GB", "512GB", 1_000),
    ("16GB", "1TB", 1_500),
];

/// iPhone storage options and their surcharges.
const IPHONE_STORAGE: &[(&str, i64)] = &[("128GB", 0), ("256GB", 1_000), ("512GB", 2_500), ("1TB", 4_000)];

const TAGS: &[&str] = &[
    "全网通",
    "双卡双待",
    "官方标配",
    "国行正品",
    "拍照手机",
    "长续航",
    "快充",
    "NFC",
    "新品",
];

/// Writes one phone listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    // Apple sells about a fifth of the phones in China; the other brands share the rest.
    if rng.u8(..100) < 22 { iphone(rng) } else { android(rng) }
}

fn iphone(rng: &mut Rng) -> Listing {
    let model = pick_ref(rng, APPLE.models);
    let (colour, colour_en) = pick(rng, APPLE.colours);
    // 1TB is only offered on the Pro models.
    let options = if model.name.contains("Pro") {
        IPHONE_STORAGE
    } else {
        &IPHONE_STORAGE[..3]
    };
    let (storage, extra) = pick(rng, options);
    let mut name = match rng.u8(..3) {
        0 => format!("苹果手机 {} {storage} {colour}", model.name),
        1 => format!("Apple/苹果 {} {storage} {colour} 5G手机", model.name),
        _ => format!("Apple {} ({storage}) {colour} 苹果手机", model.name),
    };
    push_tags(&mut name, rng, TAGS, 0..=2);
    let screen = if model.name.contains("Max") || model.name.contains("Plus") {
        "6.7"
    } else {
        "6.1"
    };
    let description = format!(
        "{model}搭载{chip}芯片，{screen}英寸超视网膜XDR显示屏，支持面容ID、MagSafe磁吸充电与5G网络。\
         4800万像素主摄支持4K杜比视界视频拍摄，{storage}存储空间，{colour}外观，机身具备IP68级防尘抗水。",
        model = model.name,
        chip = model.chip.0,
    );
    let description_en = format!(
        "Apple {model} smartphone with the {chip_en} chip, {storage} of storage and a {screen}-inch \
         Super Retina XDR display. Face ID, MagSafe and 5G.",
        model = model.name,
        chip_en = model.chip.1,
    );
    Listing {
        name,
        name_en: format!("Apple {} {storage} {colour_en}", model.name),
        description,
        description_en,
        yuan: model.yuan + extra,
    }
}

fn android(rng: &mut Rng) -> Listing {
    let brand = pick_ref(rng, ANDROID);
    let model = pick_ref(rng, brand.models);
    let (colour, colour_en) = pick(rng, brand.colours);
    // Budget phones are not sold with 1TB, and memory upgrades cost them less.
    let budget = model.yuan < 2_000;
    let (ram, storage, extra) = pick(rng, if budget { &MEMORY[..3] } else { MEMORY });
    let extra = if budget { extra / 2 } else { extra };
    let (zh, en, model_name) = (brand.zh, brand.en, model.name);
    // The English title names the phone the way the Chinese one does (手机, 5G手机, 智能手机).
    let (mut name, noun_en) = match rng.u8(..4) {
        0 => (format!("{zh} {model_name} 手机 {ram}+{storage} {colour}"), "Phone"),
        1 if zh != en => (
            format!("{zh} {en} {model_name} 5G手机 {ram}+{storage} {colour}"),
            "5G Phone",
        ),
        2 if zh != en => (
            format!("{en}/{zh} {model_name} {ram}+{storage} {colour} 智能手机"),
            "Smartphone",
        ),
        _ => (format!("{zh}手机 {model_name} 5G {ram}+{storage} {colour}"), "5G Phone"),
    };
    push_tags(&mut name, rng, TAGS, 0..=2);
    let screen = pick(rng, &["6.36", "6.67", "6.73", "6.78", "6.82"]);
    let (panel_zh, panel_en) = pick(
        rng,
        &[
            ("OLED直屏", "OLED"),
            ("LTPO OLED曲面屏", "LTPO OLED"),
            ("AMOLED", "AMOLED"),
        ],
    );
    // Entry-level phones get entry-level displays, charging and cameras.
    let hertz = if budget {
        pick(rng, &[90, 120])
    } else {
        pick(rng, &[120, 120, 144])
    };
    let battery = rng.u32(46..=61) * 100;
    let watts = if budget {
        pick(rng, &[33, 44, 45])
    } else {
        pick(rng, &[66, 80, 90, 100, 120])
    };
    let cameras: &[(&str, &str)] = if budget {
        &[("5000万", "50MP"), ("1300万", "13MP")]
    } else {
        &[
            ("5000万", "50MP"),
            ("5000万", "50MP"),
            ("1亿", "100MP"),
            ("2亿", "200MP"),
        ]
    };
    let (camera_zh, camera_en) = pick(rng, cameras);
    let description = format!(
        "{brand_model}搭载{chip}处理器，{screen}英寸{panel_zh}，支持{hertz}Hz自适应刷新率；内置{battery}mAh大电池，\
         支持{watts}W有线快充。后置{camera_zh}像素主摄，{ram}运行内存 + {storage}机身存储，{colour}配色。\
         支持5G全网通、NFC与IP68级防尘防水，游戏、拍照、追剧都流畅。",
        brand_model = brand_model(zh, model_name),
        chip = model.chip.0,
    );
    let description_en = format!(
        "{en} {model_name} smartphone with the {chip_en} chip, {ram} RAM and {storage} storage, a {screen}-inch \
         {panel_en} display, a {camera_en} main camera and {watts}W fast charging.",
        chip_en = model.chip.1,
    );
    // A model that already says 5G (`13R 5G`) is not called a 5G phone twice.
    let noun_en = if model_name.ends_with("5G") {
        noun_en.trim_start_matches("5G ")
    } else {
        noun_en
    };
    Listing {
        name,
        name_en: format!("{en} {model_name} {noun_en} {ram}+{storage} {colour_en}"),
        description,
        description_en,
        yuan: model.yuan + extra,
    }
}
