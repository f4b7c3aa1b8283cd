//! Waiting for a restore job: poll it until it says it has finished, with backoff and
//! a deadline, and tell a completed job from a failed, cancelled or expired one.
//!
//! Which states are final is domain knowledge the spec does not mark: the Flex job has
//! a `status` enum whose descriptions say `COMPLETED` and `FAILED` end the workflow,
//! the Serverless job has `failed`, `cancelled` and `expired` flags and a `finishedAt`.
//! That knowledge is the curated table `JOB_READINGS` (made by `restore_jobs!` below),
//! keyed by the job's type name as the operation table spells it
//! (`Operation::body_type`), and read from the body Atlas sent, so no code here knows
//! an operation.

use std::{
    fmt,
    time::{Duration, Instant},
};

use super::{client::Response, error::Error, lifecycle::Operation};

/// How a restore-job schema says where a job stands. Public only to name it in the
/// sealed trait: it is not reachable from outside the crate.
#[derive(Debug)]
pub enum Reading {
    /// A status field whose listed values end the job; any other value (a new one
    /// included) is still running.
    Status {
        /// The field's wire name.
        field: &'static str,
        /// Values meaning the job completed.
        completed: &'static [&'static str],
        /// Values meaning it failed.
        failed: &'static [&'static str],
    },
    /// Flags that end the job when `true`, and a time set once it finished.
    Flags {
        /// Set when the job failed.
        failed: &'static str,
        /// Set when someone cancelled it.
        cancelled: &'static str,
        /// Set when it (or its download link) expired.
        expired: &'static str,
        /// Set when it finished.
        finished: &'static str,
    },
}

/// Each restore-job type of [`types`](crate::types) and how its body is read: curated
/// from the spec's field descriptions. Makes the rows of `JOB_READINGS` and the
/// [`RestoreJob`] impls from one list, so a type cannot be waited for without a row
/// (the tests check that every restore-job type the operation table answers with has
/// one).
macro_rules! restore_jobs {
    ($($job:ident => $reading:expr,)*) => {
        $(
            impl sealed::Sealed for crate::types::$job {
                const READING: Reading = $reading;
            }
            impl RestoreJob for crate::types::$job {}
        )*
        pub(crate) const JOB_READINGS: &[(&str, Reading)] = &[$(
            (stringify!($job), <crate::types::$job as sealed::Sealed>::READING),
        )*];
    };
}

restore_jobs! {
    FlexBackupRestoreJob => Reading::Status {
        field: "status",
        completed: &["COMPLETED"],
        failed: &["FAILED"],
    },
    ServerlessBackupRestoreJob => Reading::Flags {
        failed: "failed",
        cancelled: "cancelled",
        expired: "expired",
        finished: "finishedAt",
    },
}

/// Where a restore job stands, as its last answer said.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobState {
    /// Not finished. The status Atlas gave (`PENDING`, `QUEUED`, `RUNNING`, or a value
    /// added later), when the job has a status field.
    Running(Option<String>),
    /// Finished: the snapshot was restored (or its download is ready).
    Completed,
    /// Finished without restoring (`FAILED`, or `failed: true`).
    Failed,
    /// Someone cancelled it (`cancelled: true`).
    Cancelled,
    /// It expired before it could be used (`expired: true`).
    Expired,
}

impl JobState {
    /// Whether the job will not change any more.
    pub fn is_finished(&self) -> bool {
        !matches!(self, JobState::Running(_))
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobState::Running(Some(status)) => write!(f, "running ({})", status.escape_debug()),
            JobState::Running(None) => f.write_str("running"),
            JobState::Completed => f.write_str("completed"),
            JobState::Failed => f.write_str("failed"),
            JobState::Cancelled => f.write_str("cancelled"),
            JobState::Expired => f.write_str("expired"),
        }
    }
}

