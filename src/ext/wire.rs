//! What happens on the wire for every call: progenitor's hooks, implemented here.
//!
//! `pre` sets the operation's exact versioned `Accept` (progenitor hard-codes
//! `application/json`) and `User-Agent`. (Progenitor's `api-version` header is dropped
//! from the generated builders by build/pipeline.rs.)
//! `exec` signs, sends, answers 401 challenges, caps the body, reads each answer for what
//! it means (the envelope's status, an error document in a success) and retries on
//! that. Both find their operation's row from progenitor's `OperationInfo`.
//!
//! `exec` can only return `reqwest::Result<reqwest::Response>`, and a `reqwest::Error`
//! cannot be made to carry this crate's errors. So the call's outcome (attempts, final
//! status, headers and body, or this crate's error) goes into the [`CallSlot`] of the
//! generated client the call runs on (one per call, see `Client::for_call`), and on
//! this crate's error `exec` returns a `reqwest` builder error that only stops
//! progenitor: `Client::call` reads the slot's error first and never shows that one.

use std::{
    fmt,
    sync::Mutex,
    time::{Duration, Instant},
};

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::{
    StatusCode,
    header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT},
};

use super::{
    Inner,
    client::api_error,
    envelope,
    error::{ApiFailure, Error},
    lifecycle::{LifecycleHeaders, Operation},
    retry::{self, Ending},
};

/// What one call learned on the wire, read by `Client::call` once progenitor is done.
/// A clone is an empty slot: a clone of the generated client is another call's.
#[derive(Default)]
pub(crate) struct CallSlot(Mutex<CallRecord>);

impl Clone for CallSlot {
    fn clone(&self) -> Self {
        CallSlot::default()
    }
}

impl fmt::Debug for CallSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallSlot").finish_non_exhaustive()
    }
}

#[derive(Default)]
pub(crate) struct CallRecord {
    pub(crate) attempts: u32,
    pub(crate) error: Option<Error>,
    pub(crate) status: Option<StatusCode>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) lifecycle: LifecycleHeaders,
}

impl CallSlot {
    fn with<R>(&self, f: impl FnOnce(&mut CallRecord) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn take(&self) -> CallRecord {
        self.with(std::mem::take)
    }
}

/// The most body buffer reserved up front from a `Content-Length`.
const MAX_PREALLOC: u64 = 4 * 1024 * 1024;

/// One HTTP exchange's answer, body read in full.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

enum Failure {
    /// reqwest's own error: handed back to progenitor as a communication error.
    Transport(reqwest::Error),
    /// Ours: carried in the call's slot.
    Ours(Error),
}

/// The operation progenitor is running: the `OperationInfo` names its generated method.
fn operation(info: &OperationInfo) -> Option<&'static Operation> {
    crate::generated::operations::by_operation_id(info.operation_id)
}

impl ClientHooks<Inner> for crate::generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let headers = request.headers_mut();
        if let Some(agent) = &self.inner().user_agent {
            headers.insert(USER_AGENT, agent.clone());
        }
        if let Some(operation) = operation(info) {
            headers.insert(ACCEPT, HeaderValue::from_static(operation.media_type));
            if let Some(content_type) = operation.content_type {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            }
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // Every generated method has a row (tests/operations.rs calls each): one without
        // would be a build.rs bug, and is not sent unsigned.
        let Some(operation) = operation(info) else {
            let error = Error::Config(format!("no operation row for {}", info.operation_id));
            self.inner().call.with(|r| r.error = Some(error));
            return Err(stop(self.client()));
        };
        let url = request.url().clone();
        match drive(self.client(), self.inner(), operation, request).await {
            Ok(answer) => Ok(into_response(answer, url)),
            Err(Failure::Transport(e)) => Err(e),
            Err(Failure::Ours(e)) => {
                self.inner().call.with(|r| r.error = Some(e));
                Err(stop(self.client()))
            }
        }
    }
}

