//! Neighbourhood filters: `t.blur`, `t.sharpen`, `t.median`, with libvips' masks (sharp
//! calls `gaussblur`, `sharpen` and `median`).

use image::RgbaImage;
use rayon::prelude::*;

use super::colour::{lab_to_rgb, rgb_to_lab};
use crate::canvas::Canvas;

/// libvips' `gaussmat` as sharp asks for it (`min_ampl` 0.2, integer precision): a
/// one-dimensional mask of integer weights and their sum.
fn gauss_mask(sigma: f64) -> (Vec<i64>, i64) {
    let sig2 = 2.0 * sigma * sigma;
    let max_x = (8.0 * sigma).clamp(0.0, 5000.0) as i64;
    let mut x = 0;
    while x < max_x {
        if (-((x * x) as f64) / sig2).exp() < 0.2 {
            break;
        }
        x += 1;
    }
    let radius = (x - 1).max(0);
    let mask: Vec<i64> = (-radius..=radius)
        .map(|i| (20.0 * (-((i * i) as f64) / sig2).exp()).round() as i64)
        .collect();
    let sum = mask.iter().sum::<i64>().max(1);
    (mask, sum)
}

/// One pass of a separable integer convolution along rows (`horizontal`) or columns, edges
/// copied outwards, each result rounded to 8 bits as libvips' integer convolution does.
fn convolve(
    planes: &[Vec<u8>],
    width: usize,
    height: usize,
    mask: &[i64],
    sum: i64,
    horizontal: bool,
) -> Vec<Vec<u8>> {
    let radius = (mask.len() / 2) as i64;
    planes
        .par_iter()
        .map(|plane| {
            let mut out = vec![0u8; plane.len()];
            out.par_chunks_mut(width).enumerate().for_each(|(y, row)| {
                for (x, px) in row.iter_mut().enumerate() {
                    let mut acc = 0i64;
                    for (k, weight) in mask.iter().enumerate() {
                        let offset = k as i64 - radius;
                        let (sx, sy) = if horizontal {
                            ((x as i64 + offset).clamp(0, width as i64 - 1), y as i64)
                        } else {
                            (x as i64, (y as i64 + offset).clamp(0, height as i64 - 1))
                        };
                        acc += weight * i64::from(plane[sy as usize * width + sx as usize]);
                    }
                    *px = ((acc + sum / 2) / sum).clamp(0, 255) as u8;
                }
            });
            out
        })
        .collect()
}

/// The image's bands as planes (premultiplied by alpha when it has one, as sharp blurs).
fn planes(canvas: &Canvas, premultiply: bool) -> Vec<Vec<u8>> {
    let mut planes: Vec<Vec<u8>> = (0..4)
        .map(|_| Vec::with_capacity(canvas.image.len() / 4))
        .collect();
    for p in canvas.image.pixels() {
        let a = u32::from(p[3]);
        for c in 0..4 {
            let v = if premultiply && c < 3 {
                ((u32::from(p[c]) * a + 127) / 255) as u8
            } else {
                p[c]
            };
            planes[c].push(v);
        }
    }
    planes
}

fn from_planes(canvas: Canvas, planes: &[Vec<u8>], unpremultiply: bool) -> Canvas {
    let (w, h) = (canvas.width(), canvas.height());
    let mut image = RgbaImage::new(w, h);
    for (i, p) in image.pixels_mut().enumerate() {
        let a = planes[3][i];
        for c in 0..4 {
            let v = planes[c][i];
            p[c] = if unpremultiply && c < 3 {
                if a == 0 {
                    0
                } else {
                    ((u32::from(v) * 255 + u32::from(a) / 2) / u32::from(a)).min(255) as u8
                }
            } else {
                v
            };
        }
    }
    canvas.with_image(image)
}

/// `t.blur`: a Gaussian blur of standard deviation `sigma`.
pub(crate) fn blur(canvas: Canvas, sigma: f64) -> Canvas {
    let (mask, sum) = gauss_mask(sigma);
    if mask.len() == 1 {
        return canvas;
    }
    let (w, h) = (canvas.width() as usize, canvas.height() as usize);
    let premultiply = canvas.alpha;
    let bands = planes(&canvas, premultiply);
    let bands = convolve(&bands, w, h, &mask, sum, true);
    let bands = convolve(&bands, w, h, &mask, sum, false);
    from_planes(canvas, &bands, premultiply)
}

