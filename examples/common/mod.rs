//! What the examples share: where their calls go. With Atlas credentials in the
//! environment that is the Atlas they configure; without, an Atlas stand-in started
//! here on 127.0.0.1, signed in with an API key over HTTP Digest as on real Atlas.
//!
//! Not an example itself: cargo only discovers `examples/*.rs` and `examples/*/main.rs`.

use std::{env, error::Error};

use atlas_snapshots::{Client, ClientBuilder, Credentials};
use atlas_snapshots_standin::StandIn;

/// Any error an example may end with.
pub type BoxError = Box<dyn Error + Send + Sync>;

const PUBLIC_KEY: &str = "example-public";
const PRIVATE_KEY: &str = "example-private-key";

/// Where the calls go. Keep it alive for the whole run: dropping it stops the stand-in.
pub struct Setup {
    /// The stand-in, when no credentials were set; seed it before calling.
    pub standin: Option<StandIn>,
}

impl Setup {
    /// Real Atlas when credentials are set, else a freshly started stand-in.
    pub async fn start() -> Result<Setup, BoxError> {
        // The variables `Client::from_env` signs in with (see `atlas_snapshots::env`).
        let configured = [
            atlas_snapshots::env::CLIENT_ID,
            atlas_snapshots::env::PUBLIC_API_KEY,
            atlas_snapshots::env::ACCESS_TOKEN,
        ]
        .iter()
        .any(|v| env::var_os(v).is_some());
        if configured {
            return Ok(Setup { standin: None });
        }
        let standin = StandIn::builder()
            .digest(PUBLIC_KEY, PRIVATE_KEY)
            .start()
            .await?;
        println!(
            "No credentials set: using the embedded Atlas stand-in at {}",
            standin.base_url()
        );
        Ok(Setup {
            standin: Some(standin),
        })
    }

    /// A builder with the base URL and credentials set, to add an example's own
    /// settings to. For Atlas it reads what `Client::from_env()` reads. Each call
    /// makes a new one, so an example can build several differently configured clients.
    pub fn builder(&self) -> atlas_snapshots::Result<ClientBuilder> {
        match &self.standin {
            None => Client::builder_from(|name| env::var_os(name)),
            Some(standin) => Ok(Client::builder()
                .base_url(standin.base_url())
                .credentials(Credentials::api_key(PUBLIC_KEY, PRIVATE_KEY))),
        }
    }

    /// The ids to call with: the command-line arguments against Atlas (one per name in
    /// `names`), `samples` on the stand-in, which the example seeds with them.
    pub fn ids<const N: usize>(
        &self,
        names: [&str; N],
        samples: [&str; N],
    ) -> Result<[String; N], BoxError> {
        if self.standin.is_some() {
            return Ok(samples.map(str::to_owned));
        }
        let args: Vec<String> = env::args().skip(1).collect();
        args.try_into()
            .map_err(|_| format!("with credentials set, pass: {}", names.join(" ")).into())
    }
}