/// A `reqwest::Error` that ends progenitor's `send()` once this crate's error is in the
/// slot: reqwest offers no constructor, and a request to no URL fails at once, sending
/// nothing. Only on the error path.
fn stop(http: &reqwest::Client) -> reqwest::Error {
    match http.get("").build() {
        Err(e) => e,
        Ok(_) => unreachable!("an empty URL does not parse"),
    }
}

fn into_response(answer: Answer, url: reqwest::Url) -> reqwest::Response {
    use reqwest::ResponseBuilderExt as _;
    // An operation that answers 200 with a body or 204 without one decodes every success
    // as nullable JSON (build/transforms.rs `optional_success_bodies`): give progenitor
    // `null` for the empty 204, so the method returns `None`. Operations without a
    // success body never read it.
    let body = if answer.status == StatusCode::NO_CONTENT && answer.body.is_empty() {
        Bytes::from_static(b"null")
    } else {
        answer.body
    };
    // With the request's URL attached, reqwest need not parse a placeholder URL for
    // every answer (a measurable share of a call, per callgrind).
    let mut response = match http::Response::builder().url(url).body(()) {
        Ok(empty) => empty.map(|()| body),
        Err(_) => http::Response::new(body),
    };
    *response.status_mut() = answer.status;
    *response.headers_mut() = answer.headers;
    reqwest::Response::from(response)
}

/// Attempts the call until it succeeds, fails for good, or the retry policy stops it.
async fn drive(
    http: &reqwest::Client,
    inner: &Inner,
    operation: &'static Operation,
    request: reqwest::Request,
) -> Result<Answer, Failure> {
    let call = &inner.call;
    // A write (POST, PATCH) is sent again only when it provably was not processed,
    // unless the caller vouched for it (`Client::idempotent`): see `RetryPolicy`.
    let idempotent = inner.idempotent || retry::is_idempotent(request.method());
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        call.with(|r| r.attempts = attempt);
        let attempt_started = Instant::now();
        let outcome = exchange(http, inner, &request)
            .await
            .map(|answer| read(inner, operation, attempt, answer));
        let (server_wait, ending) = match &outcome {
            // Retries follow what the answer means, not its HTTP status alone: an
            // enveloped 503 is retried, an HTTP 500 around an enveloped 200 is not.
            Ok((a, _)) => {
                let wait = retry::retry_after(&a.headers);
                let ending = Ending::Answer {
                    status: a.status,
                    retry_after: wait.is_some(),
                };
                (wait, ending)
            }
            // A builder or redirect error would only fail the same way.
            Err(Failure::Transport(e)) if e.is_builder() || e.is_redirect() => {
                (None, Ending::Final)
            }
            // hyper-util's `Connect` kind: the connector failed (DNS, refused, connect
            // timeout, TLS, proxy), so there was no connection to write the request on.
            Err(Failure::Transport(e)) if e.is_connect() => (None, Ending::NotSent),
            // Anything else may come after the request left: a reset, a truncated body,
            // an attempt timeout (which may also fire while connecting: not provable).
            Err(Failure::Transport(_)) => (None, Ending::Lost),
            // Ours come from getting a token before the API request is written, or
            // after a 401, which Atlas answers before processing; a token endpoint
            // answering 429 or 5xx is worth another try, a body too large, a refused
            // key or a bad token reply is not.
            Err(Failure::Ours(e)) if e.is_retryable() => (e.retry_after(), Ending::NotSent),
            Err(Failure::Ours(_)) => (None, Ending::Final),
        };
        tracing::debug!(
            target: "atlas_snapshots::wire",
            operation = operation.id,
            attempt,
            status = outcome.as_ref().ok().map(|(a, _)| a.status.as_u16()),
            error = match &outcome {
                Ok((_, e)) => e.as_ref().map(Error::to_string),
                Err(f) => Some(describe(f)),
            },
            duration_ms = attempt_started.elapsed().as_millis() as u64,
            "attempt"
        );
        let elapsed = started.elapsed();
        let wait = if retry::worth_retrying(ending, idempotent) {
            inner
                .retry
                .next_wait(attempt, elapsed, server_wait)
                // A wait that outlasts the total timeout would end the call as a timeout
                // and hide the answer that explains it (a 429 and its Retry-After).
                .filter(|w| {
                    inner
                        .timeouts
                        .total
                        .is_none_or(|total| elapsed.saturating_add(*w) < total)
                })
        } else {
            None
        };
        match (outcome, wait) {
            (Err(Failure::Ours(mut e)), None) => {
                // The token endpoint's own transport error knows of its one request only.
                if let Error::Transport { attempts, .. } = &mut e {
                    *attempts = attempt;
                }
                return Err(Failure::Ours(e));
            }
            (Ok((answer, error)), None) => {
                let answer = finish(call, answer);
                return match error {
                    Some(e) => Err(Failure::Ours(e)),
                    None => Ok(answer),
                };
            }
            // Say why a write that broke off was not sent again: it may have been
            // processed (a restore job started), which the caller has to find out.
            (Err(Failure::Transport(e)), None) if ending == Ending::Lost && !idempotent => {
                let mut error = Error::transport(e, attempt);
                if let Error::Transport {
                    message,
                    may_have_been_processed,
                    ..
                } = &mut error
                {
                    *may_have_been_processed = true;
                    message.push_str(&format!(
                        "; the {} may have been processed, so it was not sent again",
                        request.method()
                    ));
                }
                return Err(Failure::Ours(error));
            }
            (Err(transport), None) => return Err(transport),
            (_, Some(wait)) => tokio::time::sleep(wait).await,
        }
    }
}

