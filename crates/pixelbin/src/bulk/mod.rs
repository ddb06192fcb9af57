//! Bulk work that survives crashes: every file under folders uploaded, every image sent
//! through a model, or every image through a transformation pattern, each input done once,
//! resumable through a [`Journal`].
//!
//! [`uploads`], [`predictions`] and [`transforms`] walk the inputs ([`Walk`]: each real file once, link loops
//! skipped and reported), check the whole plan before anything is sent (stored names that
//! would collide, output files that would collide, the output folder writable, remote folders
//! well formed), read the journal of an earlier run, and return a [`BulkStream`] of
//! [`Event`]s: notices, one [`ItemOutcome`] per input, and last the [`Summary`] with its
//! [`Exit`] classification.
//!
//! [`transforms`] uploads each image to a working folder, fetches it through the pattern from
//! the CDN ([`PixelbinClient::cdn`]) and saves it locally; it checks the pattern against the
//! catalogue before anything is sent, and deletes its working uploads once every image is done.
//!
//! A run stops early, with one [`Stop`] in its summary, when the account's credits run out
//! (running jobs are still waited for and their outputs saved; inputs never started are
//! journaled as such) or when the server refuses connections for several inputs in a row.
//!
//! ```no_run
//! use pixelbin::bulk::{self, Event, StreamExt};
//!
//! # async fn run(client: pixelbin::PixelbinClient) -> Result<(), pixelbin::bulk::Error> {
//! let job = bulk::Uploads::new(["photos"]).folder("catalogue").journal("upload.jsonl");
//! let mut events = bulk::uploads(&client, job).await?;
//! while let Some(event) = events.next().await {
//!     match event {
//!         Event::Notice(notice) => eprintln!("note: {notice}"),
//!         Event::Item(item) => println!("{}: {:?}", item.input.display(), item.status),
//!         Event::Finished(summary) => println!("{summary}"),
//!     }
//! }
//! # Ok(()) }
//! ```

mod error;
pub mod journal;
mod outcome;
mod output;
mod pattern;
mod predictions;
mod remote;
mod stream;
mod transforms;
mod uploads;
pub mod walk;
mod working;

pub use error::Error;
pub use journal::{ItemId, Journal, Record, Scope, State, Work};
pub use outcome::{Event, Exit, ItemOutcome, ItemStatus, Notice, Stop, Summary};
pub use predictions::{DEFAULT_JOURNAL, Predict, SharedInput, predictions};
pub use stream::BulkStream;
pub use transforms::{DEFAULT_CONCURRENCY, TRANSFORM_JOURNAL, Transforms, transforms};
pub use uploads::{Uploads, uploads};
pub use walk::{Found, Walk};
pub use working::WORKING_FOLDER_PREFIX;

/// The stream methods (`next`, `map`, ...) a [`BulkStream`] is read with, so a bulk program
/// needs no `futures` dependency of its own.
pub use futures::{Stream, StreamExt};

use crate::PixelbinClient;

/// The account `client` works on: its API domain and its token's organization (one request).
///
/// # Errors
/// [`Error::Scope`] when the organization cannot be read.
pub async fn scope(client: &PixelbinClient) -> Result<Scope, Error> {
    let details = client
        .organization()
        .get_app_org_details()
        .await
        .map_err(|e| Error::Scope(Box::new(e.into())))?;
    let org = details.org.unwrap_or_default();
    let organization = org
        .id
        .map(|id| id.to_string())
        .or(org.cloud_name)
        .unwrap_or_default();
    let domain = client.config().domain().as_str();
    Ok(Scope {
        domain: domain.trim_end_matches('/').to_string(),
        organization,
    })
}

/// One line of text from an error and each of its causes, each said once (a cause whose
/// message the previous one already contains is left out).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(cause) = next {
        let text = cause.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    parts.join(": ")
}

/// Whether `error` (or a cause of it) is a request that never reached the server (connection
/// refused, DNS failure): several in a row mean the server is gone.
pub(crate) fn never_reached(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(cause) = next {
        if let Some(crate::http::Error::Transport { not_sent: true, .. }) =
            cause.downcast_ref::<crate::http::Error>()
        {
            return true;
        }
        next = cause.source();
    }
    false
}

/// Inputs failing in a row with a connection that never reached the server before a run
/// stops.
pub(crate) const GONE_AFTER: usize = 3;
