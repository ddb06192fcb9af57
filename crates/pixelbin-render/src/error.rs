//! [`RenderError`]: why a pattern could not be rendered, naming the operation and parameter.

use crate::OutputFormat;

/// Why [`render`](crate::render) gave no image. Each variant names what was wrong (the
/// operation as the pattern writes it, e.g. `t.resize`, and the parameter) and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The operation is not in the catalogue.
    #[error("unknown operation '{operation}': the catalogue has no such transformation")]
    UnknownOperation {
        /// The operation as written (`t.resise`).
        operation: String,
    },

    /// A preset (`p:name`) reached the renderer: presets are expanded to their pattern first.
    #[error("preset 'p:{name}' must be expanded to its transformations before rendering")]
    Preset {
        /// The preset's name.
        name: String,
    },

    /// A known operation this engine does not render: AI and third-party plugins
    /// (`erase.bg`, `sr.upscale`, ...). A caller may answer a stand-in instead.
    #[error("'{operation}' is not a basic transformation; only t.* operations are rendered")]
    Unsupported {
        /// The operation as written (`erase.bg`).
        operation: String,
    },

    /// A parameter is unknown to the operation, or its value is not accepted.
    #[error("invalid parameter '{parameter}' of {operation}: {reason}")]
    InvalidParameter {
        /// The operation as written (`t.resize`).
        operation: String,
        /// The parameter's URL id and long name, e.g. `f (fit)`.
        parameter: String,
        /// What is wrong and what is accepted.
        reason: String,
    },

    /// The operation cannot apply to this image (e.g. an extract area outside it).
    #[error("{operation} cannot apply: {reason}")]
    Inapplicable {
        /// The operation as written.
        operation: String,
        /// Why, with the sizes involved.
        reason: String,
    },

    /// The input bytes are not an image this engine reads.
    #[error("input is not a readable image: {reason}")]
    Decode {
        /// What the decoder reported.
        reason: String,
    },

    /// An image is larger than a limit of [`RenderOptions`](crate::RenderOptions).
    #[error("{what} is {width}x{height} = {pixels} pixels, over the limit of {limit} pixels")]
    TooManyPixels {
        /// Which image: `input`, or the output of an operation (`t.resize output`).
        what: String,
        /// Its width.
        width: u64,
        /// Its height.
        height: u64,
        /// `width * height`.
        pixels: u64,
        /// The limit in force.
        limit: u64,
    },

    /// The encoded output is larger than `max_output_bytes`.
    #[error("the {format} output is {size} bytes, over the limit of {limit} bytes")]
    OutputTooLarge {
        /// The output format.
        format: OutputFormat,
        /// The encoded size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },

    /// No encoder is available for the format.
    #[error("{format} output is not supported: {reason}")]
    UnsupportedFormat {
        /// The format asked for.
        format: String,
        /// Why, and what to use instead.
        reason: String,
    },

    /// The encoder failed.
    #[error("encoding {format} failed: {reason}")]
    Encode {
        /// The output format.
        format: OutputFormat,
        /// What the encoder reported.
        reason: String,
    },

    /// `t.merge` names an overlay image that could not be had.
    #[error("t.merge cannot read its overlay image '{path}': {reason}")]
    Overlay {
        /// The file path given in the pattern (`i`).
        path: String,
        /// Why (no resolver in the options, the resolver's error, or a decoding error).
        reason: String,
    },
}
