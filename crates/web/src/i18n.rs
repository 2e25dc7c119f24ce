//! The pages' two languages and every string they show. The catalogue is one struct with
//! one field per message, and one value of it per language, so a message missing in
//! either language is a compile error rather than a blank on a page.

use axum::http::HeaderMap;
use emporium_domain::locale::Locale;

/// The cookie that remembers a visitor's choice of language.
pub const LANG_COOKIE: &str = "lang";

/// A language the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese (zh-CN).
    Zh,
}

impl From<Locale> for Lang {
    fn from(locale: Locale) -> Self {
        match locale {
            Locale::En => Self::En,
            Locale::ZhCn => Self::Zh,
        }
    }
}

impl Lang {
    /// Parses a `?lang=` value or cookie: `en`, `zh`, `zh-CN` (any case); the rule is
    /// the content locales' (`emporium_domain::locale::Locale::parse`).
    pub fn parse(raw: &str) -> Option<Self> {
        Locale::parse(raw).map(Self::from)
    }

    /// The language of a request: the `lang` cookie, else the first supported language of
    /// `Accept-Language` (any `zh` → Chinese, as `Locale::negotiate` ranks them), else
    /// English.
    pub fn negotiate(headers: &HeaderMap) -> Self {
        if let Some(lang) = super::session::cookie(headers, LANG_COOKIE).and_then(|v| Self::parse(&v)) {
            return lang;
        }
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Locale::negotiate)
            .map_or(Self::En, Self::from)
    }

    /// The code for `?lang=` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh",
        }
    }

    /// The `<html lang>` value.
    pub fn html_tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh-CN",
        }
    }

    /// The other language (the switch offers it).
    pub fn other(self) -> Self {
        match self {
            Self::En => Self::Zh,
            Self::Zh => Self::En,
        }
    }

    /// Every message in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::En => &EN,
            Self::Zh => &ZH,
        }
    }
}

/// A field error from the shared validation rules (written in English) in the page's
/// language. Known messages are translated; anything else is shown as it is.
pub fn localize(lang: Lang, message: &str) -> String {
    if lang == Lang::En {
        return message.to_owned();
    }
    // The number inside "must be at least 8 bytes" and the like.
    let number = |prefix: &str, suffix: &str| -> Option<String> {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split(suffix).next())
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '–'))
            .map(str::to_owned)
    };
    if let Some(n) = number("must be at least ", " characters") {
        return format!("至少需要 {n} 个字符");
    }
    if let Some(n) = number("must be at most ", " characters") {
        return format!("最多 {n} 个字符");
    }
    if let Some(n) = number("must be at least ", " bytes") {
        return format!("至少需要 {n} 字节");
    }
    if let Some(n) = number("must be at most ", " bytes") {
        return format!("最多 {n} 字节（不会被截断）");
    }
    if let Some(n) = number("must be at most ", " MiB") {
        return format!("文件最大 {n} MiB");
    }
    if let Some(n) = number("must be ", " characters") {
        return format!("长度须为 {n} 个字符");
    }
    let known: &[(&str, &str)] = &[
        ("must not be empty", "不能为空"),
        ("may hold only letters", "只能包含字母、数字和 _ . -"),
        (
            "must be an e-mail address",
            "请输入有效的电子邮箱，例如 name@example.com",
        ),
        ("must be a phone number", "请输入有效的电话号码"),
        (
            "must be a two-letter ISO 3166-1 country code",
            "请输入两位国家代码，例如 CN 或 US",
        ),
        ("must be greater than 0", "必须大于 0"),
        ("must not be negative", "不能为负数"),
        ("must be a whole number from 1 to 5", "请选择 1 到 5 星"),
        ("must be a whole number", "请输入整数"),
        ("must be an amount such as", "请输入金额，例如 12.50"),
        ("must not contain", "不能包含控制字符"),
        ("must be an http(s) URL", "须为 http(s) 地址或以 / 开头的路径"),
        ("must be a JPEG, PNG or WebP image", "须为 JPEG、PNG 或 WebP 图片"),
        (
            "is required: a JPEG, PNG or WebP image",
            "请选择一张 JPEG、PNG 或 WebP 图片",
        ),
        ("is too large to process", "图片尺寸过大，最大 8000 × 8000 像素"),
        ("could not be decoded", "图片无法读取：文件已损坏或不完整"),
        ("uses a feature of its format", "不支持该图片格式的这一特性"),
        ("could not be processed", "图片无法处理"),
        ("a product holds at most 10 images", "每件商品最多 10 张图片"),
        ("must be between 1 and", "金额超出可退款范围"),
        (
            "is not an ISO 4217 currency code",
            "不是有效的货币代码（如 CNY、USD、EUR）",
        ),
        ("must be a date such as", "请输入日期，例如 2026-11-25"),
        ("must not be after to", "开始日期不能晚于结束日期"),
        ("has been reviewed already", "这件商品在此订单中已评价过"),
        ("only a received order can be reviewed", "确认收货后才能评价"),
    ];
    known
        .iter()
        .find(|(en, _)| message.starts_with(en) || message.contains(en))
        .map_or_else(|| message.to_owned(), |(_, zh)| (*zh).to_owned())
}

