//! Rendering a CDN URL's pattern: basic `t.*` steps through `pixelbin-render`, AI steps as
//! deterministic stand-ins ([`standin`]; detectors' results in the context, [`detect`]), outputs kept in a bounded cache ([`cache`]), and
//! the live CDN's `202` while an AI URL is "processing" ([`Pending`]).

pub mod cache;
pub mod detect;
pub mod standin;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use pixelbin_render::{RenderError, RenderOptions};
use pixelbin_url::Transformation;

/// The bytes a pattern made and their content type.
#[derive(Debug, Clone)]
pub struct Output {
    /// The encoded image.
    pub bytes: Bytes,
    /// Its content type.
    pub content_type: String,
}

/// Whether a step is an AI (or other non-basic) operation answered by a stand-in.
pub fn is_ai(step: &Transformation<'_>) -> bool {
    step.plugin != "t"
}

/// Checks every step before any work, and before an AI URL's `202`: basic steps as the
/// engine does before rendering, AI steps against the catalogue (known operation, known
/// parameters of the right type), so a bad pattern is refused at once.
///
/// # Errors
/// The engine's error for the first bad step.
pub fn check_chain(
    steps: &[Transformation<'static>],
    options: &RenderOptions,
) -> Result<(), RenderError> {
    steps.iter().try_for_each(|step| {
        match pixelbin_render::check(std::slice::from_ref(step), options) {
            // Known and well formed, answered by a stand-in.
            Err(RenderError::Unsupported { .. }) => Ok(()),
            other => other,
        }
    })
}

/// Applies `steps` to `input` (of `content_type`): runs of basic steps render through
/// `pixelbin-render`, each AI step is its stand-in. `options.auto_format` applies to the
/// last rendered run only, so intermediate images keep their own format.
///
/// # Errors
/// The engine's error for a bad step or an unreadable input.
pub fn run_chain(
    input: Bytes,
    content_type: &str,
    steps: &[Transformation<'static>],
    options: &RenderOptions,
) -> Result<Output, RenderError> {
    let mut current = Output {
        bytes: input,
        content_type: content_type.to_string(),
    };
    let mut basic: Vec<Transformation<'static>> = Vec::new();
    let last_ai = steps.iter().rposition(is_ai);
    for (index, step) in steps.iter().enumerate() {
        if !is_ai(step) {
            basic.push(step.clone());
            continue;
        }
        if !basic.is_empty() {
            current = render(&current.bytes, &basic, options, false)?;
            basic.clear();
        }
        let is_last = last_ai == Some(index) && index + 1 == steps.len();
        current = match (step.plugin.as_ref(), step.name.as_ref()) {
            ("erase", "bg") => standin::erase_bg(&current.bytes, options)?,
            ("sr", "upscale") => {
                let resize = standin::upscale_step(&current.bytes, step, options)?;
                render(&current.bytes, &[resize], options, is_last)?
            }
            _ => current,
        };
    }
    if !basic.is_empty() {
        current = render(&current.bytes, &basic, options, true)?;
    }
    Ok(current)
}

/// One `pixelbin-render` call; `auto_format` only when `last`.
fn render(
    input: &[u8],
    steps: &[Transformation<'_>],
    options: &RenderOptions,
    last: bool,
) -> Result<Output, RenderError> {
    let rendered = if last || options.auto_format.is_none() {
        pixelbin_render::render(input, steps, options)?
    } else {
        let options = RenderOptions {
            auto_format: None,
            ..options.clone()
        };
        pixelbin_render::render(input, steps, &options)?
    };
    Ok(Output {
        content_type: rendered.content_type().to_string(),
        bytes: Bytes::from(rendered.bytes),
    })
}

/// At most this many AI URLs are remembered as "processing"; beyond, finished ones are
/// forgotten first, so hostile URLs cannot grow the map without bound.
const MAX_PENDING: usize = 10_000;

/// When each AI URL was first asked for: it answers `202` until `delay` has passed.
#[derive(Debug)]
pub struct Pending {
    delay: Duration,
    first_seen: Mutex<HashMap<String, Instant>>,
}

impl Pending {
    /// URLs answer `202` for `delay` from their first request.
    pub fn new(delay: Duration) -> Pending {
        Pending {
            delay,
            first_seen: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `url` is still processing (and notes its first request).
    pub fn still_processing(&self, url: &str) -> bool {
        if self.delay.is_zero() {
            return false;
        }
        let now = Instant::now();
        let mut seen = self.first_seen.lock().unwrap_or_else(|e| e.into_inner());
        if !seen.contains_key(url) && seen.len() >= MAX_PENDING {
            seen.retain(|_, first| now.duration_since(*first) < self.delay);
            if seen.len() >= MAX_PENDING {
                seen.clear();
            }
        }
        let first = *seen.entry(url.to_string()).or_insert(now);
        now.duration_since(first) < self.delay
    }
}
