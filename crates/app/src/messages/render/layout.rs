//! How a message's blocks become text and HTML, and how amounts read: the one place
//! where text enters the HTML (through [`escape`]).

use emporium_domain::locale::Locale;
use emporium_domain::money::Currency;

/// A piece of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Block {
    /// A paragraph.
    Para(String),
    /// Rows of (label, amount): the order's lines, then its totals.
    Table(Vec<(String, String)>, Vec<(String, String)>),
    /// A link: what it says and where it goes.
    Link(String, String),
}

/// An amount in minor units as people read it: `¥1,597.00`, `-¥5.00`, `$12.50`,
/// `JPY`'s `¥1,200`; other currencies as `KWD 1.500`.
pub fn money(minor: i64, currency: &str) -> String {
    let exponent = Currency::parse("currency", currency).map_or(2, Currency::exponent);
    let symbol = match currency {
        "CNY" | "JPY" => "¥",
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "HKD" => "HK$",
        _ => "",
    };
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = 10u64.pow(u32::from(exponent));
    let whole = group_thousands(abs / scale);
    let number = if exponent == 0 {
        whole
    } else {
        format!("{whole}.{:0width$}", abs % scale, width = usize::from(exponent))
    };
    if symbol.is_empty() {
        format!("{sign}{currency} {number}")
    } else {
        format!("{sign}{symbol}{number}")
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn text_of(blocks: &[Block], signature: &str) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Para(p) => out.push_str(p),
            Block::Table(lines, totals) => {
                for (label, amount) in lines.iter().chain(totals) {
                    out.push_str(&format!("{label}    {amount}\n"));
                }
                out.pop();
            }
            Block::Link(label, url) => out.push_str(&format!("{label}: {url}")),
        }
        out.push_str("\n\n");
    }
    out.push_str(signature);
    out.push('\n');
    out
}

pub(super) fn html_of(blocks: &[Block], signature: &str, title: &str, locale: Locale) -> String {
    let mut body = String::new();
    for block in blocks {
        match block {
            Block::Para(p) => body.push_str(&format!("<p>{}</p>\n", escape(p))),
            Block::Table(lines, totals) => {
                body.push_str("<table cellpadding=\"4\" style=\"border-collapse:collapse\">\n");
                for (label, amount) in lines {
                    body.push_str(&format!(
                        "<tr><td>{}</td><td align=\"right\">{}</td></tr>\n",
                        escape(label),
                        escape(amount)
                    ));
                }
                for (label, amount) in totals {
                    body.push_str(&format!(
                        "<tr><th align=\"left\">{}</th><td align=\"right\">{}</td></tr>\n",
                        escape(label),
                        escape(amount)
                    ));
                }
                body.push_str("</table>\n");
            }
            Block::Link(label, url) => {
                body.push_str(&format!("<p><a href=\"{}\">{}</a></p>\n", escape(url), escape(label)))
            }
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family:sans-serif\">\n{body}<p>{}</p>\n</body></html>\n",
        locale.tag(),
        escape(title),
        escape(signature)
    )
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_yuan_with_separators() {
        assert_eq!(money(159_700, "CNY"), "¥1,597.00");
        assert_eq!(money(5, "CNY"), "¥0.05");
        assert_eq!(money(-500, "CNY"), "-¥5.00");
        assert_eq!(money(123_456_789, "CNY"), "¥1,234,567.89");
        assert_eq!(money(1200, "JPY"), "¥1,200");
        assert_eq!(money(1500, "KWD"), "KWD 1.500");
    }

    #[test]
    fn html_escapes_every_special_character() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }
}
