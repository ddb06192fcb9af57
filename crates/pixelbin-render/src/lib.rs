//! Render Pixelbin's basic transformations (`t.resize`, `t.extract`, `t.toFormat`, ... the
//! `t` plugin of the catalogue) on image bytes, with sharp's semantics and defaults: the
//! engine behind the emulator's CDN route, usable on its own.
//!
//! The pattern is `pixelbin-url`'s ([`pixelbin_url::parse_pattern`]: one grammar); each
//! step of a chain (`~`) applies to the result of the one before; the output keeps the
//! input's format unless `t.toFormat` (or [`RenderOptions::auto_format`]) says otherwise.
//!
//! ```
//! use pixelbin_render::{render, OutputFormat, RenderOptions};
//!
//! # let png = {
//! #     let img = image::RgbaImage::from_pixel(64, 48, image::Rgba([200, 30, 30, 255]));
//! #     let mut out = std::io::Cursor::new(Vec::new());
//! #     img.write_to(&mut out, image::ImageFormat::Png).unwrap();
//! #     out.into_inner()
//! # };
//! let steps = pixelbin_url::parse_pattern("t.resize(w:32)~t.flip()~t.toFormat(f:webp,q:70)")?;
//! let rendered = render(&png, &steps, &RenderOptions::default())?;
//! assert_eq!((rendered.width, rendered.height), (32, 24));
//! assert_eq!(rendered.format, OutputFormat::Webp);
//! assert_eq!(rendered.content_type(), "image/webp");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Everything is checked before work starts: unknown operations, unknown parameters and
//! out-of-range values are errors naming the operation and the parameter, and an input
//! whose header says it has more than [`RenderOptions::max_input_pixels`] is refused without
//! being decoded:
//!
//! ```
//! use pixelbin_render::{render, RenderError, RenderOptions};
//!
//! let steps = pixelbin_url::parse_pattern("t.resize(w:-5)")?;
//! let err = render(b"not even an image", &steps, &RenderOptions::default()).unwrap_err();
//! assert!(matches!(err, RenderError::InvalidParameter { .. }));
//! assert_eq!(err.to_string(), "invalid parameter 'w (width)' of t.resize: '-5': expected a whole number from 0 to 10000000");
//!
//! let steps = pixelbin_url::parse_pattern("erase.bg()")?;
//! let err = render(b"", &steps, &RenderOptions::default()).unwrap_err();
//! assert!(matches!(err, RenderError::Unsupported { .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod canvas;
mod decode;
mod encode;
mod error;
mod format;
mod ops;
mod options;
mod step;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use pixelbin_url::Transformation;
use pixelbin_url::catalogue::find_by_prefix;

pub use error::RenderError;
pub use format::{OutputFormat, UnknownFormat};
pub use options::{
    DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_OUTPUT_PIXELS, RenderOptions,
    Resolver,
};

use ops::{Op, OutputChoice};

/// A rendered image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The encoded image.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: OutputFormat,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
}

impl Rendered {
    /// The HTTP content type of the bytes (`image/webp`, ...).
    pub fn content_type(&self) -> &'static str {
        self.format.content_type()
    }
}

/// Whether `step` is a basic transformation this engine renders: a `t.*` operation of the
/// catalogue. Other known operations (AI plugins) give [`RenderError::Unsupported`].
///
/// ```
/// use pixelbin_url::Transformation;
/// assert!(pixelbin_render::is_basic(&Transformation::new("t", "resize")));
/// assert!(!pixelbin_render::is_basic(&Transformation::new("erase", "bg")));
/// assert!(!pixelbin_render::is_basic(&Transformation::new("t", "nope")));
/// ```
pub fn is_basic(step: &Transformation<'_>) -> bool {
    step.plugin == "t" && find_by_prefix(&step.plugin, &step.name).is_some()
}

/// Checks `steps` as [`render`] does before it reads the input: each is a known `t.*`
/// operation with known parameters in range. A caller that answers later (the emulator's
/// `202` while an AI URL "processes") uses it to refuse a bad pattern at once.
///
/// ```
/// use pixelbin_render::{check, RenderOptions};
///
/// let good = pixelbin_url::parse_pattern("t.resize(w:300)~t.rotate(a:90)")?;
/// assert!(check(&good, &RenderOptions::default()).is_ok());
/// let bad = pixelbin_url::parse_pattern("t.blur(s:-1)")?;
/// let err = check(&bad, &RenderOptions::default()).unwrap_err();
/// assert!(err.to_string().starts_with("invalid parameter 's (sigma)' of t.blur"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The [`RenderError`] that [`render`] would give for the first bad step.
pub fn check(steps: &[Transformation<'_>], options: &RenderOptions) -> Result<(), RenderError> {
    steps
        .iter()
        .try_for_each(|step| ops::parse(step, options.dpr).map(drop))
}

/// Renders `steps` on the image `input`.
///
/// Every step is checked before the input is decoded; the input's size is checked from its
/// header; every operation checks the size it makes before allocating; the work runs on at
/// most [`RenderOptions::thread_count`] threads.
///
/// # Errors
/// A [`RenderError`] naming what was wrong: the operation and parameter, the input, a
/// limit, or the output format.
pub fn render(
    input: &[u8],
    steps: &[Transformation<'_>],
    options: &RenderOptions,
) -> Result<Rendered, RenderError> {
    let ops = steps
        .iter()
        .map(|step| ops::parse(step, options.dpr))
        .collect::<Result<Vec<Op>, RenderError>>()?;
    let pool = thread_pool(options.thread_count());
    match pool {
        Some(pool) => pool.install(|| run(input, &ops, options)),
        None => run(input, &ops, options),
    }
}

fn run(input: &[u8], ops: &[Op], options: &RenderOptions) -> Result<Rendered, RenderError> {
    let decoded = decode::decode(input, options, |width, height| match ops.first() {
        Some(Op::Resize(resize)) => jpeg_shrink(resize, width, height),
        _ => 1,
    })?;
    let mut output = OutputChoice {
        format: None,
        quality: None,
    };
    let mut canvas = decoded.canvas;
    for op in ops {
        canvas = ops::apply(op, canvas, options, &mut output)?;
    }
    let format = output
        .format
        .or(options.auto_format)
        .unwrap_or(decoded.format);
    let bytes = encode::encode(&canvas, format, output.quality)?;
    if bytes.len() > options.max_output_bytes {
        return Err(RenderError::OutputTooLarge {
            format,
            size: bytes.len(),
            limit: options.max_output_bytes,
        });
    }
    Ok(Rendered {
        bytes,
        format,
        width: canvas.width(),
        height: canvas.height(),
    })
}

/// The factor a JPEG is decoded smaller by before `resize` (sharp's shrink-on-load: the
/// largest of 8, 4, 2 that the resize shrinks by at least).
fn jpeg_shrink(resize: &ops::Resize, width: u32, height: u32) -> u32 {
    if resize.width == 0 && resize.height == 0 {
        return 1;
    }
    let (h, v) = resize.shrink(width, height);
    let factor = h.min(v);
    [8, 4, 2]
        .into_iter()
        .find(|&s| factor >= f64::from(s))
        .unwrap_or(1)
}

/// A pool of `threads` threads, made once per size; `None` if the system refuses threads
/// (the render then runs on the caller's thread).
fn thread_pool(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(pool) = pools.get(&threads) {
        return Some(pool.clone());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("pixelbin-render-{i}"))
        .build()
        .ok()?;
    let pool = Arc::new(pool);
    pools.insert(threads, pool.clone());
    Some(pool)
}

/// The README's example, compiled and run as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
