//! Atlas's `envelope=true` form, for clients that cannot read status codes or headers:
//! a single entity comes back as `{"status": 200, "content": {...}}`, a list page with
//! a `status` field beside `results`, and an error as HTTP 200 with the error in
//! `content`. Unwrapping it here makes every typed result identical with and without.
//! Also here: telling an Atlas error document in a success's body from an entity.

use bytes::Bytes;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::types::ApiError;

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

/// The key every Atlas error document has. The searcher is built once: `memmem::find`
/// would build it again for every answer.
static ERROR_CODE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(br#""errorCode""#));

/// The Atlas error document a success's body holds, if it is one, with the status it
/// names when that is an error status (400 to 599).
pub(crate) fn error_document(body: &[u8]) -> Option<(Option<StatusCode>, ApiError)> {
    // A byte scan first, so ordinary answers are not parsed twice. A quote inside a JSON
    // string is escaped, so only a key (at some depth) matches; the parse settles the rest.
    ERROR_CODE.find(body)?;
    let document: ApiError = serde_json::from_slice(body).ok()?;
    let status = u16::try_from(document.error)
        .ok()
        .filter(|s| (400..=599).contains(s))
        .and_then(|s| StatusCode::from_u16(s).ok());
    Some((status, document))
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

    #[test]
    fn error_documents_are_told_from_entities() {
        let (status, doc) =
            error_document(br#"{"detail":"d","error":404,"errorCode":"RESOURCE_NOT_FOUND"}"#)
                .unwrap();
        assert_eq!(
            (status, doc.error_code.as_str()),
            (Some(StatusCode::NOT_FOUND), "RESOURCE_NOT_FOUND")
        );
        let (status, _) = error_document(br#"{"error":200,"errorCode":"X"}"#).unwrap();
        assert_eq!(status, None, "200 is not an error status");
        assert_eq!(
            error_document(br#"{"error":70000,"errorCode":"X"}"#)
                .unwrap()
                .0,
            None
        );
        for entity in [
            &br#"{"id":"x","status":"completed"}"#[..],
            br#"{"id":"x","note":"\"errorCode\""}"#,
            br#"{"id":"x","last":{"error":500,"errorCode":"X"}}"#,
            br#"{"errorCode":"X","id":"x"}"#,
        ] {
            assert!(
                error_document(entity).is_none(),
                "{}",
                String::from_utf8_lossy(entity)
            );
        }
    }
}