/// Every message the pages show, in one language.
#[derive(Debug)]
pub struct Texts {
    pub shop_name: &'static str,
    pub switch_to: &'static str,
    pub skip_to_content: &'static str,
    pub nav_home: &'static str,
    pub nav_products: &'static str,
    pub nav_cart: &'static str,
    pub nav_orders: &'static str,
    pub nav_account: &'static str,
    pub nav_admin: &'static str,
    pub nav_login: &'static str,
    pub nav_register: &'static str,
    pub nav_logout: &'static str,
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub featured: &'static str,
    pub top_rated: &'static str,
    pub categories: &'static str,
    pub recommended: &'static str,
    pub all_products: &'static str,
    pub category: &'static str,
    pub any_category: &'static str,
    pub min_price: &'static str,
    pub max_price: &'static str,
    pub sort: &'static str,
    pub sort_relevance: &'static str,
    pub sort_newest: &'static str,
    pub sort_price_asc: &'static str,
    pub sort_price_desc: &'static str,
    pub sort_rating: &'static str,
    pub apply: &'static str,
    pub no_results: &'static str,
    /// `{}` is the number of products matched.
    pub results_count: &'static str,
    pub results_one: &'static str,
    pub in_stock_only: &'static str,
    pub translations: &'static str,
    pub translations_hint: &'static str,
    pub option_labels: &'static str,
    pub option_labels_hint: &'static str,
    pub next_page: &'static str,
    pub first_page: &'static str,
    pub price: &'static str,
    pub in_stock: &'static str,
    pub out_of_stock: &'static str,
    pub rating: &'static str,
    pub reviews: &'static str,
    pub no_reviews: &'static str,
    pub also_bought: &'static str,
    pub quantity: &'static str,
    pub add_to_cart: &'static str,
    pub added_to_cart: &'static str,
    pub description: &'static str,
    pub cart_title: &'static str,
    pub cart_empty: &'static str,
    pub product: &'static str,
    pub unit_price: &'static str,
    pub line_total: &'static str,
    pub subtotal: &'static str,
    pub shipping: &'static str,
    pub total: &'static str,
    pub update: &'static str,
    pub remove: &'static str,
    pub checkout: &'static str,
    pub checkout_title: &'static str,
    pub ship_to: &'static str,
    pub new_address: &'static str,
    pub no_addresses: &'static str,
    pub note: &'static str,
    pub remark: &'static str,
    pub place_order: &'static str,
    pub shipping_method: &'static str,
    pub coupon_code: &'static str,
    pub coupon_hint: &'static str,
    pub apply_coupon: &'static str,
    pub discount: &'static str,
    pub tax_included: &'static str,
    pub tax_added: &'static str,
    pub free: &'static str,
    pub recipient: &'static str,
    pub phone: &'static str,
    pub line1: &'static str,
    pub line2: &'static str,
    pub city: &'static str,
    pub region: &'static str,
    pub postal_code: &'static str,
    pub country: &'static str,
    pub optional: &'static str,
    pub save_address: &'static str,
    pub delete: &'static str,
    pub orders_title: &'static str,
    pub no_orders: &'static str,
    pub order: &'static str,
    pub status: &'static str,
    pub placed_at: &'static str,
    pub items: &'static str,
    pub pay_now: &'static str,
    pub pay_before: &'static str,
    pub payment_processing: &'static str,
    pub cancel_order: &'static str,
    pub confirm_receipt: &'static str,
    pub request_refund: &'static str,
    pub refund_amount: &'static str,
    pub refund_amount_hint: &'static str,
    pub refund_reason: &'static str,
    pub refunded: &'static str,
    pub timeline: &'static str,
    pub tracking: &'static str,
    pub carrier: &'static str,
    pub tracking_number: &'static str,
    pub no_tracking: &'static str,
    pub address: &'static str,
    pub write_review: &'static str,
    pub your_rating: &'static str,
    pub your_review: &'static str,
    pub submit_review: &'static str,
    pub reviewed: &'static str,
    pub hide_review: &'static str,
    pub show_review: &'static str,
    pub hidden_review: &'static str,
    pub older_reviews: &'static str,
    pub popular_now: &'static str,
    pub login_title: &'static str,
    pub register_title: &'static str,
    pub username: &'static str,
    pub username_hint: &'static str,
    pub password: &'static str,
    pub password_hint: &'static str,
    pub email: &'static str,
    pub log_in: &'static str,
    pub create_account: &'static str,
    pub no_account: &'static str,
    pub have_account: &'static str,
    pub wrong_credentials: &'static str,
    pub too_many_attempts: &'static str,
    pub username_taken: &'static str,
    pub account_title: &'static str,
    pub profile: &'static str,
    pub display_name: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub addresses: &'static str,
    pub admin_title: &'static str,
    pub dashboard: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub show: &'static str,
    pub orders: &'static str,
    pub revenue: &'static str,
    pub refunds: &'static str,
    pub cost_of_goods: &'static str,
    pub gross_margin: &'static str,
    pub tax_collected: &'static str,
    pub invoice: &'static str,
    pub invoice_none: &'static str,
    pub invoice_personal: &'static str,
    pub invoice_company: &'static str,
    pub invoice_title: &'static str,
    pub taxpayer_id: &'static str,
    pub print: &'static str,
    pub per_day: &'static str,
    pub top_products: &'static str,
    pub units: &'static str,
    pub products: &'static str,
    pub new_product: &'static str,
    pub edit_product: &'static str,
    pub name: &'static str,
    pub sku: &'static str,
    pub name_en: &'static str,
    pub slug: &'static str,
    pub parent_category: &'static str,
    pub position: &'static str,
    pub add_category: &'static str,
    pub options: &'static str,
    pub options_hint: &'static str,
    pub variants: &'static str,
    pub variant: &'static str,
    pub add_variant: &'static str,
    pub option_values_hint: &'static str,
    pub compare_at_price: &'static str,
    pub weight_grams: &'static str,
    pub currency: &'static str,
    pub images: &'static str,
    pub images_hint: &'static str,
    pub product_images: &'static str,
    pub no_images: &'static str,
    pub upload_image: &'static str,
    pub image_file: &'static str,
    pub image_file_hint: &'static str,
    pub alt_text: &'static str,
    pub alt_text_hint: &'static str,
    pub price_hint: &'static str,
    pub stock: &'static str,
    pub archive: &'static str,
    pub create: &'static str,
    pub stock_lots: &'static str,
    pub receive_stock: &'static str,
    pub unit_cost: &'static str,
    pub received_at: &'static str,
    pub remaining: &'static str,
    pub receive: &'static str,
    pub inventory: &'static str,
    pub valuation: &'static str,
    pub units_on_hand: &'static str,
    pub fifo_value: &'static str,
    pub all_statuses: &'static str,
    pub ship: &'static str,
    pub add_tracking: &'static str,
    pub location: &'static str,
    pub customer: &'static str,
    pub approve: &'static str,
    pub reject: &'static str,
    pub reason: &'static str,
    pub no_refunds: &'static str,
    pub actions: &'static str,
    pub view: &'static str,
}

