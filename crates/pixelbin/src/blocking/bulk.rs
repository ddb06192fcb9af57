//! Bulk work as blocking iterators: [`uploads`], [`predictions`] and [`transforms`] mirror
//! [`crate::bulk::uploads`], [`crate::bulk::predictions`] and [`crate::bulk::transforms`]
//! (same plan checks, journal and events), and [`BulkIter`] yields the results of a prediction batch or a many-files upload.
//!
//! ```no_run
//! use pixelbin::blocking::{PixelbinClient, bulk};
//! use pixelbin::bulk::{Event, Uploads};
//!
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = PixelbinClient::from_env()?;
//! let job = Uploads::new(["photos"]).folder("catalogue").journal("upload.jsonl");
//! for event in bulk::uploads(&client, job)? {
//!     match event {
//!         Event::Notice(notice) => eprintln!("note: {notice}"),
//!         Event::Item(item) => println!("{}: {}", item.input.display(), item.status),
//!         Event::Finished(summary) => println!("{summary}"),
//!     }
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::pin::Pin;

use futures::{Stream, StreamExt};

use super::PixelbinClient;
use super::runtime::BlockingRuntime;
use crate::Error;
use crate::bulk::{self as async_bulk, BulkStream, Event};

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

/// The events of a blocking bulk run, the last one [`Event::Finished`]; each `next()` waits
/// for the next. Dropping it stops the run (what was journaled stays true).
pub struct BulkEvents {
    runtime: BlockingRuntime,
    stream: Option<BulkStream>,
}

impl BulkEvents {
    /// The inputs planned (skipped ones included).
    pub fn total(&self) -> usize {
        self.stream.as_ref().map_or(0, BulkStream::total)
    }
}

impl Iterator for BulkEvents {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        let stream = self.stream.as_mut()?;
        let next = self
            .runtime
            .block_on("bulk events", stream.next())
            .ok()
            .flatten();
        if next.is_none() {
            self.stream = None;
        }
        next
    }
}

impl fmt::Debug for BulkEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkEvents")
            .field("total", &self.total())
            .finish()
    }
}

fn events(
    client: &PixelbinClient,
    method: &'static str,
    start: impl Future<Output = Result<BulkStream, async_bulk::Error>>,
) -> Result<BulkEvents, async_bulk::Error> {
    let runtime = client.handles.runtime.clone();
    let stream = runtime
        .block_on(method, start)
        .map_err(|e| async_bulk::Error::Blocking(Box::new(e)))??;
    Ok(BulkEvents {
        runtime,
        stream: Some(stream),
    })
}

/// [`crate::bulk::uploads`], blocking: checks the plan, then returns the run's events.
///
/// # Errors
/// Any [`crate::bulk::Error`] of the plan (nothing was sent).
pub fn uploads(
    client: &PixelbinClient,
    job: async_bulk::Uploads,
) -> Result<BulkEvents, async_bulk::Error> {
    let inner = client.handles.client.clone();
    events(client, "bulk::uploads", async move {
        async_bulk::uploads(&inner, job).await
    })
}

/// [`crate::bulk::predictions`], blocking: checks the plan, then returns the run's events.
///
/// # Errors
/// Any [`crate::bulk::Error`] of the plan (nothing was sent).
pub fn predictions(
    client: &PixelbinClient,
    job: async_bulk::Predict,
) -> Result<BulkEvents, async_bulk::Error> {
    let inner = client.handles.client.clone();
    events(client, "bulk::predictions", async move {
        async_bulk::predictions(&inner, job).await
    })
}

/// [`crate::bulk::transforms`], blocking: checks the pattern and the plan, then returns the
/// run's events.
///
/// # Errors
/// Any [`crate::bulk::Error`] of the plan (nothing was sent).
pub fn transforms(
    client: &PixelbinClient,
    job: async_bulk::Transforms,
) -> Result<BulkEvents, async_bulk::Error> {
    let inner = client.handles.client.clone();
    events(client, "bulk::transforms", async move {
        async_bulk::transforms(&inner, job).await
    })
}
