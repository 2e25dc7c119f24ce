//! Home: bedding, pillows, towels, storage, lighting and a few cleaning appliances.

use fastrand::Rng;

use super::Listing;
use crate::text::{english_spec, pick, pick_ref, push_tags};

/// A kind of home product with its brands, sizes and prices in yuan, and patterns or colours.
struct Item {
    zh: &'static str,
    en: &'static str,
    brands: &'static [(&'static str, &'static str)],
    sizes: &'static [(&'static str, i64)],
    looks: &'static [&'static str],
    detail: &'static str,
}

const MERCURY: (&str, &str) = ("水星家纺", "Mercury Home");
const LUOLAI: (&str, &str) = ("罗莱家纺", "LUOLAI");
const FUANNA: (&str, &str) = ("富安娜", "Fuanna");
const PURCOTTON: (&str, &str) = ("全棉时代", "Purcotton");
const MUJI: (&str, &str) = ("无印良品", "MUJI");
const YANXUAN: (&str, &str) = ("网易严选", "NetEase Yanxuan");
const MIJIA: (&str, &str) = ("米家", "Mijia");
const PHILIPS: (&str, &str) = ("飞利浦", "Philips");
const OPPLE: (&str, &str) = ("欧普照明", "OPPLE");
const GRACE: (&str, &str) = ("洁丽雅", "Grace");
const TAILI: (&str, &str) = ("太力", "TAILI");
const ECOVACS: (&str, &str) = ("科沃斯", "ECOVACS");
const DREAME: (&str, &str) = ("追觅", "dreame");

const PLAIN: &[&str] = &["雾霾蓝", "燕麦色", "浅灰", "奶白", "豆沙粉", "牛油果绿"];

