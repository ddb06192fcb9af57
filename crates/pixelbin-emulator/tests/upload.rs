//! Signed multipart upload (v2), the v1 form upload, direct and URL uploads.

mod common;

use common::*;
use pixelbin_emulator::{Emulator, RecordedField};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const SIGNED_V2: &str = "/service/platform/assets/v2.0/upload/signed-url";

async fn signed_url(emu: &Emulator, body: Value) -> (String, Value) {
    let (status, answer) =
        send(authed(Method::POST, format!("{}{SIGNED_V2}", emu.url())).json(&body)).await;
    assert_eq!(status, 200, "{answer}");
    let presigned = &answer["presignedUrl"];
    (
        presigned["url"].as_str().unwrap().to_string(),
        presigned["fields"].clone(),
    )
}

/// A part body as the reference SDK sends it: the file first, then every signed field.
fn part_form(chunk: Vec<u8>, fields: &Value) -> Form {
    let mut form = Form::new().part("file", Part::bytes(chunk).file_name("file"));
    for (name, value) in fields.as_object().unwrap() {
        form = form.text(name.clone(), value.as_str().unwrap().to_string());
    }
    form
}

async fn put_part(url: &str, n: u32, chunk: Vec<u8>, fields: &Value) -> (u16, Value) {
    send(
        client()
            .put(format!("{url}&partNumber={n}"))
            .multipart(part_form(chunk, fields)),
    )
    .await
}

async fn complete(url: &str, parts: Value, fields: &Value) -> (u16, Value) {
    let mut body = fields.as_object().unwrap().clone();
    body.insert("parts".into(), parts);
    send(client().post(url).json(&body)).await
}

fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[tokio::test]
async fn multipart_upload_serves_the_exact_bytes() {
    let emu = emulator().await;
    let (url, fields) = signed_url(
        &emu,
        json!({"name": "big file", "path": "/docs/2024/", "format": "bin", "access": "private",
               "tags": ["a", "b"], "metadata": {"k": "v"}}),
    )
    .await;
    assert!(url.starts_with(&format!(
        "{}/service/public/assets/v1.0/signed-multipart?pbs=",
        emu.url()
    )));
    let asset: Value =
        serde_json::from_str(fields["x-pixb-meta-assetdata"].as_str().unwrap()).unwrap();
    assert_eq!(asset["name"], "big-file.bin");
    assert_eq!(asset["fileId"], "docs/2024/big-file.bin");
    assert_eq!(asset["metadata"]["k"], "v");
    assert_eq!(asset["metadata"]["source"], "signedUrl");

    let data = content(250_000);
    let chunks: Vec<Vec<u8>> = data.chunks(100_000).map(<[u8]>::to_vec).collect();
    // Out of order on purpose: completion assembles by part number.
    for (n, chunk) in [(2u32, &chunks[1]), (3, &chunks[2]), (1, &chunks[0])] {
        let (status, body) = put_part(&url, n, chunk.clone(), &fields).await;
        assert_eq!(status, 204, "part {n}: {body}");
    }
    assert_eq!(emu.pending_uploads(), 1);
    let (status, file) = complete(&url, json!([1, 2, 3]), &fields).await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(emu.pending_uploads(), 0);
    assert_eq!(file["size"], 250_000);
    assert_eq!(file["name"], "big-file.bin");
    assert_eq!(file["path"], "docs/2024");
    assert_eq!(file["fileId"], "docs/2024/big-file.bin");
    assert_eq!(file["access"], "private");
    assert_eq!(file["tags"], json!(["a", "b"]));
    assert_eq!(file["format"], "bin");
    assert_eq!(file["orgId"], 1);
    for key in ["_id", "type", "assetType", "context", "isOriginal", "url"] {
        assert!(file.get(key).is_some(), "{key} missing: {file}");
    }
    let served = client()
        .get(file["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().to_vec(), data);

    // A repeated completion (a lost answer) returns the same file.
    let (status, again) = complete(&url, json!([1, 2, 3]), &fields).await;
    assert_eq!(status, 200);
    assert_eq!(again["_id"], file["_id"]);

    // Parts carry no Authorization and are recorded with their sizes and hashes.
    let parts = emu.recorded("upload.part");
    assert_eq!(parts.len(), 3);
    assert!(parts.iter().all(|p| !p.has_authorization));
    match parts[2].body.field("file") {
        Some(RecordedField::File { size, .. }) => assert_eq!(*size, 100_000),
        other => panic!("{other:?}"),
    }
    assert!(parts[0].body.text("x-pixb-meta-assetdata").is_some());
    assert!(
        !format!("{:?}", parts[0]).contains("pbs=")
            || format!("{:?}", parts[0]).contains("pbs=[REDACTED]")
    );
}

#[tokio::test]
async fn parts_are_checked() {
    let emu = emulator().await;
    let (url, fields) = signed_url(&emu, json!({"name": "x", "format": "png"})).await;
    // Missing signed field.
    let (status, body) = send(
        client()
            .put(format!("{url}&partNumber=1"))
            .multipart(Form::new().part("file", Part::bytes(vec![1, 2, 3]).file_name("file"))),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_message(400, &body),
        "Missing x-pixb-meta-assetdata field"
    );
    // Altered signed field.
    let (status, body) = put_part(&url, 1, vec![1], &json!({"x-pixb-meta-assetdata": "{}"})).await;
    assert_eq!(status, 400);
    assert!(error_message(400, &body).contains("does not match"));
    // No file part.
    let mut form = Form::new();
    for (k, v) in fields.as_object().unwrap() {
        form = form.text(k.clone(), v.as_str().unwrap().to_string());
    }
    let (status, body) = send(client().put(format!("{url}&partNumber=1")).multipart(form)).await;
    assert_eq!(status, 400);
    assert!(error_message(400, &body).contains("Missing file field"));
    // Bad part numbers.
    for n in ["0", "x", "10001"] {
        let (status, _) = send(
            client()
                .put(format!("{url}&partNumber={n}"))
                .multipart(part_form(vec![1], &fields)),
        )
        .await;
        assert_eq!(status, 400, "{n}");
    }
    let (status, _) = send(client().put(&url).multipart(part_form(vec![1], &fields))).await;
    assert_eq!(status, 400);
    // Tampered signature, other upload id, missing signature.
    let tampered = url.replacen("pbs=", "pbs=0", 1);
    let (status, body) = put_part(&tampered, 1, vec![1], &fields).await;
    assert_eq!(status, 403);
    assert!(error_message(403, &body).contains("signature"));
    let other_id = url.replace("pbu=", "pbu=x");
    assert_eq!(put_part(&other_id, 1, vec![1], &fields).await.0, 403);
    let unsigned = url.split("?").next().unwrap().to_string() + "?pbe=1";
    assert_eq!(put_part(&unsigned, 1, vec![1], &fields).await.0, 403);
    // Not multipart at all.
    let (status, _) = send(client().put(format!("{url}&partNumber=1")).body("raw")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn completion_refuses_missing_unknown_and_unordered_parts() {
    let emu = emulator().await;
    let (url, fields) = signed_url(&emu, json!({"name": "c", "format": "txt"})).await;
    assert_eq!(put_part(&url, 1, b"hello ".to_vec(), &fields).await.0, 204);
    assert_eq!(put_part(&url, 2, b"world".to_vec(), &fields).await.0, 204);

    let (status, body) = complete(&url, json!([1, 2, 3]), &fields).await;
    assert_eq!(status, 400);
    assert!(
        error_message(400, &body).contains("Part 3 was not uploaded"),
        "{body}"
    );
    for parts in [
        json!([2, 1]),
        json!([1, 1]),
        json!([]),
        json!(["1"]),
        json!([0]),
    ] {
        let (status, body) = complete(&url, parts.clone(), &fields).await;
        assert_eq!(status, 400, "{parts}: {body}");
    }
    let (status, body) = send(client().post(&url).json(&json!({"parts": [1, 2]}))).await;
    assert_eq!(status, 400);
    assert_eq!(
        error_message(400, &body),
        "Missing x-pixb-meta-assetdata field"
    );
    let tampered = url.replacen("pbs=", "pbs=1", 1);
    assert_eq!(complete(&tampered, json!([1, 2]), &fields).await.0, 403);

    // Only the listed parts are assembled.
    let (status, file) = complete(&url, json!([1]), &fields).await;
    assert_eq!(status, 200, "{file}");
    let bytes = client()
        .get(file["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"hello ");
    // The upload is closed now.
    assert_eq!(put_part(&url, 3, b"late".to_vec(), &fields).await.0, 409);
}

#[tokio::test]
async fn expired_urls_are_refused() {
    let emu = emulator().await;
    let (url, fields) = signed_url(&emu, json!({"name": "e", "expiry": 1})).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = put_part(&url, 1, vec![1], &fields).await;
    assert_eq!(status, 403);
    assert!(error_message(403, &body).contains("expired"));
}

#[tokio::test]
async fn signed_url_requests_are_validated() {
    let emu = emulator().await;
    let post =
        |body: Value| send(authed(Method::POST, format!("{}{SIGNED_V2}", emu.url())).json(&body));
    assert_eq!(post(json!({"access": "public"})).await.0, 400);
    assert_eq!(post(json!({"expiry": -5})).await.0, 400);
    assert_eq!(post(json!({"expiry": "soon"})).await.0, 400);
    assert_eq!(post(json!({"colour": "red"})).await.0, 400);
    assert_eq!(post(json!({"tags": "a"})).await.0, 400);
    let (status, _) = send(
        client()
            .post(format!("{}{SIGNED_V2}", emu.url()))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 401);
    // No name: a generated one; v1 answers the S3-style shape.
    let (status, answer) = post(json!({})).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = send(
        authed(
            Method::POST,
            format!(
                "{}/service/platform/assets/v1.0/upload/signed-url",
                emu.url()
            ),
        )
        .json(&json!({"name": "v1", "format": "png"})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let url = answer["s3PresignedUrl"]["url"].as_str().unwrap();
    let fields = &answer["s3PresignedUrl"]["fields"];
    // The v1 URL takes the whole file in one form POST.
    let mut form = Form::new();
    for (k, v) in fields.as_object().unwrap() {
        form = form.text(k.clone(), v.as_str().unwrap().to_string());
    }
    let form = form.part("file", Part::bytes(png(3, 3)).file_name("v1.png"));
    let (status, body) = send(client().post(url).multipart(form)).await;
    assert_eq!(status, 204, "{body}");
    let (status, file) = send(authed(
        Method::GET,
        format!("{}/service/platform/assets/v1.0/files/v1.png", emu.url()),
    ))
    .await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(file["width"], 3);
}

#[tokio::test]
async fn name_clashes_follow_overwrite_and_filename_override() {
    let emu = emulator().await;
    let upload = |body: Value, data: Vec<u8>| {
        let emu = &emu;
        async move {
            let (url, fields) = signed_url(emu, body).await;
            assert_eq!(put_part(&url, 1, data, &fields).await.0, 204);
            complete(&url, json!([1]), &fields).await
        }
    };
    let (status, first) = upload(json!({"name": "same", "format": "png"}), png(1, 1)).await;
    assert_eq!(status, 200);
    let (status, body) = upload(json!({"name": "same", "format": "png"}), png(2, 2)).await;
    assert_eq!(status, 409, "{body}");
    assert!(error_message(409, &body).contains("overwrite"));
    let (status, renamed) = upload(
        json!({"name": "same", "format": "png", "filenameOverride": true}),
        png(2, 2),
    )
    .await;
    assert_eq!(status, 200);
    assert_ne!(renamed["name"], "same.png");
    assert!(renamed["name"].as_str().unwrap().starts_with("same_"));
    let (status, replaced) = upload(
        json!({"name": "same", "format": "png", "overwrite": true}),
        png(5, 5),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(replaced["_id"], first["_id"]);
    assert_eq!(replaced["width"], 5);
}

#[tokio::test]
async fn direct_and_url_uploads() {
    let emu = emulator().await;
    let form = Form::new()
        .part(
            "file",
            Part::bytes(png(7, 9))
                .file_name("photo.png")
                .mime_str("image/png")
                .unwrap(),
        )
        .text("path", "album")
        .text("name", "holiday")
        .text("access", "public-read")
        .text("tags", "sea")
        .text("tags", "sun")
        .text("metadata", r#"{"trip": 1}"#)
        .text("overwrite", "false")
        .text("filenameOverride", "true");
    let (status, file) = send(
        authed(
            Method::POST,
            format!("{}/service/platform/assets/v1.0/upload/direct", emu.url()),
        )
        .multipart(form),
    )
    .await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(file["name"], "holiday.png");
    assert_eq!(file["fileId"], "album/holiday.png");
    assert_eq!(file["tags"], json!(["sea", "sun"]));
    assert_eq!(file["metadata"]["trip"], 1);
    assert_eq!(file["width"], 7);
    assert_eq!(file["height"], 9);
    assert_eq!(file["format"], "png");

    // Copy it by URL (the emulator only reads its own URLs).
    let (status, copy) = send(
        authed(
            Method::POST,
            format!("{}/service/platform/assets/v1.0/upload/url", emu.url()),
        )
        .json(&json!({"url": file["url"], "path": "copies", "name": "again"})),
    )
    .await;
    assert_eq!(status, 200, "{copy}");
    assert_eq!(copy["fileId"], "copies/again.png");
    let bytes = client()
        .get(copy["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.to_vec(), png(7, 9));

    let (status, body) = send(
        authed(
            Method::POST,
            format!("{}/service/platform/assets/v1.0/upload/url", emu.url()),
        )
        .json(&json!({"url": "https://example.com/a.png"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(error_message(400, &body).contains("no network access"));
    let (status, _) = send(
        authed(
            Method::POST,
            format!("{}/service/platform/assets/v1.0/upload/direct", emu.url()),
        )
        .multipart(Form::new().text("name", "nofile")),
    )
    .await;
    assert_eq!(status, 400);
}
