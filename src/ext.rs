//! The hand-written layer over the generated client: configuration, credentials, the
//! wire hooks (versioned Accept, User-Agent, auth, retries), lifecycle, envelope and
//! errors. One concern per submodule.

pub(crate) mod auth;
pub(crate) mod client;
pub(crate) mod config;
pub(crate) mod envelope;
pub(crate) mod error;
pub(crate) mod invoke;
pub(crate) mod lifecycle;
pub(crate) mod migration;
pub(crate) mod open_enum;
pub(crate) mod pagination;
pub(crate) mod restore;
pub(crate) mod retry;
mod wire;

use std::{fmt, ops::Deref, sync::Arc};

use reqwest::header::HeaderValue;

/// The configuration and shared state the generated client carries (its "inner type"),
/// and the record of the one call it is made for. Clones share the state (one token
/// cache, one digest nonce, one set of policies) and start an empty record: progenitor's
/// hooks see only the client, so each call runs on a client of its own
/// (`Client::for_call`). Crate-private like the generated client that holds it, which
/// build.rs names it to.
#[derive(Clone)]
pub(crate) struct Inner {
    shared: Arc<Shared>,
    pub(crate) call: wire::CallSlot,
    /// The caller vouched that this call is safe to repeat (`Client::idempotent`).
    pub(crate) idempotent: bool,
}

impl Inner {
    pub(crate) fn for_call(shared: &Arc<Shared>, idempotent: bool) -> Self {
        Inner {
            shared: Arc::clone(shared),
            call: wire::CallSlot::default(),
            idempotent,
        }
    }
}

pub(crate) struct Shared {
    pub(crate) signer: auth::Signer,
    pub(crate) retry: retry::RetryPolicy,
    pub(crate) timeouts: config::Timeouts,
    pub(crate) envelope: bool,
    pub(crate) deprecation: lifecycle::DeprecationWarnings,
    pub(crate) max_body: usize,
    /// `None` leaves the user's own client's `User-Agent` alone.
    pub(crate) user_agent: Option<HeaderValue>,
}

impl Deref for Inner {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("signer", &self.signer)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("envelope", &self.envelope)
            .field("deprecation", &self.deprecation)
            .field("max_body", &self.max_body)
            .finish()
    }
}
