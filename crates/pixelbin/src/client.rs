//! The async client: one transport shared by every API group.

use std::fmt;
use std::sync::Arc;

use pixelbin_http::{PixelbinConfig, Transport};
use pixelbin_platform::{Assets, Billing, Organization, TransformationApi};
use pixelbin_predictions::Predictions;
use pixelbin_upload::Uploader;

use crate::Error;

/// The Pixelbin client: predictions, uploads and the platform APIs over one connection pool.
///
/// Cloning is cheap (one reference count) and clones share everything; the client is
/// `Send + Sync`, so one instance can serve a whole application.
///
/// ```no_run
/// use pixelbin::{PixelbinClient, PixelbinConfig};
///
/// # async fn run() -> Result<(), pixelbin::Error> {
/// let client = PixelbinClient::new(PixelbinConfig::new("API_TOKEN")?)?;
/// let models = client.predictions().list().await?;
/// let page = client.assets().list_files(Default::default()).await?;
/// println!("{} models, {} files on the first page", models.len(), page.items.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PixelbinClient {
    handles: Arc<Handles>,
}

/// The API groups, each holding a clone of the same transport.
struct Handles {
    transport: Transport,
    predictions: Predictions,
    uploader: Uploader,
    assets: Assets,
    organization: Organization,
    transformation: TransformationApi,
    billing: Billing,
}

impl PixelbinClient {
    /// A client for `config`.
    ///
    /// Fails when the HTTP client cannot be built (an unusable proxy or TLS setup).
    pub fn new(config: PixelbinConfig) -> Result<Self, Error> {
        Ok(Self::with_transport(Transport::new(config)?))
    }

    /// A client configured from the environment: `PIXELBIN_API_TOKEN` (required) and
    /// `PIXELBIN_DOMAIN` (optional, default `https://api.pixelbin.io`).
    pub fn from_env() -> Result<Self, Error> {
        Self::new(PixelbinConfig::from_env()?)
    }

    /// A client over a transport built by hand, e.g. with your own tower layers
    /// ([`Transport::builder`]).
    pub fn with_transport(transport: Transport) -> Self {
        let handles = Handles {
            predictions: Predictions::new(transport.clone()),
            uploader: Uploader::new(transport.clone()),
            assets: Assets::new(transport.clone()),
            organization: Organization::new(transport.clone()),
            transformation: TransformationApi::new(transport.clone()),
            billing: Billing::new(transport.clone()),
            transport,
        };
        PixelbinClient {
            handles: Arc::new(handles),
        }
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &PixelbinConfig {
        self.handles.transport.config()
    }

    /// Fetches transformed (or signed) CDN URLs, waiting through `202 Accepted` while the
    /// CDN generates them; see [`cdn`](crate::cdn).
    pub fn cdn(&self) -> crate::cdn::Cdn {
        crate::cdn::Cdn::new(self.handles.transport.clone())
    }

    /// The transport every request goes through.
    pub fn transport(&self) -> &Transport {
        &self.handles.transport
    }

    /// Prediction jobs (`erase_bg`, ...): the reference's `pixelbin.predictions`.
    pub fn predictions(&self) -> &Predictions {
        &self.handles.predictions
    }

    /// Signed multipart uploads: the reference's `pixelbin.uploader`.
    pub fn uploader(&self) -> &Uploader {
        &self.handles.uploader
    }

    /// Files, folders, presets, credentials, playground, direct uploads and signed upload
    /// URLs: the reference's `pixelbin.assets`.
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

    /// Credit and storage usage: `billing` of the JS admin SDK `@pixelbin/admin`.
    pub fn billing(&self) -> &Billing {
        &self.handles.billing
    }
}

impl fmt::Debug for PixelbinClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The config's Debug redacts the secret; the transport is never printed.
        f.debug_struct("PixelbinClient")
            .field("config", self.config())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_transport() {
        let client = PixelbinClient::new(PixelbinConfig::new("test-secret").unwrap()).unwrap();
        let clone = client.clone();
        assert!(Arc::ptr_eq(&client.handles, &clone.handles));
        assert_eq!(clone.config().domain().as_str(), "https://api.pixelbin.io/");
    }

    #[test]
    fn debug_hides_the_secret() {
        let client =
            PixelbinClient::new(PixelbinConfig::new("very-secret-token").unwrap()).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("very-secret-token"), "{debug}");
        assert!(debug.contains("api.pixelbin.io"), "{debug}");
    }

    #[test]
    fn bad_config_is_an_error_not_a_panic() {
        let err = PixelbinConfig::new("")
            .map(PixelbinClient::new)
            .unwrap_err();
        let text = Error::from(err).to_string();
        assert!(text.starts_with("No API Secret Token Present: "), "{text}");
    }
}
