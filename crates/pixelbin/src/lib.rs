//! The Pixelbin SDK for Rust: AI predictions (`erase_bg` and friends), large-file uploads,
//! signed and transformation URLs, and the platform asset APIs, async by default and blocking
//! behind a feature.
//!
//! # Quick start
//!
//! ```no_run
//! use pixelbin::{PixelbinClient, PixelbinConfig, PredictionInput, WaitOptions};
//!
//! #[tokio::main]
//! async fn main() -> anyhow::Result<()> {
//!     // PIXELBIN_API_TOKEN (required) and PIXELBIN_DOMAIN (optional).
//!     let client = PixelbinClient::new(PixelbinConfig::from_env()?)?;
//!
//!     let input = PredictionInput::new()
//!         .url("image", "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg")
//!         .text("industry_type", "general")
//!         .bool("shadow", false);
//!     let result = client
//!         .predictions()
//!         .create_and_wait("erase_bg", input, None, WaitOptions::default())
//!         .await?;
//!     println!("{}: {:?}", result.status, result.output_urls());
//!
//!     // URLs are handled without any I/O.
//!     let signed = pixelbin::url::sign_url(
//!         "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
//!         20,
//!         "6227274d-92c9-4b74-bef8-2528542516d8",
//!         "dummy-token",
//!     )?;
//!     println!("{signed}");
//!     Ok(())
//! }
//! ```
//!
//! Uploads take bytes, a path or any async reader:
//!
//! ```no_run
//! use pixelbin::{PixelbinClient, UploadOptions, UploadRequest, UploadSource};
//! use pixelbin::upload::Access;
//!
//! # async fn run(client: PixelbinClient) -> Result<(), pixelbin::Error> {
//! let stored = client
//!     .uploader()
//!     .upload(
//!         UploadSource::from_path("myimage.png"),
//!         UploadRequest::new().name("myimage").path("folder").access(Access::PublicRead),
//!         UploadOptions::default().chunk_size(5 * 1024 * 1024).concurrency(2),
//!     )
//!     .await?;
//! println!("{}", stored.url.unwrap_or_default());
//! # Ok(()) }
//! ```
//!
//! Without an async runtime, the `blocking` feature gives [`blocking::PixelbinClient`] with the
//! same methods:
//!
//! ```no_run
//! # #[cfg(feature = "blocking")]
//! # fn run() -> Result<(), pixelbin::Error> {
//! let client = pixelbin::blocking::PixelbinClient::from_env()?;
//! let models = client.predictions().list()?;
//! println!("{} models", models.len());
//! # Ok(()) }
//! ```
//!
//! Transformation URLs are built with typed builders for every operation of `@pixelbin/core`
//! (generated from the catalogue in [`url::catalogue`]):
//!
//! ```
//! use pixelbin::url::UrlObj;
//! use pixelbin::url::plugins::{basic, erase_bg};
//!
//! let url = UrlObj::new("my-cloud", "shoe.jpeg")
//!     .transform(erase_bg::bg().industry_type(erase_bg::BgIndustryType::Ecommerce))
//!     .transform(basic::resize().width(400).fit(basic::ResizeFit::Inside))
//!     .to_url()?;
//! assert_eq!(url, "https://cdn.pixelbin.io/v2/my-cloud/erase.bg(i:ecommerce)~t.resize(w:400,f:inside)/shoe.jpeg");
//! # Ok::<(), pixelbin::url::UrlError>(())
//! ```
//!
//! The crate's `examples/` hold every example of the reference SDK's documentation, async and
//! blocking; each reads `PIXELBIN_API_TOKEN` and `PIXELBIN_DOMAIN`, so it runs against
//! `pixelbin-emulator` as well as the real service.
//!
//! # Layers
//!
//! ```text
//! pixelbin-url          parse/build transformation URLs, sign URLs, verify webhooks (no I/O)
//!      ^
//! pixelbin-http         config, errors, transport (auth, retry, timeout, tracing over reqwest)
//!      ^
//! pixelbin-predictions   pixelbin-upload   pixelbin-platform
//!      ^                        ^                 ^
//! pixelbin              this crate: PixelbinClient, re-exports, `blocking`
//! ```
//!
//! The facade adds no behaviour of its own: [`PixelbinClient`] hands out the layers' clients
//! ([`Predictions`], [`Uploader`], [`Assets`], [`Organization`], [`TransformationApi`]) over one
//! shared [`Transport`], and each layer is re-exported whole as a module ([`url`], [`http`],
//! [`predictions`], [`upload`], [`platform`]) for the types not re-exported at the root.
//! Edge code that only signs or parses URLs can depend on `pixelbin-url` alone.
//!
//! # Errors
//!
//! The async methods return their layer's error ([`http::Error`] for the platform APIs,
//! [`predictions::Error`], [`upload::UploadError`], [`url::UrlError`]); [`Error`] wraps them all
//! with `From` impls so `?` works across the SDK. The blocking client returns [`Error`].
//!
//! # Features
//!
//! | Feature | Default | What it does |
//! |---|---|---|
//! | `rustls` | yes | TLS through rustls. |
//! | `native-tls` | no | TLS through the platform library (OpenSSL, SChannel, Security.framework). |
//! | `blocking` | no | [`blocking::PixelbinClient`], with a Tokio runtime of its own. |
//!
//! For `native-tls` only: `default-features = false, features = ["native-tls"]`.
//!
//! # From the reference SDK
//!
//! The Python SDK has `create` (sync) and `createAsync` (async); here the async client is
//! the default and [`blocking`](blocking::PixelbinClient) mirrors it. Names are snake_case.
//!
//! | Python | Rust (async; blocking has the same names) |
//! |---|---|
//! | `PixelbinConfig({...})`, `PixelbinClient(config=...)` | [`PixelbinConfig::builder`], [`PixelbinClient::new`] |
//! | `predictions.create` / `createAsync` | [`Predictions::create`] |
//! | `predictions.get` / `getAsync` | [`Predictions::get`] |
//! | `predictions.wait` / `waitAsync` | [`Predictions::wait`] with [`WaitOptions`] |
//! | `predictions.create_and_wait` / `create_and_waitAsync` | [`Predictions::create_and_wait`] |
//! | `predictions.list` / `listAsync` | [`Predictions::list`] |
//! | `predictions.get_schema` / `get_schemaAsync` | [`Predictions::get_schema`] |
//! | `uploader.upload` / `uploadAsync` | [`Uploader::upload`] ([`UploadSource`], [`UploadRequest`], [`UploadOptions`]) |
//! | `assets.listFiles` / `listFilesAsync` | [`Assets::list_files`], [`Assets::list_files_stream`] |
//! | `assets.createSignedUrlV2` (and every other `assets.*`) | [`Assets::create_signed_url_v2`] (snake_case) |
//! | `organization.getAppOrgDetails` | [`Organization::get_app_org_details`] |
//! | `billing.getUsageV2` / `getUsage` (deprecated; JS `@pixelbin/admin` only) | [`Billing::get_usage`], [`Billing::get_subscription_usage`] |
//! | `transformation.getTransformationContext` | [`TransformationApi::get_transformation_context`] |
//! | `utils.url.url_to_obj` / `obj_to_url` | [`url::url_to_obj`], [`url::obj_to_url`] |
//! | `utils.security.sign_url` | [`url::sign_url`] |
//!
//! # Blocking
//!
//! The [`blocking`] module (feature `blocking`, off by default) is a blocking mirror of the
//! async client: [`blocking::PixelbinClient`] with the same handles and
//! methods, listings as iterators, and `blocking::bulk` for bulk work. Turn it on with
//! `pixelbin = { version = "0.1", features = ["blocking"] }`. Its documentation is built
//! whatever the features (so `cargo doc -p pixelbin` shows it); using it needs the feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

