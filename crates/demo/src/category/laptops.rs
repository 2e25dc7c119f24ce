//! Laptops: gaming, thin-and-light and business notebooks, and MacBooks, with full configurations.

use fastrand::Rng;

use super::Listing;
use crate::text::{hundredths, pick, pick_ref, push_tags};

/// What a laptop is for; decides processors, graphics, weight and wording.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gaming,
    Thin,
    Business,
    Mac,
}

/// A laptop series with the price of its base configuration in yuan.
struct Series {
    brand_zh: &'static str,
    brand_en: &'static str,
    name: &'static str,
    name_en: &'static str,
    yuan: i64,
    kind: Kind,
}

const fn s(
    brand_zh: &'static str,
    brand_en: &'static str,
    name: &'static str,
    name_en: &'static str,
    yuan: i64,
    kind: Kind,
) -> Series {
    Series {
        brand_zh,
        brand_en,
        name,
        name_en,
        yuan,
        kind,
    }
}

const SERIES: &[Series] = &[
    s("联想", "Lenovo", "拯救者 Y9000P", "Legion Y9000P", 8_999, Kind::Gaming),
    s("联想", "Lenovo", "拯救者 R7000P", "Legion R7000P", 6_499, Kind::Gaming),
    s("联想", "Lenovo", "小新 Pro 14", "Xiaoxin Pro 14", 4_999, Kind::Thin),
    s("联想", "Lenovo", "小新 Pro 16", "Xiaoxin Pro 16", 5_499, Kind::Thin),
    s("联想", "Lenovo", "YOGA Pro 14s", "YOGA Pro 14s", 7_999, Kind::Thin),
    s(
        "联想",
        "Lenovo",
        "ThinkPad X1 Carbon",
        "ThinkPad X1 Carbon",
        9_999,
        Kind::Business,
    ),
    s("联想", "Lenovo", "ThinkPad E14", "ThinkPad E14", 4_299, Kind::Business),
    s(
        "联想",
        "Lenovo",
        "ThinkBook 14+",
        "ThinkBook 14+",
        5_299,
        Kind::Business,
    ),
    s("华为", "HUAWEI", "MateBook 14", "MateBook 14", 5_299, Kind::Thin),
    s("华为", "HUAWEI", "MateBook X Pro", "MateBook X Pro", 9_999, Kind::Thin),
    s(
        "华为",
        "HUAWEI",
        "MateBook D 16",
        "MateBook D 16",
        4_599,
        Kind::Business,
    ),
    s("华硕", "ASUS", "天选5 Pro", "TUF Gaming 5 Pro", 7_999, Kind::Gaming),
    s("华硕", "ASUS", "ROG 魔霸8", "ROG Strix SCAR 8", 12_999, Kind::Gaming),
    s("华硕", "ASUS", "灵耀14", "Zenbook 14", 5_999, Kind::Thin),
    s("戴尔", "Dell", "XPS 13", "XPS 13", 8_999, Kind::Thin),
    s("戴尔", "Dell", "灵越14 Plus", "Inspiron 14 Plus", 5_499, Kind::Thin),
    s("戴尔", "Dell", "游匣G16", "G16", 7_499, Kind::Gaming),
    s("惠普", "HP", "暗影精灵10", "OMEN 10", 7_699, Kind::Gaming),
    s("惠普", "HP", "战66", "ProBook 66", 4_399, Kind::Business),
    s("惠普", "HP", "星Book Pro 14", "Star Book Pro 14", 4_999, Kind::Thin),
    s(
        "小米",
        "Xiaomi",
        "Redmi Book Pro 16",
        "Redmi Book Pro 16",
        5_299,
        Kind::Thin,
    ),
    s(
        "宏碁",
        "Acer",
        "掠夺者 擎Neo",
        "Predator Helios Neo",
        8_499,
        Kind::Gaming,
    ),
    s("宏碁", "Acer", "非凡Go 14", "Swift Go 14", 3_299, Kind::Thin),
    s(
        "苹果",
        "Apple",
        "MacBook Air 13英寸 M2",
        "MacBook Air 13-inch M2",
        6_999,
        Kind::Mac,
    ),
    s(
        "苹果",
        "Apple",
        "MacBook Air 13英寸 M3",
        "MacBook Air 13-inch M3",
        7_999,
        Kind::Mac,
    ),
    s(
        "苹果",
        "Apple",
        "MacBook Air 15英寸 M3",
        "MacBook Air 15-inch M3",
        9_499,
        Kind::Mac,
    ),
    s(
        "苹果",
        "Apple",
        "MacBook Pro 14英寸 M3 Pro",
        "MacBook Pro 14-inch M3 Pro",
        14_999,
        Kind::Mac,
    ),
    s(
        "苹果",
        "Apple",
        "MacBook Pro 16英寸 M3 Max",
        "MacBook Pro 16-inch M3 Max",
        25_999,
        Kind::Mac,
    ),
];

