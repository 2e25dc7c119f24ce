//! Chargers & cables: GaN wall chargers, USB-C and Lightning cables, power banks, wireless
//! chargers and hubs.

use fastrand::Rng;

use super::Listing;
use crate::english::words;
use crate::text::{pick, pick_ref, push_tags};

/// The kind of accessory; decides the English noun and the description.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Charger,
    Cable,
    PowerBank,
    Wireless,
    Hub,
}

/// A product line and its variants (power, length or capacity) with their prices in yuan.
struct Line {
    brand_zh: &'static str,
    brand_en: &'static str,
    model: &'static str,
    noun: &'static str,
    /// What an English title calls it after the model; empty where the model already says
    /// (`737 Power Bank`).
    noun_en: &'static str,
    kind: Kind,
    options: &'static [(&'static str, i64)],
}

const fn l(
    brand_zh: &'static str,
    brand_en: &'static str,
    model: &'static str,
    noun: (&'static str, &'static str),
    kind: Kind,
    options: &'static [(&'static str, i64)],
) -> Line {
    Line {
        brand_zh,
        brand_en,
        model,
        noun: noun.0,
        noun_en: noun.1,
        kind,
        options,
    }
}

const LINES: &[Line] = &[
    l(
        "安克",
        "Anker",
        "737 GaNPrime",
        ("氮化镓充电器", "GaN Charger"),
        Kind::Charger,
        &[("120W", 499)],
    ),
    l(
        "安克",
        "Anker",
        "735 Nano II",
        ("氮化镓充电器", "GaN Charger"),
        Kind::Charger,
        &[("65W", 299)],
    ),
    l(
        "安克",
        "Anker",
        "511 Nano Pro",
        ("USB-C 快充头", "Fast Charger"),
        Kind::Charger,
        &[("20W", 79), ("30W", 109)],
    ),
    l(
        "安克",
        "Anker",
        "717",
        ("氮化镓充电器", "GaN Charger"),
        Kind::Charger,
        &[("140W", 599)],
    ),
    l(
        "绿联",
        "UGREEN",
        "Nexode",
        ("氮化镓充电器", "GaN Charger"),
        Kind::Charger,
        &[("30W", 69), ("65W", 149), ("100W", 259), ("140W", 399)],
    ),
    l(
        "倍思",
        "Baseus",
        "GaN5 Pro",
        ("氮化镓充电器", "GaN Charger"),
        Kind::Charger,
        &[("30W", 59), ("65W", 139), ("100W", 199)],
    ),
    l(
        "小米",
        "Xiaomi",
        "GaN",
        ("快充充电器", "Fast Charger"),
        Kind::Charger,
        &[("67W", 129), ("120W", 199)],
    ),
    l(
        "华为",
        "HUAWEI",
        "SuperCharge",
        ("超级快充充电器", "Fast Charger"),
        Kind::Charger,
        &[("66W", 169), ("88W", 219), ("100W", 239)],
    ),
    l(
        "苹果",
        "Apple",
        "USB-C",
        ("电源适配器", "Power Adapter"),
        Kind::Charger,
        &[("20W", 149), ("35W 双口", 299), ("70W", 449)],
    ),
    l(
        "公牛",
        "BULL",
        "GaN",
        ("氮化镓充电器", "Charger"),
        Kind::Charger,
        &[("33W", 59), ("65W", 119)],
    ),
    l(
        "苹果",
        "Apple",
        "USB-C Woven",
        ("编织充电线", "Charge Cable"),
        Kind::Cable,
        &[("1m", 145), ("240W 2m", 229)],
    ),
    l(
        "安克",
        "Anker",
        "765 USB-C to USB-C",
        ("数据线", "Cable"),
        Kind::Cable,
        &[("140W 0.9m", 109), ("140W 1.8m", 129)],
    ),
    l(
        "绿联",
        "UGREEN",
        "USB-C to USB-C",
        ("快充数据线", "Fast Charging Cable"),
        Kind::Cable,
        &[("60W 1m", 19), ("100W 1m", 39), ("100W 2m", 49), ("240W 1.5m", 69)],
    ),
    l(
        "绿联",
        "UGREEN",
        "USB-C to Lightning",
        ("苹果数据线 MFi认证", "MFi Certified Cable"),
        Kind::Cable,
        &[("1m", 49), ("2m", 69)],
    ),
    l(
        "倍思",
        "Baseus",
        "Type-C 6A",
        ("数据线", "Cable"),
        Kind::Cable,
        &[("1m", 19), ("2m", 29)],
    ),
    l(
        "华为",
        "HUAWEI",
        "6A Type-C",
        ("数据线", "Cable"),
        Kind::Cable,
        &[("1m", 49)],
    ),
    l(
        "安克",
        "Anker",
        "737 Power Bank",
        ("充电宝", ""),
        Kind::PowerBank,
        &[("24000mAh 140W", 699)],
    ),
    l(
        "安克",
        "Anker",
        "PowerCore",
        ("充电宝", "Power Bank"),
        Kind::PowerBank,
        &[("10000mAh", 139), ("20000mAh", 199)],
    ),
    l(
        "罗马仕",
        "ROMOSS",
        "sense",
        ("移动电源", "Power Bank"),
        Kind::PowerBank,
        &[("10000mAh", 69), ("20000mAh", 109), ("30000mAh", 149)],
    ),
    l(
        "小米",
        "Xiaomi",
        "22.5W",
        ("移动电源 充电宝", "Power Bank"),
        Kind::PowerBank,
        &[("10000mAh", 99), ("20000mAh", 139)],
    ),
    l(
        "苹果",
        "Apple",
        "MagSafe",
        ("无线充电器", "Wireless Charger"),
        Kind::Wireless,
        &[("1m", 329), ("2m", 379)],
    ),
    l(
        "倍思",
        "Baseus",
        "Qi2",
        ("磁吸无线充电器", "Magnetic Wireless Charger"),
        Kind::Wireless,
        &[("15W", 99)],
    ),
    l(
        "绿联",
        "UGREEN",
        "3-in-1",
        ("磁吸无线充电座", "Magnetic Wireless Charging Stand"),
        Kind::Wireless,
        &[("15W", 199)],
    ),
    l(
        "绿联",
        "UGREEN",
        "USB-C",
        ("扩展坞", "Hub"),
        Kind::Hub,
        &[("5合1", 129), ("7合1", 199), ("11合1", 399)],
    ),
    l("安克", "Anker", "USB-C", ("拓展坞", "Hub"), Kind::Hub, &[("8合1", 299)]),
];

