//! Code generated at build time by `build.rs` from `spec/openapi.yaml`: progenitor's
//! client and types, the open enums, and the operation table. Nothing here is edited by
//! hand; look at the expanded source with `cargo doc` or in `$OUT_DIR/client.rs`.
#![allow(
    missing_docs,
    unused_imports,
    deprecated,
    dead_code,
    clippy::all,
    clippy::pedantic,
    rustdoc::all
)]

include!(concat!(env!("OUT_DIR"), "/client.rs"));

/// The operations of the vendored spec: versioned media type and lifecycle of each.
pub mod operations {
    use crate::ext::lifecycle::Operation;
    include!(concat!(env!("OUT_DIR"), "/operations.rs"));
}
