//! The engine's contract: what it renders, what it refuses and how it says so.

use std::io::Cursor;
use std::sync::Arc;

use pixelbin_render::{OutputFormat, RenderError, RenderOptions, render};
use pixelbin_url::parse_pattern;

/// A `width x height` PNG of a colour gradient, with a transparent corner when `alpha`.
fn png(width: u32, height: u32, alpha: bool) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(width, height, |x, y| {
        let a = if alpha && x < width / 4 && y < height / 4 {
            0
        } else {
            255
        };
        image::Rgba([(x * 255 / width) as u8, (y * 255 / height) as u8, 128, a])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn run(input: &[u8], pattern: &str) -> Result<pixelbin_render::Rendered, RenderError> {
    render(
        input,
        &parse_pattern(pattern).unwrap(),
        &RenderOptions::default(),
    )
}

fn decoded(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).unwrap()
}

/// A PNG whose header claims `width x height`, followed by a few bytes of pixel data.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let mut header = width.to_be_bytes().to_vec();
    header.extend(height.to_be_bytes());
    header.extend([8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &[0x78, 0x01, 0, 0, 0, 0]);
    out
}

#[test]
fn the_original_keeps_its_format_and_size() {
    let out = run(&png(40, 30, true), "original").unwrap();
    assert_eq!(
        (out.format, out.width, out.height),
        (OutputFormat::Png, 40, 30)
    );
    assert_eq!(
        decoded(&out.bytes).to_rgba8(),
        decoded(&png(40, 30, true)).to_rgba8()
    );
    let out = run(&jpeg(40, 30), "t.flip()").unwrap();
    assert_eq!(out.format, OutputFormat::Jpeg);
    assert_eq!(out.content_type(), "image/jpeg");
}

#[test]
fn chains_apply_step_by_step() {
    let out = run(
        &png(40, 30, false),
        "t.resize(w:20)~t.rotate(a:90)~t.extend(t:1,l:2,b:3,r:4)",
    )
    .unwrap();
    assert_eq!((out.width, out.height), (15 + 2 + 4, 20 + 1 + 3));
    assert_eq!(decoded(&out.bytes).width(), 21);
}

#[test]
fn to_format_writes_every_format_with_an_encoder() {
    let input = png(24, 16, true);
    for (name, format, sniffed) in [
        ("jpeg", OutputFormat::Jpeg, Some(image::ImageFormat::Jpeg)),
        ("png", OutputFormat::Png, Some(image::ImageFormat::Png)),
        ("webp", OutputFormat::Webp, Some(image::ImageFormat::WebP)),
        ("tiff", OutputFormat::Tiff, Some(image::ImageFormat::Tiff)),
        ("bmp", OutputFormat::Bmp, Some(image::ImageFormat::Bmp)),
        ("avif", OutputFormat::Avif, Some(image::ImageFormat::Avif)),
    ] {
        if format == OutputFormat::Avif && !cfg!(feature = "avif") {
            let err = run(&input, "t.toFormat(f:avif)").unwrap_err();
            assert!(
                err.to_string().contains("enable its `avif` feature"),
                "{err}"
            );
            continue;
        }
        let out = run(&input, &format!("t.toFormat(f:{name},q:60)")).unwrap();
        assert_eq!(out.format, format, "{name}");
        assert_eq!(image::guess_format(&out.bytes).ok(), sniffed, "{name}");
        if format != OutputFormat::Avif {
            assert_eq!(decoded(&out.bytes).width(), 24, "{name}");
        }
    }
    let err = run(&input, "t.toFormat(f:heif)").unwrap_err();
    assert!(
        matches!(&err, RenderError::UnsupportedFormat { format, .. } if format == "heif"),
        "{err}"
    );
}

#[test]
fn webp_is_lossy_and_honours_quality() {
    let input = png(96, 96, false);
    // 10: the lowest quality @pixelbin/core 7.0.0 writes (its `quality` is an enum).
    let low = run(&input, "t.toFormat(f:webp,q:10)").unwrap();
    let high = run(&input, "t.toFormat(f:webp,q:95)").unwrap();
    assert!(
        low.bytes.len() < high.bytes.len(),
        "{} vs {}",
        low.bytes.len(),
        high.bytes.len()
    );
    // VP8 (lossy), not VP8L.
    assert_eq!(&high.bytes[12..16], b"VP8 ");
}

#[test]
fn auto_format_applies_only_without_to_format() {
    let options = RenderOptions {
        auto_format: Some(OutputFormat::Webp),
        ..RenderOptions::default()
    };
    let input = png(8, 8, false);
    let out = render(&input, &parse_pattern("t.flip()").unwrap(), &options).unwrap();
    assert_eq!(out.format, OutputFormat::Webp);
    let out = render(
        &input,
        &parse_pattern("t.toFormat(f:png)").unwrap(),
        &options,
    )
    .unwrap();
    assert_eq!(out.format, OutputFormat::Png);
}

#[test]
fn dpr_scales_resize() {
    let options = RenderOptions {
        dpr: Some(2.0),
        ..RenderOptions::default()
    };
    let out = render(
        &png(100, 50, false),
        &parse_pattern("t.resize(w:20)").unwrap(),
        &options,
    )
    .unwrap();
    assert_eq!((out.width, out.height), (40, 20));
    // The step's own dpr wins.
    let out = render(
        &png(100, 50, false),
        &parse_pattern("t.resize(w:20,dpr:3)").unwrap(),
        &options,
    )
    .unwrap();
    assert_eq!(out.width, 60);
}

#[test]
fn big_jpegs_are_decoded_scaled_and_still_sized_exactly() {
    let out = run(&jpeg(1600, 1200), "t.resize(w:190,h:100)").unwrap();
    assert_eq!((out.width, out.height), (190, 100));
}

#[test]
fn a_huge_header_is_refused_before_decoding() {
    let err = run(&png_header(50_000, 50_000), "t.resize(w:10)").unwrap_err();
    assert!(
        matches!(
            err,
            RenderError::TooManyPixels {
                width: 50_000,
                height: 50_000,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().starts_with("input is 50000x50000"), "{err}");
}

#[test]
fn operations_may_not_grow_past_the_output_limit() {
    let options = RenderOptions {
        max_output_pixels: 10_000,
        ..RenderOptions::default()
    };
    let err = render(
        &png(10, 10, false),
        &parse_pattern("t.resize(w:1000)").unwrap(),
        &options,
    )
    .unwrap_err();
    assert!(
        matches!(&err, RenderError::TooManyPixels { what, .. } if what == "t.resize output"),
        "{err}"
    );
    let err = render(
        &png(10, 10, false),
        &parse_pattern("t.extend(t:1000,b:1000)").unwrap(),
        &options,
    )
    .unwrap_err();
    assert!(
        matches!(&err, RenderError::TooManyPixels { what, .. } if what == "t.extend output"),
        "{err}"
    );
    let options = RenderOptions {
        max_output_bytes: 100,
        ..RenderOptions::default()
    };
    let err = render(&png(64, 64, false), &[], &options).unwrap_err();
    assert!(
        matches!(err, RenderError::OutputTooLarge { limit: 100, .. }),
        "{err}"
    );
}

#[test]
fn bad_patterns_name_the_operation_and_parameter() {
    let input = png(10, 10, false);
    let cases = [
        ("t.resise(w:1)", "unknown operation 't.resise'"),
        ("t.resize(x:1)", "invalid parameter 'x' of t.resize"),
        (
            "t.resize(f:cover2)",
            "invalid parameter 'f (fit)' of t.resize: 'cover2'",
        ),
        (
            "t.blur(s:0.1)",
            "invalid parameter 's (sigma)' of t.blur: '0.1': expected a number from 0.3 to 1000",
        ),
        (
            "t.toFormat(q:0)",
            "invalid parameter 'q (quality)' of t.toFormat",
        ),
        ("t.median(s:0)", "invalid parameter 's (size)' of t.median"),
        (
            "t.extract(t:5,l:5,w:10,h:10)",
            "t.extract cannot apply: the area l:5, t:5, w:10, h:10 is not inside the 10x10 image",
        ),
        ("p:thumb", "preset 'p:thumb' must be expanded"),
        ("sr.upscale()", "'sr.upscale' is not a basic transformation"),
        (
            "t.merge(i:logo.png)",
            "t.merge cannot read its overlay image 'logo.png': no resolver",
        ),
    ];
    for (pattern, message) in cases {
        let err = run(&input, pattern).unwrap_err();
        assert!(err.to_string().starts_with(message), "{pattern}: {err}");
    }
    assert!(matches!(
        run(&input, "erase.bg()").unwrap_err(),
        RenderError::Unsupported { .. }
    ));
    assert!(matches!(
        run(b"hello", "t.flip()").unwrap_err(),
        RenderError::Decode { .. }
    ));
    assert!(matches!(
        run(&[], "t.flip()").unwrap_err(),
        RenderError::Decode { .. }
    ));
}

#[test]
fn merge_reads_its_overlay_from_the_resolver() {
    let overlay = png(4, 4, false);
    let options = RenderOptions {
        resolver: Some(Arc::new(move |path: &str| -> Result<Vec<u8>, String> {
            if path == "logo.png" {
                Ok(overlay.clone())
            } else {
                Err("not found".to_owned())
            }
        })),
        ..RenderOptions::default()
    };
    let out = render(
        &png(10, 10, false),
        &parse_pattern("t.merge(i:logo.png,g:northwest)").unwrap(),
        &options,
    )
    .unwrap();
    let img = decoded(&out.bytes).to_rgba8();
    assert_eq!(
        img.get_pixel(0, 0),
        decoded(&png(4, 4, false)).to_rgba8().get_pixel(0, 0)
    );
    let err = render(
        &png(10, 10, false),
        &parse_pattern("t.merge(i:other.png)").unwrap(),
        &options,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.merge cannot read its overlay image 'other.png': not found"
    );
}

#[test]
fn threads_are_bounded_by_the_cores() {
    let cores = std::thread::available_parallelism().unwrap().get();
    let options = RenderOptions {
        threads: std::num::NonZeroUsize::new(cores + 64),
        ..RenderOptions::default()
    };
    assert_eq!(options.thread_count(), cores);
    let out = render(
        &png(30, 30, true),
        &parse_pattern("t.blur(s:2)~t.median(s:3)").unwrap(),
        &options,
    )
    .unwrap();
    assert_eq!(out.width, 30);
}

#[test]
fn damaged_inputs_are_errors_not_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/inputs");
    let mut inputs = vec![jpeg(64, 48)];
    for name in ["gradient.png", "alpha.png"] {
        inputs.push(std::fs::read(dir.join(name)).unwrap());
    }
    for format in ["webp", "tiff", "bmp"] {
        let out = run(&inputs[1], &format!("t.toFormat(f:{format})")).unwrap();
        inputs.push(out.bytes);
    }
    let steps = parse_pattern("t.resize(w:16)~t.blur(s:1)").unwrap();
    for input in &inputs {
        let mut variants: Vec<Vec<u8>> = (1..8)
            .map(|i| input[..input.len() * i / 8].to_vec())
            .collect();
        for position in (8..input.len()).step_by(input.len() / 13 + 1) {
            let mut flipped = input.clone();
            flipped[position] ^= 0x5a;
            variants.push(flipped);
        }
        for variant in variants {
            // Either answer is fine (a flipped bit may land in pixel data); a panic fails.
            let _ = render(&variant, &steps, &RenderOptions::default());
        }
    }
}

#[test]
fn filters_too_costly_for_the_image_are_refused_before_running() {
    let input = jpeg(2000, 1500);
    let err = run(&input, "t.blur(s:1000)").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("t.blur cannot apply: s:1000 on a 2000x1500 image takes"),
        "{err}"
    );
    let err = run(&input, "t.median(s:999)").unwrap_err();
    assert!(
        err.to_string()
            .contains("use a smaller value or resize first"),
        "{err}"
    );
    // The same filters on a small image run.
    assert!(run(&png(20, 20, false), "t.blur(s:1000)~t.median(s:25)").is_ok());
}

#[test]
fn merge_without_an_image_merges_a_background_rectangle() {
    let out = run(
        &png(10, 10, false),
        "t.merge(bg:ff000080,w:4,h:2,g:northwest)",
    )
    .unwrap();
    let img = decoded(&out.bytes).to_rgba8();
    let base = decoded(&png(10, 10, false)).to_rgba8();
    // Half-transparent red over the base in the 4x2 corner, the base elsewhere.
    let mixed =
        |b: u8, r: u8| ((f64::from(r) * 128.0 + f64::from(b) * 127.0) / 255.0).round() as u8;
    let (p, b) = (img.get_pixel(1, 1), base.get_pixel(1, 1));
    assert_eq!(p[0], mixed(b[0], 255));
    assert_eq!(p[1], mixed(b[1], 0));
    assert_eq!(img.get_pixel(5, 5), base.get_pixel(5, 5));
    assert_eq!(img.get_pixel(1, 3), base.get_pixel(1, 3));
    let err = run(&png(10, 10, false), "t.merge(m:wrap,i:a.png)").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid parameter 'm (mode)' of t.merge: 'wrap'"),
        "{err}"
    );
}

#[test]
fn named_qualities_of_core_7_render_in_their_order() {
    let input = png(96, 96, false);
    let sizes: Vec<usize> = ["low", "eco", "good", "best"]
        .iter()
        .map(|q| {
            run(&input, &format!("t.toFormat(f:jpeg,q:{q})"))
                .unwrap()
                .bytes
                .len()
        })
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] < w[1]), "{sizes:?}");
    let err = run(&input, "t.toFormat(f:jpeg,q:great)").unwrap_err();
    assert!(
        err.to_string().contains("q (quality)") && err.to_string().contains("best"),
        "{err}"
    );
}
