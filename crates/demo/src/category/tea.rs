//! Tea: the famous Chinese teas by origin, with grade, harvest year, weight and packaging.

use fastrand::Rng;

use super::Listing;
use crate::english::{title_case, words};
use crate::text::{pick, pick_ref, push_tags};

/// A family of tea, which decides how it looks, tastes and is brewed.
struct Family {
    zh: &'static str,
    en: &'static str,
    /// The English name as a title prints it.
    title: &'static str,
    looks: &'static str,
    liquor: &'static str,
    taste: &'static str,
    celsius: u32,
    /// Whether it is sold by picking season (明前/雨前) rather than aged by year.
    seasonal: bool,
    /// Whether it gains value with age and is sold by vintage.
    ages: bool,
}

const GREEN: Family = Family {
    zh: "绿茶",
    en: "green tea",
    title: "Green Tea",
    looks: "扁平挺直、色泽嫩绿",
    liquor: "嫩绿明亮",
    taste: "豆香清幽，滋味鲜爽甘醇",
    celsius: 80,
    ages: false,
    seasonal: true,
};
const OOLONG: Family = Family {
    zh: "乌龙茶",
    en: "oolong tea",
    title: "Oolong Tea",
    looks: "条索紧结、色泽乌润",
    liquor: "橙黄透亮",
    taste: "岩韵花香馥郁，回甘持久",
    celsius: 100,
    ages: false,
    seasonal: false,
};
const BLACK: Family = Family {
    zh: "红茶",
    en: "black tea",
    title: "Black Tea",
    looks: "条索紧细、金毫显露",
    liquor: "红艳明亮",
    taste: "蜜香甜润，滋味醇厚",
    celsius: 90,
    ages: false,
    seasonal: false,
};
const WHITE: Family = Family {
    zh: "白茶",
    en: "white tea",
    title: "White Tea",
    looks: "芽叶肥壮、白毫满披",
    liquor: "杏黄清澈",
    taste: "毫香蜜韵，清甜醇爽",
    celsius: 90,
    ages: true,
    seasonal: false,
};
const PUER: Family = Family {
    zh: "普洱茶",
    en: "pu-erh tea",
    title: "Pu-erh Tea",
    looks: "饼形端正、条索肥壮",
    liquor: "红浓透亮",
    taste: "陈香浓郁，滋味醇厚顺滑",
    celsius: 100,
    ages: true,
    seasonal: false,
};
const JASMINE: Family = Family {
    zh: "花茶",
    en: "jasmine tea",
    title: "Jasmine Tea",
    looks: "条索紧细匀整",
    liquor: "黄绿明亮",
    taste: "茉莉花香鲜灵持久，滋味醇厚",
    celsius: 85,
    ages: false,
    seasonal: false,
};
const DARK: Family = Family {
    zh: "黑茶",
    en: "dark tea",
    title: "Dark Tea",
    looks: "条索紧实、色泽黑褐",
    liquor: "橙红明亮",
    taste: "菌花香显，滋味醇和",
    celsius: 100,
    ages: true,
    seasonal: false,
};

/// A named tea with its origin, brands that sell it (Chinese, English), and price per 250g
/// in yuan.
struct Tea {
    zh: &'static str,
    en: &'static str,
    family: &'static Family,
    origin: &'static str,
    origin_en: &'static str,
    brands: &'static [(&'static str, &'static str)],
    yuan_per_250g: i64,
}

const fn t(
    zh: &'static str,
    en: &'static str,
    family: &'static Family,
    origin: (&'static str, &'static str),
    brands: &'static [(&'static str, &'static str)],
    yuan_per_250g: i64,
) -> Tea {
    Tea {
        zh,
        en,
        family,
        origin: origin.0,
        origin_en: origin.1,
        brands,
        yuan_per_250g,
    }
}

/// Brands that sell most kinds of tea.
const HOUSES: &[(&str, &str)] = &[
    ("八马", "Bama"),
    ("天福茗茶", "Tenfu's Tea"),
    ("中茶", "Chinatea"),
    ("艺福堂", "EFUTON"),
    ("吴裕泰", "Wuyutai"),
    ("华祥苑", "Huaxiangyuan"),
    ("小罐茶", "Xiaoguan Tea"),
];

