//! The audit log read aloud: what an entry's action, record and JSON summary say, in the
//! page's language (`stock.receive` → "Stock received", `product:3` → "Product #3",
//! `{"after":{"price":1299}}` → "price → ¥12.99"). The log itself keeps the codes, which
//! the filters, the API and the CSV use; an action, record kind or field this table does
//! not know is shown as its code, so a new use case's entries are never hidden.

use serde_json::Value;

use crate::i18n::Lang;
use crate::view::money;

/// Action codes and what they say (English, Chinese).
const ACTIONS: &[(&str, &str, &str)] = &[
    ("account.delete", "Account deleted", "账户已删除"),
    ("category.create", "Category created", "新建分类"),
    ("category.delete", "Category deleted", "删除分类"),
    ("category.update", "Category edited", "编辑分类"),
    ("coupon.create", "Coupon created", "新建优惠券"),
    ("coupon.create_batch", "Coupons generated", "批量生成优惠券"),
    ("coupon.delete", "Coupon deleted", "删除优惠券"),
    ("coupon.update", "Coupon edited", "编辑优惠券"),
    ("customer.block", "Customer blocked", "封禁顾客"),
    ("customer.unblock", "Customer unblocked", "解封顾客"),
    ("keys.reseal", "Keys resealed", "重新加密数据"),
    ("login.failed", "Failed login", "登录失败"),
    ("login.locked", "Login locked", "登录已锁定"),
    ("message.resend", "Message resent", "重发消息"),
    ("order.cancel", "Order cancelled", "取消订单"),
    ("order.ship", "Order shipped", "订单发货"),
    ("order.tracking", "Tracking updated", "更新物流"),
    ("product.archive", "Product archived", "下架商品"),
    ("product.create", "Product created", "新建商品"),
    ("product.image_add", "Image added", "添加图片"),
    ("product.unarchive", "Product back on sale", "重新上架"),
    ("product.update", "Product edited", "编辑商品"),
    ("promotion.create", "Promotion created", "新建促销"),
    ("promotion.delete", "Promotion deleted", "删除促销"),
    ("promotion.update", "Promotion edited", "编辑促销"),
    ("refund.approve", "Refund approved", "同意退款"),
    ("refund.issue", "Refund by the shop", "商家退款"),
    ("refund.reject", "Refund rejected", "拒绝退款"),
    ("return.approve", "Return approved", "同意退货"),
    ("return.receive", "Return received", "收到退货"),
    ("return.reject", "Return rejected", "拒绝退货"),
    ("review.moderate", "Review moderated", "审核评价"),
    ("shipping_method.create", "Shipping method created", "新建配送方式"),
    ("shipping_method.delete", "Shipping method deleted", "删除配送方式"),
    ("shipping_method.update", "Shipping method edited", "编辑配送方式"),
    ("shipping_zone.create", "Shipping zone created", "新建配送区域"),
    ("shipping_zone.delete", "Shipping zone deleted", "删除配送区域"),
    ("shipping_zone.update", "Shipping zone edited", "编辑配送区域"),
    ("staff.create", "Staff account created", "新建员工账户"),
    ("staff.disable", "Staff account disabled", "停用员工账户"),
    ("staff.enable", "Staff account enabled", "启用员工账户"),
    ("staff.role_change", "Role changed", "变更角色"),
    ("stock.receive", "Stock received", "入库"),
    ("stock.write_off", "Stock written off", "库存报损"),
    ("storefront.hero", "Home banner edited", "编辑首页横幅"),
    ("storefront.hero_image", "Home banner image", "首页横幅图片"),
    ("tax.settings", "Tax settings", "税务设置"),
    ("tax_rate.create", "Tax rate added", "新增税率"),
    ("tax_rate.delete", "Tax rate removed", "删除税率"),
    ("variant.archive", "Variant archived", "下架规格"),
    ("variant.create", "Variant created", "新建规格"),
    ("variant.update", "Variant edited", "编辑规格"),
];

/// Record kinds (English, Chinese).
const KINDS: &[(&str, &str, &str)] = &[
    ("category", "Category", "分类"),
    ("coupon", "Coupon", "优惠券"),
    ("coupon_batch", "Coupon batch", "优惠券批次"),
    ("customer", "Customer", "顾客"),
    ("lot", "Stock lot", "批次"),
    ("message", "Message", "消息"),
    ("order", "Order", "订单"),
    ("product", "Product", "商品"),
    ("promotion", "Promotion", "促销"),
    ("refund", "Refund", "退款"),
    ("return", "Return", "退货"),
    ("review", "Review", "评价"),
    ("settings", "Settings", "设置"),
    ("shipping_method", "Shipping method", "配送方式"),
    ("shipping_zone", "Shipping zone", "配送区域"),
    ("tax_rate", "Tax rate", "税率"),
    ("tax_settings", "Tax settings", "税务设置"),
    ("user", "Account", "账户"),
    ("variant", "Variant", "规格"),
];

/// Summary fields (English, Chinese, whether the value is an amount in minor units).
const FIELDS: &[(&str, &str, &str, bool)] = &[
    ("active", "active", "启用", false),
    ("amount", "amount", "金额", true),
    ("carrier", "carrier", "快递公司", false),
    ("category_id", "category", "分类", false),
    ("compare_at_price", "compare-at price", "划线价", true),
    ("count", "count", "数量", false),
    ("hidden", "hidden", "隐藏", false),
    ("name", "name", "名称", false),
    ("order_id", "order", "订单", false),
    ("price", "price", "价格", true),
    ("price_max", "highest price", "最高价", true),
    ("product_id", "product", "商品", false),
    ("quantity", "quantity", "数量", false),
    ("reason", "reason", "原因", false),
    ("refund", "refund", "退款", true),
    ("role", "role", "角色", false),
    ("status", "status", "状态", false),
    ("tracking", "tracking number", "运单号", false),
    ("unit_cost", "unit cost", "单位成本", true),
    ("units", "units", "件数", false),
    ("username", "username", "用户名", false),
    ("variant_id", "variant", "规格", false),
    ("zone_id", "zone", "配送区域", false),
];