impl Texts {
    /// An order status in words.
    pub fn order_status(&self, status: &str) -> &'static str {
        let zh = std::ptr::eq(self, &ZH);
        match (status, zh) {
            ("pending_payment", false) => "Awaiting payment",
            ("pending_payment", true) => "待付款",
            ("paid", false) => "Paid",
            ("paid", true) => "已付款",
            ("shipped", false) => "Shipped",
            ("shipped", true) => "已发货",
            ("received", false) => "Received",
            ("received", true) => "已收货",
            ("cancelled", false) => "Cancelled",
            ("cancelled", true) => "已取消",
            ("refunded", false) => "Refunded",
            ("refunded", true) => "已退款",
            ("requested", false) => "Requested",
            ("requested", true) => "待审核",
            ("processing", false) => "Processing",
            ("processing", true) => "处理中",
            ("rejected", false) => "Rejected",
            ("rejected", true) => "已拒绝",
            ("failed", false) => "Failed",
            ("failed", true) => "失败",
            ("succeeded", false) => "Succeeded",
            ("succeeded", true) => "成功",
            ("pending", false) => "Pending",
            ("pending", true) => "处理中",
            ("active", false) => "Active",
            ("active", true) => "在售",
            ("draft", false) => "Draft",
            ("draft", true) => "草稿",
            ("archived", false) => "Archived",
            ("archived", true) => "已下架",
            (_, false) => "Unknown",
            (_, true) => "未知",
        }
    }
}

