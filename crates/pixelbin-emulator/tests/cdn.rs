//! The CDN route renders: basic `t.*` patterns through pixelbin-render, AI operations as
//! stand-ins after a `202` while "processing", ETags and `304`.

mod common;

use std::time::Duration;

use common::*;
use pixelbin_emulator::{Emulator, EmulatorOptions};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

const ASSETS: &str = "/service/platform/assets/v1.0";

async fn start(transform_delay: Duration) -> Emulator {
    Emulator::start(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        transform_delay,
        ..EmulatorOptions::default()
    })
    .await
    .expect("emulator starts")
}

/// Uploads a generated 120 x 80 PNG as `cdn/photo.png`; returns its CDN URL (`original`).
async fn upload_photo(emu: &Emulator) -> String {
    let form = Form::new()
        .part("file", Part::bytes(png(120, 80)).file_name("photo.png"))
        .text("path", "cdn")
        .text("name", "photo");
    let (status, file) =
        send(authed(Method::POST, format!("{}{ASSETS}/upload/direct", emu.url())).multipart(form))
            .await;
    assert_eq!(status, 200, "{file}");
    let url = file["url"].as_str().unwrap().to_string();
    assert!(url.contains("/original/"), "{url}");
    url
}

fn with_pattern(original: &str, pattern: &str) -> String {
    original.replace("/original/", &format!("/{pattern}/"))
}

async fn get(url: &str) -> reqwest::Response {
    client().get(url).send().await.expect("answered")
}

fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).expect("an image")
}

