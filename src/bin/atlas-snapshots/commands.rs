//! What `get`, `list` and `list --all` do, whatever the kind of cluster.
//!
//! JSON output comes from the body as Atlas sent it (`Response::body`, envelope already
//! unwrapped) parsed as `serde_json::Value`, so unknown fields and enum values and
//! 64-bit integers come out unchanged. Tables come from the typed values.

use std::io::{IsTerminal, Write};

use atlas_snapshots::{PageView, Paginated, Response, Result as AtlasResult};
use futures::TryStreamExt;
use serde_json::Value;

use crate::{
    Failure,
    output::{self, Format, Rendered, Row},
};

/// A snapshot type that can be shown as a table line.
pub trait Snapshot {
    fn row(&self) -> Row;
}

fn parse(body: &[u8]) -> Result<Value, Failure> {
    serde_json::from_slice(body).map_err(|e| Failure::Body(format!("the body is not JSON: {e}")))
}

/// One snapshot.
pub async fn get<T: Snapshot>(
    call: impl Future<Output = AtlasResult<Response<T>>>,
    format: Format,
) -> Result<Rendered, Failure> {
    let response = call.await?;
    Ok(match format {
        Format::Json => Rendered::Json(parse(response.body())?),
        Format::Table => Rendered::Table(vec![response.row()]),
    })
}

/// One page: the page object for JSON, its results for a table.
pub async fn list<P>(
    call: impl Future<Output = AtlasResult<Response<P>>>,
    format: Format,
) -> Result<Rendered, Failure>
where
    P: PageView,
    P::Item: Snapshot,
{
    let response = call.await?;
    Ok(match format {
        Format::Json => Rendered::Json(parse(response.body())?),
        Format::Table => {
            let (items, _) = response.into_inner().into_parts();
            Rendered::Table(items.iter().map(Snapshot::row).collect())
        }
    })
}

/// Every page (the library's [`Paginated`] decides when to stop): one JSON array of all
/// results as received, or one table.
pub async fn list_all<'a, P>(pages: Paginated<'a, P>, format: Format) -> Result<Rendered, Failure>
where
    P: PageView + Send + 'a,
    P::Item: Snapshot + Send + 'a,
{
    let mut progress = Progress::new();
    let mut json = Vec::new();
    let mut rows = Vec::new();
    let mut seen: i64 = 0;
    let mut pages = std::pin::pin!(pages.pages());
    let result = loop {
        let page = match pages.try_next().await {
            Ok(Some(page)) => page,
            Ok(None) => break Ok(()),
            Err(e) => break Err(Failure::from(e)),
        };
        match format {
            Format::Json => match results(&page.body) {
                Ok(results) => json.extend(results),
                Err(e) => break Err(e),
            },
            Format::Table => rows.extend(page.items.iter().map(Snapshot::row)),
        }
        seen = seen.saturating_add(i64::try_from(page.items.len()).unwrap_or(i64::MAX));
        progress.update(page.page_num, seen, page.total_count);
    };
    progress.finish();
    result?;
    Ok(match format {
        Format::Json => Rendered::Json(Value::Array(json)),
        Format::Table => Rendered::Table(rows),
    })
}

/// The `results` of a page body, as received.
fn results(body: &[u8]) -> Result<Vec<Value>, Failure> {
    match parse(body)? {
        Value::Object(mut page) => match page.remove("results") {
            Some(Value::Array(results)) => Ok(results),
            _ => Err(Failure::Body("the page has no results array".to_owned())),
        },
        _ => Err(Failure::Body("the page is not a JSON object".to_owned())),
    }
}

/// `list --all` progress on stderr, only when stderr is a terminal.
struct Progress {
    on: bool,
    shown: bool,
}

impl Progress {
    fn new() -> Self {
        Progress {
            on: std::io::stderr().is_terminal(),
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
