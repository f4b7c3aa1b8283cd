//! `atlas-snapshots`: read Atlas backup snapshots (Serverless and Flex) from a shell.
//!
//! This file holds the command line (clap), the dispatch to the commands, and the
//! mapping of failures to exit codes. Scripts depend on the exit codes:
//!
//! - 0: success;
//! - 2: invalid arguments or configuration (nothing was sent);
//! - 3: Atlas answered with an error;
//! - 4: no usable answer (connection, timeout, oversized or undecodable body, output).
//!
//! No `print!`: `println!` and `eprintln!` panic when their stream is closed, which
//! would turn every exit code into 101.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod commands;
mod flex;
mod output;
mod profile;
mod serverless;

use std::{
    error::Error as _,
    io::{self, IsTerminal, Write},
    process::ExitCode,
    time::Duration,
};

use atlas_snapshots::{Client, DeprecationNotice, Error, Operation, TokenCache, operations};
use clap::{ArgAction, Args, Parser, Subcommand};

use crate::output::Format;

/// Read MongoDB Atlas backup snapshots of Serverless instances and Flex clusters.
///
/// Credentials come from the environment, as for the Atlas CLI: a service account
/// (MONGODB_ATLAS_CLIENT_ID + MONGODB_ATLAS_CLIENT_SECRET), an API key
/// (MONGODB_ATLAS_PUBLIC_API_KEY + MONGODB_ATLAS_PRIVATE_API_KEY) or a token
/// (MONGODB_ATLAS_ACCESS_TOKEN). MONGODB_ATLAS_OPS_MANAGER_URL (the Atlas CLI's name) or
/// MONGODB_ATLAS_BASE_URL sets where Atlas is; with no credentials set, requests go
/// unsigned (for stand-ins). HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY are honoured.
///
/// What the environment does not set comes from the Atlas CLI's profile (-P, else
/// "default") in its config.toml: credentials, ops_manager_url, project_id. Flags win
/// over the environment, and the environment over the profile. A service account's
/// token is cached in the user's cache directory (atlas-snapshots) across runs.
///
/// Exit codes: 0 success; 2 invalid arguments or configuration (nothing sent);
/// 3 Atlas answered with an error; 4 transport failure or timeout.
#[derive(Debug, Parser)]
#[command(name = "atlas-snapshots", version, max_term_width = 100)]
struct Cli {
    /// Where Atlas is (overrides MONGODB_ATLAS_OPS_MANAGER_URL and MONGODB_ATLAS_BASE_URL),
    /// e.g. https://cloud.mongodb.com
    #[arg(long, value_name = "URL", global = true)]
    base_url: Option<String>,

    /// Ask Atlas for enveloped answers (envelope=true); the output is the same.
    #[arg(long, global = true)]
    envelope: bool,

    /// Output format: one JSON document as Atlas sent it, or an aligned table.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Json, global = true)]
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

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Snapshots of a Serverless instance (deprecated by Atlas: use `flex`).
    #[command(subcommand)]
    Serverless(SnapshotCommand),
    /// Snapshots of a Flex cluster.
    #[command(subcommand)]
    Flex(SnapshotCommand),
}

#[derive(Debug, Subcommand)]
enum SnapshotCommand {
    /// One snapshot, by id.
    Get(GetArgs),
    /// The snapshots of a cluster: one page, or all of them with --all.
    List(ListArgs),
}

/// Which cluster.
#[derive(Debug, Args)]
struct Target {
    /// The project (group) id: 24 lowercase hex digits [default: MONGODB_ATLAS_PROJECT_ID,
    /// else the profile's project_id]
    #[arg(long, value_name = "G")]
    group_id: Option<String>,
    /// The Serverless instance or Flex cluster name.
    #[arg(long, value_name = "NAME")]
    cluster: String,
}

#[derive(Debug, Args)]
struct GetArgs {
    #[command(flatten)]
    target: Target,
    /// The snapshot id: 24 lowercase hex digits.
    #[arg(long, value_name = "ID")]
    snapshot: String,
}

#[derive(Debug, Args)]
struct ListArgs {
    #[command(flatten)]
    target: Target,
    /// Items per request, 1 to 500 (default 100, or 500 with --all).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=500))]
    page_size: Option<u32>,
    /// Fetch every page and print all snapshots as one list.
    #[arg(long)]
    all: bool,
}

