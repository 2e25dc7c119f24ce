//! The CPU side of an upload: what the bytes really are (read from their content, never
//! from a name), decoding them within limits, and the generated sizes. Pure functions of
//! the bytes, run on the blocking pool by [`super`].

use std::io::Cursor;

use emporium_domain::FieldError;
use emporium_domain::media::{Rendition, fit};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageFormat, ImageReader, Limits,
};

/// The widest and tallest picture accepted, in pixels.
pub const MAX_SIDE: u32 = 8000;
/// The most memory one decoded picture may take: 8000 × 8000 at 8 bits per RGBA channel.
/// A small file that claims more (a decompression bomb) is refused before it is decoded.
pub const MAX_DECODED_BYTES: u64 = 8000 * 8000 * 4;

/// The formats the shop accepts, as the bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// WebP.
    WebP,
}

impl Format {
    /// What the first bytes of `bytes` say they are, if one of ours.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match image::guess_format(bytes).ok()? {
            ImageFormat::Jpeg => Some(Self::Jpeg),
            ImageFormat::Png => Some(Self::Png),
            ImageFormat::WebP => Some(Self::WebP),
            _ => None,
        }
    }

    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::WebP => ImageFormat::WebP,
        }
    }
}

/// An upload, verified and rendered: its size as shown and each generated size, encoded.
#[derive(Debug)]
pub struct Rendered {
    /// The original's format.
    pub format: Format,
    /// Width as shown (after the camera's orientation is applied), pixels.
    pub width: u32,
    /// Height as shown.
    pub height: u32,
    /// Each size, smallest first: JPEG, or PNG when the picture has transparency.
    pub sizes: Vec<(Rendition, Vec<u8>)>,
}

fn field(message: impl Into<String>) -> FieldError {
    FieldError::new("file", message)
}

/// Decodes `bytes` and renders every size. Anything that is not a JPEG, PNG or WebP
/// picture that decodes whole within the limits is a field error on `file`.
pub fn render(bytes: &[u8]) -> Result<Rendered, FieldError> {
    let format = Format::sniff(bytes).ok_or_else(|| field("must be a JPEG, PNG or WebP image"))?;
    let picture = decode(bytes, format)?;
    let (width, height) = (picture.width(), picture.height());
    // Each size from the next larger one: far less work than from the original each time.
    let mut sized: Vec<(Rendition, DynamicImage)> = Vec::with_capacity(Rendition::ALL.len());
    let mut source = picture;
    for rendition in Rendition::ALL.into_iter().rev() {
        let (w, h) = fit(source.width(), source.height(), rendition.longer_side());
        let image = if (w, h) == (source.width(), source.height()) {
            source.clone()
        } else {
            source.resize_exact(w, h, image::imageops::FilterType::Lanczos3)
        };
        sized.push((rendition, image.clone()));
        source = image;
    }
    sized.reverse();
    // Judged on the largest size: a source is large, and a copy of it as RGBA is larger.
    let transparent = sized.last().is_some_and(|(_, image)| has_transparency(image));
    let sizes = sized
        .into_iter()
        .map(|(rendition, image)| Ok((rendition, encode(&image, transparent)?)))
        .collect::<Result<_, ImageError>>()
        .map_err(|e| {
            tracing::warn!(error = %e, "an upload that decoded could not be encoded");
            field("could not be processed")
        })?;
    Ok(Rendered {
        format,
        width,
        height,
        sizes,
    })
}

fn decode(bytes: &[u8], format: Format) -> Result<DynamicImage, FieldError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    // `into_decoder` checks the dimensions; the buffer the picture needs is checked here,
    // before it is allocated (`ImageReader::decode` does the same).
    limits.reserve(decoder.total_bytes()).map_err(refusal)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    picture.apply_orientation(orientation);
    if picture.width() == 0 || picture.height() == 0 {
        return Err(field("must not be empty"));
    }
    Ok(picture)
}

fn refusal(e: ImageError) -> FieldError {
    match e {
        ImageError::Limits(_) => field(format!(
            "is too large to process: at most {MAX_SIDE} × {MAX_SIDE} pixels"
        )),
        ImageError::Unsupported(_) => field("uses a feature of its format that is not supported"),
        _ => field("could not be decoded: the file is damaged or incomplete"),
    }
}

fn has_transparency(image: &DynamicImage) -> bool {
    image.color().has_alpha() && image.to_rgba8().pixels().any(|p| p.0[3] < u8::MAX)
}