/// English.
pub static EN: Texts = Texts {
    shop_name: "Emporium",
    switch_to: "中文",
    skip_to_content: "Skip to content",
    nav_home: "Home",
    nav_products: "Products",
    nav_cart: "Cart",
    nav_orders: "Orders",
    nav_account: "Account",
    nav_admin: "Admin",
    nav_login: "Log in",
    nav_register: "Register",
    nav_logout: "Log out",
    search: "Search",
    search_placeholder: "Search products",
    featured: "New arrivals",
    top_rated: "Top rated",
    categories: "Categories",
    recommended: "Recommended for you",
    all_products: "All products",
    category: "Category",
    any_category: "Any category",
    min_price: "Min price",
    max_price: "Max price",
    sort: "Sort by",
    sort_relevance: "Relevance",
    sort_newest: "Newest",
    sort_price_asc: "Price: low to high",
    sort_price_desc: "Price: high to low",
    sort_rating: "Rating",
    apply: "Apply",
    no_results: "No products match.",
    results_count: "{} products",
    results_one: "1 product",
    in_stock_only: "In stock only",
    translations: "Translations",
    translations_hint: "Shoppers who read the other language see these; anything left empty shows the original.",
    option_labels: "Option labels",
    option_labels_hint: "One per line: 颜色 = Colour, or 颜色: 黑 = Black.",
    next_page: "Next page",
    first_page: "First page",
    price: "Price",
    in_stock: "In stock",
    out_of_stock: "Out of stock",
    rating: "Rating",
    reviews: "Reviews",
    no_reviews: "No reviews yet.",
    also_bought: "Customers also bought",
    quantity: "Quantity",
    add_to_cart: "Add to cart",
    added_to_cart: "Added to your cart.",
    description: "Description",
    cart_title: "Your cart",
    cart_empty: "Your cart is empty.",
    product: "Product",
    unit_price: "Unit price",
    line_total: "Line total",
    subtotal: "Subtotal",
    shipping: "Shipping",
    total: "Total",
    update: "Update",
    remove: "Remove",
    checkout: "Check out",
    checkout_title: "Checkout",
    ship_to: "Ship to",
    new_address: "New address",
    no_addresses: "Add an address to ship to.",
    note: "Note for the shop",
    remark: "Note",
    place_order: "Place order",
    shipping_method: "Delivery",
    coupon_code: "Coupon codes",
    coupon_hint: "separate several codes with spaces",
    apply_coupon: "Apply",
    discount: "Discount",
    tax_included: "of which VAT",
    tax_added: "VAT",
    free: "Free",
    recipient: "Recipient",
    phone: "Phone",
    line1: "Street address",
    line2: "Apartment, suite (optional)",
    city: "City",
    region: "Province / state (optional)",
    postal_code: "Postal code (optional)",
    country: "Country code (e.g. CN)",
    optional: "optional",
    save_address: "Save address",
    delete: "Delete",
    orders_title: "Your orders",
    no_orders: "No orders yet.",
    order: "Order",
    status: "Status",
    placed_at: "Placed",
    items: "Items",
    pay_now: "Pay now",
    pay_before: "Pay before",
    payment_processing: "Payment received by the provider; waiting for its confirmation. This page refreshes itself.",
    cancel_order: "Cancel order",
    confirm_receipt: "Confirm receipt",
    request_refund: "Request a refund",
    refund_amount: "Amount",
    refund_amount_hint: "Leave empty for everything not yet refunded.",
    refund_reason: "Reason",
    refunded: "Refunded",
    timeline: "History",
    tracking: "Tracking",
    carrier: "Carrier",
    tracking_number: "Tracking number",
    no_tracking: "No tracking events yet.",
    address: "Address",
    write_review: "Write a review",
    your_rating: "Your rating",
    your_review: "Your review (optional, up to 2,000 characters)",
    submit_review: "Post review",
    reviewed: "Reviewed",
    hide_review: "Hide",
    show_review: "Show again",
    hidden_review: "Hidden by staff",
    older_reviews: "Older reviews",
    popular_now: "Popular right now",
    login_title: "Log in",
    register_title: "Create an account",
    username: "Username",
    username_hint: "3–32 letters, digits, _ . -",
    password: "Password",
    password_hint: "8–72 bytes",
    email: "E-mail (optional)",
    log_in: "Log in",
    create_account: "Create account",
    no_account: "New here? Create an account",
    have_account: "Already registered? Log in",
    wrong_credentials: "Wrong username or password.",
    too_many_attempts: "Too many failed attempts. Try again later.",
    username_taken: "That username is already registered.",
    account_title: "Your account",
    profile: "Profile",
    display_name: "Display name",
    save: "Save",
    saved: "Saved.",
    addresses: "Addresses",
    admin_title: "Shop admin",
    dashboard: "Dashboard",
    from: "From",
    to: "To",
    show: "Show",
    orders: "Orders",
    revenue: "Revenue",
    refunds: "Refunds",
    cost_of_goods: "Cost of goods",
    gross_margin: "Gross margin",
    tax_collected: "VAT collected",
    invoice: "Invoice (发票)",
    invoice_none: "No invoice",
    invoice_personal: "Personal",
    invoice_company: "Company",
    invoice_title: "Invoice title (name)",
    taxpayer_id: "Taxpayer number (unified social credit code)",
    print: "Print",
    per_day: "per day",
    top_products: "Top products",
    units: "Units",
    products: "Products",
    new_product: "New product",
    edit_product: "Edit product",
    name: "Name",
    sku: "SKU (optional)",
    name_en: "English name",
    slug: "Slug (URL name)",
    parent_category: "Parent",
    position: "Position",
    add_category: "Add a category",
    options: "Options",
    options_hint: "One option per line, such as “Colour: Black, White”. A new product gets a variant for every combination; later you may add values.",
    variants: "Variants",
    variant: "Variant",
    add_variant: "Add a variant",
    option_values_hint: "One value per option, separated by “/”, such as “Black / 42”.",
    compare_at_price: "Was price (optional)",
    weight_grams: "Weight (g)",
    currency: "Currency",
    images: "Image URLs (optional)",
    images_hint: "One per line: the URL, then its alt text after a space. Reorder or remove lines here.",
    product_images: "Images",
    no_images: "No images yet: the shop shows a placeholder.",
    upload_image: "Upload an image",
    image_file: "Image file",
    image_file_hint: "JPEG, PNG or WebP, at most 10 MiB and 8000 × 8000 pixels.",
    alt_text: "Alt text",
    alt_text_hint: "What the picture shows, for people who cannot see it (up to 200 characters).",
    price_hint: "e.g. 12.50",
    stock: "Stock",
    archive: "Archive",
    create: "Create",
    stock_lots: "Stock lots (oldest first)",
    receive_stock: "Receive stock",
    unit_cost: "Unit cost",
    received_at: "Received",
    remaining: "Remaining",
    receive: "Receive",
    inventory: "Inventory",
    valuation: "FIFO valuation",
    units_on_hand: "Units on hand",
    fifo_value: "Value (FIFO cost)",
    all_statuses: "All statuses",
    ship: "Ship",
    add_tracking: "Add tracking event",
    location: "Location",
    customer: "Customer",
    approve: "Approve",
    reject: "Reject",
    reason: "Reason",
    no_refunds: "No refunds here.",
    actions: "Actions",
    view: "View",
};