impl ListArgs {
    fn page_size(&self) -> u32 {
        self.page_size.unwrap_or(if self.all { 500 } else { 100 })
    }
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
    /// The library's error, with a hint for the user where there is one.
    Atlas {
        error: Error,
        hint: Option<&'static str>,
    },
    /// A success answer whose body is not the JSON the page promises.
    Body(String),
    /// Writing the output failed.
    Output(std::io::Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Atlas { error, hint: None }
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Output(error)
    }
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Atlas { error, .. } => match error {
                Error::InvalidArgument { .. } | Error::Config(_) => 2,
                Error::Api(_) | Error::VersionGone { .. } | Error::Auth { .. } => 3,
                Error::Decode { status, .. } if !status.is_success() => 3,
                _ => 4,
            },
            Failure::Body(_) | Failure::Output(_) => 4,
        }
    }

    /// The message for stderr: one `error:` line, and a `hint:` line where useful.
    /// Atlas's text in it (`errorCode`, `detail`, a body prefix) is escaped.
    fn message(&self) -> String {
        match self {
            Failure::Atlas { error, hint } => {
                let mut text = format!("error: {}", output::escape(&describe(error)));
                if let Some(hint) = hint {
                    text.push_str("\nhint: ");
                    text.push_str(hint);
                }
                text
            }
            Failure::Body(what) => format!("error: unexpected answer: {}", output::escape(what)),
            Failure::Output(e) => format!("error: writing the output: {e}"),
        }
    }
}

/// The library's error in the CLI's terms: flags instead of parameter names, Atlas's
/// status, errorCode and detail for its answers, and the causes of transport failures.
fn describe(error: &Error) -> String {
    match error {
        Error::InvalidArgument { parameter, reason } => {
            let flag = match *parameter {
                "group_id" => "--group-id",
                "cluster_name" => "--cluster",
                "snapshot_id" => "--snapshot",
                "items_per_page" => "--page-size",
                other => other,
            };
            format!("invalid {flag}: {reason}")
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

/// The command that calls each operation, keyed by the operation table's rows, so
/// advice about an operation can name it in the CLI's terms.
const COMMANDS: [(&Operation, &str); 4] = [
    (
        &operations::GET_SERVERLESS_BACKUP_SNAPSHOT,
        "atlas-snapshots serverless get",
    ),
    (
        &operations::LIST_SERVERLESS_BACKUP_SNAPSHOTS,
        "atlas-snapshots serverless list",
    ),
    (
        &operations::GET_FLEX_BACKUP_SNAPSHOT,
        "atlas-snapshots flex get",
    ),
    (
        &operations::LIST_FLEX_BACKUP_SNAPSHOTS,
        "atlas-snapshots flex list",
    ),
];

fn command_for(op: &Operation) -> Option<&'static str> {
    COMMANDS
        .iter()
        .find(|(row, _)| *row == op)
        .map(|(_, command)| *command)
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
    let command = op.successor_operation().and_then(command_for);
    match (op.successor, command) {
        (_, Some(command)) => text.push_str(&format!("; use '{command}' instead")),
        (Some(method), None) => text.push_str(&format!("; use {method} instead")),
        (None, None) => {}
    }
    text
}

fn client<E>(cli: &Cli, sources: &profile::Sources<E>) -> Result<Client, Error>
where
    E: Fn(&str) -> Option<std::ffi::OsString>,
{
    // --base-url wins over the URL variables, even two that disagree.
    let url_flag = cli.base_url.is_some();
    let mut builder = Client::builder_from(|name| sources.lookup(name, url_flag))?
        .envelope(cli.envelope)
        .on_deprecation(|notice| output::stderr_line(&deprecation(notice)));
    if let Some(url) = &cli.base_url {
        builder = builder.base_url(url.clone());
    }
    if let Some(timeout) = cli.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(cache) = TokenCache::user_default().filter(|_| !cli.no_token_cache) {
        builder = builder.token_cache(cache);
    }
    builder.build()
}

impl Command {
    fn target(&self) -> &Target {
        let (Command::Serverless(command) | Command::Flex(command)) = self;
        match command {
            SnapshotCommand::Get(args) => &args.target,
            SnapshotCommand::List(args) => &args.target,
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let sources = profile::Sources::new(
        |name: &str| std::env::var_os(name),
        cli.profile.as_deref(),
        output::stderr_line,
    )?;
    let group = sources.group_id(cli.command.target().group_id.as_deref())?;
    let client = client(&cli, &sources)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    match cli.command {
        Command::Serverless(command) => {
            serverless::run(&client, &group, command, cli.output, &mut out).await
        }
        Command::Flex(command) => flex::run(&client, &group, command, cli.output, &mut out).await,
    }?;
    // Flushing here sees a write error that dropping the writer would swallow.
    Ok(out.flush()?)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
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
    init_tracing(cli.verbose);
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
    match runtime.block_on(run(cli)) {
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