/// `t.sharpen`: libvips' `sharpen` on the L* band (sharp's defaults: m1 1, m2 2, x1 2,
/// y2 10, y3 20), colour and alpha kept.
pub(crate) fn sharpen(canvas: Canvas, sigma: f64) -> Canvas {
    const M1: f64 = 1.0;
    const M2: f64 = 2.0;
    const X1: f64 = 2.0;
    const Y2: f64 = 10.0;
    const Y3: f64 = 20.0;
    let (w, h) = (canvas.width() as usize, canvas.height() as usize);
    let lab: Vec<[f64; 3]> = canvas
        .image
        .pixels()
        .map(|p| rgb_to_lab([p[0], p[1], p[2]]))
        .collect();
    // libvips blurs L* with the same integer mask, on L* scaled to 0..32767.
    let (mask, sum) = gauss_mask(sigma);
    let radius = (mask.len() / 2) as i64;
    let blur_pass = |src: &[f64], horizontal: bool| -> Vec<f64> {
        (0..w * h)
            .into_par_iter()
            .map(|i| {
                let (x, y) = ((i % w) as i64, (i / w) as i64);
                let mut acc = 0.0;
                for (k, weight) in mask.iter().enumerate() {
                    let o = k as i64 - radius;
                    let (sx, sy) = if horizontal {
                        ((x + o).clamp(0, w as i64 - 1), y)
                    } else {
                        (x, (y + o).clamp(0, h as i64 - 1))
                    };
                    acc += *weight as f64 * src[sy as usize * w + sx as usize];
                }
                acc / sum as f64
            })
            .collect()
    };
    let l: Vec<f64> = lab.iter().map(|p| p[0]).collect();
    let blurred = blur_pass(&blur_pass(&l, true), false);
    let mut image = canvas.image.clone();
    for (i, p) in image.pixels_mut().enumerate() {
        let diff = l[i] - blurred[i];
        let y = if diff.abs() <= X1 {
            diff * M1
        } else if diff > 0.0 {
            X1 * M1 + (diff - X1) * M2
        } else {
            -X1 * M1 + (diff + X1) * M2
        };
        let y = y.clamp(-Y3, Y2);
        let [r, g, b] = lab_to_rgb([(l[i] + y).clamp(0.0, 100.0), lab[i][1], lab[i][2]]);
        p[0] = r;
        p[1] = g;
        p[2] = b;
    }
    canvas.with_image(image)
}

/// `t.median`: each band's median over a `size x size` window, edges copied outwards.
pub(crate) fn median(canvas: Canvas, size: u32) -> Canvas {
    if size <= 1 {
        return canvas;
    }
    let (w, h) = (canvas.width() as i64, canvas.height() as i64);
    let before = (i64::from(size) - 1) / 2;
    let bands = planes(&canvas, false);
    let rank = (size * size / 2) as usize;
    let filtered: Vec<Vec<u8>> = bands
        .par_iter()
        .map(|plane| {
            (0..w * h)
                .into_par_iter()
                .map(|i| {
                    let (x, y) = (i % w, i / w);
                    let mut histogram = [0u32; 256];
                    for dy in 0..i64::from(size) {
                        let sy = (y + dy - before).clamp(0, h - 1);
                        for dx in 0..i64::from(size) {
                            let sx = (x + dx - before).clamp(0, w - 1);
                            histogram[plane[(sy * w + sx) as usize] as usize] += 1;
                        }
                    }
                    let mut seen = 0usize;
                    for (value, count) in histogram.iter().enumerate() {
                        seen += *count as usize;
                        if seen > rank {
                            return value as u8;
                        }
                    }
                    255
                })
                .collect()
        })
        .collect();
    from_planes(canvas, &filtered, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_mask_matches_libvips() {
        // sigma 0.3 is libvips' smallest: a one-weight mask, no blur at all.
        assert_eq!(gauss_mask(0.3).0, vec![20]);
        // exp(-2^2 / 2) < 0.2: the mask stops at radius 1.
        assert_eq!(gauss_mask(1.0), (vec![12, 20, 12], 44));
        assert_eq!(gauss_mask(2.0), (vec![6, 12, 18, 20, 18, 12, 6], 92));
    }
}
