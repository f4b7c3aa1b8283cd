#![doc = include_str!("../README.md")]
// docs.rs (nightly, `--cfg docsrs`) badges feature-gated items; stable never sees this.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Without TLS the client could only speak plain http:// to loopback: useless against Atlas.
#[cfg(not(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls")))]
compile_error!(
    "atlas-snapshots needs a TLS feature: enable `rustls` (the default), `rustls-ring` or `native-tls`"
);

// Private modules with one curated list of re-exports, so every public item has one
// path (and rustdoc shows it once). `tests/surface.rs` fails if one gains a second.
mod ext;
mod generated;

pub use ext::{
    auth::{Credentials, TokenCache},
    client::{Client, PageRequest, Response},
    config::{ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_BODY, Timeouts, env},
    error::{ApiFailure, Error, Result},
    invoke::Invocation,
    lifecycle::{
        BodyField, Deprecation, DeprecationNotice, LifecycleHeaders, Operation, Parameter,
        ParameterLocation,
    },
    migration::{Lookup, MigrationReport, Replacement, Verdict},
    pagination::{DEFAULT_MAX_PAGES, JsonPage, Page, PageView, Paginated},
    restore::{JobState, RestoreJob, WaitError, WaitPolicy},
    retry::{RateLimit, RetryPolicy},
};
/// The operation table: versioned media type, deprecation and sunset of each operation.
pub use generated::operations;
/// The query options of the operations that take any (pages, counts), generated from the spec.
pub use generated::options;
/// The types of the API, generated from the spec (snapshots, pages, errors, ids).
pub use generated::types;
