//! Every platform endpoint against `pixelbin-emulator`, started in-process on 127.0.0.1.
//!
//! One test binary (modules per API area) keeps linking cheap.

mod credentials;
mod files;
mod folders;
mod listing;
mod organization;
mod playground;
mod presets;
mod uploads;

use pixelbin_emulator::{Emulator, EmulatorOptions, RecordedRequest};
use pixelbin_http::{PixelbinConfig, RetryPolicy, Transport};
use pixelbin_platform::{
    Assets, FileObject, Organization, TransformationApi, UploadFile, UploadParams,
};

/// A running emulator and the three API groups pointed at it.
pub struct Env {
    /// The emulator (dropping it stops the server).
    pub emulator: Emulator,
    /// `Assets` pointed at the emulator.
    pub assets: Assets,
    /// `Organization` pointed at the emulator.
    pub organization: Organization,
    /// `TransformationApi` pointed at the emulator.
    pub transformation: TransformationApi,
}

/// Starts an emulator that accepts only `test-secret` and a client using that secret.
pub async fn env() -> Env {
    let emulator = Emulator::start(EmulatorOptions {
        api_secret: Some("test-secret".into()),
        ..EmulatorOptions::default()
    })
    .await
    .expect("start emulator");
    let config = PixelbinConfig::builder()
        .api_secret("test-secret")
        .domain(emulator.url())
        .retry(RetryPolicy::none())
        .build()
        .expect("config");
    let transport = Transport::new(config).expect("transport");
    Env {
        assets: Assets::new(transport.clone()),
        organization: Organization::new(transport.clone()),
        transformation: TransformationApi::new(transport),
        emulator,
    }
}

/// A small but real JPEG-looking payload (the emulator does not decode it for direct uploads).
pub fn jpeg_bytes(seed: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend((0..2048u32).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    bytes.extend([0xFF, 0xD9]);
    bytes
}

/// Uploads `name.jpeg` into `path` and returns the stored file.
pub async fn upload(env: &Env, path: &str, name: &str, tags: &[&str]) -> FileObject {
    env.assets
        .file_upload(
            UploadFile::new(jpeg_bytes(name.len() as u8), format!("{name}.jpeg")),
            UploadParams::new()
                .path(path)
                .name(name)
                .tags(tags.iter().copied())
                .overwrite(true),
        )
        .await
        .unwrap_or_else(|e| panic!("upload {path}/{name}: {e}"))
}

/// The decoded query of a recorded request, in order.
pub fn query_pairs(request: &RecordedRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(request.query.as_deref().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// The last request a route received.
pub fn last(env: &Env, route: &str) -> RecordedRequest {
    env.emulator
        .recorded(route)
        .pop()
        .unwrap_or_else(|| panic!("no request recorded on {route}"))
}

/// Asserts `err` is the API's answer with `status`.
pub fn assert_api_status(err: &pixelbin_http::Error, status: u16) {
    match err {
        pixelbin_http::Error::Api { status: got, .. } => assert_eq!(*got, status, "{err}"),
        other => panic!("expected an API error with status {status}, got {other:?}"),
    }
}

/// A listed or stored name without the `.jpeg` the emulator keeps on uploaded files.
pub fn stem(name: &str) -> &str {
    name.strip_suffix(".jpeg").unwrap_or(name)
}
