//! Atlas error bodies, the `envelope=true` wrapping, and lifecycle headers.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use serde_json::{Map, Value};

use super::Knobs;
use super::body::ResBody;

/// `Content-Type` of Atlas error bodies.
pub(crate) const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// One entry of an Atlas error's `parameters`: real Atlas mixes strings and integers.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Str(String),
    Int(i64),
}

impl From<&str> for Param {
    fn from(s: &str) -> Self {
        Param::Str(s.to_owned())
    }
}

impl From<i64> for Param {
    fn from(n: i64) -> Self {
        Param::Int(n)
    }
}

/// An Atlas API error: `{"detail","error","errorCode","parameters","reason"}`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) detail: String,
    pub(crate) params: Vec<Param>,
    /// `badRequestDetail.fields`: `(field, description)` of each refused body field.
    pub(crate) fields: Vec<(String, String)>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            params: Vec::new(),
            fields: Vec::new(),
        }
    }

    pub(crate) fn param(mut self, p: impl Into<Param>) -> Self {
        self.params.push(p.into());
        self
    }

    pub(crate) fn field(mut self, field: &str, description: &str) -> Self {
        self.fields.push((field.to_owned(), description.to_owned()));
        self
    }

    /// The JSON value of the body, keys in Atlas's (alphabetical) order.
    pub(crate) fn to_value(&self) -> Value {
        let mut m = Map::new();
        if !self.fields.is_empty() {
            let fields = self
                .fields
                .iter()
                .map(|(field, description)| {
                    serde_json::json!({"description": description, "field": field})
                })
                .collect();
            m.insert(
                "badRequestDetail".into(),
                serde_json::json!({ "fields": Value::Array(fields) }),
            );
        }
        m.insert("detail".into(), Value::String(self.detail.clone()));
        m.insert("error".into(), Value::from(self.status.as_u16()));
        m.insert("errorCode".into(), Value::String(self.code.to_owned()));
        let params = self
            .params
            .iter()
            .map(|p| match p {
                Param::Str(s) => Value::String(s.clone()),
                Param::Int(n) => Value::from(*n),
            })
            .collect();
        m.insert("parameters".into(), Value::Array(params));
        m.insert(
            "reason".into(),
            Value::String(
                self.status
                    .canonical_reason()
                    .unwrap_or("Unknown")
                    .to_owned(),
            ),
        );
        Value::Object(m)
    }
}

/// Builds the response for an Atlas error, honouring `envelope=true`.
///
/// Under the envelope the body is `{"status":<code>,"content":<error>}` and the HTTP
/// status is 200 unless `plain_status` asks to keep the real one.
pub(crate) fn error_response(
    err: &ApiError,
    envelope: bool,
    plain_status: bool,
) -> Response<ResBody> {
    let value = err.to_value();
    let (status, body) = if envelope {
        let mut m = Map::new();
        m.insert("status".into(), Value::from(err.status.as_u16()));
        m.insert("content".into(), value);
        let status = if plain_status {
            err.status
        } else {
            StatusCode::OK
        };
        (status, Value::Object(m))
    } else {
        (err.status, value)
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    response(status, APPLICATION_JSON, Bytes::from(bytes))
}

/// A full-body response with the given status and content type.
pub(crate) fn response(
    status: StatusCode,
    content_type: HeaderValue,
    body: Bytes,
) -> Response<ResBody> {
    let mut resp = Response::new(ResBody::full(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(CONTENT_TYPE, content_type);
    resp
}

/// Wraps a single entity: `{"status":200,"content":<entity>}`.
pub(crate) fn wrap_entity(entity: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(entity.len() + 24);
    out.extend_from_slice(b"{\"status\":200,\"content\":");
    out.extend_from_slice(entity);
    out.push(b'}');
    Bytes::from(out)
}

/// Adds the configured `Deprecation` / `Sunset` headers.
pub(crate) fn add_lifecycle_headers(resp: &mut Response<ResBody>, knobs: &Knobs) {
    if let Some(v) = &knobs.deprecation {
        resp.headers_mut()
            .insert(HeaderName::from_static("deprecation"), v.clone());
    }
    if let Some(v) = &knobs.sunset {
        resp.headers_mut()
            .insert(HeaderName::from_static("sunset"), v.clone());
    }
}

/// The 410 answered by an operation whose version is gone.
pub(crate) fn gone(path: &str, version: &str) -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "VERSION_GONE",
        "The requested API version is gone: serverless instances have been retired. Use flex clusters.",
    )
    .param(path)
    .param(version)
}
