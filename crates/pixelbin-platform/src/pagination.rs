//! Page descriptors and the walk over every page of a paged endpoint: [`paginate`] is the one
//! stream behind every `*_stream` list of the SDK.

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

/// A list call's parameters, as [`paginate`] moves them from page to page.
pub(crate) trait PageParams: Clone + Send + 'static {
    /// The page the walk starts at: the parameters' own page number, default 1.
    fn first_page(&self) -> u32;
    /// These parameters, asking for page `page_no`.
    fn at_page(self, page_no: u32) -> Self;
}

/// One page of a list call's answer.
pub(crate) trait PageResponse {
    /// What the list holds.
    type Item;
    /// The items on this page and where the page sits.
    fn into_parts(self) -> (Vec<Self::Item>, Page);
}

/// Makes a list call walkable by [`paginate`]: `$params` has a `page_no` field and setter,
/// `$response` has `items: Vec<$item>` and `page`.
macro_rules! paged {
    ($params:ty => $response:ty, $item:ty) => {
        impl $crate::pagination::PageParams for $params {
            fn first_page(&self) -> u32 {
                self.page_no.unwrap_or(1)
            }
            fn at_page(self, page_no: u32) -> Self {
                self.page_no(page_no)
            }
        }
        impl $crate::pagination::PageResponse for $response {
            type Item = $item;
            fn into_parts(self) -> (Vec<$item>, $crate::pagination::Page) {
                (self.items, self.page)
            }
        }
    };
}
pub(crate) use paged;

/// Every item of a paged list call, page after page: `call(client, params)` for the first page
/// (`params`' own page number, default 1), then for each page [`next_page`] names.
///
/// Pages are fetched lazily, one at a time, as the consumer pulls; the first error is yielded
/// and ends the stream. Boxed, so callers can use `next()`/`try_next()` without pinning it.
pub(crate) fn paginate<C, P, R, F, Fut>(
    client: C,
    params: P,
    call: F,
) -> impl Stream<Item = Result<R::Item, Error>> + Send + Unpin + 'static
where
    C: Clone + Send + 'static,
    P: PageParams,
    F: Fn(C, P) -> Fut + Send + 'static,
    Fut: Future<Output = Result<R, Error>> + Send + 'static,
    R: PageResponse + Send,
    R::Item: Send + 'static,
{
    let first = params.first_page();
    Box::pin(walk(first, move |page_no| {
        let response = call(client.clone(), params.clone().at_page(page_no));
        async move { response.await.map(PageResponse::into_parts) }
    }))
}

/// Streams every item of every page, starting at page `first`; `fetch(n)` loads page `n`.
fn walk<T, F, Fut>(first: u32, fetch: F) -> impl Stream<Item = Result<T, Error>>
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

    #[derive(Clone)]
    struct Params(Option<u32>);
    impl PageParams for Params {
        fn first_page(&self) -> u32 {
            self.0.unwrap_or(1)
        }
        fn at_page(self, page_no: u32) -> Self {
            Params(Some(page_no))
        }
    }
    struct Answer(Vec<u32>, Page);
    impl PageResponse for Answer {
        type Item = u32;
        fn into_parts(self) -> (Vec<u32>, Page) {
            (self.0, self.1)
        }
    }

    #[tokio::test]
    async fn paginate_starts_at_the_params_page_and_asks_each_next_page_of_the_client() {
        // The client is a page counter; the params' page 2 is where the walk starts.
        let client = Arc::new(Mutex::new(Vec::new()));
        let stream = paginate(client.clone(), Params(Some(2)), |log, params: Params| {
            let n = params.0.expect("every call names its page");
            log.lock().unwrap().push(n);
            async move { Ok(Answer(vec![n * 10], page(Some(u64::from(n)), Some(n < 4)))) }
        });
        let items: Vec<u32> = stream.map(Result::unwrap).collect().await;
        assert_eq!(items, [20, 30, 40]);
        assert_eq!(*client.lock().unwrap(), [2, 3, 4]);
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
