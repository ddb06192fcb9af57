//! The stream a bulk run returns: its events, from a task of its own.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::mpsc;

use super::{Event, ItemOutcome, Notice, Summary};

/// The events of a bulk run ([`Event`]), the last one [`Event::Finished`].
///
/// The run goes on a task of its own; dropping the stream stops it at once (what was
/// journaled stays true, a rerun goes on from there).
pub struct BulkStream {
    total: usize,
    events: mpsc::Receiver<Event>,
    driver: tokio::task::JoinHandle<()>,
}

impl BulkStream {
    pub(crate) fn spawn<F>(total: usize, run: impl FnOnce(mpsc::Sender<Event>) -> F) -> BulkStream
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let (sender, events) = mpsc::channel(64);
        BulkStream {
            total,
            events,
            driver: tokio::spawn(run(sender)),
        }
    }

    /// The inputs planned (skipped ones included), known before the first event.
    pub fn total(&self) -> usize {
        self.total
    }
}

/// Sends what a run knows before it sends any request: its notices, each counted in `summary`
/// (an unreadable folder is work left undone), then the inputs an earlier run finished. `None`
/// when the stream was dropped. Every bulk run starts with it.
pub(crate) async fn send_known(
    events: &mpsc::Sender<Event>,
    summary: &mut Summary,
    notices: Vec<Notice>,
    done_before: Vec<ItemOutcome>,
) -> Option<()> {
    for notice in notices {
        summary.note(&notice);
        events.send(Event::Notice(notice)).await.ok()?;
    }
    for outcome in done_before {
        summary.count(outcome.status);
        events.send(Event::Item(outcome)).await.ok()?;
    }
    Some(())
}

impl Stream for BulkStream {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.events.poll_recv(cx)
    }
}

impl Drop for BulkStream {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl fmt::Debug for BulkStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkStream")
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}