/// Processors as listings write them, in English, and the surcharge in yuan.
const GAMING_CPUS: &[(&str, &str, i64)] = &[
    ("i7-13650HX", "Intel Core i7-13650HX", 0),
    ("i7-14650HX", "Intel Core i7-14650HX", 300),
    ("i9-14900HX", "Intel Core i9-14900HX", 1_000),
    ("R7-8845H", "AMD Ryzen 7 8845H", 0),
    ("R9-7945HX", "AMD Ryzen 9 7945HX", 800),
];
const THIN_CPUS: &[(&str, &str, i64)] = &[
    ("i5-13500H", "Intel Core i5-13500H", 0),
    ("Ultra 5 125H", "Intel Core Ultra 5 125H", 300),
    ("Ultra 7 155H", "Intel Core Ultra 7 155H", 900),
    ("R7-8845H", "AMD Ryzen 7 8845H", 500),
    ("R5-7640HS", "AMD Ryzen 5 7640HS", 0),
];
const BUSINESS_CPUS: &[(&str, &str, i64)] = &[
    ("i5-1340P", "Intel Core i5-1340P", 0),
    ("i7-1360P", "Intel Core i7-1360P", 700),
    ("Ultra 5 125U", "Intel Core Ultra 5 125U", 300),
    ("Ultra 7 155U", "Intel Core Ultra 7 155U", 900),
];
const GPUS: &[(&str, i64)] = &[
    ("RTX 4060", 0),
    ("RTX 4060", 0),
    ("RTX 4070", 1_500),
    ("RTX 4080", 5_000),
];
const RAM: &[(&str, i64)] = &[("16GB", 0), ("16GB", 0), ("32GB", 800)];
const SSD: &[(&str, i64)] = &[("512GB", 0), ("1TB", 400), ("1TB", 400), ("2TB", 1_200)];
const AIR_MEMORY: &[(&str, i64)] = &[("8GB", 0), ("16GB", 1_500), ("24GB", 3_000)];
/// The Pro and Max chips start at more memory.
const PRO_MEMORY: &[(&str, i64)] = &[("18GB", 0), ("36GB", 3_000), ("48GB", 4_500)];
/// Colours in Chinese and in English, as Apple names them.
const MAC_COLOURS: &[(&str, &str)] = &[
    ("午夜色", "Midnight"),
    ("星光色", "Starlight"),
    ("深空灰色", "Space Grey"),
    ("银色", "Silver"),
    ("深空黑色", "Space Black"),
];
const SCREENS: &[&str] = &[
    "2.5K 120Hz",
    "2.8K OLED 120Hz",
    "3K 120Hz",
    "2.5K 165Hz",
    "2.5K 240Hz",
    "1920x1200 60Hz",
];
/// Colours in Chinese and in English.
const COLOURS: &[(&str, &str)] = &[
    ("深空灰", "Space Grey"),
    ("银色", "Silver"),
    ("钛晶灰", "Titanium Grey"),
    ("冰魄白", "Ice White"),
    ("曜石黑", "Obsidian Black"),
    ("云峰蓝", "Cloud Blue"),
];
const TAGS: &[&str] = &[
    "官方标配",
    "学生办公",
    "高性能",
    "长续航",
    "全能本",
    "轻薄便携",
    "高色域",
    "2024新品",
];

/// Writes one laptop listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    let series = pick_ref(rng, SERIES);
    if series.kind == Kind::Mac {
        macbook(rng, series)
    } else {
        windows(rng, series)
    }
}

fn macbook(rng: &mut Rng, series: &Series) -> Listing {
    let (memory, memory_extra) = pick(
        rng,
        if series.name.starts_with("MacBook Pro") {
            PRO_MEMORY
        } else {
            AIR_MEMORY
        },
    );
    let (ssd, ssd_extra) = pick(rng, &SSD[..3]);
    let (colour, colour_en) = pick(rng, MAC_COLOURS);
    let mut name = format!("Apple {} 芯片 {memory} {ssd} {colour} 笔记本电脑", series.name);
    push_tags(&mut name, rng, TAGS, 0..=1);
    let hours = rng.u32(15..=22);
    let description = format!(
        "苹果{series}，Apple自研芯片带来出色性能与能效，无风扇静音设计（Pro机型配备主动散热）。\
         {memory}统一内存，{ssd}固态硬盘，Liquid视网膜显示屏，1080p FaceTime高清摄像头，\
         续航最长可达{hours}小时，{colour}铝金属一体机身，支持MagSafe充电与雷雳/USB 4接口。",
        series = series.name,
    );
    let description_en = format!(
        "Apple {series_en} laptop with {memory} unified memory and a {ssd} SSD, up to {hours} hours of \
         battery life. Ideal for creative work and everyday use.",
        series_en = series.name_en,
    );
    Listing {
        name,
        name_en: format!(
            "Apple {} Laptop, {memory} Unified Memory, {ssd} SSD, {colour_en}",
            series.name_en
        ),
        description,
        description_en,
        yuan: series.yuan + memory_extra + ssd_extra * 3,
    }
}

