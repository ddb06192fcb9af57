//! A blocking client, for programs without an async runtime (feature `blocking`).
//!
//! Needs the `blocking` feature: `pixelbin = { version = "0.1", features = ["blocking"] }`
//! (it brings in the multi-threaded Tokio runtime the client owns).
//!
//! [`PixelbinClient`] mirrors [`pixelbin::PixelbinClient`](crate::PixelbinClient) method for
//! method: the same handles (`predictions()`, `uploader()`, `assets()`, `organization()`,
//! `transformation()`, `billing()`), the same methods with the same arguments, returning when the call is
//! done. Every method returns [`pixelbin::Error`](crate::Error); paginated listings become
//! iterators ([`ListIter`]) and `std::io` readers and writers take the place of async ones
//! ([`BlockingReader`], [`Predictions::download_output`]).
//!
//! ```no_run
//! use pixelbin::blocking::PixelbinClient;
//! use pixelbin::{PixelbinConfig, PredictionInput, WaitOptions};
//!
//! fn main() -> Result<(), pixelbin::Error> {
//!     let client = PixelbinClient::new(PixelbinConfig::from_env()?)?;
//!     let job = client.predictions().create(
//!         "erase_bg",
//!         PredictionInput::new().url("image", "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg"),
//!         None,
//!     )?;
//!     let done = client.predictions().wait(&job.id, WaitOptions::default())?;
//!     println!("{}: {:?}", done.status, done.output_urls());
//!     Ok(())
//! }
//! ```
//!
//! # How it works
//!
//! The client owns a small multi-threaded Tokio runtime (one worker thread, shared by its
//! clones). A call runs the async client's future on the calling thread, while the worker
//! drives the connections, so many threads can use one client at once. Its connection pool
//! belongs to that runtime: build the blocking client from a config, not from an async
//! client's transport that is also used elsewhere.
//!
//! # Inside an async runtime
//!
//! Blocking a runtime's thread stalls every task on it, and Tokio forbids it. So a method
//! called where a Tokio runtime is current (an `async fn`, or a `spawn_blocking` closure)
//! sends nothing and returns [`Error::InsideAsyncRuntime`]:
//! use the async client there. Dropping the client inside a runtime is fine.

mod assets;
mod billing;
pub mod bulk;
mod cdn;
mod io;
mod iter;
mod organization;
mod predictions;
mod runtime;
mod transformation;
mod uploader;

use std::fmt;
use std::sync::Arc;

use pixelbin_http::{PixelbinConfig, Transport};

pub use self::assets::Assets;
pub use self::billing::Billing;
pub use self::bulk::BulkIter;
pub use self::cdn::Cdn;
pub use self::io::BlockingReader;
pub use self::iter::ListIter;
pub use self::organization::Organization;
pub use self::predictions::Predictions;
#[allow(deprecated)]
pub use self::transformation::Transformation;
pub use self::transformation::TransformationApi;
pub use self::uploader::Uploader;

use self::runtime::BlockingRuntime;
use crate::Error;

/// The blocking Pixelbin client; see the [module docs](self).
///
/// Cheap to clone (one reference count); clones share the runtime and the connection pool.
#[derive(Clone)]
pub struct PixelbinClient {
    handles: Arc<Handles>,
}

struct Handles {
    client: crate::PixelbinClient,
    runtime: BlockingRuntime,
    predictions: Predictions,
    uploader: Uploader,
    assets: Assets,
    organization: Organization,
    transformation: TransformationApi,
    billing: Billing,
    cdn: Cdn,
}

impl PixelbinClient {
    /// A client for `config`, with its own runtime thread.
    ///
    /// Fails when the HTTP client cannot be built (an unusable proxy or TLS setup) or the
    /// runtime's thread cannot be started.
    pub fn new(config: PixelbinConfig) -> Result<Self, Error> {
        Self::with_transport(Transport::new(config)?)
    }

    /// A client configured from `PIXELBIN_API_TOKEN` and `PIXELBIN_DOMAIN`; see
    /// [`PixelbinConfig::from_env`].
    pub fn from_env() -> Result<Self, Error> {
        Self::new(PixelbinConfig::from_env()?)
    }

    /// A client over a transport built by hand (e.g. with your own tower layers). Give it a
    /// transport no other client uses: its connections will live on this client's runtime.
    pub fn with_transport(transport: Transport) -> Result<Self, Error> {
        let runtime = BlockingRuntime::new()?;
        let client = crate::PixelbinClient::with_transport(transport);
        let handles = Handles {
            predictions: Predictions::new(client.predictions().clone(), runtime.clone()),
            uploader: Uploader::new(client.uploader().clone(), runtime.clone()),
            assets: Assets::new(client.assets().clone(), runtime.clone()),
            organization: Organization::new(client.organization().clone(), runtime.clone()),
            transformation: TransformationApi::new(
                client.transformation().clone(),
                runtime.clone(),
            ),
            cdn: Cdn::new(client.cdn(), runtime.clone()),
            billing: Billing::new(client.billing().clone(), runtime.clone()),
            runtime,
            client,
        };
        Ok(PixelbinClient {
            handles: Arc::new(handles),
        })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &PixelbinConfig {
        self.handles.client.config()
    }

    /// The transport every request goes through.
    pub fn transport(&self) -> &Transport {
        self.handles.client.transport()
    }

    /// Prediction jobs: the reference's `pixelbin.predictions`.
    pub fn predictions(&self) -> &Predictions {
        &self.handles.predictions
    }

    /// Signed multipart uploads: the reference's `pixelbin.uploader`.
    pub fn uploader(&self) -> &Uploader {
        &self.handles.uploader
    }

    /// The asset APIs: the reference's `pixelbin.assets`.
    pub fn assets(&self) -> &Assets {
        &self.handles.assets
    }

    /// The organization's app details: the reference's `pixelbin.organization`.
    pub fn organization(&self) -> &Organization {
        &self.handles.organization
    }

    /// The transformation context: the reference's `pixelbin.transformation`.
    pub fn transformation(&self) -> &TransformationApi {
        &self.handles.transformation
    }

    /// Fetches transformed (or signed) CDN URLs, waiting through `202 Accepted`; see
    /// [`pixelbin::cdn`](crate::cdn).
    pub fn cdn(&self) -> &Cdn {
        &self.handles.cdn
    }

    /// Credit and storage usage: `billing` of the JS admin SDK `@pixelbin/admin`.
    pub fn billing(&self) -> &Billing {
        &self.handles.billing
    }
}

impl fmt::Debug for PixelbinClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::PixelbinClient")
            .field("config", self.config())
            .finish_non_exhaustive()
    }
}
