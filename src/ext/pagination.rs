//! Lazy pagination over the list operations: one page in memory at a time, and an end
//! guaranteed even against a server whose pages never run out.

use std::pin::Pin;

use futures::{Stream, TryStreamExt, stream};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{
    client::{Client, PageRequest, Response},
    error::{Error, Result},
    invoke::Invocation,
};

/// A list operation's page type: its items and Atlas's `totalCount`.
///
/// Sealed: only this crate's page types implement it (a [`Paginated`] is only made by
/// the client), so methods can be added to it without breaking anyone.
pub trait PageView: sealed::Sealed {
    /// One item of the page. Comparable, so that a page repeating the one before it
    /// is noticed (see [`Paginated`]).
    type Item: Clone + PartialEq;
    /// The items and `totalCount` (absent when `includeCount=false`).
    fn into_parts(self) -> (Vec<Self::Item>, Option<i64>);
}

pub(crate) mod sealed {
    /// Implemented beside each [`PageView`](super::PageView) impl, in `client.rs`.
    pub trait Sealed {}
}

// Owned, `'static` futures: a stream holds a clone of the client, so it can be spawned
// or returned.
type PageFuture<P> = Pin<Box<dyn Future<Output = Result<Response<P>>> + Send>>;
type FetchPage<P> = Box<dyn Fn(PageRequest) -> PageFuture<P> + Send + Sync>;

/// One fetched page.
#[derive(Debug, Clone)]
#[non_exhaustive]
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

/// Every item of a list operation, fetched as it is read, one page in memory at a time.
///
/// The stream always ends. It ends well at an empty or short page, or once `totalCount`
/// items were seen, whichever comes first. It ends with an error at a page that holds
/// the same items as the one before it ([`Error::RepeatedPage`]: a server that ignores
/// `pageNum`), and after [`Paginated::max_pages`] pages when the last of them still
/// announced more ([`Error::TooManyPages`], decided without another request). Either
/// error follows the pages before it and ends the stream.
///
/// It owns what it needs (`Send + Sync + 'static`), and so do the streams it turns into:
///
/// ```no_run
/// use atlas_snapshots::{Client, Paginated, types::FlexBackupSnapshotPage};
///
/// fn all_snapshots(client: &Client) -> Paginated<FlexBackupSnapshotPage> {
///     client.flex_backup_snapshots("5f1a2b3c4d5e6f7a8b9c0d1e", "Flex0")
/// }
///
/// # async fn run(client: Client) -> atlas_snapshots::Result<()> {
/// let task = tokio::spawn(all_snapshots(&client).collect());
/// println!("{} snapshots", task.await.expect("the task ran")?.len());
/// # Ok(()) }
/// ```
pub struct Paginated<P: PageView> {
    fetch: FetchPage<P>,
    page_size: u32,
    max_pages: u32,
}

/// The most pages a [`Paginated`] fetches unless told otherwise: 500 000 items at the
/// default page size.
pub const DEFAULT_MAX_PAGES: u32 = 1000;