// Compiles the README's examples as doc-tests, so the crates.io page stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod bulk;
pub mod cdn;
mod client;
mod error;

// Documented with any features (`cfg(doc)`), so a reader finds it; compiled only with its own.
#[cfg(any(feature = "blocking", doc))]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;

pub use client::PixelbinClient;
pub use error::Error;

/// Configuration, errors and the transport (`pixelbin-http`).
#[doc(inline)]
pub use pixelbin_http as http;
/// The platform asset, organization and transformation APIs (`pixelbin-platform`).
#[doc(inline)]
pub use pixelbin_platform as platform;
/// Prediction jobs (`pixelbin-predictions`).
#[doc(inline)]
pub use pixelbin_predictions as predictions;
/// Signed multipart uploads (`pixelbin-upload`).
#[doc(inline)]
pub use pixelbin_upload as upload;
/// Transformation URLs, signed URLs and webhook signatures, with no I/O (`pixelbin-url`).
#[doc(inline)]
pub use pixelbin_url as url;

/// JSON values, as prediction inputs, metadata and raw response fields take them (the
/// `serde_json` this SDK is built with, so `pixelbin::serde_json::json!` needs no extra
/// dependency).
pub use serde_json;

pub use pixelbin_http::{PixelbinConfig, PixelbinConfigBuilder, RetryPolicy, Transport};
pub use pixelbin_platform::{
    Access, Assets, Billing, FileItem, FileObject, ListFilesParams, ListFilesResponse,
    Organization, SubscriptionUsage, TransformationApi, Usage, UsageFigure,
};
// Former names, kept deprecated for one release.
#[allow(deprecated)]
pub use pixelbin_platform::{FileInfo, Transformation};
pub use pixelbin_predictions::{
    BatchItem, BatchOptions, BatchStream, FileInput, ModelInfo, ModelSchema, Prediction,
    PredictionInput, PredictionStatus, Predictions, WaitOptions, WebhookEvent,
};
#[allow(deprecated)]
pub use pixelbin_upload::UploadedFile;
pub use pixelbin_upload::{
    ManyOptions, Progress, ResumeState, UploadItem, UploadOptions, UploadRequest, UploadSource,
    UploadStream, Uploader,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_shareable<T: Clone + Send + Sync + std::fmt::Debug + 'static>() {}

    #[test]
    fn clients_are_shareable() {
        assert_shareable::<PixelbinClient>();
        #[cfg(feature = "blocking")]
        {
            assert_shareable::<blocking::PixelbinClient>();
            assert_shareable::<blocking::Predictions>();
            assert_shareable::<blocking::Uploader>();
            assert_shareable::<blocking::Assets>();
            assert_shareable::<blocking::Organization>();
            assert_shareable::<blocking::TransformationApi>();
            assert_shareable::<blocking::Billing>();
        }
    }

    /// Upload and platform share one wire model, so values pass between them unconverted.
    #[test]
    fn upload_and_platform_share_the_wire_types() {
        let access: platform::Access = upload::Access::Private;
        assert_eq!(access, Access::Private);
        let file: platform::FileObject =
            serde_json::from_str::<upload::FileObject>(r#"{"access":"private"}"#).unwrap();
        assert_eq!(file.access, Some(access));
    }

    /// The futures of bulk runs and CDN fetches are `Send`, so they run on any tokio runtime
    /// (checked when the tests compile; nothing needs to run).
    #[allow(dead_code)]
    fn bulk_and_cdn_futures_are_send(client: &PixelbinClient, target: &std::path::Path) {
        fn assert_send<T: Send>(_: &T) {}
        let url = "https://cdn.pixelbin.io/v2/demo/t.flip()/a.png";
        assert_send(&bulk::uploads(client, bulk::Uploads::new(["in"])));
        assert_send(&bulk::predictions(client, bulk::Predict::new("erase_bg")));
        assert_send(&bulk::transforms(client, bulk::Transforms::new(["in"])));
        assert_send(&bulk::scope(client));
        assert_send(&client.cdn().fetch(url));
        assert_send(&client.cdn().fetch_to(url, target));
    }

    #[test]
    fn errors_are_shareable() {
        fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
        assert_error::<Error>();
    }
}
