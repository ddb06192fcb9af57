//! Bulk results (a prediction batch, a many-files upload) as blocking iterators.

use std::fmt;
use std::pin::Pin;

use futures::{Stream, StreamExt};

use super::runtime::BlockingRuntime;
use crate::Error;

type BoxedStream<K, T> = Pin<Box<dyn Stream<Item = (K, Result<T, Error>)> + Send>>;

/// `(key, result)` of each input of a bulk call, in completion order, waiting for the next
/// one on each `next()`.
///
/// Returned by [`Predictions::batch`](super::Predictions::batch) and
/// [`Uploader::upload_many`](super::Uploader::upload_many). Dropping it stops the work that
/// has not started. Called from inside an async runtime (where blocking is forbidden) it ends
/// at once.
pub struct BulkIter<K, T> {
    runtime: BlockingRuntime,
    method: &'static str,
    stream: Option<BoxedStream<K, T>>,
}

impl<K, T> BulkIter<K, T> {
    pub(crate) fn new<E>(
        runtime: BlockingRuntime,
        method: &'static str,
        stream: impl Stream<Item = (K, Result<T, E>)> + Send + 'static,
    ) -> Self
    where
        E: Into<Error>,
    {
        BulkIter {
            runtime,
            method,
            stream: Some(Box::pin(
                stream.map(|(key, result)| (key, result.map_err(Into::into))),
            )),
        }
    }
}

impl<K, T> Iterator for BulkIter<K, T> {
    type Item = (K, Result<T, Error>);

    fn next(&mut self) -> Option<Self::Item> {
        let stream = self.stream.as_mut()?;
        let next = self
            .runtime
            .block_on(self.method, stream.next())
            .ok()
            .flatten();
        if next.is_none() {
            // Finished (or refused inside a runtime): drop the stream and its work now.
            self.stream = None;
        }
        next
    }
}

impl<K, T> fmt::Debug for BulkIter<K, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkIter")
            .field("method", &self.method)
            .field("finished", &self.stream.is_none())
            .finish()
    }
}