const TEAS: &[Tea] = &[
    t(
        "西湖龙井",
        "West Lake Longjing",
        &GREEN,
        ("浙江杭州", "Hangzhou, Zhejiang"),
        &[
            ("卢正浩", "Lu Zhenghao"),
            ("狮峰", "Shifeng"),
            ("贡牌", "Gongpai"),
            ("艺福堂", "EFUTON"),
        ],
        480,
    ),
    t(
        "碧螺春",
        "Biluochun",
        &GREEN,
        ("江苏苏州洞庭山", "Dongting Mountain, Suzhou"),
        HOUSES,
        320,
    ),
    t(
        "黄山毛峰",
        "Huangshan Maofeng",
        &GREEN,
        ("安徽黄山", "Huangshan, Anhui"),
        &[("谢裕大", "Xieyuda"), ("徽六", "Huiliu"), ("艺福堂", "EFUTON")],
        180,
    ),
    t(
        "信阳毛尖",
        "Xinyang Maojian",
        &GREEN,
        ("河南信阳", "Xinyang, Henan"),
        HOUSES,
        160,
    ),
    t(
        "六安瓜片",
        "Lu'an Guapian",
        &GREEN,
        ("安徽六安", "Lu'an, Anhui"),
        &[("徽六", "Huiliu"), ("中茶", "Chinatea"), ("八马", "Bama")],
        260,
    ),
    t(
        "安吉白茶",
        "Anji Bai Cha",
        &GREEN,
        ("浙江安吉", "Anji, Zhejiang"),
        HOUSES,
        300,
    ),
    t(
        "竹叶青",
        "Zhuyeqing",
        &GREEN,
        ("四川峨眉山", "Mount Emei, Sichuan"),
        &[("竹叶青", "Zhuyeqing")],
        450,
    ),
    t(
        "大红袍",
        "Da Hong Pao",
        &OOLONG,
        ("福建武夷山", "Wuyi Mountains, Fujian"),
        &[("武夷星", "Wuyi Star"), ("八马", "Bama"), ("中茶", "Chinatea")],
        280,
    ),
    t(
        "铁观音",
        "Tieguanyin",
        &OOLONG,
        ("福建安溪", "Anxi, Fujian"),
        &[
            ("八马", "Bama"),
            ("华祥苑", "Huaxiangyuan"),
            ("安溪铁观音集团", "Anxi Tieguanyin Group"),
        ],
        220,
    ),
    t(
        "凤凰单丛",
        "Phoenix Dancong",
        &OOLONG,
        ("广东潮州", "Chaozhou, Guangdong"),
        HOUSES,
        240,
    ),
    t(
        "冻顶乌龙",
        "Dong Ding",
        &OOLONG,
        ("台湾南投", "Nantou, Taiwan"),
        &[("天福茗茶", "Tenfu's Tea"), ("八马", "Bama")],
        260,
    ),
    t(
        "正山小种",
        "Lapsang Souchong",
        &BLACK,
        ("福建武夷山桐木关", "Tongmu, Wuyi Mountains"),
        &[("正山堂", "Zhengshantang"), ("八马", "Bama")],
        200,
    ),
    t(
        "金骏眉",
        "Jin Jun Mei",
        &BLACK,
        ("福建武夷山", "Wuyi Mountains, Fujian"),
        &[("正山堂", "Zhengshantang"), ("元正", "Yuanzheng")],
        520,
    ),
    t(
        "祁门红茶",
        "Keemun",
        &BLACK,
        ("安徽祁门", "Qimen, Anhui"),
        &[("祥源", "Xiangyuan"), ("中茶", "Chinatea"), ("吴裕泰", "Wuyutai")],
        180,
    ),
    t(
        "滇红",
        "Dianhong",
        &BLACK,
        ("云南凤庆", "Fengqing, Yunnan"),
        &[("凤牌", "Fengpai"), ("中茶", "Chinatea")],
        120,
    ),
    t(
        "普洱熟茶",
        "Ripe (Shou)",
        &PUER,
        ("云南西双版纳", "Xishuangbanna, Yunnan"),
        &[("大益", "Taetea"), ("中茶", "Chinatea"), ("七彩云南", "Qicai Yunnan")],
        150,
    ),
    t(
        "普洱生茶",
        "Raw (Sheng)",
        &PUER,
        ("云南临沧", "Lincang, Yunnan"),
        &[
            ("大益", "Taetea"),
            ("澜沧古茶", "Lancang Ancient Tea"),
            ("中茶", "Chinatea"),
        ],
        180,
    ),
    t(
        "白毫银针",
        "Silver Needle",
        &WHITE,
        ("福建福鼎", "Fuding, Fujian"),
        &[("品品香", "Pinpinxiang"), ("绿雪芽", "Luxueya"), ("八马", "Bama")],
        420,
    ),
    t(
        "白牡丹",
        "White Peony",
        &WHITE,
        ("福建福鼎", "Fuding, Fujian"),
        &[("品品香", "Pinpinxiang"), ("绿雪芽", "Luxueya")],
        220,
    ),
    t(
        "寿眉",
        "Shou Mei",
        &WHITE,
        ("福建福鼎", "Fuding, Fujian"),
        &[("品品香", "Pinpinxiang"), ("中茶", "Chinatea")],
        110,
    ),
    t(
        "茉莉花茶",
        "Premium",
        &JASMINE,
        ("广西横县", "Hengxian, Guangxi"),
        &[("张一元", "Zhang Yiyuan"), ("吴裕泰", "Wuyutai"), ("猴坑", "Houkeng")],
        140,
    ),
    t(
        "安化黑茶",
        "Anhua",
        &DARK,
        ("湖南安化", "Anhua, Hunan"),
        &[("白沙溪", "Baishaxi"), ("中茶", "Chinatea")],
        90,
    ),
];

