//! What the shop says on its home page: the banner at the top (a picture, a title and a
//! line in each language, and where it leads), which staff with the `settings`
//! permission set in the back office. It is one row of the `settings` table, as JSON.

use emporium_domain::FieldError;
use emporium_domain::catalog::Image;
use emporium_domain::staff::Permission;
use emporium_domain::text::single_line;
use emporium_store::accounts::Session;
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::media::{self, Upload};
use crate::state::AppState;

/// The settings key the banner is kept under.
pub const HERO_KEY: &str = "storefront.hero";

/// The home page's banner. Texts are per language (`en`, `zh-CN`); a page shows its own
/// language's, else the other's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hero {
    /// The headline.
    pub title: Texts,
    /// A line under it.
    pub subtitle: Texts,
    /// Where it leads: a path on this site (`/products?category=Tea`) or an http(s) URL.
    pub link: String,
    /// The picture's URL (an upload's, under `/media/`), if any.
    pub image: Option<String>,
    /// The picture's alt text.
    pub image_alt: String,
}

/// A text in English and Chinese.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Texts {
    /// English.
    pub en: String,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    pub zh: String,
}

impl Texts {
    /// The text in `locale` (`en`, `zh-CN`), else the other language's.
    pub fn get(&self, locale: &str) -> &str {
        let (own, other) = if locale.starts_with("zh") {
            (&self.zh, &self.en)
        } else {
            (&self.en, &self.zh)
        };
        if own.is_empty() { other } else { own }
    }
}

impl Hero {
    /// Whether there is anything to show.
    pub fn is_set(&self) -> bool {
        !self.title.en.is_empty() || !self.title.zh.is_empty()
    }
}

/// The banner's words and link as staff typed them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HeroDraft {
    /// Headline in English.
    #[serde(default)]
    pub title_en: String,
    /// Headline in Chinese.
    #[serde(default)]
    pub title_zh: String,
    /// Line under it in English.
    #[serde(default)]
    pub subtitle_en: String,
    /// Line under it in Chinese.
    #[serde(default)]
    pub subtitle_zh: String,
    /// Where it leads.
    #[serde(default)]
    pub link: String,
}

/// The banner as set (the default, empty one when never set or unreadable).
pub async fn hero(state: &AppState) -> AppResult<Hero> {
    Ok(state
        .store()
        .setting(HERO_KEY)
        .await?
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default())
}

/// Staff set the banner's words and link (its picture stays). Blank titles in both
/// languages take the banner down.
pub async fn set_hero(state: &AppState, staff: &Session, draft: &HeroDraft) -> AppResult<Hero> {
    crate::staff::require(staff, Permission::Settings)?;
    let text = |field: &str, raw: &str, max: usize| single_line(field, raw, 0, max);
    let link = draft.link.trim();
    let link_ok = link.is_empty()
        || (link.starts_with('/') && !link.starts_with("//"))
        || link.starts_with("https://")
        || link.starts_with("http://");
    let link = if link_ok && link.len() <= 2048 && !link.chars().any(char::is_whitespace) {
        Ok(link.to_owned())
    } else {
        Err(FieldError::new(
            "link",
            "must be an http(s) URL or a path starting with '/'",
        ))
    };
    let fields = (
        text("title_en", &draft.title_en, 80),
        text("title_zh", &draft.title_zh, 80),
        text("subtitle_en", &draft.subtitle_en, 160),
        text("subtitle_zh", &draft.subtitle_zh, 160),
        link,
    );
    let (Ok(title_en), Ok(title_zh), Ok(subtitle_en), Ok(subtitle_zh), Ok(link)) = fields else {
        return Err(emporium_domain::Invalid::of([
            fields.0.err(),
            fields.1.err(),
            fields.2.err(),
            fields.3.err(),
            fields.4.err(),
        ])
        .into());
    };
    let mut hero = hero(state).await?;
    hero.title = Texts {
        en: title_en,
        zh: title_zh,
    };
    hero.subtitle = Texts {
        en: subtitle_en,
        zh: subtitle_zh,
    };
    hero.link = link;
    save(state, &hero).await?;
    crate::audit::record(state, "storefront.hero", "setting", HERO_KEY, hero.title.en.clone()).await;
    Ok(hero)
}

/// Staff give the banner a picture (an upload verified like a product's image).
pub async fn set_hero_image(state: &AppState, staff: &Session, upload: Upload) -> AppResult<Hero> {
    crate::staff::require(staff, Permission::Settings)?;
    let image: Image = media::store_image(state, upload).await?;
    let mut hero = hero(state).await?;
    hero.image = Some(image.url().to_owned());
    hero.image_alt = image.alt().to_owned();
    save(state, &hero).await?;
    crate::audit::record(state, "storefront.hero_image", "setting", HERO_KEY, image.url()).await;
    Ok(hero)
}

/// Staff take the banner's picture away.
pub async fn remove_hero_image(state: &AppState, staff: &Session) -> AppResult<Hero> {
    crate::staff::require(staff, Permission::Settings)?;
    let mut hero = hero(state).await?;
    hero.image = None;
    hero.image_alt.clear();
    save(state, &hero).await?;
    crate::audit::record(state, "storefront.hero_image", "setting", HERO_KEY, "removed").await;
    Ok(hero)
}

/// The banner as its settings row holds it (for the demo, which writes it directly).
pub fn encode(hero: &Hero) -> String {
    serde_json::to_string(hero).unwrap_or_default()
}

async fn save(state: &AppState, hero: &Hero) -> AppResult<()> {
    state.store().put_setting(HERO_KEY, Some(encode(hero))).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_fall_back_to_the_other_language() {
        let t = Texts {
            en: "Spring tea".into(),
            zh: String::new(),
        };
        assert_eq!(t.get("zh-CN"), "Spring tea");
        assert_eq!(t.get("en"), "Spring tea");
        let hero = Hero {
            title: t,
            ..Hero::default()
        };
        let back: Hero = serde_json::from_str(&encode(&hero)).unwrap();
        assert_eq!(back, hero);
        assert!(back.is_set() && !Hero::default().is_set());
    }
}
