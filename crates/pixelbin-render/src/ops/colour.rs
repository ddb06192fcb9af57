//! Colour operations: `t.flatten`, `t.negate`, `t.normalise`, `t.linear`, `t.modulate`,
//! `t.grey`, `t.tint`; and the sRGB <-> CIE L*a*b* conversions (D65, as libvips) they and
//! `t.sharpen` work in.

use std::sync::OnceLock;

use crate::canvas::Canvas;

/// sRGB component (0..255) to linear light (0..1), through a table built once.
fn to_linear(v: u8) -> f64 {
    static TABLE: OnceLock<[f64; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|i| {
            let c = i as f64 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        })
    })[usize::from(v)]
}

/// Linear light (0..1) to an sRGB component, rounded and clipped.
fn from_linear(l: f64) -> u8 {
    let c = if l <= 0.003_130_8 {
        l * 12.92
    } else {
        1.055 * l.max(0.0).powf(1.0 / 2.4) - 0.055
    };
    (c * 255.0).round().clamp(0.0, 255.0) as u8
}

/// D65 white, as libvips' `VIPS_D65_X0`, `Y0`, `Z0`.
const WHITE: [f64; 3] = [95.047, 100.0, 108.883];

/// An sRGB colour as CIE L*a*b*.
pub(crate) fn rgb_to_lab([r, g, b]: [u8; 3]) -> [f64; 3] {
    let (r, g, b) = (to_linear(r), to_linear(g), to_linear(b));
    let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) * 100.0;
    let y = (0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b) * 100.0;
    let z = (0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b) * 100.0;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x / WHITE[0]), f(y / WHITE[1]), f(z / WHITE[2]));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIE L*a*b* to sRGB, rounded and clipped.
pub(crate) fn lab_to_rgb([l, a, b]: [f64; 3]) -> [u8; 3] {
    let fy = (l + 16.0) / 116.0;
    let fx = fy + a / 500.0;
    let fz = fy - b / 200.0;
    let inv = |f: f64| {
        let t = f * f * f;
        if t > 216.0 / 24389.0 {
            t
        } else {
            (116.0 * f - 16.0) * 27.0 / 24389.0
        }
    };
    let x = inv(fx) * WHITE[0] / 100.0;
    let y = inv(fy) * WHITE[1] / 100.0;
    let z = inv(fz) * WHITE[2] / 100.0;
    let r = 3.240_454_2 * x - 1.537_138_5 * y - 0.498_531_4 * z;
    let g = -0.969_266 * x + 1.876_010_8 * y + 0.041_556 * z;
    let b = 0.055_643_4 * x - 0.204_025_9 * y + 1.057_225_2 * z;
    [from_linear(r), from_linear(g), from_linear(b)]
}

/// The grey level libvips gives an sRGB colour (`B_W`: luminance in linear light).
fn grey_level([r, g, b]: [u8; 3]) -> u8 {
    from_linear(0.2126 * to_linear(r) + 0.7152 * to_linear(g) + 0.0722 * to_linear(b))
}

/// Applies `f` to each pixel's colour bands, alpha kept.
fn map_colour(mut canvas: Canvas, f: impl Fn([u8; 3]) -> [u8; 3]) -> Canvas {
    for p in canvas.image.pixels_mut() {
        let [r, g, b] = f([p[0], p[1], p[2]]);
        p[0] = r;
        p[1] = g;
        p[2] = b;
    }
    canvas
}

/// `t.flatten`: the image over `background`, alpha removed (an opaque image is unchanged).
pub(crate) fn flatten(mut canvas: Canvas, background: [u8; 4]) -> Canvas {
    if !canvas.alpha {
        return canvas;
    }
    for p in canvas.image.pixels_mut() {
        let a = f64::from(p[3]) / 255.0;
        for c in 0..3 {
            let v = f64::from(p[c]) * a + f64::from(background[c]) * (1.0 - a);
            p[c] = v.round().clamp(0.0, 255.0) as u8;
        }
        p[3] = 255;
    }
    canvas.alpha = false;
    canvas.grey = canvas.grey && background[0] == background[1] && background[1] == background[2];
    canvas
}

/// `t.negate`: every band inverted, alpha too (sharp's default `alpha: true`).
pub(crate) fn negate(mut canvas: Canvas) -> Canvas {
    let bands = if canvas.alpha { 4 } else { 3 };
    for p in canvas.image.pixels_mut() {
        for c in 0..bands {
            p[c] = 255 - p[c];
        }
    }
    canvas
}