/// Grades for seasonal teas and for the rest, with a price factor in percent.
const SEASON_GRADES: &[(&str, &str, i64)] = &[
    ("明前特级", "pre-Qingming, top grade", 180),
    ("明前一级", "pre-Qingming, first grade", 130),
    ("雨前特级", "pre-Guyu, top grade", 110),
    ("雨前一级", "pre-Guyu, first grade", 80),
];
const GRADES: &[(&str, &str, i64)] = &[
    ("特级", "top grade", 150),
    ("一级", "first grade", 100),
    ("二级", "second grade", 70),
    ("浓香型", "strong aroma", 90),
];
/// Net weights as Chinese and English listings print them, with price as a share of a
/// 250g pack in percent.
const WEIGHTS: &[(&str, &str, i64)] = &[
    ("100g", "100 g", 45),
    ("125g", "125 g", 55),
    ("200g", "200 g", 85),
    ("250g", "250 g", 100),
    ("357g", "357 g", 135),
    ("500g", "500 g", 190),
];
const PACKS: &[(&str, &str)] = &[
    ("罐装", "tin"),
    ("礼盒装", "gift box"),
    ("袋装", "pouch"),
    ("纸包", "paper pack"),
    ("铁罐", "iron tin"),
];
const TAGS: &[&str] = &[
    "口粮茶",
    "送礼",
    "自饮",
    "原产地直发",
    "春茶",
    "茶叶礼盒",
    "浓香",
    "高山茶",
    "传统工艺",
];

/// Writes one tea listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    let tea = pick_ref(rng, TEAS);
    let (brand, brand_en) = pick(rng, tea.brands);
    let (grade, grade_en, grade_factor) = pick(rng, if tea.family.seasonal { SEASON_GRADES } else { GRADES });
    let (weight, weight_en, weight_factor) = pick(rng, WEIGHTS);
    let (pack, pack_en) = pick(rng, PACKS);
    // Green tea is drunk fresh; white tea and pu-erh gain value as they age.
    let year = if tea.family.ages && rng.bool() {
        rng.u32(2015..=2023)
    } else {
        2024
    };
    let age_factor = 100 + i64::from(2024 - year) * 8;
    let vintage = if year == 2024 {
        String::from("2024新茶")
    } else {
        format!("{year}年")
    };
    let mut name = format!("{brand} {} {vintage} {grade} {weight} {pack}", tea.zh);
    if rng.bool() {
        name.push(' ');
        name.push_str(tea.family.zh);
    }
    push_tags(&mut name, rng, TAGS, 0..=2);
    let gift = if pack == "礼盒装" { 115 } else { 100 };
    let yuan = tea.yuan_per_250g * grade_factor / 100 * weight_factor / 100 * age_factor / 100 * gift / 100;
    let family = tea.family;
    let description = format!(
        "{brand}{tea}，{family_zh}，产自{origin}核心产区，{grade}。干茶{looks}，汤色{liquor}，{taste}。\
         建议{celsius}°C水冲泡，茶水比约1:50，可连续冲泡4至6次；开封后请密封、避光、防潮、远离异味保存。净含量{weight}，{pack}。",
        tea = tea.zh,
        family_zh = family.zh,
        origin = tea.origin,
        looks = family.looks,
        liquor = family.liquor,
        taste = family.taste,
        celsius = family.celsius,
    );
    let description_en = format!(
        "{tea_en} {family_en} from {origin_en}, {grade_en}, {weight} {pack_en}. Brew at {celsius}°C.",
        tea_en = tea.en,
        family_en = family.en,
        origin_en = tea.origin_en,
        celsius = family.celsius,
    );
    Listing {
        name,
        name_en: english_title(tea, brand_en, grade_en, year, weight_en, pack_en),
        description,
        description_en,
        yuan,
    }
}

/// The English listing title, e.g. `Shifeng West Lake Longjing Green Tea, Pre-Qingming,
/// Top Grade, 2024 Harvest, 250 g Tin`.
fn english_title(tea: &Tea, brand_en: &str, grade_en: &str, year: u32, weight_en: &str, pack_en: &str) -> String {
    // A brand named after its tea (竹叶青) is printed once.
    let brand = if tea.en.starts_with(brand_en) { "" } else { brand_en };
    let vintage = if year == 2024 {
        String::from("2024 Harvest")
    } else {
        format!("{year} Vintage")
    };
    format!(
        "{}, {}, {vintage}, {weight_en} {}",
        words(&[brand, tea.en, tea.family.title]),
        title_case(grade_en),
        title_case(pack_en),
    )
}
