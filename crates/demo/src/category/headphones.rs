//! Headphones: true wireless earbuds, over-ear noise cancelling headphones and open-ear sports sets.

use fastrand::Rng;

use super::Listing;
use crate::english::title_case;
use crate::text::{brand_model, pick, pick_ref, push_tags};

/// The form factor, which decides the Chinese and English product nouns and battery life.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Earbuds,
    OverEar,
    OpenEar,
}

/// A headphone model with its price in yuan and whether it cancels noise.
struct Model {
    brand_zh: &'static str,
    brand_en: &'static str,
    name: &'static str,
    kind: Kind,
    yuan: i64,
    anc: bool,
}

const fn h(
    brand_zh: &'static str,
    brand_en: &'static str,
    name: &'static str,
    kind: Kind,
    yuan: i64,
    anc: bool,
) -> Model {
    Model {
        brand_zh,
        brand_en,
        name,
        kind,
        yuan,
        anc,
    }
}

const MODELS: &[Model] = &[
    h("苹果", "Apple", "AirPods Pro 2", Kind::Earbuds, 1_899, true),
    h("苹果", "Apple", "AirPods 4", Kind::Earbuds, 999, false),
    h("苹果", "Apple", "AirPods Max", Kind::OverEar, 3_999, true),
    h("索尼", "Sony", "WH-1000XM5", Kind::OverEar, 2_499, true),
    h("索尼", "Sony", "WF-1000XM5", Kind::Earbuds, 1_699, true),
    h("索尼", "Sony", "ULT WEAR", Kind::OverEar, 1_299, true),
    h("华为", "HUAWEI", "FreeBuds Pro 3", Kind::Earbuds, 1_499, true),
    h("华为", "HUAWEI", "FreeBuds 5i", Kind::Earbuds, 499, true),
    h("华为", "HUAWEI", "FreeClip", Kind::OpenEar, 1_299, false),
    h("小米", "Xiaomi", "Buds 4 Pro", Kind::Earbuds, 999, true),
    h("小米", "Redmi", "Buds 5 Pro", Kind::Earbuds, 399, true),
    h("Bose", "Bose", "QuietComfort Ultra", Kind::OverEar, 2_999, true),
    h("Bose", "Bose", "QuietComfort Earbuds II", Kind::Earbuds, 1_999, true),
    h("漫步者", "EDIFIER", "W820NB", Kind::OverEar, 299, true),
    h("漫步者", "EDIFIER", "NeoBuds Pro 2", Kind::Earbuds, 699, true),
    h("漫步者", "EDIFIER", "Lolli Pro 3", Kind::Earbuds, 399, true),
    h("森海塞尔", "Sennheiser", "MOMENTUM 4", Kind::OverEar, 2_499, true),
    h(
        "森海塞尔",
        "Sennheiser",
        "MOMENTUM True Wireless 4",
        Kind::Earbuds,
        1_999,
        true,
    ),
    h("Beats", "Beats", "Studio Pro", Kind::OverEar, 2_499, true),
    h("Beats", "Beats", "Fit Pro", Kind::Earbuds, 1_499, true),
    h("JBL", "JBL", "TUNE 770NC", Kind::OverEar, 599, true),
    h("JBL", "JBL", "LIVE Beam 3", Kind::Earbuds, 999, true),
    h("韶音", "Shokz", "OpenRun Pro 2", Kind::OpenEar, 1_499, false),
    h("韶音", "Shokz", "OpenFit", Kind::OpenEar, 1_199, false),
    h("倍思", "Baseus", "Bowie MA10", Kind::Earbuds, 149, true),
    h("QCY", "QCY", "T13", Kind::Earbuds, 99, false),
    h("OPPO", "OPPO", "Enco X2", Kind::Earbuds, 999, true),
    h("vivo", "vivo", "TWS 4", Kind::Earbuds, 599, true),
];

