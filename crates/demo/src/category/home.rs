//! Home: bedding, pillows, towels, storage, lighting and a few cleaning appliances.

use fastrand::Rng;

use super::Listing;
use crate::english::title_case;
use crate::text::{pick, pick_ref, push_tags};

/// A kind of home product with its brands, sizes and prices in yuan, and patterns or
/// colours; sizes and looks in Chinese and English.
struct Item {
    zh: &'static str,
    en: &'static str,
    brands: &'static [(&'static str, &'static str)],
    sizes: &'static [(&'static str, &'static str, i64)],
    looks: &'static [(&'static str, &'static str)],
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

const PLAIN: &[(&str, &str)] = &[
    ("雾霾蓝", "Haze Blue"),
    ("燕麦色", "Oatmeal"),
    ("浅灰", "Light Grey"),
    ("奶白", "Cream White"),
    ("豆沙粉", "Dusty Rose"),
    ("牛油果绿", "Avocado Green"),
];

const ITEMS: &[Item] = &[
    Item {
        zh: "全棉四件套",
        en: "4-piece cotton bedding set",
        brands: &[MERCURY, LUOLAI, FUANNA, MUJI],
        sizes: &[
            ("1.5m床", "for 1.5 m Beds", 299),
            ("1.8m床", "for 1.8 m Beds", 359),
            ("2.0m床", "for 2.0 m Beds", 429),
        ],
        looks: &[
            ("简约条纹", "Simple Stripes"),
            ("纯色", "Solid Colour"),
            ("小碎花", "Ditsy Floral"),
            ("格纹", "Check"),
            ("水洗棉", "Washed Cotton"),
        ],
        detail: "100%新疆长绒棉，60支高支高密，亲肤透气，活性印染不易褪色",
    },
    Item {
        zh: "天丝四件套",
        en: "4-piece Tencel bedding set",
        brands: &[LUOLAI, FUANNA, MERCURY],
        sizes: &[("1.5m床", "for 1.5 m Beds", 499), ("1.8m床", "for 1.8 m Beds", 599)],
        looks: &[
            ("冰丝凉感", "Cooling Ice Silk"),
            ("纯色", "Solid Colour"),
            ("刺绣", "Embroidered"),
        ],
        detail: "莱赛尔天丝面料，丝滑垂顺，夏季凉爽",
    },
    Item {
        zh: "羽绒被",
        en: "down duvet",
        brands: &[LUOLAI, MERCURY, FUANNA],
        sizes: &[
            ("150x200cm", "150 x 200 cm", 699),
            ("200x230cm", "200 x 230 cm", 999),
            ("220x240cm", "220 x 240 cm", 1_299),
        ],
        looks: &[
            ("95%白鹅绒", "95% White Goose Down"),
            ("90%白鸭绒", "90% White Duck Down"),
            ("冬被加厚", "Thick Winter Weight"),
            ("春秋被", "Spring and Autumn Weight"),
        ],
        detail: "优选羽绒填充，蓬松度高，全棉防钻绒面料，轻盈保暖",
    },
    Item {
        zh: "乳胶枕",
        en: "latex pillow",
        brands: &[YANXUAN, MERCURY, FUANNA],
        sizes: &[("单只装", "Single", 129), ("一对装", "Pair", 239)],
        looks: &[
            ("泰国天然乳胶", "Thai Natural Latex"),
            ("护颈", "Neck Support"),
            ("波浪曲线", "Contour"),
            ("儿童款", "Kids' Size"),
        ],
        detail: "天然乳胶芯，回弹支撑，护颈曲线贴合颈椎",
    },
    Item {
        zh: "纯棉毛巾",
        en: "cotton towels",
        brands: &[GRACE, PURCOTTON, MUJI],
        sizes: &[
            ("3条装", "Pack of 3", 39),
            ("6条装", "Pack of 6", 69),
            ("浴巾+毛巾套装", "Bath and Hand Towel Set", 99),
        ],
        looks: PLAIN,
        detail: "A类纯棉，柔软吸水不掉毛，婴幼儿可用",
    },
    Item {
        zh: "收纳箱",
        en: "storage boxes",
        brands: &[MUJI, TAILI, YANXUAN],
        sizes: &[
            ("35L 3只装", "35 L, Pack of 3", 79),
            ("60L 2只装", "60 L, Pack of 2", 99),
            ("100L 2只装", "100 L, Pack of 2", 149),
        ],
        looks: &[
            ("透明", "Clear"),
            ("带盖", "With Lids"),
            ("可叠加", "Stackable"),
            ("带滑轮", "With Wheels"),
        ],
        detail: "加厚PP材质，耐压抗摔，衣物玩具杂物分类收纳",
    },
    Item {
        zh: "真空压缩袋",
        en: "vacuum storage bags",
        brands: &[TAILI],
        sizes: &[
            ("8件套", "8-Piece Set", 59),
            ("12件套", "12-Piece Set", 89),
            ("赠电泵套装", "Set with Electric Pump", 129),
        ],
        looks: &[
            ("棉被衣物收纳", "For Duvets and Clothes"),
            ("加厚", "Extra Thick"),
            ("立体", "Cube"),
        ],
        detail: "加厚PA+PE复合材料，密封不漏气，节省衣柜空间",
    },
    Item {
        zh: "LED护眼台灯",
        en: "LED desk lamp",
        brands: &[PHILIPS, OPPLE, MIJIA],
        sizes: &[
            ("基础款", "Basic", 129),
            ("国AA级 Pro", "Class AA Pro", 299),
            ("落地款", "Floor-Standing", 499),
        ],
        looks: &[
            ("白色", "White"),
            ("黑色", "Black"),
            ("无频闪", "Flicker-Free"),
            ("学生书桌", "For Student Desks"),
        ],
        detail: "国AA级照度，全光谱无频闪无蓝光危害，多档调光调色",
    },
    Item {
        zh: "LED吸顶灯",
        en: "LED ceiling light",
        brands: &[OPPLE, PHILIPS],
        sizes: &[
            ("卧室 36W", "Bedroom, 36W", 199),
            ("客厅 96W", "Living Room, 96W", 599),
            ("三室一厅套餐", "Whole-Home Set", 1_599),
        ],
        looks: &[
            ("现代简约", "Modern Minimalist"),
            ("奶油风", "Cream Style"),
            ("超薄", "Ultra-Slim"),
        ],
        detail: "高显色LED光源，无极调光，可接入米家/HarmonyOS智能联动",
    },
    Item {
        zh: "加湿器",
        en: "humidifier",
        brands: &[MIJIA, PHILIPS],
        sizes: &[("4L", "4 L", 199), ("6L 上加水", "6 L, Top-Fill", 299)],
        looks: &[
            ("白色", "White"),
            ("静音", "Quiet"),
            ("智能恒湿", "Smart Humidity Control"),
        ],
        detail: "恒湿控制，低噪运行，除菌水箱",
    },
    Item {
        zh: "扫拖机器人",
        en: "robot vacuum and mop",
        brands: &[ECOVACS, DREAME, MIJIA],
        sizes: &[
            ("标准版", "Standard", 1_999),
            ("自动集尘版", "Self-Emptying", 2_999),
            ("全能基站版", "All-in-One Dock", 4_599),
        ],
        looks: &[
            ("白色", "White"),
            ("黑色", "Black"),
            ("自动上下水", "Auto Refill and Drain"),
        ],
        detail: "激光导航，智能避障，扫拖一体，APP远程控制",
    },
    Item {
        zh: "香薰蜡烛",
        en: "scented candle",
        brands: &[MUJI, YANXUAN],
        sizes: &[("200g", "200 g", 69), ("双支礼盒", "Gift Box of 2", 129)],
        looks: &[
            ("雪松木", "Cedarwood"),
            ("无花果", "Fig"),
            ("白茶", "White Tea"),
            ("橙花", "Neroli"),
        ],
        detail: "大豆蜡与棉芯，燃烧约40小时，淡雅香气",
    },
    Item {
        zh: "遮光窗帘",
        en: "blackout curtains",
        brands: &[FUANNA, YANXUAN, MUJI],
        sizes: &[
            ("宽2m x 高2.7m", "2 m Wide x 2.7 m High", 159),
            ("宽3m x 高2.7m", "3 m Wide x 2.7 m High", 229),
            ("宽4m x 高2.7m", "4 m Wide x 2.7 m High", 299),
        ],
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
    let (size, size_en, yuan) = pick(rng, item.sizes);
    let (look, look_en) = pick(rng, item.looks);
    let mut name = format!("{brand} {} {look} {size}", item.zh);
    push_tags(&mut name, rng, TAGS, 1..=3);
    let description = format!(
        "{brand}{zh}，{detail}。款式：{look}；规格：{size}。品质检测合格，支持7天无理由退换。",
        zh = item.zh,
        detail = item.detail,
    );
    let description_en = format!(
        "{brand_en} {en}, {size_en}. Well made for everyday home use.",
        en = item.en,
    );
    let yuan = yuan * rng.i64(85..=115) / 100;
    Listing {
        name,
        name_en: format!("{brand_en} {}, {look_en}, {size_en}", title_case(item.en)),
        description,
        description_en,
        yuan,
    }
}