fn describe(f: &Failure) -> String {
    match f {
        Failure::Transport(e) => e.without_url_ref(),
        Failure::Ours(e) => e.to_string(),
    }
}

/// `reqwest::Error::without_url` takes the error by value; this shows one without its URL
/// (URLs carry ids, not secrets, but logs need neither).
pub(crate) trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(&format!(" for url ({url})"), "");
        }
        // reqwest's own text is "error sending request"; the cause is in the sources.
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}

/// One signed exchange, answering a 401 challenge or a refused cached token once.
async fn exchange(
    http: &reqwest::Client,
    inner: &Inner,
    request: &reqwest::Request,
) -> Result<Answer, Failure> {
    let mut req = clone_request(request, inner.timeouts.attempt)?;
    // `signed` lives until this exchange is over: for a digest client it holds the gate
    // other first calls wait at until the challenge is drawn, or a nonce lent to it.
    let mut signed = inner
        .signer
        .sign(http, &mut req)
        .await
        .map_err(Failure::Ours)?;
    let answer = send(http, req, inner.max_body).await?;
    inner
        .signer
        .answered(&mut signed, answer.status, &answer.headers);
    if answer.status != StatusCode::UNAUTHORIZED {
        return Ok(answer);
    }
    // A challenge, a stale nonce, or a refused cached token: answer it once. A 401 to
    // that answer (a wrong key, a token fresh from the endpoint) is returned as it is.
    let mut retry_req = clone_request(request, inner.timeouts.attempt)?;
    let answered = inner
        .signer
        .answer_unauthorized(http, &mut signed, &answer.headers, &mut retry_req)
        .await
        .map_err(Failure::Ours)?;
    if !answered {
        return Ok(answer);
    }
    let answer = send(http, retry_req, inner.max_body).await?;
    inner
        .signer
        .answered(&mut signed, answer.status, &answer.headers);
    Ok(answer)
}

fn clone_request(
    request: &reqwest::Request,
    timeout: Option<Duration>,
) -> Result<reqwest::Request, Failure> {
    // Progenitor serialises bodies to bytes, so a clone exists for every operation:
    // a retry or a digest challenge's answer re-sends the body.
    let mut req = request.try_clone().ok_or_else(|| {
        Failure::Ours(Error::Config(
            "request cannot be repeated (streaming body)".into(),
        ))
    })?;
    if timeout.is_some() {
        *req.timeout_mut() = timeout;
    }
    Ok(req)
}

