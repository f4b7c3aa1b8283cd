//! Service accounts (OAuth 2.0 client credentials), by behaviour: client credentials
//! form-encoded.
#![cfg(feature = "test-util")]

mod common;

use std::{future::Future, time::Duration};

use atlas_snapshots::{Client, Credentials, Error, standin::StandIn};
use base64::Engine as _;
use common::*;

const TOKEN_PATH: &str = "/api/oauth/token";

/// Every test's bound on its own run.
async fn bounded<F: Future>(seconds: u64, test: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(seconds), test)
        .await
        .expect("the test finished in time")
}

async fn get(client: &Client) -> Result<(), Error> {
    client
        .get_flex_backup_snapshot(GROUP, FLEX, &flex_id(0))
        .await
        .map(|_| ())
}

// ----- client credentials are form-encoded -----

const ODD_ID: &str = "id:with%colon +plus é";
const ODD_SECRET: &str = "sk:5ecret%20 +ü€";
/// Both, form-encoded (RFC 6749 §2.3.1), joined by the one `:` that is not encoded.
const ODD_PAIR: &str = "id%3Awith%25colon+%2Bplus+%C3%A9:sk%3A5ecret%2520+%2B%C3%BC%E2%82%AC";

/// A client id and secret with `:`, `%`, space, `+` and non-ASCII sign in: each is
/// form-encoded before HTTP Basic, and the stand-in decodes them again.
#[tokio::test]
async fn client_id_and_secret_are_form_encoded_before_basic() {
    bounded(30, async {
        let standin = StandIn::builder()
            .service_account(ODD_ID, ODD_SECRET)
            .start()
            .await
            .unwrap();
        seed(&standin, 1);
        let client = builder(&standin)
            .credentials(Credentials::service_account(ODD_ID, ODD_SECRET))
            .build()
            .unwrap();
        get(&client).await.unwrap();
        let token_request = standin
            .requests()
            .into_iter()
            .find(|r| r.path == TOKEN_PATH)
            .expect("a token request");
        let basic = token_request.header("authorization").unwrap();
        let pair = base64::engine::general_purpose::STANDARD
            .decode(basic.strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(String::from_utf8(pair).unwrap(), ODD_PAIR);

        // The revoke request signs in the same way.
        client.revoke_token().await.unwrap();
        assert_eq!(standin.token_requests(), 1);
        get(&client).await.unwrap();
        assert_eq!(standin.token_requests(), 2);
    })
    .await;
}

/// The stand-in is a strict oracle: credentials sent without the form encoding are
/// refused, encoded ones accepted.
#[tokio::test]
async fn the_stand_in_refuses_credentials_that_are_not_form_encoded() {
    bounded(30, async {
        let standin = StandIn::builder()
            .service_account(ODD_ID, ODD_SECRET)
            .start()
            .await
            .unwrap();
        let http = reqwest::Client::new();
        let ask = |authorization: String| {
            http.post(format!("{}{TOKEN_PATH}", standin.base_url()))
                .header("authorization", authorization)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials")
                .send()
        };
        let basic = |pair: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        };
        let raw_pair = format!("{ODD_ID}:{ODD_SECRET}");
        let half_encoded = format!("id%3Awith%25colon+%2Bplus+%C3%A9:{ODD_SECRET}");
        for refused in [
            raw_pair.as_str(),
            half_encoded.as_str(),
            "id%zz:x",
            "id%3:x",
        ] {
            let resp = ask(basic(refused)).await.unwrap();
            assert_eq!(resp.status().as_u16(), 401, "{refused}");
        }
        let resp = ask(basic(ODD_PAIR)).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
    })
    .await;
}
