//! Page descriptors and the walk over every page of a paged endpoint.

use std::future::Future;

use futures::stream::{self, Stream, TryStreamExt};
use pixelbin_http::Error;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pixelbin_http::lenient_response! {
/// Where a page sits in the whole result (`page` in `listFiles` and `getPresets` answers).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// `type`: how pages are addressed, e.g. `number`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Number of items on this page.
    pub size: Option<u64>,
    /// This page's number (from 1).
    pub current: Option<u64>,
    /// Whether another page follows.
    pub has_next: Option<bool>,
    /// Total number of items over all pages.
    pub item_total: Option<u64>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

/// The page to ask for after `requested`, or `None` when the walk is over: the rule every
/// paged walk of the SDK follows (also for callers walking an endpoint by hand).
///
/// The walk always moves forward (even if the service echoes an older `current`) and stops on
/// an empty page, so a service that keeps saying `hasNext: true` cannot make it loop forever.
///
/// ```
/// use pixelbin_platform::{Page, next_page};
///
/// let page: Page = serde_json::from_str(r#"{"current": 1, "hasNext": true}"#).unwrap();
/// assert_eq!(next_page(1, &page, 20), Some(2));
/// assert_eq!(next_page(1, &page, 0), None);
/// ```
pub fn next_page(requested: u32, page: &Page, items_on_page: usize) -> Option<u32> {
    if page.has_next != Some(true) || items_on_page == 0 {
        return None;
    }
    let current = page
        .current
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(requested)
        .max(requested);
    current.checked_add(1)
}

/// Streams every item of every page, starting at page `first`.
///
/// `fetch(n)` loads page `n`. Pages are fetched lazily, one at a time, as the consumer pulls;
/// the first error is yielded and ends the stream.
pub(crate) fn walk<T, F, Fut>(first: u32, fetch: F) -> impl Stream<Item = Result<T, Error>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Page), Error>>,
{
    stream::try_unfold((fetch, Some(first)), |(mut fetch, next)| async move {
        let Some(page_no) = next else {
            return Ok(None);
        };
        let (items, page) = fetch(page_no).await?;
        let next = next_page(page_no, &page, items.len());
        Ok(Some((
            stream::iter(items.into_iter().map(Ok)),
            (fetch, next),
        )))
    })
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use std::sync::{Arc, Mutex};

    fn page(current: Option<u64>, has_next: Option<bool>) -> Page {
        Page {
            current,
            has_next,
            ..Page::default()
        }
    }

    #[test]
    fn next_page_follows_has_next() {
        assert_eq!(next_page(1, &page(Some(1), Some(true)), 3), Some(2));
        assert_eq!(next_page(1, &page(Some(1), Some(false)), 3), None);
        assert_eq!(next_page(1, &page(Some(1), None), 3), None);
        // No `current`: count from what was asked for.
        assert_eq!(next_page(4, &page(None, Some(true)), 3), Some(5));
        // A stale `current` never moves the walk backwards.
        assert_eq!(next_page(4, &page(Some(1), Some(true)), 3), Some(5));
        // An empty page ends the walk even if the service claims more.
        assert_eq!(next_page(1, &page(Some(1), Some(true)), 0), None);
        assert_eq!(next_page(u32::MAX, &page(None, Some(true)), 1), None);
    }

    #[test]
    fn decodes_page_with_all_fields() {
        let p: Page = serde_json::from_value(serde_json::json!({
            "type": "number", "size": 2, "current": 1, "hasNext": true, "itemTotal": 10
        }))
        .unwrap();
        assert_eq!(p.kind.as_deref(), Some("number"));
        assert_eq!(
            (p.size, p.current, p.has_next, p.item_total),
            (Some(2), Some(1), Some(true), Some(10))
        );
    }

    #[tokio::test]
    async fn walk_yields_every_item_in_order_and_fetches_lazily() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let stream = walk(1, move |n| {
            log.lock().unwrap().push(n);
            async move {
                let items = vec![n * 10, n * 10 + 1];
                Ok((items, page(Some(u64::from(n)), Some(n < 3))))
            }
        });
        futures::pin_mut!(stream);
        assert_eq!(stream.next().await.unwrap().unwrap(), 10);
        assert_eq!(
            *asked.lock().unwrap(),
            [1],
            "only the first page is loaded so far"
        );
        let rest: Vec<u32> = stream.map(Result::unwrap).collect().await;
        assert_eq!(rest, [11, 20, 21, 30, 31]);
        assert_eq!(*asked.lock().unwrap(), [1, 2, 3]);
    }

    #[tokio::test]
    async fn walk_stops_at_the_first_error() {
        let stream = walk(1, |n| async move {
            if n == 2 {
                Err(Error::IllegalArgument("boom".into()))
            } else {
                Ok((vec![n], page(Some(u64::from(n)), Some(true))))
            }
        });
        let all: Vec<Result<u32, Error>> = stream.collect().await;
        assert_eq!(all.len(), 2);
        assert_eq!(*all[0].as_ref().unwrap(), 1);
        assert_eq!(all[1].as_ref().unwrap_err().to_string(), "boom");
    }
}
