//! Uploaded images as the shop serves them: the sizes it generates, how a picture is
//! fitted into each, and the names under `/media/`. Only the names [`MediaPath::parse`]
//! accepts are ever served, so no other path (`..`, another file) can be asked for.
//!
//! An upload is recorded on its product as `/media/<sha256>` (the SHA-256 of the bytes
//! sent, in lowercase hex); its files are `/media/<sha256>/small`, `medium`, `large` and
//! `original`, and `/media/<sha256>` itself serves the large size, so clients that only
//! know a product's `images` still show a picture. Illustrations drawn by the binary (the
//! demo catalogue's) are `/media/demo/<name>.svg`.

/// A generated size of an uploaded image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rendition {
    /// For lists and thumbnails: 320 px on the longer side.
    Small,
    /// For product cards: 800 px.
    Medium,
    /// For the product page: 1600 px.
    Large,
}

impl Rendition {
    /// Every size, smallest first.
    pub const ALL: [Self; 3] = [Self::Small, Self::Medium, Self::Large];

    /// The longest the longer side may be, in pixels.
    pub fn longer_side(self) -> u32 {
        match self {
            Self::Small => 320,
            Self::Medium => 800,
            Self::Large => 1600,
        }
    }

    /// Its name in URLs and in storage.
    pub fn name(self) -> &'static str {
        match self {
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Large => "large",
        }
    }
}

/// The size of a `width × height` picture fitted within `side × side`: the aspect ratio
/// kept (rounded to the nearest pixel, never below 1), and never enlarged, since an
/// upscaled picture only costs bytes.
pub fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let longer = width.max(height);
    if longer <= side || longer == 0 {
        return (width, height);
    }
    let scale = |v: u32| -> u32 {
        let scaled = (u64::from(v) * u64::from(side) + u64::from(longer) / 2) / u64::from(longer);
        u32::try_from(scaled).unwrap_or(side).max(1)
    };
    (scale(width), scale(height))
}

/// A SHA-256 digest as 64 lowercase hexadecimal digits: the name of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentHash(String);

impl ContentHash {
    /// Reads 64 lowercase hex digits; anything else is no content hash.
    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then(|| Self(raw.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL a product records for the upload: `/media/<hash>`.
    pub fn url(&self) -> String {
        format!("/media/{}", self.0)
    }
}

/// One file of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UploadFile {
    /// The bytes as sent.
    Original,
    /// A generated size.
    Sized(Rendition),
}

impl UploadFile {
    /// Its name in URLs and in storage.
    pub fn name(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Sized(r) => r.name(),
        }
    }
}

/// What a path under `/media/` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaPath {
    /// A file of an upload.
    Upload(ContentHash, UploadFile),
    /// An illustration drawn by the binary, by name (`[a-z0-9-]`, 1–64 characters).
    Drawing(String),
}

impl MediaPath {
    /// Reads the part of a path after `/media/`: `<hash>`, `<hash>/<small|medium|large|original>`
    /// or `demo/<name>.svg`. Everything else is `None`.
    pub fn parse(rest: &str) -> Option<Self> {
        if let Some(name) = rest.strip_prefix("demo/").and_then(|r| r.strip_suffix(".svg")) {
            let ok = !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            return ok.then(|| Self::Drawing(name.to_owned()));
        }
        let (hash, file) = match rest.split_once('/') {
            None => (rest, UploadFile::Sized(Rendition::Large)),
            Some((hash, "original")) => (hash, UploadFile::Original),
            Some((hash, name)) => (
                hash,
                UploadFile::Sized(Rendition::ALL.into_iter().find(|r| r.name() == name)?),
            ),
        };
        Some(Self::Upload(ContentHash::parse(hash)?, file))
    }

    /// The URL of an illustration drawn by the binary.
    pub fn drawing_url(name: &str) -> String {
        format!("/media/demo/{name}.svg")
    }
}

