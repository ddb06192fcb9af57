//! pixelbin-render against sharp: every case of `tests/vectors/manifest.json` (recorded by
//! `tests/vectors/record.mjs` with sharp 0.35.6 / libvips 8.18.8) rendered again here, the
//! size compared exactly and the pixels by PSNR on premultiplied RGBA (a fully transparent
//! pixel's colour does not count), at least [`MIN_PSNR`] dB unless [`relaxed`] says why not.
//!
//! `cargo test -p pixelbin-render --test vectors -- --nocapture` prints each case's figure and
//! then one row per `t.*` operation ([`Agreement`]): the cases it appears in, the lowest PSNR
//! among them, how many had exactly sharp's size, and how many both refused.

use std::collections::BTreeMap;
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

/// How one operation agrees with sharp over the cases whose pattern uses it.
#[derive(Debug, Default)]
struct Agreement {
    /// Cases using the operation.
    cases: usize,
    /// Cases rendered by both and compared by size.
    sized: usize,
    /// Of those, the ones with exactly sharp's width and height.
    same_size: usize,
    /// Lowest PSNR among the cases compared by pixels.
    min_psnr: Option<f64>,
    /// Cases both sharp and we refuse.
    both_refuse: usize,
}

impl Agreement {
    fn psnr(&mut self, db: f64) {
        self.min_psnr = Some(self.min_psnr.map_or(db, |min| min.min(db)));
    }
}

/// The per-operation table, every `t.*` operation of the catalogue a row (markdown).
fn agreement_table(by_operation: &BTreeMap<String, Agreement>) -> String {
    let mut rows = vec![
        "| operation | cases | min PSNR (dB) | size equal to sharp's | both refuse |".to_string(),
        "|---|---|---|---|---|".to_string(),
    ];
    let operations = pixelbin_url::catalogue::operations()
        .map(|op| op.prefix)
        .filter(|prefix| prefix.starts_with("t."));
    for operation in operations {
        let row = match by_operation.get(operation) {
            None => format!("| {operation} | 0 | no vector | | |"),
            Some(a) => format!(
                "| {operation} | {} | {} | {}/{} | {} |",
                a.cases,
                a.min_psnr.map_or("size only".into(), |db| {
                    if db.is_infinite() {
                        "identical".into()
                    } else {
                        format!("{db:.1}")
                    }
                }),
                a.same_size,
                a.sized,
                a.both_refuse
            ),
        };
        rows.push(row);
    }
    rows.join("\n")
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
    let mut by_operation: BTreeMap<String, Agreement> = BTreeMap::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let pattern = case["pattern"].as_str().unwrap();
        let input = std::fs::read(inputs.join(case["input"].as_str().unwrap())).unwrap();
        let steps = pixelbin_url::parse_pattern(pattern).unwrap();
        let mut operations: Vec<String> = steps
            .iter()
            .map(|step| format!("{}.{}", step.plugin, step.name))
            .collect();
        operations.sort();
        operations.dedup();
        let mut tally = |update: &dyn Fn(&mut Agreement)| {
            for operation in &operations {
                update(by_operation.entry(operation.clone()).or_default());
            }
        };
        tally(&|a| a.cases += 1);
        if case["format"].as_str() == Some("avif") && !cfg!(feature = "avif") {
            report.push(format!("{name}: skipped, built without the avif feature"));
            continue;
        }
        let ours = render(&input, &steps, &options);
        if let Some(error) = case["error"].as_str() {
            match ours {
                Err(e) => {
                    tally(&|a| a.both_refuse += 1);
                    report.push(format!("{name}: both refuse (sharp: {error}; ours: {e})"));
                }
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
        let same_size = (ours.width, ours.height) == size;
        tally(&|a| {
            a.sized += 1;
            a.same_size += usize::from(same_size);
        });
        if !same_size {
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
        tally(&|a| a.psnr(db));
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
    println!("\n{}", agreement_table(&by_operation));
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with sharp:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
