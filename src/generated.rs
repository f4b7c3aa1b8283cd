//! Code generated at build time by `build.rs` from `spec/openapi.yaml`: progenitor's
//! client and types, the open enums, the operation table and the options structs (the
//! public methods are included by `src/ext/client.rs`). Nothing here is edited by
//! hand; look at the expanded source with `cargo doc` or in `$OUT_DIR/client.rs`.
#![allow(
    missing_docs,
    unused_imports,
    unused_mut,
    deprecated,
    dead_code,
    clippy::all,
    clippy::pedantic,
    rustdoc::all
)]

include!(concat!(env!("OUT_DIR"), "/client.rs"));

/// The operations of the vendored spec: versioned media type and lifecycle of each.
pub mod operations {
    use crate::ext::lifecycle::{BodyField, Operation, Parameter, ParameterLocation};
    include!(concat!(env!("OUT_DIR"), "/operations.rs"));
}

/// The query parameters of the operations that have any, one struct per operation.
pub mod options {
    include!(concat!(env!("OUT_DIR"), "/options.rs"));
}
