//! Atlas's `envelope=true` form, for clients that cannot read status codes or headers:
//! a single entity comes back as `{"status": 200, "content": {...}}`, a list page with
//! a `status` field beside `results`, and an error as HTTP 200 with the error in
//! `content`. Unwrapping it here makes every typed result identical with and without.

use bytes::Bytes;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Envelope<'a> {
    status: Option<u16>,
    #[serde(borrow)]
    content: Option<&'a RawValue>,
}

/// Why a body claiming the envelope form could not be unwrapped.
#[derive(Debug)]
pub(crate) enum EnvelopeError {
    NotJson(serde_json::Error),
    NoStatus,
}

/// The status and body an enveloped answer stands for. The content is a slice of the
/// received bytes, not a copy.
pub(crate) fn unwrap(body: &Bytes) -> Result<(StatusCode, Bytes), EnvelopeError> {
    let envelope: Envelope<'_> = serde_json::from_slice(body).map_err(EnvelopeError::NotJson)?;
    let status = envelope
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or(EnvelopeError::NoStatus)?;
    let content = match envelope.content {
        Some(raw) => body.slice_ref(raw.get().as_bytes()),
        // A list page keeps its shape; the added `status` field is simply not read.
        None => body.clone(),
    };
    Ok((status, content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_entity_list_and_error_forms() {
        let (s, b) = unwrap(&Bytes::from_static(
            br#"{"status":200,"content":{"id":"x"}}"#,
        ))
        .unwrap();
        assert_eq!((s.as_u16(), &b[..]), (200, &br#"{"id":"x"}"#[..]));
        let page = Bytes::from_static(br#"{"results":[],"totalCount":0,"status":200}"#);
        let (s, b) = unwrap(&page).unwrap();
        assert_eq!((s.as_u16(), b), (200, page));
        let (s, _) = unwrap(&Bytes::from_static(
            br#"{"status":404,"content":{"error":404}}"#,
        ))
        .unwrap();
        assert_eq!(s.as_u16(), 404);
        assert!(matches!(
            unwrap(&Bytes::from_static(b"{\"id\":1}")),
            Err(EnvelopeError::NoStatus)
        ));
        assert!(matches!(
            unwrap(&Bytes::from_static(b"<html>")),
            Err(EnvelopeError::NotJson(_))
        ));
    }
}
