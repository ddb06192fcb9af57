//! [`RenderOptions`]: the limits and context of one render.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;

use crate::OutputFormat;

/// sharp's default `limitInputPixels`: 0x3FFF × 0x3FFF.
pub const DEFAULT_MAX_INPUT_PIXELS: u64 = 0x3FFF * 0x3FFF;
/// The default bound on any image an operation makes (the output and every step between).
pub const DEFAULT_MAX_OUTPUT_PIXELS: u64 = 0x3FFF * 0x3FFF;
/// The default bound on the encoded output: 64 MiB.
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 64 << 20;

/// Gives the bytes of a file on Pixelbin storage, for `t.merge(i:...)` overlays.
///
/// Any `Fn(&str) -> Result<Vec<u8>, String>` that is `Send + Sync` is a resolver:
///
/// ```
/// use std::sync::Arc;
/// use pixelbin_render::{RenderOptions, Resolver};
///
/// let resolver: Arc<dyn Resolver> = Arc::new(|path: &str| -> Result<Vec<u8>, String> {
///     Err(format!("{path}: no such file"))
/// });
/// let options = RenderOptions { resolver: Some(resolver), ..RenderOptions::default() };
/// # let _ = options;
/// ```
pub trait Resolver: Send + Sync {
    /// The bytes of the file at `path` (as written in the pattern, e.g. `logos/a.png`), or
    /// why it cannot be had.
    ///
    /// # Errors
    /// A message saying why the file cannot be read; it is reported in
    /// [`RenderError::Overlay`](crate::RenderError::Overlay).
    fn resolve(&self, path: &str) -> Result<Vec<u8>, String>;
}

impl<F> Resolver for F
where
    F: Fn(&str) -> Result<Vec<u8>, String> + Send + Sync,
{
    fn resolve(&self, path: &str) -> Result<Vec<u8>, String> {
        self(path)
    }
}

/// The limits and context of one [`render`](crate::render).
///
/// ```
/// use pixelbin_render::{OutputFormat, RenderOptions};
///
/// let options = RenderOptions {
///     dpr: Some(2.0),
///     auto_format: Some(OutputFormat::Webp),
///     ..RenderOptions::default()
/// };
/// assert_eq!(options.max_input_pixels, pixelbin_render::DEFAULT_MAX_INPUT_PIXELS);
/// ```
#[derive(Clone)]
pub struct RenderOptions {
    /// Inputs with more pixels are refused from their header, before decoding.
    pub max_input_pixels: u64,
    /// No operation may make an image with more pixels (checked before it allocates).
    pub max_output_pixels: u64,
    /// The encoded output may not be larger.
    pub max_output_bytes: usize,
    /// The URL's device pixel ratio (`?dpr=`): multiplies the sizes of `t.resize`,
    /// `t.extend` and the sigma of `t.blur` unless the step sets its own `dpr`.
    pub dpr: Option<f64>,
    /// The format picked for the client (`f_auto` from the `Accept` header): written when
    /// the pattern has no `t.toFormat`.
    pub auto_format: Option<OutputFormat>,
    /// Threads one render may use; `None` means the machine's cores. Never more than the
    /// cores.
    pub threads: Option<NonZeroUsize>,
    /// Where `t.merge` finds its overlay images; without one, `t.merge` is an error.
    pub resolver: Option<Arc<dyn Resolver>>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            max_input_pixels: DEFAULT_MAX_INPUT_PIXELS,
            max_output_pixels: DEFAULT_MAX_OUTPUT_PIXELS,
            max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
            dpr: None,
            auto_format: None,
            threads: None,
            resolver: None,
        }
    }
}

impl fmt::Debug for RenderOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderOptions")
            .field("max_input_pixels", &self.max_input_pixels)
            .field("max_output_pixels", &self.max_output_pixels)
            .field("max_output_bytes", &self.max_output_bytes)
            .field("dpr", &self.dpr)
            .field("auto_format", &self.auto_format)
            .field("threads", &self.threads)
            .field("resolver", &self.resolver.as_ref().map(|_| "..."))
            .finish()
    }
}

impl RenderOptions {
    /// The number of threads a render uses: `threads`, at most the machine's cores.
    pub fn thread_count(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        self.threads.map_or(cores, |t| t.get().min(cores))
    }
}