impl Reading {
    /// The job's state from its JSON body. A body that is not a JSON object, or lacks
    /// the fields, reads as running: the deadline still ends the wait.
    fn state(&self, body: &[u8]) -> JobState {
        let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let flag = |name: &str| json.get(name).and_then(serde_json::Value::as_bool) == Some(true);
        match self {
            Reading::Status {
                field,
                completed,
                failed,
            } => match json.get(*field).and_then(serde_json::Value::as_str) {
                Some(s) if completed.contains(&s) => JobState::Completed,
                Some(s) if failed.contains(&s) => JobState::Failed,
                status => JobState::Running(status.map(str::to_owned)),
            },
            // An expired job counts before its finish time: its download is gone.
            Reading::Flags {
                failed,
                cancelled,
                expired,
                finished,
            } => {
                if flag(failed) {
                    JobState::Failed
                } else if flag(cancelled) {
                    JobState::Cancelled
                } else if flag(expired) {
                    JobState::Expired
                } else if json.get(*finished).is_some_and(|t| !t.is_null()) {
                    JobState::Completed
                } else {
                    JobState::Running(None)
                }
            }
        }
    }
}

impl Operation {
    /// Whether it answers with one restore job, which
    /// [`WaitPolicy::watch_operation`] can wait for.
    pub fn answers_restore_job(&self) -> bool {
        self.body_type.and_then(reading).is_some()
    }
}

/// The reading of the restore-job type named `body_type`, if it is one.
pub(crate) fn reading(body_type: &str) -> Option<&'static Reading> {
    JOB_READINGS
        .iter()
        .find(|(name, _)| *name == body_type)
        .map(|(_, reading)| reading)
}

pub(crate) mod sealed {
    /// How a [`RestoreJob`](super::RestoreJob) type is read (its row of `JOB_READINGS`).
    pub trait Sealed {
        const READING: super::Reading;
    }
}

/// A restore job of [`types`](crate::types) (Flex or Serverless), which
/// [`WaitPolicy::until_finished`] can wait for. Sealed: implemented for the types in
/// the curated table of how each says it has finished.
pub trait RestoreJob: sealed::Sealed {}

impl<T: RestoreJob> Response<T> {
    /// Where the job in this answer stands, read from the body Atlas sent.
    pub fn job_state(&self) -> JobState {
        T::READING.state(self.body())
    }
}

/// How long and how often to poll a restore job.
///
/// Polls start at once, then after `initial_interval`, doubling up to `max_interval`.
/// No poll starts after the `deadline`; the one in flight then is bounded by the
/// client's own timeouts. Each poll is one call with the client's
/// [`RetryPolicy`](crate::RetryPolicy): a poll that still fails ends the wait with its
/// error, so waiting never retries on top of the policy (a failing Atlas sees at most
/// `max_attempts` requests in all, not that many per poll).
///
/// ```no_run
/// use std::time::Duration;
/// use atlas_snapshots::WaitPolicy;
///
/// # async fn run(client: atlas_snapshots::Client) -> atlas_snapshots::Result<()> {
/// let (group, cluster, job) = ("5f1a2b3c4d5e6f7a8b9c0d1e", "Flex0", "6a1b2c3d4e5f6a7b8c9d0e1f");
/// let wait = WaitPolicy::default().deadline(Duration::from_secs(600));
/// match wait.until_finished(|| client.get_flex_restore_job(group, cluster, job)).await {
///     Ok(done) => println!("restored: {:?}", done.value().status),
///     Err(e) => eprintln!("{e}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    initial_interval: Duration,
    max_interval: Duration,
    deadline: Duration,
}

impl Default for WaitPolicy {
    /// Polls after 1 s, doubling to every 15 s, for at most 30 minutes (a Flex restore
    /// takes minutes).
    fn default() -> Self {
        WaitPolicy {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
            deadline: Duration::from_secs(30 * 60),
        }
    }
}

impl WaitPolicy {
    /// The wait before the second poll; each later one doubles, up to `max_interval`.
    /// Zero polls back to back (each poll is a request) until the deadline.
    pub fn initial_interval(mut self, interval: Duration) -> Self {
        self.initial_interval = interval;
        self
    }