/// Colours in Chinese and in English.
const COLOURS: &[(&str, &str)] = &[
    ("黑色", "Black"),
    ("白色", "White"),
    ("银色", "Silver"),
    ("午夜蓝", "Midnight Blue"),
    ("雾霾粉", "Dusty Pink"),
    ("薄荷绿", "Mint Green"),
    ("星空灰", "Starry Grey"),
    ("冰霜银", "Frost Silver"),
];
const TAGS: &[&str] = &[
    "长续航",
    "通话降噪",
    "低延迟游戏",
    "Hi-Res 高音质",
    "运动防水",
    "适用苹果华为小米手机",
    "2024新款",
    "官方标配",
    "蓝牙5.3",
    "送礼推荐",
];

/// Writes one headphone listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    let model = pick_ref(rng, MODELS);
    let (colour, colour_en) = pick(rng, COLOURS);
    let (noun, noun_en) = match model.kind {
        Kind::Earbuds => ("真无线蓝牙耳机", "true wireless earbuds"),
        Kind::OverEar => ("头戴式无线蓝牙耳机", "over-ear wireless headphones"),
        Kind::OpenEar => ("开放式运动蓝牙耳机", "open-ear wireless sports headphones"),
    };
    let anc = if model.anc { " 主动降噪" } else { "" };
    // Chinese shops print both names of a foreign brand (索尼 Sony), once if they agree (Bose).
    let mut name = if rng.bool() && model.brand_zh != model.brand_en {
        format!(
            "{} {} {}{anc} {noun} {colour}",
            model.brand_zh, model.brand_en, model.name
        )
    } else {
        format!("{} {} {noun}{anc} {colour}", model.brand_en, model.name)
    };
    push_tags(&mut name, rng, TAGS, 1..=2);
    let (bud_hours, total_hours) = match model.kind {
        Kind::OverEar => (rng.u32(30..=60), 0),
        Kind::Earbuds | Kind::OpenEar => {
            let bud = rng.u32(5..=10);
            (bud, bud * rng.u32(3..=5))
        }
    };
    let battery = if total_hours > 0 {
        format!("单次续航约{bud_hours}小时，配合充电盒总续航约{total_hours}小时")
    } else {
        format!("续航约{bud_hours}小时，快充10分钟可听3小时")
    };
    let (anc_zh, anc_en) = if model.anc {
        ("，支持自适应主动降噪与通透模式", " with active noise cancelling")
    } else {
        ("，佩戴轻盈无压迫感", "")
    };
    let driver = pick(rng, &["10mm", "11mm", "12.4mm", "30mm", "40mm"]);
    let codec = pick(rng, &["AAC", "LDAC", "LHDC", "aptX Adaptive", "SBC/AAC"]);
    let bluetooth = pick(rng, &["5.3", "5.3", "5.4"]);
    let hours = if total_hours > 0 { total_hours } else { bud_hours };
    let description = format!(
        "{brand_model}{noun}，{driver}动圈单元{anc_zh}。{battery}，蓝牙{bluetooth}连接稳定，支持{codec}编码，\
         多麦克风通话降噪，{colour}配色。适合通勤、运动、办公与游戏。",
        brand_model = brand_model(model.brand_zh, model.name),
    );
    let description_en = format!(
        "{brand_en} {model} {noun_en}{anc_en}, Bluetooth {bluetooth}, {codec} and up to {hours} hours of battery life.",
        brand_en = model.brand_en,
        model = model.name,
    );
    let anc_title = if model.anc { "Noise Cancelling " } else { "" };
    // `MOMENTUM True Wireless 4` is not called true wireless twice.
    let noun_title = title_case(noun_en);
    let noun_title = if model.name.contains("True Wireless") {
        noun_title.replace("True Wireless ", "")
    } else {
        noun_title
    };
    Listing {
        name,
        name_en: format!("{} {} {anc_title}{noun_title}, {colour_en}", model.brand_en, model.name),
        description,
        description_en,
        yuan: model.yuan,
    }
}
