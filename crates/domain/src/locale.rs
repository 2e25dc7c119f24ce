//! The locales the shop's content may be translated into, and choosing one from a
//! request's `Accept-Language`.

/// A supported locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// Simplified Chinese.
    ZhCn,
    /// English.
    En,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// Parses a language tag: `zh`, `zh-CN`, `zh-Hans…` are Chinese, `en`, `en-…` English
    /// (any case).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim().to_ascii_lowercase();
        if raw == "en" || raw.starts_with("en-") {
            Some(Self::En)
        } else if raw == "zh" || raw.starts_with("zh-") {
            Some(Self::ZhCn)
        } else {
            None
        }
    }

    /// The tag translations are stored under: `zh-CN`, `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// The first supported locale of an `Accept-Language` value, by quality; `None` when
    /// it names none (the caller then shows the originals).
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut ranked: Vec<(f32, &str)> = accept_language
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty() && q > 0.0).then_some((q, tag))
            })
            .collect();
        // A stable sort keeps the header's order among equal qualities.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.iter().find_map(|(_, tag)| Self::parse(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::Locale;

    #[test]
    fn negotiation_follows_quality_then_order() {
        assert_eq!(Locale::negotiate("zh-CN,zh;q=0.9,en;q=0.8"), Some(Locale::ZhCn));
        assert_eq!(Locale::negotiate("fr, en;q=0.5, zh;q=0.7"), Some(Locale::ZhCn));
        assert_eq!(Locale::negotiate("en-GB"), Some(Locale::En));
        assert_eq!(Locale::negotiate("de, fr"), None);
        assert_eq!(Locale::negotiate(""), None);
        assert_eq!(Locale::negotiate("zh;q=0, en"), Some(Locale::En));
        assert_eq!(Locale::parse("ZH-hans"), Some(Locale::ZhCn));
        assert_eq!(Locale::parse("ja"), None);
    }
}