/// JPEG at quality 85, or PNG (which keeps the transparency).
fn encode(image: &DynamicImage, transparent: bool) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    if transparent {
        let rgba = image.to_rgba8();
        PngEncoder::new(&mut out).write_image(rgba.as_raw(), rgba.width(), rgba.height(), ExtendedColorType::Rgba8)?;
    } else {
        let rgb = image.to_rgb8();
        JpegEncoder::new_with_quality(&mut out, 85).write_image(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            ExtendedColorType::Rgb8,
        )?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;

    fn png(image: DynamicImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn dimensions(bytes: &[u8]) -> (u32, u32, Option<Format>) {
        let image = image::load_from_memory(bytes).unwrap();
        (image.width(), image.height(), Format::sniff(bytes))
    }

    #[test]
    fn every_size_is_rendered_and_none_is_enlarged() {
        let photo = RgbImage::from_fn(1800, 900, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let r = render(&png(DynamicImage::ImageRgb8(photo))).unwrap();
        assert_eq!((r.format, r.width, r.height), (Format::Png, 1800, 900));
        let got: Vec<_> = r.sizes.iter().map(|(s, b)| (*s, dimensions(b))).collect();
        assert_eq!(
            got,
            vec![
                (Rendition::Small, (320, 160, Some(Format::Jpeg))),
                (Rendition::Medium, (800, 400, Some(Format::Jpeg))),
                (Rendition::Large, (1600, 800, Some(Format::Jpeg))),
            ]
        );
        let small = render(&png(DynamicImage::ImageRgb8(RgbImage::new(500, 250)))).unwrap();
        let widths: Vec<u32> = small.sizes.iter().map(|(_, b)| dimensions(b).0).collect();
        assert_eq!(widths, vec![320, 500, 500]);
    }

    #[test]
    fn transparency_keeps_png_and_opaque_alpha_becomes_jpeg() {
        let see_through = RgbaImage::from_fn(40, 40, |x, _| Rgba([200, 10, 10, if x < 20 { 0 } else { 255 }]));
        let r = render(&png(DynamicImage::ImageRgba8(see_through))).unwrap();
        assert!(r.sizes.iter().all(|(_, b)| Format::sniff(b) == Some(Format::Png)));
        let opaque = RgbaImage::from_pixel(40, 40, Rgba([1, 2, 3, 255]));
        let r = render(&png(DynamicImage::ImageRgba8(opaque))).unwrap();
        assert!(r.sizes.iter().all(|(_, b)| Format::sniff(b) == Some(Format::Jpeg)));
    }

    #[test]
    fn what_is_not_a_whole_picture_is_refused_naming_file() {
        let text = b"just some text, named photo.png";
        assert_eq!(render(text).unwrap_err().message, "must be a JPEG, PNG or WebP image");
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert_eq!(render(gif).unwrap_err().field, "file");
        let whole = png(DynamicImage::ImageRgb8(RgbImage::new(64, 64)));
        let cut = render(&whole[..whole.len() / 2]).unwrap_err();
        assert_eq!(cut.field, "file");
        assert!(cut.message.contains("could not be decoded"), "{}", cut.message);
    }

    /// CRC-32 (as PNG chunks carry), bit by bit.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = u32::MAX;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_picture_claiming_huge_dimensions_is_refused_before_decoding() {
        // A valid PNG whose header says 9000 × 9000 pixels: tiny on the wire, 243 MB
        // decoded. The header chunk (and its checksum) is rewritten; the data is not
        // even read.
        let mut bomb = png(DynamicImage::ImageRgb8(RgbImage::new(1, 1)));
        bomb[16..20].copy_from_slice(&9000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&9000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = render(&bomb).unwrap_err();
        assert_eq!(err.field, "file");
        assert!(err.message.contains("too large"), "{}", err.message);
        // Within the sides but past the memory cap: 8000 × 8000 at 16 bits per channel.
        let mut deep = png(DynamicImage::ImageRgba16(image::ImageBuffer::new(1, 1)));
        deep[16..20].copy_from_slice(&8000u32.to_be_bytes());
        deep[20..24].copy_from_slice(&8000u32.to_be_bytes());
        let crc = crc32(&deep[12..29]);
        deep[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(render(&deep).unwrap_err().message.contains("too large"));
    }
}
