//! `atlas-snapshots flex restore watch` (and `serverless restore watch` while Atlas
//! serves it): poll a restore job until it has finished.
//!
//! One `watch` sits beside the friendly command of each GET that answers one restore
//! job (`Operation::answers_restore_job`), with that command's flags and call, polled
//! by `WaitPolicy::watch_operation`. Nothing here names an operation.

use std::{
    io::{IsTerminal, Write},
    time::{Duration, Instant},
};

use atlas_snapshots::{JobState, Operation, Response, WaitError, WaitPolicy};
use clap::{Arg, ArgMatches, Command};

use crate::{
    Failure, Form, Globals, catalog, client, commands,
    invoke::{self, Call},
    output::{self, Format},
    parameters, parse_timeout, profile,
};

const WATCH: &str = "watch";
const DEADLINE: &str = "deadline";
const INTERVAL: &str = "interval";
/// A Flex restore takes minutes.
const DEFAULT_DEADLINE: &str = "1800";

/// Exit code of a job that finished without completing (failed, cancelled, expired).
pub const EXIT_UNSUCCESSFUL: u8 = 5;
/// Exit code of a job still running at `--deadline`.
pub const EXIT_DEADLINE: u8 = 6;

/// Each watchable operation with the words of its `watch` command: its get command's,
/// the last word replaced.
fn watchable() -> impl Iterator<Item = (&'static Operation, Vec<&'static str>)> {
    catalog::friendly()
        .filter(|(op, _)| op.http_method == "GET" && op.answers_restore_job())
        .filter_map(|(op, words)| {
            let (_, group) = words.split_last()?;
            let mut words = group.to_vec();
            words.push(WATCH);
            Some((op, words))
        })
}

/// Adds a `watch` beside each watchable operation's command.
pub fn add(root: Command) -> Command {
    watchable().fold(root, |root, (op, words)| {
        let (_, group) = words.split_last().unwrap_or((&WATCH, &[]));
        attach(root, group, leaf(op))
    })
}

/// `leaf` under the subcommand `path` of `command`, which the friendly commands made.
fn attach(command: Command, path: &[&str], leaf: Command) -> Command {
    match path.split_first() {
        None => command.subcommand(leaf),
        Some((first, rest)) => command.mut_subcommands(|sub| {
            if sub.get_name() == *first {
                attach(sub, rest, leaf.clone())
            } else {
                sub
            }
        }),
    }
}

fn leaf(op: &'static Operation) -> Command {
    let long_about = format!(
        "Poll a restore job ({}) until it has finished, then print it.\n\n\
         Progress goes to stderr when stderr is a terminal. Exit codes: 0 the job \
         completed; {EXIT_UNSUCCESSFUL} it failed, was cancelled or expired (the job is \
         printed); {EXIT_DEADLINE} it was still running at --deadline (the last answer is \
         printed); otherwise as for any command.",
        op.id
    );
    let mut command = Command::new(WATCH)
        .about("Wait for a restore job to finish: exit 0 when it completed")
        .long_about(long_about);
    for parameter in catalog::friendly_parameters(op) {
        command = command.arg(parameters::arg(
            parameter,
            catalog::friendly_flag(parameter),
        ));
    }
    command
        .arg(
            Arg::new(DEADLINE)
                .long(DEADLINE)
                .value_name("SECONDS")
                .default_value(DEFAULT_DEADLINE)
                .value_parser(parse_timeout)
                .help("Give up this long after the first poll"),
        )
        .arg(
            Arg::new(INTERVAL)
                .long(INTERVAL)
                .value_name("SECONDS")
                .default_value("1")
                .value_parser(parse_timeout)
                .help("The first wait between polls; it doubles up to 15 s"),
        )
}

/// What a `watch` command line asks for.
pub struct Request {
    call: Call,
    wait: WaitPolicy,
}

/// The `watch` command `name` + `matches` lead to, if it is one.
pub fn request(name: &str, matches: &ArgMatches) -> Option<Result<Request, Failure>> {
    let (words, leaf) = catalog::typed_words(name, matches);
    let (op, _) = watchable().find(|(_, w)| *w == words)?;
    let call = match parameters::call(op, catalog::friendly_parameters(op), leaf) {
        Ok(call) => call,
        Err(failure) => return Some(Err(failure)),
    };
    let seconds = |id| leaf.get_one::<Duration>(id).copied();
    let mut wait = WaitPolicy::default();
    if let Some(deadline) = seconds(DEADLINE) {
        wait = wait.deadline(deadline);
    }
    if let Some(interval) = seconds(INTERVAL) {
        wait = wait.initial_interval(interval);
    }
    Some(Ok(Request { call, wait }))
}

pub async fn run<E>(
    globals: &Globals,
    sources: &profile::Sources<E>,
    credentials: bool,
    mut request: Request,
    out: &mut impl Write,
) -> Result<(), Failure>
where
    E: Fn(&str) -> Option<std::ffi::OsString>,
{
    let op = request.call.operation;
    let result = async {
        request.call.default_group(|flag| sources.group_id(flag))?;
        // A layout exists for the job, or the table is refused before anything is sent.
        commands::layout(&request.call, globals.output)?;
        let client = client(globals, sources)?;
        let mut progress = Progress::new();
        let outcome = request
            .wait
            .watch_operation(
                op,
                || invoke::send(&client, &request.call),
                |job, state| progress.update(job, state),
            )
            .await;
        progress.finish();
        match outcome {
            Ok(job) => print(&request.call, &job, globals.output, out),
            Err(WaitError::Unsuccessful { state, job }) => {
                print(&request.call, &job, globals.output, out)?;
                Err(ended(&job, format!("{state}"), EXIT_UNSUCCESSFUL))
            }
            Err(WaitError::Deadline { state, waited, job }) => {
                print(&request.call, &job, globals.output, out)?;
                let what = format!("still {state} after {waited:.0?} (--deadline)");
                Err(ended(&job, what, EXIT_DEADLINE))
            }
            Err(WaitError::Call(failure)) => Err(failure),
            // `watchable` offers only operations that answer a restore job.
            Err(_) => Err(Failure::Input(format!("{} answers no restore job", op.id))),
        }
    }
    .await;
    result.map_err(|failure| failure.for_command(op, Form::Friendly, credentials))
}

fn print(
    call: &Call,
    job: &Response<()>,
    format: Format,
    out: &mut impl Write,
) -> Result<(), Failure> {
    commands::write_body(call, job.body(), format, out)?;
    Ok(out.flush()?)
}

fn ended(job: &Response<()>, what: String, code: u8) -> Failure {
    Failure::Job {
        message: format!("restore job {} {what}", job_id(job)),
        code,
    }
}

fn job_id(job: &Response<()>) -> String {
    serde_json::from_slice::<serde_json::Value>(job.body())
        .ok()
        .and_then(|v| v.get("id")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "(no id)".to_owned())
}

/// One line on stderr, rewritten at each poll, only when stderr is a terminal.
struct Progress {
    on: bool,
    shown: bool,
    started: Instant,
}

impl Progress {
    fn new() -> Self {
        Progress {
            on: std::io::stderr().is_terminal(),
            shown: false,
            started: Instant::now(),
        }
    }

    fn update(&mut self, job: &Response<()>, state: &JobState) {
        if !self.on {
            return;
        }
        let line = format!(
            "restore job {}: {state} ({}s)",
            job_id(job),
            self.started.elapsed().as_secs()
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{}", output::escape(&line));
        let _ = err.flush();
        self.shown = true;
    }

    fn finish(&mut self) {
        if self.shown {
            output::stderr_line("");
        }
    }
}