/// Colours in Chinese and in English.
const COLOURS: &[(&str, &str)] = &[
    ("白色", "White"),
    ("黑色", "Black"),
    ("深空灰", "Space Grey"),
    ("冰川蓝", "Glacier Blue"),
    ("浅粉色", "Light Pink"),
];
const TAGS: &[&str] = &[
    "PD快充",
    "适用iPhone 15/16",
    "适用华为小米",
    "MacBook可用",
    "便携",
    "多口快充",
    "官方正品",
    "安全认证",
    "出差旅行",
];

/// Writes one charger, cable, power bank, wireless charger or hub listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    let line = pick_ref(rng, LINES);
    let (spec, yuan) = pick(rng, line.options);
    let (colour, colour_en) = pick(rng, COLOURS);
    let mut name = if rng.bool() {
        format!("{} {} {} {spec} {colour}", line.brand_en, line.model, line.noun)
    } else {
        format!(
            "{}{} {} {} {spec} {colour}",
            line.brand_zh, line.brand_en, line.noun, line.model
        )
    };
    push_tags(&mut name, rng, TAGS, 1..=2);
    let spec_en = spec.replace("合1", "-in-1").replace(" 双口", " Dual-Port");
    let (zh, en) = detail(rng, line.kind, &spec_en);
    let description = format!(
        "{brand}{model}{noun}（{spec}），{zh}外壳采用阻燃PC材质，通过3C认证，具备过压、过流、过温多重保护，{colour}。",
        brand = line.brand_zh,
        model = line.model,
        noun = line.noun,
    );
    let description_en = format!("{} {} {en}.", line.brand_en, line.model);
    let name_en = format!(
        "{} {spec_en}, {colour_en}",
        words(&[line.brand_en, line.model, line.noun_en])
    );
    Listing {
        name,
        name_en,
        description,
        description_en,
        yuan,
    }
}

/// The kind-specific middle of the Chinese description and the English noun phrase.
fn detail(rng: &mut Rng, kind: Kind, spec: &str) -> (String, String) {
    match kind {
        Kind::Charger => {
            let ports = pick(rng, &["单USB-C口", "2C1A三口", "3C1A四口", "双USB-C口"]);
            (
                format!("{ports}设计，支持PD 3.0/PPS等主流快充协议，可为手机、平板与笔记本电脑充电；"),
                format!("GaN USB-C charger, {spec}, fast charges phones, tablets and laptops"),
            )
        }
        Kind::Cable => (
            String::from("E-Marker芯片智能识别功率，尼龙编织线身耐弯折，支持数据传输与快充；"),
            format!("USB-C charging cable ({spec}), braided and built for fast charging and data transfer"),
        ),
        Kind::PowerBank => {
            let watts = pick(rng, &["20W", "22.5W", "30W", "65W"]);
            (
                format!("大容量电芯，最高{watts}双向快充，可登机携带；"),
                format!("portable power bank, {spec}, up to {watts} fast charging, safe to take on a plane"),
            )
        }
        Kind::Wireless => (
            String::from("磁吸精准对位，支持Qi2无线快充，充电时可横竖放置观看视频；"),
            format!("magnetic wireless charger ({spec}) for iPhone and Qi phones"),
        ),
        Kind::Hub => (
            String::from("集成HDMI 4K60Hz、USB-A 3.0、SD/TF读卡与PD 100W供电口，铝合金机身散热好；"),
            format!("USB-C hub ({spec}) with HDMI 4K output, USB-A ports and 100W pass-through charging"),
        ),
    }
}
