//! Typed shortcuts for building transformations without writing pattern text.
//!
//! Each function returns a [`Transformation`] to which parameters are added with
//! [`Transformation::arg`]; values are written with their `Display`, so numbers and booleans
//! go in as they are.
//!
//! ```
//! use pixelbin_url::{format_pattern, ops::{erase, preset, t}};
//!
//! let pattern = format_pattern(&[
//!     t::resize().arg("h", 100).arg("w", 200),
//!     t::flip(),
//!     erase::bg().arg("shadow", true),
//!     preset("thumbnail"),
//! ])?;
//! assert_eq!(pattern, "t.resize(h:100,w:200)~t.flip()~erase.bg(shadow:true)~p:thumbnail");
//! # Ok::<(), pixelbin_url::UrlError>(())
//! ```
//!
//! Any other plugin or operation: [`Transformation::new`]`("plugin", "operation")`. For
//! parameters checked at compile time (long names, enums, colours, typed numbers) use the
//! generated builders of [`plugins`](crate::plugins).

use std::borrow::Cow;

use crate::Transformation;

/// The preset `p:name` (apply a preset saved in the Pixelbin console).
pub fn preset<'a>(name: impl Into<Cow<'a, str>>) -> Transformation<'a> {
    Transformation::preset(name)
}

macro_rules! operations {
    ($plugin:literal: $($(#[$doc:meta])* $fn_name:ident => $op:literal),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $fn_name() -> Transformation<'static> {
                Transformation::new($plugin, $op)
            }
        )*
    };
}

/// Basic transformations (plugin `t`).
pub mod t {
    use super::Transformation;

    operations! { "t":
        /// `t.resize(...)`: resize (`h`, `w`, `fill`, `fit`, ...).
        resize => "resize",
        /// `t.compress(...)`: compress (`q` quality).
        compress => "compress",
        /// `t.extend(...)`: add borders (`t`, `l`, `r`, `b`, `bc`).
        extend => "extend",
        /// `t.extract(...)`: crop a region (`t`, `l`, `h`, `w`).
        extract => "extract",
        /// `t.trim(...)`: trim edges (`t` threshold).
        trim => "trim",
        /// `t.rotate(...)`: rotate (`a` angle, `b` background).
        rotate => "rotate",
        /// `t.flip()`: mirror vertically.
        flip => "flip",
        /// `t.flop()`: mirror horizontally.
        flop => "flop",
        /// `t.sharpen(...)`: sharpen (`s` sigma).
        sharpen => "sharpen",
        /// `t.median(...)`: median filter (`s` size).
        median => "median",
        /// `t.blur(...)`: blur (`s` sigma).
        blur => "blur",
        /// `t.flatten(...)`: flatten transparency onto a background (`bc`).
        flatten => "flatten",
        /// `t.negate()`: negative image.
        negate => "negate",
        /// `t.normalise()`: stretch contrast.
        normalise => "normalise",
        /// `t.linear(...)`: linear levels (`a`, `b`).
        linear => "linear",
        /// `t.modulate(...)`: brightness, saturation, hue (`b`, `s`, `h`).
        modulate => "modulate",
        /// `t.grey()`: greyscale.
        grey => "grey",
        /// `t.tint(...)`: tint (`c` colour).
        tint => "tint",
        /// `t.toFormat(...)`: change the format (`f`).
        to_format => "toFormat",
        /// `t.density(...)`: set the density (`d`).
        density => "density",
        /// `t.merge(...)`: overlay or underlay another image (`m`, `i`, `b`, ...).
        merge => "merge",
    }
}

/// Background removal (plugin `erase`).
pub mod erase {
    use super::Transformation;

    operations! { "erase":
        /// `erase.bg(...)`: remove the background (`shadow`, `i` industry type, ...).
        bg => "bg",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_name_their_operations() {
        assert_eq!(
            t::to_format().arg("f", "webp").to_string(),
            "t.toFormat(f:webp)"
        );
        assert_eq!(erase::bg().to_string(), "erase.bg()");
        assert_eq!(preset("x").to_string(), "p:x");
    }
}
