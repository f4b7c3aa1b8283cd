//! `atlas-snapshots`: read Atlas backup snapshots (Serverless and Flex) from a shell.
//!
//! This file holds the command line (clap), the dispatch to the commands, and the
//! mapping of failures to exit codes. Scripts depend on the exit codes:
//!
//! - 0: success;
//! - 2: invalid arguments or configuration (nothing was sent);
//! - 3: Atlas answered with an error;
//! - 4: no usable answer (connection, timeout, oversized or undecodable body, output);
//! - 5: a watched restore job finished without completing (failed, cancelled, expired);
//! - 6: a watched restore job was still running at `--deadline`.
//!
//! No `print!`: `println!` and `eprintln!` panic when their stream is closed, which
//! would turn every exit code into 101.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod api;
mod catalog;
mod columns;
mod commands;
mod friendly;
mod invoke;
mod migrate_check;
mod output;
mod parameters;
mod profile;
mod watch;

use std::{
    error::Error as _,
    io::{self, IsTerminal, Write},
    process::ExitCode,
    time::Duration,
};

use atlas_snapshots::{Client, DeprecationNotice, Error, Operation, TokenCache, env};
use clap::{ArgAction, ArgMatches, Args, FromArgMatches, parser::ValueSource};

use crate::output::Format;

const ABOUT: &str =
    "Read and restore MongoDB Atlas backups of Serverless instances and Flex clusters.";

const LONG_ABOUT: &str = "\
Read and restore MongoDB Atlas backups of Serverless instances and Flex clusters: \
snapshots, restore jobs, downloads, and the clusters themselves.

Credentials come from the environment, as for the Atlas CLI: a service account \
(MONGODB_ATLAS_CLIENT_ID + MONGODB_ATLAS_CLIENT_SECRET), an API key \
(MONGODB_ATLAS_PUBLIC_API_KEY + MONGODB_ATLAS_PRIVATE_API_KEY) or a token \
(MONGODB_ATLAS_ACCESS_TOKEN). MONGODB_ATLAS_OPS_MANAGER_URL (the Atlas CLI's name) or \
MONGODB_ATLAS_BASE_URL sets where Atlas is; with no credentials set, requests go \
unsigned (for stand-ins). HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY are honoured.

What the environment does not set comes from the Atlas CLI's profile (-P, else \
\"default\") in its config.toml: credentials, ops_manager_url, project_id, output. Flags win \
over the environment, and the environment over the profile. A service account's \
token is cached in the user's cache directory (atlas-snapshots) across runs.";

const EXIT_CODES: &str = "\
Exit codes: 0 success; 2 invalid arguments or configuration (nothing sent); \
3 Atlas answered with an error; 4 no usable answer (connection, timeout, oversized or \
undecodable body) or stdout could not be written (closed, e.g. by `| head`); \
5 a watched restore job failed, was cancelled or expired; 6 it was still running at \
--deadline.";

// The flags every command takes (a `//` comment: a doc comment would become the root
// command's about).
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
struct Globals {
    /// Where Atlas is (overrides MONGODB_ATLAS_OPS_MANAGER_URL and MONGODB_ATLAS_BASE_URL),
    /// e.g. https://cloud.mongodb.com
    #[arg(long, value_name = "URL", global = true)]
    base_url: Option<String>,

    /// Ask Atlas for enveloped answers (envelope=true); the output is the same.
    #[arg(long, global = true)]
    envelope: bool,

    /// Output format: one JSON document as Atlas sent it, or an aligned table (default:
    /// the profile's output, else json).
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = Format::Json, hide_default_value = true, global = true)]
    output: Format,

    /// Give up on a call (retries included) after this many seconds.
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, global = true)]
    timeout: Option<Duration>,

    /// The Atlas CLI profile to read from its config.toml [default: default]
    #[arg(short = 'P', long, value_name = "NAME", global = true)]
    profile: Option<String>,

    /// Fetch a new OAuth token instead of using (and storing) the cached one.
    #[arg(long, global = true, env = profile::NO_TOKEN_CACHE, value_parser = clap::builder::BoolishValueParser::new())]
    no_token_cache: bool,

    /// Log what the client does to stderr (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
}

