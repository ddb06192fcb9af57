//! Auto-paginating listings as blocking iterators.

use std::fmt;
use std::pin::Pin;

use futures::{Stream, StreamExt};

use super::runtime::BlockingRuntime;
use crate::Error;

type BoxedStream<T> = Pin<Box<dyn Stream<Item = Result<T, pixelbin_http::Error>> + Send>>;

/// The items of a paginated listing, fetched page by page as the iterator advances.
///
/// Returned by [`Assets::list_files_stream`](super::Assets::list_files_stream) and
/// [`Assets::get_presets_stream`](super::Assets::get_presets_stream). After an error the
/// iterator ends, so `for item in iter { let item = item?; .. }` and
/// `iter.collect::<Result<Vec<_>, _>>()` both stop at the first failure.
pub struct ListIter<T> {
    runtime: BlockingRuntime,
    method: &'static str,
    stream: Option<BoxedStream<T>>,
}

impl<T> ListIter<T> {
    pub(crate) fn new(
        runtime: BlockingRuntime,
        method: &'static str,
        stream: impl Stream<Item = Result<T, pixelbin_http::Error>> + Send + 'static,
    ) -> Self {
        ListIter {
            runtime,
            method,
            stream: Some(Box::pin(stream)),
        }
    }
}

impl<T> Iterator for ListIter<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let stream = self.stream.as_mut()?;
        let next = match self.runtime.block_on(self.method, stream.next()) {
            Ok(next) => next.map(|item| item.map_err(Error::from)),
            Err(refused) => Some(Err(refused)),
        };
        if !matches!(next, Some(Ok(_))) {
            // Finished or failed: drop the stream (and its connection) now.
            self.stream = None;
        }
        next
    }
}

impl<T> fmt::Debug for ListIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListIter")
            .field("method", &self.method)
            .field("finished", &self.stream.is_none())
            .finish()
    }
}
