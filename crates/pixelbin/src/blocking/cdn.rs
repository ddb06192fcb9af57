//! Blocking CDN fetches.

use std::fmt;
use std::path::Path;

use super::runtime::BlockingRuntime;
use crate::Error;
use crate::cdn::{CdnOptions, CdnUrl, Fetched, Saved};

/// Blocking twin of [`pixelbin::cdn::Cdn`](crate::cdn::Cdn).
#[derive(Clone)]
pub struct Cdn {
    inner: crate::cdn::Cdn,
    runtime: BlockingRuntime,
}

impl Cdn {
    pub(crate) fn new(inner: crate::cdn::Cdn, runtime: BlockingRuntime) -> Self {
        Cdn { inner, runtime }
    }

    /// See [`pixelbin::cdn::Cdn::fetch`](crate::cdn::Cdn::fetch).
    ///
    /// # Errors
    /// As the async method's.
    pub fn fetch(&self, url: impl CdnUrl) -> Result<Fetched, Error> {
        self.runtime.run("Cdn::fetch", self.inner.fetch(url))
    }

    /// See [`pixelbin::cdn::Cdn::fetch_with`](crate::cdn::Cdn::fetch_with).
    ///
    /// # Errors
    /// As the async method's.
    pub fn fetch_with(&self, url: impl CdnUrl, options: &CdnOptions) -> Result<Fetched, Error> {
        self.runtime
            .run("Cdn::fetch_with", self.inner.fetch_with(url, options))
    }

    /// See [`pixelbin::cdn::Cdn::fetch_to`](crate::cdn::Cdn::fetch_to).
    ///
    /// # Errors
    /// As the async method's.
    pub fn fetch_to(&self, url: impl CdnUrl, target: &Path) -> Result<Saved, Error> {
        self.runtime
            .run("Cdn::fetch_to", self.inner.fetch_to(url, target))
    }

    /// See [`pixelbin::cdn::Cdn::fetch_to_with`](crate::cdn::Cdn::fetch_to_with).
    ///
    /// # Errors
    /// As the async method's.
    pub fn fetch_to_with(
        &self,
        url: impl CdnUrl,
        target: &Path,
        options: &CdnOptions,
    ) -> Result<Saved, Error> {
        self.runtime.run(
            "Cdn::fetch_to_with",
            self.inner.fetch_to_with(url, target, options),
        )
    }
}

impl fmt::Debug for Cdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Cdn").field(&self.inner).finish()
    }
}
