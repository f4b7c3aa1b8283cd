//! Lazy pagination over the list operations: one page in memory at a time.

use std::pin::Pin;

use futures::{Stream, TryStreamExt, stream};

use super::{
    client::{PageRequest, Response},
    error::Result,
};

/// A list operation's page type: its items and Atlas's `totalCount`.
pub trait PageView {
    /// One item of the page.
    type Item;
    /// The items and `totalCount` (absent when `includeCount=false`).
    fn into_parts(self) -> (Vec<Self::Item>, Option<i64>);
}

type PageFuture<'a, P> = Pin<Box<dyn Future<Output = Result<Response<P>>> + Send + 'a>>;
type FetchPage<'a, P> = Box<dyn Fn(PageRequest) -> PageFuture<'a, P> + Send + Sync + 'a>;

/// One fetched page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// 1-based page number.
    pub page_num: u32,
    /// Its items.
    pub items: Vec<T>,
    /// Atlas's `totalCount` (an estimate, per Atlas's docs).
    pub total_count: Option<i64>,
    /// The page's JSON as received (see [`Response::body`]), for callers that want
    /// Atlas's exact text, unknown fields included.
    pub body: bytes::Bytes,
}

/// Every item of a list operation, fetched as it is read. It stops at a short or
/// empty page or once `totalCount` items were seen, whichever comes first.
pub struct Paginated<'a, P: PageView> {
    fetch: FetchPage<'a, P>,
    page_size: u32,
}

impl<'a, P> Paginated<'a, P>
where
    P: PageView + Send + 'a,
    P::Item: Send + 'a,
{
    pub(crate) fn new(fetch: impl Fn(PageRequest) -> PageFuture<'a, P> + Send + Sync + 'a) -> Self {
        Paginated {
            fetch: Box::new(fetch),
            page_size: 500,
        }
    }

    /// Items per request, 1 to 500 (default 500: fewest round trips).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }

    /// The pages, one request each.
    pub fn pages(self) -> impl Stream<Item = Result<Page<P::Item>>> + Send + 'a {
        struct State<'a, P> {
            fetch: FetchPage<'a, P>,
            size: u32,
            next: u32,
            seen: i64,
            done: bool,
        }
        let state = State {
            fetch: self.fetch,
            size: self.page_size,
            next: 1,
            seen: 0,
            done: false,
        };
        stream::try_unfold(state, |mut st| async move {
            if st.done {
                return Ok(None);
            }
            let request = PageRequest {
                page_num: st.next,
                items_per_page: st.size,
            };
            let response = (st.fetch)(request).await?;
            let body = response.body().clone();
            let (items, total_count) = response.into_inner().into_parts();
            st.seen += items.len() as i64;
            st.done = items.len() < st.size as usize || total_count.is_some_and(|t| st.seen >= t);
            let page = Page {
                page_num: st.next,
                items,
                total_count,
                body,
            };
            st.next += 1;
            Ok(Some((page, st)))
        })
    }

    /// The items, one at a time.
    pub fn items(self) -> impl Stream<Item = Result<P::Item>> + Send + 'a {
        self.pages()
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// All items in one `Vec`.
    pub async fn collect(self) -> Result<Vec<P::Item>> {
        self.items().try_collect().await
    }
}

impl<'a, P: PageView> std::fmt::Debug for Paginated<'a, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginated")
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}
