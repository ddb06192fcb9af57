//! Blocking transformation context.

use std::fmt;

use pixelbin_platform::TransformationContext;

use super::runtime::BlockingRuntime;
use crate::Error;

/// Blocking twin of [`pixelbin::Transformation`](crate::Transformation).
#[derive(Clone)]
pub struct Transformation {
    inner: pixelbin_platform::Transformation,
    runtime: BlockingRuntime,
}

impl Transformation {
    pub(crate) fn new(inner: pixelbin_platform::Transformation, runtime: BlockingRuntime) -> Self {
        Transformation { inner, runtime }
    }

    /// `getTransformationContext`; see
    /// [`pixelbin_platform::Transformation::get_transformation_context`].
    pub fn get_transformation_context(
        &self,
        transformation_url: Option<&str>,
    ) -> Result<TransformationContext, Error> {
        self.runtime.run(
            "Transformation::get_transformation_context",
            self.inner.get_transformation_context(transformation_url),
        )
    }
}

impl fmt::Debug for Transformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Transformation")
            .field(&self.inner)
            .finish()
    }
}