#[tokio::test]
async fn basic_patterns_render() {
    let emu = start(Duration::from_millis(300)).await;
    let original = upload_photo(&emu).await;

    let response = get(&original).await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.to_vec(), png(120, 80), "original is the stored bytes");

    let response = get(&with_pattern(&original, "t.resize(w:50)")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let image = decode(&response.bytes().await.unwrap());
    assert_eq!((image.width(), image.height()), (50, 33));

    let response = get(&with_pattern(&original, "t.toFormat(f:webp)")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/webp");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[8..12], b"WEBP");

    // dpr multiplies the resize; f_auto picks webp from Accept.
    let response = client()
        .get(format!(
            "{}?dpr=2&f_auto=true",
            with_pattern(&original, "t.resize(w:30)")
        ))
        .header("accept", "image/webp,*/*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/webp");
    assert_eq!(decode(&response.bytes().await.unwrap()).width(), 60);
}

#[tokio::test]
async fn bad_values_answer_400_naming_the_parameter() {
    let emu = start(Duration::from_millis(300)).await;
    let original = upload_photo(&emu).await;
    let (status, body) = send(client().get(with_pattern(&original, "t.resize(w:-5)"))).await;
    assert_eq!(status, 400, "{body}");
    let message = error_message(400, &body);
    assert!(
        message.contains("t.resize") && message.contains("w (width)"),
        "{message}"
    );

    let (status, body) = send(client().get(with_pattern(&original, "p:nosuch"))).await;
    assert_eq!(status, 400, "{body}");
    assert!(error_message(400, &body).contains("p:nosuch"));
}

#[tokio::test]
async fn presets_expand_from_the_store() {
    let emu = start(Duration::from_millis(300)).await;
    let original = upload_photo(&emu).await;
    let (status, body) = send(
        authed(Method::POST, format!("{}{ASSETS}/presets", emu.url()))
            .json(&json!({"presetName": "small", "transformation": "t.resize(w:40)~t.flip()"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let response = get(&with_pattern(&original, "p:small")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(decode(&response.bytes().await.unwrap()).width(), 40);
}

#[tokio::test]
async fn etag_and_if_none_match_answer_304() {
    let emu = start(Duration::from_millis(300)).await;
    let original = upload_photo(&emu).await;
    for url in [with_pattern(&original, "t.resize(w:50)"), original.clone()] {
        let response = get(&url).await;
        assert_eq!(response.status(), 200);
        let etag = response.headers()["etag"].to_str().unwrap().to_string();
        let again = client()
            .get(&url)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{url}");
        assert_eq!(again.headers()["etag"], etag.as_str());
        let other = client()
            .get(&url)
            .header("if-none-match", "\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 200);
    }
}

/// Polls an AI URL: `202` first, then (bounded) `200`; returns the final bytes.
async fn processed(url: &str) -> bytes::Bytes {
    let first = get(url).await;
    assert_eq!(
        first.status(),
        202,
        "{url}: the first request is still processing"
    );
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let response = get(url).await;
        match response.status().as_u16() {
            202 => continue,
            200 => return response.bytes().await.unwrap(),
            other => panic!("{url}: status {other}"),
        }
    }
    panic!("{url} never finished processing");
}

#[tokio::test]
async fn ai_operations_answer_202_then_a_stand_in() {
    let emu = start(Duration::from_millis(300)).await;
    let original = upload_photo(&emu).await;

    let erased = decode(&processed(&with_pattern(&original, "erase.bg()")).await).into_rgba8();
    assert_eq!(erased.dimensions(), (120, 80));
    assert_eq!(erased.get_pixel(0, 0).0[3], 0, "corners are transparent");
    assert_eq!(erased.get_pixel(119, 79).0[3], 0, "corners are transparent");
    assert!(
        erased.pixels().any(|p| p.0[3] == 255),
        "the subject stays opaque"
    );

    let upscaled = decode(&processed(&with_pattern(&original, "sr.upscale()")).await);
    assert_eq!((upscaled.width(), upscaled.height()), (240, 160));

    // A mixed chain: the stand-in, then the basic step rendered.
    let mixed =
        decode(&processed(&with_pattern(&original, "sr.upscale(t:4x)~t.resize(w:100)")).await);
    assert_eq!((mixed.width(), mixed.height()), (100, 67));
}

#[tokio::test]
async fn a_bad_step_beside_an_ai_step_answers_400_before_any_202() {
    // A long processing time: a 202 would be the first answer if the pattern were not checked.
    let emu = start(Duration::from_secs(30)).await;
    let original = upload_photo(&emu).await;
    for (pattern, names) in [
        ("erase.bg()~t.blur(s:-1)", ["t.blur", "s (sigma)"]),
        ("t.resize(w:-5)~sr.upscale()", ["t.resize", "w (width)"]),
        ("sr.upscale(t:9x)~t.flip()", ["sr.upscale", "t (type)"]),
        ("erase.bg()~t.nosuch()", ["t.nosuch", "unknown operation"]),
    ] {
        let (status, body) = send(client().get(with_pattern(&original, pattern))).await;
        assert_eq!(status, 400, "{pattern}: {body}");
        let message = error_message(400, &body);
        for name in names {
            assert!(message.contains(name), "{pattern}: {message}");
        }
    }
    // A good AI pattern still answers 202 first.
    let status = get(&with_pattern(&original, "erase.bg()~t.flip()"))
        .await
        .status();
    assert_eq!(status, 202);
}

/// The detectors' results as an app would decode them (the shapes Pixelbin's docs show).
mod detected {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    pub struct Nsfw {
        #[serde(rename = "ModerationLabels")]
        pub moderation_labels: Vec<Label>,
    }
    #[derive(Debug, Deserialize)]
    pub struct Label {
        #[serde(rename = "Name")]
        pub name: String,
        #[serde(rename = "Confidence")]
        pub confidence: f64,
    }
    #[derive(Debug, Deserialize)]
    pub struct Plates {
        pub polygons: Vec<[[u32; 2]; 4]>,
    }
    #[derive(Debug, Deserialize)]
    pub struct Watermark {
        pub attributes: WatermarkAttributes,
    }
    #[derive(Debug, Deserialize)]
    pub struct WatermarkAttributes {
        pub watermark: bool,
    }
    #[derive(Debug, Deserialize)]
    pub struct Count {
        pub obj_count_type: String,
    }
    #[derive(Debug, Deserialize)]
    pub struct Background {
        pub background_type: String,
        pub background_color: String,
    }
}

#[tokio::test]
async fn detectors_answer_their_documented_shape_in_the_context() {
    let emu = start(Duration::from_millis(300)).await;
    let original = upload_photo(&emu).await;
    let pattern = "nsfw.detect(m:0.5)~numPlate.detect()~wmc.detect()~oc.detect()~dbt.detect()~od.detect()~t.flip()";
    let url = with_pattern(&original, pattern);
    let context_of = || async {
        let (status, body) = send(
            authed(
                Method::GET,
                format!("{}/service/platform/transformation/context", emu.url()),
            )
            .query(&[("url", url.as_str())]),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        body
    };
    let body = context_of().await;
    let data = |i: usize| body["context"]["steps"][i]["data"].clone();

    let nsfw: detected::Nsfw = serde_json::from_value(data(0)).unwrap();
    assert!(["porn", "sexy", "neutral"].contains(&nsfw.moderation_labels[0].name.as_str()));
    assert!((0.1..=1.0).contains(&nsfw.moderation_labels[0].confidence));
    let plates: detected::Plates = serde_json::from_value(data(1)).unwrap();
    for [x, y] in plates.polygons.iter().flatten() {
        assert!(
            *x < 120 && *y < 80,
            "a corner outside the 120x80 image: {plates:?}"
        );
    }
    let [top_left, top_right, bottom_right, _] = plates.polygons[0];
    assert!(
        top_left[0] < top_right[0] && top_right[1] < bottom_right[1],
        "clockwise"
    );
    let watermark: detected::Watermark = serde_json::from_value(data(2)).unwrap();
    assert!(!watermark.attributes.watermark);
    let count: detected::Count = serde_json::from_value(data(3)).unwrap();
    assert!(["Single", "Multiple"].contains(&count.obj_count_type.as_str()));
    let background: detected::Background = serde_json::from_value(data(4)).unwrap();
    assert!(["plain", "clean", "busy"].contains(&background.background_type.as_str()));
    assert!(
        background.background_color.len() == 7
            && background.background_color.starts_with('#')
            && u32::from_str_radix(&background.background_color[1..], 16).is_ok(),
        "{}",
        background.background_color
    );
    // No documented shape, and basic steps: no data.
    assert_eq!(data(5), json!({}));
    assert_eq!(data(6), json!({}));
    // Deterministic.
    assert_eq!(
        context_of().await["context"]["steps"],
        body["context"]["steps"]
    );
}