fn pick<'a>(lang: Lang, en: &'a str, zh: &'a str) -> &'a str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// What `action` says, or the code itself.
pub fn action(code: &str, lang: Lang) -> String {
    ACTIONS
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, en, zh)| pick(lang, en, zh).to_owned())
}

/// "Product #3" for `product` and `3`; the kind's code when unknown.
pub fn entity(kind: &str, id: Option<&str>, lang: Lang) -> String {
    let name = KINDS
        .iter()
        .find(|(k, ..)| *k == kind)
        .map_or(kind, |(_, en, zh)| pick(lang, en, zh));
    match id {
        Some(id) if id.parse::<i64>().is_ok() => format!("{name} #{id}"),
        Some(id) => format!("{name} {id}"),
        None => name.to_owned(),
    }
}

/// The summary as "field: value" phrases (in the fields' order as stored: by name), with a change written "before → after"; amounts
/// in the summary's currency (CNY when it names none). Text that is not a JSON object is
/// shown as it is.
pub fn summary(raw: &str, lang: Lang) -> String {
    let Ok(Value::Object(top)) = serde_json::from_str::<Value>(raw) else {
        return raw.to_owned();
    };
    let currency = top.get("currency").and_then(Value::as_str).unwrap_or("CNY").to_owned();
    let before = top.get("before").and_then(Value::as_object);
    let after = top.get("after").and_then(Value::as_object);
    let mut phrases = Vec::new();
    for (key, value) in &top {
        match (key.as_str(), value) {
            ("currency", _) => {}
            ("before", Value::Object(_)) => {
                // Fields with no "after" side: what was there before.
                for (k, v) in before.into_iter().flatten() {
                    if !after.is_some_and(|a| a.contains_key(k)) {
                        phrases.push(format!(
                            "{}: {} → –",
                            field(k, lang),
                            value_words(k, v, &currency, lang)
                        ));
                    }
                }
            }
            ("after", Value::Object(changed)) => {
                for (k, v) in changed {
                    let now = value_words(k, v, &currency, lang);
                    phrases.push(match before.and_then(|b| b.get(k)) {
                        Some(was) => format!("{}: {} → {now}", field(k, lang), value_words(k, was, &currency, lang)),
                        None => format!("{}: → {now}", field(k, lang)),
                    });
                }
            }
            (k, v) => phrases.push(format!("{}: {}", field(k, lang), value_words(k, v, &currency, lang))),
        }
    }
    phrases.join(pick(lang, "; ", "；"))
}

fn field(key: &str, lang: Lang) -> String {
    FIELDS
        .iter()
        .find(|(k, ..)| *k == key)
        .map_or_else(|| key.replace('_', " "), |(_, en, zh, _)| pick(lang, en, zh).to_owned())
}

fn value_words(key: &str, value: &Value, currency: &str, lang: Lang) -> String {
    let is_money = FIELDS.iter().any(|(k, .., m)| *k == key && *m);
    match value {
        Value::Number(n) if is_money => n.as_i64().map_or_else(|| n.to_string(), |v| money(v, currency)),
        Value::Number(n) if key.ends_with("_id") => format!("#{n}"),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => pick(lang, if *b { "yes" } else { "no" }, if *b { "是" } else { "否" }).to_owned(),
        Value::Null => "–".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|v| value_words(key, v, currency, lang))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(inner) => inner
            .iter()
            .map(|(k, v)| format!("{} {}", field(k, lang), value_words(k, v, currency, lang)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_as_words_in_both_languages() {
        assert_eq!(action("stock.receive", Lang::En), "Stock received");
        assert_eq!(action("stock.receive", Lang::Zh), "入库");
        assert_eq!(
            action("new.thing", Lang::Zh),
            "new.thing",
            "an unknown code shows as itself"
        );
        assert_eq!(entity("product", Some("3"), Lang::En), "Product #3");
        assert_eq!(entity("coupon", Some("SAVE10"), Lang::Zh), "优惠券 SAVE10");
        assert_eq!(entity("gizmo", None, Lang::En), "gizmo");

        let received = r#"{"product_id":7,"variant_id":9,"quantity":120,"unit_cost":4550}"#;
        assert_eq!(
            summary(received, Lang::En),
            "product: #7; quantity: 120; unit cost: ¥45.50; variant: #9"
        );
        assert_eq!(
            summary(received, Lang::Zh),
            "商品: #7；数量: 120；单位成本: ¥45.50；规格: #9"
        );
        let role = r#"{"before":{"role":"support"},"after":{"role":"manager"}}"#;
        assert_eq!(summary(role, Lang::En), "role: support → manager");
        let priced = r#"{"after":{"price":129900,"price_max":159900}}"#;
        assert_eq!(
            summary(priced, Lang::En),
            "price: → ¥1,299.00; highest price: → ¥1,599.00"
        );
        let usd = r#"{"name":"Mug","price":1250,"currency":"USD"}"#;
        assert!(
            summary(usd, Lang::En).contains("price: $12.50"),
            "{}",
            summary(usd, Lang::En)
        );
        assert_eq!(summary(r#"{"hidden":true}"#, Lang::Zh), "隐藏: 是");
        assert_eq!(summary("not json", Lang::En), "not json");
    }
}
