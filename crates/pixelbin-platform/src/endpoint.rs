//! Building endpoint URLs and decoding answers; shared by every API group.

use pixelbin_http::{ApiRequest, Error, Transport};
use serde::de::DeserializeOwned;
use url::Url;

/// `base` (an absolute API path) followed by `segments`, each percent-encoded as one segment
/// ([`Transport::endpoint`]).
pub(crate) fn url(transport: &Transport, base: &str, segments: &[&str]) -> Result<Url, Error> {
    transport.endpoint(base, segments)
}

/// Sends `request` and decodes the 2xx body as `T` (non-2xx answers are `Error::Api`).
pub(crate) async fn send_json<T: DeserializeOwned>(
    transport: &Transport,
    request: ApiRequest,
) -> Result<T, Error> {
    transport.send(request).await?.json()
}
