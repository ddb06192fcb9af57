//! URL uploads and signed upload URLs (v1 and v2).

use pixelbin_platform::{Access, Error, SignedUrlParams, UploadParams, UploadRequest};
use serde_json::json;

use crate::{env, last, upload};

#[tokio::test]
async fn url_upload_stores_the_fetched_file() {
    let env = env().await;
    // The emulator only fetches URLs it serves itself, so copy one of its own files.
    let source = upload(&env, "src", "original", &[]).await;
    let source_url = source.url.unwrap();
    let copy = env
        .assets
        .url_upload(
            &source_url,
            UploadParams::new()
                .path("copies")
                .name("copy")
                .access(Access::PublicRead)
                .tags(["copied"])
                .overwrite(false)
                .filename_override(true),
        )
        .await
        .unwrap();
    assert_eq!(copy.path.as_deref(), Some("copies"));
    assert_eq!(copy.tags, ["copied"]);
    assert_eq!(copy.size, source.size);
    assert_eq!(
        last(&env, "upload.url").body.json(),
        Some(
            &json!({"url": source_url, "path": "copies", "name": "copy", "access": "public-read",
                     "tags": ["copied"], "overwrite": false, "filenameOverride": true})
        )
    );
}

#[tokio::test]
async fn signed_url_v1_returns_url_and_fields() {
    let env = env().await;
    let signed = env
        .assets
        .create_signed_url(
            SignedUrlParams::new()
                .name("cat")
                .path("pets")
                .format("jpeg")
                .access("public-read"),
        )
        .await
        .unwrap();
    assert!(!signed.s3_presigned_url.url.is_empty());
    let request = last(&env, "upload.signed_url_v1");
    assert_eq!(
        request.path,
        "/service/platform/assets/v1.0/upload/signed-url"
    );
    assert_eq!(
        request.body.json(),
        Some(&json!({"name": "cat", "path": "pets", "format": "jpeg", "access": "public-read"}))
    );
}

#[tokio::test]
async fn signed_url_v2_returns_a_signed_multipart_target() {
    let env = env().await;
    let signed = env
        .assets
        .create_signed_url_v2(
            UploadRequest::new()
                .name("big")
                .path("videos")
                .format("jpeg")
                .access(Access::Private)
                .tags(["t"])
                .metadata(json!({"k": 1}))
                .expiry(3000),
        )
        .await
        .unwrap();
    let url = &signed.presigned_url.url;
    assert!(url.starts_with(&env.emulator.url()), "{url}");
    for key in ["pbs=", "pbe=", "pbt=", "pbu="] {
        assert!(url.contains(key), "{url} lacks {key}");
    }
    assert!(
        signed
            .presigned_url
            .fields
            .contains_key("x-pixb-meta-assetdata")
    );
    assert_eq!(
        last(&env, "upload.signed_url_v2").body.json(),
        Some(
            &json!({"name": "big", "path": "videos", "format": "jpeg", "access": "private",
                     "tags": ["t"], "metadata": {"k": 1}, "expiry": 3000})
        )
    );
}

#[tokio::test]
async fn upload_arguments_are_checked_locally() {
    let env = env().await;
    let errors = [
        env.assets
            .url_upload("", UploadParams::new())
            .await
            .unwrap_err(),
        env.assets
            .url_upload("https://x/y.png", UploadParams::new().metadata(json!("m")))
            .await
            .unwrap_err(),
        env.assets
            .create_signed_url(SignedUrlParams::new().access("world"))
            .await
            .unwrap_err(),
        env.assets
            .create_signed_url_v2(UploadRequest::new().access("world"))
            .await
            .unwrap_err(),
    ];
    for err in &errors {
        assert!(matches!(err, Error::IllegalArgument(_)), "{err:?}");
    }
    assert_eq!(
        errors[3].to_string(),
        "access: Must be one of: public-read, private."
    );
    for route in ["upload.url", "upload.signed_url_v1", "upload.signed_url_v2"] {
        assert_eq!(env.emulator.request_count(route), 0, "{route}");
    }
}