const ITEMS: &[Item] = &[
    Item {
        zh: "全棉四件套",
        en: "cotton bedding set (duvet cover, sheet, two pillowcases)",
        brands: &[MERCURY, LUOLAI, FUANNA, MUJI],
        sizes: &[("1.5m床", 299), ("1.8m床", 359), ("2.0m床", 429)],
        looks: &["简约条纹", "纯色", "小碎花", "格纹", "水洗棉"],
        detail: "100%新疆长绒棉，60支高支高密，亲肤透气，活性印染不易褪色",
    },
    Item {
        zh: "天丝四件套",
        en: "Tencel bedding set",
        brands: &[LUOLAI, FUANNA, MERCURY],
        sizes: &[("1.5m床", 499), ("1.8m床", 599)],
        looks: &["冰丝凉感", "纯色", "刺绣"],
        detail: "莱赛尔天丝面料，丝滑垂顺，夏季凉爽",
    },
    Item {
        zh: "羽绒被",
        en: "down duvet",
        brands: &[LUOLAI, MERCURY, FUANNA],
        sizes: &[("150x200cm", 699), ("200x230cm", 999), ("220x240cm", 1_299)],
        looks: &["95%白鹅绒", "90%白鸭绒", "冬被加厚", "春秋被"],
        detail: "优选羽绒填充，蓬松度高，全棉防钻绒面料，轻盈保暖",
    },
    Item {
        zh: "乳胶枕",
        en: "latex pillow",
        brands: &[YANXUAN, MERCURY, FUANNA],
        sizes: &[("单只装", 129), ("一对装", 239)],
        looks: &["泰国天然乳胶", "护颈", "波浪曲线", "儿童款"],
        detail: "天然乳胶芯，回弹支撑，护颈曲线贴合颈椎",
    },
    Item {
        zh: "纯棉毛巾",
        en: "cotton towels",
        brands: &[GRACE, PURCOTTON, MUJI],
        sizes: &[("3条装", 39), ("6条装", 69), ("浴巾+毛巾套装", 99)],
        looks: PLAIN,
        detail: "A类纯棉，柔软吸水不掉毛，婴幼儿可用",
    },
    Item {
        zh: "收纳箱",
        en: "storage boxes",
        brands: &[MUJI, TAILI, YANXUAN],
        sizes: &[("35L 3只装", 79), ("60L 2只装", 99), ("100L 2只装", 149)],
        looks: &["透明", "带盖", "可叠加", "带滑轮"],
        detail: "加厚PP材质，耐压抗摔，衣物玩具杂物分类收纳",
    },
    Item {
        zh: "真空压缩袋",
        en: "vacuum storage bags",
        brands: &[TAILI],
        sizes: &[("8件套", 59), ("12件套", 89), ("赠电泵套装", 129)],
        looks: &["棉被衣物收纳", "加厚", "立体"],
        detail: "加厚PA+PE复合材料，密封不漏气，节省衣柜空间",
    },
    Item {
        zh: "LED护眼台灯",
        en: "LED desk lamp",
        brands: &[PHILIPS, OPPLE, MIJIA],
        sizes: &[("基础款", 129), ("国AA级 Pro", 299), ("落地款", 499)],
        looks: &["白色", "黑色", "无频闪", "学生书桌"],
        detail: "国AA级照度，全光谱无频闪无蓝光危害，多档调光调色",
    },
    Item {
        zh: "LED吸顶灯",
        en: "LED ceiling light",
        brands: &[OPPLE, PHILIPS],
        sizes: &[("卧室 36W", 199), ("客厅 96W", 599), ("三室一厅套餐", 1_599)],
        looks: &["现代简约", "奶油风", "超薄"],
        detail: "高显色LED光源，无极调光，可接入米家/HarmonyOS智能联动",
    },
    Item {
        zh: "加湿器",
        en: "humidifier",
        brands: &[MIJIA, PHILIPS],
        sizes: &[("4L", 199), ("6L 上加水", 299)],
        looks: &["白色", "静音", "智能恒湿"],
        detail: "恒湿控制，低噪运行，除菌水箱",
    },
    Item {
        zh: "扫拖机器人",
        en: "robot vacuum and mop",
        brands: &[ECOVACS, DREAME, MIJIA],
        sizes: &[("标准版", 1_999), ("自动集尘版", 2_999), ("全能基站版", 4_599)],
        looks: &["白色", "黑色", "自动上下水"],
        detail: "激光导航，智能避障，扫拖一体，APP远程控制",
    },
    Item {
        zh: "香薰蜡烛",
        en: "scented candle",
        brands: &[MUJI, YANXUAN],
        sizes: &[("200g", 69), ("双支礼盒", 129)],
        looks: &["雪松木", "无花果", "白茶", "橙花"],
        detail: "大豆蜡与棉芯，燃烧约40小时，淡雅香气",
    },
    Item {
        zh: "遮光窗帘",
        en: "blackout curtains",
        brands: &[FUANNA, YANXUAN, MUJI],
        sizes: &[("宽2m x 高2.7m", 159), ("宽3m x 高2.7m", 229), ("宽4m x 高2.7m", 299)],
        looks: PLAIN,
        detail: "高精密遮光面料，遮光率约95%，挂钩式安装",
    },
];

const TAGS: &[&str] = &[
    "家用",
    "卧室",
    "宿舍",
    "新婚",
    "乔迁好物",
    "简约北欧",
    "ins风",
    "可机洗",
    "官方正品",
];

/// Writes one home listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    let item = pick_ref(rng, ITEMS);
    let (brand, brand_en) = pick(rng, item.brands);
    let (size, yuan) = pick(rng, item.sizes);
    let look = pick(rng, item.looks);
    let mut name = format!("{brand} {} {look} {size}", item.zh);
    push_tags(&mut name, rng, TAGS, 1..=3);
    let description = format!(
        "{brand}{zh}，{detail}。款式：{look}；规格：{size}。品质检测合格，支持7天无理由退换。\n\
         {brand_en} {en}{size_en}. Well made for everyday home use.",
        zh = item.zh,
        en = item.en,
        detail = item.detail,
        size_en = english_spec(size),
    );
    let yuan = yuan * rng.i64(85..=115) / 100;
    Listing {
        name,
        description,
        yuan,
    }
}
