//! Building endpoint URLs and decoding answers; shared by every API group.

use pixelbin_http::{ApiRequest, Error, Transport};
use serde::de::DeserializeOwned;
use url::Url;

/// `base` (an absolute API path) followed by `segments`, each percent-encoded as one segment.
///
/// Encoding each segment on its own keeps a `?`, `#` or `%` in a file name from changing the
/// request, and `/` inside an `_id` from reaching a different endpoint.
pub(crate) fn url(transport: &Transport, base: &str, segments: &[&str]) -> Result<Url, Error> {
    let mut url = transport.api_url(base);
    if !segments.is_empty() {
        url.path_segments_mut()
            .map_err(|()| {
                Error::IllegalArgument(format!(
                    "the configured domain cannot carry a path ({base}); use an http(s) URL such as https://api.pixelbin.io"
                ))
            })?
            .pop_if_empty()
            .extend(segments);
    }
    Ok(url)
}

/// Sends `request` and decodes the 2xx body as `T` (non-2xx answers are `Error::Api`).
pub(crate) async fn send_json<T: DeserializeOwned>(
    transport: &Transport,
    request: ApiRequest,
) -> Result<T, Error> {
    transport.send(request).await?.json()
}
