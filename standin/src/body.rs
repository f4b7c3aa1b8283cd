//! The response body type: full, truncated (for the fault) or a huge stream.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// Error that ends a body early (hyper then closes the connection).
#[derive(Debug)]
pub(crate) struct BodyAborted;

impl std::fmt::Display for BodyAborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stand-in fault: body truncated")
    }
}

impl std::error::Error for BodyAborted {}

/// A response body.
pub(crate) enum ResBody {
    /// The whole body in one frame.
    Full(Option<Bytes>),
    /// Sends the bytes, pauses so hyper flushes them, then aborts the connection.
    Truncated {
        data: Option<Bytes>,
        pause: Option<Pin<Box<tokio::time::Sleep>>>,
    },
    /// Streams `prefix`, whole items from a shared chunk up to `items_len` bytes,
    /// `pad` spaces, then `suffix`.
    Huge(HugeBody),
}

impl ResBody {
    pub(crate) fn full(bytes: Bytes) -> Self {
        ResBody::Full(Some(bytes))
    }

    pub(crate) fn truncated(bytes: Bytes) -> Self {
        ResBody::Truncated {
            data: Some(bytes),
            pause: None,
        }
    }
}

const HUGE_PREFIX: &[u8] = b"{\"links\":[],\"results\":[";
const HUGE_SUFFIX: &[u8] = b"],\"totalCount\":0}";
const HUGE_ITEM: &[u8] =
    b"{\"id\":\"0123456789abcdef01234567\",\"status\":\"completed\",\"storageSizeBytes\":1048576}";
/// Items per shared chunk (the chunk holds `,ITEM` repeated).
const ITEMS_PER_CHUNK: usize = 512;

fn comma_items() -> &'static Bytes {
    static CHUNK: OnceLock<Bytes> = OnceLock::new();
    CHUNK.get_or_init(|| {
        let mut v = Vec::with_capacity((HUGE_ITEM.len() + 1) * ITEMS_PER_CHUNK);
        for _ in 0..ITEMS_PER_CHUNK {
            v.push(b',');
            v.extend_from_slice(HUGE_ITEM);
        }
        Bytes::from(v)
    })
}

/// State of a huge streamed body (valid JSON of exactly `total` bytes when it fits).
pub(crate) struct HugeBody {
    total: u64,
    stage: u8,
    /// Remaining `,ITEM` units after the first item.
    more_items: u64,
    pad: u64,
}

impl HugeBody {
    pub(crate) fn new(total: u64) -> Self {
        let fixed = (HUGE_PREFIX.len() + HUGE_SUFFIX.len() + HUGE_ITEM.len()) as u64;
        let unit = (HUGE_ITEM.len() + 1) as u64;
        let middle = total.saturating_sub(fixed);
        let more_items = middle / unit;
        let pad = middle % unit;
        let actual = fixed + more_items * unit + pad;
        HugeBody {
            total: actual,
            stage: 0,
            more_items,
            pad,
        }
    }

    fn next(&mut self) -> Option<Bytes> {
        loop {
            match self.stage {
                0 => {
                    self.stage = 1;
                    let mut v = Vec::with_capacity(HUGE_PREFIX.len() + HUGE_ITEM.len());
                    v.extend_from_slice(HUGE_PREFIX);
                    v.extend_from_slice(HUGE_ITEM);
                    return Some(Bytes::from(v));
                }
                1 => {
                    if self.more_items == 0 {
                        self.stage = 2;
                        continue;
                    }
                    let n = self.more_items.min(ITEMS_PER_CHUNK as u64);
                    self.more_items -= n;
                    let len = usize::try_from(n).unwrap_or(ITEMS_PER_CHUNK) * (HUGE_ITEM.len() + 1);
                    return Some(comma_items().slice(..len));
                }
                2 => {
                    self.stage = 3;
                    let pad = usize::try_from(self.pad).unwrap_or(0);
                    let mut v = vec![b' '; pad];
                    v.extend_from_slice(HUGE_SUFFIX);
                    return Some(Bytes::from(v));
                }
                _ => return None,
            }
        }
    }
}

impl Body for ResBody {
    type Data = Bytes;
    type Error = BodyAborted;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyAborted>>> {
        let this = self.get_mut();
        match this {
            ResBody::Full(data) => Poll::Ready(data.take().map(|b| Ok(Frame::data(b)))),
            ResBody::Truncated { data, pause } => {
                if let Some(b) = data.take() {
                    return Poll::Ready(Some(Ok(Frame::data(b))));
                }
                let sleep = pause
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(20))));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(BodyAborted))),
                    Poll::Pending => Poll::Pending,
                }
            }
            ResBody::Huge(h) => Poll::Ready(h.next().map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResBody::Full(data) => data.as_ref().is_none_or(Bytes::is_empty),
            ResBody::Truncated { .. } => false,
            ResBody::Huge(h) => h.stage > 2,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResBody::Full(data) => {
                SizeHint::with_exact(data.as_ref().map_or(0, |b| b.len() as u64))
            }
            // Unknown, so hyper honours the (too large) Content-Length header we set.
            ResBody::Truncated { .. } => SizeHint::default(),
            ResBody::Huge(h) => SizeHint::with_exact(h.total),
        }
    }
}