/// The URL of `size` of an image recorded as `url`: for an upload (`/media/<hash>`) its
/// generated file, for anything else (an outside URL, a drawing) the URL itself.
pub fn rendition_url(url: &str, size: Rendition) -> String {
    match url.strip_prefix("/media/").and_then(ContentHash::parse) {
        Some(hash) => format!("/media/{}/{}", hash.as_str(), size.name()),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn pictures_shrink_to_the_longer_side_and_are_never_enlarged() {
        assert_eq!(fit(3200, 1600, 1600), (1600, 800));
        assert_eq!(fit(1600, 3200, 800), (400, 800));
        assert_eq!(fit(1800, 1200, 320), (320, 213));
        assert_eq!(fit(1000, 3, 320), (320, 1), "a sliver keeps one pixel");
        assert_eq!(fit(640, 480, 800), (640, 480), "smaller pictures keep their size");
        assert_eq!(fit(800, 800, 800), (800, 800));
        assert_eq!(fit(8000, 8000, 1600), (1600, 1600));
        assert_eq!(fit(0, 0, 320), (0, 0));
    }

    proptest::proptest! {
        /// Whatever the picture, the result fits, keeps its shape within a pixel, and is
        /// never larger than the source.
        #[test]
        fn fitting_keeps_the_shape(w in 1u32..20_000, h in 1u32..20_000, size in 0usize..3) {
            let side = Rendition::ALL[size].longer_side();
            let (fw, fh) = fit(w, h, side);
            proptest::prop_assert!(fw.max(fh) <= side);
            proptest::prop_assert!(fw <= w && fh <= h && fw >= 1 && fh >= 1);
            if w.max(h) > side {
                proptest::prop_assert_eq!(fw.max(fh), side);
                // The aspect ratio within rounding: |fw·h − fh·w| ≤ the longer side.
                let skew = (u64::from(fw) * u64::from(h)).abs_diff(u64::from(fh) * u64::from(w));
                proptest::prop_assert!(skew <= u64::from(w.max(h)), "{w}x{h} -> {fw}x{fh}");
            }
        }
    }

    #[test]
    fn only_known_names_are_media_paths() {
        assert_eq!(
            MediaPath::parse(HASH),
            Some(MediaPath::Upload(
                ContentHash(HASH.into()),
                UploadFile::Sized(Rendition::Large)
            ))
        );
        assert_eq!(
            MediaPath::parse(&format!("{HASH}/small")),
            Some(MediaPath::Upload(
                ContentHash(HASH.into()),
                UploadFile::Sized(Rendition::Small)
            ))
        );
        assert_eq!(
            MediaPath::parse(&format!("{HASH}/original")),
            Some(MediaPath::Upload(ContentHash(HASH.into()), UploadFile::Original))
        );
        assert_eq!(
            MediaPath::parse("demo/tea-green.svg"),
            Some(MediaPath::Drawing("tea-green".into()))
        );
        for bad in [
            "",
            "demo/.svg",
            "demo/../x.svg",
            "demo/Tea.svg",
            "demo/a/b.svg",
            &HASH.to_uppercase(),
            &HASH[..63],
            &format!("{HASH}/huge"),
            &format!("{HASH}/small/x"),
            &format!("{HASH}/../../etc/passwd"),
            &format!("../{HASH}"),
            &format!("{HASH}/"),
        ] {
            assert_eq!(MediaPath::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn uploads_have_sizes_and_other_urls_are_their_own_sizes() {
        let url = ContentHash::parse(HASH).unwrap().url();
        assert_eq!(url, format!("/media/{HASH}"));
        assert_eq!(rendition_url(&url, Rendition::Medium), format!("/media/{HASH}/medium"));
        for other in [
            "https://cdn.example/a.jpg",
            "/media/demo/tea-green.svg",
            "/assets/x.png",
        ] {
            assert_eq!(rendition_url(other, Rendition::Small), other);
        }
    }
}