/// The whole command line: the global flags, the friendly commands and `api` from the
/// operation table, and `completions`.
fn command() -> clap::Command {
    let root = Globals::augment_args(clap::Command::new("atlas-snapshots"))
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .long_about(LONG_ABOUT)
        .after_help(EXIT_CODES)
        .max_term_width(100)
        .subcommand_required(true)
        .arg_required_else_help(true);
    watch::add(friendly::add(root))
        .subcommand(migrate_check::command())
        .subcommand(api::command())
        .subcommand(
            clap::Command::new("completions")
                .about("Print a completion script for a shell (bash, zsh, fish, ...)")
                .arg(
                    clap::Arg::new("shell")
                        .value_name("SHELL")
                        .required(true)
                        .value_parser(clap::value_parser!(clap_complete::Shell)),
                ),
        )
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    // NaN is not more than 0 either.
    if seconds.is_nan() || seconds <= 0.0 {
        return Err("must be more than 0 seconds".to_owned());
    }
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

/// Why a run failed; everything a run can fail with ends up here, printed once.
#[derive(Debug)]
enum Failure {
    /// The library's error; `flag` names the flag a bad value came from, `hint` says
    /// what to do about it.
    Atlas {
        error: Error,
        flag: Option<String>,
        hint: Option<String>,
    },
    /// A success answer whose body is not the JSON the page promises.
    Body(String),
    /// Writing the output failed.
    Output(std::io::Error),
    /// Unusable input (a `--file` body), refused before anything is sent.
    Input(String),
    /// `--output table` for an item type without a table layout.
    NoTable(&'static str, &'static str),
    /// A watched restore job ended other than completed; its exit code.
    Job { message: String, code: u8 },
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Atlas {
            error,
            flag: None,
            hint: None,
        }
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Output(error)
    }
}

/// How the command line named the operation, for messages about its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Api,
    Friendly,
}

/// The variables that configure credentials (or their profile keys); with none set,
/// requests go unsigned.
const CREDENTIAL_VARIABLES: [&str; 3] = [env::CLIENT_ID, env::PUBLIC_API_KEY, env::ACCESS_TOKEN];

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Atlas { error, .. } => match error {
                Error::InvalidArgument { .. } | Error::Config(_) => 2,
                Error::Api(_) | Error::VersionGone { .. } | Error::Auth { .. } => 3,
                Error::Decode { status, .. } if !status.is_success() => 3,
                _ => 4,
            },
            Failure::Input(_) | Failure::NoTable(..) => 2,
            Failure::Body(_) | Failure::Output(_) => 4,
            Failure::Job { code, .. } => *code,
        }
    }

    /// The failure in the terms of the command that called `op`: the flag a bad value
    /// came from, the command to use once `op` is gone, and what to set after a 401
    /// sent without credentials.
    fn for_command(self, op: &'static Operation, form: Form, credentials: bool) -> Self {
        let Failure::Atlas {
            error,
            flag: None,
            hint: None,
        } = self
        else {
            return self;
        };
        // The library names a parameter as the spec does (`groupId`), the body `body`.
        let flag = match &error {
            Error::InvalidArgument { parameter, .. } if *parameter == "body" => {
                Some(format!("--{}", parameters::FILE))
            }
            Error::InvalidArgument { parameter, .. } => op
                .parameters
                .iter()
                .find(|p| p.name == *parameter || p.rust_name == *parameter)
                .map(|p| match form {
                    Form::Api => format!("--{}", p.name),
                    Form::Friendly => format!("--{}", catalog::friendly_flag(p)),
                }),
            _ => None,
        };
        let hint = match &error {
            Error::VersionGone { .. } => op.successor_operation().map(|successor| {
                format!(
                    "{} is gone; use '{}' instead",
                    op.id,
                    catalog::command_line(successor)
                )
            }),
            _ if error.status() == Some(http::StatusCode::UNAUTHORIZED) && !credentials => {
                Some(format!(
                    "no credentials are set: set {} and {} (a service account), {} and {} \
                     (an API key), or {}; or name an Atlas CLI profile that holds them (-P)",
                    env::CLIENT_ID,
                    env::CLIENT_SECRET,
                    env::PUBLIC_API_KEY,
                    env::PRIVATE_API_KEY,
                    env::ACCESS_TOKEN
                ))
            }
            _ => None,
        };
        Failure::Atlas { error, flag, hint }
    }

    /// The message for stderr: one `error:` line, and a `hint:` line where useful.
    /// Atlas's text in it (`errorCode`, `detail`, a body prefix) is escaped.
    fn message(&self) -> String {
        match self {
            Failure::Atlas { error, flag, hint } => {
                let described = describe(error, flag.as_deref());
                let mut text = format!("error: {}", output::escape(&described));
                if let Some(hint) = hint {
                    text.push_str("\nhint: ");
                    text.push_str(hint);
                }
                text
            }
            Failure::Body(what) => format!("error: unexpected answer: {}", output::escape(what)),
            Failure::Output(e) => format!("error: writing the output: {e}"),
            Failure::Input(what) => format!("error: {}", output::escape(what)),
            Failure::NoTable(op, item) => {
                format!("error: {op} answers {item}, which has no table layout; use --output json")
            }
            Failure::Job { message, .. } => format!("error: {}", output::escape(message)),
        }
    }
}

