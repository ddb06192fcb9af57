//! The runtime the blocking client owns, and the one place that blocks on it.

use std::future::Future;
use std::sync::Arc;

use crate::Error;

/// A multi-threaded Tokio runtime with one worker, shared by a blocking client and its clones.
///
/// Calls run their future on the calling thread (`Runtime::block_on`), so many threads can
/// call at once; the worker drives the sockets and timers and runs the connection tasks of the
/// pool. That worker is the runtime's only thread until a file needs opening.
#[derive(Clone)]
pub(crate) struct BlockingRuntime {
    cell: Arc<RuntimeCell>,
}

/// Holds the runtime so that dropping it can pick a way that never panics.
struct RuntimeCell {
    runtime: Option<tokio::runtime::Runtime>,
}

impl BlockingRuntime {
    /// Starts the worker thread.
    pub(crate) fn new() -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("pixelbin-blocking")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        Ok(BlockingRuntime {
            cell: Arc::new(RuntimeCell {
                runtime: Some(runtime),
            }),
        })
    }

    /// Runs `future` to completion on the calling thread.
    ///
    /// Refuses (instead of panicking or deadlocking) when the thread is inside a Tokio
    /// runtime: blocking there would stall that runtime, and Tokio forbids it.
    pub(crate) fn block_on<F: Future>(
        &self,
        method: &'static str,
        future: F,
    ) -> Result<F::Output, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::InsideAsyncRuntime { method });
        }
        // Only `Drop` takes the runtime, after the last handle is gone; the `None` arm is
        // there so that no path can panic.
        match &self.cell.runtime {
            Some(runtime) => Ok(runtime.block_on(future)),
            None => Err(Error::Runtime(std::io::Error::other(
                "the runtime has been shut down",
            ))),
        }
    }

    /// [`block_on`](Self::block_on) for a fallible future, flattening its error into [`Error`].
    pub(crate) fn run<T, E, F>(&self, method: &'static str, future: F) -> Result<T, Error>
    where
        F: Future<Output = Result<T, E>>,
        E: Into<Error>,
    {
        self.block_on(method, future)?.map_err(Into::into)
    }
}

impl Drop for RuntimeCell {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Dropping a runtime waits for its threads, which Tokio forbids (with a panic)
            // inside another runtime; there, let the threads finish in the background.
            if tokio::runtime::Handle::try_current().is_ok() {
                runtime.shutdown_background();
            }
        }
    }
}
