//! Blocking transformation context.

use std::fmt;

use pixelbin_platform::TransformationContext;

use super::runtime::BlockingRuntime;
use crate::Error;

/// Blocking twin of [`pixelbin::TransformationApi`](crate::TransformationApi).
#[derive(Clone)]
pub struct TransformationApi {
    inner: pixelbin_platform::TransformationApi,
    runtime: BlockingRuntime,
}

impl TransformationApi {
    pub(crate) fn new(
        inner: pixelbin_platform::TransformationApi,
        runtime: BlockingRuntime,
    ) -> Self {
        TransformationApi { inner, runtime }
    }

    /// `getTransformationContext`; see
    /// [`pixelbin::platform::TransformationApi::get_transformation_context`](crate::platform::TransformationApi::get_transformation_context).
    pub fn get_transformation_context(
        &self,
        transformation_url: Option<&str>,
    ) -> Result<TransformationContext, Error> {
        self.runtime.run(
            "TransformationApi::get_transformation_context",
            self.inner.get_transformation_context(transformation_url),
        )
    }
}

/// Former name of [`TransformationApi`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to `TransformationApi`, apart from the URL step `pixelbin::url::Transformation`"
)]
pub type Transformation = TransformationApi;

impl fmt::Debug for TransformationApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::TransformationApi")
            .field(&self.inner)
            .finish()
    }
}
