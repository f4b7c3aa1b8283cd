//! What `get`, `list` and `list --all` do, whatever the kind of cluster.
//!
//! JSON output is the body as Atlas sent it (`Response::body`, envelope already
//! unwrapped), only re-indented: every number, string and unknown field comes out as
//! received. Tables come from the typed values. Output is written as it arrives.

use std::io::{IsTerminal, Write};

use atlas_snapshots::{PageView, Paginated, Response, Result as AtlasResult};
use futures::TryStreamExt;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{
    Failure,
    output::{self, Format, JsonArray, Row, Table},
};

/// A snapshot type that can be shown as a table line.
pub trait Snapshot {
    fn row(&self) -> Row;
}

fn parse(body: &[u8]) -> Result<&RawValue, Failure> {
    serde_json::from_slice(body).map_err(|e| Failure::Body(format!("the body is not JSON: {e}")))
}

/// One snapshot.
pub async fn get<T: Snapshot>(
    call: impl Future<Output = AtlasResult<Response<T>>>,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let response = call.await?;
    match format {
        Format::Json => output::json(out, parse(response.body())?)?,
        Format::Table => Table::default().rows(out, &[response.value().row()])?,
    }
    Ok(())
}

/// One page: the page object for JSON, its results for a table.
pub async fn list<P>(
    call: impl Future<Output = AtlasResult<Response<P>>>,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure>
where
    P: PageView,
    P::Item: Snapshot,
{
    let response = call.await?;
    match format {
        Format::Json => output::json(out, parse(response.body())?)?,
        Format::Table => {
            let (items, _) = response.into_inner().into_parts();
            let rows: Vec<Row> = items.iter().map(Snapshot::row).collect();
            Table::default().rows(out, &rows)?;
        }
    }
    Ok(())
}

/// Every page (the library's [`Paginated`] decides when to stop), each written and
/// flushed as it arrives: one JSON array of all results as received, or one table.
/// Nothing is written before the first page; after a failure the JSON array stays
/// unterminated, so a reader cannot take the snapshots so far for all of them.
pub async fn list_all<P>(
    pages: Paginated<P>,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure>
where
    P: PageView + Send + 'static,
    P::Item: Snapshot + Send + 'static,
{
    let mut progress = Progress::new();
    let mut array = JsonArray::default();
    let mut table = Table::default();
    let mut seen: i64 = 0;
    let mut pages = std::pin::pin!(pages.pages());
    let result: Result<(), Failure> = async {
        while let Some(page) = pages.try_next().await? {
            match format {
                Format::Json => {
                    for result in results(&page.body)? {
                        array.element(out, result)?;
                    }
                }
                Format::Table => {
                    let rows: Vec<Row> = page.items.iter().map(Snapshot::row).collect();
                    table.rows(out, &rows)?;
                }
            }
            out.flush()?;
            seen = seen.saturating_add(i64::try_from(page.items.len()).unwrap_or(i64::MAX));
            progress.update(page.page_num, seen, page.total_count);
        }
        Ok(())
    }
    .await;
    progress.finish();
    match result {
        Ok(()) if format == Format::Json => Ok(array.finish(out)?),
        Ok(()) => Ok(()),
        // A write failure means stdout is unusable: nothing more to write there.
        Err(failure @ Failure::Output(_)) => Err(failure),
        Err(failure) => {
            array.abandon(out)?;
            out.flush()?;
            Err(failure)
        }
    }
}

/// The `results` of a page body, as received.
fn results(body: &[u8]) -> Result<Vec<&RawValue>, Failure> {
    #[derive(Deserialize)]
    struct PageBody<'a> {
        #[serde(borrow)]
        results: Vec<&'a RawValue>,
    }
    match serde_json::from_slice::<PageBody<'_>>(body) {
        Ok(page) => Ok(page.results),
        Err(e) => Err(Failure::Body(format!("the page has no results array: {e}"))),
    }
}

/// `list --all` progress on stderr, only when stderr is a terminal and stdout is not
/// (on a terminal, the snapshots arriving are the progress).
struct Progress {
    on: bool,
    shown: bool,
}

impl Progress {
    fn new() -> Self {
        Progress {
            on: std::io::stderr().is_terminal() && !std::io::stdout().is_terminal(),
            shown: false,
        }
    }

    fn update(&mut self, page: u32, seen: i64, total: Option<i64>) {
        if !self.on {
            return;
        }
        let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2Kpage {page}: {seen}{of} snapshots");
        let _ = err.flush();
        self.shown = true;
    }

    fn finish(&mut self) {
        if self.shown {
            output::stderr_line("");
            self.shown = false;
        }
    }
}