    /// The longest wait between polls.
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// How long after the first poll the last may start.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Polls the job with `poll` until it has finished: the completed job, or a
    /// [`WaitError`] carrying the job that failed, was cancelled or expired, or the last
    /// one read when the deadline passed. `poll` may fail with this crate's [`Error`] or
    /// an error of your own, which ends the wait as [`WaitError::Call`].
    pub async fn until_finished<T, E, F, Fut>(
        &self,
        poll: F,
    ) -> Result<Response<T>, WaitError<T, E>>
    where
        T: RestoreJob,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Response<T>, E>>,
    {
        self.watch(poll, |_, _| {}).await
    }

    /// [`WaitPolicy::until_finished`], telling `progress` each answer and its state
    /// (to show progress).
    pub async fn watch<T, E, F, Fut>(
        &self,
        poll: F,
        progress: impl FnMut(&Response<T>, &JobState),
    ) -> Result<Response<T>, WaitError<T, E>>
    where
        T: RestoreJob,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Response<T>, E>>,
    {
        self.run(&T::READING, poll, progress).await
    }

    /// [`WaitPolicy::watch`] for a caller that polls through a path without the job's
    /// type (a generic dispatcher, the CLI) and knows the operation it polls: its
    /// answers are read by the operation's body type. An operation that does not
    /// answer with a restore job is refused before `poll` is called.
    pub async fn watch_operation<T, E, F, Fut>(
        &self,
        operation: &'static Operation,
        poll: F,
        progress: impl FnMut(&Response<T>, &JobState),
    ) -> Result<Response<T>, WaitError<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Response<T>, E>>,
    {
        match operation.body_type.and_then(reading) {
            Some(reading) => self.run(reading, poll, progress).await,
            None => Err(WaitError::NotRestoreJob { operation }),
        }
    }

    async fn run<T, E, F, Fut>(
        &self,
        reading: &Reading,
        mut poll: F,
        mut progress: impl FnMut(&Response<T>, &JobState),
    ) -> Result<Response<T>, WaitError<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Response<T>, E>>,
    {
        let started = Instant::now();
        let mut interval = self.initial_interval;
        loop {
            let job = poll().await.map_err(WaitError::Call)?;
            let state = reading.state(job.body());
            progress(&job, &state);
            match state {
                JobState::Completed => return Ok(job),
                JobState::Running(_) => {}
                state => {
                    return Err(WaitError::Unsuccessful {
                        state,
                        job: Box::new(job),
                    });
                }
            }
            let left = self.deadline.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(WaitError::Deadline {
                    state,
                    waited: started.elapsed(),
                    job: Box::new(job),
                });
            }
            // The last poll starts at the deadline, so it reports the state then.
            tokio::time::sleep(interval.min(left)).await;
            interval = interval.saturating_mul(2).min(self.max_interval);
        }
    }
}

/// Why waiting for a restore job ended without a completed job. `E` is the error the
/// poll fails with: this crate's [`Error`] unless yours.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<T, E = Error> {
    /// The job finished without completing: it failed, was cancelled or expired.
    Unsuccessful {
        /// How it finished.
        state: JobState,
        /// The final answer, job included.
        job: Box<Response<T>>,
    },
    /// The deadline passed with the job still running.
    Deadline {
        /// Where it stood at the last poll.
        state: JobState,
        /// How long the wait took.
        waited: Duration,
        /// The last answer, job included.
        job: Box<Response<T>>,
    },
    /// A poll failed (after its own retries).
    Call(E),
    /// [`WaitPolicy::watch_operation`] was given an operation that does not answer
    /// with a restore job; nothing was sent.
    NotRestoreJob {
        /// The operation given.
        operation: &'static Operation,
    },
}

impl<T, E> WaitError<T, E> {
    /// The last answer about the job, when one came.
    pub fn job(&self) -> Option<&Response<T>> {
        match self {
            WaitError::Unsuccessful { job, .. } | WaitError::Deadline { job, .. } => Some(job),
            WaitError::Call(_) | WaitError::NotRestoreJob { .. } => None,
        }
    }
}

impl<T, E: fmt::Display> fmt::Display for WaitError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Unsuccessful { state, job } => {
                write!(f, "restore job {} {state}", job_id(job.body()))
            }
            WaitError::Deadline { state, waited, job } => write!(
                f,
                "restore job {} still {state} after {waited:.0?}",
                job_id(job.body())
            ),
            WaitError::Call(e) => e.fmt(f),
            WaitError::NotRestoreJob { operation } => write!(
                f,
                "{} answers {}, not a restore job",
                operation.id,
                operation.body_type.unwrap_or("nothing")
            ),
        }
    }
}

