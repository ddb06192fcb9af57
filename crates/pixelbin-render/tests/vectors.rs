//! pixelbin-render against sharp: every case of `tests/vectors/manifest.json` (recorded by
//! `tests/vectors/record.mjs` with sharp 0.35.6 / libvips 8.18.8) rendered again here, the
//! size compared exactly and the pixels by PSNR on premultiplied RGBA (a fully transparent
//! pixel's colour does not count), at least [`MIN_PSNR`] dB unless [`relaxed`] says why not.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pixelbin_render::{OutputFormat, RenderOptions, render};
use serde_json::Value;

/// The agreement asked of every case by default.
const MIN_PSNR: f64 = 30.0;

/// Cases held to a lower bound, and why.
fn relaxed(name: &str) -> Option<(f64, &'static str)> {
    match name {
        // sharp's JPEG is mozjpeg at quality 75 (4:2:0); ours is the `image` crate's encoder at
        // the same quality: two lossy codecs, not the operation, make the difference.
        "to-jpeg-defaults" => Some((27.0, "two different JPEG encoders at quality 75")),
        // sharp writes TIFF with JPEG compression at quality 80; ours is lossless: the
        // difference is sharp's compression loss.
        "to-tiff" => Some((27.0, "sharp's TIFF is JPEG-compressed, ours lossless")),
        _ => None,
    }
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// PSNR of two same-sized RGBA images, compared premultiplied.
fn psnr(a: &image::RgbaImage, b: &image::RgbaImage) -> f64 {
    let premultiplied = |p: &image::Rgba<u8>| {
        let alpha = f64::from(p[3]) / 255.0;
        [
            f64::from(p[0]) * alpha,
            f64::from(p[1]) * alpha,
            f64::from(p[2]) * alpha,
            f64::from(p[3]),
        ]
    };
    let mut squared = 0.0;
    for (pa, pb) in a.pixels().zip(b.pixels()) {
        let (pa, pb) = (premultiplied(pa), premultiplied(pb));
        squared += (0..4).map(|c| (pa[c] - pb[c]).powi(2)).sum::<f64>();
    }
    let mse = squared / (a.len() as f64);
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

#[test]
fn agrees_with_sharp() {
    let dir = vectors();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let inputs = dir.join("inputs");
    let resolver_dir = inputs.clone();
    let options = RenderOptions {
        resolver: Some(Arc::new(move |path: &str| -> Result<Vec<u8>, String> {
            std::fs::read(resolver_dir.join(path)).map_err(|e| e.to_string())
        })),
        ..RenderOptions::default()
    };
    let cases = manifest["cases"].as_array().unwrap();
    assert!(cases.len() > 90, "the manifest lists {} cases", cases.len());
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let pattern = case["pattern"].as_str().unwrap();
        let input = std::fs::read(inputs.join(case["input"].as_str().unwrap())).unwrap();
        let steps = pixelbin_url::parse_pattern(pattern).unwrap();
        if case["format"].as_str() == Some("avif") && !cfg!(feature = "avif") {
            report.push(format!("{name}: skipped, built without the avif feature"));
            continue;
        }
        let ours = render(&input, &steps, &options);
        if let Some(error) = case["error"].as_str() {
            match ours {
                Err(e) => report.push(format!("{name}: both refuse (sharp: {error}; ours: {e})")),
                Ok(_) => failures.push(format!(
                    "{name} ({pattern}): sharp refuses ({error}), we render"
                )),
            }
            continue;
        }
        let ours = match ours {
            Ok(ours) => ours,
            Err(e) => {
                failures.push(format!("{name} ({pattern}): {e}"));
                continue;
            }
        };
        let size = (
            case["width"].as_u64().unwrap() as u32,
            case["height"].as_u64().unwrap() as u32,
        );
        if (ours.width, ours.height) != size {
            failures.push(format!(
                "{name} ({pattern}): size {}x{}, sharp {}x{}",
                ours.width, ours.height, size.0, size.1
            ));
            continue;
        }
        if let Some(format) = case["format"].as_str() {
            assert_eq!(ours.format.name(), format, "{name}");
        }
        if ours.format == OutputFormat::Avif {
            // No AVIF decoder here: the format and size are what is compared.
            assert_eq!(
                image::guess_format(&ours.bytes).ok(),
                Some(image::ImageFormat::Avif),
                "{name}"
            );
            report.push(format!("{name}: avif, size only"));
            continue;
        }
        let theirs = image::open(dir.join(case["output"].as_str().unwrap()))
            .unwrap()
            .to_rgba8();
        let mine = image::load_from_memory(&ours.bytes).unwrap().to_rgba8();
        assert_eq!(
            mine.dimensions(),
            (ours.width, ours.height),
            "{name}: decoded size"
        );
        let db = psnr(&mine, &theirs);
        let (min, why) = relaxed(name).unwrap_or((MIN_PSNR, ""));
        report.push(format!(
            "{name}: {db:.1} dB (min {min}{}{why})",
            if why.is_empty() { "" } else { ": " }
        ));
        if db < min {
            failures.push(format!("{name} ({pattern}): PSNR {db:.1} dB < {min}"));
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with sharp:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