impl<P> Paginated<P>
where
    P: PageView + Send + 'static,
    P::Item: Send + 'static,
{
    pub(crate) fn new(
        fetch: impl Fn(PageRequest) -> PageFuture<P> + Send + Sync + 'static,
    ) -> Self {
        Paginated {
            fetch: Box::new(fetch),
            page_size: 500,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// Items per request, 1 to 500 (default 500: fewest round trips).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }

    /// The most pages fetched, at least 1 (default [`DEFAULT_MAX_PAGES`]). A list with
    /// more ends with [`Error::TooManyPages`] after this many pages.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// The pages, one request each.
    pub fn pages(self) -> impl Stream<Item = Result<Page<P::Item>>> + Send + 'static {
        struct State<P: PageView> {
            fetch: FetchPage<P>,
            size: u32,
            max_pages: u32,
            fetched: u32,
            seen: i64,
            /// The previous page's length and first and last items: enough to tell a
            /// repeated page without keeping the whole page.
            previous: Option<(usize, P::Item, P::Item)>,
            done: bool,
        }
        let state = State {
            fetch: self.fetch,
            size: self.page_size,
            max_pages: self.max_pages,
            fetched: 0,
            seen: 0,
            previous: None,
            done: false,
        };
        stream::try_unfold(state, |mut st| async move {
            if st.done {
                return Ok(None);
            }
            if st.fetched == st.max_pages {
                return Err(Error::TooManyPages {
                    max_pages: st.max_pages,
                });
            }
            let page_num = st.fetched + 1;
            let request = PageRequest::new(page_num, st.size);
            let response = (st.fetch)(request).await?;
            let body = response.body().clone();
            let (items, total_count) = response.into_inner().into_parts();
            let ends = match (items.first(), items.last()) {
                (Some(first), Some(last)) => Some((items.len(), first.clone(), last.clone())),
                _ => None,
            };
            if ends.is_some() && ends == st.previous {
                return Err(Error::RepeatedPage { page_num });
            }
            st.previous = ends;
            st.seen += items.len() as i64;
            st.done = items.len() < st.size as usize || total_count.is_some_and(|t| st.seen >= t);
            st.fetched = page_num;
            let page = Page {
                page_num,
                items,
                total_count,
                body,
            };
            Ok(Some((page, st)))
        })
    }

    /// The items, one at a time.
    pub fn items(self) -> impl Stream<Item = Result<P::Item>> + Send + 'static {
        self.pages()
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// All items in one `Vec`.
    pub async fn collect(self) -> Result<Vec<P::Item>> {
        self.items().try_collect().await
    }
}

impl<P: PageView> std::fmt::Debug for Paginated<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginated")
            .field("page_size", &self.page_size)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

/// A page of any list operation as received, for [`Client::invoke_pages`]: each item's
/// JSON text exactly as Atlas sent it, and `totalCount`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonPage {
    /// The `results`, each as its JSON text.
    pub items: Vec<String>,
    /// Atlas's `totalCount` (absent when `includeCount=false`).
    pub total_count: Option<i64>,
}

impl sealed::Sealed for JsonPage {}

impl PageView for JsonPage {
    type Item = String;
    fn into_parts(self) -> (Vec<String>, Option<i64>) {
        (self.items, self.total_count)
    }
}

impl JsonPage {
    fn read(response: Response<()>) -> Result<Response<JsonPage>> {
        #[derive(Deserialize)]
        struct Body<'a> {
            #[serde(borrow)]
            results: Vec<&'a RawValue>,
            #[serde(rename = "totalCount")]
            total_count: Option<i64>,
        }
        let page = match serde_json::from_slice::<Body<'_>>(response.body()) {
            Ok(body) => JsonPage {
                items: body.results.iter().map(|r| r.get().to_owned()).collect(),
                total_count: body.total_count,
            },
            Err(e) => {
                return Err(Error::decode(
                    response.status(),
                    response.headers(),
                    response.body(),
                    response.attempts(),
                    Some(e),
                ));
            }
        };
        Ok(response.with_value(page))
    }
}

impl Client {
    /// Every page of the list operation `invocation` names, fetched through
    /// [`Client::invoke`] as the stream is read: the paging of the typed streams
    /// ([`Paginated`]: the same ends, the same guards), for callers that hold an
    /// operation of the table rather than its method, like a command line.
    /// `pageNum` and `itemsPerPage` are the stream's; any given are replaced.
    ///
    /// An operation that is not a list fails at the first page, as
    /// [`Error::InvalidArgument`], before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_snapshots::Client) -> atlas_snapshots::Result<()> {
    /// use atlas_snapshots::{Invocation, operations};
    ///
    /// let invocation = Invocation::new(&operations::LIST_FLEX_RESTORE_JOBS)
    ///     .argument("groupId", "5f1a2b3c4d5e6f7a8b9c0d1e")
    ///     .argument("name", "Flex0");
    /// for job in client.invoke_pages(invocation).collect().await? {
    ///     println!("{job}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn invoke_pages(&self, invocation: Invocation) -> Paginated<JsonPage> {
        let client = self.clone();
        Paginated::new(move |page| {
            let (client, invocation) = (client.clone(), invocation.clone().for_page(page));
            Box::pin(async move {
                let op = invocation.operation();
                if op.page_item.is_none() {
                    return Err(Error::InvalidArgument {
                        parameter: "operation",
                        reason: format!("{} does not answer with pages", op.id),
                    });
                }
                JsonPage::read(client.invoke(invocation).await?)
            })
        })
    }
}
