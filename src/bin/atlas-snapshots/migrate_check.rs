//! `atlas-snapshots migrate-check`: has a Serverless instance become a Flex cluster, are
//! its snapshots reachable through the Flex commands, and which command replaces each
//! Serverless one (`Client::migration_check`).

use std::io::Write;

use atlas_snapshots::{Lookup, MigrationReport, Verdict};
use clap::{Arg, ArgMatches, Command};
use serde_json::{Value, json};

use crate::{
    Failure, Globals, catalog, client,
    output::{self, Format, Heading, Table},
    profile,
};

pub const NAME: &str = "migrate-check";
const GROUP_ID: &str = "group-id";
const CLUSTER: &str = "cluster";

pub fn command() -> Command {
    Command::new(NAME)
        .about("Say whether a Serverless instance is now a Flex cluster, and what to call instead")
        .long_about(
            "Say whether a Serverless instance is now a Flex cluster, whether its snapshots \
             are reachable through the Flex commands, and which command replaces each \
             Serverless one.\n\n\
             It asks the Flex cluster and the Serverless instance operations (and, for a \
             Flex cluster, one item of its snapshot list). A 404 on either side, and the \
             Serverless side's 410 VERSION_GONE after its sunset, are answers: the exit \
             code is 0 whatever the verdict (\"flex\", \"notMigrated\" or \"unknown\").",
        )
        .arg(
            Arg::new(GROUP_ID)
                .long(GROUP_ID)
                .value_name("GROUP_ID")
                .help(
                    "The project (group) id: 24 lowercase hex digits (default: \
                     MONGODB_ATLAS_PROJECT_ID, then the profile's project_id)",
                ),
        )
        .arg(
            Arg::new(CLUSTER)
                .long(CLUSTER)
                .value_name("CLUSTER")
                .required(true)
                .help("The Serverless instance's name, which its Flex cluster keeps (required)"),
        )
}

pub async fn run<E>(
    globals: &Globals,
    sources: &profile::Sources<E>,
    matches: &ArgMatches,
    out: &mut impl Write,
) -> Result<(), Failure>
where
    E: Fn(&str) -> Option<std::ffi::OsString>,
{
    let text = |id| matches.get_one::<String>(id).map(String::as_str);
    let group = sources.group_id(text(GROUP_ID))?;
    let client = client(globals, sources)?;
    let report = client
        .migration_check(&group, text(CLUSTER).unwrap_or_default())
        .await
        .map_err(|error| {
            // The library names its parameters; the user typed flags.
            let flag = match &error {
                atlas_snapshots::Error::InvalidArgument { parameter, .. } => match *parameter {
                    "group_id" => Some(format!("--{GROUP_ID}")),
                    _ => Some(format!("--{CLUSTER}")),
                },
                _ => None,
            };
            Failure::Atlas {
                error,
                flag,
                hint: None,
            }
        })?;
    match globals.output {
        Format::Json => write_json(&report, out),
        Format::Table => write_table(&report, out),
    }
}

fn verdict(report: &MigrationReport) -> &'static str {
    match report.verdict() {
        Verdict::Flex => "flex",
        Verdict::NotMigrated => "notMigrated",
        _ => "unknown",
    }
}

fn lookup(lookup: Lookup) -> Value {
    match lookup {
        Lookup::Found => json!({"answer": "found"}),
        Lookup::NotFound => json!({"answer": "notFound"}),
        Lookup::Gone { sunset } => json!({"answer": "gone", "sunset": sunset}),
        _ => json!({"answer": "unknown"}),
    }
}

fn write_json(report: &MigrationReport, out: &mut impl Write) -> Result<(), Failure> {
    let instead: Vec<Value> = report
        .replacements
        .iter()
        .map(|r| {
            json!({
                "deprecated": r.deprecated.id,
                "command": catalog::command_line(r.deprecated),
                "instead": r.instead.id,
                "insteadCommand": catalog::command_line(r.instead),
                "insteadMethod": r.instead.method_name,
            })
        })
        .collect();
    let report = json!({
        "groupId": report.group_id,
        "name": report.name,
        "verdict": verdict(report),
        "serverless": lookup(report.serverless),
        "flex": lookup(report.flex),
        "flexSnapshots": {
            "reachable": report.snapshots_reachable(),
            "totalCount": report.flex_snapshots.flatten(),
        },
        "instead": instead,
    });
    let text = serde_json::value::to_raw_value(&report)
        .map_err(|e| Failure::Body(format!("the report: {e}")))?;
    Ok(output::json(out, &text)?)
}

fn write_table(report: &MigrationReport, out: &mut impl Write) -> Result<(), Failure> {
    let side = |l: Lookup| match l {
        Lookup::Found => "found".to_owned(),
        Lookup::NotFound => "not found".to_owned(),
        Lookup::Gone { sunset } => format!("gone (sunset {})", sunset.unwrap_or("unannounced")),
        _ => "unknown".to_owned(),
    };
    let snapshots = match report.flex_snapshots {
        Some(Some(n)) => format!("reachable ({n})"),
        Some(None) => "reachable".to_owned(),
        None => "not reachable".to_owned(),
    };
    let mut rows = vec![
        vec!["verdict".to_owned(), verdict(report).to_owned()],
        vec!["serverless instance".to_owned(), side(report.serverless)],
        vec!["flex cluster".to_owned(), side(report.flex)],
        vec!["snapshots on flex".to_owned(), snapshots],
    ];
    for r in &report.replacements {
        rows.push(vec![
            format!("instead of {}", r.deprecated.id),
            catalog::command_line(r.instead),
        ]);
    }
    let heading = |header| Heading {
        header,
        right: false,
    };
    let headings = vec![heading("QUESTION"), heading("ANSWER")];
    Ok(Table::new(headings).rows(out, &rows)?)
}
