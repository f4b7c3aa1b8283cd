//! What a call, a list and `list --all` write, whatever the operation.
//!
//! JSON output is the body as Atlas sent it (`Response::body`, envelope already
//! unwrapped), only re-indented: every number, string and unknown field comes out as
//! received. Tables come from the item type's layout (`columns.rs`) over the same
//! text. Output is written as it arrives.

use std::io::{IsTerminal, Write};

use atlas_snapshots::Client;
use futures::TryStreamExt;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{
    Failure,
    columns::Layout,
    invoke::{self, Call},
    output::{self, Format, JsonArray, Table},
};

fn parse(body: &[u8]) -> Result<&RawValue, Failure> {
    serde_json::from_slice(body).map_err(|e| Failure::Body(format!("the body is not JSON: {e}")))
}

/// The table layout of what `call` answers, checked before anything is sent.
pub fn layout(call: &Call, format: Format) -> Result<Option<Layout>, Failure> {
    if format != Format::Table {
        return Ok(None);
    }
    let op = call.operation;
    let item = op.page_item.or(op.body_type).unwrap_or("nothing");
    Layout::of(item)
        .map(Some)
        .ok_or(Failure::NoTable(op.id, item))
}

/// One call: the body as sent for JSON (nothing for an answer without one), its item
/// or page of items for a table.
pub async fn once(
    client: &Client,
    call: &Call,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure> {
    // A missing table layout is refused before anything is sent.
    layout(call, format)?;
    let response = invoke::send(client, call).await?;
    write_body(call, response.body(), format, out)
}

/// An answer of `call` as [`once`] writes it.
pub fn write_body(
    call: &Call,
    raw: &[u8],
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let layout = layout(call, format)?;
    if raw.is_empty() {
        return Ok(());
    }
    let body = parse(raw)?;
    match layout {
        None => output::json(out, body)?,
        Some(layout) => {
            let items = if call.operation.page_item.is_some() {
                results(raw)?
            } else {
                vec![body]
            };
            let rows: Vec<Vec<String>> = items.into_iter().map(|i| layout.row(i)).collect();
            Table::new(layout.headings()).rows(out, &rows)?;
        }
    }
    Ok(())
}

/// Every page (the library's paging stream decides when to stop), each written and
/// flushed as it arrives: one JSON array of all results as received, or one table.
/// Nothing is written before the first page; after a failure the JSON array stays
/// unterminated, so a reader cannot take the items so far for all of them.
pub async fn all(
    client: &Client,
    call: &Call,
    page_size: u32,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let layout = layout(call, format)?;
    let mut pages = std::pin::pin!(invoke::pages(client, call, page_size).pages());
    let mut progress = Progress::new();
    let mut array = JsonArray::default();
    let mut table = layout.map(|l| Table::new(l.headings()));
    let mut seen: i64 = 0;
    let result: Result<(), Failure> = async {
        while let Some(page) = pages.try_next().await? {
            let items = results(&page.body)?;
            match (&layout, &mut table) {
                (Some(layout), Some(table)) => {
                    let rows: Vec<Vec<String>> = items.into_iter().map(|i| layout.row(i)).collect();
                    table.rows(out, &rows)?;
                }
                _ => {
                    for item in items {
                        array.element(out, item)?;
                    }
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
        Ok(()) if layout.is_none() => Ok(array.finish(out)?),
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
/// (on a terminal, the items arriving are the progress).
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
        let _ = write!(err, "\r\x1b[2Kpage {page}: {seen}{of} items");
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
