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

/// The horizontal pass of a separable integer convolution over interleaved RGBA rows, edges
/// copied outwards, each result rounded to 8 bits as libvips' integer convolution does.
fn convolve_rows(src: &[u8], width: usize, mask: &[u32], sum: u32) -> Vec<u8> {
    let radius = mask.len() / 2;
    let stride = width * 4;
    let mut out = vec![0u8; src.len()];
    out.par_chunks_mut(stride)
        .zip(src.par_chunks(stride))
        .for_each_init(Vec::new, |padded: &mut Vec<u8>, (out_row, row)| {
            padded.clear();
            for _ in 0..radius {
                padded.extend_from_slice(&row[..4]);
            }
            padded.extend_from_slice(row);
            for _ in 0..radius {
                padded.extend_from_slice(&row[stride - 4..]);
            }
            for (x, px) in out_row.chunks_exact_mut(4).enumerate() {
                let mut acc = [0u32; 4];
                for (k, &weight) in mask.iter().enumerate() {
                    let at = (x + k) * 4;
                    for (a, &v) in acc.iter_mut().zip(&padded[at..at + 4]) {
                        *a += weight * u32::from(v);
                    }
                }
                for (p, a) in px.iter_mut().zip(acc) {
                    *p = ((a + sum / 2) / sum).min(255) as u8;
                }
            }
        });
    out
}

/// The vertical pass: whole rows weighted and added, so the inner loop runs along memory.
fn convolve_columns(src: &[u8], width: usize, height: usize, mask: &[u32], sum: u32) -> Vec<u8> {
    let radius = mask.len() / 2;
    let stride = width * 4;
    let mut out = vec![0u8; src.len()];
    out.par_chunks_mut(stride).enumerate().for_each_init(
        || vec![0u32; stride],
        |acc, (y, out_row)| {
            acc.fill(0);
            for (k, &weight) in mask.iter().enumerate() {
                let sy = (y + k).saturating_sub(radius).min(height - 1);
                for (a, &v) in acc.iter_mut().zip(&src[sy * stride..(sy + 1) * stride]) {
                    *a += weight * u32::from(v);
                }
            }
            for (p, &a) in out_row.iter_mut().zip(acc.iter()) {
                *p = ((a + sum / 2) / sum).min(255) as u8;
            }
        },
    );
    out
}

/// The image's bands as planes.
fn planes(canvas: &Canvas) -> Vec<Vec<u8>> {
    (0..4)
        .map(|c| canvas.image.pixels().map(|p| p[c]).collect())
        .collect()
}

fn from_planes(canvas: Canvas, planes: &[Vec<u8>]) -> Canvas {
    let (w, h) = (canvas.width(), canvas.height());
    let mut image = RgbaImage::new(w, h);
    for (i, p) in image.pixels_mut().enumerate() {
        for (c, plane) in planes.iter().enumerate() {
            p[c] = plane[i];
        }
    }
    canvas.with_image(image)
}

/// The number of weights of `t.blur`'s mask for `sigma`.
pub(crate) fn blur_taps(sigma: f64) -> u64 {
    gauss_mask(sigma).0.len() as u64
}

/// `t.blur`: a Gaussian blur of standard deviation `sigma` (premultiplied by alpha when the
/// image has one, as sharp blurs).
pub(crate) fn blur(canvas: Canvas, sigma: f64) -> Canvas {
    let (mask, sum) = gauss_mask(sigma);
    if mask.len() == 1 {
        return canvas;
    }
    let mask: Vec<u32> = mask.iter().map(|&w| w as u32).collect();
    let sum = sum as u32;
    let (w, h) = (canvas.width() as usize, canvas.height() as usize);
    let mut pixels = canvas.image.as_raw().clone();
    if canvas.alpha {
        pixels.par_chunks_mut(4).for_each(|p| {
            let a = u32::from(p[3]);
            for v in &mut p[..3] {
                *v = ((u32::from(*v) * a + 127) / 255) as u8;
            }
        });
    }
    let pixels = convolve_rows(&pixels, w, &mask, sum);
    let mut pixels = convolve_columns(&pixels, w, h, &mask, sum);
    if canvas.alpha {
        pixels.par_chunks_mut(4).for_each(|p| {
            let a = u32::from(p[3]);
            for v in &mut p[..3] {
                *v = (u32::from(*v) * 255 + a / 2)
                    .checked_div(a)
                    .map_or(0, |u| u.min(255) as u8);
            }
        });
    }
    match RgbaImage::from_raw(w as u32, h as u32, pixels) {
        Some(image) => canvas.with_image(image),
        None => canvas,
    }
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
    let size = i64::from(size);
    let before = (size - 1) / 2;
    let bands = planes(&canvas);
    let rank = (size * size / 2) as u32;
    // Each row slides a window histogram along x (Huang's method): a step removes one
    // column and adds one, so the work per pixel grows with `size`, not `size` squared.
    let filtered: Vec<Vec<u8>> = bands
        .par_iter()
        .map(|plane| {
            let at = |x: i64, y: i64| plane[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize];
            let mut out = vec![0u8; plane.len()];
            out.par_chunks_mut(w as usize)
                .enumerate()
                .for_each(|(y, row)| {
                    let y = y as i64;
                    let mut histogram = [0u32; 256];
                    for dy in 0..size {
                        for dx in 0..size {
                            histogram[usize::from(at(dx - before, y + dy - before))] += 1;
                        }
                    }
                    for (x, px) in row.iter_mut().enumerate() {
                        let x = x as i64;
                        if x > 0 {
                            for dy in 0..size {
                                let sy = y + dy - before;
                                histogram[usize::from(at(x - 1 - before, sy))] -= 1;
                                histogram[usize::from(at(x + size - 1 - before, sy))] += 1;
                            }
                        }
                        let mut seen = 0;
                        *px = 255;
                        for (value, count) in histogram.iter().enumerate() {
                            seen += count;
                            if seen > rank {
                                *px = value as u8;
                                break;
                            }
                        }
                    }
                });
            out
        })
        .collect();
    from_planes(canvas, &filtered)
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