/// The library's error in the CLI's terms: the flag instead of the parameter name,
/// Atlas's status, errorCode and detail for its answers, and the causes of transport
/// failures.
fn describe(error: &Error, flag: Option<&str>) -> String {
    match error {
        Error::InvalidArgument { parameter, reason } => {
            format!("invalid {}: {reason}", flag.unwrap_or(parameter))
        }
        // The library's own message names the successor method; the hint names the command.
        Error::VersionGone {
            operation,
            sunset,
            failure,
            ..
        } => match sunset {
            Some(date) => format!("{failure} ({operation} was sunset on {date})"),
            None => format!("{failure} ({operation} is gone)"),
        },
        _ => {
            let mut text = error.to_string();
            let mut source = error.source();
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text.push_str(": ");
                    text.push_str(&cause_text);
                }
                source = cause.source();
            }
            text
        }
    }
}

fn init_tracing(verbose: u8) {
    if verbose == 0 {
        return;
    }
    let default = if verbose == 1 {
        "atlas_snapshots=debug"
    } else {
        "atlas_snapshots=trace,reqwest=debug"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Fails only if a subscriber is already set, which nothing here does.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Its own report of a failed write would be an `eprintln!`: a panic on a closed stderr.
        .log_internal_errors(false)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

/// The `warning:` line for the library's deprecation notice, naming the replacing
/// command rather than the replacing library method (the library reports each
/// operation once per process).
fn deprecation(notice: &DeprecationNotice) -> String {
    let op = notice.operation;
    let mut text = format!("warning: {} (version {}) is deprecated", op.id, op.version);
    match (notice.sunset, notice.days_left) {
        (Some(date), Some(days)) if days < 0 => {
            text.push_str(&format!("; sunset {date}, {} days ago", -days));
        }
        (Some(date), Some(days)) => text.push_str(&format!("; sunset {date}, in {days} days")),
        _ => {}
    }
    match (op.successor_operation(), op.successor) {
        (Some(successor), _) => text.push_str(&format!(
            "; use '{}' instead",
            catalog::command_line(successor)
        )),
        (None, Some(method)) => text.push_str(&format!("; use {method} instead")),
        (None, None) => {}
    }
    text
}

fn client<E>(globals: &Globals, sources: &profile::Sources<E>) -> Result<Client, Error>
where
    E: Fn(&str) -> Option<std::ffi::OsString>,
{
    // --base-url wins over the URL variables, even two that disagree.
    let url_flag = globals.base_url.is_some();
    let mut builder = Client::builder_from(|name| sources.lookup(name, url_flag))?
        .envelope(globals.envelope)
        .on_deprecation(|notice| output::stderr_line(&deprecation(notice)));
    if let Some(url) = &globals.base_url {
        builder = builder.base_url(url.clone());
    }
    if let Some(timeout) = globals.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(cache) = TokenCache::user_default().filter(|_| !globals.no_token_cache) {
        builder = builder.token_cache(cache);
    }
    builder.build()
}

/// A completion script for `shell`, written whole (clap_complete panics on a failed
/// write, so it writes to memory first).
fn completions(shell: clap_complete::Shell, out: &mut impl Write) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command(), "atlas-snapshots", &mut script);
    Ok(out.write_all(&script)?)
}

