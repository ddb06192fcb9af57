//! Deterministic stand-ins for detector results. On the live service a detector's CDN URL
//! serves the image unchanged and its result is the step's `data` in the transformation
//! context (`GET /service/platform/transformation/context?url=...`); the emulator does the
//! same, with a result of the shape Pixelbin's documentation shows, computed from the stored
//! image by simple rules (not a model):
//!
//! | operation | `data` | rule |
//! |---|---|---|
//! | `nsfw.detect` | `{"ModerationLabels": [{"Name", "Confidence"}]}` | always `neutral`, 0.99 |
//! | `numPlate.detect` | `{"polygons": [[[x, y] x 4]]}` | one plate, the centre fifth, corners clockwise from top-left |
//! | `wmc.detect` | `{"attributes": {"watermark": bool}}` | always `false` |
//! | `oc.detect` | `{"obj_count_type": "Single" \| "Multiple"}` | always `Single` |
//! | `dbt.detect` | `{"background_type": "plain" \| "busy", "background_color": "#rrggbb"}` | the border's mean colour; `plain` when its pixels stay near it |
//!
//! Other detectors (`od.detect`, `awsRek.detectLabels`, `ocr.extract`, ...) get no `data`:
//! their shape is not documented.

use pixelbin_render::{RenderError, RenderOptions};
use serde_json::{Value, json};

/// Sum of absolute RGB differences from the border's mean under which a border is `plain`.
const PLAIN_SPREAD: f64 = 24.0;

/// What the stand-ins read from an image: its size and its border.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageFacts {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Mean RGB of the outermost pixels.
    pub border: [u8; 3],
    /// Mean distance (sum of absolute RGB differences) of the border pixels from `border`.
    pub border_spread: f64,
}

impl ImageFacts {
    /// Reads the facts of an RGB(A) image.
    pub fn of(image: &image::RgbaImage) -> ImageFacts {
        let (width, height) = image.dimensions();
        let border: Vec<[u8; 4]> = image
            .enumerate_pixels()
            .filter(|(x, y, _)| *x == 0 || *y == 0 || x + 1 == width || y + 1 == height)
            .map(|(_, _, p)| p.0)
            .collect();
        let count = border.len().max(1) as f64;
        let mean = |c: usize| border.iter().map(|p| f64::from(p[c])).sum::<f64>() / count;
        let means = [mean(0), mean(1), mean(2)];
        let border_spread = border
            .iter()
            .map(|p| {
                (0..3)
                    .map(|c| (f64::from(p[c]) - means[c]).abs())
                    .sum::<f64>()
            })
            .sum::<f64>()
            / count;
        ImageFacts {
            width,
            height,
            border: means.map(|m| m.round().clamp(0.0, 255.0) as u8),
            border_spread,
        }
    }
}

/// The facts of an encoded image, refused over the default input pixel limit before decoding.
///
/// # Errors
/// The bytes are not an image this emulator reads, or it is too large.
pub fn facts_of(bytes: &[u8]) -> Result<ImageFacts, RenderError> {
    super::standin::dimensions(bytes, &RenderOptions::default())?;
    let image = image::load_from_memory(bytes)
        .map_err(|e| RenderError::Decode {
            reason: e.to_string(),
        })?
        .into_rgba8();
    Ok(ImageFacts::of(&image))
}

/// Whether the operation `plugin.name` has a stand-in result.
pub fn is_detector(plugin: &str, name: &str) -> bool {
    matches!(
        (plugin, name),
        ("nsfw" | "numPlate" | "wmc" | "oc" | "dbt", "detect")
    )
}

/// The stand-in `data` of the detector `plugin.name` on an image with `facts`; `None` for an
/// operation without one.
pub fn data(plugin: &str, name: &str, facts: &ImageFacts) -> Option<Value> {
    if !is_detector(plugin, name) {
        return None;
    }
    Some(match plugin {
        "nsfw" => json!({"ModerationLabels": [{"Name": "neutral", "Confidence": 0.99}]}),
        "numPlate" => {
            let (w, h) = (facts.width, facts.height);
            let (left, right) = (w * 2 / 5, w * 3 / 5);
            let (top, bottom) = (h * 2 / 5, h * 3 / 5);
            json!({"polygons": [[[left, top], [right, top], [right, bottom], [left, bottom]]]})
        }
        "wmc" => json!({"attributes": {"watermark": false}}),
        "oc" => json!({"obj_count_type": "Single"}),
        _ => {
            let [r, g, b] = facts.border;
            json!({
                "background_type": if facts.border_spread <= PLAIN_SPREAD { "plain" } else { "busy" },
                "background_color": format!("#{r:02x}{g:02x}{b:02x}"),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_border_is_plain_and_its_colour_is_named() {
        let mut image = image::RgbaImage::from_pixel(10, 8, image::Rgba([250, 250, 250, 255]));
        image.put_pixel(5, 4, image::Rgba([0, 0, 0, 255]));
        let facts = ImageFacts::of(&image);
        assert_eq!(facts.border, [250, 250, 250]);
        let found = data("dbt", "detect", &facts).unwrap();
        assert_eq!(found["background_type"], "plain");
        assert_eq!(found["background_color"], "#fafafa");

        let busy = image::RgbaImage::from_fn(10, 8, |x, y| {
            image::Rgba([(x * 25) as u8, (y * 30) as u8, 0, 255])
        });
        let found = data("dbt", "detect", &ImageFacts::of(&busy)).unwrap();
        assert_eq!(found["background_type"], "busy");
    }

    #[test]
    fn plates_sit_inside_the_image_and_others_have_no_data() {
        let facts = ImageFacts {
            width: 100,
            height: 50,
            border: [0; 3],
            border_spread: 0.0,
        };
        assert_eq!(
            data("numPlate", "detect", &facts).unwrap()["polygons"][0],
            json!([[40, 20], [60, 20], [60, 30], [40, 30]])
        );
        assert_eq!(data("od", "detect", &facts), None);
        assert_eq!(data("t", "resize", &facts), None);
    }
}
