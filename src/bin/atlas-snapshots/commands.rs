//! What `get`, `list` and `list --all` do, whatever the kind of cluster.
//!
//! JSON output comes from the body as Atlas sent it (`Response::body`, envelope already
//! unwrapped) parsed as `serde_json::Value`, so unknown fields and enum values and
//! 64-bit integers come out unchanged. Tables come from the typed values.

use std::io::{IsTerminal, Write};

use atlas_snapshots::{PageRequest, PageView, Response, Result as AtlasResult};
use serde_json::Value;

use crate::{
    Failure,
    output::{Format, Rendered, Row},
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

/// Every page, `page_size` items a request, until a short or empty page or until
/// `totalCount` items were seen (the rule of the library's `Paginated`): one JSON array
/// of all results, or one table.
pub async fn list_all<P, F, Fut>(
    mut fetch: F,
    page_size: u32,
    format: Format,
) -> Result<Rendered, Failure>
where
    P: PageView,
    P::Item: Snapshot,
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = AtlasResult<Response<P>>>,
{
    let mut progress = Progress::new();
    let mut json = Vec::new();
    let mut rows = Vec::new();
    let mut seen: i64 = 0;
    let mut page_num: u32 = 1;
    let result = loop {
        let response = match fetch(PageRequest {
            page_num,
            items_per_page: page_size,
        })
        .await
        {
            Ok(response) => response,
            Err(e) => break Err(Failure::from(e)),
        };
        if format == Format::Json {
            match results(response.body()) {
                Ok(results) => json.extend(results),
                Err(e) => break Err(e),
            }
        }
        let (items, total_count) = response.into_inner().into_parts();
        if format == Format::Table {
            rows.extend(items.iter().map(Snapshot::row));
        }
        seen = seen.saturating_add(i64::try_from(items.len()).unwrap_or(i64::MAX));
        progress.update(page_num, seen, total_count);
        let short = items.len() < page_size as usize;
        if short || total_count.is_some_and(|total| seen >= total) {
            break Ok(());
        }
        match page_num.checked_add(1) {
            Some(next) => page_num = next,
            None => break Ok(()),
        }
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
            eprintln!();
            self.shown = false;
        }
    }
}