async fn send(
    http: &reqwest::Client,
    req: reqwest::Request,
    max_body: usize,
) -> Result<Answer, Failure> {
    let mut response = http.execute(req).await.map_err(Failure::Transport)?;
    let status = response.status();
    let body = read_capped(&mut response, max_body)
        .await
        .map_err(Failure::Transport)?
        .ok_or(Failure::Ours(Error::BodyTooLarge { limit: max_body }))?;
    let headers = std::mem::take(response.headers_mut());
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// The whole body, or `None` as soon as it is known to be over `limit` bytes.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
) -> reqwest::Result<Option<Bytes>> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(None);
    }
    // Content-Length is the server's word: preallocate at most the limit, and not more
    // than a few MiB even when the limit is raised far beyond that.
    let mut body = BytesMut::with_capacity(
        response
            .content_length()
            .map_or(8 * 1024, |n| n.min(MAX_PREALLOC) as usize),
    );
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// What an answer means: under the envelope, the status and content inside it (when the
/// body is an envelope); and an error when a success carries an Atlas error document.
/// Retries and errors follow this reading, so it is made before either is decided.
fn read(
    inner: &Inner,
    operation: &'static Operation,
    attempt: u32,
    mut answer: Answer,
) -> (Answer, Option<Error>) {
    // Under the envelope an error may come as HTTP 200 with the error inside, or with
    // its own status, enveloped or plain (Atlas does not document which): all read alike.
    // A body that is an envelope is read by its `status` alone, whatever the HTTP status.
    if inner.envelope {
        match envelope::unwrap(&answer.body) {
            Ok((status, content)) => {
                answer.status = status;
                answer.body = content;
                answer.headers.remove(CONTENT_LENGTH);
            }
            // A plain error (a proxy's HTML 502, an unwrapped Atlas error) keeps its status.
            Err(_) if !answer.status.is_success() => {}
            Err(e) => {
                let source = match e {
                    envelope::EnvelopeError::NotJson(e) => Some(e),
                    envelope::EnvelopeError::NoStatus => None,
                };
                let error = Error::decode(
                    answer.status,
                    &answer.headers,
                    &answer.body,
                    attempt,
                    source,
                );
                return (answer, Some(error));
            }
        }
    }
    let document = if answer.status.is_success() {
        envelope::error_document(&answer.body)
    } else {
        None
    };
    let error = document.map(|(status, body)| {
        // The status the document names, when it names an error status; logs and the
        // call's span then show it too.
        answer.status = status.unwrap_or(answer.status);
        let failure = ApiFailure {
            status: answer.status,
            headers: answer.headers.clone(),
            body,
            raw: answer.body.clone(),
            attempts: attempt,
        };
        api_error(operation, failure)
    });
    (answer, error)
}

/// Records the final answer for `Client::call`.
fn finish(call: &CallSlot, mut answer: Answer) -> Answer {
    let lifecycle = LifecycleHeaders::from_headers(&answer.headers);
    // The headers stay here for `Client::call`; progenitor only needs the status and
    // the body, and would clone a full header map it never reads.
    call.with(|r| {
        r.status = Some(answer.status);
        r.headers = std::mem::take(&mut answer.headers);
        r.body = answer.body.clone();
        r.lifecycle = lifecycle;
    });
    answer
}

// Each way an attempt can end, for each method class, over loopback servers that
// count what reached them.
#[cfg(test)]
mod retry_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: StatusCode, body: &'static [u8]) -> Answer {
        Answer {
            status,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body),
        }
    }

    #[tokio::test]
    async fn an_empty_204_reaches_progenitor_as_null_and_other_bodies_as_sent() {
        let url = reqwest::Url::parse("http://127.0.0.1/x").unwrap();
        let body = |a| async { into_response(a, url.clone()).bytes().await.unwrap() };
        assert_eq!(body(answer(StatusCode::NO_CONTENT, b"")).await, "null");
        assert_eq!(body(answer(StatusCode::OK, b"")).await, "");
        assert_eq!(body(answer(StatusCode::OK, b"{}")).await, "{}");
        assert_eq!(body(answer(StatusCode::NO_CONTENT, b"{}")).await, "{}");
    }
}