/// `t.linear`: `a * v + b` on the colour bands.
pub(crate) fn linear(canvas: Canvas, a: f64, b: f64) -> Canvas {
    let f = |v: u8| (a * f64::from(v) + b).round().clamp(0.0, 255.0) as u8;
    map_colour(canvas, |[r, g, bl]| [f(r), f(g), f(bl)])
}

/// `t.grey`: luminance only (one band).
pub(crate) fn grey(mut canvas: Canvas) -> Canvas {
    canvas = map_colour(canvas, |rgb| {
        let v = grey_level(rgb);
        [v, v, v]
    });
    canvas.grey = true;
    canvas
}

/// `t.modulate`: in L*C*h, L* times `brightness`, C* times `saturation`, `hue` degrees
/// added to h.
pub(crate) fn modulate(canvas: Canvas, brightness: f64, saturation: f64, hue: f64) -> Canvas {
    let mut canvas = map_colour(canvas, |rgb| {
        let [l, a, b] = rgb_to_lab(rgb);
        let c = a.hypot(b) * saturation;
        let h = b.atan2(a) + hue.to_radians();
        lab_to_rgb([l * brightness, c * h.cos(), c * h.sin()])
    });
    if canvas.grey && saturation != 1.0 || hue != 0.0 {
        canvas.grey = canvas.image.pixels().all(|p| p[0] == p[1] && p[1] == p[2]);
    }
    canvas
}

/// `t.tint`: sharp's tint: each pixel's grey level keeps its L*, and takes the tint's a*b*
/// weighted towards the mid-tones.
pub(crate) fn tint(canvas: Canvas, color: [u8; 4]) -> Canvas {
    let [_, ta, tb] = rgb_to_lab([color[0], color[1], color[2]]);
    let table: Vec<[u8; 3]> = (0..=255u8)
        .map(|g| {
            let [l, _, _] = rgb_to_lab([g, g, g]);
            let k = l / 100.0;
            let weight = 1.0 - 4.0 * (k - 0.5) * (k - 0.5);
            lab_to_rgb([l, weight * ta, weight * tb])
        })
        .collect();
    let mut canvas = map_colour(canvas, |rgb| table[usize::from(grey_level(rgb))]);
    canvas.grey = false;
    canvas
}

/// `t.normalise`: L* stretched so that its 1st and 99th percentiles become 0 and 100.
pub(crate) fn normalise(canvas: Canvas) -> Canvas {
    let lab: Vec<[f64; 3]> = canvas
        .image
        .pixels()
        .map(|p| rgb_to_lab([p[0], p[1], p[2]]))
        .collect();
    // libvips' `percent`: L* cast to whole numbers (rounded), the cumulative histogram
    // scaled to as many steps as it has bins (truncated), and the first bin above the share.
    let mut histogram = [0u64; 256];
    for p in &lab {
        histogram[p[0].round().clamp(0.0, 255.0) as usize] += 1;
    }
    let bins = histogram.iter().rposition(|&count| count > 0).unwrap_or(0) + 1;
    let total = lab.len().max(1) as f64;
    let percentile = |percent: f64| -> f64 {
        let share = percent / 100.0 * bins as f64;
        let mut seen = 0u64;
        for (value, count) in histogram[..bins].iter().enumerate() {
            seen += count;
            if (seen as f64 * bins as f64 / total).floor() > share {
                return value as f64;
            }
        }
        (bins - 1) as f64
    };
    let (min, max) = (percentile(1.0), percentile(99.0));
    if (max - min).abs() <= 1.0 {
        return canvas;
    }
    let f = 100.0 / (max - min);
    let mut canvas = canvas;
    for (p, [l, a, b]) in canvas.image.pixels_mut().zip(lab) {
        let [r, g, bl] = lab_to_rgb([(l - min) * f, a, b]);
        p[0] = r;
        p[1] = g;
        p[2] = bl;
    }
    canvas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_round_trips() {
        for rgb in [
            [0, 0, 0],
            [255, 255, 255],
            [255, 0, 0],
            [12, 200, 99],
            [128, 128, 128],
        ] {
            assert_eq!(lab_to_rgb(rgb_to_lab(rgb)), rgb);
        }
        let [l, a, b] = rgb_to_lab([255, 255, 255]);
        assert!((l - 100.0).abs() < 0.01 && a.abs() < 0.01 && b.abs() < 0.01);
    }

    #[test]
    fn grey_is_luminance() {
        assert_eq!(grey_level([255, 255, 255]), 255);
        assert_eq!(grey_level([0, 0, 0]), 0);
        assert_eq!(grey_level([255, 0, 0]), 127);
    }
}