// The poll's error shows through, as `#[error(transparent)]` would.
impl<T: fmt::Debug, E: std::error::Error> std::error::Error for WaitError<T, E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Call(e) => e.source(),
            _ => None,
        }
    }
}

/// The job's `id`, escaped for one line of text.
fn job_id(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("id")?.as_str().map(|s| s.escape_debug().to_string()))
        .unwrap_or_else(|| "(no id)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flex(body: &str) -> JobState {
        reading("FlexBackupRestoreJob")
            .unwrap()
            .state(body.as_bytes())
    }

    fn serverless(body: &str) -> JobState {
        reading("ServerlessBackupRestoreJob")
            .unwrap()
            .state(body.as_bytes())
    }

    #[test]
    fn a_flex_job_is_finished_at_completed_or_failed() {
        for s in ["PENDING", "QUEUED", "RUNNING", "PAUSED"] {
            let state = flex(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(state, JobState::Running(Some(s.to_owned())));
            assert!(!state.is_finished());
        }
        assert_eq!(flex(r#"{"status":"COMPLETED"}"#), JobState::Completed);
        assert_eq!(flex(r#"{"status":"FAILED"}"#), JobState::Failed);
        assert!(JobState::Failed.is_finished());
        // No status, or not JSON: still running, the deadline ends it.
        for body in ["{}", r#"{"status":7}"#, "[1]", "not json", ""] {
            assert_eq!(flex(body), JobState::Running(None), "{body}");
        }
    }

    #[test]
    fn a_serverless_job_is_finished_by_its_flags_or_its_finish_time() {
        assert_eq!(serverless(r#"{"failed":false}"#), JobState::Running(None));
        assert_eq!(
            serverless(r#"{"finishedAt":null}"#),
            JobState::Running(None)
        );
        let done = r#"{"finishedAt":"2026-12-01T10:00:00Z","failed":false}"#;
        assert_eq!(serverless(done), JobState::Completed);
        assert_eq!(
            serverless(r#"{"finishedAt":"2026-12-01T10:00:00Z","failed":true}"#),
            JobState::Failed
        );
        assert_eq!(serverless(r#"{"cancelled":true}"#), JobState::Cancelled);
        assert_eq!(
            serverless(r#"{"finishedAt":"2026-12-01T10:00:00Z","expired":true}"#),
            JobState::Expired
        );
        assert_eq!(serverless(r#"{"failed":"yes"}"#), JobState::Running(None));
    }

    /// A restore-job type the table answers with but `restore_jobs!` misses could not
    /// be waited for; a row naming no such type would be dead.
    #[test]
    fn every_restore_job_type_of_the_operation_table_has_a_reading() {
        let answered: std::collections::BTreeSet<&str> = crate::operations::ALL
            .iter()
            .filter_map(|op| op.body_type)
            .filter(|t| t.ends_with("RestoreJob"))
            .collect();
        let read: std::collections::BTreeSet<&str> =
            JOB_READINGS.iter().map(|(name, _)| *name).collect();
        assert_eq!(answered, read);
    }

    proptest::proptest! {
        // Bodies are the server's: any bytes read as some state, never a panic.
        #[test]
        fn any_body_reads_as_a_state(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
            status in ".{0,40}",
        ) {
            for (_, reading) in JOB_READINGS {
                let _ = reading.state(&bytes);
                let body = serde_json::json!({"status": status, "failed": status}).to_string();
                let _ = reading.state(body.as_bytes());
            }
            let _ = job_id(&bytes);
        }
    }

    #[test]
    fn messages_show_the_job_id_escaped() {
        assert_eq!(job_id(br#"{"id":"65ab"}"#), "65ab");
        assert_eq!(job_id(br#"{"id":"a\u001b[2Jb"}"#), "a\\u{1b}[2Jb");
        assert_eq!(job_id(b"{}"), "(no id)");
    }
}
