//! Arbitrary bytes as every response type of the API, and as the header values the
//! client reads. Decoding may fail; it must never panic, and what decodes must survive
//! a round trip through serde unchanged.
#![no_main]

use atlas_snapshots::{
    LifecycleHeaders, RateLimit,
    ext::{
        lifecycle::{parse_deprecation, parse_http_date},
        retry::retry_after,
    },
    types::{
        ApiError, FlexBackupSnapshot20241113, PaginatedApiAtlasFlexBackupSnapshot20241113View,
        PaginatedApiAtlasServerlessBackupSnapshotView, ServerlessBackupSnapshot,
    },
};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};

fuzz_target!(|data: &[u8]| {
    round_trip::<ServerlessBackupSnapshot>(data);
    round_trip::<PaginatedApiAtlasServerlessBackupSnapshotView>(data);
    round_trip::<FlexBackupSnapshot20241113>(data);
    round_trip::<PaginatedApiAtlasFlexBackupSnapshot20241113View>(data);
    round_trip::<ApiError>(data);
    headers(data);
});

/// What decodes re-encodes to JSON that decodes to the same value.
fn round_trip<T: Serialize + DeserializeOwned>(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let first = serde_json::to_value(&value).expect("a decoded value encodes");
    let again: T = serde_json::from_value(first.clone()).expect("its encoding decodes");
    let second = serde_json::to_value(&again).expect("and encodes again");
    assert_eq!(first, second);
}

/// The parsers behind `Retry-After`, `RateLimit-*`, `Deprecation` and `Sunset`.
fn headers(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_http_date(text);
        let _ = parse_deprecation(text);
    }
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut map = HeaderMap::new();
    for name in [
        "retry-after",
        "ratelimit-limit",
        "ratelimit-remaining",
        "deprecation",
        "sunset",
    ] {
        map.insert(HeaderName::from_static(name), value.clone());
    }
    let _ = retry_after(&map);
    let _ = RateLimit::from_headers(&map);
    let _ = LifecycleHeaders::from_headers(&map);
}
