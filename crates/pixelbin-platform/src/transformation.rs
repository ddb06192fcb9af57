//! The transformation API group (`TransformationApi`): what the service knows about a
//! transformation URL.

use std::fmt;

use pixelbin_http::{ApiRequest, Error, Transport};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{send_json, url};
use crate::query::Query;

const CONTEXT: &str = "/service/platform/transformation/context";

/// Transformation-context calls (`pixelbin.transformation` in the reference). Named apart
/// from `pixelbin_url::Transformation`, one step of a transformation URL.
///
/// Cheap to clone; `Send + Sync`.
///
/// ```no_run
/// # async fn demo() -> Result<(), pixelbin_http::Error> {
/// use pixelbin_http::{PixelbinConfig, Transport};
/// use pixelbin_platform::TransformationApi;
///
/// let transformation = TransformationApi::new(Transport::new(PixelbinConfig::from_env()?)?);
/// let context = transformation
///     .get_transformation_context(Some(
///         "https://cdn.pixelbin.io/v2/dummy-cloudname/t.resize(h:100)/cat.jpeg",
///     ))
///     .await?;
/// println!("{:?}", context.context);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TransformationApi {
    transport: Transport,
}

impl TransformationApi {
    /// Wraps a transport; every call goes through its auth, retry and timeout stack.
    pub fn new(transport: Transport) -> Self {
        Self { transport }
    }

    /// `getTransformationContext`: the context (metadata, detections, ...) the service
    /// computed for a transformation `url`.
    ///
    /// `GET /service/platform/transformation/context?url=...`; `None` or an empty URL sends
    /// no `url` parameter, as the reference does.
    pub async fn get_transformation_context(
        &self,
        transformation_url: Option<&str>,
    ) -> Result<TransformationContext, Error> {
        let url = url(&self.transport, CONTEXT, &[])?;
        let query = Query::from_params(&ContextQuery {
            url: transformation_url,
        })?;
        send_json(&self.transport, query.apply(ApiRequest::get(url))).await
    }
}

/// The context call's one query parameter.
#[derive(Serialize)]
struct ContextQuery<'a> {
    url: Option<&'a str>,
}

/// Former name of [`TransformationApi`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to `TransformationApi`, apart from the URL step `pixelbin_url::Transformation`"
)]
pub type Transformation = TransformationApi;

impl fmt::Debug for TransformationApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransformationApi").finish_non_exhaustive()
    }
}

pixelbin_http::lenient_response! {
/// Answer of [`TransformationApi::get_transformation_context`]
/// (`GetTransformationContextSuccessResponse`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransformationContext {
    /// The context object as sent by the service.
    #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")]
    pub context: Map<String, Value>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_context() {
        let ctx: TransformationContext = serde_json::from_value(json!({
            "context": {"steps": [], "meta": {"width": 100}}, "requestId": "r1"
        }))
        .unwrap();
        assert_eq!(ctx.context["meta"]["width"], 100);
        assert_eq!(ctx.extra["requestId"], "r1");
    }
}
