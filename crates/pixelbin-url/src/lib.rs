//! Parse, build and sign [Pixelbin](https://www.pixelbin.io) transformation URLs, with no I/O.
//!
//! This crate has no async runtime, no HTTP client and no clock dependency (except
//! [`sign_url`]), so edge code (a CDN worker, a `wasm32-unknown-unknown` function) can use it
//! alone. It gives the answers of the official Python SDK (`pixelbin` 4.3.0, "the reference")
//! on every input the reference accepts (but for the [deliberate differences](#where-this-crate-differs-from-the-reference-on-purpose)),
//! and a typed [`UrlError`] where the reference fails.
//!
//! # Building a URL
//!
//! Every transformation of `@pixelbin/core` has a typed builder in [`plugins`] (one module
//! per plugin, one method per parameter, generated from the [`catalogue`]):
//!
//! ```
//! use pixelbin_url::plugins::{basic, erase_bg};
//! use pixelbin_url::UrlObj;
//!
//! let url = UrlObj::new("your-cloud-name", "path/to/image.jpeg")
//!     .zone("z-slug")
//!     .transform(erase_bg::bg().industry_type(erase_bg::BgIndustryType::Ecommerce))
//!     .transform(basic::resize().height(100).width(200).fit(basic::ResizeFit::Contain))
//!     .transform(basic::flip())
//!     .dpr(2.0)
//!     .f_auto(true)
//!     .to_url()?;
//! assert_eq!(
//!     url,
//!     "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/erase.bg(i:ecommerce)~t.resize(h:100,w:200,f:contain)~t.flip()/path/to/image.jpeg?dpr=2.0&f_auto=true"
//! );
//! # Ok::<(), pixelbin_url::UrlError>(())
//! ```
//!
//! Names known only at run time go through [`catalogue::build_operation`]; anything the
//! catalogue lacks (a preset, a brand-new parameter) through [`Transformation::new`] and
//! [`Transformation::arg`] ([`ops`] has a shortcut per plugin id: `ops::t::resize()`).
//! [`srcset::srcset`] makes an HTML `srcset` from the same object.
//!
//! # Reading a URL
//!
//! ```
//! use pixelbin_url::{url_to_obj, Dpr, UrlToObjOptions};
//!
//! let url = "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg?dpr=2.0&f_auto=true";
//! let obj = url_to_obj(url, UrlToObjOptions::default())?;
//!
//! assert_eq!(obj.base_url, "https://cdn.pixelbin.io");
//! assert_eq!(obj.version, "v2");
//! assert_eq!(obj.cloud_name.as_deref(), Some("your-cloud-name"));
//! assert_eq!(obj.zone.as_deref(), Some("z-slug"));
//! assert_eq!(obj.pattern, "t.resize(h:100,w:200)~t.flip()");
//! assert_eq!(obj.file_path, "path/to/image.jpeg");
//! assert_eq!(obj.options.dpr, Some(Dpr::Value(2.0)));
//! assert_eq!(obj.options.f_auto, Some(true));
//! assert_eq!(obj.transformations[0].to_string(), "t.resize(h:100,w:200)");
//! assert_eq!(obj.transformations[0].param("w"), Some("200"));
//! assert_eq!(obj.transformations[1].name, "flip");
//! # Ok::<(), pixelbin_url::UrlError>(())
//! ```
//!
//! With the `serde` feature (on by default) the object serialises to the reference's
//! dictionary, key for key:
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! # use pixelbin_url::{url_to_obj, UrlToObjOptions};
//! let obj = url_to_obj(
//!     "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg?dpr=2.0&f_auto=true",
//!     UrlToObjOptions::default(),
//! )?;
//! assert_eq!(
//!     serde_json::to_value(&obj).unwrap(),
//!     serde_json::json!({
//!         "baseUrl": "https://cdn.pixelbin.io",
//!         "version": "v2",
//!         "cloudName": "your-cloud-name",
//!         "zone": "z-slug",
//!         "pattern": "t.resize(h:100,w:200)~t.flip()",
//!         "filePath": "path/to/image.jpeg",
//!         "worker": false,
//!         "workerPath": "",
//!         "options": {"dpr": 2.0, "f_auto": true},
//!         "transformations": [
//!             {"plugin": "t", "name": "resize", "values": [{"key": "h", "value": "100"}, {"key": "w", "value": "200"}]},
//!             {"plugin": "t", "name": "flip"}
//!         ]
//!     })
//! );
//! # }
//! # Ok::<(), pixelbin_url::UrlError>(())
//! ```
//!
//! An object also reads from the reference's JSON shape (`serde` feature):
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use pixelbin_url::{obj_to_url, UrlObj};
//!
//! let obj: UrlObj = serde_json::from_value(serde_json::json!({
//!     "cloudName": "your-cloud-name",
//!     "zone": "z-slug",
//!     "version": "v2",
//!     "options": {"dpr": 2.0, "f_auto": true},
//!     "transformations": [
//!         {"plugin": "t", "name": "resize", "values": [{"key": "h", "value": "100"}, {"key": "w", "value": "200"}]},
//!         {"plugin": "t", "name": "flip"}
//!     ],
//!     "filePath": "path/to/image.jpeg",
//!     "baseUrl": "https://cdn.pixelbin.io"
//! })).unwrap();
//! assert_eq!(
//!     obj_to_url(&obj)?,
//!     "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg?dpr=2.0&f_auto=true"
//! );
//! # }
//! # Ok::<(), pixelbin_url::UrlError>(())
//! ```
//!
//! # Editing a URL
//!
//! A parsed transformation's parameters are read, set and removed by URL id or long name:
//!
//! ```
//! use pixelbin_url::{url_to_obj, UrlToObjOptions};
//!
//! let mut obj = url_to_obj(
//!     "http://127.0.0.1:36349/v2/my-cloud/t.resize(w:200)~t.flip()/a.jpeg",
//!     UrlToObjOptions::default(),
//! )?;
//! obj.transformations[0].set("width", 300).set("h", 100);
//! obj.transformations.remove(1);
//! assert_eq!(obj.to_url()?, "http://127.0.0.1:36349/v2/my-cloud/t.resize(h:100,w:300)/a.jpeg");
//! # Ok::<(), pixelbin_url::UrlError>(())
//! ```
//!
//! # Custom domains
//!
//! A custom domain has no cloud name in its path, and the version is required:
//!
//! ```
//! use pixelbin_url::{obj_to_url, url_to_obj, UrlToObjOptions};
//!
//! let url = "https://xyz.designify.media/v2/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg";
//! let obj = url_to_obj(url, UrlToObjOptions { is_custom_domain: true })?;
//! assert_eq!(obj.base_url, "https://xyz.designify.media");
//! assert_eq!(obj.cloud_name, None);
//! assert_eq!(obj.zone.as_deref(), Some("z-slug"));
//! assert_eq!(obj.file_path, "path/to/image.jpeg");
//! assert!(obj.is_custom_domain);
//!
//! // and back (`UrlObj::on_custom_domain` builds one from scratch)
//! assert_eq!(obj_to_url(&obj)?, url);
//! # Ok::<(), pixelbin_url::UrlError>(())
//! ```
//!
//! # URL Translation Worker URLs
//!
//! ```
//! use pixelbin_url::{obj_to_url, url_to_obj, UrlObj, UrlToObjOptions};
//!
//! let url = "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/wrkr/resize:h100,w:200/folder/image.jpeg";
//! let obj = url_to_obj(url, UrlToObjOptions::default())?;
//! assert!(obj.worker);
//! assert_eq!(obj.worker_path, "resize:h100,w:200/folder/image.jpeg");
//! assert_eq!(obj.file_path, "");
//! assert!(obj.transformations.is_empty());
//!
//! let built = UrlObj::for_worker("your-cloud-name", "resize:h100,w:200/folder/image.jpeg")
//!     .zone("z-slug");
//! assert_eq!(obj_to_url(&built)?, url);
//! # Ok::<(), pixelbin_url::UrlError>(())
//! ```
//!
//! # Signing
//!
//! [`sign_url`] signs for `expiry_seconds` from now; [`sign_url_at`] takes the expiry time
//! itself, needs no clock (use it on wasm) and gives reproducible results:
//!
//! ```
//! use pixelbin_url::{sign_url, sign_url_at};
//!
//! let signed = sign_url_at(
//!     "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
//!     1695635915, // expiry, unix seconds
//!     "6227274d-92c9-4b74-bef8-2528542516d8", // access key (token id)
//!     "dummy-token", // token
//! )?;
//! assert_eq!(
//!     signed,
//!     "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg?pbs=8eb6a00af74e57967a42316e4de238aa88d92961649764fad1832c1bff101f25&pbe=1695635915&pbt=6227274d-92c9-4b74-bef8-2528542516d8"
//! );
//!
//! // Custom domains sign the same way.
//! let signed = sign_url("https://test.example.com/v2/original/__playground/playground-default.jpeg", 30, "22", "dummy-token")?;
//! assert!(signed.starts_with("https://test.example.com/v2/original/__playground/playground-default.jpeg?pbs="));
//!
//! // A URL is signed once.
//! assert_eq!(
//!     sign_url_at(&signed, 1, "22", "dummy-token").unwrap_err().to_string(),
//!     "URL already has a signature"
//! );
//! # Ok::<(), pixelbin_url::UrlError>(())
//! ```
//!
//! # Checking signed URLs and webhooks
//!
//! Beyond the reference: [`verify_signed_url`] recomputes `pbs` and compares it in constant
//! time, then checks `pbe` against the clock ([`verify_signed_url_at`] takes the time, for
//! wasm and tests); [`verify_webhook_signature`] checks the
//! `x-erbg-signature` header of a webhook call against its raw body.
//!
//! ```
//! use pixelbin_url::{
//!     read_signature, sign_url_at, verify_signed_url_at, verify_webhook_signature,
//!     webhook_signature, UrlError,
//! };
//!
//! let signed = sign_url_at("https://cdn.pixelbin.io/v2/my-cloud/original/a.jpeg", 1_700_000_600, "key-id", "token")?;
//! // Which key signed it? Look its token up, then verify.
//! assert_eq!(read_signature(&signed)?.access_key.as_deref(), Some("key-id"));
//! assert!(verify_signed_url_at(&signed, "token", 1_700_000_000).is_ok());
//! assert!(matches!(verify_signed_url_at(&signed, "token", 1_700_000_601), Err(UrlError::Expired { .. })));
//!
//! // A webhook call: the raw body and its `x-erbg-signature` header.
//! let body = br#"{"event":"prediction.completed"}"#;
//! let header = webhook_signature(body, "webhook-secret"); // what Pixelbin sends
//! assert!(verify_webhook_signature(body, &header, "webhook-secret").is_ok());
//! assert_eq!(
//!     verify_webhook_signature(br#"{"event":"forged"}"#, &header, "webhook-secret"),
//!     Err(UrlError::WebhookSignatureMismatch)
//! );
//! # Ok::<(), UrlError>(())
//! ```
//!
//! # Where this crate differs from the reference, on purpose
//!
//! - A URL's port survives parsing and building (`http://127.0.0.1:36349/v2/...` rebuilds to
//!   the same origin; the reference drops the port). An IPv6 host with a port keeps its
//!   brackets.
//! - Where the reference crashes with a Python internal error (an index, key, type or value
//!   error), a typed [`UrlError`] says what was wrong; a `dpr` of NaN is refused.
//! - Beyond the reference: typed builders and the [`catalogue`], [`Transformation::set`],
//!   [`Transformation::get`] and [`Transformation::remove`], [`srcset`], signature and webhook
//!   verification, [`sign_url_at`] without a clock.
//!
//! # Errors
//!
//! Where the reference raises one of its own errors, [`UrlError`]'s message is the
//! reference's, word for word; [`UrlError::kind`] gives the reference's error class.
//!
//! ```
//! use pixelbin_url::{url_to_obj, ErrorKind, UrlToObjOptions};
//!
//! let err = url_to_obj("https://cdn.pixelbin.io/v3/my-cloud/original/a.jpeg", UrlToObjOptions::default()).unwrap_err();
//! assert_eq!(err.to_string(), "Invalid pixelbin url. Please make sure the url is correct.");
//! assert_eq!(err.kind(), ErrorKind::InvalidUrl);
//! ```
//!
//! # Redaction
//!
//! [`redact`] is the SDK's one way to show a secret or a signed URL: a secret
//! as [`redact::REDACTED`], a signed query with its values replaced
//! ([`redact::redact_url`]).
//!
//! # Features
//!
//! - `serde` (default): `Serialize`/`Deserialize` for [`UrlObj`] and its parts,
//!   `UrlObj::from_json` and `SignUrlRequest::from_json`.

mod build;
pub mod catalogue;
mod dpr;
mod error;
#[cfg(feature = "serde")]
mod json;
mod model;
pub mod ops;
mod parse;
mod pattern;
pub mod plugins;
mod query;
pub mod redact;
mod scan;
mod sign;
mod split;
pub mod srcset;
mod webhook;

pub use build::obj_to_url;
pub use dpr::Dpr;
pub use error::{ErrorKind, PatternFault, UrlError};
pub use model::{BASE_URL, Param, Transformation, UrlObj, UrlOptions, UrlToObjOptions};
pub use parse::url_to_obj;
pub use pattern::{format_pattern, parse_pattern};
pub use sign::{
    SignUrlRequest, SignatureParams, generate_signature, read_signature, sign_url, sign_url_at,
    verify_signed_url, verify_signed_url_at,
};
pub use webhook::{WEBHOOK_SIGNATURE_HEADER, verify_webhook_signature, webhook_signature};

/// The README's example, compiled and run as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
