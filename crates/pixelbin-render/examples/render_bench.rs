//! The Rust side of `cargo xtask bench render` (run it through that command).
//!
//! `render_bench make-inputs DIR`: writes the benchmark's inputs, a 12 MP photo-like JPEG
//! (`bench.jpg`, 4000x3000) and a 3 MP PNG with alpha (`bench.png`, 2000x1500).
//!
//! `render_bench run FILE PATTERN COUNT`: renders FILE through PATTERN COUNT times and prints
//! one JSON line: the milliseconds of each render, the output's size and format, and the
//! process's peak RSS in KiB (VmHWM).

use std::time::Instant;

use pixelbin_render::{RenderOptions, render};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["make-inputs", dir] => make_inputs(std::path::Path::new(dir)),
        ["run", file, pattern, count] => run(file, pattern, count.parse()?),
        _ => Err("usage: render_bench make-inputs DIR | run FILE PATTERN COUNT".into()),
    }
}

/// A smooth scene with texture: gradients, soft discs and a fine pattern (photo-like entropy).
fn scene(width: u32, height: u32) -> image::RgbaImage {
    image::RgbaImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let disc = ((fx - 0.6).powi(2) + (fy - 0.4).powi(2)).sqrt();
        let texture = ((x as f32 * 0.37).sin() * (y as f32 * 0.23).cos() * 18.0) as i32;
        let grain = ((x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 27) as i32;
        let clamp = |v: i32| v.clamp(0, 255) as u8;
        let alpha = if disc < 0.08 { 90 } else { 255 };
        image::Rgba([
            clamp((fx * 220.0) as i32 + texture + grain),
            clamp((fy * 200.0) as i32 + (disc * 80.0) as i32 - texture / 2 + grain),
            clamp(160 - (disc * 150.0) as i32 + texture + grain),
            alpha,
        ])
    })
}

fn make_inputs(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let photo = image::DynamicImage::ImageRgba8(scene(4000, 3000)).into_rgb8();
    let mut jpeg = std::io::BufWriter::new(std::fs::File::create(dir.join("bench.jpg"))?);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&photo)?;
    scene(2000, 1500).save(dir.join("bench.png"))?;
    Ok(())
}

fn run(file: &str, pattern: &str, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    let input = std::fs::read(file)?;
    let steps = pixelbin_url::parse_pattern(pattern)?;
    let options = RenderOptions::default();
    let mut millis = Vec::with_capacity(count);
    let mut last = None;
    for _ in 0..count {
        let start = Instant::now();
        let rendered = render(&input, &steps, &options)?;
        millis.push(start.elapsed().as_secs_f64() * 1000.0);
        last = Some(rendered);
    }
    let last = last.ok_or("COUNT must be at least 1")?;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    let times: Vec<String> = millis.iter().map(|m| format!("{m:.3}")).collect();
    println!(
        "{{\"millis\":[{}],\"bytes\":{},\"format\":\"{}\",\"width\":{},\"height\":{},\"peakKib\":{peak_kib}}}",
        times.join(","),
        last.bytes.len(),
        last.format,
        last.width,
        last.height
    );
    Ok(())
}
