//! Deprecation, sunset, `410 VERSION_GONE` and the envelope, against the stand-in.
#![allow(deprecated)]

mod common;

use atlas_snapshots::{Deprecation, Error, PageRequest, RetryPolicy};
use common::*;

#[tokio::test]
async fn version_gone_names_the_operation_its_sunset_and_successor() {
    let standin = standin(1).await;
    standin.set_gone(true);
    let client = client(&standin);
    let err = client
        .get_serverless_backup_snapshot(GROUP, SERVERLESS, &serverless_id(0))
        .await
        .unwrap_err();
    match &err {
        Error::VersionGone {
            operation,
            sunset,
            successor,
            failure,
        } => {
            assert_eq!(*operation, "getServerlessBackupSnapshot");
            assert_eq!(*sunset, Some("2026-01-22"));
            assert_eq!(*successor, Some("get_flex_backup_snapshot"));
            assert_eq!(failure.status.as_u16(), 410);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.error_code(), Some("VERSION_GONE"));
    let text = err.to_string();
    assert!(
        text.contains("2026-01-22") && text.contains("get_flex_backup_snapshot"),
        "{text}"
    );
    assert!(!err.is_retryable());
    // The successor still answers.
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap();
}

#[tokio::test]
async fn deprecation_and_sunset_headers_are_readable_and_malformed_ones_ignored() {
    let standin = standin(1).await;
    let client = client(&standin);
    standin.set_deprecation(Some("@1769040000")).unwrap();
    standin
        .set_sunset(Some("Thu, 22 Jan 2026 00:00:00 GMT"))
        .unwrap();
    let got = client
        .get_serverless_backup_snapshot(GROUP, SERVERLESS, &serverless_id(0))
        .await
        .unwrap();
    let since = chrono::DateTime::from_timestamp(1_769_040_000, 0).unwrap();
    assert_eq!(got.lifecycle().deprecation, Some(Deprecation::Since(since)));
    assert_eq!(got.lifecycle().sunset, Some(since));

    standin.set_deprecation(Some("true")).unwrap();
    standin.set_sunset(Some("not a date")).unwrap();
    let got = client
        .get_serverless_backup_snapshot(GROUP, SERVERLESS, &serverless_id(0))
        .await
        .unwrap();
    assert_eq!(got.lifecycle().deprecation, Some(Deprecation::Flagged));
    assert_eq!(
        got.lifecycle().sunset,
        None,
        "garbage is ignored, the call succeeds"
    );
}

#[tokio::test]
async fn the_envelope_gives_identical_results() {
    let standin = standin(7).await;
    let plain = client(&standin);
    let wrapped = builder(&standin).envelope(true).build().unwrap();

    let a = plain
        .get_serverless_backup_snapshot(GROUP, SERVERLESS, &serverless_id(3))
        .await
        .unwrap();
    let b = wrapped
        .get_serverless_backup_snapshot(GROUP, SERVERLESS, &serverless_id(3))
        .await
        .unwrap();
    assert_eq!(a.value(), b.value());
    assert_eq!(a.body(), b.body(), "the content is handed on as received");

    let page = PageRequest::new(2, 3);
    let a = plain
        .list_flex_backup_snapshots(GROUP, FLEX, page)
        .await
        .unwrap();
    let b = wrapped
        .list_flex_backup_snapshots(GROUP, FLEX, page)
        .await
        .unwrap();
    // `links` echo the request URL, `envelope=true` included, as Atlas's do.
    assert_eq!(
        (&a.value().results, a.value().total_count),
        (&b.value().results, b.value().total_count)
    );
    assert_eq!(b.value().results.len(), 3);
    let all_plain = plain
        .flex_backup_snapshots(GROUP, FLEX)
        .page_size(2)
        .collect()
        .await
        .unwrap();
    let all_wrapped = wrapped
        .flex_backup_snapshots(GROUP, FLEX)
        .page_size(2)
        .collect()
        .await
        .unwrap();
    assert_eq!(all_plain, all_wrapped);

    let missing = "0123456789abcdef01234567";
    let a = plain
        .get_flex_backup_snapshot(GROUP, FLEX, missing)
        .await
        .unwrap_err();
    let b = wrapped
        .get_flex_backup_snapshot(GROUP, FLEX, missing)
        .await
        .unwrap_err();
    let (a, b) = (a.api_failure().unwrap(), b.api_failure().unwrap());
    assert_eq!(
        (a.status, &a.body),
        (b.status, &b.body),
        "an enveloped 404 is the same API error"
    );

    // Errors sent with their plain status under the envelope read the same too.
    standin.set_envelope_errors_plain(true);
    let c = wrapped
        .get_flex_backup_snapshot(GROUP, FLEX, missing)
        .await
        .unwrap_err();
    assert_eq!(
        c.api_failure().map(|f| (f.status, &f.body)),
        Some((a.status, &a.body))
    );

    let requests = standin.requests();
    assert!(
        requests
            .iter()
            .filter(|r| r.query.as_deref().unwrap_or("").contains("envelope=true"))
            .count()
            >= 4
    );
}

#[tokio::test]
async fn a_body_that_claims_the_envelope_but_does_not_fit_is_a_decode_error() {
    let standin = standin(1).await;
    standin.set_fault(atlas_snapshots_standin::Fault::MalformedJson, None);
    let wrapped = builder(&standin)
        .envelope(true)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = wrapped
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .unwrap_err();
    match err {
        Error::Decode { body_prefix, .. } => assert!(!body_prefix.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_generated_method_carries_the_deprecation_note() {
    let source = include_str!(concat!(env!("OUT_DIR"), "/methods.rs"));
    let file = syn::parse_file(source).unwrap();
    let note = |name: &str| {
        file.items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(imp) => Some(imp),
                _ => None,
            })
            .flat_map(|imp| &imp.items)
            .find_map(|item| match item {
                syn::ImplItem::Fn(f) if f.sig.ident == name => Some(f),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no method {name}"))
            .attrs
            .iter()
            .find(|a| a.path().is_ident("deprecated"))
            .map(|a| {
                let syn::Meta::List(list) = &a.meta else {
                    panic!("{name}: #[deprecated] without a note")
                };
                let nv: syn::MetaNameValue = list.parse_args().unwrap();
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = nv.value
                else {
                    panic!("{name}: the note is not a string")
                };
                s.value()
            })
    };
    assert_eq!(
        note("get_serverless_backup_snapshot").as_deref(),
        Some(
            "Atlas deprecated `getServerlessBackupSnapshot`; its version 2023-01-01 is sunset on \
             2026-01-22, after which Atlas answers 410 VERSION_GONE; use \
             `Client::get_flex_backup_snapshot` instead"
        )
    );
    assert!(
        note("list_serverless_backup_snapshots")
            .unwrap()
            .contains("use `Client::list_flex_backup_snapshots` instead")
    );
    assert_eq!(
        note("get_flex_backup_snapshot"),
        None,
        "the successor is not deprecated"
    );
}