/// Simplified Chinese.
pub static ZH: Texts = Texts {
    shop_name: "Emporium 商城",
    switch_to: "English",
    skip_to_content: "跳到正文",
    nav_home: "首页",
    nav_products: "全部商品",
    nav_cart: "购物车",
    nav_orders: "我的订单",
    nav_account: "我的账户",
    nav_admin: "管理后台",
    nav_login: "登录",
    nav_register: "注册",
    nav_logout: "退出",
    search: "搜索",
    search_placeholder: "搜索商品",
    featured: "新品上架",
    top_rated: "好评商品",
    categories: "商品分类",
    recommended: "为你推荐",
    all_products: "全部商品",
    category: "分类",
    any_category: "全部分类",
    min_price: "最低价",
    max_price: "最高价",
    sort: "排序",
    sort_relevance: "相关度",
    sort_newest: "最新",
    sort_price_asc: "价格从低到高",
    sort_price_desc: "价格从高到低",
    sort_rating: "评分",
    apply: "筛选",
    no_results: "没有符合条件的商品。",
    results_count: "共 {} 件商品",
    results_one: "共 1 件商品",
    in_stock_only: "仅显示有货",
    translations: "翻译",
    translations_hint: "使用另一种语言的顾客会看到这些内容；留空的部分显示原文。",
    option_labels: "规格名称翻译",
    option_labels_hint: "每行一条：颜色 = Colour，或 颜色: 黑 = Black。",
    next_page: "下一页",
    first_page: "第一页",
    price: "价格",
    in_stock: "有货",
    out_of_stock: "缺货",
    rating: "评分",
    reviews: "商品评价",
    no_reviews: "暂无评价。",
    also_bought: "买了它的人还买了",
    quantity: "数量",
    add_to_cart: "加入购物车",
    added_to_cart: "已加入购物车。",
    description: "商品详情",
    cart_title: "购物车",
    cart_empty: "购物车是空的。",
    product: "商品",
    unit_price: "单价",
    line_total: "小计",
    subtotal: "商品合计",
    shipping: "运费",
    total: "总计",
    update: "更新",
    remove: "删除",
    checkout: "去结算",
    checkout_title: "结算",
    ship_to: "收货地址",
    new_address: "新增地址",
    no_addresses: "请先添加收货地址。",
    note: "订单备注",
    remark: "备注",
    place_order: "提交订单",
    shipping_method: "配送方式",
    coupon_code: "优惠码",
    coupon_hint: "多个优惠码用空格分开",
    apply_coupon: "使用",
    discount: "优惠",
    tax_included: "其中增值税",
    tax_added: "增值税",
    free: "免运费",
    recipient: "收货人",
    phone: "手机号码",
    line1: "详细地址",
    line2: "门牌、楼层（选填）",
    city: "城市",
    region: "省份（选填）",
    postal_code: "邮政编码（选填）",
    country: "国家代码（如 CN）",
    optional: "选填",
    save_address: "保存地址",
    delete: "删除",
    orders_title: "我的订单",
    no_orders: "还没有订单。",
    order: "订单",
    status: "状态",
    placed_at: "下单时间",
    items: "商品",
    pay_now: "立即付款",
    pay_before: "请在此时间前付款",
    payment_processing: "支付机构已收款，正在等待确认。本页会自动刷新。",
    cancel_order: "取消订单",
    confirm_receipt: "确认收货",
    request_refund: "申请退款",
    refund_amount: "退款金额",
    refund_amount_hint: "不填则退还全部未退金额。",
    refund_reason: "退款原因",
    refunded: "已退款",
    timeline: "订单记录",
    tracking: "物流信息",
    carrier: "快递公司",
    tracking_number: "运单号",
    no_tracking: "暂无物流信息。",
    address: "地址",
    write_review: "写评价",
    your_rating: "评分",
    your_review: "评价内容（选填，最多 2000 字）",
    submit_review: "发表评价",
    reviewed: "已评价",
    hide_review: "隐藏",
    show_review: "重新显示",
    hidden_review: "已被管理员隐藏",
    older_reviews: "更早的评价",
    popular_now: "热销商品",
    login_title: "登录",
    register_title: "注册新账户",
    username: "用户名",
    username_hint: "3–32 个字母、数字或 _ . -",
    password: "密码",
    password_hint: "8–72 字节",
    email: "电子邮箱（选填）",
    log_in: "登录",
    create_account: "注册",
    no_account: "还没有账户？立即注册",
    have_account: "已有账户？去登录",
    wrong_credentials: "用户名或密码错误。",
    too_many_attempts: "失败次数过多，请稍后再试。",
    username_taken: "该用户名已被注册。",
    account_title: "我的账户",
    profile: "个人资料",
    display_name: "昵称",
    save: "保存",
    saved: "已保存。",
    addresses: "收货地址",
    admin_title: "商城管理",
    dashboard: "概览",
    from: "开始日期",
    to: "结束日期",
    show: "查看",
    orders: "订单数",
    revenue: "销售额",
    refunds: "退款",
    cost_of_goods: "销售成本",
    gross_margin: "毛利",
    tax_collected: "已收增值税",
    invoice: "发票",
    invoice_none: "不需要发票",
    invoice_personal: "个人",
    invoice_company: "单位",
    invoice_title: "发票抬头",
    taxpayer_id: "纳税人识别号（统一社会信用代码）",
    print: "打印",
    per_day: "每日",
    top_products: "热销商品",
    units: "件数",
    products: "商品",
    new_product: "新建商品",
    edit_product: "编辑商品",
    name: "名称",
    sku: "货号（选填）",
    name_en: "英文名称",
    slug: "URL 名称",
    parent_category: "上级分类",
    position: "排序",
    add_category: "添加分类",
    options: "规格",
    options_hint: "每行一个规格，例如“颜色：黑，白”。新商品为每种组合生成一个款式；之后可以追加规格值。",
    variants: "款式",
    variant: "款式",
    add_variant: "添加款式",
    option_values_hint: "每个规格一个值，用“/”分隔，例如“黑 / 42”。",
    compare_at_price: "划线价（选填）",
    weight_grams: "重量（克）",
    currency: "币种",
    images: "图片地址（选填）",
    images_hint: "每行一个：地址，空格后为替代文字。可在此调整顺序或删除。",
    product_images: "图片",
    no_images: "尚无图片，商店将显示占位图。",
    upload_image: "上传图片",
    image_file: "图片文件",
    image_file_hint: "JPEG、PNG 或 WebP，最大 10 MiB、8000 × 8000 像素。",
    alt_text: "替代文字",
    alt_text_hint: "描述图片内容，供无法看到图片的用户使用（最多 200 个字符）。",
    price_hint: "例如 12.50",
    stock: "库存",
    archive: "下架",
    create: "创建",
    stock_lots: "库存批次（先进先出）",
    receive_stock: "入库",
    unit_cost: "单位成本",
    received_at: "入库时间",
    remaining: "剩余",
    receive: "入库",
    inventory: "库存",
    valuation: "库存估值（先进先出）",
    units_on_hand: "在库件数",
    fifo_value: "成本价值",
    all_statuses: "全部状态",
    ship: "发货",
    add_tracking: "添加物流记录",
    location: "地点",
    customer: "顾客",
    approve: "同意",
    reject: "拒绝",
    reason: "原因",
    no_refunds: "没有退款申请。",
    actions: "操作",
    view: "查看",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn cookie_beats_accept_language_which_beats_english() {
        assert_eq!(Lang::negotiate(&headers(&[])), Lang::En);
        assert_eq!(
            Lang::negotiate(&headers(&[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")])),
            Lang::Zh
        );
        assert_eq!(
            Lang::negotiate(&headers(&[("accept-language", "fr, en;q=0.5, zh;q=0.7")])),
            Lang::Zh
        );
        assert_eq!(Lang::negotiate(&headers(&[("accept-language", "de")])), Lang::En);
        assert_eq!(
            Lang::negotiate(&headers(&[("accept-language", "zh-CN"), ("cookie", "a=1; lang=en")])),
            Lang::En
        );
    }

    #[test]
    fn field_errors_speak_chinese_on_chinese_pages() {
        assert_eq!(localize(Lang::Zh, "must be at least 8 bytes"), "至少需要 8 字节");
        assert_eq!(localize(Lang::Zh, "must be 3–32 characters"), "长度须为 3–32 个字符");
        assert_eq!(localize(Lang::Zh, "must not be empty"), "不能为空");
        assert_eq!(
            localize(
                Lang::Zh,
                "\"XX\" is not an ISO 4217 currency code such as CNY, USD or EUR"
            ),
            "不是有效的货币代码（如 CNY、USD、EUR）"
        );
        assert_eq!(localize(Lang::Zh, "something new"), "something new");
        assert_eq!(localize(Lang::En, "must not be empty"), "must not be empty");
    }

    #[test]
    fn statuses_have_words_in_both_languages() {
        assert_eq!(EN.order_status("paid"), "Paid");
        assert_eq!(ZH.order_status("paid"), "已付款");
    }
}

/// Why a promotion or coupon did not apply (a pricing `Reason` code), for a shopper.
pub fn offer_reason(lang: Lang, code: &str) -> &'static str {
    match (lang, code) {
        (Lang::En, "min_spend_not_met") => "the order does not reach its minimum spend",
        (Lang::Zh, "min_spend_not_met") => "未达到最低消费金额",
        (Lang::En, "quantity_not_met") => "not enough units of the item",
        (Lang::Zh, "quantity_not_met") => "商品件数不足",
        (Lang::En, "not_started") => "not valid yet",
        (Lang::Zh, "not_started") => "尚未开始",
        (Lang::En, "expired") => "expired",
        (Lang::Zh, "expired") => "已过期",
        (Lang::En, "usage_limit_reached") => "used up",
        (Lang::Zh, "usage_limit_reached") => "已被领完",
        (Lang::En, "per_customer_limit_reached") => "you have used it as often as allowed",
        (Lang::Zh, "per_customer_limit_reached") => "您的使用次数已达上限",
        (Lang::En, "sign_in_required") => "log in to use it",
        (Lang::Zh, "sign_in_required") => "登录后才能使用",
        (Lang::En, "not_combinable") => "cannot be combined with a better offer applied",
        (Lang::Zh, "not_combinable") => "不能与已使用的更优惠活动同时使用",
        (Lang::En, "no_matching_items") => "applies to none of these items",
        (Lang::Zh, "no_matching_items") => "不适用于购物车中的商品",
        (Lang::En, "unknown_code") => "no such code",
        (Lang::Zh, "unknown_code") => "优惠码不存在",
        (Lang::En, "nothing_to_discount") => "nothing left to discount",
        (Lang::Zh, "nothing_to_discount") => "没有可优惠的金额",
        (Lang::En, _) => "does not apply",
        (Lang::Zh, _) => "不适用",
    }
}