/// Where settings come from: the environment, then the Atlas CLI profile.
fn sources(
    globals: &Globals,
) -> Result<profile::Sources<impl Fn(&str) -> Option<std::ffi::OsString> + use<>>, Error> {
    profile::Sources::new(
        |name: &str| std::env::var_os(name),
        globals.profile.as_deref(),
        output::stderr_line,
    )
}

/// Whether any credential variable is set (a 401 without one earns a hint).
fn credentials_set<E>(sources: &profile::Sources<E>) -> bool
where
    E: Fn(&str) -> Option<std::ffi::OsString>,
{
    CREDENTIAL_VARIABLES
        .iter()
        .any(|name| sources.lookup(name, false).is_some_and(|v| !v.is_empty()))
}

async fn run(globals: Globals, matches: ArgMatches) -> Result<(), Failure> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let (name, sub) = matches
        .subcommand()
        .ok_or(Failure::Input("no command".to_owned()))?;
    if name == "completions" {
        if let Some(shell) = sub.get_one::<clap_complete::Shell>("shell") {
            completions(*shell, &mut out)?;
        }
        return Ok(out.flush()?);
    }
    let sources = sources(&globals)?;
    let mut globals = globals;
    if matches.value_source("output") != Some(ValueSource::CommandLine)
        && let Some(format) = sources.output(output::stderr_line)
    {
        globals.output = format;
    }
    if name == migrate_check::NAME {
        migrate_check::run(&globals, &sources, sub, &mut out).await?;
        return Ok(out.flush()?);
    }
    if let Some(request) = watch::request(name, sub) {
        let request = request?;
        let credentials = credentials_set(&sources);
        return watch::run(&globals, &sources, credentials, request, &mut out).await;
    }
    let (request, form) = if name == "api" {
        let call = api::call(sub).ok_or(Failure::Input(format!("unknown command {name}")))?;
        let request = call.map(|call| friendly::Request { call, all: None });
        (request, Form::Api)
    } else {
        let request = friendly::request(name, sub)
            .ok_or(Failure::Input(format!("unknown command {name}")))?;
        (request, Form::Friendly)
    };
    let mut request = request?;
    let op = request.call.operation;
    let credentials = credentials_set(&sources);
    let result = async {
        request.call.default_group(|flag| sources.group_id(flag))?;
        let client = client(&globals, &sources)?;
        match request.all {
            Some(size) => {
                commands::all(&client, &request.call, size, globals.output, &mut out).await
            }
            None => commands::once(&client, &request.call, globals.output, &mut out).await,
        }?;
        // Flushing here sees a write error that dropping the writer would swallow.
        Ok(out.flush()?)
    }
    .await;
    result.map_err(|failure: Failure| failure.for_command(op, form, credentials))
}

fn main() -> ExitCode {
    let matches = match command().try_get_matches() {
        Ok(matches) => matches,
        Err(e) => {
            let printed = e.print();
            // --help and --version are not errors, unless stdout could not take them.
            return if e.use_stderr() {
                ExitCode::from(2)
            } else if printed.is_err() {
                ExitCode::from(4)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let globals = match Globals::from_arg_matches(&matches) {
        Ok(globals) => globals,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    init_tracing(globals.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            output::stderr_line(&format!("error: starting the async runtime: {e}"));
            return ExitCode::from(4);
        }
    };
    match runtime.block_on(run(globals, matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            // The reader went away (e.g. `| head`): nothing to tell it, but not a success.
            ExitCode::from(4)
        }
        Err(failure) => {
            output::stderr_line(&failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}