fn windows(rng: &mut Rng, series: &Series) -> Listing {
    let cpus = match series.kind {
        Kind::Gaming => GAMING_CPUS,
        Kind::Business => BUSINESS_CPUS,
        Kind::Thin | Kind::Mac => THIN_CPUS,
    };
    let (cpu, cpu_en, cpu_extra) = pick(rng, cpus);
    let (gpu, gpu_extra) = if series.kind == Kind::Gaming {
        pick(rng, GPUS)
    } else {
        ("", 0)
    };
    let (ram, ram_extra) = pick(rng, RAM);
    let (ssd, ssd_extra) = pick(rng, SSD);
    let screen = pick(rng, SCREENS);
    let (colour, colour_en) = pick(rng, COLOURS);
    let year = pick(rng, &["2023", "2024", "2024"]);
    let (noun, noun_en, use_zh, use_en, weight) = match series.kind {
        Kind::Gaming => (
            "游戏本",
            "gaming",
            "电竞游戏与3D渲染",
            "gaming and 3D rendering",
            rng.u32(230..=280),
        ),
        Kind::Business => (
            "商务本",
            "business",
            "商务办公与差旅",
            "business use and travel",
            rng.u32(110..=150),
        ),
        Kind::Thin | Kind::Mac => (
            "轻薄本",
            "thin-and-light",
            "移动办公与学习",
            "work and study on the go",
            rng.u32(120..=160),
        ),
    };
    let gpu_name = if gpu.is_empty() {
        String::new()
    } else {
        format!(" {gpu}")
    };
    let mut name = format!(
        "{} {} {year}款 {noun} {cpu}{gpu_name} {ram} {ssd} {screen} {colour} 笔记本电脑",
        series.brand_zh, series.name
    );
    push_tags(&mut name, rng, TAGS, 0..=1);
    let (gpu_zh, gpu_en) = if gpu.is_empty() {
        (String::from("，集成显卡"), String::new())
    } else {
        (
            format!("与NVIDIA GeForce {gpu}独立显卡"),
            format!(", an NVIDIA GeForce {gpu}"),
        )
    };
    let battery = rng.u32(57..=99);
    let description = format!(
        "{brand}{series}{noun}，搭载{cpu}处理器{gpu_zh}，{ram}内存 + {ssd} PCIe 4.0固态硬盘，{screen}屏幕，\
         机身约{weight}kg，{battery}Wh电池。提供雷电4/USB-C、HDMI 2.1与耳机接口，预装Windows 11，适合{use_zh}。",
        brand = series.brand_zh,
        series = series.name,
        weight = hundredths(weight),
    );
    let description_en = format!(
        "{brand_en} {series_en} {noun_en} laptop with an {cpu_en}{gpu_en}, {ram} RAM, a {ssd} SSD and a {screen} \
         display, ideal for {use_en}.",
        brand_en = series.brand_en,
        series_en = series.name_en,
    );
    // `, RTX 4060` after the processor on gaming laptops.
    let gpu_title = if gpu.is_empty() {
        String::new()
    } else {
        format!(", {gpu}")
    };
    let name_en = format!(
        "{} {} ({year}) {}, {cpu_en}{gpu_title}, {ram} RAM, {ssd} SSD, {screen} Display, {colour_en}",
        series.brand_en,
        series.name_en,
        kind_title(series.kind),
    );
    Listing {
        name,
        name_en,
        description,
        description_en,
        yuan: series.yuan + cpu_extra + gpu_extra + ram_extra + ssd_extra,
    }
}

/// What an English title calls a laptop of `kind`.
fn kind_title(kind: Kind) -> &'static str {
    match kind {
        Kind::Gaming => "Gaming Laptop",
        Kind::Business => "Business Laptop",
        Kind::Thin => "Thin and Light Laptop",
        Kind::Mac => "Laptop",
    }
}
